import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicId } from '@countersign/contracts';
import type { Decider, StateCodec } from '@countersign/decider';
import { SqliteEventStore, WrongExpectedRevisionError, type EventStore, type StreamSnapshot } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { CACHED_STREAMS, DecisionRunner } from './decision-runner';
import { signedSnapshot } from './stream-snapshots';
import type { DomainEvent } from './domain-events';

/** A local (never signed) event: one tally per distinct command id. */
const COUNTED = 'test.counted';
interface Tally {
  count: number;
  seen: string[];
}
type Count = { commandId: string };

/** Idempotent like every service decider: a command it has seen decides nothing new. */
const tally: Decider<Count, DomainEvent, Tally> = {
  initialState: () => ({ count: 0, seen: [] }),
  decide: (command, state) =>
    state.seen.includes(command.commandId)
      ? []
      : [{ type: COUNTED, id: deterministicId(command.commandId, 'counted'), data: { ...command, n: state.count + 1 } }],
  evolve: (state, event) => {
    const { commandId } = event.data as Count;
    return { count: state.count + 1, seen: [...state.seen, commandId] };
  },
};

/** The real store, recording which revision each stream read starts from, and its append conflicts. */
function recording(store: EventStore): { store: EventStore; readsFrom: (stream: string) => number[]; conflicts: () => number } {
  const { store: watched, readsFrom } = recordingReads(store);
  let conflicts = 0;
  watched.append = (...args: Parameters<EventStore['append']>) =>
    store.append(...args).catch((error: unknown) => {
      if (error instanceof WrongExpectedRevisionError) conflicts += 1;
      throw error;
    });
  return { store: watched, readsFrom, conflicts: () => conflicts };
}

describe('DecisionRunner on a real SQLite store', () => {
  let dir: string;
  let store: SqliteEventStore;
  const signer = new EnvelopeSigner('service:intake', generateKeyPair('ed25519', 'service:intake'));
  const cause = (id: string) => ({ id, now: new Date('2026-12-06T10:00:00.000Z') });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-runner-'));
    store = SqliteEventStore.open(join(dir, 'events.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides again on the newer state when a concurrent writer took the revision it read', async () => {
    const { store: watched, conflicts } = recording(store);
    const first = new DecisionRunner(watched, signer);
    const second = new DecisionRunner(watched, signer);
    const [a, b] = await Promise.all([
      first.run(tally, 'tally-1', { commandId: 'a' }, cause('a')),
      second.run(tally, 'tally-1', { commandId: 'b' }, cause('b')),
    ]);
    const stored = await store.readStream('tally-1');
    expect(stored.map((event) => (event.data as { n: number }).n)).toEqual([1, 2]);
    expect([...a, ...b].map((event) => (event.data as { n: number }).n).sort()).toEqual([1, 2]);
    expect(conflicts()).toBe(1);
  });

  it('decides nothing for a redelivered command, even from a runner that never saw the stream', async () => {
    await new DecisionRunner(store, signer).run(tally, 'tally-1', { commandId: 'a' }, cause('a'));
    const fresh = new DecisionRunner(store, signer);
    await expect(fresh.run(tally, 'tally-1', { commandId: 'a' }, cause('a'))).resolves.toEqual([]);
    expect(await store.readStream('tally-1')).toHaveLength(1);
  });

  it('reads only what is newer than its cached state, and refolds a stream evicted from the cache from its start', async () => {
    const { store: watched, readsFrom } = recording(store);
    const runner = new DecisionRunner(watched, signer);
    await runner.run(tally, 'tally-first', { commandId: 'a' }, cause('a'));
    await runner.run(tally, 'tally-first', { commandId: 'b' }, cause('b'));
    await runner.run(tally, 'tally-first', { commandId: 'c' }, cause('c'));
    // The cache holds what was read and what the runner appended: each run only looks for what
    // another writer may have added after its own last event, and nothing is read back.
    expect(readsFrom('tally-first')).toEqual([0, 1, 2]);
    // And the state folded from its own appends is the one a fresh runner reads from the store.
    const fromStore = await new DecisionRunner(store, signer).load(tally, 'tally-first');
    await expect(runner.load(tally, 'tally-first')).resolves.toEqual(fromStore);
    expect(readsFrom('tally-first')).toEqual([0, 1, 2, 3]);
    // The cache holds CACHED_STREAMS streams: with that many others used since, the first is still
    // there (read only for what is newer); one more pushes it out, and it is refolded from its start.
    for (let index = 0; index < CACHED_STREAMS - 1; index += 1) await runner.load(tally, `tally-other-${index}`);
    await runner.load(tally, 'tally-first');
    expect(readsFrom('tally-first')).toEqual([0, 1, 2, 3, 3]);
    for (let index = 0; index < CACHED_STREAMS; index += 1) await runner.load(tally, `tally-more-${index}`);
    await expect(runner.load(tally, 'tally-first')).resolves.toEqual({ count: 3, seen: ['a', 'b', 'c'] });
    expect(readsFrom('tally-first')).toEqual([0, 1, 2, 3, 3, 0]);
  });

  it('from its cache decides without reading, and after another writer took the revision reads and decides again', async () => {
    const { store: watched, readsFrom, conflicts } = recording(store);
    const runner = new DecisionRunner(watched, signer);
    const fromCache = { fromCache: true };
    // Nothing cached yet: the stream is read as usual.
    await runner.run(tally, 'tally-own', { commandId: 'a' }, cause('a'), fromCache);
    await runner.run(tally, 'tally-own', { commandId: 'b' }, cause('b'), fromCache);
    expect(readsFrom('tally-own')).toEqual([0]);
    // Another writer appends behind the runner's back: the decision on the cached state conflicts,
    // and the retry reads what was added and decides on it.
    await new DecisionRunner(store, signer).run(tally, 'tally-own', { commandId: 'c' }, cause('c'));
    const decided = await runner.run(tally, 'tally-own', { commandId: 'd' }, cause('d'), fromCache);
    expect(conflicts()).toBe(1);
    expect(readsFrom('tally-own')).toEqual([0, 2]);
    expect(decided.map((event) => (event.data as { n: number }).n)).toEqual([4]);
    const stored = await store.readStream('tally-own');
    expect(stored.map((event) => (event.data as Count).commandId)).toEqual(['a', 'b', 'c', 'd']);
    // A redelivered command still decides nothing, from the cache as from the store.
    await expect(runner.run(tally, 'tally-own', { commandId: 'c' }, cause('c'), fromCache)).resolves.toEqual([]);
    expect(readsFrom('tally-own')).toEqual([0, 2]);
  });

  it('catches up on a long stream a page of 1,000 events at a time, folding every page', async () => {
    const history = Array.from({ length: 2_500 }, (_, index) => ({
      id: deterministicId(`history-${index}`, 'counted'),
      type: COUNTED,
      data: { commandId: `history-${index}`, n: index + 1 },
    }));
    await store.append('tally-long', history, 'no_stream');
    const { store: watched, readsFrom } = recording(store);
    const state = await new DecisionRunner(watched, signer).load(tally, 'tally-long');
    expect(state.count).toBe(2_500);
    expect(state.seen.at(-1)).toBe('history-2499');
    expect(readsFrom('tally-long')).toEqual([0, 1_000, 2_000]);
  });

  describe('with snapshots kept (keepSnapshots)', () => {
    const EVERY = 100;
    const codec: StateCodec<Tally> = {
      version: 1,
      every: EVERY,
      encode: (state) => state,
      decode: (json) => {
        const state = json as Partial<Tally> | null;
        return typeof state?.count === 'number' && Array.isArray(state.seen) ? { count: state.count, seen: state.seen } : undefined;
      },
    };
    const counted = (from: number, count: number) =>
      Array.from({ length: count }, (_, index) => ({
        id: deterministicId(`history-${from + index}`, 'counted'),
        type: COUNTED,
        data: { commandId: `history-${from + index}` },
      }));
    const settled = () => new Promise((resolve) => setImmediate(resolve));

    it('saves one every `every` events, and a fresh runner restores it and folds only the events after it', async () => {
      await store.append('tally-long', counted(0, 250), 'no_stream');
      const runner = new DecisionRunner(store, signer);
      runner.keepSnapshots(tally, codec);
      await runner.load(tally, 'tally-long');
      await runner.run(tally, 'tally-long', { commandId: 'late' }, cause('late'));
      await settled();
      // Folded to revision 249 at load; the one appended after is not `every` events on.
      expect(await store.snapshots().load('tally-long')).toMatchObject({ revision: 249, eventId: counted(249, 1)[0]!.id, version: 1 });

      const { store: watched, readsFrom } = recording(store);
      const restarted = new DecisionRunner(watched, signer);
      restarted.keepSnapshots(tally, codec);
      const restored = await restarted.load(tally, 'tally-long');
      // One read to check that the stream holds the snapshot's event at 249, then the tail.
      expect(readsFrom('tally-long')).toEqual([249, 250]);
      expect(restored).toEqual(await new DecisionRunner(store, signer).load(tally, 'tally-long'));
      expect(restored.count).toBe(251);
    });

    it('folds from the start, and says why, when it is not this service’s signature, the stream does not hold its event, its version differs or its state does not decode', async () => {
      await store.append('tally-long', counted(0, 150), 'no_stream');
      const full = await new DecisionRunner(store, signer).load(tally, 'tally-long');
      const snapshot = { stream: 'tally-long', revision: 149, eventId: counted(149, 1)[0]!.id, version: 1, state: JSON.stringify(full) };
      const otherService = new EnvelopeSigner('service:approval', generateKeyPair('ed25519', 'service:approval'));
      const genuine = signedSnapshot(signer, snapshot);
      const refusals: Array<[StreamSnapshot, RegExp]> = [
        // Written by someone without this service's key: another service's, or a genuine one changed after signing.
        [signedSnapshot(otherService, snapshot), /not signed with this service’s current key/],
        [{ ...genuine, state: JSON.stringify({ ...full, seen: [...full.seen, 'never-recorded'] }) }, /not signed/],
        [{ ...genuine, revision: 148, eventId: counted(148, 1)[0]!.id }, /not signed/],
        [{ ...genuine, version: 2 }, /not signed/],
        // Another stream's genuine snapshot, put under this one.
        [{ ...signedSnapshot(signer, { ...snapshot, stream: 'tally-other' }), stream: 'tally-long' }, /not signed/],
        [signedSnapshot(signer, { ...snapshot, eventId: counted(148, 1)[0]!.id }), /the stream does not hold its event there/],
        [signedSnapshot(signer, { ...snapshot, revision: 400 }), /the stream does not hold its event there/],
        [signedSnapshot(signer, { ...snapshot, version: 2 }), /version 2, not 1/],
        [signedSnapshot(signer, { ...snapshot, state: '{"count":"many"}' }), /its state does not decode/],
        [signedSnapshot(signer, { ...snapshot, state: 'not json' }), /its state does not decode/],
      ];
      for (const [refused, why] of refusals) {
        await store.snapshots().save(refused);
        const warnings: string[] = [];
        const { store: watched, readsFrom } = recording(store);
        const runner = new DecisionRunner(watched, signer, undefined, (message) => warnings.push(message));
        runner.keepSnapshots(tally, codec);
        await expect(runner.load(tally, 'tally-long')).resolves.toEqual(full);
        expect(readsFrom('tally-long').at(-1)).toBe(0);
        expect(warnings).toEqual([
          expect.stringMatching(/^snapshot of tally-long at revision \d+ not used \(.+\); folding the stream from its start$/),
        ]);
        expect(warnings[0]).toMatch(why);
      }
    });

    it('decides and starts all the same when the snapshot store or the codec fails, and says so', async () => {
      await store.append('tally-long', counted(0, 250), 'no_stream');
      const failing = Object.create(store) as SqliteEventStore;
      failing.snapshots = () =>
        ({
          load: () => Promise.reject(new Error('disk gone')),
          save: () => Promise.reject(new Error('disk full')),
        }) as unknown as ReturnType<SqliteEventStore['snapshots']>;
      const warnings: string[] = [];
      const runner = new DecisionRunner(failing, signer, undefined, (message) => warnings.push(message));
      runner.keepSnapshots(tally, codec);
      await expect(runner.load(tally, 'tally-long')).resolves.toMatchObject({ count: 250 });
      await settled();
      expect(warnings).toEqual([
        'snapshot of tally-long not read (disk gone); folding the stream from its start',
        'snapshot of tally-long at revision 249 not saved: disk full',
      ]);

      // Due right after an append (99 events folded, the 100th appended): the run still succeeds.
      await store.append('tally-short', counted(0, 99), 'no_stream');
      const throwing = new DecisionRunner(store, signer, undefined, (message) => warnings.push(message));
      throwing.keepSnapshots(tally, {
        ...codec,
        encode: () => {
          throw new Error('cannot encode');
        },
      });
      await expect(throwing.run(tally, 'tally-short', { commandId: 'late' }, cause('late'))).resolves.toHaveLength(1);
      expect(warnings.slice(2)).toEqual(['snapshot of tally-short at revision 99 not saved: cannot encode']);
      expect(await store.readStream('tally-short')).toHaveLength(100);
    });

    it('restores a stream from its snapshot when it is folded again after 4,096 others were written down', async () => {
      const streams = Array.from({ length: 4_097 }, (_, index) => `tally-${index}`);
      // In one group commit: 4,097 appends with an fsync each take seconds on a loaded machine.
      await store.deferDurability(async () => {
        for (const stream of streams) await store.append(stream, counted(0, 2), 'no_stream');
      });
      await store.flush();
      const { store: watched, readsFrom } = recording(store);
      const runner = new DecisionRunner(watched, signer);
      runner.keepSnapshots(tally, { ...codec, every: 2 });
      for (const stream of streams) await runner.load(tally, stream);
      await settled();
      const first = streams[0] as string;
      await expect(runner.run(tally, first, { commandId: 'late' }, cause('late'))).resolves.toHaveLength(1);
      // Read whole at first; then, forgotten by the runner's cache and here, from its snapshot at 1.
      expect(readsFrom(first)).toEqual([0, 1, 2]);
      expect(await store.snapshots().load(first)).toMatchObject({ revision: 1 });
    }, 30_000);

    it('keeps none for a decider it was not told to', async () => {
      await store.append('tally-long', counted(0, 250), 'no_stream');
      await new DecisionRunner(store, signer).load(tally, 'tally-long');
      await settled();
      expect(await store.snapshots().load('tally-long')).toBeUndefined();
    });
  });
});
