import { EventTypes, type ApprovalRequestedV1, type Envelope, type RequestApprovedV1 } from '@countersign/contracts';
import { effectsAt, eventually } from './clients';
import { approvalRequested, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(90_000);

/** A policy past its review date: auto-approval stops, people must approve, and the decision says why. */
describe('an expired policy on the real stack', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({ reviewBy: '2026-01-31' });
  });

  afterAll(async () => {
    await s?.close();
  });

  it('forces human approval of what would otherwise be auto-approved, and flags it on the audit stream', async () => {
    const action = {
      kind: 'http.request',
      target: 'demo-staging',
      environment: 'staging',
      parameters: { method: 'POST', path: '/deploy' },
    };
    const { requestId } = await s.deployBot.submit(action, 'routine, but the policy is overdue for review');
    const requested: ApprovalRequestedV1 = await approvalRequested(s.audit, requestId);
    expect(requested.policy.rules).toContain('policy:review-overdue');
    expect(requested.quorum).toBeGreaterThanOrEqual(2);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
    // alice and bob sit in both fallback groups (sre and finance).
    for (const approver of [s.approvers.alice, s.approvers.bob])
      await approver.vote(requestId, requested.digest, 'approve', 'recertification pending, change reviewed');
    expect(await outcomeOf(s.deployBot, requestId, 'executed')).toEqual(['accepted', 'approved', 'executed']);
    const approved = await eventually(() => {
      const event = s.audit.eventsFor(requestId).find((e) => e.type === EventTypes.RequestApproved) as
        Envelope<RequestApprovedV1> | undefined;
      if (!event) throw new Error('not approved yet');
      return event.data;
    });
    expect(approved.mode).toBe('quorum');
    expect(approved.policy.rules).toContain('policy:review-overdue');
    expect(approved.approvers.map((a) => a.id).sort()).toEqual(['approver:alice', 'approver:bob']);
  });
});
