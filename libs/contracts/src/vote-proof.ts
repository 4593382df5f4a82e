import { actionDigest, type CanonicalAction } from './action';
import { actionRenderingDigest } from './action-rendering';
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

/** What a counted vote must name: the request, its action digest and the digest of its rendering. */
export interface VoteSubject {
  requestId: string;
  digest: string;
  renderingDigest: string;
}

/** The subject of a request, recomputed from the accepted action, never taken from anyone's word. */
export function voteSubjectOf(action: CanonicalAction): VoteSubject {
  return { requestId: action.requestId, digest: actionDigest(action), renderingDigest: actionRenderingDigest(action) };
}

/**
 * Why a vote does not prove that an approver of an approval approved, or undefined. One rule for
 * every verifier (audit's custody check, `countersign audit verify`, the broker's and executor's
 * re-check), so they cannot disagree: the vote names this request, its action digest and the
 * digest of the rendering approval showed (what the approver saw); a signed vote proves its signer;
 * a relayed vote proves the approver it names only if a channel signed it and the approval says
 * that approver came through a channel; and it must be an approval.
 */
export function voteProofProblem(approver: Pick<Approver, 'id' | 'via'>, vote: VoteEvidence, subject: VoteSubject): string | undefined {
  const { id, signer } = vote;
  const named = subjectProblem(vote, subject);
  if (named) return named;
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

function subjectProblem({ id, data }: VoteEvidence, subject: VoteSubject): string | undefined {
  if (data.requestId !== subject.requestId) return `vote ${id} is about request ${data.requestId}, not ${subject.requestId}`;
  if (data.digest !== subject.digest) return `vote ${id} names digest ${data.digest}, not the request's ${subject.digest}`;
  // Absent only in a vote read without its schema (an unverified one in `audit verify`).
  const shown = (data as { renderingDigest?: string }).renderingDigest ?? 'none';
  if (shown !== subject.renderingDigest) {
    return `vote ${id} names rendering digest ${shown}, not the digest ${subject.renderingDigest} of the text approval showed`;
  }
  return undefined;
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
