// CPU per delivery and per publish of the shared transport and relay (issue 14), in process, on a
// real nats-server and a real SQLite store. Run: node scripts/run-ts.js libs/messaging/src/testing/delivery-bench.ts
// Env: BENCH_DELIVERIES (default 3000), BENCH_GAP_MS (paced publisher gap, default 2), BENCH_ROUNDS (default 2),
// BENCH_HEAP_SAMPLE (bytes per heap sample: prints allocated bytes per message and GCs; then ignore the CPU figures).
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Consumers, EventTypes, Streams, subjectFor, type Envelope } from '@countersign/contracts';
import { fixtureAcceptedData } from '@countersign/contracts/testing';
import { SqliteEventStore } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import type { NatsConnection } from 'nats';
import { OutboxRelay } from '../relay';
import { seenEventsFor } from '../seen-events';
import { JetStreamTransport } from '../transport';
import { sampledAllocation } from './allocation-sampling';
import { testEnvelope, testIdentities } from './envelopes';
import { startProvisionedNats, type SecuredNats } from './secured-nats';

const N = Number(process.env.BENCH_DELIVERIES ?? 3_000);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PROFILE_DIR = process.env.BENCH_PROF_DIR;
const ONLY = process.env.BENCH_ONLY;
const HEAP_SAMPLE = process.env.BENCH_HEAP_SAMPLE ? Number(process.env.BENCH_HEAP_SAMPLE) : undefined;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const { signers, trust } = testIdentities(['service:intake', 'service:approval']);
const intake = signers['service:intake']!;

/** Intake's events as approval receives them: acceptances (handled) and dead letters and notices it ignores. */
function envelopes(count: number, signer: EnvelopeSigner): Envelope[] {
  // The fixture request's acceptance, submission included, under a fresh request id each.
  const accepted = fixtureAcceptedData();
  return Array.from({ length: count }, (_, index) => {
    if (index % 3 === 2) return testEnvelope(signer, `bench-${index}`);
    const requestId = randomUUID();
    return signer.sign({
      id: randomUUID(),
      type: EventTypes.RequestAccepted,
      subject: requestId,
      time: new Date().toISOString(),
      data: { ...accepted, requestId },
    });
  });
}

/**
 * Publishes from another process (its CPU is not ours), one at a time with an awaited PubAck, `gap`
 * ms apart. The messages are written out now, so the returned start costs this process nothing.
 */
function publisher(nats: SecuredNats, list: Envelope[], gapMs: number): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-pub-'));
  const file = join(dir, 'messages.json');
  writeFileSync(
    file,
    JSON.stringify(list.map((envelope) => ({ subject: subjectFor(envelope), id: envelope.id, json: JSON.stringify(envelope) }))),
  );
  const script = `
    const { connect, nkeyAuthenticator } = require('nats');
    const messages = require(${JSON.stringify(file)});
    (async () => {
      const nc = await connect({ servers: ${JSON.stringify(nats.server.url)}, user: 'admin', authenticator: nkeyAuthenticator(new TextEncoder().encode(${JSON.stringify(nats.seed('admin'))})) });
      const js = nc.jetstream();
      let inFlight = [];
      for (const m of messages) {
        inFlight.push(js.publish(m.subject, m.json, { msgID: m.id }));
        if (${gapMs} > 0) { await Promise.all(inFlight.splice(0)); await new Promise((r) => setTimeout(r, ${gapMs})); }
        else if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
      }
      await Promise.all(inFlight);
      await nc.flush();
      await nc.close();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return () => publish(script, dir);
}

async function publish(script: string, dir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited ${code}`))));
  });
  rmSync(dir, { recursive: true, force: true });
}

/** With BENCH_PROF_DIR, a CPU profile of exactly the measured part, `<label>.cpuprofile`; with BENCH_HEAP_SAMPLE, its allocation. */
async function profiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (HEAP_SAMPLE && label !== 'warm-up') {
    const { result, allocation } = await sampledAllocation(work, HEAP_SAMPLE);
    console.log(`${label}: ${(allocation.bytes / N / 1024).toFixed(1)} KiB allocated per message, ${allocation.gcs} GCs`);
    return result;
  }
  if (!PROFILE_DIR || label === 'warm-up') return work();
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(join(PROFILE_DIR, `${label}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** µs of this process's CPU per delivery while approval's consumer of intake's events takes `count` of them. */
async function deliveries(
  nats: SecuredNats,
  admin: NatsConnection,
  gapMs: number,
  label: string,
): Promise<{ us: number; sys: number; handled: number; ignored: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-deliveries-'));
  const store = SqliteEventStore.open(join(dir, 'approval.sqlite'));
  const connection = await nats.connectAs('approval');
  let handled = 0;
  let ignored = 0;
  const transport = new JetStreamTransport({
    connection,
    consumers: Consumers.approval.filter((spec) => spec.durable === 'approval-intake'),
    verify: (bytes, freshness) => trust.verifyBytes(bytes, freshness),
    deadLetter: () => Promise.reject(new Error('nothing here should be dead-lettered')),
    maxDeliver: 5,
    backoffMs: [200, 1_000],
    seenEvents: seenEventsFor(store),
    unitOfWork: store,
    observe: (message) => (message.outcome === 'ignored' ? (ignored += 1) : undefined),
  });
  transport.addHandler(EventTypes.RequestAccepted, () => Promise.resolve(void (handled += 1)), true);
  await new Promise<void>((resolve, reject) =>
    transport.listen((error) => (error ? reject(new Error('listen failed', { cause: error })) : resolve())),
  );
  const jsm = await admin.jetstreamManager();
  const settled = async () => {
    const info = await jsm.consumers.info(Streams.events.name, 'approval-intake');
    return info.num_pending === 0 && info.num_ack_pending === 0;
  };
  const start = publisher(nats, envelopes(N, intake), gapMs);
  const cpu = process.cpuUsage();
  await profiled(label, async () => {
    await start();
    await waitUntil(() => handled + ignored >= N);
    await waitUntil(settled);
  });
  const used = process.cpuUsage(cpu);
  await transport.close();
  await connection.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { us: (used.user + used.system) / N, sys: used.system / N, handled, ignored };
}

/** µs of this process's CPU per event the relay publishes (window 1, awaited PubAck), store order. */
async function publishes(nats: SecuredNats, label: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-relay-'));
  const store = SqliteEventStore.open(join(dir, 'intake.sqlite'));
  const list = envelopes(N, intake);
  for (const envelope of list)
    await store.append(`request-${envelope.id}`, [{ id: envelope.id, type: envelope.type, data: envelope }], 'no_stream');
  const connection = await nats.connectAs('intake');
  const relay = new OutboxRelay({
    name: 'relay',
    identity: 'service:intake',
    store,
    checkpoints: store.checkpoints(),
    nc: connection,
    logger: silent,
  });
  const cpu = process.cpuUsage();
  await profiled(label, async () => {
    await relay.start();
    await waitUntil(() => relay.published >= N);
  });
  const used = process.cpuUsage(cpu);
  await relay.stop();
  await connection.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return (used.user + used.system) / N;
}

async function main(): Promise<void> {
  const nats = await startProvisionedNats(Consumers.approval, { ackWaitMs: 30_000 });
  const admin = await nats.connectAs('admin');
  const purge = async () => (await admin.jetstreamManager()).streams.purge(Streams.events.name);
  try {
    await deliveries(nats, admin, 0, 'warm-up'); // JIT, SQLite, server
    await purge();
    const skip = { us: NaN, sys: NaN, handled: 0, ignored: 0 };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const paced = !ONLY || ONLY === 'paced' ? await deliveries(nats, admin, GAP_MS, `paced-${round}`) : skip;
      await purge();
      const backlog = !ONLY || ONLY === 'backlog' ? await deliveries(nats, admin, 0, `backlog-${round}`) : skip;
      await purge();
      const relay = !ONLY || ONLY === 'relay' ? await publishes(nats, `relay-${round}`) : NaN;
      await purge();
      const line = `round ${round}: delivery paced ${paced.us.toFixed(0)} µs (sys ${paced.sys.toFixed(0)}; handled ${paced.handled}, ignored ${paced.ignored}), delivery backlog ${backlog.us.toFixed(0)} µs (sys ${backlog.sys.toFixed(0)}), relay publish ${relay.toFixed(0)} µs`;
      console.log(line);
    }
  } finally {
    await nats.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
