/**
 * The event store port. Two adapters implement it (SQLite per service, KurrentDB) and one contract
 * suite (contract/*.contract.ts) checks both. What it means, on either adapter:
 *
 * - Appends are atomic per call and optimistic (expected revision).
 * - Event ids are UUIDs in the 8-4-4-4-12 hex form, compared without regard to case and stored and
 *   returned in lower case (KurrentDB parses them as GUIDs and hands them back lower-cased; SQLite
 *   does the same so both answer alike). Anything else is refused with a RangeError before writing.
 * - Idempotency is per stream. An append whose ids are ALL already in that stream, as consecutive
 *   events in the same order, is a retry: it succeeds with `idempotent: true`, writes nothing and
 *   reports the earlier copy, whatever the expected revision says and however far back the copy
 *   is. Some but not all of them there (or out of order) is a WrongExpectedRevisionError.
 * - The same id in ANOTHER stream is a different event: ids are scoped to their stream, as on
 *   KurrentDB, whose server deduplicates only within a stream (a store-wide id index is something
 *   KurrentDB does not have). Callers derive ids from their cause and stream, so this never merges
 *   two decisions.
 * - Stream names starting with `$` belong to the store (KurrentDB system streams) and are refused.
 * - readAll / subscribeToAll carry only events of the port's own streams: never a `$` stream, never
 *   a checkpoint. An event whose data is not JSON (written by something else) is skipped and
 *   reported through the adapter's `onUnreadable` option (default: a warning on stderr naming
 *   stream, id and position; never the data) instead of failing the read. Skipping, not
 *   dead-lettering: a store-wide read has nowhere the reader may write, and the event is still in
 *   its stream for an operator to inspect. readStream of that stream, which needs every event of
 *   it, fails with StoreUnavailableError instead.
 * - A read that fails part-way rejects with StoreUnavailableError; it never returns part of a
 *   result as if it were all of it. A subscription whose source fails reports StoreUnavailableError
 *   to `onError` and stops.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface NewEvent {
  /** A UUID (any case), deterministic where the event answers an inbound message (so retries are no-ops). */
  id: string;
  type: string;
  /** JSON: in Countersign the full signed envelope, so what is relayed is exactly what was signed. */
  data: unknown;
  metadata?: Record<string, unknown>;
}

export interface StoredEvent {
  /** The event's UUID, lower-cased. */
  id: string;
  stream: string;
  /** 0-based position within the stream. */
  revision: number;
  /** Position in the store-wide order ($all); strictly increasing, not necessarily dense. */
  position: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: string;
}

/**
 * A stored event without its data, metadata and time: what a scan that looks only at streams and
 * types needs. (Without the time too: SQLite keeps it after the data, so reading it would read a
 * large row's overflow pages.)
 */
export type StoredEventHeader = Pick<StoredEvent, 'id' | 'stream' | 'revision' | 'position' | 'type'>;

export interface AppendResult {
  /** Revision of the last event in the stream after the append. */
  nextExpectedRevision: number;
  /** Position of the last appended event, or of the existing last one on an idempotent retry. */
  position: number;
  /** True when every event already existed and nothing was written. */
  idempotent: boolean;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** The store cannot be reached or answered in a way we cannot interpret: fail closed. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export interface ReadOptions {
  fromRevision?: number;
  maxCount?: number;
}

export interface Subscription {
  /** Resolves when the subscription has stopped and its handler is no longer called. */
  stop(): Promise<void>;
}

export interface EventStore {
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream in revision order; an empty array when the stream does not exist. */
  readStream(stream: string, options?: ReadOptions): Promise<StoredEvent[]>;
  /** Events after `fromPosition` (exclusive; -1 for the beginning) in store order. */
  readAll(fromPosition: number, maxCount: number): Promise<StoredEvent[]>;
  /**
   * `readAll` without data, metadata and time (optional: a store that cannot read less leaves it out;
   * call it through `readAllHeaders`), so a scan of a long history (the executor's in-doubt scan at
   * start-up) costs a fraction of reading it. Nothing is parsed, so here a row whose data is not
   * JSON is listed too (readAll skips it); through the fallback it is not.
   */
  readAllHeaders?(fromPosition: number, maxCount: number): Promise<StoredEventHeader[]>;
  /** Folded states of long streams (optional: without it every stream is folded from its start). */
  snapshots?(): SnapshotStore;
  /**
   * Catch-up subscription: delivers every event after `fromPosition` in order, then live ones.
   * The handler is awaited; one event at a time. A throwing handler stops the subscription and
   * the error is passed to `onError`. With `options.types`, only events of those types are
   * delivered: SQLite then neither parses nor hands out the others (a start-up replay of a long
   * history reads the few types it needs), KurrentDB drops them after reading.
   */
  subscribeToAll(
    fromPosition: number,
    handler: (event: StoredEvent) => Promise<void>,
    onError?: (error: unknown) => void,
    options?: SubscriptionOptions,
  ): Subscription;
  /**
   * The events of `filter`'s types among the store's next `span` positions after `fromPosition`
   * (optional: call it through `readAllOfTypes`): a reader that looks at a few types (the business
   * metrics) reads a long history without parsing the rest. `until` is the position read up to;
   * `end` says nothing was left after it when read.
   */
  readAllOfTypes?(fromPosition: number, span: number, filter: EventTypeFilter): Promise<TypedPage>;
  /**
   * Group commit (optional; a store whose appends are durable when they resolve leaves both out).
   * `flush` resolves once every append made so far is durable. Inside `deferDurability`, appends
   * resolve before they are durable (readers of the store still see only durable events), and the
   * caller must `flush` before anything outside the process depends on them.
   */
  flush?(): Promise<void>;
  deferDurability?<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A decider's folded state of one stream up to `revision`, where the stream's event had id `eventId`. */
export interface StreamSnapshot {
  stream: string;
  revision: number;
  eventId: string;
  /** The state's encoding version (StateCodec.version). */
  version: number;
  /** The encoded state, as JSON text. */
  state: string;
  /** The writer's signature over the fields above (see StreamSnapshots): the store does not check it. */
  signature: string;
}

/**
 * One snapshot per stream, kept in the same store. Only a shortcut: a snapshot lost in a crash, or
 * one its reader refuses, means folding the stream from its start, so saving one costs no fsync of
 * its own.
 */
export interface SnapshotStore {
  load(stream: string): Promise<StreamSnapshot | undefined>;
  save(snapshot: StreamSnapshot): Promise<void>;
}

/** Durable named positions, e.g. how far the relay has published. Kept in the same store. */
export interface CheckpointStore {
  load(name: string): Promise<number | undefined>;
  save(name: string, position: number): Promise<void>;
}

/** What an adapter reports about an event it skipped in a store-wide read (see the port's rules). */
export interface UnreadableEvent {
  stream: string;
  id: string;
  position: number;
  reason: string;
}

export type UnreadableEventReporter = (event: UnreadableEvent) => void;

/** The default reporter: one line on stderr, without the data (it may hold anything). */
export const warnUnreadable: UnreadableEventReporter = (event) =>
  console.warn(`event store: skipped unreadable event ${event.id} in ${event.stream} at ${event.position}: ${event.reason}`);

/** Event types a store-wide read is narrowed to. */
export interface EventTypeFilter {
  readonly types: readonly string[];
}

/** What a catch-up subscription delivers, and what it reports besides events. */
export interface SubscriptionOptions extends Partial<EventTypeFilter> {
  /**
   * Called once, after the handler has returned for every event (of `types`) that the store held
   * at some moment after the subscription began: from then on it is live. Work that must not act
   * on a half-read history (due work deciding on an index still catching up) waits for it.
   */
  readonly onCaughtUp?: () => void;
}

/** A page of a store-wide read narrowed to some types (readAllOfTypes). */
export interface TypedPage {
  events: StoredEvent[];
  until: number;
  end: boolean;
}

/** The header fields of an event or a row (the SQLite row has the same names), and nothing else. */
export const headerOf = ({ id, stream, revision, position, type }: StoredEventHeader): StoredEventHeader => ({
  id,
  stream,
  revision,
  position,
  type,
});

/** The store's own headers-only read when it has one, else `readAll` with data, metadata and time dropped. */
export async function readAllHeaders(store: EventStore, fromPosition: number, maxCount: number): Promise<StoredEventHeader[]> {
  if (store.readAllHeaders) return store.readAllHeaders(fromPosition, maxCount);
  return (await store.readAll(fromPosition, maxCount)).map(headerOf);
}

/**
 * The store's own narrowed read when it has one, else a page of `readAll` (`span` events) with the
 * other types dropped: the same events in the same order, with nothing saved.
 */
export async function readAllOfTypes(store: EventStore, fromPosition: number, span: number, filter: EventTypeFilter): Promise<TypedPage> {
  if (store.readAllOfTypes) return store.readAllOfTypes(fromPosition, span, filter);
  const page = await store.readAll(fromPosition, span);
  const types = new Set(filter.types);
  return { events: page.filter((event) => types.has(event.type)), until: page.at(-1)?.position ?? fromPosition, end: page.length < span };
}
