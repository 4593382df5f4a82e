import { loadSlackEdgeConfig } from './slack.config';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_CHANNEL_ID: 'C0APPROVALS' };

describe('loadSlackEdgeConfig', () => {
  it('reads HTTP mode with its signing secret, and normalises the API URL', () => {
    const config = loadSlackEdgeConfig({ ...base, SLACK_SIGNING_SECRET: 'x'.repeat(32), SLACK_API_URL: 'http://127.0.0.1:9/api' });
    expect(config).toEqual({
      mode: 'http',
      botToken: 'xoxb-1-2-abc',
      signingSecret: 'x'.repeat(32),
      slackApiUrl: 'http://127.0.0.1:9/api/',
      channelId: 'C0APPROVALS',
    });
  });

  it('fails closed without a signing secret in HTTP mode, and without an app token in Socket Mode', () => {
    expect(() => loadSlackEdgeConfig(base)).toThrow('SLACK_SIGNING_SECRET is required in http mode');
    expect(() => loadSlackEdgeConfig({ ...base, COUNTERSIGN_SLACK_MODE: 'socket' })).toThrow('SLACK_APP_TOKEN is required in socket mode');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadSlackEdgeConfig({ ...base, SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: 'x'.repeat(32) })).toThrow(
      'SLACK_BOT_TOKEN: a bot token (xoxb-…)',
    );
  });
});
