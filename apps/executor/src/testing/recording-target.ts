import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EffectProbe } from '@countersign/stack/redelivery';

interface Call {
  method: string;
  url: string;
  body: string;
  countersign: Record<string, string | string[] | undefined>;
}

const countersignHeaders = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name === 'authorization' || name.startsWith('x-countersign')));

/**
 * A real HTTP target for one run (the token is single use, so every run gets its own): it records
 * each call that reaches it, which is the executor's only effect on the world.
 */
export async function recordingTarget(): Promise<EffectProbe> {
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      calls.push({ method: req.method ?? '', url: req.url ?? '', body, countersign: countersignHeaders(req.headers) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"deployed":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'countersign-targets-'));
  const targetsFile = join(dir, 'targets.json');
  // The registry files the one demo system under a name per environment; both lead here.
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(targetsFile, JSON.stringify({ 'demo-target': url, 'demo-staging': url }));
  return {
    env: { COUNTERSIGN_TARGETS_FILE: targetsFile },
    read: () => calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
