import { deterministicId, EventTypes, RELAYED_RENDERING_MAX_CHARS, type VoteRejectedV1 } from '@countersign/contracts';
import type { CastVote } from './approval.commands';
import type { ApprovalOpenedData, VoteRejected } from './approval.events';
import { IdTags } from './approval.ids';
import { eligibleNow, groupsNow } from './approval.queries';
import { nameOf, personOf, type PendingApproval } from './approval.state';

const MAX_MESSAGE = 500;

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
  // Last, so the approver hears only this when everything else about the vote is fine.
  return shownProblem(request, command) ?? (needsStepUp(request, command) ? stepUpRequired(request, command) : undefined);
}

/**
 * Whether the vote is about what approval showed: it names the action digest and the digest of
 * the rendering, and a channel that relays an approval could show that rendering in full.
 * For votes on the request and on its break-glass review alike.
 */
export function shownProblem(
  request: Pick<ApprovalOpenedData, 'digest' | 'renderingDigest' | 'rendering'>,
  command: CastVote,
): Refusal | undefined {
  const { digest, renderingDigest } = command.vote;
  if (digest !== request.digest) {
    return { code: 'digest_mismatch', message: `the vote names digest ${digest}; the request's digest is ${request.digest}` };
  }
  if (renderingDigest !== request.renderingDigest) {
    return {
      code: 'rendering_mismatch',
      message: `the vote names rendering digest ${renderingDigest}; the request was shown as ${request.renderingDigest}`,
    };
  }
  if (command.via !== 'signed' && command.vote.decision === 'approve' && request.rendering.length > RELAYED_RENDERING_MAX_CHARS) {
    return {
      code: 'rendering_too_long',
      message: `the action's text (${request.rendering.length} characters) is too long for ${command.via} to show in full; read it and approve with your own key: npx countersign status ${command.vote.requestId}`,
    };
  }
  return undefined;
}

/**
 * A relayed vote the shell could not pin on an approver (`unmapped`), or that names no approver at
 * all, counts for nobody; it is answered in the channel's name. Undefined for every other vote.
 */
export function unmappedVoter(command: CastVote): Refusal | undefined {
  if (command.via === 'signed') return undefined;
  const reason = command.unmapped ?? (command.voter.startsWith('approver:') ? undefined : `${command.voter} is not an approver`);
  if (reason === undefined) return undefined;
  return { code: 'unmapped_voter', message: `a vote relayed via ${command.via} counts for no approver: ${reason}`.slice(0, MAX_MESSAGE) };
}

/**
 * Step-up: on a tier that requires it, an approval relayed by a channel does not count. A Slack
 * click proves Slack saw a click, not who made it; a deny still counts (refusing is the safe way).
 */
export function needsStepUp(request: Pick<ApprovalOpenedData, 'stepUp'>, command: CastVote): boolean {
  return request.stepUp === true && command.via !== 'signed' && command.vote.decision === 'approve';
}

/** Tells the approver exactly how to vote again with their own key (`countersign vote`). */
export function stepUpRequired(request: Pick<ApprovalOpenedData, 'requestId' | 'digest' | 'renderingDigest'>, command: CastVote): Refusal {
  const what = command.vote.review === true ? 'upholding this break-glass approval' : 'approving this request';
  const flags = command.vote.review === true ? '--review --approve' : '--approve';
  const cli = `npx countersign vote --as ${nameOf(command.voter)} --request ${request.requestId} --digest ${request.digest} --rendering ${request.renderingDigest} ${flags}`;
  return {
    code: 'step_up_required',
    message: `${what} needs step-up: a vote via ${command.via} does not count, sign it with your own key: ${cli}`.slice(0, MAX_MESSAGE),
  };
}

export function voteRejected(command: CastVote, { code, message }: Refusal): VoteRejected {
  return {
    id: deterministicId(command.voteId, IdTags.voteRejected),
    type: EventTypes.VoteRejected,
    time: command.now,
    data: { requestId: command.vote.requestId, voteId: command.voteId, voter: command.voter, via: command.via, code, message },
  };
}
