import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { EventTypes } from '@countersign/contracts';
import { SqliteEventStore, type UnreadableEvent } from '@countersign/event-store';
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
});
