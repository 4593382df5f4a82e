import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { inputLimitProblem, parseJson, type Envelope } from '@countersign/contracts';
import type { GatewayError } from '@countersign/mcp-gateway-domain';
import type { Gateway } from './gateway';
import type { GatewayLog } from './log';
import { createMcpServer, guardTransport, MESSAGE_LIMITS } from './mcp-server';
import { parseRunAttestationHeader, RUN_ATTESTATION_HEADER } from './run-attestation';

export const MCP_PATH = '/mcp';
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

interface Session {
  transport: StreamableHTTPServerTransport;
  /** The raw header the session began with: one session, one run. */
  runHeader: string | undefined;
  close(): Promise<void>;
}

export interface HttpSettings {
  host: string;
  port: number;
  /** Host names beyond loopback that may reach the endpoint. */
  allowedHosts: readonly string[];
  requester: string;
  /** The run every session carries when it presents none (COUNTERSIGN_RUN_ATTESTATION_FILE). */
  defaultRun?: Envelope;
}

export interface RunningHttp {
  url: string;
  close(): Promise<void>;
}

/**
 * MCP Streamable HTTP at /mcp, one session per client (Mcp-Session-Id), each bound to the run
 * attestation it presented when it began. Host and Origin are checked first (DNS rebinding), then
 * the body's size, JSON and limits; every refusal is the house's structured error.
 */
export async function serveHttp(gateway: Gateway, settings: HttpSettings, log: GatewayLog): Promise<RunningHttp> {
  const sessions = new Map<string, Session>();
  const allowed = new Set([...LOOPBACK, ...settings.allowedHosts].map((host) => host.toLowerCase()));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== MCP_PATH) return answer(res, 404, refusal('not_found', `the MCP endpoint is ${MCP_PATH}`, 'path'));
    const hostProblem = foreignHost(req, allowed);
    if (hostProblem) return answer(res, 403, hostProblem);
    const sessionId = headerOf(req, 'mcp-session-id');
    const runHeader = headerOf(req, RUN_ATTESTATION_HEADER);
    if (req.method !== 'POST') {
      const session = sessionId ? sessions.get(sessionId) : undefined;
      if (!session) return answer(res, 404, refusal('unknown_session', 'no such MCP session: initialize first', 'headers.mcp-session-id'));
      return session.transport.handleRequest(req, res);
    }
    const body = await readBody(req, MESSAGE_LIMITS.maxBytes);
    if (!body.ok) return answer(res, body.status, body.error);
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session) return answer(res, 404, refusal('unknown_session', 'no such MCP session: initialize again', 'headers.mcp-session-id'));
      if (runHeader !== undefined && runHeader !== session.runHeader) {
        return answer(res, 400, refusal('run_changed', 'a session keeps the run it began with', `headers.${RUN_ATTESTATION_HEADER}`));
      }
      return session.transport.handleRequest(req, res, body.value);
    }
    if (!isInitializeRequest(body.value))
      return answer(res, 400, refusal('session_required', 'send initialize first', 'headers.mcp-session-id'));
    let run = settings.defaultRun;
    if (runHeader !== undefined) {
      const parsed = parseRunAttestationHeader(runHeader, settings.requester);
      if (!parsed.ok) return answer(res, 400, parsed.error);
      run = parsed.run;
    }
    const session = await openSession(gateway, run, runHeader, sessions);
    await session.transport.handleRequest(req, res, body.value);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error(`HTTP ${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) answer(res, 500, refusal('internal_error', 'the gateway failed to handle the request', '(root)'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${settings.host}:${port}${MCP_PATH}`,
    close: async () => {
      await Promise.all([...sessions.values()].map((session) => session.close()));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function openSession(
  gateway: Gateway,
  run: Envelope | undefined,
  runHeader: string | undefined,
  sessions: Map<string, Session>,
): Promise<Session> {
  const mcp = createMcpServer(gateway, run ? { run } : {});
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => {
      sessions.set(id, session);
    },
    onsessionclosed: (id) => {
      sessions.delete(id);
    },
  });
  const session: Session = { transport, runHeader, close: () => mcp.close() };
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  // connect() sets the transport's handlers; the guard wraps them before the first message.
  await mcp.connect(transport);
  guardTransport(transport);
  return session;
}

type Body = { ok: true; value: unknown } | { ok: false; status: number; error: GatewayError };

/** Stops reading at the limit: a large body is refused without being buffered whole. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.destroy();
      return { ok: false, status: 413, error: refusal('too_large', `the body exceeds ${maxBytes} bytes`, '(root)') };
    }
    chunks.push(chunk);
  }
  const json = parseJson(Buffer.concat(chunks));
  if (!json.ok) return { ok: false, status: 400, error: { error: 'invalid_json', message: 'the body is not JSON', errors: json.errors } };
  const problem = inputLimitProblem(json.value, MESSAGE_LIMITS);
  if (problem) return { ok: false, status: 413, error: { error: 'input_limit', message: problem.message, errors: [problem] } };
  return { ok: true, value: json.value };
}

/** A browser tricked into calling a local server (DNS rebinding) sends a foreign Host or Origin. */
function foreignHost(req: IncomingMessage, allowed: Set<string>): GatewayError | undefined {
  const host = hostName(headerOf(req, 'host') ?? '');
  if (!allowed.has(host)) return refusal('forbidden_host', `host ${host || '(none)'} is not served here`, 'headers.host');
  const origin = headerOf(req, 'origin');
  if (origin === undefined) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).hostname.toLowerCase();
  } catch {
    return refusal('forbidden_origin', 'the Origin header is not a URL', 'headers.origin');
  }
  return allowed.has(originHost)
    ? undefined
    : refusal('forbidden_origin', `origin ${originHost} may not call this endpoint`, 'headers.origin');
}

function hostName(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  return lower.split(':')[0] ?? '';
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function refusal(error: string, message: string, path: string): GatewayError {
  return { error, message, errors: [{ path, code: error, message }] };
}

function answer(res: ServerResponse, status: number, error: GatewayError): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(error));
}
