import { EventTypes, deterministicId, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import type { Decider } from '@countersign/decider';
import type { DomainEvent } from './domain-event';
import { GENESIS, appendRecord, type ChainHead } from './hash-chain';
import { receiptsFor, type AuditReceiptIssued } from './audit-receipt';
import { addRecent, emptyRecentIds, hasRecent, type RecentIds } from './recent-ids';

/** The single hash chain: every verified event, in the order audit received it. */
export const AUDIT_LOG_STREAM = 'audit-log';

export type AuditRecorded = DomainEvent<typeof EventTypes.AuditRecord, AuditRecordV1>;
export type AuditLogEvent = AuditRecorded | AuditReceiptIssued;

/** An envelope the shell verified against the trust store, from any of audit's three consumers. */
export interface RecordEvent {
  type: 'RecordEvent';
  envelope: Envelope;
  recordedAt: string;
}
export type AuditLogCommand = RecordEvent;

export interface AuditLogState {
  head: ChainHead;
  /** Envelope ids recorded lately; bounded, see RecentIds. */
  recent: RecentIds;
}

export const initialAuditLogState = (): AuditLogState => ({ head: GENESIS, recent: emptyRecentIds() });

/**
 * Chains the envelope unless it was recorded lately. Audit's own record events are never chained:
 * recording a record would produce another record, forever.
 */
export function decideAuditLog({ envelope, recordedAt }: RecordEvent, state: AuditLogState): AuditLogEvent[] {
  if (envelope.type === EventTypes.AuditRecord || hasRecent(state.recent, envelope.id)) return [];
  const record = appendRecord(state.head, envelope, recordedAt);
  return [
    { type: EventTypes.AuditRecord, id: deterministicId(envelope.id, 'audit.record'), data: record },
    ...receiptsFor(envelope, record),
  ];
}

export function evolveAuditLog(state: AuditLogState, event: AuditLogEvent): AuditLogState {
  // A receipt is not a link: it is chained when audit hears it back, like every other event.
  if (event.type !== EventTypes.AuditRecord) return state;
  const record = event.data;
  const eventId = record.event['id'];
  return {
    head: { sequence: record.sequence, hash: record.hash },
    recent: typeof eventId === 'string' ? addRecent(state.recent, eventId) : state.recent,
  };
}

export const auditLogDecider: Decider<AuditLogCommand, AuditLogEvent, AuditLogState> = {
  decide: decideAuditLog,
  evolve: evolveAuditLog,
  initialState: initialAuditLogState,
};
