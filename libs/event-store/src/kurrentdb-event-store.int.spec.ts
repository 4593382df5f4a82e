import { KurrentDBClient, binaryEvent, jsonEvent } from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { describeEventStoreContract, type EventStoreUnderTest } from './testing/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { StoreUnavailableError, type UnreadableEvent } from './port';

const KURRENTDB_URL = process.env['KURRENTDB_URL'];
const SKIP_REASON = 'KURRENTDB_URL not set (no KurrentDB server can be installed on this machine)';
/** The foreign-event case writes a `$` stream, which only an `$admins` user may. */
const CAPABILITIES = {
  foreign: true as const,
  faults: 'a real server cannot be made to fail part-way from inside a test (the unreachable-server cases below run instead)',
};

function kurrentStore(url: string): Promise<EventStoreUnderTest> {
  const unreadable: UnreadableEvent[] = [];
  // A checkpoint prefix per test keeps runs against a shared server from reading each other's.
  const store = KurrentDbEventStore.fromConnectionString(url, {
    checkpointStreamPrefix: `countersign-checkpoint-test-${randomUUID().replace(/-/g, '')}-`,
    onUnreadable: (event) => unreadable.push(event),
  });
  const raw = KurrentDBClient.connectionString(url);
  const foreign = {
    systemStreamEvent: async () => {
      await raw.appendToStream(`$countersign-contract-${randomUUID()}`, jsonEvent({ type: 'contract.foreign.v1', data: { n: 1 } }));
    },
    nonJsonEvent: async (stream: string) => {
      await raw.appendToStream(stream, binaryEvent({ type: 'contract.binary.v1', data: Buffer.from([0, 1, 2, 0xff]) }));
    },
  };
  const cleanup = async () => {
    await store.close();
    await raw.dispose();
  };
  return Promise.resolve({ store, checkpoints: store.checkpoints(), unreadable, foreign, cleanup });
}

/**
 * A loopback port that was free a moment ago and has nobody listening. (`freePort` from
 * @countersign/testing does the same, but importing it would make event-store depend on testing,
 * which depends on messaging, which depends on event-store: a cycle the module rules refuse.)
 */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

if (KURRENTDB_URL) {
  describeEventStoreContract('KurrentDB adapter', () => kurrentStore(KURRENTDB_URL), CAPABILITIES);
} else {
  // Reported by Jest as skipped, with the reason in the name: never as passed.
  console.warn(`KurrentDB adapter contract skipped: ${SKIP_REASON}. Set KURRENTDB_URL to run it.`);
  describe.skip(`KurrentDB adapter contract — skipped: ${SKIP_REASON}`, () => {
    describeEventStoreContract('KurrentDB adapter', () => Promise.reject(new Error(SKIP_REASON)), CAPABILITIES);
  });
}

describe('KurrentDB adapter — unreachable server (always runs)', () => {
  let store: KurrentDbEventStore;

  beforeEach(async () => {
    const port = await closedPort();
    store = KurrentDbEventStore.fromConnectionString(`kurrentdb://127.0.0.1:${port}?tls=false&defaultDeadline=2000`);
  });

  afterEach(async () => {
    await store.close();
  });

  const event = () => ({ id: randomUUID(), type: 'unreachable.tested.v1', data: { n: 1 } });

  it('rejects an append with StoreUnavailableError within a few seconds', async () => {
    const started = Date.now();
    await expect(store.append('unreachable', [event()], 'no_stream')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 15_000);

  it('rejects reads with StoreUnavailableError', async () => {
    await expect(store.readStream('unreachable')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.readAll(-1, 10)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.checkpoints().load('relay')).rejects.toBeInstanceOf(StoreUnavailableError);
  }, 15_000);

  it('reports a failed subscription to onError as StoreUnavailableError', async () => {
    const errors: unknown[] = [];
    const subscription = store.subscribeToAll(
      -1,
      () => Promise.resolve(),
      (error) => errors.push(error),
    );
    const deadline = Date.now() + 5_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await subscription.stop();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreUnavailableError);
  }, 15_000);
});
