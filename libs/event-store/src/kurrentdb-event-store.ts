import { BACKWARDS, END, FORWARDS, KurrentDBClient, START, type ReadStreamOptions } from '@kurrent/kurrentdb-client';
import { assertMaxCount, assertReadOptions, assertValidAppend, type CurrentRevision } from './append-rules';
import { CHECKPOINT_STREAM_PREFIX } from './kurrentdb-acl';
import { toAllPosition, toEventData, toPortError, toSafeNumber, toStoredEvent, toStreamState } from './kurrentdb-mapping';
import { StreamNamespace } from './kurrentdb-namespace';
import { KurrentDbCheckpointStore, KurrentSubscription, readStreamOrEmpty, type KurrentClient } from './kurrentdb-reads';
import {
  StoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadOptions,
  type StoredEvent,
  type Subscription,
} from './port';

export { KurrentDbCheckpointStore, type KurrentClient } from './kurrentdb-reads';

export interface KurrentDbEventStoreOptions {
  /**
   * `<service>-`: every stream this store touches is namespaced with it on the server (and the
   * prefix stripped on the way back), and $all reads see only those streams. Required when
   * services share a cluster; the stream ACLs in kurrentdb-acl.ts are written per prefix.
   */
  streamPrefix?: string;
  /** Checkpoint stream name prefix, inside the namespace. */
  checkpointStreamPrefix?: string;
  /** Let the first checkpoint save set maxCount 1 on its stream (needs $mw; off when provisioning does it). */
  limitCheckpointStreams?: boolean;
}

/** How far back an 'any' / 'stream_exists' append looks for an earlier copy of itself. */
const RETRY_SCAN = 64;

/**
 * KurrentDB / EventStoreDB adapter. Credentials come from the connection string (each service
 * its own user); nothing here needs, or asks for, admin rights. Positions are commit positions.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private readonly namespace: StreamNamespace;
  private readonly limitCheckpointStreams: boolean;

  static fromConnectionString(connectionString: string, options?: KurrentDbEventStoreOptions): KurrentDbEventStore {
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  constructor(
    private readonly client: KurrentClient,
    options: KurrentDbEventStoreOptions = {},
  ) {
    this.namespace = new StreamNamespace(options.streamPrefix ?? '', options.checkpointStreamPrefix ?? CHECKPOINT_STREAM_PREFIX);
    this.limitCheckpointStreams = options.limitCheckpointStreams ?? true;
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertValidAppend(stream, events, expected);
    try {
      const retry = await this.findEarlierCopy(stream, events, expected);
      if (retry) return retry;
      const result = await this.client.appendToStream(this.namespace.toServer(stream), events.map(toEventData), {
        streamState: toStreamState(expected),
      });
      const nextExpectedRevision = toSafeNumber(result.nextExpectedRevision, 'revision');
      // For several events the server reports the write's position, not necessarily the last event's.
      const reported = events.length === 1 ? result.position?.commit : undefined;
      const position = reported === undefined ? await this.positionOf(stream, nextExpectedRevision) : toSafeNumber(reported, 'position');
      return { nextExpectedRevision, position, idempotent: false };
    } catch (error) {
      throw toPortError(error, { stream, expected });
    }
  }

  async readStream(stream: string, options: ReadOptions = {}): Promise<StoredEvent[]> {
    const { fromRevision = 0, maxCount = Infinity } = options;
    assertReadOptions(fromRevision, maxCount);
    if (maxCount === 0) return [];
    return this.read(stream, {
      direction: FORWARDS,
      fromRevision: BigInt(fromRevision),
      ...(maxCount === Infinity ? {} : { maxCount }),
    });
  }

  async readAll(fromPosition: number, maxCount: number): Promise<StoredEvent[]> {
    assertMaxCount(maxCount);
    if (maxCount === 0) return [];
    // The server reads $all from a position inclusively; the port is exclusive, so read one more.
    const from = fromPosition < 0 ? START : toAllPosition(fromPosition);
    const extra = fromPosition < 0 ? 0 : 1;
    const events: StoredEvent[] = [];
    try {
      const reading = this.client.readAll({
        direction: FORWARDS,
        fromPosition: from,
        filter: this.namespace.allFilter(),
        ...(maxCount === Infinity ? {} : { maxCount: maxCount + extra }),
      });
      for await (const resolved of reading) {
        const stored = toStoredEvent(resolved);
        const event = stored && this.namespace.ownEvent(stored);
        if (event && event.position > fromPosition && events.length < maxCount) events.push(event);
      }
    } catch (error) {
      throw toPortError(error);
    }
    return events;
  }

  subscribeToAll(fromPosition: number, handler: (event: StoredEvent) => Promise<void>, onError?: (error: unknown) => void): Subscription {
    const source = this.client.subscribeToAll({
      fromPosition: fromPosition < 0 ? START : toAllPosition(fromPosition),
      filter: this.namespace.allFilter(),
    });
    const own = (event: StoredEvent) => this.namespace.ownEvent(event);
    const subscription: Subscription = new KurrentSubscription(source, fromPosition, own, handler, onError, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Checkpoints as streams `<streamPrefix><checkpointStreamPrefix><name>` in the same database. */
  checkpoints(): CheckpointStore {
    return new KurrentDbCheckpointStore(this.client, (name) => this.namespace.checkpointStream(name), this.limitCheckpointStreams);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /**
   * The server is idempotent but does not say when it was (a retry and a first write answer the
   * same), so we look where an earlier copy would be: right after the expected revision, or near
   * the end of the stream for 'any' / 'stream_exists'. A partial copy is a conflict, as on SQLite.
   */
  private async findEarlierCopy(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult | undefined> {
    const window = await this.read(stream, retryWindow(expected, events.length));
    if (expected === 'any' || expected === 'stream_exists') window.reverse();
    const ids = new Set(events.map((event) => event.id));
    if (!window.some((stored) => ids.has(stored.id))) return undefined;
    const start = window.findIndex((stored) => stored.id === events[0]?.id);
    const copy = start < 0 ? [] : window.slice(start, start + events.length);
    const isCopy = copy.length === events.length && copy.every((stored, index) => stored.id === events[index]?.id);
    const last = copy[copy.length - 1];
    if (!isCopy || !last) throw new WrongExpectedRevisionError(stream, expected, await this.currentRevision(stream));
    return { nextExpectedRevision: last.revision, position: last.position, idempotent: true };
  }

  private async positionOf(stream: string, revision: number): Promise<number> {
    const [event] = await this.read(stream, { direction: FORWARDS, fromRevision: BigInt(revision), maxCount: 1 });
    if (!event) throw new StoreUnavailableError(`KurrentDB: ${stream}@${revision} missing right after it was written`);
    return event.position;
  }

  private async currentRevision(stream: string): Promise<CurrentRevision> {
    const [last] = await this.read(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    return last ? last.revision : 'no_stream';
  }

  /** Reads one of our streams by its port name. */
  private async read(stream: string, options: ReadStreamOptions): Promise<StoredEvent[]> {
    const events = await readStreamOrEmpty(this.client, this.namespace.toServer(stream), options);
    return events.map((event) => this.namespace.strip(event));
  }
}

function retryWindow(expected: ExpectedRevision, count: number): ReadStreamOptions {
  if (expected === 'any' || expected === 'stream_exists') {
    return { direction: BACKWARDS, fromRevision: END, maxCount: Math.max(count, RETRY_SCAN) };
  }
  const fromRevision = expected === 'no_stream' ? 0n : BigInt(expected + 1);
  return { direction: FORWARDS, fromRevision, maxCount: count };
}
