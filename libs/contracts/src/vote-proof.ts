import type { RequestApprovedV1 } from './events/approval';
import type { VoteCastV1, VoteRelayedV1 } from './events/requester';
import { EventTypes } from './event-types';

type Approver = RequestApprovedV1['approvers'][number];

/** A vote as a verifier sees it: a signed envelope of either vote type. */
export type VoteEvidence =
  | { id: string; type: typeof EventTypes.VoteCast; signer: string; data: VoteCastV1 }
  | { id: string; type: typeof EventTypes.VoteRelayed; signer: string; data: VoteRelayedV1 };

/** Who a vote is for: its signer, or for a relayed vote the approver the channel named. */
export const voterOf = (vote: VoteEvidence): string => (vote.type === EventTypes.VoteRelayed ? vote.data.approver : vote.signer);

/**
 * Why a vote does not prove that an approver of an approval approved, or undefined. One rule for
 * every verifier (audit's custody check, `countersign audit verify`), so they cannot disagree: a
 * signed vote proves its signer; a relayed vote proves the approver it names only if a channel
 * signed it and the approval says that approver came through a channel; and it must be an approval.
 */
export function voteProofProblem(approver: Pick<Approver, 'id' | 'via'>, vote: VoteEvidence): string | undefined {
  const { id, signer } = vote;
  if (vote.type === EventTypes.VoteRelayed) {
    if (!signer.startsWith('channel:')) return `vote ${id} was relayed by ${signer}, which is not a channel`;
    if (vote.data.approver !== approver.id) return `vote ${id} was relayed by ${signer} for ${vote.data.approver}, not ${approver.id}`;
    if (approver.via !== 'slack') return `vote ${id} was relayed by ${signer}, but the approval says ${approver.id} signed it`;
  } else {
    if (signer !== approver.id) return `vote ${id} was signed by ${signer}, not ${approver.id}`;
    if (approver.via !== undefined && approver.via !== 'signed')
      return `vote ${id} was signed by ${signer}, but the approval says it came via ${approver.via}`;
  }
  return vote.data.decision === 'approve' ? undefined : `vote ${id} by ${voterOf(vote)} was not an approval`;
}

/**
 * A step-up tier counts only votes signed with the approver's own key. Says which approver of a
 * step-up approval did not vote that way (a relayed Slack click, or a channel nobody stated), or
 * undefined. The broker and the executor refuse on it from the approval alone; audit and the CLI
 * also hand in each approver's vote, so a relayed vote is caught even if the approval says `signed`.
 */
export function stepUpGap(
  approved: Pick<RequestApprovedV1, 'stepUp' | 'approvers' | 'policy'>,
  voteOf: (approver: Approver) => VoteEvidence | undefined = () => undefined,
): string | undefined {
  if (approved.stepUp !== true) return undefined;
  for (const approver of approved.approvers) {
    const vote = voteOf(approver);
    const relayedBy = vote?.type === EventTypes.VoteRelayed ? vote.signer : undefined;
    if (approver.via === 'signed' && relayedBy === undefined) continue;
    const how = relayedBy ? `relayed by ${relayedBy}` : approver.via === undefined ? 'without stating how' : `via ${approver.via}`;
    return `the tier ${approved.policy.tier} requires step-up, but ${approver.id} approved ${how}, not with a vote signed by their own key`;
  }
  return undefined;
}
