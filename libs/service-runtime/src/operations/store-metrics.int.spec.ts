import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { EventTypes } from '@countersign/contracts';
import { SqliteEventStore, type UnreadableEvent } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { ServiceMetrics } from './metrics';
import { StoreMetricsProjection } from './store-metrics';

const TIME = '2026-12-07T10:00:00.000Z';
const envelope = (type: string, data: Record<string, unknown>) => ({
  specversion: '1.0',
  id: randomUUID(),
  type,
  signer: 'service:executor',
  signature: 'sig',
  time: TIME,
  data,
});

describe('StoreMetricsProjection on a real SQLite store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cs-store-metrics-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts from the types it projects only, over a long history, never reading the data of the rest', async () => {
    const file = join(dir, 'executor.sqlite');
    const unreadable: UnreadableEvent[] = [];
    const store = SqliteEventStore.open(file, { onUnreadable: (event) => unreadable.push(event) });
    const started = (n: number) => ({
      id: randomUUID(),
      type: EventTypes.ExecutionStarted,
      data: envelope(EventTypes.ExecutionStarted, { n }),
    });
    const succeeded = () => ({ id: randomUUID(), type: EventTypes.ExecutionSucceeded, data: envelope(EventTypes.ExecutionSucceeded, {}) });
    // In one group commit: 2,500 appends with an fsync each take seconds on a loaded machine.
    await store.deferDurability(async () => {
      for (let n = 0; n < 2_500; n += 1)
        await store.append(`execution-${n}`, n % 10 === 0 ? [started(n), succeeded()] : [started(n)], 'no_stream');
    });
    await store.flush();
    // Rows written by something else, whose data is not JSON: one of a type the projection skips, one it reads.
    const foreign = new Database(file);
    const insert = foreign.prepare(
      `INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, 0, ?, 'not json', '{}', ?)`,
    );
    insert.run(randomUUID(), 'foreign-a', EventTypes.ExecutionStarted, TIME);
    insert.run(randomUUID(), 'foreign-b', EventTypes.ExecutionFailed, TIME);
    foreign.close();

    const metrics = new ServiceMetrics('executor', false);
    const projection = new StoreMetricsProjection(
      store,
      'service:executor',
      metrics,
      () => new Date(TIME),
      (error) => {
        throw error;
      },
    );
    await projection.catchUp();
    const executions = (await metrics.registry.getMetricsAsJSON()).find((metric) => metric.name === 'countersign_executions_total');
    expect(executions?.values.map(({ labels, value }) => [labels.outcome, value])).toEqual([['succeeded', 250]]);
    expect(unreadable.map((event) => event.stream)).toEqual(['foreign-b']);
    await projection.stop();
    await store.close();
  }, 30_000);

  describe('with its state written down', () => {
    const signer = new EnvelopeSigner('service:executor', generateKeyPair('ed25519', 'service:executor'));
    const BUSINESS = /^countersign_(executions_total|messages_refused_total|custody_violations_total|credentials_live|approvals_)/;
    const own = (type: string, data: Record<string, unknown>) => ({ id: randomUUID(), type, data: envelope(type, data) });
    const history = (n: number) => [
      own(EventTypes.ExecutionSucceeded, {}),
      own(EventTypes.ExecutionRefused, { code: n % 2 ? 'window_closed' : 'replayed_event' }),
      own(EventTypes.CredentialIssued, { credentialId: `c${n}`, expiresAt: '2026-12-07T11:00:00.000Z' }),
      own(EventTypes.ApprovalRequested, { requestId: `r${n}`, policy: { tier: 'one' }, expiresAt: '2026-12-07T10:30:00.000Z' }),
      ...(n % 3 ? [own(EventTypes.RequestApproved, { requestId: `r${n}` })] : [own(EventTypes.VoteRecorded, { requestId: `r${n}` })]),
      ...(n % 5 ? [] : [own(EventTypes.CredentialRevoked, { credentialId: `c${n}` }), own(EventTypes.AuditViolation, {})]),
    ];
    const business = async (metrics: ServiceMetrics) =>
      (await metrics.registry.getMetricsAsJSON())
        .filter((metric) => BUSINESS.test(metric.name))
        .map(({ name, values }) => ({ name, values }));

    /** A projection over `store` that keeps snapshots, with the positions its reads start from. */
    function projectionOver(store: SqliteEventStore, kept = true) {
      const { store: watched, typedReadsFrom } = recordingReads(store);
      const metrics = new ServiceMetrics('executor', false);
      const logs: string[] = [];
      const log = { log: (line: string) => void logs.push(line), warn: (line: string) => void logs.push(line) };
      const projection = new StoreMetricsProjection(
        watched,
        'service:executor',
        metrics,
        () => new Date(TIME),
        (error) => {
          throw error;
        },
        kept ? { snapshots: store.snapshots(), signer, log } : undefined,
      );
      return { projection, metrics, readsFrom: typedReadsFrom(), logs };
    }

    it('goes on after a restart from where it was written down, to the figures a whole replay gives', async () => {
      const store = SqliteEventStore.open(join(dir, 'executor.sqlite'));
      for (let n = 0; n < 30; n += 1) await store.append(`request-${n}`, history(n), 'no_stream');
      const lastCounted = (await store.readAll(-1, 1_000)).at(-1)!;
      // After the last event it counts, one it does not read: the snapshot is taken at the last one read.
      await store.append('request-started', [own(EventTypes.ExecutionStarted, {})], 'no_stream');
      const first = projectionOver(store);
      await first.projection.catchUp();
      await first.projection.stop();
      const saved = (await store.snapshots().load('$index-metrics'))!;
      expect(saved).toMatchObject({ revision: lastCounted.position, eventId: lastCounted.id });
      for (let n = 30; n < 35; n += 1) await store.append(`request-${n}`, history(n), 'no_stream');

      const second = projectionOver(store);
      await second.projection.catchUp();
      expect(second.readsFrom[0]).toBe(saved.revision);
      expect(second.logs).toEqual([`index $index-metrics restored at position ${saved.revision}`]);
      const whole = projectionOver(store, false);
      await whole.projection.catchUp();
      expect(whole.readsFrom[0]).toBe(-1);
      for (const { projection } of [second, whole]) projection.refresh();
      expect(await business(second.metrics)).toEqual(await business(whole.metrics));
      // The figures themselves, so the comparison is not of two empty sets.
      const executions = (await business(whole.metrics)).find((metric) => metric.name === 'countersign_executions_total');
      expect(executions?.values).toEqual(
        expect.arrayContaining([expect.objectContaining({ labels: { outcome: 'succeeded', service: 'executor' }, value: 35 })]),
      );
      await Promise.all([second.projection.stop(), whole.projection.stop()]);
      await store.close();
    });
  });
});
