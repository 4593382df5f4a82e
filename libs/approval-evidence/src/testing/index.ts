// Test-only builders: an approval's evidence and the pinned policy's decision that admits it.
// Envelopes carry dummy signatures (see @countersign/contracts/testing): deciders never verify.
import {
  EventTypes,
  type Envelope,
  type PolicyStamp,
  type RequestApprovedV1,
  type VoteCastV1,
  type VoteEvidence,
} from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_RENDERING_DIGEST,
  FIXTURE_REQUEST_ID,
  fixtureEnvelope,
  fixtureSubmission,
} from '@countersign/contracts/testing';
import type { PolicyDecision } from '@countersign/policy';
import type { ApprovalFacts, CheckedVote } from '../recheck';
import { FIXTURE_VOTE_ID } from './chain';

export const FIXTURE_STAMP: PolicyStamp = {
  version: `sha256:${'ab'.repeat(32)}`,
  label: 'prod-changes',
  tier: 'one-approver',
  rules: ['prod.one'],
};
export * from './chain';

/** A quorum decision of the fixture policy: `quorum` people of `eligible` (alice alone by default). */
export function fixtureDecision(overrides: Partial<PolicyDecision> = {}): PolicyDecision {
  return {
    stamp: FIXTURE_STAMP,
    mode: 'quorum',
    quorum: 1,
    eligibleGroups: ['sre'],
    eligibleApprovers: ['approver:alice'],
    refusedApprovers: {},
    approverRules: {},
    pendingExpiresAt: '2026-11-21T10:14:00.100Z',
    executionWindowSeconds: 900,
    stepUp: false,
    ...overrides,
  };
}

/** What every fixture vote says, cast by the approver or relayed by a channel. */
const APPROVING = {
  requestId: FIXTURE_REQUEST_ID,
  digest: FIXTURE_DIGEST,
  renderingDigest: FIXTURE_RENDERING_DIGEST,
  decision: 'approve' as const,
};

/** A vote signed by the approver's own key, approving the fixture request's digest. */
export function fixtureVote(voter: string, id = FIXTURE_VOTE_ID, data: Partial<VoteCastV1> = {}): Envelope<VoteCastV1> & VoteEvidence {
  return fixtureEnvelope({
    id,
    type: EventTypes.VoteCast,
    signer: voter,
    time: '2026-11-21T09:59:28.000Z',
    data: {
      ...APPROVING,
      ...data,
    },
  }) as Envelope<VoteCastV1> & VoteEvidence;
}

export const verified = (vote: VoteEvidence, registryApprover?: string): CheckedVote =>
  registryApprover === undefined ? { ok: true, vote } : { ok: true, vote, registryApprover };

/**
 * Facts under which `approved` re-checks: the policy named in it, its approvers eligible and just
 * enough of them, a signed vote (or, for `via: slack`, a relayed one) behind each, and the fixture
 * requester's own submission of the fixture request.
 */
export function factsFor(approved: RequestApprovedV1, decision: Partial<PolicyDecision> = {}): ApprovalFacts {
  const humans = approved.approvers.filter((approver) => approver.voteId !== undefined);
  const votes = humans.map((approver): CheckedVote => {
    const id = approver.voteId ?? '';
    if (approver.via !== 'slack') return verified(fixtureVote(approver.id, id));
    const relayed = fixtureEnvelope({
      id,
      type: EventTypes.VoteRelayed,
      signer: 'channel:slack',
      time: '2026-11-21T09:59:28.000Z',
      data: {
        ...APPROVING,
        approver: approver.id,
        slack: { teamId: 'T0TEAM', userId: 'U0USER', actionTs: '1732190000.123456' },
      },
    });
    return verified(relayed as Envelope & VoteEvidence, approver.id);
  });
  return {
    submission: { ok: true, submission: fixtureSubmission() },
    registry: { ok: true },
    decision: fixtureDecision({
      stamp: approved.policy,
      mode: approved.mode,
      quorum: Math.max(1, humans.length),
      eligibleApprovers: humans.map((approver) => approver.id),
      ...decision,
    }),
    people: { requesterOwner: undefined, personOf: {} },
    votes,
  };
}
