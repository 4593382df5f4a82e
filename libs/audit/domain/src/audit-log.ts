import { EventTypes, deterministicId, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { appendLeaf, recordLeafHash, type MerkleFrontier } from '@countersign/audit-chain';
import type { Decider } from '@countersign/decider';
import type { DomainEvent } from './domain-event';
import { GENESIS, appendRecord, type ChainHead } from './hash-chain';
import { receiptsFor, type AuditReceiptIssued } from './audit-receipt';
import {
  checkpointByCount,
  checkpointByTime,
  checkpointOf,
  initialMerkleState,
  type AuditCheckpointed,
  type CheckpointPolicy,
  type MerkleState,
} from './checkpoint';
import { findingsFor, type AuditFindingRaised } from './findings';
import { addRecent, emptyRecentIds, hasRecent, type RecentIds } from './recent-ids';

/** The single hash chain: every verified event, in the order audit received it. */
export const AUDIT_LOG_STREAM = 'audit-log';

export type AuditRecorded = DomainEvent<typeof EventTypes.AuditRecord, AuditRecordV1>;
export type AuditLogEvent = AuditRecorded | AuditReceiptIssued | AuditCheckpointed | AuditFindingRaised;

/** An envelope the shell verified against the trust store, from any of audit's consumers. */
export interface RecordEvent {
  type: 'RecordEvent';
  envelope: Envelope;
  recordedAt: string;
  /**
   * The requester's signed submission a `request.accepted` (or `request.rejected`) carries, when the shell verified it
   * with its own trust store. Chained before the acceptance unless already recorded, so a request
   * submitted over HTTP (which never crosses CS_SUBMISSIONS) has its submission in the log too.
   */
  submission?: Envelope;
  checkpoints?: CheckpointPolicy;
}

/** The shell's timer: sign a checkpoint if the interval passed and records came since the last one. */
export interface PublishCheckpoint {
  type: 'PublishCheckpoint';
  now: string;
  checkpoints: CheckpointPolicy;
}

export type AuditLogCommand = RecordEvent | PublishCheckpoint;

export interface AuditLogState extends MerkleState {
  head: ChainHead;
  /** Envelope ids recorded lately; bounded, see RecentIds. */
  recent: RecentIds;
}

export const initialAuditLogState = (): AuditLogState => ({ head: GENESIS, recent: emptyRecentIds(), ...initialMerkleState() });

/** Audit's own log events are never chained: recording a record would produce another record, forever. */
const NEVER_CHAINED: readonly string[] = [EventTypes.AuditRecord, EventTypes.AuditCheckpoint];

export function decideAuditLog(command: AuditLogCommand, state: AuditLogState): AuditLogEvent[] {
  if (command.type === 'PublishCheckpoint') {
    return checkpointByTime(state, command.checkpoints, command.now) ? [checkpointOf(state.tree, state.head.hash, command.now)] : [];
  }
  const { envelope, recordedAt } = command;
  if (NEVER_CHAINED.includes(envelope.type) || hasRecent(state.recent, envelope.id)) return [];
  const events: AuditLogEvent[] = [];
  const recorded: AuditRecorded[] = [];
  // Only the chain advances here (head, recent ids): the Merkle leaf, a second canonical encoding and
  // hash of the whole record, is computed when the runner evolves the stored event, and here only
  // for a checkpoint that is due now.
  let next = state;
  for (const candidate of [provenSubmission(command), envelope]) {
    if (!candidate || hasRecent(next.recent, candidate.id)) continue;
    const record = appendRecord(next.head, candidate, recordedAt);
    const link: AuditRecorded = { type: EventTypes.AuditRecord, id: deterministicId(candidate.id, 'audit.record'), data: record };
    events.push(link, ...receiptsFor(candidate, record), ...findingsFor(candidate, recordedAt));
    recorded.push(link);
    next = chained(next, record);
  }
  if (checkpointByCount(state, command.checkpoints, recorded.length))
    events.push(
      checkpointOf(
        recorded.reduce((tree, link) => withLeaf(tree, link.data), state.tree),
        next.head.hash,
        recordedAt,
      ),
    );
  return events;
}

/** The embedded submission, only when it is the one this acceptance (or rejection) names and by its requester. */
export function provenSubmission({ envelope, submission }: Pick<RecordEvent, 'envelope' | 'submission'>): Envelope | undefined {
  if (!submission || (envelope.type !== EventTypes.RequestAccepted && envelope.type !== EventTypes.RequestRejected)) return undefined;
  const accepted = envelope.data as { submissionId?: unknown; requester?: unknown };
  const fits =
    submission.type === EventTypes.RequestSubmitted && submission.id === accepted.submissionId && submission.signer === accepted.requester;
  return fits ? submission : undefined;
}

export function evolveAuditLog(state: AuditLogState, event: AuditLogEvent): AuditLogState {
  if (event.type === EventTypes.AuditCheckpoint)
    return { ...state, lastCheckpoint: { treeSize: event.data.treeSize, at: event.data.checkpointAt } };
  // A receipt or a finding is not a link: it is chained when audit hears it back, like every other event.
  if (event.type !== EventTypes.AuditRecord) return state;
  return { ...chained(state, event.data), tree: withLeaf(state.tree, event.data) };
}

/** The hash chain's side of a record: the new head, and its event's id among the recent ones. */
function chained(state: AuditLogState, record: AuditRecordV1): AuditLogState {
  const eventId = record.event['id'];
  return {
    ...state,
    head: { sequence: record.sequence, hash: record.hash },
    recent: typeof eventId === 'string' ? addRecent(state.recent, eventId) : state.recent,
  };
}

/** The Merkle side: the record's leaf appended to the frontier. */
function withLeaf(tree: MerkleFrontier, record: AuditRecordV1): MerkleFrontier {
  return appendLeaf(tree, recordLeafHash(record));
}

export const auditLogDecider: Decider<AuditLogCommand, AuditLogEvent, AuditLogState> = {
  decide: decideAuditLog,
  evolve: evolveAuditLog,
  initialState: initialAuditLogState,
};
