import { canonicalJson, sha256Hex, type AuditRecordV1 } from '@countersign/contracts';
import {
  FINDING_STATUS,
  OBSERVABLE,
  OCSF_VERSION,
  PRODUCT,
  SEVERITY,
  USER_TYPE,
  type FindingStatusId,
  type OcsfClass,
  type OcsfEvent,
  type SeverityId,
  type Status,
} from './ocsf';

/** The signed event an audit record carries, as far as the rendering needs it. */
export interface SignedEvent {
  id: string;
  type: string;
  time: string;
  signer: string;
  keyid: string;
  signature: string;
  data: Record<string, unknown>;
}

/** What a mapping decides for one event; assemble() adds everything every record carries. */
export interface Rendering {
  cls: OcsfClass;
  activity: number;
  /** The source's own label when activity is 99 Other. */
  activityLabel?: string;
  severity: SeverityId;
  status?: Status;
  findingStatus?: FindingStatusId;
  message: string;
  /** Class-specific attributes (actor, api, entity, user, finding_info, ...). */
  fields: Record<string, unknown>;
}

/**
 * Fields too bulky for a syslog line or a SIEM index that add nothing a search needs: the sealed
 * credential, the evidence envelopes, a dead letter's raw payload. They stay in the chain; the
 * rendering keeps `event_sha256`, which covers them, so the record still verifies back.
 */
const OMITTED = ['sealed', 'submission', 'evidence', 'payloadBase64'];

export const ms = (iso: string): number => Date.parse(iso);

export function actorOf(identity: string): Record<string, unknown> {
  return { user: userOf(identity) };
}

export function userOf(identity: string): Record<string, unknown> {
  const person = identity.startsWith('approver:') || identity.startsWith('operator:');
  const [typeId, type] = person ? USER_TYPE.user : USER_TYPE.service;
  return { uid: identity, name: identity, type_id: typeId, type };
}

export function requestResource(requestId: string | undefined): Record<string, unknown>[] {
  return requestId ? [{ uid: requestId, type: 'approval_request' }] : [];
}

function statusFields(rendering: Rendering): Record<string, unknown> {
  if (rendering.findingStatus !== undefined) return { status_id: rendering.findingStatus, status: FINDING_STATUS[rendering.findingStatus] };
  const status = rendering.status;
  if (!status) return {};
  if (status.id === 1) return { status_id: 1, status: 'Success' };
  if (status.id === 2) return { status_id: 2, status: 'Failure', status_code: status.code, ...detail(status.detail) };
  return { status_id: 99, status: status.label, ...detail(status.detail) };
}

const detail = (text: string | undefined) => (text === undefined ? {} : { status_detail: text });

function trimmedData(data: Record<string, unknown>): { data: Record<string, unknown>; omitted: string[] } {
  const omitted = OMITTED.filter((key) => key in data);
  return { data: Object.fromEntries(Object.entries(data).filter(([key]) => !omitted.includes(key))), omitted };
}

/**
 * The provenance every rendering carries so a SIEM can verify it back to the chain: the audit
 * sequence and record hash (the link), and the SHA-256 of the canonical signed event (what the
 * record's hash covers), with the event's id, type, signer and key.
 */
function provenance(record: AuditRecordV1, event: SignedEvent): Record<string, unknown> {
  const { data, omitted } = trimmedData(event.data);
  return {
    audit_sequence: record.sequence,
    record_hash: record.hash,
    previous_hash: record.previousHash,
    recorded_at: record.recordedAt,
    event_id: event.id,
    event_type: event.type,
    event_signer: event.signer,
    event_keyid: event.keyid,
    event_sha256: sha256Hex(canonicalJson(record.event)),
    data,
    ...(omitted.length > 0 ? { omitted } : {}),
  };
}

function observables(record: AuditRecordV1, event: SignedEvent, eventSha256: string): Record<string, unknown>[] {
  const [hashId, hashCaption] = OBSERVABLE.hash;
  const [uidId, uidCaption] = OBSERVABLE.resourceUid;
  const [userId, userCaption] = OBSERVABLE.userName;
  return [
    { name: 'unmapped.countersign.record_hash', type_id: hashId, type: hashCaption, value: record.hash },
    { name: 'unmapped.countersign.event_sha256', type_id: hashId, type: hashCaption, value: eventSha256 },
    { name: 'unmapped.countersign.event_signer', type_id: userId, type: userCaption, value: event.signer },
    ...(record.requestId ? [{ name: 'metadata.correlation_uid', type_id: uidId, type: uidCaption, value: record.requestId }] : []),
  ];
}

export function assemble(record: AuditRecordV1, event: SignedEvent, rendering: Rendering): OcsfEvent {
  const { cls, activity } = rendering;
  const caption = (cls.activities as Record<number, string>)[activity] ?? 'Other';
  const countersign = provenance(record, event);
  return {
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.category_uid,
    category_name: cls.category_name,
    activity_id: activity,
    activity_name: activity === 99 ? (rendering.activityLabel ?? 'Other') : caption,
    type_uid: cls.uid * 100 + activity,
    type_name: `${cls.name}: ${caption}`,
    severity_id: rendering.severity,
    severity: SEVERITY[rendering.severity],
    time: ms(event.time),
    message: rendering.message,
    ...statusFields(rendering),
    metadata: {
      version: OCSF_VERSION,
      product: { ...PRODUCT },
      uid: event.id,
      event_code: event.type,
      log_name: 'CS_AUDIT',
      log_provider: 'service:audit',
      original_time: event.time,
      logged_time: ms(record.recordedAt),
      sequence: record.sequence,
      ...(record.requestId ? { correlation_uid: record.requestId } : {}),
    },
    observables: observables(record, event, countersign.event_sha256 as string),
    ...rendering.fields,
    unmapped: { countersign },
  };
}
