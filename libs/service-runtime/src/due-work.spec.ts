import type { EventStore, StoredEvent } from '@countersign/event-store';
import { DueWork } from './due-work';
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
    subscribeToAll(from: number, handler: (event: StoredEvent) => Promise<void>, onError?: (error: unknown) => void) {
      starts.push(from);
      const pending = events.filter((event) => event.position > from);
      const first = starts.length === 1;
      void (async () => {
        for (const event of first ? pending.slice(0, 1) : pending) await handler(event);
        if (first) onError?.(new Error('database is locked'));
      })();
      return { stop: () => Promise.resolve() };
    },
  } as unknown as EventStore;
  return { store, starts };
}

describe('DueWork', () => {
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
    const work = new DueWork(
      runtime,
      (event) => event.data as { key: string; dueAt: string },
      (key) => Promise.resolve(void fired.push(key)),
    );
    work.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await work.stop();

    expect(starts).toEqual([-1, 3]);
    expect(errors[0]).toMatch(/schedule index stopped at 3, resuming: .*database is locked/);
    expect(fired.slice(0, 2).sort()).toEqual(['a', 'b']);
  });
});
