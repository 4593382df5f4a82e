import type {
  AgentContext,
  CanonicalAction,
  Envelope,
  EventData,
  EventType,
  EventTypes,
  PolicyStamp,
  TimeWindow,
} from '@countersign/contracts';
import type { PolicyDecision } from '@countersign/policy';
import type { TimedEvent } from '@countersign/decider';

/**
 * A domain event is exactly what the shell signs: `id` and `time` become the envelope's, `type`
 * and `data` are the contract's. Ids come from `deterministicId` (a pure hash of the cause), so
 * handling a redelivered message yields the very same events.
 */
export type DomainEvent<T extends EventType> = TimedEvent<T, EventData<T>>;

export type ApprovalRequested = DomainEvent<typeof EventTypes.ApprovalRequested>;
export type VoteRecorded = DomainEvent<typeof EventTypes.VoteRecorded>;
export type VoteRejected = DomainEvent<typeof EventTypes.VoteRejected>;
export type RequestApproved = DomainEvent<typeof EventTypes.RequestApproved>;
export type RequestDenied = DomainEvent<typeof EventTypes.RequestDenied>;
export type RequestExpired = DomainEvent<typeof EventTypes.RequestExpired>;
export type ApprovalEscalated = DomainEvent<typeof EventTypes.ApprovalEscalated>;
export type ReviewRequired = DomainEvent<typeof EventTypes.ReviewRequired>;
export type ReviewEscalated = DomainEvent<typeof EventTypes.ReviewEscalated>;
export type ReviewOverdue = DomainEvent<typeof EventTypes.ReviewOverdue>;
export type ReviewCompleted = DomainEvent<typeof EventTypes.ReviewCompleted>;

/** Types of events that stay in approval's own store: stored, never signed, never relayed. */
export const LocalEventTypes = { ApprovalOpened: 'approval.opened', VoteKept: 'approval.vote.kept' } as const;

/**
 * What the approval was opened with. No contract event carries all of it (eligible approvers and
 * their people, the execution window, the accepted event id), yet every later vote is judged by
 * it, so it is recorded once, locally, and replay never consults the current policy or registry.
 */
/** What the policy decided, as approval keeps it (the deadline and step-up are stored as resolved below). */
type PolicyTerms = Pick<
  PolicyDecision,
  | 'mode'
  | 'quorum'
  | 'eligibleGroups'
  | 'eligibleApprovers'
  | 'refusedApprovers'
  | 'approverRules'
  | 'escalation'
  | 'executionWindowSeconds'
  | 'review'
>;

export interface ApprovalOpenedData extends PolicyTerms {
  requestId: string;
  requester: string;
  /** Everyone the requester stands for: the workload's own name and its owner, if any. */
  requesterPersons: string[];
  digest: string;
  /** The action as intake accepted it; approval.requested carries it so approvers can check the digest. */
  action: CanonicalAction;
  /** An agent workload's verified run, as intake accepted it: approval.requested shows it to approvers. */
  agent?: AgentContext;
  /**
   * What approvers are shown (`renderAction`), fixed when the approval opens, and its digest: every
   * vote must name it, so what the approver saw is proven, not assumed.
   */
  rendering: string;
  renderingDigest: string;
  acceptedEventId: string;
  /** The window intake accepted the action for. */
  window: TimeWindow;
  policy: PolicyStamp;
  /** Person of each eligible approver, escalation approver and reviewer. */
  personOf: Record<string, string>;
  /** The policy's pending deadline, never later than the end of the request window. */
  expiresAt: string;
  /**
   * Step-up: an approval (or a review upholding it) counts only when signed with the approver's
   * own key; one relayed by a channel (Slack) is rejected `step_up_required`. Denies count anyhow.
   */
  stepUp?: true;
  openedAt: string;
}

export interface ApprovalOpened {
  id: string;
  type: typeof LocalEventTypes.ApprovalOpened;
  time: string;
  data: ApprovalOpenedData;
}

/**
 * The signed envelope of an approving vote, kept so the approval it completes can carry it as
 * evidence: the broker and the executor verify the votes themselves rather than take approval's word.
 */
export interface VoteKept {
  id: string;
  type: typeof LocalEventTypes.VoteKept;
  time: string;
  data: { requestId: string; voteId: string; envelope: Envelope };
}

export type ReviewEvent = ReviewRequired | ReviewEscalated | ReviewOverdue | ReviewCompleted;
export type PublishedApprovalEvent =
  ApprovalRequested | VoteRecorded | VoteRejected | RequestApproved | RequestDenied | RequestExpired | ApprovalEscalated | ReviewEvent;
export type ApprovalEvent = ApprovalOpened | VoteKept | PublishedApprovalEvent;

/** True for events the shell must store but neither sign nor relay. */
export function isLocalEvent(event: ApprovalEvent): event is ApprovalOpened | VoteKept {
  return event.type === LocalEventTypes.ApprovalOpened || event.type === LocalEventTypes.VoteKept;
}

/** What every outward event states about the request it concerns, so approvers can match it. */
export const concerning = (request: ApprovalOpenedData) => ({
  requestId: request.requestId,
  digest: request.digest,
  requester: request.requester,
});

/** What the events of a break-glass review state about the request and the policy it was under. */
export const reviewOf = (request: ApprovalOpenedData) => ({ requestId: request.requestId, digest: request.digest, policy: request.policy });
