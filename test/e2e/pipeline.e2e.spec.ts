import { randomUUID } from 'node:crypto';
import { EventTypes, type CustodyVerifiedV1, type Envelope, type VoteRejectedV1 } from '@countersign/contracts';
import { effectsAt, eventually } from './clients';
import { approvalRequested, outcomeOf, startScenario, type Scenario, demoTargetIn } from './scenario';

jest.setTimeout(90_000);

const deploy = (environment: string) => ({
  kind: 'http.request',
  target: demoTargetIn(environment),
  environment,
  parameters: { method: 'POST', path: '/deploy', body: { version: '1.4.2' } },
});

describe('the approval-gated pipeline on the real stack', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario();
  });

  afterAll(async () => {
    await s?.close();
  });

  const typesFor = (requestId: string) => s.audit.eventsFor(requestId).map((event) => event.type);

  it('auto-approves a low-risk request, executes it once, and audit shows four distinct identities', async () => {
    const { requestId } = await s.deployBot.submit(deploy('staging'), 'routine staging deploy');
    expect(await outcomeOf(s.deployBot, requestId, 'executed')).toEqual(['accepted', 'approved', 'executed']);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    const custody = await eventually(() => {
      const verified = s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.CustodyVerified) as
        Envelope<CustodyVerifiedV1> | undefined;
      if (!verified) throw new Error('custody not verified yet');
      return verified.data.custody;
    });
    const identities = custody.map((link) => `${link.role}=${link.identity}`);
    expect(identities).toEqual([
      'requester=requester:deploy-bot',
      'approver=policy:e2e@low-risk',
      'broker=service:broker',
      'executor=service:executor',
    ]);
    expect(new Set(custody.map((link) => link.identity)).size).toBe(4);
  });

  it('needs two distinct approvers for a production change; the requester side cannot approve its own request', async () => {
    const { requestId } = await s.paymentsAgent.submit(deploy('production'), 'hotfix for the payments API');
    const { digest, quorum } = await approvalRequested(s.audit, requestId);
    expect(quorum).toBe(2);
    // dave owns the payments agent: his vote is its own request's vote, and is rejected.
    await s.approvers.dave.vote(requestId, digest, 'approve', 'my agent, my call');
    const rejected = await eventually(() => {
      const vote = s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.VoteRejected) as
        Envelope<VoteRejectedV1> | undefined;
      if (!vote) throw new Error('no rejection yet');
      return vote.data;
    });
    expect(rejected).toMatchObject({ voter: 'approver:dave', code: 'self_approval' });
    await s.approvers.alice.vote(requestId, digest, 'approve', 'reviewed the diff');
    await eventually(() => expect(typesFor(requestId).filter((type) => type === EventTypes.VoteRecorded)).toHaveLength(1));
    expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
    await s.approvers.bob.vote(requestId, digest, 'approve', 'second pair of eyes');
    expect(await outcomeOf(s.paymentsAgent, requestId, 'executed')).toEqual(['accepted', 'approved', 'executed']);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    // dave's refused vote is a high-severity finding; the request's custody is sound (no false alarm).
    await eventually(() => {
      expect(typesFor(requestId)).toContain(EventTypes.CustodyVerified);
      const findings = s.audit.eventsFor(requestId).filter((event) => event.type === EventTypes.AuditFinding);
      expect(findings.map((finding) => finding.data)).toEqual([
        expect.objectContaining({ kind: 'vote_refused', severity: 'high', code: 'self_approval', signer: 'approver:dave' }),
      ]);
    }, 60_000);
    expect(typesFor(requestId)).not.toContain(EventTypes.AuditViolation);
  });

  it('never executes a denied request and tells the requester it was denied', async () => {
    const { requestId } = await s.deployBot.submit(deploy('production'), 'risky change');
    const { digest } = await approvalRequested(s.audit, requestId);
    await s.approvers.alice.vote(requestId, digest, 'deny', 'not during the freeze');
    expect(await outcomeOf(s.deployBot, requestId, 'denied')).toEqual(['accepted', 'denied']);
    await s.approvers.bob.vote(requestId, digest, 'approve', 'too late');
    await eventually(() => expect(typesFor(requestId)).toContain(EventTypes.VoteRejected));
    expect(typesFor(requestId)).not.toContain(EventTypes.CredentialIssued);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
  });

  it('expires a request nobody decided, reports it as expired (not denied), and never executes it', async () => {
    const { requestId } = await s.deployBot.submit(deploy('qa'), 'qa change nobody looks at');
    const { digest } = await approvalRequested(s.audit, requestId);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'one is not enough');
    const heard = await outcomeOf(s.deployBot, requestId, 'expired');
    expect(heard).toEqual(['accepted', 'expired']);
    expect(heard).not.toContain('denied');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'after the deadline');
    await eventually(() => expect(typesFor(requestId).filter((type) => type === EventTypes.VoteRejected)).toHaveLength(1));
    expect(typesFor(requestId)).not.toContain(EventTypes.RequestApproved);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
  });

  it('answers a malformed submission with a structured rejection naming the field, and nothing else happens', async () => {
    const requestId = randomUUID();
    const envelope = s.deployBot.sign({ requestId, action: { ...deploy('staging'), target: 'Not A Target!' }, reason: 'typo' });
    await s.deployBot.publish(envelope);
    await outcomeOf(s.deployBot, requestId, 'rejected');
    const notice = s.deployBot.notificationsFor(requestId)[0]!;
    expect(notice.data.errors).toEqual([expect.objectContaining({ path: 'action.target' })]);
    // As a set: audit records its four consumers' streams as they arrive, and the rejection (CS_EVENTS)
    // and the requester's notice (CS_NOTIFY) share no order across streams.
    await eventually(() =>
      expect([...typesFor(requestId)].sort()).toEqual(
        [EventTypes.RequestSubmitted, EventTypes.RequestRejected, EventTypes.RequesterNotified].sort(),
      ),
    );
    expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
  });

  it('answers a malformed HTTP submission with 400 and the failing field', async () => {
    const requestId = randomUUID();
    const envelope = s.deployBot.sign({ requestId, action: { ...deploy('staging'), environment: '' }, reason: 'over http' });
    const response = await fetch(`${s.stack.intakeUrl}/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ path: string }> };
    expect(body.errors.map((error) => error.path)).toContain('action.environment');
    const unsigned = await fetch(`${s.stack.intakeUrl}/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...envelope, signature: 'A'.repeat(86) }),
    });
    expect(unsigned.status).toBe(401);
    const stale = s.deployBot.sign({ requestId: randomUUID(), action: deploy('staging'), reason: 'captured an hour ago' }, {});
    const resigned = s.deployBot.signAt(stale.data, new Date(Date.now() - 3_600_000));
    const replayed = await fetch(`${s.stack.intakeUrl}/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(resigned),
    });
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: string }).error).toBe('stale_timestamp');
  });
});
