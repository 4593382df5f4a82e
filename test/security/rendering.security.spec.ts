import { actionRenderingDigest, EventTypes, type AuditFindingV1, type Envelope, type VoteRejectedV1 } from '@countersign/contracts';
import { approvalRequested, demoTargetIn, outcomeOf, startScenario, type Scenario } from '@countersign/e2e';
import { recordAttack } from './report';
import { ACCEPTANCE_TYPES, attackEffects, AuditEvidence } from './support/evidence';

jest.setTimeout(180_000);

const SUITE = 'rendering';
const production = (path: string) => ({
  kind: 'http.request',
  target: demoTargetIn('production'),
  environment: 'production',
  parameters: { method: 'POST', path },
});

/**
 * What the approver saw. A vote names the action digest and the digest of the rendering it was
 * shown. An attacker who controls what an approver reads (a doctored client, a stale or forged
 * card) can show a harmless text next to the real action digest; the vote then names the harmless
 * text's digest, and approval refuses it (`rendering_mismatch`), audit records the refusal and
 * raises a finding, and nothing is approved, minted or run. Genuine votes on the same request
 * then approve it, so the refusals are not an accident of a broken request.
 */
describe('rendering: a vote naming a text the approver was not shown counts for nothing', () => {
  let s: Scenario;
  let evidence: AuditEvidence;
  const legitimate = new Set<string>();

  beforeAll(async () => {
    s = await startScenario();
    evidence = new AuditEvidence(s.audit);
  });

  afterAll(async () => {
    await s?.close();
  });

  const rejection = (voteId: string) =>
    evidence.events({ type: EventTypes.VoteRejected }).find((event) => (event.data as VoteRejectedV1).voteId === voteId) as
      Envelope<VoteRejectedV1> | undefined;
  const finding = (rejected: Envelope | undefined) =>
    rejected !== undefined &&
    evidence.events({ type: EventTypes.AuditFinding }).some((event) => (event.data as AuditFindingV1).eventId === rejected.id);
  const refusedAndAudited = (voteId: string) => rejection(voteId)?.data.code === 'rendering_mismatch' && finding(rejection(voteId));

  it('refuses signed votes for a doctored text, or for another request’s text, and audits each; genuine votes then approve', async () => {
    const { requestId } = await s.deployBot.submit(production('/v1/drop-all-tables'), 'security: rendering');
    const { requestId: elsewhere } = await s.deployBot.submit(production('/v1/health'), 'security: rendering, another request');
    legitimate.add(requestId);
    const requested = await approvalRequested(s.audit, requestId);
    const other = await approvalRequested(s.audit, elsewhere);
    // The harmless text a doctored client shows next to the real action digest.
    const doctored = actionRenderingDigest({ ...requested.action, parameters: { method: 'POST', path: '/v1/health' } });
    const mark = evidence.mark();

    const attempts = [
      await s.approvers.alice.vote(requestId, requested.digest, 'approve', 'looked harmless', false, doctored),
      await s.approvers.bob.vote(requestId, requested.digest, 'approve', 'looked harmless', false, doctored),
      await s.approvers.alice.vote(requestId, requested.digest, 'approve', 'the other card', false, other.renderingDigest),
      await s.approvers.bob.vote(requestId, requested.digest, 'approve', 'the other card', false, other.renderingDigest),
    ];
    await evidence.waitFor(() => attempts.every(refusedAndAudited), 60_000);
    await evidence.settle();
    const accepted = evidence
      .since(mark)
      .filter((event) => ACCEPTANCE_TYPES.includes(event.type) || event.type === EventTypes.VoteRecorded)
      .filter((event) => (event.data as { requestId?: string }).requestId === requestId);
    recordAttack({
      suite: SUITE,
      attack: 'domain: signed votes naming a rendering the approver was not shown (doctored text, another request’s text)',
      layer: 'domain',
      tried: attempts.length,
      rejected: accepted.length === 0 ? attempts.filter((id) => rejection(id)?.data.code === 'rendering_mismatch').length : 0,
      auditable: attempts.length,
      audited: attempts.filter(refusedAndAudited).length,
      executions: await attackEffects(s.stack, new Set()),
      notes: ['vote.rejected rendering_mismatch + audit.finding vote_refused for each'],
    });

    expect(attempts.map((id) => rejection(id)?.data.code)).toEqual(attempts.map(() => 'rendering_mismatch'));
    expect(rejection(attempts[0]!)?.data.message).toBe(
      `the vote names rendering digest ${doctored}; the request was shown as ${requested.renderingDigest}`,
    );
    expect(attempts.filter(refusedAndAudited)).toEqual(attempts);
    expect(accepted.map((event) => event.type)).toEqual([]);
    expect(await attackEffects(s.stack, new Set())).toBe(0);

    // The same approvers, naming the text approval showed: the request is approved and runs once.
    await s.approvers.alice.vote(requestId, requested.digest, 'approve', 'read the whole text');
    await s.approvers.bob.vote(requestId, requested.digest, 'approve', 'read the whole text');
    await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    expect(await attackEffects(s.stack, legitimate)).toBe(0);
  });
});
