import {
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendStreamState,
  type EventData,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { FakeKurrentServer, type FakeRecord } from './kurrentdb-fake-server';
import type { KurrentClient } from '../kurrentdb-reads';

/*
 * Test support for the KurrentDB adapter's unit specs: a fake client that answers like the real
 * one (async iterators, gRPC-style failures), so the mapping is tested without a server.
 */

/** A recorded event as the client hands it out. */
export function resolved(
  stream: string,
  revision: number,
  position: number | bigint,
  id = randomUUID(),
  data: Record<string, unknown> = { revision, text: 'ü' },
): AllStreamResolvedEvent {
  const commit = BigInt(position);
  return {
    event: {
      streamId: stream,
      id,
      revision: BigInt(revision),
      type: 'test.happened.v1',
      data,
      metadata: { trace: 't' },
      isJson: true,
      created: new Date('2026-01-01T00:00:00.000Z'),
      position: { commit, prepare: commit },
    },
    commitPosition: commit,
  };
}

/** What a client read returns: the items, then optionally a failure, like a gRPC stream. */
export function iterate<T>(items: T[], failure?: Error): AsyncIterableIterator<T> {
  return (async function* () {
    for (const item of items) yield await Promise.resolve(item);
    if (failure) throw failure;
  })();
}

/**
 * A live subscription: yields what is pushed until unsubscribed. Like the client's stream it is an
 * event emitter (`caughtUp`), and `readableLength` counts what is pushed but not yet taken.
 */
export class FakeSubscription extends EventEmitter {
  private queue: AllStreamResolvedEvent[] = [];
  get readableLength(): number {
    return this.queue.length;
  }
  private wake: (() => void) | undefined;
  closed = false;
  readonly unsubscribe = jest.fn(() => {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  });
  push(...events: AllStreamResolvedEvent[]): void {
    this.queue.push(...events);
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<AllStreamResolvedEvent> {
    while (!this.closed) {
      const next = this.queue.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

export function fakeClient() {
  return {
    appendToStream: jest.fn(),
    readStream: jest.fn(() => iterate<AllStreamResolvedEvent>([], new StreamNotFoundError())),
    readAll: jest.fn(() => iterate<AllStreamResolvedEvent>([])),
    subscribeToAll: jest.fn(),
    setStreamMetadata: jest.fn(() => Promise.resolve({ success: true, nextExpectedRevision: 0n })),
    dispose: jest.fn(() => Promise.resolve()),
  };
}

/*
 * A stateful fake: a FakeKurrentServer behind a client that answers the way @kurrent/kurrentdb-client
 * 1.3.1 does, for the contract suite (kurrentdb-fake.contract.spec.ts) and for fault tests.
 */

/** Events per batch the bridge hands the client (dist/streams/readStream.js flattens them). */
const BRIDGE_BATCH = 2;

/** What the client makes of a bridge failure it has no name for (dist/utils/convertBridgeError.js). */
export function bridgeFailure(message = 'Connection is closed.'): UnknownError {
  // A plain Error from the native addon: a name and a message, no gRPC code.
  return new UnknownError(Object.assign(new Error(message), { name: 'ConnectionClosed' }) as never);
}

/** What a subscription (gRPC, dist/streams/utils/Subscription.js) emits when the server goes away. */
export function grpcUnavailable(): UnavailableError {
  return new UnavailableError(Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 }) as never);
}

/** The client's view of a record (dist/utils/convertRustEvent.js: convertRustRecord). */
function toClientRecord(record: FakeRecord): RecordedEvent {
  const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
  const parse = (bytes: Uint8Array, fallback: unknown) => {
    try {
      return JSON.parse(text(bytes)) as unknown;
    } catch {
      return fallback;
    }
  };
  const metadata = record.metadata.length === 0 ? undefined : parse(record.metadata, record.metadata);
  const data = record.isJson ? parse(record.data, text(record.data)) : record.data;
  const { streamId, id, revision, type, isJson } = record;
  return {
    streamId,
    id,
    revision,
    type,
    isJson,
    data,
    metadata,
    created: new Date(record.created),
    position: { ...record.position },
  } as RecordedEvent;
}

const toResolved = (record: FakeRecord): AllStreamResolvedEvent => ({
  event: toClientRecord(record) as never,
  commitPosition: record.position.commit,
});

function matches(filter: { filterOn: string; regex?: string; prefixes?: string[] } | undefined, record: FakeRecord): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'streamName' ? record.streamId : record.type;
  if (filter.regex !== undefined) return new RegExp(filter.regex).test(subject);
  return (filter.prefixes ?? []).some((prefix) => subject.startsWith(prefix));
}

/** Reads the way the bridge does: a batch at a time, failing between batches when told to. */
async function* bridgeRead(records: () => FakeRecord[], failure: () => Error | undefined): AsyncGenerator<AllStreamResolvedEvent> {
  const all = records();
  for (let start = 0; start < all.length || start === 0; start += BRIDGE_BATCH) {
    const error = failure();
    if (error && start > 0) throw error;
    await Promise.resolve();
    for (const record of all.slice(start, start + BRIDGE_BATCH)) yield toResolved(record);
    if (all.length === 0) return;
  }
  const error = failure();
  if (error) throw error;
}

export class FakeKurrentDb {
  readonly server = new FakeKurrentServer();
  /** Set to make reads fail after their first batch, and live subscriptions fail at once. */
  private readFailure: Error | undefined;
  private metadataFailure: Error | undefined;
  private readonly live = new Set<FakeSubscription & { fail(error: Error): void }>();

  /** Reads fail part-way from now on (bridge shape); live subscriptions fail (gRPC shape). */
  failReads(readError: Error = bridgeFailure(), subscriptionError: Error = grpcUnavailable()): void {
    this.readFailure = readError;
    for (const subscription of this.live) subscription.fail(subscriptionError);
  }

  /** Metadata writes are refused, e.g. AccessDeniedError for a user without $mw. */
  failMetadataWrites(error: Error | undefined): void {
    this.metadataFailure = error;
  }

  client(): KurrentClient {
    const server = this.server;
    const failure = () => this.readFailure;
    return {
      appendToStream: (stream: string, events: EventData | EventData[], options?: { streamState?: AppendStreamState }) =>
        Promise.resolve().then(() => server.append(stream, Array.isArray(events) ? events : [events], options?.streamState ?? 'any')),
      readStream: (stream: string, options: ReadStreamOptions = {}) =>
        (async function* () {
          const events = server.events(stream);
          // A missing stream fails the first read (the bridge names it StreamNotFoundError).
          if (events.length === 0)
            throw new StreamNotFoundError(Object.assign(new Error('not found'), { name: 'StreamNotFoundError' }) as never, stream);
          yield* bridgeRead(() => selectRevisions(events, options), failure);
        })(),
      readAll: (options: ReadAllOptions = {}) => bridgeRead(() => selectAll(server.log, options), failure),
      subscribeToAll: (options: SubscribeToAllOptions = {}) => this.subscribe(options),
      setStreamMetadata: (stream: string, metadata: Record<string, unknown>) => {
        if (this.metadataFailure) return Promise.reject(this.metadataFailure);
        // Metadata is a `$metadata` event in `$$<stream>`: it shows up in $all like any event.
        const record = server.appendRaw(`$$${stream}`, { type: '$metadata', data: metadata });
        return Promise.resolve({ success: true, nextExpectedRevision: record.revision, position: record.position });
      },
      dispose: () => Promise.resolve(),
    } as unknown as KurrentClient;
  }

  private subscribe(options: SubscribeToAllOptions): AllStreamSubscription {
    const from = options.fromPosition === undefined || options.fromPosition === 'start' ? -1n : (options.fromPosition as Position).commit;
    const filter = options.filter as Parameters<typeof matches>[0];
    let failure: Error | undefined;
    const subscription = Object.assign(new FakeSubscription(), {
      fail: (error: Error) => {
        failure = error;
        subscription.push();
      },
    });
    const base = subscription[Symbol.asyncIterator].bind(subscription);
    subscription[Symbol.asyncIterator] = async function* () {
      for await (const event of base()) {
        if (failure) throw failure;
        yield event;
      }
      if (failure) throw failure;
    };
    const wrappedPush = subscription.push.bind(subscription);
    subscription.push = (...events) => {
      wrappedPush(...events);
      if (failure) subscription.closed = true;
    };
    // History first, then live appends, each once and in order, filtered server-side. The server
    // says it caught up once it has sent the history: a message the client emits when it reads it.
    for (const record of this.server.log)
      if (record.position.commit > from && matches(filter, record)) subscription.push(toResolved(record));
    setImmediate(() => subscription.emit('caughtUp', {}));
    const unlisten = this.server.onAppended((record) => {
      if (matches(filter, record)) subscription.push(toResolved(record));
    });
    this.live.add(subscription);
    subscription.unsubscribe.mockImplementation(() => {
      unlisten();
      this.live.delete(subscription);
      subscription.closed = true;
      subscription.push();
      return Promise.resolve();
    });
    if (this.readFailure) subscription.fail(grpcUnavailable());
    return subscription as unknown as AllStreamSubscription;
  }
}

function selectRevisions(events: FakeRecord[], options: ReadStreamOptions): FakeRecord[] {
  const { direction = 'forwards', fromRevision = 'start', maxCount = Number.MAX_SAFE_INTEGER } = options;
  const max = Number(maxCount);
  if (direction === 'backwards') {
    const from = fromRevision === 'end' || fromRevision === 'start' ? events.length - 1 : Number(fromRevision);
    return events
      .slice(0, from + 1)
      .reverse()
      .slice(0, max);
  }
  const from = fromRevision === 'start' ? 0 : fromRevision === 'end' ? events.length : Number(fromRevision);
  return events.slice(from, from + max);
}

/** $all from a position, inclusive (the adapter reads one more and drops it), filtered, up to maxCount. */
function selectAll(log: FakeRecord[], options: ReadAllOptions): FakeRecord[] {
  const { fromPosition = 'start', maxCount = Number.MAX_SAFE_INTEGER } = options;
  const from = fromPosition === 'start' ? -1n : fromPosition === 'end' ? BigInt(Number.MAX_SAFE_INTEGER) : fromPosition.commit;
  const filter = (options as { filter?: Parameters<typeof matches>[0] }).filter;
  return log.filter((record) => record.position.commit >= from && matches(filter, record)).slice(0, Number(maxCount));
}
