import type { RequestApprovedV1 } from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_RENDERING_DIGEST,
  FIXTURE_REQUEST_ID,
  FIXTURE_REQUESTER,
  FIXTURE_SUBMISSION_ID,
  fixtureAction,
  fixtureSubmission,
} from '@countersign/contracts/testing';
import { recheckApproval, type ApprovalFacts } from './recheck';
import { FIXTURE_STAMP, factsFor, fixtureDecision, fixtureVote, verified } from './testing';

const ALICE_VOTE = '6bc2e0b8-9f7e-4d7a-9cbd-ca7f6e8dab77';
const BOB_VOTE = '7cd3f1c9-0a8f-4e8b-8dce-db8f7f9ebc88';
const AT = '2026-11-21T09:59:29.000Z';
const accepted = {
  requestId: fixtureAction.requestId,
  requester: FIXTURE_REQUESTER,
  submissionId: FIXTURE_SUBMISSION_ID,
  action: fixtureAction,
};

function approvedBy(approvers: RequestApprovedV1['approvers'], data: Partial<RequestApprovedV1> = {}): RequestApprovedV1 {
  return {
    requestId: accepted.requestId,
    digest: 'd'.repeat(64),
    requester: FIXTURE_REQUESTER,
    acceptedEventId: '1c7d9b63-4a2f-4e2b-8d68-7b2a1f3e5c22',
    mode: 'quorum',
    approvers,
    policy: { ...FIXTURE_STAMP, tier: 'two-sre' },
    window: fixtureAction.window,
    approvedAt: '2026-11-21T09:59:30.000Z',
    ...data,
  };
}

const alice = { id: 'approver:alice', voteId: ALICE_VOTE, via: 'signed' as const, at: AT };
const bob = { id: 'approver:bob', voteId: BOB_VOTE, via: 'signed' as const, at: AT };
const twoSre = fixtureDecision({
  stamp: { ...FIXTURE_STAMP, tier: 'two-sre' },
  quorum: 2,
  eligibleApprovers: ['approver:alice', 'approver:bob', 'approver:dave'],
});
const facts = (votes: ApprovalFacts['votes'], decision = twoSre, personOf: Record<string, string> = {}): ApprovalFacts => ({
  submission: { ok: true, submission: fixtureSubmission() },
  registry: { ok: true },
  decision,
  people: { requesterOwner: 'erin', personOf },
  votes,
});
const honestVotes = [verified(fixtureVote('approver:alice', ALICE_VOTE)), verified(fixtureVote('approver:bob', BOB_VOTE))];

describe('recheckApproval', () => {
  describe('given the pinned policy routes the request to two SRE approvers', () => {
    it('accepts two eligible people with their own signed votes naming the digest', () => {
      expect(recheckApproval(accepted, approvedBy([alice, bob]), facts(honestVotes))).toStrictEqual({ ok: true });
    });

    it.each([
      ['no votes at all', [] as ApprovalFacts['votes'], `the approval carries no vote ${ALICE_VOTE} for approver:alice`],
      [
        'a vote that does not verify',
        [{ ok: false as const, id: ALICE_VOTE, problem: 'signer_mismatch: key k does not belong to approver:alice' }, honestVotes[1]!],
        `vote ${ALICE_VOTE} for approver:alice does not verify: signer_mismatch: key k does not belong to approver:alice`,
      ],
      [
        'a vote signed by someone else',
        [verified(fixtureVote('approver:dave', ALICE_VOTE)), honestVotes[1]!],
        `vote ${ALICE_VOTE} was signed by approver:dave, not approver:alice`,
      ],
      [
        'a vote for another digest',
        [verified(fixtureVote('approver:alice', ALICE_VOTE, { digest: 'e'.repeat(64) })), honestVotes[1]!],
        `vote ${ALICE_VOTE} names digest ${'e'.repeat(64)}, not the request's ${FIXTURE_DIGEST}`,
      ],
      [
        'a vote for another request',
        [verified(fixtureVote('approver:alice', ALICE_VOTE, { requestId: 'e0e0e0e0-0000-4000-8000-000000000000' })), honestVotes[1]!],
        `vote ${ALICE_VOTE} is about request e0e0e0e0-0000-4000-8000-000000000000, not ${FIXTURE_REQUEST_ID}`,
      ],
      [
        'a vote naming a rendering the approver was not shown',
        [verified(fixtureVote('approver:alice', ALICE_VOTE, { renderingDigest: 'e'.repeat(64) })), honestVotes[1]!],
        `vote ${ALICE_VOTE} names rendering digest ${'e'.repeat(64)}, not the digest ${FIXTURE_RENDERING_DIGEST} of the text approval showed`,
      ],
      [
        'a deny presented as an approval',
        [verified(fixtureVote('approver:alice', ALICE_VOTE, { decision: 'deny' })), honestVotes[1]!],
        `vote ${ALICE_VOTE} by approver:alice was not an approval`,
      ],
      [
        'a review vote presented as an approval',
        [verified(fixtureVote('approver:alice', ALICE_VOTE, { review: true })), honestVotes[1]!],
        `vote ${ALICE_VOTE} by approver:alice is a review vote, not an approval of the request`,
      ],
    ])('refuses %s', (_case, votes, message) => {
      expect(recheckApproval(accepted, approvedBy([alice, bob]), facts(votes))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message,
      });
    });

    it('refuses too few votes, however genuine', () => {
      expect(recheckApproval(accepted, approvedBy([alice]), facts(honestVotes))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: 'tier two-sre needs 2 distinct approvers; the evidence proves 1',
      });
    });

    it('refuses an approver counted without a vote', () => {
      const named = approvedBy([alice, { id: 'approver:bob', at: AT }]);
      expect(recheckApproval(accepted, named, facts(honestVotes))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: 'approver:bob is counted without a vote',
      });
    });

    it('refuses one person behind two identities', () => {
      const carol = { id: 'approver:carol', voteId: BOB_VOTE, via: 'signed' as const, at: AT };
      const decision = { ...twoSre, eligibleApprovers: [...twoSre.eligibleApprovers, 'approver:carol'] };
      const votes = [honestVotes[0]!, verified(fixtureVote('approver:carol', BOB_VOTE))];
      expect(recheckApproval(accepted, approvedBy([alice, carol]), facts(votes, decision, { 'approver:carol': 'alice' }))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: 'alice is counted twice (as approver:carol)',
      });
    });

    it('refuses the requester’s owner approving', () => {
      const erin = { id: 'approver:erin', voteId: BOB_VOTE, via: 'signed' as const, at: AT };
      const votes = [honestVotes[0]!, verified(fixtureVote('approver:erin', BOB_VOTE))];
      expect(recheckApproval(accepted, approvedBy([alice, erin]), facts(votes))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: `approver:erin is, or answers for, the requester ${FIXTURE_REQUESTER}`,
      });
    });

    it("refuses the human an agent's run acts for approving the agent's request", () => {
      const agent = { workload: FIXTURE_REQUESTER, runId: 'run-7', taskScope: 'deploy', onBehalfOf: 'approver:bob', runExpiresAt: AT };
      expect(recheckApproval({ ...accepted, agent }, approvedBy([alice, bob]), facts(honestVotes))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: `approver:bob is, or answers for, the requester ${FIXTURE_REQUESTER}`,
      });
    });

    it('refuses a voter the policy (or Cedar) does not let approve this tier', () => {
      const decision = { ...twoSre, eligibleApprovers: ['approver:alice', 'approver:dave'] };
      expect(recheckApproval(accepted, approvedBy([alice, bob]), facts(honestVotes, decision))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: 'approver:bob may not approve tier two-sre under the pinned policy (eligible: approver:alice, approver:dave)',
      });
    });

    it('counts an escalation group’s approver', () => {
      const decision = {
        ...twoSre,
        eligibleApprovers: ['approver:alice'],
        escalation: { escalatesAt: '2026-11-21T09:59:10.000Z', groups: ['security'], eligibleApprovers: ['approver:bob'] },
      };
      expect(recheckApproval(accepted, approvedBy([alice, bob]), facts(honestVotes, decision))).toStrictEqual({ ok: true });
    });
  });

  describe('given the approval claims another policy, tier or mode', () => {
    it('refuses another policy version', () => {
      const other = approvedBy([alice, bob], { policy: { ...FIXTURE_STAMP, tier: 'two-sre', version: `sha256:${'cd'.repeat(32)}` } });
      expect(recheckApproval(accepted, other, facts(honestVotes))).toStrictEqual({
        ok: false,
        code: 'policy_mismatch',
        message: `approved under policy sha256:${'cd'.repeat(32)}, but the pinned policy is ${FIXTURE_STAMP.version}`,
      });
    });

    it('refuses an auto approval of a request the policy sends to people (the wrong tier)', () => {
      const auto = approvedBy([{ id: 'policy:prod-changes@low-risk', at: AT }], {
        mode: 'auto',
        policy: { ...FIXTURE_STAMP, tier: 'low-risk' },
      });
      expect(recheckApproval(accepted, auto, facts([]))).toStrictEqual({
        ok: false,
        code: 'policy_mismatch',
        message: 'the pinned policy prod-changes routes this request to tier two-sre (quorum), not low-risk (auto)',
      });
    });

    it('refuses an approval of a request the policy does not let the requester make', () => {
      const refused = { ...twoSre, mode: 'refused' as const };
      expect(recheckApproval(accepted, approvedBy([alice, bob]), facts(honestVotes, refused))).toStrictEqual({
        ok: false,
        code: 'policy_mismatch',
        message: `the pinned policy prod-changes does not let ${FIXTURE_REQUESTER} request this`,
      });
    });
  });

  describe('given the checker’s own target registry disagrees with intake’s facts', () => {
    const lowRisk = fixtureDecision({ stamp: { ...FIXTURE_STAMP, tier: 'low-risk' }, mode: 'auto', eligibleApprovers: [] });
    const auto = approvedBy([{ id: 'policy:prod-changes@low-risk', at: AT }], {
      mode: 'auto',
      policy: { ...FIXTURE_STAMP, tier: 'low-risk' },
    });
    const problem = 'environment_mismatch: the target registry says demo-target is production, not staging';

    it('refuses first, even an approval the policy would give the mislabelled request', () => {
      const mislabelled = { ...facts([], lowRisk), registry: { ok: false as const, problem } };
      expect(recheckApproval(accepted, auto, mislabelled)).toStrictEqual({ ok: false, code: 'registry_mismatch', message: problem });
    });

    it('refuses a quorum approval with genuine votes too: they approved facts the registry does not give', () => {
      const mislabelled = { ...facts(honestVotes), registry: { ok: false as const, problem } };
      expect(recheckApproval(accepted, approvedBy([alice, bob]), mislabelled)).toStrictEqual({
        ok: false,
        code: 'registry_mismatch',
        message: problem,
      });
    });
  });

  describe('given the pinned policy auto-approves the request', () => {
    const lowRisk = fixtureDecision({ stamp: { ...FIXTURE_STAMP, tier: 'low-risk' }, mode: 'auto', eligibleApprovers: [] });
    const auto = (id: string) => approvedBy([{ id, at: AT }], { mode: 'auto', policy: { ...FIXTURE_STAMP, tier: 'low-risk' } });

    it('accepts the policy tier as the one approver', () => {
      expect(recheckApproval(accepted, auto('policy:prod-changes@low-risk'), facts([], lowRisk))).toStrictEqual({ ok: true });
    });

    it('refuses an auto approval in anyone else’s name', () => {
      expect(recheckApproval(accepted, auto('policy:other@low-risk'), facts([], lowRisk))).toStrictEqual({
        ok: false,
        code: 'policy_mismatch',
        message: 'an auto approval of tier low-risk is given by policy:prod-changes@low-risk alone, not policy:other@low-risk',
      });
    });
  });

  describe('given votes relayed by the Slack channel', () => {
    const viaSlack = { ...bob, via: 'slack' as const };
    const withSlack = (decision = twoSre, registryApprover = 'approver:bob') => {
      const relayed = factsFor(approvedBy([viaSlack])).votes[0]!;
      const vote = relayed.ok ? verified(relayed.vote, registryApprover) : relayed;
      return facts([honestVotes[0]!, vote], decision);
    };

    it('counts a relayed vote the registry pins on the approver, on a tier without step-up', () => {
      expect(recheckApproval(accepted, approvedBy([alice, viaSlack]), withSlack())).toStrictEqual({ ok: true });
    });

    it('refuses a relayed vote whose Slack user the registry maps to someone else', () => {
      expect(recheckApproval(accepted, approvedBy([alice, viaSlack]), withSlack(twoSre, 'approver:dave'))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: `vote ${BOB_VOTE} was relayed for approver:bob, but the registry maps its channel user to approver:dave`,
      });
    });

    it('refuses a relayed vote on a tier the pinned policy gives step-up, even if the approval does not say so', () => {
      expect(recheckApproval(accepted, approvedBy([alice, viaSlack]), withSlack({ ...twoSre, stepUp: true }))).toStrictEqual({
        ok: false,
        code: 'step_up_missing',
        message:
          'the tier two-sre requires step-up, but approver:bob approved relayed by channel:slack, not with a vote signed by their own key',
      });
    });
  });
});
