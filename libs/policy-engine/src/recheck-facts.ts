import {
  EventTypes,
  parseIdentityId,
  registryFactsProblem,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type RequestSubmittedV1,
  type VoteEvidence,
} from '@countersign/contracts';
import type { ApprovalFacts, CheckedSubmission, CheckedVote, RegistryVerdict } from '@countersign/approval-evidence';
import { approverForSlackUser, type Registry, type TrustStore } from '@countersign/identity';
import { decideRequest, type PeopleFacts, type PolicyBundle } from './bundle';

/** People behind identities, from the registry: one rule for approval and for the re-checkers. */
export function peopleFactsOf(registry: Pick<Registry, 'requesters' | 'approvers'>, requester: string): PeopleFacts {
  const owner = registry.requesters.find((candidate) => `requester:${candidate.name}` === requester)?.owner;
  const personOf = Object.fromEntries(registry.approvers.map((approver) => [`approver:${approver.name}`, approver.person]));
  return { requesterOwner: owner, personOf };
}

/**
 * What the broker or the executor needs to re-check an approval, gathered by the shell: the pinned
 * policy's decision for the accepted request (decideRequest, the function approval calls, evaluated
 * as of intake's signed `acceptedAt` so every checker gets the same answer), the people from its
 * own registry, its own target registry's verdict on intake's registry facts, the requester's
 * submission and each evidence vote verified against its own trust store.
 */
export function approvalFacts(
  bundle: PolicyBundle,
  accepted: RequestAcceptedV1,
  approved: RequestApprovedV1,
  trust: Pick<TrustStore, 'verify'>,
  registry: Pick<Registry, 'requesters' | 'approvers' | 'targets'>,
): ApprovalFacts {
  const people = peopleFactsOf(registry, accepted.requester);
  const { decision } = decideRequest(bundle, accepted, people, accepted.acceptedAt);
  // Witnessed by the services that signed for them (intake accepted, approval approved), never by
  // the requester's or approver's own clock: a key retired since still verifies what they saw.
  const votes = (approved.evidence ?? []).map((envelope) => checkVote(envelope, trust, registry, new Date(approved.approvedAt)));
  return {
    submission: checkSubmission(accepted.submission, trust, new Date(accepted.acceptedAt)),
    registry: registryVerdict(accepted, registry),
    decision,
    people,
    votes,
  };
}

/** Signature, key, the signer's right to submit and schema by the trust store; no freshness: a submission is older than its acceptance. */
function checkSubmission(envelope: Envelope | undefined, trust: Pick<TrustStore, 'verify'>, witnessedAt: Date): CheckedSubmission {
  if (envelope === undefined) return { ok: false, problem: 'the accepted request carries no submission' };
  const verification = trust.verify(envelope, undefined, witnessedAt);
  if (!verification.ok) return { ok: false, problem: `${verification.code}: ${verification.message}` };
  if (verification.type !== EventTypes.RequestSubmitted) return { ok: false, problem: `${verification.type} is not a submission` };
  return { ok: true, submission: verification.envelope as Envelope<RequestSubmittedV1> };
}

/** resolveTarget against the checker's own target registry, the rule intake applied (registryFactsProblem). */
function registryVerdict(accepted: RequestAcceptedV1, registry: Pick<Registry, 'targets'>): RegistryVerdict {
  const problem = registryFactsProblem(accepted.action, parseIdentityId(accepted.requester).name, registry.targets);
  return problem === undefined ? { ok: true } : { ok: false, problem: problem.slice(0, 480) };
}

/** Signature, key, signer's right to the type and schema by the trust store; no freshness: votes are older than approvals. */
function checkVote(
  envelope: Envelope,
  trust: Pick<TrustStore, 'verify'>,
  registry: Pick<Registry, 'approvers'>,
  witnessedAt: Date,
): CheckedVote {
  const verification = trust.verify(envelope, undefined, witnessedAt);
  if (!verification.ok) return { ok: false, id: envelope.id, problem: `${verification.code}: ${verification.message}` };
  const { type } = verification;
  if (type !== EventTypes.VoteCast && type !== EventTypes.VoteRelayed)
    return { ok: false, id: envelope.id, problem: `${type} is not a vote` };
  const vote = verification.envelope as unknown as VoteEvidence;
  if (vote.type !== EventTypes.VoteRelayed) return { ok: true, vote };
  const mapped = approverForSlackUser(registry, vote.data.slack).approver;
  return mapped === undefined ? { ok: true, vote } : { ok: true, vote, registryApprover: mapped };
}
