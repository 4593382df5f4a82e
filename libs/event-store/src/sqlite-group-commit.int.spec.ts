import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError, WrongExpectedRevisionError, type StoredEvent } from './port';
import { SqliteEventStore } from './sqlite-event-store';

const event = (n = 1) => ({ id: randomUUID(), type: 'group.tested.v1', data: { n } });

describe('SQLite adapter — group commit', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  /** A second connection to the file: it sees only what is committed. */
  const committedIds = () => {
    const reader = new Database(file, { readonly: true });
    try {
      return (reader.prepare('SELECT id FROM events ORDER BY position').all() as Array<{ id: string }>).map((row) => row.id);
    } finally {
      reader.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-group-'));
    file = join(dir, 'service.sqlite');
    store = SqliteEventStore.open(file, { pollIntervalMs: 50, groupCommitMaxOpenMs: 5_000 });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves every append only once it is committed, one commit for the appends of one turn', async () => {
    const events = Array.from({ length: 20 }, (_, n) => event(n));
    const seenAtResolve: number[] = [];
    await Promise.all(
      events.map((one, n) => store.append(`s-${n}`, [one], 'no_stream').then(() => seenAtResolve.push(committedIds().length))),
    );
    // Each append saw all twenty on disk: they were committed together, before any resolved.
    expect(seenAtResolve).toEqual(events.map(() => 20));
    expect(committedIds()).toEqual(events.map((one) => one.id));
  });

  it('fails the store when SQLite rolled the whole open group back (disk full), instead of calling the group durable', async () => {
    const first = event();
    let flushed: Promise<void> | undefined;
    await store.deferDurability(async () => {
      await store.append('full', [first], 'no_stream');
      flushed = store.flush();
      // A full disk, as SQLite sees it: on SQLITE_FULL it rolls back the whole transaction, `first` too.
      const db = store['db'];
      db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 1}`);
      await expect(store.append('full', [{ ...event(), data: { n: 'x'.repeat(100_000) } }], 0)).rejects.toThrow(/full/i);
    });
    await expect(flushed).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.append('after', [event()], 'no_stream')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(committedIds()).toEqual([]);
  });

  it('inside deferDurability an append resolves before its commit, readers see it only after flush', async () => {
    const delivered: StoredEvent[] = [];
    const subscription = store.subscribeToAll(-1, (stored) => {
      delivered.push(stored);
      return Promise.resolve();
    });
    const first = event();
    await store.deferDurability(async () => {
      await store.append('deferred', [first], 'no_stream');
      // Not on disk yet, and neither readAll nor a subscription hands it out.
      expect(committedIds()).toEqual([]);
      expect(await store.readAll(-1, 10)).toEqual([]);
      expect(await store.readAllHeaders(-1, 10)).toEqual([]);
      // The writer's own stream reads see it, so a decision taken next in the batch is consistent.
      expect((await store.readStream('deferred')).map((stored) => stored.id)).toEqual([first.id]);
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(delivered).toEqual([]);
    await store.flush();
    expect(committedIds()).toEqual([first.id]);
    expect((await store.readAllHeaders(-1, 10)).map((header) => header.id)).toEqual([first.id]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered.map((stored) => stored.id)).toEqual([first.id]);
    await subscription.stop();
  });

  it('a conflicting append in the group fails alone; the others commit', async () => {
    const kept = event(1);
    const results = await Promise.allSettled([
      store.append('a', [kept], 'no_stream'),
      store.append('a', [event(2)], 'no_stream'),
      store.append('b', [event(3)], 'no_stream'),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(committedIds()).toHaveLength(2);
    expect(committedIds()[0]).toBe(kept.id);
  });

  it('commits a group still open when the store closes', async () => {
    const pending = event();
    await store.deferDurability(() => store.append('late', [pending], 'no_stream'));
    await store.close();
    expect(committedIds()).toEqual([pending.id]);
  });

  it('a checkpoint outside a group is committed at once, without leaving the file below synchronous = FULL', async () => {
    await store.checkpoints().save('relay', 7);
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare('SELECT position FROM checkpoints WHERE name = ?').get('relay')).toEqual({ position: 7 });
    reader.close();
    expect(store.durabilitySettings().synchronous).toBe('FULL');
  });

  it('a checkpoint inside an open group rides on its commit', async () => {
    const pending = event();
    await store.deferDurability(async () => {
      await store.append('grouped', [pending], 'no_stream');
      await store.checkpoints().save('relay', 3);
    });
    const position = () => {
      const reader = new Database(file, { readonly: true });
      try {
        return reader.prepare('SELECT position FROM checkpoints WHERE name = ?').get('relay');
      } finally {
        reader.close();
      }
    };
    expect(position()).toBeUndefined();
    await store.flush();
    expect(position()).toEqual({ position: 3 });
    expect(committedIds()).toEqual([pending.id]);
  });

  it('parses a row once for every store-wide reader of the handle (they share the decoded event)', async () => {
    await store.append('shared', [event(1), event(2)], 'no_stream');
    const seen: StoredEvent[] = [];
    const subscription = store.subscribeToAll(-1, (stored) => {
      seen.push(stored);
      return Promise.resolve();
    });
    const read = await store.readAll(-1, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await subscription.stop();
    expect(read.map((stored) => stored.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(seen).toHaveLength(2);
    seen.forEach((stored, index) => expect(stored).toBe(read[index]));
  });
});
