import { WrongExpectedRevisionError, type ExpectedRevision, type NewEvent } from '../../port';
import { events, ids, newEvent, readAllOf, markPosition, streamName, type ContractContext } from './contract-helpers';

/** More than any page or window an adapter reads at once (KurrentDB used to look 64 events back). */
const FAR = 300;

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** What an event id is and how far idempotency reaches: the port's rules in port.ts. */
export function describeIdentityContract(context: ContractContext): void {
  describe('event identity and idempotency', () => {
    it('treats a retry at a newer expected revision as idempotent, wherever it is expected', async () => {
      const { store } = context.get();
      const stream = streamName('newer');
      const [a, b] = [newEvent(), newEvent()];
      const first = await store.append(stream, [a], 'no_stream');
      await store.append(stream, [b], 0);

      for (const expected of [1, 'any', 'stream_exists', 'no_stream', 7] as ExpectedRevision[]) {
        expect([expected, await store.append(stream, [a], expected)]).toEqual([
          expected,
          { nextExpectedRevision: 0, position: first.position, idempotent: true },
        ]);
      }
      expect(ids(await store.readStream(stream))).toEqual([a.id, b.id]);
    });

    it('recognises a retry whose earlier copy is further back than any read window', async () => {
      const { store } = context.get();
      const stream = streamName('far');
      const early = events(2);
      const first = await store.append(stream, early, 'no_stream');
      for (let written = 0; written < FAR; written += 100) await store.append(stream, events(100), 'any');
      const current = 1 + FAR;

      for (const expected of ['any', 'stream_exists', current] as ExpectedRevision[]) {
        expect(await store.append(stream, early, expected)).toEqual({
          nextExpectedRevision: 1,
          position: first.position,
          idempotent: true,
        });
      }
      const partial = await refusal(store.append(stream, [early[1] as NewEvent, newEvent()], 'any'));
      expect(partial).toBeInstanceOf(WrongExpectedRevisionError);
      expect(partial).toMatchObject({ actual: current });
      const reversed = await refusal(store.append(stream, [...early].reverse(), 'any'));
      expect(reversed).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(stream)).toHaveLength(current + 1);
    }, 30_000);

    it('compares ids without regard to case and hands them back lower-cased', async () => {
      const { store } = context.get();
      const stream = streamName('case');
      const upper = { ...newEvent(), id: newEvent().id.toUpperCase() };
      const written = await store.append(stream, [upper], 'no_stream');

      expect(ids(await store.readStream(stream))).toEqual([upper.id.toLowerCase()]);
      // A redelivery in either case is the same event: a retry, not a first sighting or a conflict.
      for (const id of [upper.id, upper.id.toLowerCase()]) {
        expect(await store.append(stream, [{ ...upper, id }], 'no_stream')).toEqual({ ...written, idempotent: true });
      }
      const twice = [upper, { ...upper, id: upper.id.toLowerCase() }];
      await expect(store.append(streamName('case-twice'), twice, 'any')).rejects.toThrow(RangeError);
    });

    it.each([
      ['a short name', 'event-1'],
      ['a UUID without dashes', 'a3bb189e8bf9438891c3f5a5c3ae1d9f'],
      ['a UUID in braces', '{a3bb189e-8bf9-4388-91c3-f5a5c3ae1d9f}'],
      ['an empty string', ''],
    ])('refuses an id that is %s before writing anything', async (_what, id) => {
      const { store } = context.get();
      const stream = streamName('not-uuid');
      await expect(store.append(stream, [{ ...newEvent(), id }], 'any')).rejects.toThrow(RangeError);
      expect(await store.readStream(stream)).toEqual([]);
    });

    it('refuses stream names that start with $ (the store’s own)', async () => {
      const { store } = context.get();
      await expect(store.append(`$${streamName('system')}`, [newEvent()], 'any')).rejects.toThrow(RangeError);
    });

    it('scopes ids to their stream: the same id in another stream is another event', async () => {
      const { store } = context.get();
      const [one, two] = [streamName('scope-1'), streamName('scope-2')];
      const start = await markPosition(store);
      const shared = newEvent();
      const first = await store.append(one, [shared], 'no_stream');
      const second = await store.append(two, [shared], 'no_stream');

      expect(second).toMatchObject({ nextExpectedRevision: 0, idempotent: false });
      expect(second.position).toBeGreaterThan(first.position);
      expect(ids(await store.readStream(two))).toEqual([shared.id]);
      expect((await readAllOf(store, start, [one, two])).map((event) => [event.stream, event.id])).toEqual([
        [one, shared.id],
        [two, shared.id],
      ]);
      // Each stream still knows its own copy as a retry.
      expect(await store.append(one, [shared], 'any')).toEqual({ ...first, idempotent: true });
      expect(await store.append(two, [shared], 'any')).toEqual({ ...second, idempotent: true });
    });
  });
}
