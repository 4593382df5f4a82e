import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

jest.setTimeout(60_000);

const REPO = join(__dirname, '..', '..', '..');

/** A stand-in OTLP collector: a real HTTP server on loopback that keeps what it is sent. */
async function collector(): Promise<{ server: Server; url: string; received: Array<{ path: string; type: string; body: string }> }> {
  const received: Array<{ path: string; type: string; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/**
 * What a service process does with tracing: startTracing, a span, shutdown. In a child process,
 * as services run (the exporter loads its HTTP agent with a dynamic import, which Jest's VM refuses).
 */
const SERVICE = `
require('@swc-node/register');
const { ROOT_CONTEXT } = require('@opentelemetry/api');
const { inSpan } = require('./libs/messaging/src/trace-context.ts');
const { startTracing } = require('./libs/service-runtime/src/tracing.ts');
(async () => {
  const tracing = startTracing('broker');
  await inSpan('decide credential', ROOT_CONTEXT, {}, () => Promise.resolve());
  await tracing.shutdown();
})();
`;

function runService(env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SERVICE], {
      cwd: REPO,
      env: { ...process.env, SWC_NODE_PROJECT: join(REPO, 'tsconfig.json'), ...env },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

describe('OTLP trace export', () => {
  let otlp: Awaited<ReturnType<typeof collector>>;

  beforeAll(async () => {
    otlp = await collector();
  });
  afterAll(() => new Promise((resolve) => otlp.server.close(resolve)));
  beforeEach(() => (otlp.received.length = 0));

  it('sends a service process’s spans to the configured collector (OTLP/HTTP), flushed on shutdown', async () => {
    expect(await runService({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })).toBe(0);
    expect(otlp.received.map(({ path, type }) => [path, type])).toEqual([['/v1/traces', 'application/json']]);
    const body = otlp.received[0]!.body;
    expect(body).toContain('"countersign-broker"');
    expect(body).toContain('"decide credential"');
  });

  it('sends nothing anywhere when no endpoint is configured (off by default)', async () => {
    expect(
      await runService({ COUNTERSIGN_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' }),
    ).toBe(0);
    expect(otlp.received).toEqual([]);
  });
});
