import {
  EventTypes,
  type AuditViolationV1,
  type CredentialRefusedV1,
  type Envelope,
  type ExecutionRefusedV1,
  type RequestAcceptedV1,
  type RequestApprovedV1,
} from '@countersign/contracts';
import { effectsAt, approvalRequested, outcomeOf, startScenario, type Scenario } from '@countersign/e2e';
import { recordAttack } from './report';
import { asApprover, CompromisedServices, invented } from './support/compromised';
import { attackEffects, AuditEvidence } from './support/evidence';
import { latest } from './support/forgery';

jest.setTimeout(240_000);

const SUITE = 'approval-alone';
const LAYER = 'domain';
const production = (version: string) => ({
  kind: 'http.request',
  target: 'demo-target',
  environment: 'production',
  parameters: { method: 'POST', path: '/deploy', body: { version } },
});

/** What one attack left behind on the real audit stream and at the demo target. */
interface Outcome {
  requestId: string;
  refusal: CredentialRefusedV1 | undefined;
  violation: AuditViolationV1 | undefined;
  issued: number;
  effects: number;
}

/**
 * The approval service compromised: its own signing key and its own NATS user publish a
 * `request.approved` for a production request that the policy sends to two SRE approvers. The
 * broker and the executor re-check it against the pinned policy and the approvers' own signed
 * votes; nothing is issued or executed, and audit raises a violation for each attempt.
 */
describe('approval acting alone: an approved without the votes behind it', () => {
  let s: Scenario;
  let attacker: CompromisedServices;
  let evidence: AuditEvidence;
  const legitimate = new Set<string>();

  beforeAll(async () => {
    s = await startScenario();
    evidence = new AuditEvidence(s.audit);
    attacker = new CompromisedServices(s.stack);
  });

  afterAll(async () => {
    await attacker?.close();
    await s?.close();
  });

  /** A fresh production request, pending: the policy wants two distinct SRE approvers. */
  async function pendingProduction(version: string) {
    const { requestId } = await s.deployBot.submit(production(version), 'the approval service will approve this alone');
    const requested = await approvalRequested(s.audit, requestId);
    const accepted = latest<RequestAcceptedV1>(evidence, EventTypes.RequestAccepted, requestId);
    return { requestId, digest: requested.digest, renderingDigest: requested.renderingDigest, policy: requested.policy, accepted };
  }

  /** Waits for the broker's refusal and audit's violation, then reads what the attack caused. */
  async function outcomeFor(requestId: string, approval: Envelope): Promise<Outcome> {
    const refusalOf = () =>
      evidence
        .events({ type: EventTypes.CredentialRefused, requestId })
        .map((event) => event.data as CredentialRefusedV1)
        .find((refusal) => refusal.approvalEventId === approval.id);
    const violationOf = () => evidence.events({ type: EventTypes.AuditViolation, requestId }).at(0)?.data as AuditViolationV1 | undefined;
    await evidence.waitFor(() => refusalOf() !== undefined && violationOf() !== undefined, 60_000, 15_000);
    return {
      requestId,
      refusal: refusalOf(),
      violation: violationOf(),
      issued: evidence.events({ type: EventTypes.CredentialIssued, requestId }).length,
      effects: (await effectsAt(s.stack, requestId)).length,
    };
  }

  async function record(attack: string, outcomes: Outcome[], expectedCode: string): Promise<void> {
    await evidence.settle();
    const rejected = (o: Outcome) => o.issued === 0 && o.effects === 0 && o.refusal?.code === expectedCode;
    const audited = (o: Outcome) => o.violation?.violations.some((v) => v.code === 'approval_unproven') === true;
    recordAttack({
      suite: SUITE,
      attack,
      layer: LAYER,
      tried: outcomes.length,
      rejected: outcomes.filter(rejected).length,
      auditable: outcomes.length,
      audited: outcomes.filter(audited).length,
      executions: await attackEffects(s.stack, legitimate),
      notes: outcomes.map((o) => `${o.refusal?.code ?? 'no refusal'}: ${o.refusal?.message ?? ''}`.slice(0, 240)),
    });
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ issued: 0, effects: 0, refusal: { code: expectedCode } });
      expect(audited(outcome)).toBe(true);
    }
  }

  it('(a) with no votes behind it: refused quorum_unproven, nothing issued or run, audit violation', async () => {
    const target = await pendingProduction('a');
    const approval = await attacker.approve(target.accepted, { policy: target.policy, approvers: [invented('alice'), invented('bob')] });
    await record(
      'approval alone: approved naming alice and bob, no votes',
      [await outcomeFor(target.requestId, approval)],
      'quorum_unproven',
    );
  });

  it('(b) with forged votes: another key, an unknown key, or a genuine vote for another digest', async () => {
    const outcomes: Outcome[] = [];
    for (const forge of ['voteSignedByApproval', 'voteWithUnknownKey'] as const) {
      const target = await pendingProduction(`b-${forge}`);
      const votes = ['alice', 'bob'].map((voter) => attacker[forge](target.requestId, target.digest, voter, target.renderingDigest));
      const approval = await attacker.approve(target.accepted, {
        policy: target.policy,
        approvers: votes.map(asApprover),
        evidence: votes,
      });
      outcomes.push(await outcomeFor(target.requestId, approval));
    }
    // Genuine votes by alice and bob, but alice's names another request's digest.
    const elsewhere = await pendingProduction('b-elsewhere');
    const target = await pendingProduction('b-digest');
    const aliceId = await s.approvers.alice.vote(target.requestId, elsewhere.digest, 'approve', 'what I saw elsewhere');
    const bobId = await s.approvers.bob.vote(target.requestId, target.digest, 'approve', 'genuine');
    await evidence.waitFor(
      () => evidence.events({ requestId: target.requestId }).filter((e) => [aliceId, bobId].includes(e.id)).length === 2,
    );
    const genuine = evidence.events({ requestId: target.requestId }).filter((e) => [aliceId, bobId].includes(e.id));
    const approval = await attacker.approve(target.accepted, {
      policy: target.policy,
      approvers: genuine.map(asApprover),
      evidence: genuine,
    });
    outcomes.push(await outcomeFor(target.requestId, approval));
    await record('approval alone: approved on forged votes (other key, unknown key, other digest)', outcomes, 'quorum_unproven');
    expect(outcomes.map((o) => o.refusal?.message)).toEqual([
      expect.stringMatching(/does not verify: bad_signature/),
      expect.stringMatching(/does not verify: unknown_key/),
      expect.stringMatching(new RegExp(`names digest ${elsewhere.digest}`)),
    ]);
  });

  it('(c) with too few votes: one genuine approval where the tier needs two people', async () => {
    const target = await pendingProduction('c');
    const aliceId = await s.approvers.alice.vote(target.requestId, target.digest, 'approve', 'genuine, one of two');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.VoteRecorded, requestId: target.requestId }).length === 1);
    const alice = evidence.events({ type: EventTypes.VoteCast, requestId: target.requestId }).filter((e) => e.id === aliceId);
    const approval = await attacker.approve(target.accepted, { policy: target.policy, approvers: alice.map(asApprover), evidence: alice });
    const outcome = await outcomeFor(target.requestId, approval);
    await record('approval alone: approved on one genuine vote of the two needed', [outcome], 'quorum_unproven');
    expect(outcome.refusal?.message).toBe('tier production-change needs 2 distinct approvers; the evidence proves 1');
  });

  it('(d) claiming the wrong tier: an auto approval of a production change', async () => {
    const target = await pendingProduction('d');
    const policy = { ...target.policy, tier: 'low-risk', rules: ['tier:low-risk'] };
    const approval = await attacker.approve(target.accepted, {
      mode: 'auto',
      policy,
      approvers: [{ id: `policy:${policy.label}@low-risk`, at: new Date().toISOString() }],
    });
    const outcome = await outcomeFor(target.requestId, approval);
    await record('approval alone: auto approval claimed for a production change (wrong tier)', [outcome], 'policy_mismatch');
    expect(outcome.refusal?.message).toBe(
      `the pinned policy ${policy.label} routes this request to tier production-change (quorum), not low-risk (auto)`,
    );
  });

  it('(e) approval and broker together: the executor re-checks on its own and refuses to run', async () => {
    const target = await pendingProduction('e');
    const approval = await attacker.approve(target.accepted, { policy: target.policy, approvers: [invented('alice')] });
    await outcomeFor(target.requestId, approval);
    await attacker.issue(target.accepted, approval);
    const refusalOf = () =>
      evidence.events({ type: EventTypes.ExecutionRefused, requestId: target.requestId }).at(0)?.data as ExecutionRefusedV1 | undefined;
    await evidence.waitFor(() => refusalOf() !== undefined, 60_000, 15_000);
    await evidence.settle();
    const refusal = refusalOf();
    const violation = evidence.events({ type: EventTypes.AuditViolation, requestId: target.requestId }).at(0);
    const effects = (await effectsAt(s.stack, target.requestId)).length;
    recordAttack({
      suite: SUITE,
      attack: 'approval and broker together: a credential for an approval with no votes',
      layer: LAYER,
      tried: 1,
      rejected: refusal?.code === 'quorum_unproven' && effects === 0 ? 1 : 0,
      auditable: 1,
      audited: refusal !== undefined && violation !== undefined ? 1 : 0,
      executions: await attackEffects(s.stack, legitimate),
      notes: [`${refusal?.code ?? 'no refusal'}: ${refusal?.message ?? ''}`.slice(0, 240)],
    });
    expect(refusal).toMatchObject({ code: 'quorum_unproven' });
    expect(evidence.events({ type: EventTypes.ExecutionStarted, requestId: target.requestId })).toEqual([]);
    expect(effects).toBe(0);
    expect(violation).toBeDefined();
  });

  it('still runs an honest two-approver production change, with its votes as evidence', async () => {
    const { requestId, digest } = await pendingProduction('honest');
    legitimate.add(requestId);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'looks right');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'agreed');
    await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    const approved = latest<RequestApprovedV1>(evidence, EventTypes.RequestApproved, requestId);
    expect(approved.data.evidence?.map((vote) => vote.signer).sort()).toEqual(['approver:alice', 'approver:bob']);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    await evidence.waitFor(() => evidence.events({ type: EventTypes.CustodyVerified, requestId }).length > 0, 60_000, 45_000);
    expect(evidence.events({ type: EventTypes.AuditViolation, requestId })).toEqual([]);
  });
});
