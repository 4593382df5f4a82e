import type { AuditRecordV1 } from '@countersign/contracts';
import { assemble, type SignedEvent } from './assemble';
import { fallbackMapping, MAPPINGS } from './mappings';
import type { OcsfEvent } from './ocsf';

/**
 * Renders one audit record as one OCSF 1.8.0 event. Pure: everything comes from the record (times
 * from the signed event and the record, never from a clock), so the same record always renders the
 * same bytes and a receiver can re-render it from an exported chain to compare.
 */
export function renderOcsf(record: AuditRecordV1): OcsfEvent {
  const event = signedEventOf(record);
  const mapping = MAPPINGS[event.type] ?? fallbackMapping;
  return assemble(record, event, mapping(event));
}

function signedEventOf(record: AuditRecordV1): SignedEvent {
  const raw = record.event;
  const text = (key: string) => (typeof raw[key] === 'string' ? raw[key] : '');
  const data = raw.data !== null && typeof raw.data === 'object' && !Array.isArray(raw.data) ? (raw.data as Record<string, unknown>) : {};
  return {
    id: text('id'),
    type: text('type'),
    // The chain only holds verified envelopes, whose time is an ISO timestamp; recordedAt is the fallback.
    time: Number.isFinite(Date.parse(text('time'))) ? text('time') : record.recordedAt,
    signer: text('signer'),
    keyid: text('keyid'),
    signature: text('signature'),
    data,
  };
}
