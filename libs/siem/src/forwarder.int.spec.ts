import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, Streams, Subjects } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity, loadTrustStore } from '@countersign/identity';
import { connectAs, defaultDescription, startStack, type Stack } from '@countersign/stack';
import { natsServerAvailable, NATS_INSTALL_HINT, waitFor } from '@countersign/testing';
import { fixtureAuditRecords, HecReceiver, validateOcsf } from './testing';
import type { NatsConnection } from 'nats';
import { Forwarder, type ForwarderOptions } from './forwarder';
import { natsAuditSource } from './nats-source';
import { FileSink } from './sinks/file';
import { HecSink, type HecSinkConfig } from './sinks/hec';
import type { Sink } from './sinks/sink';
import { HeadFile, type ForwarderStatus } from './state';

jest.setTimeout(120_000);
const describeNats = natsServerAvailable() ? describe : describe.skip;
if (!natsServerAvailable()) console.warn(`forwarder integration skipped: ${NATS_INSTALL_HINT}`);

const RECORDS = 60;
const READERS = ['hec-busy', 'hec-token', 'hec-refuse', 'hec-ack', 'file-rotate'];
const ALL = Array.from({ length: RECORDS }, (_, index) => index + 1);

/**
 * Real nats-server with generated users and permissions (the stack's provisioning, no services),
 * a real audit-signed chain on CS_AUDIT, and the forwarder reading it as its own siem reader.
 */
describeNats('the forwarder on a real CS_AUDIT stream', () => {
  let stack: Stack;
  const open: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    const description = defaultDescription();
    description.siemReaders.push(...READERS);
    stack = await startStack({ description, services: [], demoTarget: false });
    const nc = await connectAs(stack, 'audit');
    const signer = new EnvelopeSigner('service:audit', loadIdentity(stack.home, 'service:audit').signing);
    const js = nc.jetstream();
    for (const record of fixtureAuditRecords(RECORDS)) {
      const envelope = signer.sign({
        id: randomUUID(),
        type: EventTypes.AuditRecord,
        subject: 'audit',
        time: record.recordedAt,
        data: record,
      });
      await js.publish(Subjects.auditRecords, JSON.stringify(envelope), { msgID: envelope.id });
    }
    await nc.close();
  });

  afterAll(async () => {
    for (const item of open) await item.stop();
    await stack?.shutdown();
  });

  async function forwarding(reader: string, sinks: Sink[], options: Partial<ForwarderOptions> & { dir?: string } = {}) {
    const nc: NatsConnection = await connectAs(stack, `siem-${reader}`);
    const consumer = await nc.jetstream().consumers.get(Streams.audit.name, `siem-${reader}`);
    const trust = loadTrustStore(stack.home);
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'siem-forwarder-'));
    const statuses: ForwarderStatus[] = [];
    const logs: string[] = [];
    const forwarder = new Forwarder({
      source: natsAuditSource(consumer),
      verify: (bytes) => trust.verifyBytes(bytes),
      sinks,
      head: new HeadFile(join(dir, 'head.json')),
      report: (status) => statuses.push(status),
      log: (line) => logs.push(line),
      backoffMs: [100, 200],
      ...options,
    });
    const running = forwarder.run();
    const handle = {
      dir,
      running,
      statuses,
      logs,
      /** Messages not yet acknowledged on this reader's consumer. */
      unacked: async () => {
        const info = await consumer.info();
        return info.num_pending + info.num_ack_pending;
      },
      stop: async () => {
        forwarder.stop();
        await running;
        await nc.close();
      },
    };
    open.push(handle);
    return handle;
  }

  async function hec(token = 'good-token', config: Partial<HecSinkConfig> = {}) {
    const receiver = new HecReceiver('good-token');
    const url = await receiver.start();
    open.push({ stop: () => receiver.stop() });
    return { receiver, sink: new HecSink({ url, token, ...config }) };
  }

  it('HEC: retries while the collector answers 503 busy, then delivers every record once, in order, and acks them all', async () => {
    const { receiver, sink } = await hec();
    receiver.busyFor = 3;
    const run = await forwarding('hec-busy', [sink], { batch: 20 });
    await waitFor(() => receiver.events.length >= RECORDS, 30_000);
    expect(receiver.answers.filter((status) => status === 503)).toHaveLength(3);
    expect(receiver.sequences()).toEqual(ALL);
    receiver.events.forEach((event) => expect(validateOcsf(event.event)).toEqual([]));
    await waitFor(async () => (await run.unacked()) === 0, 30_000);
    expect(run.logs.some((line) => line.includes('waiting for splunk-hec'))).toBe(true);
  });

  it('HEC: stops and reports on 403 (bad token) without acknowledging anything; the right token then delivers all of it', async () => {
    const { receiver, sink } = await hec('wrong-token');
    const run = await forwarding('hec-token', [sink]);
    const result = await run.running;
    expect(result.stoppedBecause).toMatch(/HEC 403 code 4 Invalid token.*token is missing, invalid or disabled/);
    expect(run.statuses.at(-1)).toMatchObject({ state: 'stopped', head: { sequence: 0 } });
    expect(receiver.events).toHaveLength(0);
    expect(await run.unacked()).toBe(RECORDS);
    await run.stop();

    const fixed = await forwarding(
      'hec-token',
      [new HecSink({ url: (sink as unknown as { config: HecSinkConfig }).config.url, token: 'good-token' })],
      {
        dir: run.dir,
      },
    );
    await waitFor(() => receiver.events.length >= RECORDS, 60_000);
    expect(receiver.sequences()).toEqual(ALL);
    await waitFor(async () => (await fixed.unacked()) === 0, 60_000);
  });

  it('HEC: a record the collector refuses (400 code 6) stops the forwarder at that record; nothing after it is acked or skipped', async () => {
    const { receiver, sink } = await hec();
    receiver.refuseSequence = 7;
    const run = await forwarding('hec-refuse', [sink], { batch: 5 });
    const result = await run.running;
    expect(result.stoppedBecause).toMatch(/HEC 400 code 6 Invalid data format: the collector refuses audit record 7/);
    expect(receiver.sequences()).toEqual([1, 2, 3, 4, 5]);
    expect(run.statuses.at(-1)).toMatchObject({ state: 'stopped', head: { sequence: 5 } });
    expect(await run.unacked()).toBe(RECORDS - 5);
  });

  it('HEC with indexer acknowledgement: a batch counts only once /services/collector/ack confirms it', async () => {
    const { receiver, sink } = await hec('good-token', { ack: { pollMs: 50, timeoutMs: 5_000 } });
    receiver.ackEnabled = true;
    receiver.ackDelayMs = 200;
    const run = await forwarding('hec-ack', [sink], { batch: 25 });
    await waitFor(async () => (await run.unacked()) === 0, 60_000);
    expect(receiver.sequences()).toEqual(ALL);
    // Three batches, each followed by at least one ack poll (which waits for the 200 ms delay).
    expect(receiver.answers.length).toBeGreaterThanOrEqual(6);
  });

  it('file sink: JSON lines rotated by size, every record once and in order across the rotated files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siem-file-'));
    const path = join(dir, 'countersign-ocsf.jsonl');
    const run = await forwarding('file-rotate', [new FileSink({ path, maxBytes: 16 * 1024, maxFiles: 50 })], { batch: 7 });
    await waitFor(async () => (await run.unacked()) === 0, 30_000);
    const files = readdirSync(dir).filter((name) => name.startsWith('countersign-ocsf.jsonl'));
    expect(files.length).toBeGreaterThan(2);
    files.forEach((name) => expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(16 * 1024));
    // Oldest first: .N ... .1, then the live file.
    const ordered = files
      .filter((name) => name !== 'countersign-ocsf.jsonl')
      .sort((a, b) => Number(b.split('.').pop()) - Number(a.split('.').pop()));
    const lines = [...ordered, 'countersign-ocsf.jsonl'].flatMap((name) =>
      readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean),
    );
    const events = lines.map((line) => JSON.parse(line) as { metadata: { sequence: number } });
    expect(events.map((event) => event.metadata.sequence)).toEqual(ALL);
    events.forEach((event) => expect(validateOcsf(event)).toEqual([]));
  });
});
