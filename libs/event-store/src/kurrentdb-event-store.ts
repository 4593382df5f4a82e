import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  jsonEvent,
  type AllStreamSubscription,
  type ReadStreamOptions,
} from '@kurrent/kurrentdb-client';
import { assertMaxCount, assertReadOptions, assertValidAppend, type CurrentRevision } from './append-rules';
import { callHandler, isInsideHandlerOf, reportErrorOrLog } from './catch-up-subscription';
import {
  CHECKPOINT_EVENT_TYPE,
  toAllPosition,
  toEventData,
  toPortError,
  toSafeNumber,
  toStoredEvent,
  toStreamState,
  userEventsFilter,
} from './kurrentdb-mapping';
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

/** The part of the client this adapter uses; tests hand in a fake with these methods. */
export type KurrentClient = Pick<
  KurrentDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'setStreamMetadata' | 'dispose'
>;

export interface KurrentDbEventStoreOptions {
  /** Checkpoint stream name prefix; make it per service when services share a cluster. */
  checkpointStreamPrefix?: string;
}

/** How far back an 'any' / 'stream_exists' append looks for an earlier copy of itself. */
const RETRY_SCAN = 64;

/**
 * KurrentDB / EventStoreDB adapter. Credentials come from the connection string (each service
 * its own user); nothing here needs, or asks for, admin rights. Positions are commit positions.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private readonly checkpointPrefix: string;

  static fromConnectionString(connectionString: string, options?: KurrentDbEventStoreOptions): KurrentDbEventStore {
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  constructor(
    private readonly client: KurrentClient,
    options: KurrentDbEventStoreOptions = {},
  ) {
    this.checkpointPrefix = options.checkpointStreamPrefix ?? 'countersign-checkpoint-';
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertValidAppend(stream, events, expected);
    try {
      const retry = await this.findEarlierCopy(stream, events, expected);
      if (retry) return retry;
      const result = await this.client.appendToStream(stream, events.map(toEventData), {
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
        filter: userEventsFilter(),
        ...(maxCount === Infinity ? {} : { maxCount: maxCount + extra }),
      });
      for await (const resolved of reading) {
        const event = toStoredEvent(resolved);
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
      filter: userEventsFilter(),
    });
    const subscription: Subscription = new KurrentSubscription(source, fromPosition, handler, onError, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Checkpoints as streams `<prefix><name>` in the same database. */
  checkpoints(): CheckpointStore {
    return new KurrentDbCheckpointStore(this.client, this.checkpointPrefix);
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

  private async read(stream: string, options: ReadStreamOptions): Promise<StoredEvent[]> {
    return readStreamOrEmpty(this.client, stream, options);
  }
}

function retryWindow(expected: ExpectedRevision, count: number): ReadStreamOptions {
  if (expected === 'any' || expected === 'stream_exists') {
    return { direction: BACKWARDS, fromRevision: END, maxCount: Math.max(count, RETRY_SCAN) };
  }
  const fromRevision = expected === 'no_stream' ? 0n : BigInt(expected + 1);
  return { direction: FORWARDS, fromRevision, maxCount: count };
}

async function readStreamOrEmpty(client: KurrentClient, stream: string, options: ReadStreamOptions): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  try {
    for await (const resolved of client.readStream(stream, options)) {
      const event = toStoredEvent(resolved);
      if (event) events.push(event);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw toPortError(error);
  }
  return events;
}

/** Awaits the handler per event: the async iterator does not pull the next one until it returns. */
class KurrentSubscription implements Subscription {
  private stopped = false;
  private readonly finished: Promise<void>;

  constructor(
    private readonly source: AllStreamSubscription,
    private readonly fromPosition: number,
    handler: (event: StoredEvent) => Promise<void>,
    onError: ((error: unknown) => void) | undefined,
    onFinished: () => void,
  ) {
    this.finished = this.run(handler, onError).finally(onFinished);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.unsubscribe().catch(() => undefined);
    if (!isInsideHandlerOf(this)) await this.finished;
  }

  private async run(handler: (event: StoredEvent) => Promise<void>, onError?: (error: unknown) => void): Promise<void> {
    try {
      for await (const resolved of this.source) {
        if (this.stopped) return;
        const event = toStoredEvent(resolved);
        // The filter already drops these; the checks keep the port's guarantees if a server does not.
        if (!event || event.position <= this.fromPosition || event.type === CHECKPOINT_EVENT_TYPE) continue;
        await callHandler(this, () => handler(event));
      }
      if (!this.stopped) throw new StoreUnavailableError('KurrentDB ended the $all subscription');
    } catch (error) {
      if (!this.stopped) reportErrorOrLog(onError, toPortError(error));
      this.stopped = true;
    }
  }
}

/** Last event wins; maxCount 1 lets the server scavenge the older ones. */
export class KurrentDbCheckpointStore implements CheckpointStore {
  private readonly limited = new Set<string>();

  constructor(
    private readonly client: KurrentClient,
    private readonly prefix: string,
  ) {}

  async load(name: string): Promise<number | undefined> {
    const options: ReadStreamOptions = { direction: BACKWARDS, fromRevision: END, maxCount: 1 };
    const [last] = await readStreamOrEmpty(this.client, this.streamOf(name), options);
    const position = (last?.data as { position?: unknown } | undefined)?.position;
    return typeof position === 'number' ? position : undefined;
  }

  async save(name: string, position: number): Promise<void> {
    if (!Number.isSafeInteger(position)) throw new RangeError(`checkpoint ${name}: position must be an integer`);
    const stream = this.streamOf(name);
    try {
      if (!this.limited.has(stream)) {
        await this.client.setStreamMetadata(stream, { maxCount: 1 });
        this.limited.add(stream);
      }
      const event = jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } });
      await this.client.appendToStream(stream, event, { streamState: ANY });
    } catch (error) {
      throw toPortError(error);
    }
  }

  private streamOf(name: string): string {
    return `${this.prefix}${name}`;
  }
}
