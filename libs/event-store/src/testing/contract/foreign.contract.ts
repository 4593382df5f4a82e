import { StoreUnavailableError, type StoredEvent } from '../../port';
import { collectInto, ids, itWhen, markPosition, newEvent, sleep, streamName, waitFor, type ContractContext } from './contract-helpers';

const TIMEOUT_MS = 20_000;

/**
 * What a store-wide read does with events the port did not write, and with a store that fails
 * part-way through a read (port.ts). The foreign events come from outside the port, so each run
 * says whether it can write them (ContractCapabilities).
 */
export function describeForeignContract(context: ContractContext): void {
  const withForeign = itWhen(context, 'foreign');
  const withFaults = itWhen(context, 'faults');

  describe('$all and events the port did not write', () => {
    withForeign(
      'leaves out $-stream events, skips and reports a non-JSON event, and reads on past both',
      async () => {
        const { store, foreign, unreadable } = context.get();
        const [own, odd] = [streamName('own'), streamName('odd')];
        const start = await markPosition(store);
        await foreign?.systemStreamEvent();
        const before = newEvent();
        await store.append(own, [before], 'no_stream');
        await foreign?.nonJsonEvent(odd);
        const after = newEvent();
        await store.append(own, [after], 0);
        const end = await markPosition(store);

        const read = (await store.readAll(start, 10_000)).filter((event) => event.position <= end);
        expect(read.filter((event) => event.stream.startsWith('$'))).toEqual([]);
        expect(read.filter((event) => event.stream === odd)).toEqual([]);
        expect(ids(read.filter((event) => event.stream === own))).toEqual([before.id, after.id]);
        // Reading that stream itself is another matter: a reader of a stream needs all of it.
        await expect(store.readStream(odd)).rejects.toBeInstanceOf(StoreUnavailableError);
        const reported = unreadable.filter((event) => event.stream === odd);
        expect(reported.map((event) => [event.stream, typeof event.position, event.reason.length > 0])).toEqual([[odd, 'number', true]]);

        // A subscription passes over both too, instead of dying on (or looping into) the odd one.
        const seen: StoredEvent[] = [];
        const errors: unknown[] = [];
        const subscription = store.subscribeToAll(start, collectInto(seen), (error) => errors.push(error));
        await waitFor(() => seen.some((event) => event.position >= end), { timeoutMs: 10_000, what: 'the end marker' });
        await subscription.stop();
        expect(errors).toEqual([]);
        expect(seen.filter((event) => event.stream.startsWith('$') || event.stream === odd)).toEqual([]);
        expect(ids(seen.filter((event) => event.stream === own))).toEqual([before.id, after.id]);
        // Reported once per store, however often it is passed over.
        expect(unreadable.filter((event) => event.stream === odd)).toHaveLength(1);
      },
      TIMEOUT_MS,
    );
  });

  describe('errors part-way through a read', () => {
    withFaults(
      'rejects reads with StoreUnavailableError, and reports it to a live subscription, which stops',
      async () => {
        const { store, breakReads } = context.get();
        const stream = streamName('broken');
        const start = await markPosition(store);
        await store.append(stream, [newEvent(), newEvent(), newEvent(), newEvent(), newEvent()], 'no_stream');
        const seen: StoredEvent[] = [];
        const errors: unknown[] = [];
        const subscription = store.subscribeToAll(start, collectInto(seen), (error) => errors.push(error));
        await waitFor(() => seen.filter((event) => event.stream === stream).length === 5, { timeoutMs: 10_000, what: 'the history' });

        breakReads?.();
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.readAll(start, 10_000)).rejects.toBeInstanceOf(StoreUnavailableError);
        await waitFor(() => errors.length > 0, { timeoutMs: 10_000, what: 'onError' });
        await sleep(100);
        await subscription.stop();
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(StoreUnavailableError);
      },
      TIMEOUT_MS,
    );
  });
}
