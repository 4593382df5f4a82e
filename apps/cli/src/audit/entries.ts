import { AuditRecordV1, EventTypes, serviceId, type Envelope } from '@countersign/contracts';
import type { TrustStore, Verification } from '@countersign/identity';

/** One line of an export file or one message of CS_AUDIT, exactly as read. */
export interface RawAuditEntry {
  /** Where it came from, for messages: `CS_AUDIT #12` or `records.jsonl:3`. */
  origin: string;
  text: string;
}

/** An entry after parsing and signature checks; nothing here has been trusted yet. */
export interface ExaminedEntry {
  origin: string;
  /** What the hash chain is computed over (the record, unwrapped from its envelope if it had one). */
  record: unknown;
  /** The record, when it has the AuditRecordV1 shape. */
  parsed?: AuditRecordV1;
  /** Why the entry could not be read at all. */
  problem?: string;
  /** The audit service's signature on the record, when the entry came wrapped in an envelope. */
  wrapper?: Verification;
  /** The embedded event's own signature, checked against the trust store. */
  event?: Verification;
}

/**
 * The audit service relays each record as a signed envelope (type audit.record, data = record);
 * exports keep that form, and bare records (one JSON record per line) are accepted too, so a chain
 * assembled by other tools can still be checked. Either way the embedded event is re-verified here
 * with public keys only: that is what makes the check work offline and independently of audit.
 */
export function examineEntry(raw: RawAuditEntry, trust: TrustStore): ExaminedEntry {
  let json: unknown;
  try {
    json = JSON.parse(raw.text) as unknown;
  } catch (error) {
    return { origin: raw.origin, record: undefined, problem: `not JSON: ${(error as Error).message}` };
  }
  const wrapped = isObject(json) && 'specversion' in json;
  const record = wrapped ? (json as { data?: unknown }).data : json;
  const parsed = AuditRecordV1.safeParse(record);
  // Audit's chain time is the witness for a retired key (keyStanding), never the signer's own time,
  // and only when audit signed it: anyone can rebuild a bare chain with an earlier recordedAt.
  const recordedAt = parsed.success ? new Date(parsed.data.recordedAt) : undefined;
  const wrapper = wrapped ? trust.verify(json, undefined, recordedAt) : undefined;
  const problem = wrapper ? wrapperProblem(wrapper) : undefined;
  const witnessedAt = wrapper?.ok && !problem ? recordedAt : undefined;
  return {
    origin: raw.origin,
    record,
    ...(problem ? { problem } : {}),
    ...(wrapper ? { wrapper } : {}),
    ...(parsed.success ? { parsed: parsed.data, event: trust.verify(parsed.data.event, undefined, witnessedAt) } : {}),
  };
}

/** A record's wrapper must be an audit record signed by the audit service, and nothing else. */
function wrapperProblem(wrapper: Verification): string | undefined {
  if (!wrapper.ok) return undefined; // reported as a signature failure, not as unreadable
  if (wrapper.type !== EventTypes.AuditRecord || wrapper.envelope.signer !== serviceId('audit')) {
    return `wrapped in ${wrapper.type} signed by ${wrapper.envelope.signer}, not an audit record from service:audit`;
  }
  return undefined;
}

export function examineEntries(raw: readonly RawAuditEntry[], trust: TrustStore): ExaminedEntry[] {
  return raw.map((entry) => examineEntry(entry, trust));
}

/** One entry per non-empty line, numbered as an editor would show them. */
export function parseJsonLines(text: string, name: string): RawAuditEntry[] {
  return text.split('\n').flatMap((line, index) => (line.trim() === '' ? [] : [{ origin: `${name}:${index + 1}`, text: line }]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The envelope attributes shown in listings, read defensively from an unverified event. */
export interface EventHeader {
  id: string;
  type: string;
  signer: string;
  time: string;
}

export function eventHeader(event: Record<string, unknown>): EventHeader {
  const text = (key: string) => (typeof event[key] === 'string' ? event[key] : '?');
  return { id: text('id'), type: text('type'), signer: text('signer'), time: text('time') };
}

/** Whether a record belongs to a request: its tag, the event's subject, or the event's data says so. */
export function concernsRequest(record: AuditRecordV1, requestId: string): boolean {
  if (record.requestId === requestId) return true;
  const event = record.event as Partial<Envelope<{ requestId?: unknown }>>;
  return event.subject === requestId || event.correlationid === requestId || event.data?.requestId === requestId;
}

export function entriesForRequest(entries: readonly ExaminedEntry[], requestId: string): Array<ExaminedEntry & { parsed: AuditRecordV1 }> {
  return entries.filter(
    (entry): entry is ExaminedEntry & { parsed: AuditRecordV1 } => entry.parsed !== undefined && concernsRequest(entry.parsed, requestId),
  );
}
