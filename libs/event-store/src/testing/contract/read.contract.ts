import { headerOf, readAllHeaders } from '../../port';
import { events, ids, idsOf, markPosition, newEvent, readAllOf, streamName, type ContractContext } from './contract-helpers';

export function describeReadContract(context: ContractContext): void {
  describe('readStream', () => {
    it('reads in revision order, from a revision, up to a count', async () => {
      const { store } = context.get();
      const stream = streamName('read');
      const first = events(3);
      const second = events(2);
      await store.append(stream, first, 'no_stream');
      await store.append(stream, second, 2);
      const all = [...idsOf(first), ...idsOf(second)];

      expect(ids(await store.readStream(stream))).toEqual(all);
      expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
      expect(ids(await store.readStream(stream, { fromRevision: 2 }))).toEqual(all.slice(2));
      expect(ids(await store.readStream(stream, { maxCount: 2 }))).toEqual(all.slice(0, 2));
      expect(ids(await store.readStream(stream, { fromRevision: 3, maxCount: 1 }))).toEqual([all[3]]);
      expect(await store.readStream(stream, { fromRevision: 10 })).toEqual([]);
      expect(await store.readStream(stream, { maxCount: 0 })).toEqual([]);
    });

    it('returns an empty array for a stream that does not exist', async () => {
      const { store } = context.get();
      expect(await store.readStream(streamName('nothing'))).toEqual([]);
    });
  });

  describe('readAll', () => {
    it('reads every stream in store order with strictly increasing positions', async () => {
      const { store } = context.get();
      const [a, b] = [streamName('all-a'), streamName('all-b')];
      const start = await markPosition(store);
      const a1 = newEvent();
      const b1 = newEvent();
      const a2 = newEvent();
      await store.append(a, [a1], 'no_stream');
      await store.append(b, [b1], 'no_stream');
      await store.append(a, [a2], 0);

      const read = await readAllOf(store, start, [a, b]);

      expect(ids(read)).toEqual([a1.id, b1.id, a2.id]);
      expect(read.map((event) => event.stream)).toEqual([a, b, a]);
      const positions = [start, ...read.map((event) => event.position)];
      positions.slice(1).forEach((position, index) => expect(position).toBeGreaterThan(positions[index] ?? Infinity));
    });

    it('starts after fromPosition (exclusive) and stops at maxCount', async () => {
      const { store } = context.get();
      const stream = streamName('exclusive');
      const start = await markPosition(store);
      const written = events(3);
      await store.append(stream, written, 'no_stream');
      const [first, second] = await readAllOf(store, start, [stream]);

      expect(ids(await readAllOf(store, first?.position ?? NaN, [stream]))).toEqual(idsOf(written.slice(1)));
      expect(ids(await readAllOf(store, second?.position ?? NaN, [stream]))).toEqual(idsOf(written.slice(2)));

      const one = await store.readAll(start, 1);
      expect(one).toHaveLength(1);
      expect(one[0]?.position).toBeGreaterThan(start);
      expect(one[0]?.position).toBeLessThanOrEqual(first?.position ?? -Infinity);
      expect(await store.readAll(start, 0)).toEqual([]);
    });

    it('reads from the beginning with -1', async () => {
      const { store } = context.get();
      const stream = streamName('beginning');
      const written = [newEvent()];
      await store.append(stream, written, 'no_stream');
      const everything = await store.readAll(-1, Number.MAX_SAFE_INTEGER);
      expect(ids(everything.filter((event) => event.stream === stream))).toEqual(idsOf(written));
    });
  });

  describe('readAllHeaders', () => {
    it('lists what readAll reads, in the same order and pages, without data, metadata and time', async () => {
      const { store } = context.get();
      const [a, b] = [streamName('headers-a'), streamName('headers-b')];
      const start = await markPosition(store);
      await store.append(a, events(2), 'no_stream');
      await store.append(b, events(1), 'no_stream');
      await store.append(a, events(1), 1);

      const headers = await readAllHeaders(store, start, 10_000);

      expect(headers).toEqual((await store.readAll(start, 10_000)).map(headerOf));
      expect(headers.filter((header) => header.stream === a || header.stream === b)).toHaveLength(4);
      expect(headers.every((header) => !('data' in header) && !('metadata' in header))).toBe(true);
      expect(await readAllHeaders(store, start, 1)).toEqual(headers.slice(0, 1));
      expect(await readAllHeaders(store, headers[0]?.position ?? NaN, 10_000)).toEqual(headers.slice(1));
      expect(await readAllHeaders(store, start, 0)).toEqual([]);
    });
  });
}
