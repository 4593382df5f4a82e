import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from './testing/event-store.contract';
import { StoreUnavailableError, WrongExpectedRevisionError, type StoredEvent, type UnreadableEvent } from './port';
import { SqliteEventStore } from './sqlite-event-store';

const POLL_MS = 50;

/** Rows only something other than the port can put in the file: straight into the table. */
function insertRaw(file: string, stream: string, data: string): Promise<void> {
  const db = new Database(file);
  try {
    const revision = db.prepare<[string], { next: number }>('SELECT COUNT(*) AS next FROM events WHERE stream = ?').get(stream)?.next ?? 0;
    db.prepare(
      `INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, 'foreign.v1', ?, '{}', ?)`,
    ).run(randomUUID(), stream, revision, data, new Date().toISOString());
  } finally {
    db.close();
  }
  return Promise.resolve();
}

describeEventStoreContract(
  'SQLite adapter',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-store-'));
    const file = join(dir, 'data', 'service.sqlite');
    const unreadable: UnreadableEvent[] = [];
    const store = SqliteEventStore.open(file, { pollIntervalMs: POLL_MS, onUnreadable: (event) => unreadable.push(event) });
    return Promise.resolve({
      store,
      checkpoints: store.checkpoints(),
      unreadable,
      foreign: {
        systemStreamEvent: () => insertRaw(file, '$settings', '{"$userStreamAcl":{}}'),
        nonJsonEvent: (stream: string) => insertRaw(file, stream, '\u0000\u0001 not json'),
      },
      // The file's connection goes away under the store, as when the disk or the handle fails.
      breakReads: () => store['db'].close(),
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  },
  { foreign: true, faults: true },
);

const collectInto = (list: StoredEvent[]) => (stored: StoredEvent) => {
  list.push(stored);
  return Promise.resolve();
};

const event = (data: unknown = { n: 1 }) => ({ id: randomUUID(), type: 'sqlite.tested.v1', data });

/** Runs a Node child that appends to the file through the real adapter, then dies without closing. */
function appendInChildProcess(file: string, count: number): Promise<{ signal: NodeJS.Signals | null; ids: string[] }> {
  const script = `
    const { SqliteEventStore } = require(${JSON.stringify(join(__dirname, 'sqlite-event-store.ts'))});
    const { randomUUID } = require('node:crypto');
    const store = SqliteEventStore.open(${JSON.stringify(file)});
    const events = Array.from({ length: ${count} }, (_, index) => ({ id: randomUUID(), type: 'child.appended.v1', data: { index } }));
    store.append('child', events, 'any').then(() => {
      process.stdout.write(JSON.stringify(events.map((e) => e.id)));
      process.kill(process.pid, 'SIGKILL');
    });`;
  const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, ids: output ? (JSON.parse(output) as string[]) : [] }));
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SQLite adapter — file behaviour', () => {
  let dir: string;
  let file: string;
  const opened: SqliteEventStore[] = [];
  const open = (options: ConstructorParameters<typeof SqliteEventStore>[1] = {}) => {
    const store = SqliteEventStore.open(file, { pollIntervalMs: POLL_MS, ...options });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-store-'));
    file = join(dir, 'service.sqlite');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs in WAL mode with synchronous = FULL, so acknowledged appends survive power loss', () => {
    expect(open().durabilitySettings()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
  });

  it('keeps events appended by a process that was killed right after the append returned', async () => {
    open(); // create the file first so the child only appends
    const child = await appendInChildProcess(file, 3);
    expect(child.signal).toBe('SIGKILL');
    expect(child.ids).toHaveLength(3);

    const reopened = open();
    const stored = await reopened.readStream('child');
    expect(stored.map((stored) => stored.id)).toEqual(child.ids);
    expect(stored.map((stored) => stored.revision)).toEqual([0, 1, 2]);
  }, 30_000);

  it('keeps events, revisions and checkpoints across close and reopen', async () => {
    const first = open();
    await first.append('s', [event(), event()], 'no_stream');
    await first.checkpoints().save('relay', 2);
    await first.close();

    const second = open();
    expect((await second.readStream('s')).map((stored) => stored.revision)).toEqual([0, 1]);
    expect(await second.checkpoints().load('relay')).toBe(2);
    await expect(second.append('s', [event()], 0)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await second.append('s', [event()], 1)).nextExpectedRevision).toBe(2);
  });

  it('refuses an event whose data or metadata JSON cannot carry, naming which and whose, and stores none of the append', async () => {
    const store = open();
    const [fine, noData, noMetadata] = [event(), event(() => 1), { ...event(), metadata: (() => 1) as unknown as Record<string, unknown> }];
    await expect(store.append('s', [fine, noData], 'any')).rejects.toThrow(`data of event ${noData.id} is not JSON-serializable`);
    await expect(store.append('s', [fine, noMetadata], 'any')).rejects.toThrow(
      `metadata of event ${noMetadata.id} is not JSON-serializable`,
    );
    expect(await store.readStream('s')).toEqual([]);
  });

  it('delivers appends made through a second handle on the same file (poll path)', async () => {
    const reader = open();
    const writer = open();
    const seen: StoredEvent[] = [];
    const subscription = reader.subscribeToAll(-1, collectInto(seen));
    await writer.append('other-handle', [event()], 'no_stream');
    await waitFor(() => seen.length === 1, 5_000);
    await writer.append('other-handle', [event()], 0);
    await waitFor(() => seen.length === 2, 5_000);
    await subscription.stop();
    expect(seen.map((stored) => stored.revision)).toEqual([0, 1]);
  });

  it('leaves a caught-up subscription asleep while nobody appends, and still notices another handle within the interval', async () => {
    const reader = open({ pollIntervalMs: 100 });
    const writer = open();
    const reads = jest.spyOn(reader as unknown as { readAfter: (position: number, maxCount: number) => unknown }, 'readAfter');
    const seen: StoredEvent[] = [];
    const subscriptions = [reader.subscribeToAll(-1, collectInto(seen)), reader.subscribeToAll(-1, collectInto([]))];
    await new Promise((resolve) => setTimeout(resolve, 50)); // both catch up (one read each) and wait
    const caughtUp = reads.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(reads.mock.calls.length).toBe(caughtUp);

    await writer.append('other-handle', [event()], 'no_stream');
    await waitFor(() => seen.length === 1, 5_000);
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  });

  it('wakes a subscriber at once on an append through the same handle, and stops without waiting for a poll', async () => {
    const store = open({ pollIntervalMs: 60_000 });
    const seen: StoredEvent[] = [];
    const subscription = store.subscribeToAll(-1, collectInto(seen));
    await new Promise((resolve) => setTimeout(resolve, 20)); // let it catch up and wait
    const started = Date.now();
    await store.append('notified', [event()], 'no_stream');
    await waitFor(() => seen.length === 1, 2_000);
    await subscription.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('delivers appends made by another process', async () => {
    const reader = open();
    const seen: StoredEvent[] = [];
    const subscription = reader.subscribeToAll(-1, collectInto(seen));
    const child = await appendInChildProcess(file, 2);
    await waitFor(() => seen.length === 2, 5_000);
    await subscription.stop();
    expect(seen.map((stored) => stored.id)).toEqual(child.ids);
  }, 30_000);

  it('sees the other handle’s writes when checking the expected revision', async () => {
    const one = open();
    const two = open();
    await one.append('shared', [event()], 'no_stream');
    await expect(two.append('shared', [event()], 'no_stream')).rejects.toMatchObject({ actual: 0 });
  });

  it('takes recordedAt and checkpoint times from the injected clock', async () => {
    const store = open({ now: () => new Date('2026-01-02T03:04:05.678Z') });
    await store.append('clocked', [event()], 'no_stream');
    const [stored] = await store.readStream('clocked');
    expect(stored?.recordedAt).toBe('2026-01-02T03:04:05.678Z');
  });

  it('fails closed with StoreUnavailableError when another connection holds the write lock', async () => {
    const store = open({ busyTimeoutMs: 50 });
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.append('locked', [event()], 'any')).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(await store.readStream('locked')).toEqual([]);
  });

  it('fails with StoreUnavailableError after close', async () => {
    const store = open();
    await store.close();
    await expect(store.readAll(-1, 10)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.append('closed', [event()], 'any')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('migrates a file from before stream-scoped ids: positions kept, ids lower-cased, an id reusable in another stream', async () => {
    const old = new Database(file);
    old.exec(`CREATE TABLE events (
      position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, revision INTEGER NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream, revision));`);
    const upper = randomUUID().toUpperCase();
    const insert = old.prepare(
      'INSERT INTO events (position, id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run(7, upper, 'old', 0, 'old.v1', '{"n":1}', '{}', '2026-01-01T00:00:00.000Z');
    insert.run(9, randomUUID(), 'old', 1, 'old.v1', '{"n":2}', '{}', '2026-01-01T00:00:00.000Z');
    old.close();

    const store = open();
    const stored = await store.readStream('old');
    expect(stored.map((event) => [event.id, event.position])).toEqual([
      [upper.toLowerCase(), 7],
      [stored[1]?.id, 9],
    ]);
    expect(await store.append('old', [{ ...event(), id: upper }], 'any')).toEqual({
      nextExpectedRevision: 0,
      position: 7,
      idempotent: true,
    });
    const elsewhere = await store.append('new', [{ ...event(), id: upper }], 'no_stream');
    expect(elsewhere).toMatchObject({ idempotent: false, nextExpectedRevision: 0 });
    expect(elsewhere.position).toBeGreaterThan(9);
    open(); // a second open finds nothing left to migrate
  });

  it('lists headers of rows whose data is not JSON, which readAll skips, and leaves out $-streams as readAll does', async () => {
    const store = open({ onUnreadable: () => undefined });
    const own = event();
    await store.append('own', [own], 'no_stream');
    await insertRaw(file, '$settings', '{"$userStreamAcl":{}}');
    await insertRaw(file, 'odd', '\u0000 not json');

    const headers = await store.readAllHeaders(-1, 100);

    expect(headers.map((header) => [header.stream, header.type])).toEqual([
      ['own', 'sqlite.tested.v1'],
      ['odd', 'foreign.v1'],
    ]);
    expect((await store.readAll(-1, 100)).map((stored) => stored.stream)).toEqual(['own']);
  });

  it('refuses data that JSON cannot carry', async () => {
    const store = open();
    await expect(store.append('bad', [{ ...event(), data: undefined }], 'any')).rejects.toThrow(TypeError);
    await expect(store.append('bad', [event({ big: 1n })], 'any')).rejects.toThrow(TypeError);
    expect(await store.readStream('bad')).toEqual([]);
  });
});
