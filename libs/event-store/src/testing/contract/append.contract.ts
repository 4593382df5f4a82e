import { WrongExpectedRevisionError, type EventStore, type ExpectedRevision, type NewEvent } from '../../port';
import { events, ids, idsOf, newEvent, streamName, type ContractContext } from './contract-helpers';

async function expectConflict(
  store: EventStore,
  stream: string,
  written: NewEvent[],
  expected: ExpectedRevision,
  actual: number | 'no_stream',
): Promise<void> {
  const failure = await store.append(stream, written, expected).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
  expect(failure).toMatchObject({ stream, expected, actual });
}

export function describeAppendContract(context: ContractContext): void {
  describe('append', () => {
    it('creates a new stream with no_stream and stores the events in order', async () => {
      const { store } = context.get();
      const stream = streamName('new');
      const written = [newEvent({ a: 1 }, { correlation: 'c-1' }), newEvent({ b: 2 })];

      const result = await store.append(stream, written, 'no_stream');

      expect(result).toMatchObject({ nextExpectedRevision: 1, idempotent: false });
      const stored = await store.readStream(stream);
      expect(stored.map((event) => [event.id, event.stream, event.revision, event.type])).toEqual([
        [written[0]?.id, stream, 0, 'contract.tested.v1'],
        [written[1]?.id, stream, 1, 'contract.tested.v1'],
      ]);
      expect(stored.map((event) => [event.data, event.metadata])).toEqual([
        [{ a: 1 }, { correlation: 'c-1' }],
        [{ b: 2 }, {}],
      ]);
      expect(result.position).toBe(stored[1]?.position);
      for (const event of stored) expect(new Date(event.recordedAt).toISOString()).toBe(event.recordedAt);
    });

    it('refuses no_stream when the stream exists', async () => {
      const { store } = context.get();
      const stream = streamName('exists');
      await store.append(stream, [newEvent()], 'no_stream');

      await expectConflict(store, stream, [newEvent()], 'no_stream', 0);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('accepts the current revision and refuses a stale or future one', async () => {
      const { store } = context.get();
      const stream = streamName('exact');
      await store.append(stream, [newEvent()], 'no_stream');

      const result = await store.append(stream, [newEvent()], 0);
      expect(result).toMatchObject({ nextExpectedRevision: 1, idempotent: false });

      await expectConflict(store, stream, [newEvent()], 0, 1);
      await expectConflict(store, stream, [newEvent()], 5, 1);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('refuses an exact revision on a missing stream', async () => {
      const { store } = context.get();
      await expectConflict(store, streamName('missing'), [newEvent()], 0, 'no_stream');
    });

    it('refuses stream_exists on a missing stream and accepts it on an existing one', async () => {
      const { store } = context.get();
      const stream = streamName('stream-exists');
      await expectConflict(store, stream, [newEvent()], 'stream_exists', 'no_stream');
      expect(await store.readStream(stream)).toEqual([]);

      await store.append(stream, [newEvent()], 'no_stream');
      const result = await store.append(stream, [newEvent()], 'stream_exists');
      expect(result.nextExpectedRevision).toBe(1);
    });

    it('appends with any whether or not the stream exists', async () => {
      const { store } = context.get();
      const stream = streamName('any');
      expect((await store.append(stream, [newEvent()], 'any')).nextExpectedRevision).toBe(0);
      expect((await store.append(stream, events(2), 'any')).nextExpectedRevision).toBe(2);
    });

    it('treats a re-append of the same ids as an idempotent retry and stores nothing twice', async () => {
      const { store } = context.get();
      const stream = streamName('idempotent');
      const first = events(2);
      const original = await store.append(stream, first, 'no_stream');

      for (const expected of ['no_stream', 'any', 'stream_exists'] as const) {
        const retry = await store.append(stream, first, expected);
        expect(retry).toEqual({ nextExpectedRevision: 1, position: original.position, idempotent: true });
      }

      const second = [newEvent()];
      const appended = await store.append(stream, second, 1);
      expect(await store.append(stream, second, 1)).toEqual({ ...appended, idempotent: true });
      expect(ids(await store.readStream(stream))).toEqual([...idsOf(first), ...idsOf(second)]);
    });

    it('refuses an append that repeats only some ids of an earlier one', async () => {
      const { store } = context.get();
      const stream = streamName('partial');
      const [a, b] = events(2) as [NewEvent, NewEvent];
      await store.append(stream, [a, b], 'no_stream');

      await expectConflict(store, stream, [b, newEvent()], 'any', 1);
      await expectConflict(store, stream, [a, newEvent()], 'no_stream', 1);
      await expectConflict(store, stream, [b, newEvent()], 0, 1);
      expect(ids(await store.readStream(stream))).toEqual([a.id, b.id]);
    });

    it('rejects malformed appends before writing anything', async () => {
      const { store } = context.get();
      const stream = streamName('invalid');
      const same = newEvent();
      await expect(store.append(stream, [], 'any')).rejects.toThrow(RangeError);
      await expect(store.append(stream, [newEvent()], -1)).rejects.toThrow(RangeError);
      await expect(store.append(stream, [same, same], 'any')).rejects.toThrow(RangeError);
      expect(await store.readStream(stream)).toEqual([]);
    });

    it('round-trips JSON data and metadata exactly (nested values, unicode)', async () => {
      const { store } = context.get();
      const stream = streamName('json');
      const data = {
        text: 'Grüße, 世界 — ✅ 🚀 e\u0301 "quoted" \\ back\nslash',
        nested: { list: [1, 2.5, -3, { deep: [true, false, null] }], empty: {}, none: [] },
        zero: 0,
        blank: '',
      };
      const metadata = { 'trace-id': 'ü-1', nested: { ok: true } };
      await store.append(stream, [newEvent(data, metadata)], 'no_stream');

      const [stored] = await store.readStream(stream);
      expect(stored?.data).toEqual(data);
      expect(stored?.metadata).toEqual(metadata);
    });
  });
}
