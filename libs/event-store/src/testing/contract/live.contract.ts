import { WrongExpectedRevisionError, readAllOfTypes, type NewEvent, type StoredEvent, type Subscription } from '../../port';
import {
  collectInto,
  ids,
  idsOf,
  markPosition,
  newEvent,
  readAllOf,
  sleep,
  streamName,
  waitFor,
  type ContractContext,
} from './contract-helpers';

const LIVE_TIMEOUT_MS = 20_000;
/** Longer than any adapter's poll interval: an event that has not arrived by then never will. */
const QUIET_MS = 750;

export function describeLiveContract(context: ContractContext): void {
  describe('subscribeToAll', () => {
    it(
      'delivers history, then live events, in order, once each, one at a time; stop() halts it',
      async () => {
        const { store } = context.get();
        const [a, b] = [streamName('sub-a'), streamName('sub-b')];
        const start = await markPosition(store);
        const history = [newEvent(), newEvent()] as const;
        await store.append(a, [history[0]], 'no_stream');
        await store.append(b, [history[1]], 'no_stream');

        const seen: StoredEvent[] = [];
        let inFlight = 0;
        let maxInFlight = 0;
        const subscription = store.subscribeToAll(start, async (event) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(5);
          if ([a, b].includes(event.stream)) seen.push(event);
          inFlight -= 1;
        });
        await waitFor(() => seen.length >= 2, { timeoutMs: 10_000, what: 'history' });

        const live = [newEvent(), newEvent(), newEvent()] as const;
        await store.append(a, [live[0]], 0);
        await store.append(b, [live[1], live[2]], 0);
        await waitFor(() => seen.length >= 5, { timeoutMs: 10_000, what: 'live events' });
        await subscription.stop();

        await store.append(a, [newEvent()], 1);
        await sleep(QUIET_MS);
        expect(ids(seen)).toEqual([...history, ...live].map((event) => event.id));
        seen.slice(1).forEach((event, index) => expect(event.position).toBeGreaterThan(seen[index]?.position ?? Infinity));
        expect(maxInFlight).toBe(1);
        expect(ids(await readAllOf(store, start, [a, b]))).toHaveLength(6);
      },
      LIVE_TIMEOUT_MS,
    );

    it(
      'starts after the given position',
      async () => {
        const { store } = context.get();
        const stream = streamName('sub-from');
        await store.append(stream, [newEvent(), newEvent(), newEvent()], 'no_stream');
        const [, second, third] = await store.readStream(stream);

        const seen: StoredEvent[] = [];
        const subscription = store.subscribeToAll(
          second?.position ?? NaN,
          collectInto(seen, (event) => event.stream === stream),
        );
        await waitFor(() => seen.length >= 1, { timeoutMs: 10_000, what: 'third event' });
        await sleep(QUIET_MS);
        await subscription.stop();
        expect(ids(seen)).toEqual([third?.id]);
      },
      LIVE_TIMEOUT_MS,
    );

    it(
      'stops after a handler throws and passes the error to onError',
      async () => {
        const { store } = context.get();
        const stream = streamName('sub-error');
        const start = await markPosition(store);
        await store.append(stream, [newEvent(), newEvent()], 'no_stream');

        const failure = new Error('handler failed');
        const errors: unknown[] = [];
        let calls = 0;
        const subscription = store.subscribeToAll(
          start,
          (event) => {
            if (event.stream !== stream) return Promise.resolve();
            calls += 1;
            return Promise.reject(failure);
          },
          (error) => errors.push(error),
        );
        await waitFor(() => errors.length > 0, { timeoutMs: 10_000, what: 'onError' });
        await store.append(stream, [newEvent()], 1);
        await sleep(QUIET_MS);
        await subscription.stop();
        expect(errors).toEqual([failure]);
        expect(calls).toBe(1);
      },
      LIVE_TIMEOUT_MS,
    );

    it(
      'lets a handler stop its own subscription without waiting for itself',
      async () => {
        const { store } = context.get();
        const stream = streamName('sub-self-stop');
        const start = await markPosition(store);
        await store.append(stream, [newEvent(), newEvent()], 'no_stream');

        const seen: string[] = [];
        let stopped = false;
        const subscription: Subscription = store.subscribeToAll(start, async (event) => {
          if (event.stream !== stream) return;
          seen.push(event.id);
          await subscription.stop();
          stopped = true;
        });
        await waitFor(() => stopped, { timeoutMs: 10_000, what: 'stop() inside the handler to resolve' });
        await subscription.stop();
        await sleep(QUIET_MS);
        expect(seen).toHaveLength(1);
      },
      LIVE_TIMEOUT_MS,
    );
  });

  describe('concurrency', () => {
    it('lets exactly one of two appends with the same expected revision win', async () => {
      const { store } = context.get();
      const stream = streamName('race');
      await store.append(stream, [newEvent()], 'no_stream');

      const outcomes = await Promise.allSettled([store.append(stream, [newEvent()], 0), store.append(stream, [newEvent()], 0)]);
      expectOneWinner(outcomes);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('lets exactly one of two no_stream claims win', async () => {
      const { store } = context.get();
      const stream = streamName('claim');
      const outcomes = await Promise.allSettled([
        store.append(stream, [newEvent({ claimant: 1 })], 'no_stream'),
        store.append(stream, [newEvent({ claimant: 2 })], 'no_stream'),
      ]);
      expectOneWinner(outcomes);
      expect(await store.readStream(stream)).toHaveLength(1);
    });
  });

  describe('checkpoints', () => {
    it('loads nothing for an unknown name, then the last saved position', async () => {
      const { checkpoints } = context.get();
      const name = streamName('checkpoint');
      const other = streamName('checkpoint-other');
      expect(await checkpoints.load(name)).toBeUndefined();

      await checkpoints.save(name, 5);
      expect(await checkpoints.load(name)).toBe(5);
      await checkpoints.save(name, 9);
      await checkpoints.save(name, 3);
      expect(await checkpoints.load(name)).toBe(3);
      expect(await checkpoints.load(other)).toBeUndefined();
    });

    it(
      'keeps checkpoints out of readAll and subscriptions',
      async () => {
        const { store, checkpoints } = context.get();
        const start = await markPosition(store);
        await checkpoints.save(streamName('hidden'), 1);
        const after = await markPosition(store);
        const read = await store.readAll(start, 10_000);
        expect(read.filter((event) => event.position < after)).toEqual([]);

        const delivered: StoredEvent[] = [];
        const subscription = store.subscribeToAll(start, collectInto(delivered));
        await waitFor(() => delivered.some((event) => event.position >= after), { timeoutMs: 10_000, what: 'the marker' });
        await subscription.stop();
        expect(delivered.filter((event) => event.position < after)).toEqual([]);
      },
      LIVE_TIMEOUT_MS,
    );
  });

  describe('narrowed to some event types', () => {
    const typed = (type: string): NewEvent => ({ ...newEvent(), type });
    const [WANTED, OTHER] = ['contract.wanted.v1', 'contract.other.v1'];

    it(
      'subscribeToAll with a filter delivers only those types, history then live, in order',
      async () => {
        const { store } = context.get();
        const stream = streamName('typed-sub');
        const start = await markPosition(store);
        const history = [typed(WANTED), typed(OTHER), typed(OTHER), typed(WANTED)];
        await store.append(stream, history, 'no_stream');
        const seen: StoredEvent[] = [];
        const subscription = store.subscribeToAll(start, collectInto(seen), undefined, { types: [WANTED] });
        await waitFor(() => seen.length >= 2, { timeoutMs: 10_000, what: 'history' });
        const live = [typed(OTHER), typed(WANTED)];
        await store.append(stream, live, 3);
        await waitFor(() => seen.length >= 3, { timeoutMs: 10_000, what: 'the live event' });
        await store.append(stream, [typed(OTHER)], 5);
        await sleep(QUIET_MS);
        await subscription.stop();
        expect(ids(seen)).toEqual([history[0], history[3], live[1]].map((event) => event?.id));
      },
      LIVE_TIMEOUT_MS,
    );

    it('readAllOfTypes pages through the store and finds exactly what readAll filtered would', async () => {
      const { store } = context.get();
      const stream = streamName('typed-read');
      const start = await markPosition(store);
      const written = Array.from({ length: 23 }, (_, index) => typed(index % 4 === 0 ? WANTED : OTHER));
      await store.append(stream, written, 'no_stream');
      const found: StoredEvent[] = [];
      for (let from = start, end = false; !end;) {
        const page = await readAllOfTypes(store, from, 5, { types: [WANTED] });
        found.push(...page.events);
        expect(page.until).toBeGreaterThanOrEqual(from);
        [from, end] = [page.until, page.end];
      }
      expect(ids(found)).toEqual(idsOf(written.filter((event) => event.type === WANTED)));
    });
  });
}

function expectOneWinner(outcomes: PromiseSettledResult<unknown>[]): void {
  const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
  expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
  expect(failures).toHaveLength(1);
  expect((failures[0] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
}
