import { startSlackStandIn, type SlackStandIn } from './testing';
import { approvalCard } from './card';
import { SlackApiError, slackWebApi } from './web-api';
import { approvalRequested } from './testing/requested';

const BOT_TOKEN = 'xoxb-stand-in-bot';

describe('slackWebApi against the Slack stand-in', () => {
  let slack: SlackStandIn;
  beforeEach(async () => {
    slack = await startSlackStandIn({ botToken: BOT_TOKEN, appToken: 'xapp-stand-in' });
  });
  afterEach(() => slack.stop());

  const card = (approvals = 0) => approvalCard({ requested: approvalRequested(), approvals, votes: [] });

  it('posts a card and returns where it is', async () => {
    const api = slackWebApi({ token: BOT_TOKEN, slackApiUrl: slack.apiUrl });
    const posted = await api.post('C0APPROVALS', card());
    expect(posted.channel).toBe('C0APPROVALS');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [message] = slack.messages();
    expect(message).toEqual({ channel: 'C0APPROVALS', ts: posted.ts, text: card().text, blocks: card().blocks, updates: 0 });
    expect(slack.calls.at(-1)).toMatchObject({
      method: 'chat.postMessage',
      ok: true,
      args: { channel: 'C0APPROVALS', unfurl_links: 'false' },
    });
  });

  it('gives each message a strictly later ts', async () => {
    const api = slackWebApi({ token: BOT_TOKEN, slackApiUrl: slack.apiUrl });
    const first = await api.post('C0APPROVALS', card());
    const second = await api.post('C0APPROVALS', card());
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });

  it('updates a posted card in place', async () => {
    const api = slackWebApi({ token: BOT_TOKEN, slackApiUrl: slack.apiUrl });
    const posted = await api.post('C0APPROVALS', card(0));
    await api.update(posted.channel, posted.ts, card(1));
    expect(slack.messages()).toEqual([expect.objectContaining({ ts: posted.ts, blocks: card(1).blocks, updates: 1 })]);
  });

  it('surfaces message_not_found for an unknown ts', async () => {
    const api = slackWebApi({ token: BOT_TOKEN, slackApiUrl: slack.apiUrl });
    const update = api.update('C0APPROVALS', '1732190000.999999', card());
    await expect(update).rejects.toThrow(SlackApiError);
    await expect(update).rejects.toMatchObject({
      method: 'chat.update',
      code: 'message_not_found',
      message: 'Slack chat.update failed: message_not_found',
    });
  });

  it('posts an ephemeral message to one person', async () => {
    const api = slackWebApi({ token: BOT_TOKEN, slackApiUrl: slack.apiUrl });
    await api.postEphemeral('C0APPROVALS', 'U0ALICE', 'Your vote was recorded.');
    expect(slack.ephemerals()).toEqual([{ channel: 'C0APPROVALS', user: 'U0ALICE', text: 'Your vote was recorded.' }]);
  });

  it('an invalid token is an error carrying Slack’s code, and nothing is posted', async () => {
    const api = slackWebApi({ token: 'xoxb-wrong', slackApiUrl: slack.apiUrl });
    await expect(api.post('C0APPROVALS', card())).rejects.toMatchObject({ name: 'SlackApiError', code: 'invalid_auth' });
    await expect(api.postEphemeral('C0APPROVALS', 'U0ALICE', 'hi')).rejects.toThrow('Slack chat.postEphemeral failed: invalid_auth');
    expect(slack.messages()).toEqual([]);
    expect(slack.calls.map((call) => call.error)).toEqual(['invalid_auth', 'invalid_auth']);
  });

  it('an app token is not a bot token', async () => {
    const api = slackWebApi({ token: 'xapp-stand-in', slackApiUrl: slack.apiUrl });
    await expect(api.post('C0APPROVALS', card())).rejects.toMatchObject({ code: 'not_allowed_token_type' });
  });

  it('refuses a slackApiUrl without the trailing slash', () => {
    expect(() => slackWebApi({ token: BOT_TOKEN, slackApiUrl: slack.apiUrl.slice(0, -1) })).toThrow("must end with '/'");
  });

  it('retries a Slack that cannot be reached twice, then reports an error', async () => {
    const url = slack.apiUrl;
    await slack.stop();
    slack = await startSlackStandIn({ botToken: BOT_TOKEN });
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) };
    const api = slackWebApi({ token: BOT_TOKEN, slackApiUrl: url, timeoutMs: 2000, logger });
    await expect(api.post('C0APPROVALS', card())).rejects.toMatchObject({ name: 'SlackApiError', method: 'chat.postMessage' });
    // One attempt and two retries, each reported, then the error.
    expect(warnings.filter((warning) => warning.includes('http request failed'))).toHaveLength(3);
  });
});
