import type { NewEvent, StoredEvent, SubscriptionOptions } from '../../port';
import { events, markPosition, newEvent, sleep, streamName, waitFor, type ContractContext } from './contract-helpers';

const TIMEOUT_MS = 20_000;
/** More than one page of the SQLite adapter's catch-up reads (256), so the signal has pages to wait for. */
const HISTORY = 300;
const [WANTED, OTHER] = ['contract.wanted.v1', 'contract.other.v1'];
const typed = (type: string): NewEvent => ({ ...newEvent(), type });

/**
 * Subscribes from `start` with a handler that ends a turn after it is called (so a signal sent
 * before it returned would find it unfinished), and records how many of `stream`'s events had been
 * handled when the subscription said it caught up.
 */
function watchCatchUp(context: ContractContext, start: number, stream: string, options: SubscriptionOptions = {}) {
  const handled: StoredEvent[] = [];
  const caughtUpAfter: number[] = [];
  const subscription = context.get().store.subscribeToAll(
    start,
    async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (event.stream === stream) handled.push(event);
    },
    undefined,
    { ...options, onCaughtUp: () => caughtUpAfter.push(handled.length) },
  );
  return { handled, caughtUpAfter, subscription };
}

/** The store says once when a subscription has handed over the history and is live (SubscriptionOptions.onCaughtUp). */
export function describeCaughtUpContract(context: ContractContext): void {
  describe('subscribeToAll reports when it has caught up', () => {
    it(
      'once, after the handler has returned for every event stored before, and before a live one',
      async () => {
        const { store } = context.get();
        const stream = streamName('caught-up');
        const start = await markPosition(store);
        await store.append(stream, events(HISTORY), 'no_stream');

        const { handled, caughtUpAfter, subscription } = watchCatchUp(context, start, stream);
        await waitFor(() => caughtUpAfter.length > 0, { timeoutMs: 15_000, what: 'the caught-up signal' });
        expect(caughtUpAfter).toEqual([HISTORY]);

        await store.append(stream, [newEvent()], HISTORY - 1);
        await waitFor(() => handled.length > HISTORY, { timeoutMs: 10_000, what: 'the live event' });
        await sleep(100);
        await subscription.stop();
        expect(caughtUpAfter).toEqual([HISTORY]);
      },
      TIMEOUT_MS,
    );

    it(
      'narrowed to some types, also when the last events stored are of other types',
      async () => {
        const { store } = context.get();
        const stream = streamName('caught-up-typed');
        const start = await markPosition(store);
        const history = Array.from({ length: HISTORY }, (_, index) => typed(index % 3 === 0 ? WANTED : OTHER));
        await store.append(stream, [...history, typed(OTHER), typed(OTHER)], 'no_stream');

        const { caughtUpAfter, subscription } = watchCatchUp(context, start, stream, { types: [WANTED] });
        await waitFor(() => caughtUpAfter.length > 0, { timeoutMs: 15_000, what: 'the caught-up signal' });
        await subscription.stop();
        expect(caughtUpAfter).toEqual([HISTORY / 3]);
      },
      TIMEOUT_MS,
    );

    it(
      'at once from the end of the store',
      async () => {
        const stream = streamName('caught-up-empty');
        const start = await markPosition(context.get().store);
        const { caughtUpAfter, subscription } = watchCatchUp(context, start, stream);
        await waitFor(() => caughtUpAfter.length > 0, { timeoutMs: 10_000, what: 'the caught-up signal' });
        await subscription.stop();
        expect(caughtUpAfter).toEqual([0]);
      },
      TIMEOUT_MS,
    );
  });
}
