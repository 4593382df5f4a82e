import type { ApprovalState, PendingApproval, RecordedVote } from './approval.state';
import { hasReached } from '@countersign/decider';

/** The deadline the pending approval expires at, while it is pending. */
export function pendingExpiry(state: ApprovalState): string | undefined {
  return state.status === 'pending' ? state.request.expiresAt : undefined;
}

/** Expired already, or pending with its deadline reached (the next CheckDeadlines will record it). */
export function isExpired(state: ApprovalState, now: string): boolean {
  return state.status === 'expired' || (state.status === 'pending' && hasReached(now, state.request.expiresAt));
}

export function isResolved(state: ApprovalState): boolean {
  return state.status === 'approved' || state.status === 'denied' || state.status === 'expired';
}

/** Approving votes so far; each is a distinct person, because duplicates are rejected. */
export function approvalsOf(state: Pick<PendingApproval, 'votes'>): RecordedVote[] {
  return state.votes.filter((vote) => vote.decision === 'approve');
}

/** Who may vote now: the tier's approvers, and the escalation's once it happened. */
export function eligibleNow(state: Pick<PendingApproval, 'request' | 'escalated'>): string[] {
  const { eligibleApprovers, escalation } = state.request;
  return state.escalated && escalation ? [...eligibleApprovers, ...escalation.eligibleApprovers] : eligibleApprovers;
}

/** The groups that may vote now. */
export function groupsNow(state: Pick<PendingApproval, 'request' | 'escalated'>): string[] {
  const { eligibleGroups, escalation } = state.request;
  return state.escalated && escalation ? [...new Set([...eligibleGroups, ...escalation.groups])] : eligibleGroups;
}
