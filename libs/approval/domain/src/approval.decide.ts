import { deterministicId, EventTypes, renderAction, renderingDigest, type TimeWindow } from '@countersign/contracts';
import type { ApprovalCommand, CastVote, CheckDeadlines, OpenApproval } from './approval.commands';
import type { ApprovalEvent, ApprovalOpened, ApprovalOpenedData, VoteKept, VoteRecorded } from './approval.events';
import { IdTags, optionalReason } from './approval.ids';
import { approvalsOf } from './approval.queries';
import { evolve, nameOf, personOf, type ApprovalState, type PendingApproval, type RecordedVote } from './approval.state';
import { screenVote, unmappedVoter, voteRejected } from './approval.votes';
import { approvalRequested, autoApproved, denied, escalated, expired, quorumApproved, refusedByPolicy } from './resolutions';
import { decideReviewVote, reviewDeadlines, reviewRequired } from './review';
import { addSeconds, byCommandType, earlier, hasReached, later } from '@countersign/decider';
import { requesterPersonsOf } from '@countersign/policy';

export const decide = byCommandType<ApprovalCommand, ApprovalState, ApprovalEvent>({
  OpenApproval: openApproval,
  CastVote: castVote,
  CheckDeadlines: checkDeadlines,
});

function openApproval(command: OpenApproval, state: ApprovalState): ApprovalEvent[] {
  if (state.status !== 'unknown') return []; // a redelivered RequestAccepted
  const opened = openedEvent(command);
  const request = opened.data;
  // Approval came too late for the request's own window: nothing left to approve.
  if (hasReached(command.now, request.expiresAt)) return [opened, expired(request, 0, command.now)];
  if (request.mode === 'refused') return [opened, refusedByPolicy(request, command.now)];
  if (request.mode === 'auto') return [opened, autoApproved(request, executionWindow(request, command.now), command.now)];
  return [opened, approvalRequested(request, command.now)];
}

function openedEvent({ accepted, acceptedEventId, policyDecision: decision, people, now }: OpenApproval): ApprovalOpened {
  const requesterPersons = requesterPersonsOf(accepted.requester, people, accepted.agent);
  const everyone = [
    ...decision.eligibleApprovers,
    ...(decision.escalation?.eligibleApprovers ?? []),
    ...(decision.review?.reviewers ?? []),
    ...(decision.review?.escalation?.reviewers ?? []),
  ];
  const rendering = renderAction(accepted.action);
  const data: ApprovalOpenedData = {
    requestId: accepted.requestId,
    requester: accepted.requester,
    requesterPersons,
    digest: accepted.digest,
    action: accepted.action,
    ...(accepted.agent ? { agent: accepted.agent } : {}),
    rendering,
    renderingDigest: renderingDigest(rendering),
    acceptedEventId,
    window: accepted.action.window,
    policy: decision.stamp,
    mode: decision.mode,
    quorum: decision.quorum,
    eligibleGroups: decision.eligibleGroups,
    eligibleApprovers: decision.eligibleApprovers,
    refusedApprovers: decision.refusedApprovers,
    approverRules: decision.approverRules,
    personOf: Object.fromEntries(everyone.map((id) => [id, people.personOf[id] ?? nameOf(id)])),
    // Defence in depth: whatever the shell computed, never wait past the request's window.
    expiresAt: earlier(decision.pendingExpiresAt, accepted.action.window.notAfter),
    ...(decision.escalation ? { escalation: decision.escalation } : {}),
    executionWindowSeconds: decision.executionWindowSeconds,
    ...(decision.review ? { review: decision.review } : {}),
    ...(decision.stepUp && decision.mode === 'quorum' ? { stepUp: true as const } : {}),
    openedAt: now,
  };
  return { id: deterministicId(acceptedEventId, IdTags.opened), type: 'approval.opened', time: now, data };
}

function castVote(command: CastVote, state: ApprovalState): ApprovalEvent[] {
  if (state.handledVotes.includes(command.voteId)) return []; // a redelivered vote
  // A relayed vote whose channel user is nobody's: nothing else about it matters.
  const unmapped = unmappedVoter(command);
  if (unmapped) return [voteRejected(command, unmapped)];
  if (command.vote.review === true) return decideReviewVote(command, state);
  if (state.status === 'unknown')
    return [voteRejected(command, { code: 'unknown_request', message: 'no approval is open for this request' })];
  // The timer may not have fired yet: let time do its work first (escalate, or expire and refuse).
  const due = state.status === 'pending' ? pendingDeadlines(state, command.now) : [];
  const current = due.reduce(evolve, state);
  if (current.status === 'pending') {
    const refusal = screenVote(current, command);
    return [...due, ...(refusal ? [voteRejected(command, refusal)] : recordVote(command, current))];
  }
  if (current.status === 'unknown') return due; // unreachable: an opened approval never becomes unknown
  const message =
    current.status === 'expired' && state.status === 'pending'
      ? `the request expired at ${current.request.expiresAt}`
      : `the request was already ${current.status}${current.status === 'approved' && current.review?.status === 'open' ? '; its break-glass review is open: vote with review' : ''}`;
  return [...due, voteRejected(command, { code: 'already_resolved', message })];
}

/** Records the vote; a deny resolves at once, an approval resolves when the quorum is reached. */
function recordVote(command: CastVote, state: PendingApproval): ApprovalEvent[] {
  const { request } = state;
  const { decision, reason } = command.vote;
  const approvals = approvalsOf(state).length + (decision === 'approve' ? 1 : 0);
  const recorded: VoteRecorded = {
    id: deterministicId(command.voteId, IdTags.voteRecorded),
    type: EventTypes.VoteRecorded,
    time: command.now,
    data: {
      requestId: request.requestId,
      voteId: command.voteId,
      voter: command.voter,
      via: command.via,
      decision,
      ...optionalReason(reason),
      approvals,
      quorum: request.quorum,
    },
  };
  if (decision === 'deny') return [recorded, denied(request, command.voter, reason, command.now)];
  const kept = keptVote(command);
  if (approvals < request.quorum) return [recorded, ...kept];
  const thisVote: RecordedVote = {
    voteId: command.voteId,
    voter: command.voter,
    person: personOf(request, command.voter),
    via: command.via,
    decision,
    ...optionalReason(reason),
    at: command.now,
    ...(command.evidence ? { evidence: command.evidence } : {}),
  };
  const votes = [...approvalsOf(state), thisVote];
  const approved = quorumApproved(request, votes, executionWindow(request, command.now), command.now);
  // Break-glass: the approval and the review it owes are one decision, appended together.
  const review = request.review
    ? [
        reviewRequired(
          request,
          votes.map((vote) => vote.voter),
          command.now,
        ),
      ]
    : [];
  return [recorded, ...kept, approved, ...review];
}

/** An approving vote's signed envelope, kept locally to travel with the approval as evidence. */
function keptVote({ voteId, vote, evidence, now }: CastVote): VoteKept[] {
  if (!evidence) return [];
  const data = { requestId: vote.requestId, voteId, envelope: evidence };
  return [{ id: deterministicId(voteId, IdTags.voteKept), type: 'approval.vote.kept', time: now, data }];
}

function checkDeadlines(command: CheckDeadlines, state: ApprovalState): ApprovalEvent[] {
  if (state.status === 'pending') return pendingDeadlines(state, command.now);
  if (state.status === 'unknown') return [];
  return reviewDeadlines(state, command.now);
}

/** Expiry wins over escalation: a timer that fires late past both only expires the request. */
function pendingDeadlines(state: PendingApproval, now: string): ApprovalEvent[] {
  const { request } = state;
  if (hasReached(now, request.expiresAt)) return [expired(request, approvalsOf(state).length, now)];
  if (request.escalation && !state.escalated && hasReached(now, request.escalation.escalatesAt)) {
    return [escalated(request, approvalsOf(state).length, now)];
  }
  return [];
}

/**
 * How long the credential may be used: from when the action may start (now, or the request's
 * notBefore if later) for executionWindowSeconds, never past the request's own notAfter.
 */
export function executionWindow(request: Pick<ApprovalOpenedData, 'window' | 'executionWindowSeconds'>, now: string): TimeWindow {
  const notBefore = later(now, request.window.notBefore);
  return { notBefore, notAfter: earlier(request.window.notAfter, addSeconds(notBefore, request.executionWindowSeconds)) };
}
