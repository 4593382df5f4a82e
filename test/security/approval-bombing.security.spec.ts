import { randomUUID } from 'node:crypto';
import { verifyChain } from '@countersign/audit-chain';
import { EventTypes, type ActionRequest, type AuditRecordV1, type Envelope, type RequesterNotifiedV1 } from '@countersign/contracts';
import { approvalRequested, outcomeOf, startScenario, type Scenario, eventually, type RequesterClient } from '@countersign/e2e';
import { codeCounts, recordAttack, tallyOf } from './report';
import { attackEffects } from './support/evidence';

jest.setTimeout(300_000);

const SUITE = 'approval-bombing';
const BURST = 1_000;
const COPIES = 20;
/** Small on purpose: the budgets, not the stack's speed, must be what stops the flood. */
const PENDING_APPROVALS = 5;
const SUBMISSIONS_PER_MINUTE = 8;

/** Every production HTTP action goes to this tier in this stack: people must approve, so requests stay pending. */
const BOMBING_TIER = {
  name: 'bombing-budget',
  description: 'production HTTP, two people from SRE, with small budgets per requester',
  match: { kinds: ['http.request'], environments: ['production'] },
  mode: 'quorum',
  quorum: 2,
  groups: ['sre'],
  budgets: { pendingApprovals: PENDING_APPROVALS, submissionsPerMinute: SUBMISSIONS_PER_MINUTE },
};

const deploy = (attempt: number | string, target = 'demo-target'): ActionRequest => ({
  kind: 'http.request',
  target,
  parameters: { method: 'POST', path: '/deploy', body: { version: `9.9.${attempt}` } },
});
const submission = (client: RequesterClient, action: ActionRequest) =>
  client.sign({ requestId: randomUUID(), action, reason: 'please approve' });
const requestIdOf = (envelope: Envelope) => (envelope.data as { requestId: string }).requestId;

/**
 * The chain as a SIEM keeps it: the reader's consumer delivers at least once, so under a burst a
 * record may arrive twice; a second copy must be identical, and counts once.
 */
function chainOf(received: readonly AuditRecordV1[]): AuditRecordV1[] {
  const bySequence = new Map<number, AuditRecordV1>();
  for (const record of received) {
    const seen = bySequence.get(record.sequence);
    if (seen && JSON.stringify(seen) !== JSON.stringify(record)) throw new Error(`two different records with sequence ${record.sequence}`);
    bySequence.set(record.sequence, record);
  }
  return [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
}

/**
 * Approval bombing (the approval twin of MFA fatigue): one requester floods intake hoping a tired
 * approver clicks yes; an agent in a loop resends the same request. On the real stack, through the
 * requester's own subject and signed with its own key: the bus and the signatures let every
 * message through, the budgets and joins must not let them reach approvers.
 */
describe('approval bombing: budgets per requester and joins', () => {
  let s: Scenario;
  let burst: Envelope[];
  let copies: Envelope[];
  const heard = (client: RequesterClient, envelope: Envelope): Envelope<RequesterNotifiedV1>[] =>
    client.notificationsFor(requestIdOf(envelope));
  const codesHeard = (client: RequesterClient, envelope: Envelope) =>
    heard(client, envelope).flatMap((notice) => (notice.data.errors ?? []).map((error) => error.code));
  // Indexes over the audit stream, rebuilt when read: a thousand requests times thousands of records
  // would otherwise be searched on every poll.
  let requestedIds = new Set<string>();
  const indexRequested = () =>
    (requestedIds = new Set(
      s.audit.records.filter((record) => record.event.type === EventTypes.ApprovalRequested).map((record) => record.requestId ?? ''),
    ));
  const requested = (envelope: Envelope) => requestedIds.has(requestIdOf(envelope));
  let chained: Set<string>;
  const chainHas = (envelope: Envelope, type: string) => chained.has(`${requestIdOf(envelope)} ${type}`);

  beforeAll(async () => {
    s = await startScenario({ extraTiers: [BOMBING_TIER] });
    burst = Array.from({ length: BURST }, (_, attempt) => submission(s.deployBot, deploy(attempt)));
    copies = Array.from({ length: COPIES }, () => submission(s.paymentsAgent, deploy('same', 'billing-api')));
    // All at once: a flood does not wait for answers.
    await Promise.all([...burst.map((envelope) => s.deployBot.publish(envelope)), ...copies.map((e) => s.paymentsAgent.publish(e))]);
    // The burst's own rejections, each once: the copies are refused too, and a record may reach the stream twice.
    const burstIds = new Set(burst.map(requestIdOf));
    const burstRejected = () =>
      new Set(
        s.audit.records
          .filter((record) => record.event.type === EventTypes.RequestRejected && burstIds.has(record.requestId ?? ''))
          .map((record) => record.requestId),
      ).size;
    await eventually(
      () => {
        const unanswered = burst.filter((envelope) => heard(s.deployBot, envelope).length === 0).length;
        if (unanswered > 0) throw new Error(`${unanswered} of the burst not answered yet`);
        const settled = burstRejected();
        if (settled < BURST - PENDING_APPROVALS) throw new Error(`${settled} of the burst's rejections on the audit stream so far`);
      },
      240_000,
      500,
    );
    await eventually(() => copies.forEach((envelope) => expect(heard(s.paymentsAgent, envelope).length).toBeGreaterThan(0)), 30_000);
    await eventually(() => {
      indexRequested();
      expect(burst.filter(requested).length + copies.filter(requested).length).toBe(PENDING_APPROVALS + 1);
    }, 30_000);
    const records = chainOf(s.audit.records);
    const verified = verifyChain(records);
    if (!verified.ok) throw new Error(`the audit chain does not verify: ${verified.code} ${verified.message}`);
    chained = new Set(records.map((record) => `${record.requestId ?? ''} ${(record.event as { type?: string }).type ?? ''}`));
    await recordAll();
  });

  afterAll(async () => {
    await s?.close();
  });

  async function recordAll(): Promise<void> {
    const caused = await attackEffects(s.stack, new Set());
    const limited = (client: RequesterClient) => (envelope: Envelope) => codesHeard(client, envelope).includes('rate_limited');
    recordAttack({
      ...tallyOf(
        {
          suite: SUITE,
          attack: `burst of ${BURST} submissions from one requester, beyond ${PENDING_APPROVALS} pending (budgets)`,
          layer: 'domain',
        },
        burst,
        {
          rejected: (envelope) => limited(s.deployBot)(envelope) && !requested(envelope),
          auditable: (envelope) => !requested(envelope),
          audited: (envelope) => chainHas(envelope, EventTypes.RequestRejected),
        },
      ),
      // The attack is what exceeds the budget: the budgeted few are approvals waiting for people,
      // so one approval more than the budget leaves an attempt unrejected and fails the row.
      tried: BURST - PENDING_APPROVALS,
      auditable: BURST - PENDING_APPROVALS,
      executions: caused,
      notes: [
        `pendingApprovals ${PENDING_APPROVALS}: ${burst.filter(requested).length} approvals opened`,
        codeCounts(burst.flatMap((e) => codesHeard(s.deployBot, e))),
      ],
    });
    const joinedOrLimited = (envelope: Envelope) =>
      heard(s.paymentsAgent, envelope).some((notice) => notice.data.outcome === 'joined') || limited(s.paymentsAgent)(envelope);
    recordAttack({
      ...tallyOf(
        { suite: SUITE, attack: `${COPIES} identical pending requests: copies after the first (joins)`, layer: 'domain' },
        copies.slice(1),
        {
          rejected: (envelope) => joinedOrLimited(envelope) && !requested(envelope),
          auditable: () => true,
          audited: (envelope) => chainHas(envelope, EventTypes.RequesterNotified),
        },
      ),
      executions: 0,
      notes: [`submissionsPerMinute ${SUBMISSIONS_PER_MINUTE}: 1 approval opened, joins and refusals for the rest`],
    });
  }

  it('opens at most the budgeted number of approvals for a burst of 1,000 and refuses the rest rate_limited', () => {
    expect(burst.filter(requested)).toHaveLength(PENDING_APPROVALS);
    const answers: Record<string, number> = {};
    for (const envelope of burst) {
      const answer = requested(envelope) ? 'requested' : codesHeard(s.deployBot, envelope).join(',');
      answers[answer] = (answers[answer] ?? 0) + 1;
    }
    expect(answers).toEqual({ requested: PENDING_APPROVALS, rate_limited: BURST - PENDING_APPROVALS });
  });

  it('audits every refusal: the rejection, with its rate_limited error and the signed submission, is on the verified chain', () => {
    const refused = burst.filter((envelope) => !requested(envelope));
    expect(refused.filter((envelope) => !chainHas(envelope, EventTypes.RequestRejected))).toEqual([]);
    const sample = s.audit.eventsFor(requestIdOf(refused[0]!)).find((event) => event.type === EventTypes.RequestRejected);
    expect(sample?.data).toMatchObject({ errors: [{ code: 'rate_limited' }], submission: { id: refused[0]!.id } });
  });

  it('opens one approval for identical pending requests: the copies join it, then the per-minute budget refuses', () => {
    const [first, ...rest] = copies;
    expect(requested(first!)).toBe(true);
    expect(rest.filter(requested)).toEqual([]);
    const joined = rest.filter((envelope) => heard(s.paymentsAgent, envelope).some((notice) => notice.data.outcome === 'joined'));
    expect(joined).toHaveLength(SUBMISSIONS_PER_MINUTE - 1);
    for (const envelope of joined) {
      expect(heard(s.paymentsAgent, envelope).map((notice) => notice.data.joinedRequestId)).toEqual([requestIdOf(first!)]);
    }
    expect(rest.filter((envelope) => codesHeard(s.paymentsAgent, envelope).includes('rate_limited'))).toHaveLength(
      COPIES - SUBMISSIONS_PER_MINUTE,
    );
  });

  it('tells a joined requester the outcome of the request it joined', async () => {
    const original = requestIdOf(copies[0]!);
    const { digest } = await approvalRequested(s.audit, original);
    await s.approvers.alice.vote(original, digest, 'deny', 'nobody asked for this');
    await outcomeOf(s.paymentsAgent, original, 'denied');
    // Same subject, same requester: every joined copy's requester heard how the one approval ended.
    expect(s.paymentsAgent.outcomes({ requestId: original })).toEqual(['accepted', 'denied']);
  });

  it('answers over HTTP too: a copy of a pending action joins (202), anything more is 429 in the error shape', async () => {
    const post = (envelope: Envelope) =>
      fetch(`${s.stack.intakeUrl}/v1/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(envelope),
      });
    const pending = burst.find(requested)!;
    const copy = submission(s.deployBot, (pending.data as { action: ActionRequest }).action);
    const joinedAnswer = await post(copy);
    expect(joinedAnswer.status).toBe(202);
    expect(await joinedAnswer.json()).toEqual({
      status: 'joined',
      eventId: copy.id,
      requestId: requestIdOf(copy),
      joinedRequestId: requestIdOf(pending),
    });
    const more = submission(s.deployBot, deploy('one-more'));
    const refused = await post(more);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      error: 'rejected',
      requestId: requestIdOf(more),
      errors: [{ path: '', code: 'rate_limited' }],
    });
  });

  it('frees a pending slot when its approval is decided: the next submission is accepted', async () => {
    const pending = burst.find(requested)!;
    const { digest } = await approvalRequested(s.audit, requestIdOf(pending));
    await s.approvers.bob.vote(requestIdOf(pending), digest, 'deny', 'not now');
    await outcomeOf(s.deployBot, requestIdOf(pending), 'denied');
    const next = submission(s.deployBot, deploy('after-a-decision'));
    await s.deployBot.publish(next);
    await outcomeOf(s.deployBot, requestIdOf(next), 'accepted');
  });
});
