import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SocketSide, type SocketDelivery, type SocketInteractionOptions } from './socket-side';
import { isRecord, WebApiMethods, type StandInCall, type StandInEphemeral, type StandInMessage } from './web-api-methods';

export interface SlackStandInOptions {
  botToken: string;
  appToken?: string;
  teamId?: string;
}

/** A local stand-in for Slack: the Web API methods the edge calls, and Socket Mode. */
export interface SlackStandIn {
  /** The `slackApiUrl` to give a WebClient: `http://127.0.0.1:<port>/api/`. */
  readonly apiUrl: string;
  readonly teamId: string;
  /** Every Web API call, in order, including refused ones. */
  readonly calls: readonly StandInCall[];
  /** Each posted message as it is now. */
  messages(): StandInMessage[];
  ephemerals(): StandInEphemeral[];
  /** Polls `probe` until it returns something other than undefined. */
  waitFor<T>(probe: () => T | undefined, timeoutMs?: number): Promise<T>;
  /** Pushes an `interactive` envelope to the connected Socket Mode client and waits for its ack. */
  sendSocketInteraction(payload: unknown, options?: SocketInteractionOptions): Promise<SocketDelivery>;
  socketConnected(): boolean;
  /** Sends Slack's `disconnect` (refresh_requested) to connected clients, as Slack does routinely. */
  requestSocketReconnect(): void;
  stop(): Promise<void>;
}

const BOT_METHODS = new Set(['auth.test', 'chat.postMessage', 'chat.update', 'chat.postEphemeral']);
const APP_METHODS = new Set(['apps.connections.open']);
const MAX_BODY_BYTES = 1_000_000;

export async function startSlackStandIn(options: SlackStandInOptions): Promise<SlackStandIn> {
  const teamId = options.teamId ?? 'T0STANDIN';
  let port = 0;
  const server = createServer();
  const socket = new SocketSide(server, 'A0STANDIN');
  const methods = new WebApiMethods(teamId, () => socket.issueUrl(port));
  server.on('request', (req, res) => {
    serve(req, res, options, methods).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    teamId,
    calls: methods.calls,
    messages: () => [...methods.posted.values()].map((message) => structuredClone(message)),
    ephemerals: () => methods.ephemerals.map((ephemeral) => ({ ...ephemeral })),
    waitFor,
    sendSocketInteraction: (payload, sendOptions) => socket.deliver(payload, sendOptions),
    socketConnected: () => socket.isConnected(),
    requestSocketReconnect: () => socket.requestReconnect(),
    async stop() {
      await socket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: SlackStandInOptions, methods: WebApiMethods): Promise<void> {
  const method = /^\/api\/([a-zA-Z.]+)$/.exec(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)?.[1];
  if (req.method !== 'POST' || !method) return reply(res, 404, { ok: false, error: 'not_found' });
  const args = parseArgs(req.headers['content-type'] ?? '', await readBody(req));
  if (!args) return reply(res, 200, methods.refuse(method, {}, 'invalid_arguments'));
  const { token, ...rest } = args;
  const error = authError(method, bearer(req.headers.authorization) ?? (typeof token === 'string' ? token : undefined), options);
  reply(res, 200, error ? methods.refuse(method, rest, error) : methods.answer(method, rest));
}

/** Slack's answers: no token, a token it does not know, or a known token of the wrong kind. */
function authError(method: string, token: string | undefined, options: SlackStandInOptions): string | undefined {
  if (!token) return 'not_authed';
  const isBot = token === options.botToken;
  const isApp = options.appToken !== undefined && token === options.appToken;
  if (!isBot && !isApp) return 'invalid_auth';
  if (BOT_METHODS.has(method) && !isBot) return 'not_allowed_token_type';
  if (APP_METHODS.has(method) && !isApp) return 'not_allowed_token_type';
  return undefined;
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer (\S+)$/.exec(header ?? '')?.[1];
}

/** Slack takes JSON or form bodies; in a form, structured arguments arrive as JSON strings. */
function parseArgs(contentType: string, body: string): Record<string, unknown> | undefined {
  if (contentType.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body || '{}');
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  const args: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of new URLSearchParams(body))
    args[name] = ['blocks', 'attachments', 'metadata'].includes(name) ? jsonOrText(value) : value;
  return { ...args };
}

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
