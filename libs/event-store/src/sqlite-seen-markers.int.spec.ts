import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite-event-store';
import type { SeenMarker } from './sqlite-seen-markers';

const marker = (eventId: string, overrides: Partial<SeenMarker> = {}): SeenMarker => ({
  eventId,
  consumer: 'intake-submissions',
  stream: 'CS_SUBMISSIONS',
  streamSequence: 1,
  arrivedAtMs: 1_000,
  ...overrides,
});

describe('SQLite adapter — replay guard markers', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  /** What another connection sees: committed rows only. */
  const committedMarkers = () => {
    const reader = new Database(file, { readonly: true });
    try {
      return (reader.prepare('SELECT event_id FROM seen_events ORDER BY event_id').all() as Array<{ event_id: string }>).map(
        (row) => row.event_id,
      );
    } finally {
      reader.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-seen-'));
    file = join(dir, 'service.sqlite');
    store = SqliteEventStore.open(file, { groupCommitMaxOpenMs: 5_000 });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a first sighting with nothing and a later one with where the id was first seen', async () => {
    const markers = store.seenMarkers();
    const id = randomUUID();
    expect(await markers.remember(marker(id, { streamSequence: 7 }))).toBeUndefined();
    expect(await markers.remember(marker(id.toUpperCase(), { streamSequence: 9 }))).toEqual({
      stream: 'CS_SUBMISSIONS',
      streamSequence: 7,
    });
    expect(committedMarkers()).toEqual([id]);
    // Never an event: nothing for the relay or a store-wide reader.
    expect(await store.readAll(-1, 10)).toEqual([]);
  });

  it('commits a marker together with the decision it guards, in one group commit', async () => {
    const id = randomUUID();
    await store.deferDurability(async () => {
      await store.seenMarkers().remember(marker(id));
      await store.append('request-1', [{ id: randomUUID(), type: 'decided.v1', data: {} }], 'no_stream');
      expect(committedMarkers()).toEqual([]);
    });
    await store.flush();
    expect(committedMarkers()).toEqual([id]);
    expect(await store.readAll(-1, 10)).toHaveLength(1);
  });

  it('prunes one consumer’s markers that arrived before the cut, and nothing else', async () => {
    const markers = store.seenMarkers();
    const [old, recent, otherConsumer] = [randomUUID(), randomUUID(), randomUUID()];
    await markers.remember(marker(old, { arrivedAtMs: 1_000 }));
    await markers.remember(marker(recent, { arrivedAtMs: 5_000 }));
    await markers.remember(marker(otherConsumer, { consumer: 'audit-submissions', arrivedAtMs: 1_000 }));
    expect(await markers.prune('intake-submissions', 2_000)).toBe(1);
    await store.flush();
    expect(committedMarkers().sort()).toEqual([recent, otherConsumer].sort());
    expect(await markers.remember(marker(old, { streamSequence: 2 }))).toBeUndefined();
  });

  it('still knows the markers an older version kept as seen-<id> streams', async () => {
    const id = randomUUID();
    const data = { eventId: id, stream: 'CS_VOTES', streamSequence: 3 };
    await store.append(`seen-${id}`, [{ id: randomUUID(), type: 'countersign.local.event-seen', data }], 'no_stream');
    await store.close();
    store = SqliteEventStore.open(file);
    expect(await store.seenMarkers().remember(marker(id, { stream: 'CS_VOTES', streamSequence: 4 }))).toEqual({
      stream: 'CS_VOTES',
      streamSequence: 3,
    });
  });
});
