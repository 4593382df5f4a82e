import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { EventTypes, Subjects, type Envelope, type VoteRelayedV1 } from '@countersign/contracts';
import { HomeLayout } from '@countersign/identity';
import { blockActionsPayload, signedInteractionRequest, startSlackStandIn, type SlackStandIn } from '@countersign/slack/testing';
import type { Stack } from '@countersign/stack';
import type { Connections } from './parties';
import { signerOf } from './parties';

export const TEAM = 'T0COUNTSGN';
/** The Slack ids deploy/identities.json maps to approvers. */
export const SLACK_IDS = { alice: 'U0ALICE001', bob: 'U0BOB00001', carol: 'U0CAROL001', dave: 'U0DAVE0001' } as const;
export type Approver = keyof typeof SLACK_IDS;

export interface SlackUserRef {
  teamId: string;
  userId: string;
  userName?: string;
}

export const mapped = (name: Approver): SlackUserRef => ({ teamId: TEAM, userId: SLACK_IDS[name], userName: name });

/** Slack users no approver is mapped to: a stranger, approvers' ids under other teams, the bot, lookalikes. */
export const UNMAPPED: readonly SlackUserRef[] = [
  { teamId: TEAM, userId: 'U0MALLORY1', userName: 'mallory' },
  { teamId: 'T0EVILCORP', userId: SLACK_IDS.alice, userName: 'alice' },
  { teamId: 'E0ENTERPRS', userId: SLACK_IDS.bob, userName: 'bob' },
  { teamId: 'T0EVILCORP', userId: SLACK_IDS.dave, userName: 'dave' },
  { teamId: TEAM, userId: 'U0STANDBOT', userName: 'countersign' },
  { teamId: TEAM, userId: 'USLACKBOT', userName: 'slackbot' },
  { teamId: TEAM, userId: 'W0ALICE001', userName: 'alice' },
  { teamId: TEAM, userId: `${SLACK_IDS.alice}0`, userName: 'alice' },
];

/** A vendor payment from payments-agent: 10,000 up to 100,000 is payments-high, from 100,000 payments-critical (step-up). */
export const payment = (value: string, invoice: string) => ({
  kind: 'payment.transfer',
  target: 'demo-target',
  environment: 'production',
  parameters: { payee: 'ACME GmbH', invoice },
  amount: { value, currency: 'EUR' },
});

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export type Payload = Record<string, unknown>;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
export const actionTsOf = (payload: Payload): string => (payload.actions as Array<{ action_ts: string }>)[0]!.action_ts;

/**
 * Slack as the edge sees it in HTTP mode: the local stand-in for Slack's Web API (where the edge
 * posts its cards) and the app's signing secret, generated for this run. The test plays Slack,
 * building clicks in Slack's format on the cards the edge really posted.
 */
export class SlackSide {
  readonly signingSecret = randomBytes(32).toString('hex');
  private edgeUrl = '';

  private constructor(
    readonly standIn: SlackStandIn,
    private readonly botToken: string,
  ) {}

  static async start(): Promise<SlackSide> {
    const botToken = `xoxb-${randomBytes(8).toString('hex')}`;
    return new SlackSide(await startSlackStandIn({ botToken, teamId: TEAM }), botToken);
  }

  /** The `slack` option of startStack: the edge in HTTP mode, pointed at the stand-in. */
  stackOption(): { env: Record<string, string> } {
    return {
      env: {
        SLACK_BOT_TOKEN: this.botToken,
        SLACK_SIGNING_SECRET: this.signingSecret,
        SLACK_API_URL: this.standIn.apiUrl,
        SLACK_CHANNEL_ID: 'C0APPROVALS',
      },
    };
  }

  attach(stack: Pick<Stack, 'slackEdgeUrl'>): void {
    this.edgeUrl = stack.slackEdgeUrl;
  }

  card(requestId: string) {
    return this.standIn.waitFor(
      () => this.standIn.messages().find((message) => JSON.stringify(message.blocks).includes(requestId)),
      30_000,
    );
  }

  /** A genuine click on the posted card; `craft` edits it afterwards (e.g. to press a button the card lacks). */
  async click(requestId: string, user: SlackUserRef, decision: 'approve' | 'deny', craft?: (payload: Payload) => void): Promise<Payload> {
    const payload = blockActionsPayload({ message: await this.card(requestId), ...user, decision });
    craft?.(payload);
    return payload;
  }

  sign(payload: Payload, at = nowSeconds()): SignedRequest {
    return signedInteractionRequest(this.signingSecret, payload, at);
  }

  async post(request: { headers: Record<string, string>; body: string }): Promise<Answer> {
    const response = await fetch(`${this.edgeUrl}/slack/interactions`, { method: 'POST', headers: request.headers, body: request.body });
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { unparsed: text };
    }
    return { status: response.status, body };
  }

  stop(): Promise<void> {
    return this.standIn.stop();
  }
}

/** Presses Approve on a card that has only Deny: the button's value (request and digest) is the card's own. */
export const pressApprove = (payload: Payload): void => {
  const [action] = payload.actions as Array<{ action_id: string }>;
  if (action) action.action_id = 'countersign.approve';
};

export interface EdgeRecord<T = Record<string, unknown>> {
  id: string;
  type: string;
  data: T;
}

/**
 * Events of one stream in the edge's own SQLite store, read through a separate read-only
 * connection. The store runs in WAL mode, so a reader in another process sees every committed
 * append without blocking the edge's writer; SqliteEventStore is not used here because it opens
 * the file for writing (and would create it). The edge writes a decision before it answers Slack,
 * so what an answer reports is already in the file.
 */
export function edgeStream(stack: Pick<Stack, 'home'>, stream: string): EdgeRecord[] {
  const file = HomeLayout.data(stack.home, 'channel-slack');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare<[string], { id: string; type: string; data: string }>('SELECT id, type, data FROM events WHERE stream = ? ORDER BY revision')
      .all(stream);
    return rows.map((row) => {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      // Wire events (a relayed vote) are stored as their signed envelope; local ones as plain data.
      const inner = row.type.startsWith('local.') ? data : ((data as unknown as Envelope).data as Record<string, unknown>);
      return { id: row.id, type: row.type, data: inner };
    });
  } finally {
    db.close();
  }
}

/** What the edge decided about a request's clicks, from its card stream (`card-<requestId>`). */
export const edgeDecisions = (stack: Pick<Stack, 'home'>, requestId: string) => {
  const records = edgeStream(stack, `card-${requestId}`);
  return {
    relayed: records.filter((record) => record.type === EventTypes.VoteRelayed) as unknown as Array<EdgeRecord<VoteRelayedV1>>,
    refused: (code: string) => records.filter((record) => record.type === 'local.slack.click.refused' && record.data.code === code),
  };
};

/**
 * A VoteRelayed signed with the edge's own key and published on its own subject, as a compromised
 * or confused edge would: the bus and every signature check let it through, so only approval's own
 * rules (the Slack mapping, step-up) can stop it.
 */
export async function relayOnBus(
  stack: Pick<Stack, 'home'>,
  connections: Connections,
  data: Omit<VoteRelayedV1, 'slack'> & { slack: Omit<VoteRelayedV1['slack'], 'actionTs'> },
): Promise<Envelope<VoteRelayedV1>> {
  const actionTs = `${nowSeconds()}.${String(randomBytes(3).readUIntBE(0, 3) % 1_000_000).padStart(6, '0')}`;
  const envelope = signerOf(stack, 'channel:slack').sign<VoteRelayedV1>({
    id: randomUUID(),
    type: EventTypes.VoteRelayed,
    subject: data.requestId,
    time: new Date().toISOString(),
    data: { ...data, slack: { ...data.slack, actionTs } },
  });
  const nc = await connections.as('channel-slack');
  await nc.jetstream().publish(Subjects.relayedVote('slack'), JSON.stringify(envelope), { msgID: envelope.id });
  return envelope;
}
