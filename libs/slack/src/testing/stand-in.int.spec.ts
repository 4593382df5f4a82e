import { FIXTURE_DIGEST, FIXTURE_REQUEST_ID } from '@countersign/contracts/testing';
import { approvalCard } from '../card';
import { parseInteractionForm, parseVoteClick } from '../interaction';
import { verifySlackSignature } from '../signature';
import { approvalRequested } from './requested';
import { blockActionsPayload, signedInteractionRequest, startSlackStandIn, type SlackStandIn } from './index';

const BOT_TOKEN = 'xoxb-stand-in-bot';

async function callApi(slack: SlackStandIn, method: string, init: { token?: string; json?: unknown; form?: Record<string, string> }) {
  const headers: Record<string, string> = init.token ? { authorization: `Bearer ${init.token}` } : {};
  const body = init.json !== undefined ? JSON.stringify(init.json) : new URLSearchParams(init.form ?? {}).toString();
  headers['content-type'] = init.json !== undefined ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded';
  const response = await fetch(`${slack.apiUrl}${method}`, { method: 'POST', headers, body });
  return (await response.json()) as Record<string, unknown>;
}

describe('the Slack stand-in', () => {
  let slack: SlackStandIn;
  beforeEach(async () => {
    slack = await startSlackStandIn({ botToken: BOT_TOKEN, appToken: 'xapp-stand-in', teamId: 'T0TEST' });
  });
  afterEach(() => slack.stop());

  it('serves on 127.0.0.1 under /api/', () => {
    expect(slack.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('accepts JSON bodies as well as forms', async () => {
    const answer = await callApi(slack, 'chat.postMessage', { token: BOT_TOKEN, json: { channel: 'C1', text: 'hi', blocks: [] } });
    expect(answer).toMatchObject({ ok: true, channel: 'C1', message: { text: 'hi' } });
  });

  it('accepts a token in the form instead of the header', async () => {
    expect(await callApi(slack, 'auth.test', { form: { token: BOT_TOKEN } })).toMatchObject({ ok: true, team_id: 'T0TEST' });
    expect(slack.calls.at(-1)?.args).toEqual({});
  });

  it('answers like Slack when the token is missing, unknown or of the wrong kind', async () => {
    expect(await callApi(slack, 'auth.test', {})).toEqual({ ok: false, error: 'not_authed' });
    expect(await callApi(slack, 'auth.test', { token: 'xoxb-nope' })).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await callApi(slack, 'apps.connections.open', { token: BOT_TOKEN })).toEqual({ ok: false, error: 'not_allowed_token_type' });
  });

  it('hands out a socket URL on the same port for the app token', async () => {
    const answer = await callApi(slack, 'apps.connections.open', { token: 'xapp-stand-in' });
    const port = new URL(slack.apiUrl).port;
    expect(answer).toMatchObject({ ok: true, url: expect.stringMatching(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/socket\\?ticket=`)) });
  });

  it('refuses what Slack would: no text, unknown method, too many blocks', async () => {
    expect(await callApi(slack, 'chat.postMessage', { token: BOT_TOKEN, form: { channel: 'C1' } })).toEqual({
      ok: false,
      error: 'no_text',
    });
    expect(await callApi(slack, 'chat.explode', { token: BOT_TOKEN })).toEqual({ ok: false, error: 'unknown_method' });
    const blocks = JSON.stringify(Array.from({ length: 51 }, () => ({ type: 'divider' })));
    expect(await callApi(slack, 'chat.postMessage', { token: BOT_TOKEN, form: { channel: 'C1', blocks } })).toEqual({
      ok: false,
      error: 'invalid_blocks',
    });
  });

  it('waitFor resolves with the first defined value and times out otherwise', async () => {
    let value: number | undefined;
    setTimeout(() => (value = 7), 30);
    await expect(slack.waitFor(() => value)).resolves.toBe(7);
    await expect(slack.waitFor(() => undefined, 50)).rejects.toThrow('nothing after 50 ms');
  });

  it('refuses to deliver a socket interaction with no client connected', async () => {
    expect(slack.socketConnected()).toBe(false);
    await expect(slack.sendSocketInteraction({})).rejects.toThrow('no Socket Mode client is connected');
  });
});

describe('blockActionsPayload', () => {
  const message = (stepUp = false) => ({
    channel: 'C0APPROVALS',
    ts: '1732190000.000100',
    blocks: approvalCard({ requested: approvalRequested({}, stepUp ? { stepUp: true } : {}), approvals: 0, votes: [] }).blocks as unknown[],
  });

  it('builds a click that parseVoteClick reads back as the same vote', () => {
    const payload = blockActionsPayload({
      message: message(),
      teamId: 'T0TEST',
      userId: 'U0ALICE',
      userName: 'alice',
      decision: 'approve',
      reason: 'CHG-7',
    });
    expect(parseVoteClick(payload)).toEqual({
      ok: true,
      click: expect.objectContaining({
        teamId: 'T0TEST',
        userId: 'U0ALICE',
        userName: 'alice',
        decision: 'approve',
        requestId: FIXTURE_REQUEST_ID,
        digest: FIXTURE_DIGEST,
        reason: 'CHG-7',
        channelId: 'C0APPROVALS',
        messageTs: '1732190000.000100',
      }),
    });
  });

  it('gives every click its own action_ts and reports an empty reason input as null', () => {
    const first = blockActionsPayload({ message: message(), teamId: 'T0TEST', userId: 'U0ALICE', decision: 'deny' });
    const second = blockActionsPayload({ message: message(), teamId: 'T0TEST', userId: 'U0ALICE', decision: 'deny' });
    const actionTs = (payload: Record<string, unknown>) => (payload['actions'] as Array<{ action_ts: string }>)[0]!.action_ts;
    expect(actionTs(first)).not.toBe(actionTs(second));
    expect(first['state']).toEqual({ values: { 'countersign.reason': { reason: { type: 'plain_text_input', value: null } } } });
  });

  it('cannot click Approve on a step-up card', () => {
    expect(() => blockActionsPayload({ message: message(true), teamId: 'T0TEST', userId: 'U0ALICE', decision: 'approve' })).toThrow(
      'no countersign.approve button',
    );
    expect(parseVoteClick(blockActionsPayload({ message: message(true), teamId: 'T0TEST', userId: 'U0ALICE', decision: 'deny' })).ok).toBe(
      true,
    );
  });
});

describe('signedInteractionRequest', () => {
  it('builds the form request Slack sends, which verifies and parses back to the payload', () => {
    const payload = { type: 'block_actions', note: 'a & b = c' };
    const timestamp = 1_780_000_000;
    const request = signedInteractionRequest('secret', payload, timestamp);
    expect(request.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    const check = verifySlackSignature({
      signingSecret: 'secret',
      timestamp: request.headers['X-Slack-Request-Timestamp'],
      signature: request.headers['X-Slack-Signature'],
      rawBody: Buffer.from(request.body),
      now: new Date(timestamp * 1000),
    });
    expect(check).toEqual({ ok: true, timestamp });
    expect(parseInteractionForm(Buffer.from(request.body))).toEqual({ ok: true, payload });
  });
});
