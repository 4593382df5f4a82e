import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore, type NewEvent } from '@countersign/event-store';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { waitFor } from '@countersign/testing';
import { DueWork } from './due-work';
import { dueKeysOnly } from './index-snapshots';
import type { ServiceRuntime } from './runtime';

/**
 * Due work that waits for catch-up (Schedule.waitsForCatchUp) fires nothing on a real SQLite store
 * until its index has caught up: a key that looks due half-way through the history may be cleared
 * further on. (Audit's custody check is the case: fired early, it finds evidence missing that the
 * log holds, and records a violation.)
 */

const DUE = 'test.due';
/** More than the store's catch-up pages (256), so the history is read over several turns of the event loop. */
const FILLER = 600;
const FAR = '2099-01-01T00:00:00.000Z';
const PAST = () => new Date(Date.now() - 600_000).toISOString();

const change = (key: string, dueAt: string | null): NewEvent => ({ id: randomUUID(), type: DUE, data: { key, dueAt }, metadata: {} });
/** Many keys far in the future: history to read, nothing to fire. */
const filler = () => Array.from({ length: FILLER }, (_, n) => change(`far-${n}`, FAR));

const signer = new EnvelopeSigner('service:broker', generateKeyPair('ed25519', 'service:broker'));
const works: DueWork[] = [];

/** A DueWork over `store` whose clock runs `clockOffsetMs` off, with the keys it fired. */
function dueWork(store: SqliteEventStore, clockOffsetMs = 0) {
  const fired: string[] = [];
  const runtime = {
    store,
    signer,
    clock: () => new Date(Date.now() + clockOffsetMs),
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    config: { timerMs: 60_000 },
  } as unknown as ServiceRuntime;
  const schedule = {
    types: [DUE],
    change: (event: { data: unknown }) => event.data as { key: string; dueAt: string | null },
    snapshots: dueKeysOnly('$schedule-test'),
    waitsForCatchUp: true,
  };
  const work = new DueWork(runtime, schedule, (key) => Promise.resolve(fired.push(key) > 0 ? ('done' as const) : undefined));
  works.push(work);
  return { work, fired };
}

describe('due work that waits for its index to catch up (real SQLite store)', () => {
  jest.setTimeout(20_000);
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-due-work-'));
    store = SqliteEventStore.open(join(dir, 'events.db'));
  });
  afterEach(async () => {
    for (const work of works.splice(0)) await work.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaying from the start, does not fire a key that the history clears further on', async () => {
    await store.append('due-early', [change('early', PAST())], 'no_stream');
    await store.append('due-filler', filler(), 'no_stream');
    await store.append('due-early', [change('early', null)], 0);
    // Due, and never cleared: it fires once the index has caught up, which ends the wait below.
    await store.append('due-last', [change('last', PAST())], 'no_stream');

    const { work, fired } = dueWork(store);
    await work.start();
    await waitFor(() => fired.length > 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fired).toEqual(['last']);
  });

  it('restored from a snapshot, does not fire a key that events after the snapshot clear', async () => {
    await store.append('due-early', [change('early', PAST())], 'no_stream');
    // An hour behind, the first index does not find 'early' due; it writes it down at its stop.
    const first = dueWork(store, -3_600_000);
    await first.work.start();
    await first.work.stop();
    expect(await store.snapshots().load('$schedule-test')).toBeDefined();
    await store.append('due-filler', filler(), 'no_stream');
    await store.append('due-early', [change('early', null)], 0);
    await store.append('due-last', [change('last', PAST())], 'no_stream');

    const second = dueWork(store);
    await second.work.start();
    await waitFor(() => second.fired.length > 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(first.fired).toEqual([]);
    expect(second.fired).toEqual(['last']);
  });
});
