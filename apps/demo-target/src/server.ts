import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyExecutionToken } from '@countersign/credentials';
import { EffectLog, type Effect, type Revocation } from './effect-log';
import { PAYMENTS_PATH, readPayment } from './payment';

export interface DemoTargetOptions {
  /** The broker's public signing key, from the trust store: the only key whose tokens we honour. */
  brokerKey: KeyObject;
  brokerKeyId?: string;
  /** Our own name as a target; tokens minted for any other target are refused. */
  targetName: string;
  /**
   * Other names the target registry lists for this same system (the demo registers it as
   * production `demo-target` and staging `demo-staging`); tokens minted for them are honoured too.
   */
  aliases?: readonly string[];
  dbPath: string;
  audience?: string;
  clock?: () => Date;
}

export interface DemoTarget {
  readonly server: Server;
  /** Resolves with the base URL once the server accepts connections. */
  listen(port: number, host?: string): Promise<string>;
  /** Records a broker revocation (the NATS feed calls this): the token's jti is refused from now on. */
  revoke(revocation: Revocation): 'recorded' | 'known';
  isRevoked(jti: string): boolean;
  close(): Promise<void>;
}

interface Context extends DemoTargetOptions {
  log: EffectLog;
  audience: string;
  clock: () => Date;
}

/** Every writing method is an "action" that needs a token; reads are open so tests can observe. */
const PROTECTED_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_BODY_BYTES = 1024 * 1024;
const BEARER = /^Bearer ([A-Za-z0-9_.-]+)$/;

/**
 * A stand-in for a protected system (a deploy API, a payment API): it honours a request only with a
 * valid broker-minted execution token bound to the request and digest in the headers, only once,
 * and never after the broker revoked it. `POST /payments` also takes a payment instruction (what
 * the payment.transfer adapter sends) and records the amount and payee with the effect.
 */
export function createDemoTarget(options: DemoTargetOptions): DemoTarget {
  const context: Context = {
    ...options,
    log: new EffectLog(options.dbPath),
    audience: options.audience ?? 'service:executor',
    clock: options.clock ?? (() => new Date()),
  };
  const server = createServer((req, res) => {
    route(req, res, context).catch(() => reply(res, 500, { error: 'internal_error' }));
  });
  return {
    server,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`));
      }),
    revoke: (revocation) => context.log.revoke(revocation),
    isRevoked: (jti) => context.log.isRevoked(jti),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      context.log.close();
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, context: Context): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://demo-target');
  if (req.method === 'GET' && url.pathname === '/healthz') return reply(res, 200, { ok: true, target: context.targetName });
  if (req.method === 'GET' && url.pathname === '/effects') {
    const requestId = url.searchParams.get('requestId') ?? undefined;
    return reply(res, 200, { effects: context.log.list(requestId ? { requestId } : {}) });
  }
  if (PROTECTED_METHODS.has(req.method ?? '')) return performAction(req, res, url, context);
  return reply(res, 404, { error: 'not_found' });
}

async function performAction(req: IncomingMessage, res: ServerResponse, url: URL, context: Context): Promise<void> {
  const binding = readBinding(req);
  if ('error' in binding) return unauthorized(res, binding.error);
  const now = context.clock();
  const verification = await verifyExecutionToken(binding.token, {
    brokerKey: context.brokerKey,
    ...(context.brokerKeyId ? { brokerKeyId: context.brokerKeyId } : {}),
    audience: context.audience,
    now,
    expected: { requestId: binding.requestId, digest: binding.digest },
  });
  if (!verification.ok) return unauthorized(res, verification.code);
  if (![context.targetName, ...(context.aliases ?? [])].includes(verification.claims.cs_tgt)) return unauthorized(res, 'target_mismatch');
  const body = await readBody(req);
  if (!body) return reply(res, 413, { error: 'body_too_large' });
  const { claims } = verification;
  const effect: Effect = {
    effectId: randomUUID(),
    requestId: claims.cs_req,
    digest: claims.cs_dig,
    jti: claims.jti,
    method: req.method ?? '',
    path: `${url.pathname}${url.search}`,
    at: now.toISOString(),
  };
  // A payment is read only after the token checked out, and refused before the token is spent.
  if (req.method === 'POST' && url.pathname === PAYMENTS_PATH) {
    const payment = readPayment(body, claims.cs_req, singleHeader(req, 'idempotency-key'));
    if (!payment.ok) return reply(res, 400, { error: payment.error, message: payment.message });
    effect.payment = payment.payment;
  }
  const outcome = context.log.record(effect);
  if (outcome === 'token_reused') return reply(res, 409, { error: 'token_reused' });
  if (outcome === 'token_revoked') return unauthorized(res, 'token_revoked');
  await slowAnswer(url);
  return reply(res, 200, { ok: true, effectId: effect.effectId });
}

/**
 * `?respondAfterMs=N` (at most 10 s) answers late, after the effect is recorded: the window in
 * which a caller that crashes cannot know whether the action happened (the in-doubt case).
 */
function slowAnswer(url: URL): Promise<void> {
  const delay = Math.min(Math.max(Number(url.searchParams.get('respondAfterMs')) || 0, 0), 10_000);
  return new Promise((resolve) => setTimeout(resolve, delay));
}

type Binding = { token: string; requestId: string; digest: string } | { error: string };

/** The headers tell which request and digest the caller claims; the token must agree with both. */
function readBinding(req: IncomingMessage): Binding {
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return { error: 'missing_token' };
  const requestId = singleHeader(req, 'x-countersign-request');
  const digest = singleHeader(req, 'x-countersign-digest');
  if (!requestId || !digest) return { error: 'missing_binding' };
  return { token, requestId, digest };
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Reads the body, bounded; only payments look at it, but reading it keeps the connection usable. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function unauthorized(res: ServerResponse, code: string): void {
  res.setHeader('www-authenticate', `Bearer error="invalid_token", error_description="${code}"`);
  reply(res, 401, { error: code });
}

/**
 * No keep-alive: a pooled connection that outlives a restart of the target would make the
 * executor's next POST fail ambiguously (in doubt), and one connection per action costs nothing here.
 */
function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
}
