import { randomBytes, randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import {
  actionDigest,
  actionRenderingDigest,
  renderAction,
  EventTypes,
  Streams,
  Subjects,
  type ApprovalRequestedV1,
  type CanonicalAction,
  type VoteRelayedV1,
} from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity, loadTrustStore } from '@countersign/identity';
import { blockActionsPayload, startSlackStandIn, type SlackStandIn } from '@countersign/slack/testing';
import { connectAs, startStack, type Stack } from '@countersign/stack';
import { waitFor } from '@countersign/testing';

jest.setTimeout(60_000);

const TEAM = 'T0COUNTSGN';
const CHANNEL = 'C0APPROVALS';
const BOT_TOKEN = `xoxb-${randomBytes(6).toString('hex')}`;
const APP_TOKEN = `xapp-${randomBytes(6).toString('hex')}`;

/**
 * The Slack edge alone, in Socket Mode, on a real nats-server with the project's users and
 * permissions: the test plays approval (signing with approval's key, publishing as its NATS user)
 * and Slack (the stand-in), and reads what the edge relays from CS_VOTES.
 */
describe('the Slack edge in Socket Mode', () => {
  let slack: SlackStandIn;
  let stack: Stack;
  let approvalBus: NatsConnection;
  let approval: EnvelopeSigner;

  beforeAll(async () => {
    slack = await startSlackStandIn({ botToken: BOT_TOKEN, appToken: APP_TOKEN, teamId: TEAM });
    stack = await startStack({
      services: [],
      demoTarget: false,
      slack: {
        env: {
          COUNTERSIGN_SLACK_MODE: 'socket',
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_APP_TOKEN: APP_TOKEN,
          SLACK_API_URL: slack.apiUrl,
          SLACK_CHANNEL_ID: CHANNEL,
        },
      },
    });
    approvalBus = await connectAs(stack, 'approval');
    approval = new EnvelopeSigner('service:approval', loadIdentity(stack.home, 'service:approval').signing);
    await slack.waitFor(() => (slack.socketConnected() ? true : undefined));
  });

  afterAll(async () => {
    await approvalBus?.close();
    await stack?.shutdown();
    await slack?.stop();
  });

  async function requestApproval(): Promise<ApprovalRequestedV1> {
    const requestId = randomUUID();
    const action: CanonicalAction = {
      kind: 'payment.transfer',
      target: 'demo-target',
      environment: 'production',
      dataSensitivity: 'confidential',
      ownerTeam: 'platform',
      targetAddress: 'http://127.0.0.1:4380',
      parameters: { payee: 'ACME GmbH' },
      amount: { value: '12500.00', currency: 'EUR' },
      window: { notBefore: new Date().toISOString(), notAfter: new Date(Date.now() + 3_600_000).toISOString() },
      requestId,
    };
    const data: ApprovalRequestedV1 = {
      requestId,
      digest: actionDigest(action),
      requester: 'requester:payments-agent',
      action,
      rendering: renderAction(action),
      renderingDigest: actionRenderingDigest(action),
      policy: { version: `sha256:${'c'.repeat(64)}`, label: 'test', tier: 'payments-high', rules: ['tier:payments-high'] },
      quorum: 2,
      eligibleGroups: ['finance'],
      expiresAt: action.window.notAfter,
    };
    const envelope = approval.sign({
      id: randomUUID(),
      type: EventTypes.ApprovalRequested,
      subject: requestId,
      time: new Date().toISOString(),
      data,
    });
    await approvalBus
      .jetstream()
      .publish(Subjects.serviceEvent('approval', envelope.type), JSON.stringify(envelope), { msgID: envelope.id });
    return data;
  }

  const cardFor = (requestId: string) =>
    slack.waitFor(() => slack.messages().find((m) => JSON.stringify(m.blocks).includes(requestId)), 15_000);

  /** What reached approval: its own durable on CS_VOTES (approval is not running, so nobody else pulls). */
  const received: VoteRelayedV1[] = [];
  async function relayedVotes(): Promise<VoteRelayedV1[]> {
    const consumer = await approvalBus.jetstream().consumers.get(Streams.votes.name, 'approval-votes');
    const trust = loadTrustStore(stack.home);
    for await (const message of await consumer.fetch({ max_messages: 50, expires: 1_000 })) {
      message.ack();
      const verified = trust.verifyBytes(message.data);
      if (!verified.ok) throw new Error(`the edge published something that does not verify: ${verified.message}`);
      expect([message.subject, verified.envelope.signer]).toEqual([Subjects.relayedVote('slack'), 'channel:slack']);
      received.push(verified.envelope.data as VoteRelayedV1);
    }
    return received;
  }

  it('posts a card, relays a mapped approver’s click once however often Slack delivers it, and refuses an unmapped user', async () => {
    const requested = await requestApproval();
    const message = await cardFor(requested.requestId);
    expect(message.channel).toBe(CHANNEL);

    const payload = blockActionsPayload({
      message,
      teamId: TEAM,
      userId: 'U0BOB00001',
      userName: 'bob',
      decision: 'approve',
      reason: 'ok',
    });
    expect(await slack.sendSocketInteraction(payload)).toMatchObject({ acked: true });
    expect(await slack.sendSocketInteraction(payload)).toMatchObject({ acked: true });
    const stranger = blockActionsPayload({ message, teamId: TEAM, userId: 'U0MALLORY1', decision: 'approve' });
    expect(await slack.sendSocketInteraction(stranger)).toMatchObject({ acked: true });

    // The notes are sent after Slack got its answer: once all three are in, the edge has decided
    // every click, and the repeated one was refused ("already relayed"), so no second vote can follow.
    const told = await slack.waitFor(() => {
      const notes = slack.ephemerals().filter((note) => note.channel === CHANNEL);
      return notes.length >= 3 ? notes : undefined;
    });
    const ofRequest = async () => (await relayedVotes()).filter((vote) => vote.requestId === requested.requestId);
    const relayed = await waitFor(async () => {
      const votes = await ofRequest();
      return votes.length > 0 ? votes : undefined;
    }, 15_000);
    expect(relayed).toEqual([
      {
        requestId: requested.requestId,
        digest: requested.digest,
        renderingDigest: requested.renderingDigest,
        decision: 'approve',
        reason: 'ok',
        approver: 'approver:bob',
        slack: { teamId: TEAM, userId: 'U0BOB00001', actionTs: (payload.actions as Array<{ action_ts: string }>)[0]?.action_ts },
      },
    ]);
    expect(told.find((note) => note.user === 'U0MALLORY1')?.text).toContain('not mapped to any approver');
    expect(told.filter((note) => note.user === 'U0BOB00001').map((note) => note.text)).toEqual([
      expect.stringContaining('was sent to approval'),
      expect.stringContaining('already relayed'),
    ]);
  });
});
