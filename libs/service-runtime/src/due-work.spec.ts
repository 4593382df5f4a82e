import type { EventStore, StoredEvent, SubscriptionOptions } from '@countersign/event-store';
import { DueWork, MAX_SLEEP_MS } from './due-work';
import type { ServiceRuntime } from './runtime';

const stored = (position: number, key: string, dueAt: string): StoredEvent => ({
  id: `e${position}`,
  stream: `request-${key}`,
  revision: 0,
  position,
  type: 'local.due',
  data: { key, dueAt },
  metadata: { time: dueAt },
  recordedAt: dueAt,
});

/** A store whose first subscription fails after one event, as a store hiccup would end it. */
function hiccupStore(events: StoredEvent[]) {
  const starts: number[] = [];
  const store = {
    subscribeToAll(
      from: number,
      handler: (event: StoredEvent) => Promise<void>,
      onError?: (error: unknown) => void,
      options?: SubscriptionOptions,
    ) {
      starts.push(from);
      const pending = events.filter((event) => event.position > from);
      const first = starts.length === 1;
      void (async () => {
        for (const event of first ? pending.slice(0, 1) : pending) await handler(event);
        if (first) onError?.(new Error('database is locked'));
        else options?.onCaughtUp?.();
      })();
      return { stop: () => Promise.resolve() };
    },
  } as unknown as EventStore;
  return { store, starts };
}

/** A store whose first subscription catches up, then fails a few ms later; the second delivers `later` and catches up. */
function failsAfterCatchingUp(first: StoredEvent[], later: StoredEvent[]) {
  let subscriptions = 0;
  return {
    subscribeToAll(
      _from: number,
      handler: (event: StoredEvent) => Promise<void>,
      onError?: (error: unknown) => void,
      options?: SubscriptionOptions,
    ) {
      const isFirst = subscriptions === 0;
      subscriptions += 1;
      void (async () => {
        for (const event of isFirst ? first : later) await handler(event);
        options?.onCaughtUp?.();
        if (isFirst) setTimeout(() => onError?.(new Error('database is locked')), 5);
      })();
      return { stop: () => Promise.resolve() };
    },
  } as unknown as EventStore;
}

describe('DueWork', () => {
  it('fires nothing for a schedule that waits for catch-up while its failed index resubscribes', async () => {
    const soon = new Date(Date.now() + 40).toISOString();
    const store = failsAfterCatchingUp([stored(3, 'k', soon)], [{ ...stored(4, 'k', soon), data: { key: 'k', dueAt: null } }]);
    const runtime = {
      store,
      clock: () => new Date(),
      logger: { log: () => undefined, error: () => undefined, warn: () => undefined },
      config: { timerMs: 150 },
    } as unknown as ServiceRuntime;
    const fired: string[] = [];
    const schedule = { types: ['local.due'], change: (event: { data: unknown }) => event.data as { key: string; dueAt: string | null } };
    const work = new DueWork(runtime, { ...schedule, waitsForCatchUp: true }, (key) => Promise.resolve(void fired.push(key)));
    await work.start();
    // 'k' falls due at 40 ms, after the index failed (5 ms) and before it resubscribes (150 ms) and reads it cleared.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await work.stop();
    expect(fired).toEqual([]);
  });

  it('resumes a failed schedule index from the last event indexed, so later deadlines still fire', async () => {
    const now = new Date('2026-11-21T10:00:00.000Z');
    const { store, starts } = hiccupStore([stored(3, 'a', '2026-11-21T09:00:00.000Z'), stored(7, 'b', '2026-11-21T09:30:00.000Z')]);
    const errors: string[] = [];
    const runtime = {
      store,
      clock: () => now,
      logger: { error: (line: string) => void errors.push(line), warn: () => undefined },
      config: { timerMs: 50 },
    } as unknown as ServiceRuntime;
    const fired: string[] = [];
    const work = new DueWork(runtime, { types: ['local.due'], change: (event) => event.data as { key: string; dueAt: string } }, (key) =>
      Promise.resolve(void fired.push(key)),
    );
    await work.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await work.stop();

    expect(starts).toEqual([-1, 3]);
    expect(errors[0]).toMatch(/schedule index stopped at 3, resuming: .*database is locked/);
    expect(fired.slice(0, 2).sort()).toEqual(['a', 'b']);
  });

  describe('its timer, set for the earliest due key', () => {
    const T0 = Date.parse('2026-11-21T10:00:00.000Z');
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    let wall = T0;
    let work: DueWork | undefined;

    beforeEach(() => {
      jest.useFakeTimers({ now: T0 });
      wall = T0;
    });
    afterEach(async () => {
      await work?.stop();
      jest.useRealTimers();
    });

    /** A store whose live subscription hands over each event given to `push`. */
    async function start(fire: (key: string) => Promise<void | 'done'>, timerMs = 1_000) {
      let deliver: (event: StoredEvent) => Promise<void> = () => Promise.resolve();
      let position = 0;
      const store = {
        subscribeToAll(_from: number, handler: (event: StoredEvent) => Promise<void>, _onError: unknown, options?: SubscriptionOptions) {
          deliver = handler;
          options?.onCaughtUp?.();
          return { stop: () => Promise.resolve() };
        },
      } as unknown as EventStore;
      const runtime = {
        store,
        clock: () => new Date(wall + (Date.now() - T0)),
        logger: { error: () => undefined, warn: () => undefined },
        config: { timerMs },
      } as unknown as ServiceRuntime;
      work = new DueWork(runtime, { types: ['local.due'], change: (event) => event.data as { key: string; dueAt: string | null } }, fire);
      await work.start();
      return (key: string, dueAt: string | null) => deliver({ ...stored((position += 1), key, dueAt ?? at(0)), data: { key, dueAt } });
    }

    it('sleeps while nothing is due: no timer at all with an empty schedule', async () => {
      const fired: string[] = [];
      await start((key) => Promise.resolve(void fired.push(key)));
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(3_600_000);
      expect(fired).toEqual([]);
    });

    it('fires a key when it falls due, not a timer period later, and no sooner', async () => {
      const fired: Array<[string, number]> = [];
      const push = await start((key) => Promise.resolve(void fired.push([key, Date.now() - T0])), 60_000);
      await push('later', at(5_000));
      await push('sooner', at(1_250));
      await jest.advanceTimersByTimeAsync(1_249);
      expect(fired).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(fired).toEqual([['sooner', 1_250]]);
      await jest.advanceTimersByTimeAsync(3_750);
      expect(fired).toEqual([
        ['sooner', 1_250],
        ['later', 5_000],
      ]);
    });

    it('tries a key that no event cleared again every timerMs, and stops once it is cleared', async () => {
      const fired: number[] = [];
      const push = await start(() => Promise.resolve(void fired.push(Date.now() - T0)), 500);
      await push('pending', at(100));
      await jest.advanceTimersByTimeAsync(1_200);
      expect(fired).toEqual([100, 600, 1_100]);
      await push('pending', null);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(fired).toEqual([100, 600, 1_100]);
    });

    it('forgets a key whose work says done', async () => {
      const fired: string[] = [];
      const push = await start((key) => Promise.resolve(fired.push(key) > 0 ? ('done' as const) : undefined), 100);
      await push('once', at(10));
      await jest.advanceTimersByTimeAsync(10_000);
      expect(fired).toEqual(['once']);
    });

    it('fires a key scheduled while a tick is running, when it falls due', async () => {
      const fired: Array<[string, number]> = [];
      let push: Awaited<ReturnType<typeof start>> = () => Promise.resolve();
      push = await start(async (key) => {
        fired.push([key, Date.now() - T0]);
        if (key === 'first') await push('second', at(300));
        return 'done';
      });
      await push('first', at(200));
      await jest.advanceTimersByTimeAsync(1_000);
      expect(fired).toEqual([
        ['first', 200],
        ['second', 300],
      ]);
    });

    it('meets a far deadline at most MAX_SLEEP_MS late when the wall clock jumps ahead of the timers', async () => {
      const fired: number[] = [];
      const push = await start(() => Promise.resolve(void fired.push(Date.now() - T0)));
      await push('tomorrow', at(86_400_000));
      wall += 86_400_000; // the VM slept a day: the deadline passed while no timer ran
      await jest.advanceTimersByTimeAsync(MAX_SLEEP_MS - 1);
      expect(fired).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(fired).toEqual([MAX_SLEEP_MS]);
    });
  });
});
