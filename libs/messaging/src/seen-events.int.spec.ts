import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@countersign/event-store';
import { SEEN_RETENTION_MS, seenEventsFor, type MessagePosition } from './seen-events';

const HOUR = 60 * 60_000;

describe('the replay guard on a real SQLite store', () => {
  let dir: string;
  let store: SqliteEventStore;
  const at = (streamSequence: number, arrivedAtMs: number, consumer = 'approval-votes'): MessagePosition => ({
    stream: 'CS_VOTES',
    streamSequence,
    consumer,
    arrivedAtMs,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-seen-events-'));
    store = SqliteEventStore.open(join(dir, 'approval.sqlite'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells a first sighting, a redelivery and a replay apart, across a restart', async () => {
    const id = randomUUID();
    expect(await seenEventsFor(store).remember(id, at(1, 0))).toBe('first');
    expect(await seenEventsFor(store).remember(id, at(1, 0))).toBe('redelivery');
    await store.close();
    store = SqliteEventStore.open(join(dir, 'approval.sqlite'));
    expect(await seenEventsFor(store).remember(id, at(2, 60_000))).toBe('replay');
  });

  it('keeps a marker for an hour of the consumer’s bus time, then forgets it', async () => {
    const seen = seenEventsFor(store);
    const id = randomUUID();
    expect(SEEN_RETENTION_MS).toBe(HOUR);
    expect(await seen.remember(id, at(1, 0))).toBe('first');
    // Another consumer's progress does not age this consumer's markers.
    expect(await seen.remember(randomUUID(), at(1, 5 * HOUR, 'audit-votes'))).toBe('first');
    expect(await seen.remember(id, at(2, 59 * 60_000))).toBe('replay');
    expect(await seen.remember(randomUUID(), at(3, HOUR + 60_000))).toBe('first');
    // Pruned: a copy this late would be refused as stale before the guard (votes are freshness-bound).
    expect(await seen.remember(id, at(4, HOUR + 120_000))).toBe('first');
  });
});
