import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventTypes } from '@countersign/contracts';
import { SqliteEventStore } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { executionStream } from '@countersign/executor-domain';
import { IN_DOUBT_SCAN_CHECKPOINT, reconcileUnfinishedClaims } from './in-doubt-scan';

describe("the executor's in-doubt scan on a real SQLite store", () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-in-doubt-'));
    store = SqliteEventStore.open(join(dir, 'executor.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const event = (type: string) => ({ id: randomUUID(), type, data: {} });
  const claim = (requestId: string) => store.append(executionStream(requestId), [event(EventTypes.ExecutionStarted)], 'no_stream');
  const settle = (requestId: string, type: string = EventTypes.ExecutionInDoubt) =>
    store.append(executionStream(requestId), [event(type)], 0);
  /** What a start reconciles, settling each claim as the executor's ReconcileInDoubt does; and where its reads began. */
  async function start(reconcile: (requestId: string) => Promise<unknown> = (requestId) => settle(requestId)) {
    const { store: watched, headersFrom } = recordingReads(store);
    const reconciled = await reconcileUnfinishedClaims(watched, store.checkpoints(), reconcile);
    return { reconciled, readsFrom: headersFrom() };
  }

  it('reconciles the open claims of the whole store the first time, then only those after the last scan', async () => {
    await claim('done');
    await settle('done', EventTypes.ExecutionSucceeded);
    await claim('crashed');
    await store.append('evidence-crashed', [event('local.evidence')], 'no_stream');
    const first = await start();
    expect(first).toEqual({ reconciled: ['crashed'], readsFrom: [-1, 4] });
    // The mark is the last position read, before the reconciliation's own event.
    expect(await store.checkpoints().load(IN_DOUBT_SCAN_CHECKPOINT)).toBe(4);

    await claim('crashed-again');
    await claim('failed');
    await settle('failed', EventTypes.ExecutionFailed);
    const second = await start();
    expect(second.reconciled).toEqual(['crashed-again']);
    expect(second.readsFrom[0]).toBe(4);
    expect(await start()).toMatchObject({ reconciled: [] });
  });

  it('leaves the mark where it was when a reconciliation fails, so the next start finds its claims again', async () => {
    await claim('first');
    await start();
    const mark = await store.checkpoints().load(IN_DOUBT_SCAN_CHECKPOINT);
    await claim('settled-then');
    await claim('stuck');
    // The first claim is settled, the second refused: the start fails, and the mark stays.
    const failing = async (requestId: string) => {
      if (requestId === 'stuck') throw new Error('store refused');
      await settle(requestId);
    };
    await expect(start(failing)).rejects.toThrow('store refused');
    expect(await store.checkpoints().load(IN_DOUBT_SCAN_CHECKPOINT)).toBe(mark);
    expect((await start()).reconciled).toEqual(['stuck']);
  });

  it('saves no mark for an empty store', async () => {
    expect(await start()).toEqual({ reconciled: [], readsFrom: [-1] });
    expect(await store.checkpoints().load(IN_DOUBT_SCAN_CHECKPOINT)).toBeUndefined();
  });
});
