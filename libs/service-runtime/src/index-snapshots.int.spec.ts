import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore, type EventStore, type StreamSnapshot } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { waitFor } from '@countersign/testing';
import { DueWork } from './due-work';
import type { ServiceRuntime } from './runtime';
import { dueKeysOnly, type IndexStateCodec } from './index-snapshots';
import { signedSnapshot } from './stream-snapshots';

/** A local event that schedules `key` at `dueAt`. */
const DUE = 'test.due';
const SNAPSHOT = '$schedule-test';
const FAR = '2099-01-01T00:00:00.000Z';

const signer = new EnvelopeSigner('service:broker', generateKeyPair('ed25519', 'service:broker'));
const otherService = new EnvelopeSigner('service:executor', generateKeyPair('ed25519', 'service:executor'));

/** A schedule whose own state is every key it has seen, written down under SNAPSHOT. */
function testSchedule(every: number) {
  let seen: string[] = [];
  const codec: IndexStateCodec<string[]> = {
    name: SNAPSHOT,
    version: 1,
    every,
    capture: () => ({ seen }),
    decode(json) {
      const keys = (json as { seen?: unknown }).seen;
      return Array.isArray(keys) && keys.every((key) => typeof key === 'string') ? keys : undefined;
    },
    adopt: (keys) => void (seen = keys),
  };
  const schedule = {
    types: [DUE],
    change: (event: { data: unknown }) => {
      const { key, dueAt } = event.data as { key: string; dueAt: string };
      seen.push(key);
      return { key, dueAt };
    },
    snapshots: codec,
  };
  return { schedule, seen: () => seen };
}

/** Every DueWork a test made, stopped after it whatever it asserted. */
const works: DueWork[] = [];

/** A DueWork over the real store, with the positions it subscribes from, the keys it fires and its warnings. */
function dueWork(store: EventStore, every = 10, clockOffsetMs = 0, codec?: IndexStateCodec<unknown>) {
  const { store: watched, subscriptionsFrom } = recordingReads(store);
  const [logs, warnings, fired]: [string[], string[], string[]] = [[], [], []];
  const runtime = {
    store: watched,
    signer,
    clock: () => new Date(Date.now() + clockOffsetMs),
    logger: {
      log: (line: string) => void logs.push(line),
      warn: (line: string) => void warnings.push(line),
      error: (line: string) => void warnings.push(line),
    },
    config: { timerMs: 60_000 },
  } as unknown as ServiceRuntime;
  const test = testSchedule(every);
  const schedule = codec ? { ...test.schedule, snapshots: codec } : test.schedule;
  const { seen } = test;
  const work = new DueWork(runtime, schedule, (key) => Promise.resolve(fired.push(key) > 0 ? ('done' as const) : undefined));
  works.push(work);
  return { work, subscribedFrom: subscriptionsFrom(), logs, warnings, fired, seen };
}

describe('an index written down (IndexSnapshots) on a real SQLite store', () => {
  jest.setTimeout(20_000);
  let dir: string;
  let store: SqliteEventStore;
  const schedule = (key: string, dueAt = FAR) =>
    store.append(`due-${key}`, [{ id: randomUUID(), type: DUE, data: { key, dueAt }, metadata: {} }], 'any');
  const scheduleMany = async (count: number) => {
    for (let n = 0; n < count; n += 1) await schedule(`k${n}`);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-index-snapshots-'));
    store = SqliteEventStore.open(join(dir, 'events.db'));
  });
  afterEach(async () => {
    for (const work of works.splice(0)) await work.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is saved after `every` events (at most once a minute) and at the stop; a start restores keys and state and reads only what came after', async () => {
    await scheduleMany(24);
    await schedule('soon', new Date(Date.now() + 300).toISOString());
    // An hour behind, the first index never finds 'soon' due.
    const first = dueWork(store, 10, -3_600_000);
    await first.work.start();
    await waitFor(() => first.seen().length === 25, 10_000);
    const all = await store.readAll(-1, 100);
    // Saved at the 10th event; not at the 20th, within a minute of it.
    expect((await store.snapshots().load(SNAPSHOT))?.revision).toBe(all[9]!.position);
    await first.work.stop();
    const saved = await store.snapshots().load(SNAPSHOT);
    expect(saved).toMatchObject({ revision: all[24]!.position, eventId: all[24]!.id, version: 1 });
    expect(first.logs).toEqual([
      expect.stringMatching(
        new RegExp(`^index \\$schedule-test written down at position ${all[9]!.position} \\(\\d+ characters, [\\d.]+ ms\\)$`),
      ),
      expect.stringMatching(new RegExp(`^index \\$schedule-test written down at position ${all[24]!.position} `)),
    ]);
    expect(first.fired).toEqual([]);
    await schedule('late', new Date(Date.now() - 1_000).toISOString());

    const second = dueWork(store);
    await second.work.start();
    expect(second.subscribedFrom).toEqual([all[24]!.position]);
    expect(second.logs).toEqual([`index $schedule-test restored at position ${all[24]!.position} (25 due keys)`]);
    await waitFor(() => second.fired.length === 2, 10_000);
    // 'soon' was scheduled before the snapshot and not read again: its deadline came from the snapshot.
    expect(second.fired.sort()).toEqual(['late', 'soon']);
    expect(second.seen()).toEqual([...first.seen(), 'late']);
    expect(second.warnings).toEqual([]);
  });

  it('keeps the due keys of a schedule that has no state of its own (dueKeysOnly)', async () => {
    await scheduleMany(5);
    await schedule('soon', new Date(Date.now() + 300).toISOString());
    const first = dueWork(store, 10, -3_600_000, dueKeysOnly(SNAPSHOT));
    await first.work.start();
    await waitFor(() => first.seen().length === 6, 10_000);
    await first.work.stop();
    const saved = (await store.snapshots().load(SNAPSHOT))!;
    expect(JSON.parse(saved.state)).toMatchObject({ state: null });

    const second = dueWork(store, 10, 0, dueKeysOnly(SNAPSHOT));
    await second.work.start();
    expect(second.subscribedFrom).toEqual([saved.revision]);
    await waitFor(() => second.fired.length === 1, 10_000);
    expect(second.fired).toEqual(['soon']);
    expect(second.seen()).toEqual([]);
  });

  it('goes on from an older genuine snapshot too, to the same index', async () => {
    await scheduleMany(15);
    const first = dueWork(store);
    await first.work.start();
    await waitFor(() => first.seen().length === 15, 10_000);
    const older = (await store.snapshots().load(SNAPSHOT))!;
    await first.work.stop();
    await store.snapshots().save(older);

    const second = dueWork(store);
    await second.work.start();
    expect(second.subscribedFrom).toEqual([older.revision]);
    await waitFor(() => second.seen().length === 15, 10_000);
    expect(second.seen()).toEqual(first.seen());
  });

  describe('is not used, and the store is replayed from its start, when', () => {
    const cases: Array<[string, (genuine: StreamSnapshot) => StreamSnapshot, RegExp]> = [
      ['another service signed it', (s) => signedSnapshot(otherService, s), /not signed with this service’s current key/],
      [
        'another schedule’s is put under its name',
        (s) => ({ ...signedSnapshot(signer, { ...s, stream: '$schedule-other' }), stream: SNAPSHOT }),
        /not signed/,
      ],
      [
        'the store holds another event at its position',
        (s) => signedSnapshot(signer, { ...s, eventId: randomUUID() }),
        /the store does not hold its event there/,
      ],
      [
        'its position is past the store’s end',
        (s) => signedSnapshot(signer, { ...s, revision: s.revision + 50 }),
        /the store does not hold its event there/,
      ],
      ['its version is another', (s) => signedSnapshot(signer, { ...s, version: 2 }), /version 2, not 1/],
      [
        'its due keys do not decode',
        (s) => signedSnapshot(signer, { ...s, state: '{"reads":["test.due"],"due":[["k",null]],"state":{"seen":[]}}' }),
        /does not decode/,
      ],
      [
        'the schedule refuses its state',
        (s) => signedSnapshot(signer, { ...s, state: '{"reads":["test.due"],"due":[],"state":{"seen":[1]}}' }),
        /does not decode/,
      ],
      [
        'it was built from other event types',
        (s) => signedSnapshot(signer, { ...s, state: s.state.replace('"reads":["test.due"]', '"reads":["test.other"]') }),
        /it was built from other event types/,
      ],
      ['it is not JSON', (s) => signedSnapshot(signer, { ...s, state: 'not json' }), /does not decode/],
    ];
    it.each(cases)('%s', async (_case, tamper, why) => {
      await scheduleMany(5);
      const first = dueWork(store);
      await first.work.start();
      await waitFor(() => first.seen().length === 5, 10_000);
      await first.work.stop();
      const genuine = (await store.snapshots().load(SNAPSHOT))!;
      const { signature: _signature, ...unsigned } = genuine;
      await store.snapshots().save(tamper({ ...unsigned, signature: '' }));
      // The state of a refused snapshot is not taken either: the index replayed from the start is the whole one.

      const second = dueWork(store);
      await second.work.start();
      expect(second.subscribedFrom).toEqual([-1]);
      expect(second.warnings[0]).toMatch(
        new RegExp(`^snapshot \\$schedule-test at position \\d+ not used \\(.*${why.source}.*\\); replaying the store from its start$`),
      );
      await waitFor(() => second.seen().length === 5, 10_000);
      expect(second.seen()).toEqual(first.seen());
      await second.work.stop();
    });
  });

  it('replays from the start and goes on when the snapshot store fails, and says so', async () => {
    await scheduleMany(12);
    const failing = Object.create(store) as SqliteEventStore;
    failing.snapshots = () =>
      ({
        load: () => Promise.reject(new Error('disk gone')),
        save: () => Promise.reject(new Error('disk full')),
      }) as unknown as ReturnType<SqliteEventStore['snapshots']>;
    const work = dueWork(failing);
    await work.work.start();
    await waitFor(() => work.seen().length === 12, 10_000);
    await work.work.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(work.subscribedFrom).toEqual([-1]);
    const tenth = (await store.readAll(-1, 10))[9]!.position;
    const last = (await store.readAll(-1, 12))[11]!.position;
    expect(work.warnings).toEqual([
      'snapshot $schedule-test not read (disk gone); replaying the store from its start',
      `snapshot $schedule-test at position ${tenth} not saved: disk full`,
      `snapshot $schedule-test at position ${last} not saved: disk full`,
    ]);
  });
});
