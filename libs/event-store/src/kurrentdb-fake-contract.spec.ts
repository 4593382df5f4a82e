import { randomUUID } from 'node:crypto';
import { describeEventStoreContract } from './testing/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { FakeKurrentDb } from './testing/kurrentdb-fake-client';
import type { UnreadableEvent } from './port';

/*
 * The shared contract against the KurrentDB adapter over the fake client (kurrentdb-fake-client.ts),
 * which answers as @kurrent/kurrentdb-client 1.3.1 does: bridge batches and bridge error shapes,
 * lower-cased ids, server-side deduplication without a position, `$` streams and binary events in
 * $all, subscriptions that fail. Not a substitute for the real-server run (KURRENTDB_URL), which
 * runs the same suite in kurrentdb-event-store.int.spec.ts.
 */
describeEventStoreContract(
  'KurrentDB adapter over the fake client',
  () => {
    const db = new FakeKurrentDb();
    const unreadable: UnreadableEvent[] = [];
    const store = new KurrentDbEventStore(db.client(), {
      checkpointStreamPrefix: `countersign-checkpoint-test-${randomUUID().replace(/-/g, '')}-`,
      onUnreadable: (event) => unreadable.push(event),
    });
    return Promise.resolve({
      store,
      checkpoints: store.checkpoints(),
      unreadable,
      foreign: {
        // What provisioning itself writes: a `$settings` update, whose type does not start with `$`.
        systemStreamEvent: () =>
          Promise.resolve(void db.server.appendRaw('$settings', { type: 'update-default-acl', data: { $userStreamAcl: {} } })),
        nonJsonEvent: (stream: string) =>
          Promise.resolve(void db.server.appendRaw(stream, { type: 'foreign.binary.v1', data: Buffer.from([0, 1, 0xff]) })),
      },
      breakReads: () => db.failReads(),
      cleanup: () => store.close(),
    });
  },
  { foreign: true, faults: true },
);
