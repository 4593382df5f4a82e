import type { Decider } from '@countersign/decider';
import type { ApprovalCommand } from './approval.commands';
import { decide } from './approval.decide';
import type { ApprovalEvent } from './approval.events';
import { evolve, initialState, type ApprovalState } from './approval.state';

/**
 * Approval's decider for one request stream (`request-<requestId>` in approval's own store).
 * Its first event is always the local `approval.opened`, which the shell stores but neither signs
 * nor relays (see `isLocalEvent`); every other event is a contract event, ready to sign.
 */
export const approvalDecider: Decider<ApprovalCommand, ApprovalEvent, ApprovalState> = { decide, evolve, initialState };

export type { ApprovalCommand, CastVote, CheckDeadlines, OpenApproval } from './approval.commands';
export type { PeopleFacts } from '@countersign/policy';
export { executionWindow } from './approval.decide';
export {
  isLocalEvent,
  LocalEventTypes,
  type ApprovalEscalated,
  type ApprovalEvent,
  type ApprovalOpened,
  type ApprovalOpenedData,
  type ApprovalRequested,
  type DomainEvent,
  type PublishedApprovalEvent,
  type RequestApproved,
  type RequestDenied,
  type RequestExpired,
  type ReviewCompleted,
  type ReviewEscalated,
  type ReviewEvent,
  type ReviewOverdue,
  type ReviewRequired,
  type VoteKept,
  type VoteRecorded,
  type VoteRejected,
} from './approval.events';
export { IdTags } from './approval.ids';
export { DEADLINE_EVENT_TYPES, deadlineAfter } from './deadlines';
export { approvalsOf, eligibleNow, groupsNow, isExpired, isResolved, pendingExpiry } from './approval.queries';
export {
  evolve,
  initialState,
  streamFor,
  type ApprovalState,
  type PendingApproval,
  type RecordedVote,
  type Resolution,
  type ResolvedApproval,
  type ReviewState,
  type UnknownApproval,
} from './approval.state';
export { decide };
