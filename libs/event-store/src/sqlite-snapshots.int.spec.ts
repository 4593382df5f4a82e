import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite-event-store';

describe('SQLite snapshots (SqliteEventStore.snapshots)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-snapshots-'));
    file = join(dir, 'service.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // The store keeps the signature and does not check it: its reader does (StreamSnapshots).
  const snapshot = { stream: 'audit-log', revision: 999, eventId: 'e-999', version: 1, state: '{"head":1}', signature: 'c2ln' };

  it('keeps one per stream, replaced by the next, across close and reopen', async () => {
    const store = SqliteEventStore.open(file);
    expect(await store.snapshots().load('audit-log')).toBeUndefined();
    await store.snapshots().save(snapshot);
    await store.snapshots().save({ ...snapshot, stream: 'other', revision: 5 });
    await store.snapshots().save({ ...snapshot, revision: 1_999, eventId: 'e-1999', state: '{"head":2}' });
    await store.close();

    const reopened = SqliteEventStore.open(file);
    expect(await reopened.snapshots().load('audit-log')).toEqual({ ...snapshot, revision: 1_999, eventId: 'e-1999', state: '{"head":2}' });
    expect(await reopened.snapshots().load('other')).toEqual({ ...snapshot, stream: 'other', revision: 5 });
    await reopened.close();
  });

  it('refuses a revision that is not a whole number', async () => {
    const store = SqliteEventStore.open(file);
    await expect(store.snapshots().save({ ...snapshot, revision: -1 })).rejects.toThrow(RangeError);
    await expect(store.snapshots().save({ ...snapshot, revision: 1.5 })).rejects.toThrow(RangeError);
    expect(await store.snapshots().load('audit-log')).toBeUndefined();
    await store.close();
  });

  it('commits inside an open group with the events it covers, not before them', async () => {
    const store = SqliteEventStore.open(file);
    const committed = () => {
      const other = new Database(file, { readonly: true });
      try {
        const snapshots = other.prepare('SELECT COUNT(*) AS n FROM snapshots').get() as { n: number };
        const events = other.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number };
        return { snapshots: snapshots.n, events: events.n };
      } finally {
        other.close();
      }
    };
    await store.deferDurability(async () => {
      await store.append('audit-log', [{ id: '5d4c8f5e-0b7a-4a9e-9d0c-1f2e3d4c5b6a', type: 'test.recorded.v1', data: {} }], 'no_stream');
      await store.snapshots().save({ ...snapshot, revision: 0 });
      expect(committed()).toEqual({ snapshots: 0, events: 0 });
    });
    await store.flush();
    expect(committed()).toEqual({ snapshots: 1, events: 1 });
    await store.close();
    const reopened = SqliteEventStore.open(file);
    expect((await reopened.snapshots().load('audit-log'))?.revision).toBe(0);
    expect(await reopened.readStream('audit-log')).toHaveLength(1);
    await reopened.close();
  });
});
