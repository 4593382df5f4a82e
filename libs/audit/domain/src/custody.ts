import {
  actionDigest,
  stepUpGap,
  voteProofProblem,
  voterOf,
  voteSubjectOf,
  type CustodyVerifiedV1,
  type Envelope,
} from '@countersign/contracts';
import { agentViolations } from './custody.agent';
import { unprovenApproval } from './custody.approval';
import { collectChain, type CustodyChain, type CustodyViolation, type CustodyViolationCode } from './custody.collect';
import { receiptViolations } from './custody.receipt';

export type CustodyLink = CustodyVerifiedV1['custody'][number];
export type CustodyCheck = { ok: true; custody: CustodyLink[] } | { ok: false; violations: CustodyViolation[]; incomplete: boolean };

type Check = (chain: CustodyChain, approvers: CustodyLink[]) => CustodyViolation[];
const violation = (code: CustodyViolationCode, message: string): CustodyViolation => ({ code, message: message.slice(0, 500) });

/**
 * Proves, from a request's recorded envelopes, that four different identities requested,
 * approved, issued and executed it, in that order, all about the same action. `incomplete` means
 * only missing events were found: they may still be in flight on another consumer.
 */
export function checkCustody(events: readonly Envelope[]): CustodyCheck {
  const unproven = unprovenApproval(events);
  const collected = collectChain(events);
  if ('violations' in collected) {
    // An approval proven unsound is final: nothing that might still arrive would make it sound.
    if (unproven.length > 0) return { ok: false, violations: unproven, incomplete: false };
    const { violations } = collected;
    return { ok: false, violations, incomplete: violations.every((v) => v.code === 'missing_event') };
  }
  const { chain } = collected;
  const approvers = approverLinks(chain);
  const violations = [...unproven, ...approvalProofViolations(chain), ...CHECKS.flatMap((check) => check(chain, approvers))];
  if (violations.length > 0) return { ok: false, violations, incomplete: violations.every((v) => v.code === 'missing_vote') };
  return { ok: true, custody: custodyOf(chain, approvers) };
}

/**
 * A human approver is proven by the vote they signed, or by the vote a channel relayed for them
 * (the channel signed it, naming the approver); a policy has no vote, so the approval event stands in.
 */
function approverLinks({ approved, votes }: CustodyChain): CustodyLink[] {
  return approved.data.approvers.map((approver) => {
    const vote = votes.find((candidate) => candidate.id === approver.voteId);
    return { role: 'approver', identity: vote ? voterOf(vote) : approver.id, eventId: vote?.id ?? approved.id };
  });
}

/**
 * The approval's own proof: each approver it counts is proven by a vote that names this request's
 * action and the rendering approvers were shown, and step-up holds where the tier asks for it. The
 * CLI's offline verifier applies it to chains still in progress; checkCustody to complete ones.
 */
export function approvalProofViolations(part: ApprovalPart): CustodyViolation[] {
  return [...approverViolations(part), ...stepUpViolations(part)];
}

type ApprovalPart = Pick<CustodyChain, 'accepted' | 'approved' | 'votes'>;

/** Each counted vote must prove its approver and name this request's action and rendering digests. */
function approverViolations({ accepted, approved, votes }: ApprovalPart): CustodyViolation[] {
  const subject = voteSubjectOf(accepted.data.action);
  return approved.data.approvers.flatMap((approver) => {
    if (approver.voteId === undefined) {
      const policy = approved.data.mode === 'auto' && approver.id.startsWith('policy:');
      return policy ? [] : [violation('approver_mismatch', `${approver.id} approved without a signed vote`)];
    }
    const vote = votes.find((candidate) => candidate.id === approver.voteId);
    if (!vote) return [violation('missing_vote', `vote ${approver.voteId} by ${approver.id} was not recorded`)];
    const problem = voteProofProblem(approver, vote, subject);
    return problem ? [violation('approver_mismatch', problem)] : [];
  });
}

/**
 * A step-up tier counts only approvals signed with the approver's own key. Approval refuses a
 * relayed click there and the broker and executor check again; audit proves it afterwards, from
 * what the approval says and from the votes themselves.
 */
function stepUpViolations({ approved, votes }: ApprovalPart): CustodyViolation[] {
  const gap = stepUpGap(approved.data, (approver) => votes.find((vote) => vote.id === approver.voteId));
  return gap ? [violation('step_up_missing', gap)] : [];
}

function custodyOf({ submitted, issued, started }: CustodyChain, approvers: CustodyLink[]): CustodyLink[] {
  return [
    { role: 'requester', identity: submitted.signer, eventId: submitted.id },
    ...approvers,
    { role: 'broker', identity: issued.signer, eventId: issued.id },
    { role: 'executor', identity: started.signer, eventId: started.id },
  ];
}

const sameRequester: Check = ({ submitted, accepted, approved }) =>
  [accepted.data.requester, approved.data.requester]
    .filter((requester) => requester !== submitted.signer)
    .map((requester) => violation('requester_mismatch', `the request was submitted by ${submitted.signer}, but names ${requester}`));

const linked: Check = ({ submitted, accepted, approved, issued, started, finished }) => {
  const links: [boolean, string][] = [
    [accepted.data.submissionId === submitted.id, 'accepted refers to another submission'],
    [approved.data.acceptedEventId === accepted.id, 'approved refers to another accepted event'],
    [issued.data.approvalEventId === approved.id, 'issued refers to another approval'],
    [started.data.credentialId === issued.data.credentialId, 'started under another credential'],
    [finished.data.credentialId === issued.data.credentialId, 'finished under another credential'],
    [finished.signer === started.signer, `started by ${started.signer} but finished by ${finished.signer}`],
  ];
  const requestIds = [submitted, accepted, approved, issued, started, finished].map((event) => event.data.requestId);
  if (requestIds.some((id) => id !== accepted.data.requestId)) links.push([false, 'the events name different requests']);
  return links.filter(([holds]) => !holds).map(([, message]) => violation('broken_link', message));
};

/** Envelope times, each stamped by its own signer; equal times are fine (a fast auto approval). */
const inOrder: Check = ({ submitted, accepted, approved, issued, started, finished, votes }) => {
  const sequence = [submitted, accepted, approved, issued, started, finished];
  const late = votes
    .filter((vote) => Date.parse(vote.time) > Date.parse(approved.time))
    .map((vote) => `vote ${vote.id} after the approval`);
  const reversed = sequence.slice(1).flatMap((event, index) => {
    const before = sequence[index]!;
    return Date.parse(event.time) < Date.parse(before.time)
      ? [`${event.type} at ${event.time} precedes ${before.type} at ${before.time}`]
      : [];
  });
  return [...reversed, ...late].map((message) => violation('out_of_order', message));
};

/** The digest is recomputed from the accepted action; every digest-bearing event must name it. */
const oneDigest: Check = ({ accepted, approved, issued, started, finished, votes }) => {
  const digest = actionDigest(accepted.data.action);
  const bearers: Envelope<{ digest: string }>[] = [accepted, approved, issued, started, finished, ...votes];
  return bearers
    .filter((event) => event.data.digest !== digest)
    .map((event) => violation('digest_mismatch', `${event.type} ${event.id} names another digest`));
};

const distinct: Check = ({ submitted, issued, started }, approvers) => {
  const parties = [submitted.signer, ...approvers.map((approver) => approver.identity), issued.signer, started.signer];
  const repeated = [...new Set(parties.filter((party, index) => parties.indexOf(party) !== index))];
  return repeated.map((party) => violation('identities_not_distinct', `${party} holds more than one role`));
};

const CHECKS: readonly Check[] = [sameRequester, linked, inOrder, oneDigest, distinct, receiptViolations, agentViolations];
