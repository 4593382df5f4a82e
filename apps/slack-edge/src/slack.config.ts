import { z } from 'zod';
import { parseEnvironment } from '@countersign/service-runtime';

/**
 * What the Slack edge reads from its environment. The signing secret and tokens are Slack's
 * secrets: they come from the environment (a secret store in deployment, a generated file in
 * development), never from the repository. A missing secret stops the edge: it fails closed.
 */
const Env = z.object({
  COUNTERSIGN_SLACK_MODE: z.enum(['http', 'socket']).default('http'),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'a bot token (xoxb-…)'),
  SLACK_SIGNING_SECRET: z.string().min(16, 'the app’s signing secret').optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'an app-level token (xapp-…) with connections:write')
    .optional(),
  SLACK_API_URL: z.url().optional(),
  SLACK_CHANNEL_ID: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'the id of the channel cards are posted to, like C0123ABCD'),
});

export interface SlackEdgeConfig {
  mode: 'http' | 'socket';
  botToken: string;
  /** HTTP mode: verifies every interaction request. */
  signingSecret?: string;
  /** Socket Mode: opens the connection; Slack authenticates it, so requests carry no signature. */
  appToken?: string;
  /** Slack's Web API base, `https://slack.com/api/` unless a stand-in is used (tests). */
  slackApiUrl?: string;
  channelId: string;
}

export function loadSlackEdgeConfig(env: NodeJS.ProcessEnv = process.env): SlackEdgeConfig {
  const vars = parseEnvironment(Env, env, 'the Slack edge');
  if (vars.COUNTERSIGN_SLACK_MODE === 'http' && !vars.SLACK_SIGNING_SECRET) {
    throw new Error('invalid environment for the Slack edge: SLACK_SIGNING_SECRET is required in http mode');
  }
  if (vars.COUNTERSIGN_SLACK_MODE === 'socket' && !vars.SLACK_APP_TOKEN) {
    throw new Error('invalid environment for the Slack edge: SLACK_APP_TOKEN is required in socket mode');
  }
  return {
    mode: vars.COUNTERSIGN_SLACK_MODE,
    botToken: vars.SLACK_BOT_TOKEN,
    ...(vars.SLACK_SIGNING_SECRET ? { signingSecret: vars.SLACK_SIGNING_SECRET } : {}),
    ...(vars.SLACK_APP_TOKEN ? { appToken: vars.SLACK_APP_TOKEN } : {}),
    ...(vars.SLACK_API_URL ? { slackApiUrl: vars.SLACK_API_URL.endsWith('/') ? vars.SLACK_API_URL : `${vars.SLACK_API_URL}/` } : {}),
    channelId: vars.SLACK_CHANNEL_ID,
  };
}
