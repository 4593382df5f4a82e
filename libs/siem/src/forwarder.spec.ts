import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecordV1 } from '@countersign/contracts';
import type { Verification } from '@countersign/identity';
import { judgeRecord } from './chain-check';
import { Forwarder, type AuditSource, type Delivery } from './forwarder';
import type { Forwardable, Sink, SinkOutcome } from './sinks/sink';
import { HeadFile, type ForwarderStatus } from './state';
import { fixtureAuditRecords } from './testing';

// Unit level: the forwarder's ordering and acknowledgement rules with an in-memory source and sinks.
// The same rules run against a real nats-server, rsyslog and HEC receiver in the integration suites.
const records = fixtureAuditRecords(12);
const bytesOf = (record: AuditRecordV1) => Buffer.from(JSON.stringify(record));
const verified = (bytes: Uint8Array): Verification => {
  const record = JSON.parse(Buffer.from(bytes).toString('utf8')) as AuditRecordV1;
  return { ok: true, type: 'countersign.audit.record.v1', envelope: { signer: 'service:audit', data: record } } as unknown as Verification;
};

class Source implements AuditSource {
  readonly acked: number[] = [];
  readonly naked: number[] = [];
  constructor(private queue: AuditRecordV1[][]) {}
  async pull(): Promise<Delivery[]> {
    const batch = this.queue.shift() ?? [];
    // Like a real fetch, an empty pull waits (otherwise the loop would starve the test's timers).
    if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    return Promise.resolve(
      batch.map((record) => ({
        data: bytesOf(record),
        pending: 0,
        ack: () => this.acked.push(record.sequence),
        working: () => undefined,
        nak: () => this.naked.push(record.sequence),
      })),
    );
  }
}

class ScriptedSink implements Sink {
  readonly received: number[] = [];
  constructor(
    readonly name: string,
    private readonly script: SinkOutcome[] = [],
  ) {}
  send(items: readonly Forwardable[]): Promise<SinkOutcome> {
    const outcome = this.script.shift() ?? { ok: true };
    if (outcome.ok) this.received.push(...items.map((item) => item.sequence));
    return Promise.resolve(outcome);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function forwarder(source: AuditSource, sinks: Sink[], verify: (bytes: Uint8Array) => Verification = verified) {
  const statuses: ForwarderStatus[] = [];
  const head = new HeadFile(join(mkdtempSync(join(tmpdir(), 'fwd-')), 'head.json'));
  const instance = new Forwarder({ source, verify, sinks, head, report: (s) => statuses.push(s), log: () => undefined, backoffMs: [1] });
  return { instance, statuses, head };
}

async function runUntilDrained(f: Forwarder, source: Source, expectedAcks: number): Promise<void> {
  const running = f.run();
  while (source.acked.length < expectedAcks) await new Promise((resolve) => setTimeout(resolve, 5));
  f.stop();
  await running;
}

describe('Forwarder', () => {
  it('acks a batch only after every sink accepted it, retrying only the sink that asked to', async () => {
    const source = new Source([records.slice(0, 4), records.slice(4, 8)]);
    const flaky = new ScriptedSink('flaky', [
      { ok: false, retry: true, reason: 'busy' },
      { ok: false, retry: true, reason: 'busy' },
    ]);
    const steady = new ScriptedSink('steady');
    const { instance, statuses, head } = forwarder(source, [steady, flaky]);
    await runUntilDrained(instance, source, 8);
    expect(steady.received).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(flaky.received).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(source.acked).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(statuses.some((status) => status.state === 'waiting_for_sink' && status.sinks.flaky?.state === 'retrying')).toBe(true);
    expect(head.load()).toEqual({ sequence: 8, hash: records[7]!.hash });
  });

  it('acks a redelivered record it already delivered, without sending it again', async () => {
    const source = new Source([records.slice(0, 3), [records[1]!, records[2]!, records[3]!]]);
    const sink = new ScriptedSink('sink');
    const { instance } = forwarder(source, [sink]);
    await runUntilDrained(instance, source, 6);
    expect(sink.received).toEqual([1, 2, 3, 4]);
    expect(source.acked.sort((a, b) => a - b)).toEqual([1, 2, 2, 3, 3, 4]);
  });

  it('stops on a sink that says stop: nothing acked, the batch handed back', async () => {
    const source = new Source([records.slice(0, 3)]);
    const { instance, statuses } = forwarder(source, [new ScriptedSink('hec', [{ ok: false, retry: false, reason: 'HEC 403 code 4' }])]);
    expect(await instance.run()).toEqual({ stoppedBecause: 'hec: HEC 403 code 4' });
    expect(source.acked).toEqual([]);
    expect(source.naked).toEqual([1, 2, 3]);
    expect(statuses.at(-1)).toMatchObject({ state: 'stopped', sinks: { hec: { state: 'stopped' } } });
  });

  it('delivers what links, then stops at a gap, a broken link or an altered record without forwarding it', async () => {
    const altered = { ...records[3]!, recordedAt: '2026-11-21T11:00:00.000Z' };
    const source = new Source([[records[0]!, records[1]!, records[2]!, altered, records[4]!]]);
    const sink = new ScriptedSink('sink');
    const { instance } = forwarder(source, [sink]);
    expect(await instance.run()).toEqual({ stoppedBecause: 'record 4 was altered' });
    expect(sink.received).toEqual([1, 2, 3]);
    expect(source.acked).toEqual([1, 2, 3]);
  });
});

describe('judgeRecord', () => {
  const head = { sequence: 3, hash: records[2]!.hash };
  it.each([
    ['the next record', verified(bytesOf(records[3]!)), 'next'],
    ['one already delivered', verified(bytesOf(records[1]!)), 'already_delivered'],
    ['a gap', verified(bytesOf(records[5]!)), 'broken'],
    ['a wrapper that does not verify', { ok: false, code: 'bad_signature', message: 'x' } as unknown as Verification, 'broken'],
    [
      'a record signed by another service',
      {
        ok: true,
        type: 'countersign.audit.record.v1',
        envelope: { signer: 'service:intake', data: records[3] },
      } as unknown as Verification,
      'broken',
    ],
  ])('%s', (_name, verification, kind) => {
    expect(judgeRecord(verification, head).kind).toBe(kind);
  });
});
