import { EventTypes } from '@countersign/contracts';
import type { CastVote } from './approval.commands';
import {
  concerning,
  reviewOf,
  type ApprovalEvent,
  type ApprovalOpenedData,
  type ReviewCompleted,
  type ReviewEscalated,
  type ReviewOverdue,
  type ReviewRequired,
} from './approval.events';
import { decidedEvent, IdTags, optionalReason } from './approval.ids';
import { evolve, nameOf, personOf, type ApprovalState, type ResolvedApproval, type ReviewState } from './approval.state';
import { needsStepUp, shownProblem, stepUpRequired, voteRejected, type Refusal } from './approval.votes';
import { addSeconds, hasReached } from '@countersign/decider';

/**
 * The after-the-fact review every break-glass approval owes. It is required together with the
 * approval, escalates to more groups if nobody closes it in time, is flagged overdue after its
 * deadline, and stays open until a reviewer who had no part in the emergency closes it.
 */
export function reviewRequired(request: ApprovalOpenedData, approvers: readonly string[], now: string): ReviewRequired {
  const plan = reviewPlanOf(request);
  return decidedEvent(EventTypes.ReviewRequired, request.requestId, IdTags.reviewRequired, now, {
    ...concerning(request),
    policy: request.policy,
    approvers: [...approvers],
    reviewGroups: plan.groups,
    dueAt: addSeconds(now, plan.deadlineSeconds),
    ...(plan.escalation ? { escalatesAt: addSeconds(now, plan.escalation.afterSeconds) } : {}),
    requiredAt: now,
  });
}

/** What the passing of time calls for on an open review: escalate it, then flag it overdue. */
export function reviewDeadlines(state: ResolvedApproval, now: string): ApprovalEvent[] {
  let review = state.review;
  if (!review || review.status !== 'open') return [];
  const events: ApprovalEvent[] = [];
  if (review.escalatesAt !== undefined && !review.escalated && hasReached(now, review.escalatesAt)) {
    events.push(reviewEscalated(state.request, review, now));
    review = { ...review, escalated: true };
  }
  if (!review.overdue && hasReached(now, review.dueAt)) events.push(reviewOverdue(state.request, review, now));
  return events;
}

/** A review vote (`vote.review`): closes the open review as upheld (approve) or disputed (deny). */
export function decideReviewVote(command: CastVote, state: ApprovalState): ApprovalEvent[] {
  if (state.status !== 'approved' || !state.review) {
    return [voteRejected(command, { code: 'unknown_request', message: 'no break-glass review is open for this request' })];
  }
  const due = reviewDeadlines(state, command.now);
  const current = due.reduce(evolve, state as ApprovalState) as ResolvedApproval;
  const review = current.review!;
  if (review.status === 'closed')
    return [...due, voteRejected(command, { code: 'already_resolved', message: 'the review was already completed' })];
  const refusal = screenReviewer(current, review, command);
  return [...due, refusal ? voteRejected(command, refusal) : reviewCompleted(current.request, review, command)];
}

function screenReviewer(state: ResolvedApproval, review: ReviewState, command: CastVote): Refusal | undefined {
  const { request } = state;
  const person = personOf(request, command.voter);
  if ([nameOf(command.voter), person].some((self) => request.requesterPersons.includes(self))) {
    return { code: 'self_approval', message: `${command.voter} is, or answers for, the requester and may not review its request` };
  }
  if (review.approvers.some((approver) => personOf(request, approver) === person)) {
    return { code: 'self_approval', message: `${command.voter} approved this emergency and may not review it` };
  }
  if (!reviewersNow(request, review).includes(command.voter)) {
    return {
      code: 'not_eligible',
      message: `${command.voter} is not in the review groups: ${reviewGroupsNow(request, review).join(', ')}`,
    };
  }
  const shown = shownProblem(request, command);
  if (shown) return shown;
  // Upholding an emergency one person authorized is as strong a statement as approving it.
  if (needsStepUp(request, command)) return stepUpRequired(request, command);
  return undefined;
}

function reviewersNow(request: ApprovalOpenedData, review: ReviewState): string[] {
  const plan = reviewPlanOf(request);
  return review.escalated && plan.escalation ? [...plan.reviewers, ...plan.escalation.reviewers] : plan.reviewers;
}

function reviewGroupsNow(request: ApprovalOpenedData, review: ReviewState): string[] {
  const plan = reviewPlanOf(request);
  return review.escalated && plan.escalation ? [...new Set([...plan.groups, ...plan.escalation.groups])] : plan.groups;
}

function reviewEscalated(request: ApprovalOpenedData, review: ReviewState, now: string): ReviewEscalated {
  const plan = reviewPlanOf(request);
  return decidedEvent(EventTypes.ReviewEscalated, request.requestId, IdTags.reviewEscalated, now, {
    ...reviewOf(request),
    addedGroups: plan.escalation?.groups ?? [],
    reviewGroups: reviewGroupsNow(request, { ...review, escalated: true }),
    dueAt: review.dueAt,
    escalatedAt: now,
  });
}

function reviewOverdue(request: ApprovalOpenedData, review: ReviewState, now: string): ReviewOverdue {
  return decidedEvent(EventTypes.ReviewOverdue, request.requestId, IdTags.reviewOverdue, now, {
    ...reviewOf(request),
    reviewGroups: reviewGroupsNow(request, review),
    dueAt: review.dueAt,
    overdueAt: now,
  });
}

function reviewCompleted(request: ApprovalOpenedData, review: ReviewState, command: CastVote): ReviewCompleted {
  return decidedEvent(EventTypes.ReviewCompleted, command.voteId, IdTags.reviewCompleted, command.now, {
    ...reviewOf(request),
    reviewer: command.voter,
    voteId: command.voteId,
    verdict: command.vote.decision === 'approve' ? 'upheld' : 'disputed',
    ...optionalReason(command.vote.reason),
    late: hasReached(command.now, review.dueAt),
    completedAt: command.now,
  });
}

function reviewPlanOf(request: ApprovalOpenedData): NonNullable<ApprovalOpenedData['review']> {
  if (!request.review) throw new Error(`request ${request.requestId} has no review plan (this is a bug)`);
  return request.review;
}
