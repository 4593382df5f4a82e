import { BACKWARDS, END, FORWARDS, KurrentDBClient, START, type ReadStreamOptions } from '@kurrent/kurrentdb-client';
import {
  assertMaxCount,
  assertReadOptions,
  assertValidAppend,
  classifyEarlierCopy,
  withCanonicalIds,
  type CurrentRevision,
} from './append-rules';
import { CHECKPOINT_STREAM_PREFIX } from './kurrentdb-acl';
import { decodeResolved, toAllPosition, toEventData, toPortError, toSafeNumber, toStreamState } from './kurrentdb-mapping';
import { StreamNamespace } from './kurrentdb-namespace';
import { KurrentDbCheckpointStore, KurrentSubscription, placeholder, readStreamOrEmpty, type KurrentClient } from './kurrentdb-reads';
import {
  StoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type SubscriptionOptions,
  type ExpectedRevision,
  type NewEvent,
  type ReadOptions,
  type StoredEvent,
  type Subscription,
  type UnreadableEventReporter,
} from './port';
import { reportOnce } from './unreadable';

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
  /**
   * Let the first checkpoint save set maxCount 1 on its stream. Off by default: it needs $mw, which
   * a least-privilege service user lacks (provisioning sets the limit instead, kurrentdb-acl.ts).
   */
  limitCheckpointStreams?: boolean;
  /** Told about events a $all read skips because their data is not JSON (default: a warning). */
  onUnreadable?: UnreadableEventReporter;
}

/** Events per backwards page when looking for an earlier copy of an append. */
const RETRY_SCAN_PAGE = 256;

/**
 * KurrentDB / EventStoreDB adapter. Credentials come from the connection string (each service
 * its own user); nothing here needs, or asks for, admin rights. Positions are commit positions.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private readonly namespace: StreamNamespace;
  private readonly limitCheckpointStreams: boolean;
  private readonly onUnreadable: UnreadableEventReporter;

  static fromConnectionString(connectionString: string, options?: KurrentDbEventStoreOptions): KurrentDbEventStore {
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  constructor(
    private readonly client: KurrentClient,
    options: KurrentDbEventStoreOptions = {},
  ) {
    this.namespace = new StreamNamespace(options.streamPrefix ?? '', options.checkpointStreamPrefix ?? CHECKPOINT_STREAM_PREFIX);
    this.limitCheckpointStreams = options.limitCheckpointStreams ?? false;
    this.onUnreadable = reportOnce(options.onUnreadable);
  }

  async append(stream: string, given: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertValidAppend(stream, given, expected);
    const events = withCanonicalIds(given);
    try {
      const retry = await this.findEarlierCopy(stream, events, expected);
      if (retry) return retry;
      const result = await this.client.appendToStream(this.namespace.toServer(stream), events.map(toEventData), {
        streamState: toStreamState(expected),
      });
      // No position: the server found these ids right after the expected revision and wrote nothing
      // (dist/streams/appendToStream/append.js passes `position: undefined` through). It happens
      // when an identical append lands between our look and our write.
      if (result.position === undefined) {
        const copy = await this.findEarlierCopy(stream, events, expected);
        if (copy) return copy;
      }
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
        const decoded = decodeResolved(resolved);
        if (decoded && 'unreadable' in decoded) {
          if (this.namespace.ownEvent({ ...placeholder, stream: decoded.unreadable.stream })) this.onUnreadable(decoded.unreadable);
          continue;
        }
        const event = decoded && this.namespace.ownEvent(decoded);
        if (event && event.position > fromPosition && events.length < maxCount) events.push(event);
      }
    } catch (error) {
      throw toPortError(error);
    }
    return events;
  }

  subscribeToAll(
    fromPosition: number,
    handler: (event: StoredEvent) => Promise<void>,
    onError?: (error: unknown) => void,
    options: SubscriptionOptions = {},
  ): Subscription {
    const source = this.client.subscribeToAll({
      fromPosition: fromPosition < 0 ? START : toAllPosition(fromPosition),
      filter: this.namespace.allFilter(),
    });
    const own = (event: StoredEvent) => this.namespace.ownEvent(event);
    // The server filters by stream prefix (the namespace) or by type, not both: other types are
    // dropped here, after reading (an unreadable event is still reported, as without a filter).
    const types = options.types && new Set(options.types);
    const deliver = types ? (event: StoredEvent) => (types.has(event.type) ? handler(event) : Promise.resolve()) : handler;
    const finished = () => void this.subscriptions.delete(subscription);
    const subscription: Subscription = new KurrentSubscription(
      source,
      fromPosition,
      own,
      this.onUnreadable,
      deliver,
      onError,
      finished,
      options.onCaughtUp,
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
   * The port's idempotency (port.ts): these ids anywhere in the stream, consecutive and in order,
   * are a retry whatever the expected revision; some of them, a conflict. The server cannot say
   * (it only deduplicates right after an expected revision it is given, or within a recent-id
   * cache for `any`), so we read the stream backwards until the first id turns up or the stream
   * starts. That is one read per append on a short stream; a long one (audit-log) pays a scan.
   */
  private async findEarlierCopy(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult | undefined> {
    const ids = events.map((event) => event.id);
    const found = await this.scanFor(stream, new Set(ids), ids[0] ?? '');
    const earlier = classifyEarlierCopy(ids, found);
    if (earlier.kind === 'absent') return undefined;
    if (earlier.kind === 'partial') throw new WrongExpectedRevisionError(stream, expected, await this.currentRevision(stream));
    return { nextExpectedRevision: earlier.last.revision, position: earlier.last.position, idempotent: true };
  }

  /** The stream's events whose id is in `ids`, reading backwards until `first` is seen or the stream starts. */
  private async scanFor(stream: string, ids: Set<string>, first: string): Promise<StoredEvent[]> {
    const found: StoredEvent[] = [];
    let from: bigint | typeof END = END;
    for (;;) {
      const page = await this.read(stream, { direction: BACKWARDS, fromRevision: from, maxCount: RETRY_SCAN_PAGE });
      for (const event of page) if (ids.has(event.id)) found.push(event);
      const oldest = page[page.length - 1];
      if (found.some((event) => event.id === first) || !oldest || oldest.revision === 0 || page.length < RETRY_SCAN_PAGE) return found;
      from = BigInt(oldest.revision - 1);
    }
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
