import {
  EventTypes,
  stepUpGap,
  voteProofProblem,
  voteSubjectOf,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type VoteEvidence,
  type VoteSubject,
} from '@countersign/contracts';
import { requesterPersonsOf, type PeopleFacts, type PolicyDecision } from '@countersign/policy';
import { submissionProblem, type CheckedSubmission } from './submission';

type Approver = RequestApprovedV1['approvers'][number];

/**
 * One evidence envelope of an approval after the checker's shell verified it against its own trust
 * store (signature, key, signer allowed to emit the type, schema). For a vote a channel relayed,
 * `registryApprover` is the approver the checker's own registry maps the channel user to.
 */
export type CheckedVote = { ok: true; vote: VoteEvidence; registryApprover?: string } | { ok: false; id: string; problem: string };

/**
 * The checker's own target registry's verdict on the accepted action: whether the registry facts
 * intake filled in (environment, sensitivity, owner team, address) are the ones it gives the target,
 * and the target accepts this kind from this requester. Gathered by the shell (registryFactsProblem).
 */
export type RegistryVerdict = { ok: true } | { ok: false; problem: string };

/** What the broker and the executor hold, besides the two envelopes, to re-check an approval. */
export interface ApprovalFacts {
  /** The requester's own signed submission the accepted request carries, verified by the shell. */
  submission: CheckedSubmission;
  registry: RegistryVerdict;
  /** The pinned policy's decision for the accepted request: the same function approval calls. */
  decision: PolicyDecision;
  people: PeopleFacts;
  votes: readonly CheckedVote[];
}

export const RECHECK_CODES = ['submission_unproven', 'registry_mismatch', 'policy_mismatch', 'quorum_unproven', 'step_up_missing'] as const;
export type RecheckCode = (typeof RECHECK_CODES)[number];
export type Recheck = { ok: true } | { ok: false; code: RecheckCode; message: string };

type Accepted = Pick<RequestAcceptedV1, 'requestId' | 'requester' | 'submissionId' | 'action' | 'agent'>;

const OK: Recheck = { ok: true };
const fail = (code: RecheckCode, message: string): Recheck => ({ ok: false, code, message });
const nameOf = (identity: string): string => identity.slice(identity.indexOf(':') + 1);

/**
 * Re-checks an approval against the pinned policy, trusting nothing approval or intake computed: the
 * accepted action's registry facts must be the checker's own registry's; the requester's own signed
 * submission must ask for exactly this request (submissionProblem); the policy
 * version, tier and mode must be the ones the pinned policy gives this exact request; an auto tier
 * is approved by the policy alone; a quorum tier needs N distinct eligible people, not the
 * requester, each proven by their own signed vote (or, without step-up, a channel's relayed vote
 * the registry pins on them) naming this request's digest and rendering digest. One rule for the broker and the executor.
 */
export function recheckApproval(accepted: Accepted, approved: RequestApprovedV1, facts: ApprovalFacts): Recheck {
  // First: the policy's decision below is only as true as the facts it was computed over.
  if (!facts.registry.ok) return fail('registry_mismatch', facts.registry.problem);
  // Then: intake alone may not invent the request; its requester must have signed it.
  const unproven = submissionProblem(accepted, facts.submission);
  if (unproven) return fail('submission_unproven', unproven.slice(0, 480));
  const policy = policyProblem(accepted, approved, facts.decision);
  if (policy) return fail('policy_mismatch', policy);
  return facts.decision.mode === 'auto' ? OK : quorumProblem(accepted, approved, facts);
}

function policyProblem(accepted: Accepted, approved: RequestApprovedV1, decision: PolicyDecision): string | undefined {
  const { stamp } = decision;
  const claimed = approved.policy;
  if (claimed.version !== stamp.version) return `approved under policy ${claimed.version}, but the pinned policy is ${stamp.version}`;
  if (decision.mode === 'refused') return `the pinned policy ${stamp.label} does not let ${accepted.requester} request this`;
  if (claimed.tier !== stamp.tier || approved.mode !== decision.mode) {
    return `the pinned policy ${stamp.label} routes this request to tier ${stamp.tier} (${decision.mode}), not ${claimed.tier} (${approved.mode})`;
  }
  if (decision.mode !== 'auto') return undefined;
  const self = `policy:${stamp.label}@${stamp.tier}`;
  const ids = approved.approvers.map((approver) => approver.id);
  return ids.length === 1 && ids[0] === self
    ? undefined
    : `an auto approval of tier ${stamp.tier} is given by ${self} alone, not ${ids.join(', ')}`;
}

function quorumProblem(accepted: Accepted, approved: RequestApprovedV1, facts: ApprovalFacts): Recheck {
  const { decision } = facts;
  const subject = voteSubjectOf(accepted.action);
  const byId = new Map(facts.votes.map((checked) => [checked.ok ? checked.vote.id : checked.id, checked]));
  const voteOf = (approver: Approver) => {
    const checked = approver.voteId === undefined ? undefined : byId.get(approver.voteId);
    return checked?.ok ? checked.vote : undefined;
  };
  const persons: string[] = [];
  for (const approver of approved.approvers) {
    const proof = approverProblem(accepted, subject, approver, facts, byId.get(approver.voteId ?? ''));
    if (proof) return fail('quorum_unproven', proof);
    const person = facts.people.personOf[approver.id] ?? nameOf(approver.id);
    if (persons.includes(person)) return fail('quorum_unproven', `${person} is counted twice (as ${approver.id})`);
    persons.push(person);
  }
  // The pinned policy, not the approval, says whether the tier needs step-up.
  const gap = stepUpGap({ ...approved, stepUp: decision.stepUp ? true : undefined }, voteOf);
  if (gap) return fail('step_up_missing', gap);
  if (persons.length < decision.quorum) {
    return fail(
      'quorum_unproven',
      `tier ${decision.stamp.tier} needs ${decision.quorum} distinct approvers; the evidence proves ${persons.length}`,
    );
  }
  return OK;
}

/** Why one approver of a quorum approval is not proven, or undefined. */
function approverProblem(
  accepted: Accepted,
  subject: VoteSubject,
  approver: Approver,
  { decision, people }: ApprovalFacts,
  checked: CheckedVote | undefined,
): string | undefined {
  if (approver.voteId === undefined) return `${approver.id} is counted without a vote`;
  if (!checked) return `the approval carries no vote ${approver.voteId} for ${approver.id}`;
  if (!checked.ok) return `vote ${checked.id} for ${approver.id} does not verify: ${checked.problem}`;
  const { vote } = checked;
  // The request, its action digest and the rendering approval showed: one rule, in vote-proof.
  const proof = voteProofProblem(approver, vote, subject);
  if (proof) return proof;
  if (vote.type === EventTypes.VoteRelayed && checked.registryApprover !== approver.id) {
    return `vote ${vote.id} was relayed for ${approver.id}, but the registry maps its channel user to ${checked.registryApprover ?? 'no approver'}`;
  }
  if (vote.data.review === true) return `vote ${vote.id} by ${approver.id} is a review vote, not an approval of the request`;
  const requesterPersons = requesterPersonsOf(accepted.requester, people, accepted.agent);
  const person = people.personOf[approver.id] ?? nameOf(approver.id);
  if ([nameOf(approver.id), person].some((self) => requesterPersons.includes(self))) {
    return `${approver.id} is, or answers for, the requester ${accepted.requester}`;
  }
  const eligible = [...decision.eligibleApprovers, ...(decision.escalation?.eligibleApprovers ?? [])];
  if (!eligible.includes(approver.id)) {
    return `${approver.id} may not approve tier ${decision.stamp.tier} under the pinned policy (eligible: ${eligible.join(', ') || 'nobody'})`;
  }
  return undefined;
}
