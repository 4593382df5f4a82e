import { deterministicId, EventTypes, type VoteRejectedV1 } from '@countersign/contracts';
import type { CastVote } from './approval.commands';
import type { VoteRejected } from './approval.events';
import { IdTags } from './approval.ids';
import { eligibleNow, groupsNow } from './approval.queries';
import { nameOf, personOf, type PendingApproval } from './approval.state';

export interface Refusal {
  code: VoteRejectedV1['code'];
  message: string;
}

/**
 * Why a vote on a pending approval cannot count, or undefined when it can. Order matters only for
 * which reason is reported: who votes (self, eligibility, already voted) before what they saw.
 */
export function screenVote(state: PendingApproval, command: CastVote): Refusal | undefined {
  const { request } = state;
  const person = personOf(request, command.voter);
  // The identity's own name counts too: approver:deploy-bot is the same party as requester:deploy-bot.
  if ([nameOf(command.voter), person].some((self) => request.requesterPersons.includes(self))) {
    return {
      code: 'self_approval',
      message: `${command.voter} is, or answers for, the requester ${request.requester} and may not vote on it`,
    };
  }
  const refusedBy = request.refusedApprovers[command.voter];
  if (refusedBy) {
    return {
      code: 'not_eligible',
      message: `the authorization policy does not let ${command.voter} approve this (${refusedBy.join(', ')})`,
    };
  }
  const { escalation } = request;
  if (escalation && !state.escalated && escalation.eligibleApprovers.includes(command.voter)) {
    return { code: 'not_eligible', message: `${command.voter} may vote once the request escalates at ${escalation.escalatesAt}` };
  }
  if (!eligibleNow(state).includes(command.voter)) {
    return { code: 'not_eligible', message: `${command.voter} is not in the eligible groups: ${groupsNow(state).join(', ')}` };
  }
  const earlier = state.votes.find((vote) => vote.person === person);
  if (earlier) {
    return { code: 'duplicate_vote', message: `${person} already voted on this request as ${earlier.voter}` };
  }
  if (command.vote.digest !== request.digest) {
    return { code: 'digest_mismatch', message: `the vote names digest ${command.vote.digest}; the request's digest is ${request.digest}` };
  }
  return undefined;
}

export function voteRejected(command: CastVote, { code, message }: Refusal): VoteRejected {
  return {
    id: deterministicId(command.voteId, IdTags.voteRejected),
    type: EventTypes.VoteRejected,
    time: command.now,
    data: { requestId: command.vote.requestId, voteId: command.voteId, voter: command.voter, code, message },
  };
}
