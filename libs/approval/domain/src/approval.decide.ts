import { deterministicId, EventTypes, type TimeWindow } from '@countersign/contracts';
import type { ApprovalCommand, CastVote, ExpireIfDue, OpenApproval } from './approval.commands';
import type { ApprovalEvent, ApprovalOpened, ApprovalOpenedData, VoteRecorded, VoteRejected } from './approval.events';
import { IdTags, optionalReason } from './approval.ids';
import { approvalsOf } from './approval.queries';
import { nameOf, personOf, type ApprovalState, type PendingApproval, type RecordedVote } from './approval.state';
import { screenVote, type Refusal } from './approval.votes';
import { approvalRequested, autoApproved, denied, expired, quorumApproved } from './resolutions';
import { addSeconds, earlier, hasReached, later } from './time';

export function decide(command: ApprovalCommand, state: ApprovalState): ApprovalEvent[] {
  switch (command.type) {
    case 'OpenApproval':
      return openApproval(command, state);
    case 'CastVote':
      return castVote(command, state);
    case 'ExpireIfDue':
      return expireIfDue(command, state);
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function openApproval(command: OpenApproval, state: ApprovalState): ApprovalEvent[] {
  if (state.status !== 'unknown') return []; // a redelivered RequestAccepted
  const opened = openedEvent(command);
  const request = opened.data;
  // Approval came too late for the request's own window: nothing left to approve.
  if (hasReached(command.now, request.expiresAt)) return [opened, expired(request, 0, command.now)];
  if (request.mode === 'auto') return [opened, autoApproved(request, executionWindow(request, command.now), command.now)];
  return [opened, approvalRequested(request, command.now)];
}

function openedEvent({ accepted, acceptedEventId, policyDecision: decision, people, now }: OpenApproval): ApprovalOpened {
  const requesterPersons = [nameOf(accepted.requester), ...(people.requesterOwner === undefined ? [] : [people.requesterOwner])];
  const personOfEligible = Object.fromEntries(decision.eligibleApprovers.map((id) => [id, people.personOf[id] ?? nameOf(id)]));
  const data: ApprovalOpenedData = {
    requestId: accepted.requestId,
    requester: accepted.requester,
    requesterPersons,
    digest: accepted.digest,
    acceptedEventId,
    window: accepted.action.window,
    policy: decision.stamp,
    mode: decision.mode,
    quorum: decision.quorum,
    eligibleGroups: decision.eligibleGroups,
    eligibleApprovers: decision.eligibleApprovers,
    personOf: personOfEligible,
    // Defence in depth: whatever the shell computed, never wait past the request's window.
    expiresAt: earlier(decision.pendingExpiresAt, accepted.action.window.notAfter),
    executionWindowSeconds: decision.executionWindowSeconds,
    openedAt: now,
  };
  return { id: deterministicId(acceptedEventId, IdTags.opened), type: 'approval.opened', time: now, data };
}

function castVote(command: CastVote, state: ApprovalState): ApprovalEvent[] {
  if (state.handledVotes.includes(command.voteId)) return []; // a redelivered vote
  if (state.status === 'unknown')
    return [voteRejected(command, { code: 'unknown_request', message: 'no approval is open for this request' })];
  if (state.status === 'pending' && hasReached(command.now, state.request.expiresAt)) {
    // The timer has not fired yet, but the deadline passed: record the expiry before refusing.
    const refusal: Refusal = { code: 'already_resolved', message: `the request expired at ${state.request.expiresAt}` };
    return [expired(state.request, approvalsOf(state).length, command.now), voteRejected(command, refusal)];
  }
  if (state.status !== 'pending')
    return [voteRejected(command, { code: 'already_resolved', message: `the request was already ${state.status}` })];
  const refusal = screenVote(state, command);
  return refusal ? [voteRejected(command, refusal)] : recordVote(command, state);
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
      decision,
      ...optionalReason(reason),
      approvals,
      quorum: request.quorum,
    },
  };
  if (decision === 'deny') return [recorded, denied(request, command.voter, reason, command.now)];
  if (approvals < request.quorum) return [recorded];
  const thisVote: RecordedVote = {
    voteId: command.voteId,
    voter: command.voter,
    person: personOf(request, command.voter),
    decision,
    ...optionalReason(reason),
    at: command.now,
  };
  return [recorded, quorumApproved(request, [...approvalsOf(state), thisVote], executionWindow(request, command.now), command.now)];
}

function expireIfDue(command: ExpireIfDue, state: ApprovalState): ApprovalEvent[] {
  if (state.status !== 'pending' || !hasReached(command.now, state.request.expiresAt)) return [];
  return [expired(state.request, approvalsOf(state).length, command.now)];
}

/**
 * How long the credential may be used: from when the action may start (now, or the request's
 * notBefore if later) for executionWindowSeconds, never past the request's own notAfter.
 */
export function executionWindow(request: Pick<ApprovalOpenedData, 'window' | 'executionWindowSeconds'>, now: string): TimeWindow {
  const notBefore = later(now, request.window.notBefore);
  return { notBefore, notAfter: earlier(request.window.notAfter, addSeconds(notBefore, request.executionWindowSeconds)) };
}

function voteRejected(command: CastVote, { code, message }: Refusal): VoteRejected {
  return {
    id: deterministicId(command.voteId, IdTags.voteRejected),
    type: EventTypes.VoteRejected,
    time: command.now,
    data: { requestId: command.vote.requestId, voteId: command.voteId, voter: command.voter, code, message },
  };
}
