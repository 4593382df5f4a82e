/**
 * The event store port. Two adapters implement it (SQLite per service, KurrentDB) and one contract
 * suite checks both. Appends are atomic per call, optimistic (expected revision) and idempotent by
 * event id: re-appending the same ids at the same place succeeds without writing twice.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface NewEvent {
  /** A UUID, deterministic where the event answers an inbound message (so retries are no-ops). */
  id: string;
  type: string;
  /** JSON: in Countersign the full signed envelope, so what is relayed is exactly what was signed. */
  data: unknown;
  metadata?: Record<string, unknown>;
}

export interface StoredEvent {
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

export interface AppendResult {
  /** Revision of the last event in the stream after the append. */
  nextExpectedRevision: number;
  /** Position of the last appended event, or of the existing one on an idempotent retry. */
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
   * Catch-up subscription: delivers every event after `fromPosition` in order, then live ones.
   * The handler is awaited; one event at a time. A throwing handler stops the subscription and
   * the error is passed to `onError`.
   */
  subscribeToAll(fromPosition: number, handler: (event: StoredEvent) => Promise<void>, onError?: (error: unknown) => void): Subscription;
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

/** Durable named positions, e.g. how far the relay has published. Kept in the same store. */
export interface CheckpointStore {
  load(name: string): Promise<number | undefined>;
  save(name: string, position: number): Promise<void>;
}
