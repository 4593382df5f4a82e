import {
  EventTypes,
  deterministicId,
  type AuditReceiptV1,
  type CredentialIssuedV1,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
} from '@countersign/contracts';
import type { Decider } from '@countersign/decider';
import type { DomainEvent } from './domain-event';

/** The executor's own copy of a request's chain, filled in whatever order the three consumers deliver. */
export const evidenceStream = (requestId: string): string => `evidence-${requestId}`;

/** Local only: the original envelopes were published by their own services. */
export const EvidenceRecordedType = 'local.evidence.recorded';
export type EvidenceRecorded = DomainEvent<typeof EvidenceRecordedType, { envelope: Envelope }>;
export type EvidenceEvent = EvidenceRecorded;

/** An envelope the shell already verified against the trust store. */
export interface RecordEvidence {
  type: 'RecordEvidence';
  envelope: Envelope;
}
export type EvidenceCommand = RecordEvidence;

export interface EvidenceState {
  accepted: Envelope<RequestAcceptedV1> | null;
  approved: Envelope<RequestApprovedV1> | null;
  issued: Envelope<CredentialIssuedV1> | null;
  /** Audit's receipts for the request, any number: the audit gate (audit-gate.ts) picks the one naming the approval. */
  receipts: readonly Envelope<AuditReceiptV1>[];
  /** Second, different envelopes of a kind already held: each service emits one, so this is an anomaly. */
  conflicting: readonly string[];
  recordedIds: readonly string[];
}

const SLOTS = {
  [EventTypes.RequestAccepted]: 'accepted',
  [EventTypes.RequestApproved]: 'approved',
  [EventTypes.CredentialIssued]: 'issued',
} as const;
type Slot = (typeof SLOTS)[keyof typeof SLOTS];

const slotOf = (type: string): Slot | undefined =>
  Object.prototype.hasOwnProperty.call(SLOTS, type) ? SLOTS[type as keyof typeof SLOTS] : undefined;

export const initialEvidenceState = (): EvidenceState => ({
  accepted: null,
  approved: null,
  issued: null,
  receipts: [],
  conflicting: [],
  recordedIds: [],
});

/** Any other type is not evidence the executor needs, so the shell's misrouting records nothing. */
export function decideEvidence({ envelope }: RecordEvidence, state: EvidenceState): EvidenceEvent[] {
  if ((slotOf(envelope.type) === undefined && envelope.type !== EventTypes.AuditReceipt) || state.recordedIds.includes(envelope.id))
    return [];
  return [{ type: EvidenceRecordedType, id: deterministicId(envelope.id, 'executor.evidence.recorded'), data: { envelope } }];
}

export function evolveEvidence(state: EvidenceState, { data: { envelope } }: EvidenceEvent): EvidenceState {
  const slot = slotOf(envelope.type);
  const recorded = { ...state, recordedIds: [...state.recordedIds, envelope.id] };
  if (envelope.type === EventTypes.AuditReceipt)
    return { ...recorded, receipts: [...state.receipts, envelope as Envelope<AuditReceiptV1>] };
  if (slot === undefined) return recorded;
  // The first envelope of a kind stays; a later different one is kept only as a reason to refuse.
  if (state[slot] !== null) return { ...recorded, conflicting: [...state.conflicting, envelope.id] };
  // The slot's data type is taken on trust: the shell's trust store validated data against the type's schema.
  return { ...recorded, [slot]: envelope };
}

/** All three links are present, so the shell may open the credential and run `checkChain`. */
export function readyToExecute(evidence: EvidenceState): boolean {
  return evidence.accepted !== null && evidence.approved !== null && evidence.issued !== null;
}

export const evidenceDecider: Decider<EvidenceCommand, EvidenceEvent, EvidenceState> = {
  decide: decideEvidence,
  evolve: evolveEvidence,
  initialState: initialEvidenceState,
};
