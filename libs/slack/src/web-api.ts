import { WebClient, type WebAPICallResult } from '@slack/web-api';
import type { SlackCard } from './card';
import { CONSOLE_LOGGER, toSlackSdkLogger, type SlackLogger } from './logger';

/** The three Slack calls the edge makes: post a card, update it, tell one person something. */
export interface SlackMessages {
  post(channel: string, card: SlackCard): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, card: SlackCard): Promise<void>;
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
}

export interface SlackWebApiOptions {
  /** The bot token (`xoxb-…`). */
  token: string;
  /** Where the Web API lives; a stand-in's `apiUrl` in tests. Must end with '/'. */
  slackApiUrl?: string;
  /** Per-request timeout; 0 or absent means the client default (none). */
  timeoutMs?: number;
  /** Where the client's warnings (failed attempts before a retry) go; console by default. */
  logger?: SlackLogger;
}

/** A Slack Web API call that failed; `code` is Slack's error (`invalid_auth`, `message_not_found`…). */
export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    cause?: unknown,
  ) {
    super(`Slack ${method} failed: ${code}`, { cause });
    this.name = 'SlackApiError';
  }
}

/**
 * A few quick retries for network errors and 5xx, and rate-limited calls wait as Slack asks
 * rather than fail: a card update that arrives a little late is better than none.
 */
const RETRY = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000 };

export function slackWebApi(options: SlackWebApiOptions): SlackMessages {
  const { slackApiUrl } = options;
  if (slackApiUrl !== undefined && !slackApiUrl.endsWith('/')) throw new Error(`slackApiUrl must end with '/': ${slackApiUrl}`);
  const client = new WebClient(options.token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    retryConfig: RETRY,
    rejectRateLimitedCalls: false,
    timeout: options.timeoutMs ?? 0,
    logger: toSlackSdkLogger(options.logger ?? CONSOLE_LOGGER),
  });
  return {
    async post(channel, card) {
      const result = await call('chat.postMessage', () =>
        client.chat.postMessage({ channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false }),
      );
      if (typeof result.channel !== 'string' || typeof result.ts !== 'string') throw new SlackApiError('chat.postMessage', 'no_message_ts');
      return { channel: result.channel, ts: result.ts };
    },
    async update(channel, ts, card) {
      await call('chat.update', () => client.chat.update({ channel, ts, text: card.text, blocks: card.blocks }));
    },
    async postEphemeral(channel, user, text) {
      await call('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text }));
    },
  };
}

/** The WebClient throws on `ok:false` already; this names the method and keeps Slack's error code. */
async function call<T extends WebAPICallResult & { error?: string }>(method: string, request: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await request();
  } catch (error) {
    throw new SlackApiError(method, errorCode(error), error);
  }
  if (!result.ok) throw new SlackApiError(method, result.error ?? 'unknown_error');
  return result;
}

function errorCode(error: unknown): string {
  if (error === null || typeof error !== 'object') return String(error);
  const { data, code, statusCode } = error as { data?: { error?: unknown }; code?: unknown; statusCode?: unknown };
  if (typeof data?.error === 'string') return data.error;
  if (typeof statusCode === 'number') return `http_${statusCode}`;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : 'unknown_error';
}
