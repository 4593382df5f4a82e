import { randomBytes, randomUUID } from 'node:crypto';
import {
  EventTypes,
  Subjects,
  type ActionRequest,
  type Envelope,
  type RequestApprovedV1,
  type VoteRecordedV1,
  type VoteRejectedV1,
  type VoteRelayedV1,
} from '@countersign/contracts';
import { blockActionsPayload, signedInteractionRequest, startSlackStandIn, type SlackStandIn } from '@countersign/slack/testing';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { connectAs, effectsAt, eventually } from './clients';
import { approvalRequested, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(120_000);

const TEAM = 'T0COUNTSGN';
const USERS = { alice: 'U0ALICE001', bob: 'U0BOB00001', carol: 'U0CAROL001', mallory: 'U0MALLORY1' } as const;
const CHANNEL = 'C0APPROVALS';
const BOT_TOKEN = `xoxb-${randomBytes(8).toString('hex')}`;

const payment = (value: string): ActionRequest => ({
  kind: 'payment.transfer',
  target: 'demo-target',
  environment: 'production',
  parameters: { payee: 'ACME GmbH', invoice: 'INV-2026-118' },
  amount: { value, currency: 'EUR' },
});

/**
 * Approvers in Slack on the real stack: the Slack edge (HTTP mode) posts cards through a local
 * stand-in for Slack's Web API, and the test plays Slack, signing interaction payloads in Slack's
 * real format with the app's signing secret, which is generated for this run.
 */
describe('approving in Slack, end to end', () => {
  let slack: SlackStandIn;
  let s: Scenario;
  const signingSecret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    slack = await startSlackStandIn({ botToken: BOT_TOKEN, teamId: TEAM });
    s = await startScenario({
      slack: {
        env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: signingSecret, SLACK_API_URL: slack.apiUrl, SLACK_CHANNEL_ID: CHANNEL },
      },
    });
  });

  afterAll(async () => {
    await s?.close();
    await slack?.stop();
  });

  const cardFor = (requestId: string) =>
    slack.waitFor(() => slack.messages().find((message) => JSON.stringify(message.blocks).includes(requestId)), 20_000);

  const events = <T>(requestId: string, type: string) =>
    s.audit.eventsFor(requestId).filter((event) => event.type === type) as Array<Envelope<T>>;

  async function click(
    requestId: string,
    user: keyof typeof USERS,
    decision: 'approve' | 'deny',
    options: { reason?: string; secret?: string; at?: number; craft?: (payload: Record<string, unknown>) => void } = {},
  ) {
    const message = await cardFor(requestId);
    const payload = blockActionsPayload({
      message,
      teamId: TEAM,
      userId: USERS[user],
      userName: user,
      decision,
      ...(options.reason ? { reason: options.reason } : {}),
    });
    options.craft?.(payload);
    const request = signedInteractionRequest(options.secret ?? signingSecret, payload, options.at ?? Math.floor(Date.now() / 1000));
    return { request, send: () => post(request) };
  }

  async function post(request: { headers: Record<string, string>; body: string }) {
    const response = await fetch(`${s.stack.slackEdgeUrl}/slack/interactions`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('routes a 12,500 EUR payment to two finance approvers who approve it in Slack, and updates the card', async () => {
    const { requestId } = await s.paymentsAgent.submit(payment('12500.00'), 'vendor invoice INV-2026-118');
    const requested = await approvalRequested(s.audit, requestId);
    expect(requested).toMatchObject({ quorum: 2, eligibleGroups: ['finance'], policy: { tier: 'payments-high' } });
    const card = JSON.stringify((await cardFor(requestId)).blocks);
    for (const shown of [
      '12500.00',
      'EUR',
      'payment.transfer',
      'demo-target',
      'production',
      'requester:payments-agent',
      'payments-high',
      requested.digest,
    ]) {
      expect(card).toContain(shown);
    }

    const alice = await (await click(requestId, 'alice', 'approve', { reason: 'invoice matches the PO' })).send();
    expect(alice).toMatchObject({ status: 200, body: { status: 'relayed' } });
    await eventually(() => expect(events(requestId, EventTypes.VoteRecorded)).toHaveLength(1));
    const bob = await (await click(requestId, 'bob', 'approve')).send();
    expect(bob).toMatchObject({ status: 200, body: { status: 'relayed' } });

    const approved = await eventually(() => {
      const [found] = events<RequestApprovedV1>(requestId, EventTypes.RequestApproved);
      if (!found) throw new Error('not approved yet');
      return found.data;
    });
    expect(approved.policy.tier).toBe('payments-high');
    expect(approved.approvers.map(({ id, via }) => ({ id, via }))).toEqual([
      { id: 'approver:alice', via: 'slack' },
      { id: 'approver:bob', via: 'slack' },
    ]);
    expect(approved.approvers[0]?.reason).toBe('invoice matches the PO');
    const relayed = events<VoteRelayedV1>(requestId, EventTypes.VoteRelayed);
    expect(relayed.map((vote) => [vote.signer, vote.data.approver, vote.data.slack.userId])).toEqual([
      ['channel:slack', 'approver:alice', USERS.alice],
      ['channel:slack', 'approver:bob', USERS.bob],
    ]);
    await outcomeOf(s.paymentsAgent, requestId, 'approved');
    await outcomeOf(s.paymentsAgent, requestId, 'executed');
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    await eventually(() =>
      expect(JSON.stringify(slack.messages().find((m) => JSON.stringify(m.blocks).includes(requestId))?.blocks)).toContain('Approved'),
    );
  });

  it('rejects bad signatures, and processes a replayed interaction at most once', async () => {
    const { requestId } = await s.paymentsAgent.submit(payment('15000.00'), 'replay drill');
    await approvalRequested(s.audit, requestId);
    const forged = await click(requestId, 'alice', 'approve', { secret: randomBytes(32).toString('hex') });
    expect(await forged.send()).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
    const stale = await click(requestId, 'alice', 'approve', { at: Math.floor(Date.now() / 1000) - 400 });
    expect(await stale.send()).toMatchObject({ status: 401, body: { error: 'stale_timestamp' } });
    const genuine = await click(requestId, 'alice', 'approve');
    const tampered = { ...genuine.request, body: genuine.request.body.replace('approve', 'deny') };
    expect(await post(tampered)).toMatchObject({ status: 401, body: { error: 'bad_signature' } });

    expect(await genuine.send()).toMatchObject({ status: 200, body: { status: 'relayed' } });
    expect(await genuine.send()).toMatchObject({ status: 200, body: { status: 'refused', code: 'replayed' } });
    expect(await genuine.send()).toMatchObject({ status: 200, body: { status: 'refused', code: 'replayed' } });
    const stranger = await click(requestId, 'mallory', 'approve');
    expect(await stranger.send()).toMatchObject({ status: 200, body: { status: 'refused', code: 'unmapped_user' } });

    await eventually(() => expect(events<VoteRecordedV1>(requestId, EventTypes.VoteRecorded)).toHaveLength(1));
    // Give any second copy time to arrive before asserting it never did.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(events(requestId, EventTypes.VoteRelayed)).toHaveLength(1);
    expect(events(requestId, EventTypes.VoteRecorded)).toHaveLength(1);
    expect(events(requestId, EventTypes.RequestApproved)).toHaveLength(0);
  });

  it('does not let a Slack click approve a step-up tier; votes signed with the approvers’ own keys do', async () => {
    const { requestId } = await s.paymentsAgent.submit(payment('250000.00'), 'acquisition escrow');
    const requested = await approvalRequested(s.audit, requestId);
    expect(requested).toMatchObject({ stepUp: true, policy: { tier: 'payments-critical' } });
    const card = JSON.stringify((await cardFor(requestId)).blocks);
    expect(card).not.toContain('countersign.approve');
    expect(card).toContain('countersign vote');

    // The card offers no Approve button, so play someone who crafts the click anyway, with Slack's secret.
    const approveAnyway = (payload: Record<string, unknown>) => {
      const [action] = payload.actions as Array<{ action_id: string }>;
      if (action) action.action_id = 'countersign.approve';
    };
    const attempt = await (await click(requestId, 'alice', 'deny', { craft: approveAnyway })).send();
    expect(attempt).toMatchObject({ status: 200, body: { status: 'refused', code: 'step_up_required' } });
    expect(events(requestId, EventTypes.VoteRelayed)).toHaveLength(0);
    // Second layer: even a relayed Slack approval signed with the edge's own key does not count.
    const edge = new EnvelopeSigner('channel:slack', loadIdentity(s.stack.home, 'channel:slack').signing);
    const relayed = edge.sign({
      id: randomUUID(),
      type: EventTypes.VoteRelayed,
      subject: requestId,
      time: new Date().toISOString(),
      data: {
        requestId,
        digest: requested.digest,
        renderingDigest: requested.renderingDigest,
        decision: 'approve',
        approver: 'approver:carol',
        slack: { teamId: TEAM, userId: USERS.carol, actionTs: '1795000000.000001' },
      },
    });
    const bus = await connectAs(s.stack, 'channel-slack');
    await bus.jetstream().publish(Subjects.relayedVote('slack'), JSON.stringify(relayed), { msgID: relayed.id });
    await bus.close();
    const refused = await eventually(() => {
      const [found] = events<VoteRejectedV1>(requestId, EventTypes.VoteRejected);
      if (!found) throw new Error('not refused yet');
      return found.data;
    });
    expect(refused).toMatchObject({ voter: 'approver:carol', via: 'slack', code: 'step_up_required' });

    await s.approvers.alice.vote(requestId, requested.digest, 'approve', 'signed with my own key');
    await s.approvers.bob.vote(requestId, requested.digest, 'approve', 'signed with my own key');
    const approved = await eventually(() => {
      const [found] = events<RequestApprovedV1>(requestId, EventTypes.RequestApproved);
      if (!found) throw new Error('not approved yet');
      return found.data;
    });
    expect(approved).toMatchObject({ stepUp: true });
    expect(approved.approvers.map(({ id, via }) => [id, via])).toEqual([
      ['approver:alice', 'signed'],
      ['approver:bob', 'signed'],
    ]);
  });
});
