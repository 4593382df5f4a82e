import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@countersign/event-store';
import { prefillStore } from './store-clones';

const BASE = Date.parse('2026-12-07T16:00:00.000Z');

interface Stored {
  position: number;
  stream: string;
  revision: number;
  recorded_at: string;
  data: string;
}

describe("the history bench's pre-fill of a store", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cs-store-clones-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a history the services could have written: times rise with position and with every stream’s revisions', async () => {
    const file = join(dir, 'intake.sqlite');
    const store = SqliteEventStore.open(file);
    // Three requests, each with its own stream and an entry in one shared ledger, a second apart.
    for (let n = 0; n < 3; n += 1) {
      const requestId = randomUUID();
      const at = new Date(BASE + n * 1_000).toISOString();
      const event = (type: string) => ({ id: randomUUID(), type, data: { requestId, at } });
      await store.append(`request-${requestId}`, [event('accepted'), event('notified')], 'no_stream');
      await store.append('budget-requester:deploy-bot', [event('admitted')], n === 0 ? 'no_stream' : n - 1);
    }
    await store.snapshots().save({
      stream: 'budget-requester:deploy-bot',
      revision: 2,
      eventId: 'x',
      version: 1,
      state: '{}',
      signature: 's',
    });
    await store.close();

    expect(prefillStore(file, 90)).toBe(81);

    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT position, stream, revision, recorded_at, data FROM events ORDER BY position').all() as Stored[];
    const rising = (times: number[]) => expect(times).toEqual([...times].sort((a, b) => a - b));
    const timeOf = (row: Stored) => Date.parse((JSON.parse(row.data) as { at: string }).at);
    expect(rows).toHaveLength(90);
    rising(rows.map((row) => Date.parse(row.recorded_at)));
    rising(rows.map(timeOf));
    // The requests the bench really made are the newest, so they come last.
    expect(rows.slice(-9).map(timeOf)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2].map((n) => BASE + n * 1_000));
    // In store order, so each stream's rows are in position order (Node 20 has no Map.groupBy).
    const streams = new Map<string, Stored[]>();
    for (const row of rows) streams.set(row.stream, [...(streams.get(row.stream) ?? []), row]);
    expect(streams.get('budget-requester:deploy-bot')?.map((row) => row.revision)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    for (const events of streams.values()) expect(events.map((row) => row.revision)).toEqual(events.map((_, n) => n));
    rising([...streams.get('budget-requester:deploy-bot')!].sort((a, b) => a.revision - b.revision).map(timeOf));
    expect(db.prepare('SELECT COUNT(*) AS n FROM snapshots').get()).toEqual({ n: 0 });
    expect(db.prepare(`SELECT position FROM checkpoints WHERE name = 'relay'`).get()).toEqual({ position: rows.at(-1)?.position });
    db.close();
  });
});
