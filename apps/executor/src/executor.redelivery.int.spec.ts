import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes } from '@countersign/contracts';
import { EvidenceRecordedType } from '@countersign/executor-domain';
import type { StoredEvent } from '@countersign/event-store';
import { comparable, describeRedelivery, type EffectProbe } from '@countersign/stack/redelivery';
import { ExecutorModule } from './executor.module';

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
async function recordingTarget(): Promise<EffectProbe> {
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

/**
 * A claim's id is random by design (two racing claims must never share event ids), and the
 * execution events' ids, causation and signatures derive from it: two runs agree on the rest. The
 * link that completes the chain is not recorded as evidence (the claim decided with it is), so
 * which links are is the arrival order itself, and differs between runs.
 */
function withoutClaimId(event: StoredEvent) {
  if (event.type === EvidenceRecordedType) return undefined;
  const stored = comparable(event);
  if (!event.stream.startsWith('execution-')) return stored;
  return { ...stored, id: 'claim', data: { ...(stored.data as object), id: 'claim', causationid: 'claim', signature: 'claim' } };
}

const executor = {
  service: { service: 'executor' as const, module: ExecutorModule.register },
  effects: recordingTarget,
  normalize: withoutClaimId,
};

describeRedelivery(executor, 'calls the target exactly once, as one in-order delivery does', (once) => {
  expect(once.effects).toHaveLength(1);
  expect(JSON.parse(once.effects[0]!)).toMatchObject({ method: 'POST', url: '/deploy' });
  const types = once.raw.filter((event) => event.stream.startsWith('execution-')).map((event) => event.type);
  expect(types).toEqual([EventTypes.ExecutionStarted, EventTypes.ExecutionSucceeded]);
});
