import type Database from 'better-sqlite3';
import { GroupCommit } from './sqlite-group-commit';
import {
  assertMaxCount,
  assertReadOptions,
  assertValidAppend,
  classifyEarlierCopy,
  encodeJson,
  revisionMatches,
  withCanonicalIds,
  type CurrentRevision,
} from './append-rules';
import { CatchUpSubscription, type CatchUpPage } from './catch-up-subscription';
import { ForeignAppendWatch } from './sqlite-append-watch';
import {
  StoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type EventTypeFilter,
  type ExpectedRevision,
  type NewEvent,
  type ReadOptions,
  type StoredEvent,
  headerOf,
  type StoredEventHeader,
  type Subscription,
  type SubscriptionOptions,
  type TypedPage,
  type UnreadableEventReporter,
} from './port';
import { reportOnce } from './unreadable';
import { SqliteSeenMarkers } from './sqlite-seen-markers';
import { SqliteSnapshots } from './sqlite-snapshots';
import { SqliteCheckpointStore } from './sqlite-checkpoints';
import { decodeRow, guardSqlite, openDatabase, prepareStatements, settle, toLimit, type EventRow, type Statements } from './sqlite-schema';

export interface SqliteEventStoreOptions {
  /** Clock for `recordedAt` and checkpoint times; the only place this adapter reads the time. */
  now?: () => Date;
  /** How late a subscription may notice an append made by another handle or process (ms): one look per interval, shared. */
  pollIntervalMs?: number;
  /** How long a write waits for another connection's write lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Longest a group of deferred writes stays uncommitted (ms); it holds the file's write lock meanwhile. Default 20. */
  groupCommitMaxOpenMs?: number;
  /** Told about rows a store-wide read skips because they are not JSON (default: a warning). */
  onUnreadable?: UnreadableEventReporter;
}

const SUBSCRIPTION_BATCH = 256;
/** Decoded rows kept for the other store-wide readers: a few pages, so readers that lag a little still share. */
const DECODED_KEPT = 2_048;

/**
 * The embedded event store: one SQLite file per service. better-sqlite3 is synchronous, so every
 * append runs to completion before the next starts in this process; BEGIN IMMEDIATE takes the
 * file's write lock up front so appends from other processes serialize with ours as well.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly now: () => Date;
  private readonly foreignAppends: ForeignAppendWatch;
  private readonly wakeOnAppend = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  private appendCount = 0;
  private readonly onUnreadable: UnreadableEventReporter;
  private readonly appendTransaction: (stream: string, events: NewEvent[], expected: ExpectedRevision) => AppendResult;
  private readonly group: GroupCommit;
  /** Highest position that was durable when this connection's open group began (readers see no further). */
  private visibleUpTo = Number.MAX_SAFE_INTEGER;
  private markers: SqliteSeenMarkers | undefined;
  private snapshotStore: SqliteSnapshots | undefined;
  /** Recently decoded rows of store-wide reads, by position (oldest first; see `remember`). */
  private readonly recentlyDecoded = new Map<number, StoredEvent | { unreadable: string }>();

  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    return new SqliteEventStore(file, options);
  }

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.onUnreadable = reportOnce(options.onUnreadable);
    this.db = guardSqlite(file, () => openDatabase(file, options.busyTimeoutMs ?? 5000));
    this.sql = prepareStatements(this.db);
    const transaction = this.db.transaction(this.appendInTransaction.bind(this));
    // Inside the group's open transaction this runs as a savepoint: a failed append undoes itself only.
    this.appendTransaction = (stream, events, expected) => transaction.immediate(stream, events, expected);
    this.group = new GroupCommit(
      this.db,
      file,
      {
        opened: () => (this.visibleUpTo = this.sql.head.get()?.position ?? -1),
        committed: () => {
          this.visibleUpTo = Number.MAX_SAFE_INTEGER;
          this.notifyAppended();
        },
      },
      options.groupCommitMaxOpenMs,
    );
    this.foreignAppends = new ForeignAppendWatch(
      () => this.dataVersion(),
      options.pollIntervalMs ?? 200,
      () => this.notifyAppended(),
    );
  }

  /** Durable once it resolves (after the group commit that covers it), unless inside deferDurability. */
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return settle(() => {
      assertValidAppend(stream, events, expected);
      return this.guard(() => this.group.write(() => this.appendTransaction(stream, withCanonicalIds(events), expected)));
    }).then(async (result) => {
      await this.group.durable();
      return result;
    });
  }

  flush(): Promise<void> {
    return this.group.flush();
  }

  deferDurability<T>(work: () => Promise<T>): Promise<T> {
    return this.group.deferDurability(work);
  }

  readStream(stream: string, options: ReadOptions = {}): Promise<StoredEvent[]> {
    return settle(() => {
      const { fromRevision = 0, maxCount = Infinity } = options;
      assertReadOptions(fromRevision, maxCount);
      const rows = this.guard(() => this.sql.byStream.all(stream, fromRevision, toLimit(maxCount)));
      return rows.map((row) => {
        const decoded = decodeRow(row);
        // A stream's reader needs every event of it: one it cannot read is an answer it cannot use.
        if ('unreadable' in decoded)
          throw new StoreUnavailableError(`SQLite store ${this.file}: ${stream}@${row.revision}: ${decoded.unreadable}`);
        return decoded;
      });
    });
  }

  readAll(fromPosition: number, maxCount: number): Promise<StoredEvent[]> {
    return settle(() => {
      assertMaxCount(maxCount);
      return this.readAfter(fromPosition, maxCount).events;
    });
  }

  /** Committed rows only, as readAll (see readAfter). */
  readAllHeaders(fromPosition: number, maxCount: number): Promise<StoredEventHeader[]> {
    return settle(() => {
      assertMaxCount(maxCount);
      return this.committedAfter(this.sql.headersAfter, fromPosition, maxCount).map(headerOf);
    });
  }

  readAllOfTypes(fromPosition: number, span: number, filter: EventTypeFilter): Promise<TypedPage> {
    return settle(() => {
      assertMaxCount(span);
      const page = this.readOfTypesAfter(fromPosition, span, JSON.stringify(filter.types));
      return { events: page.events, until: page.until, end: page.rows < span };
    });
  }

  subscribeToAll(
    fromPosition: number,
    handler: (event: StoredEvent) => Promise<void>,
    onError?: (error: unknown) => void,
    options: SubscriptionOptions = {},
  ): Subscription {
    const types = options.types && JSON.stringify(options.types);
    const source = {
      readAfter: (position: number, maxCount: number) =>
        types === undefined ? this.readAfter(position, maxCount) : this.readOfTypesAfter(position, maxCount, types),
      appendCount: () => this.appendCount,
      onNextAppend: (wake: () => void) => {
        this.wakeOnAppend.add(wake);
        return () => this.wakeOnAppend.delete(wake);
      },
    };
    this.foreignAppends.start();
    const subscription: Subscription = new CatchUpSubscription(source, fromPosition, handler, onError, {
      batchSize: SUBSCRIPTION_BATCH,
      onCaughtUp: options.onCaughtUp,
      onFinished: () => {
        this.subscriptions.delete(subscription);
        if (this.subscriptions.size === 0) this.foreignAppends.stop();
      },
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** The replay guard's markers, kept in the same file and written in the same group commit. */
  seenMarkers(): SqliteSeenMarkers {
    return (this.markers ??= new SqliteSeenMarkers(this.db, this.group));
  }

  /** Folded states of long streams, in the same file (see SqliteSnapshots). */
  snapshots(): SqliteSnapshots {
    return (this.snapshotStore ??= new SqliteSnapshots(this.db, this.now, this.group));
  }

  /** What the file promises about durability, for health checks and the tests that pin it. */
  durabilitySettings(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' } {
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const level = Number(this.db.pragma('synchronous', { simple: true }));
    const synchronous = (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] ?? 'OFF';
    return { journalMode, synchronous };
  }

  /** The checkpoint store kept in the same file, so a service has a single thing to back up. */
  checkpoints(): CheckpointStore {
    return new SqliteCheckpointStore(this.db, this.now, this.group);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.foreignAppends.stop();
    if (this.db.open) {
      this.group.commitNow();
      this.db.close();
    }
  }

  private appendInTransaction(stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult {
    const earlier = classifyEarlierCopy(
      events.map((event) => event.id),
      this.sql.byStreamIds.all(stream, JSON.stringify(events.map((event) => event.id))),
    );
    if (earlier.kind === 'retry') return { nextExpectedRevision: earlier.last.revision, position: earlier.last.position, idempotent: true };
    // Some of the ids, but not as one earlier append: the caller decided on stale state.
    if (earlier.kind === 'partial') throw new WrongExpectedRevisionError(stream, expected, this.currentRevision(stream));
    const current = this.currentRevision(stream);
    if (!revisionMatches(expected, current)) throw new WrongExpectedRevisionError(stream, expected, current);
    const recordedAt = this.now().toISOString();
    let revision = current === 'no_stream' ? -1 : current;
    let position = -1;
    for (const event of events) {
      revision += 1;
      const data = encodeJson(event.data, 'data', event.id);
      const metadata = encodeJson(event.metadata ?? {}, 'metadata', event.id);
      const { lastInsertRowid } = this.sql.insert.run(event.id, stream, revision, event.type, data, metadata, recordedAt);
      position = Number(lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position, idempotent: false };
  }

  private currentRevision(stream: string): CurrentRevision {
    return this.sql.lastRevision.get(stream)?.revision ?? 'no_stream';
  }

  /** Rows after `position` that are committed: while this connection has a group open, none of it. */
  private committedAfter<Row>(statement: Database.Statement<[number, number, number], Row>, position: number, maxCount: number): Row[] {
    this.group.assertUsable();
    return this.guard(() => statement.all(position, this.visibleUpTo, toLimit(maxCount)));
  }

  private readAfter(position: number, maxCount: number): CatchUpPage {
    const rows = this.committedAfter(this.sql.after, position, maxCount);
    return { events: this.decodeRows(rows), rows: rows.length, until: rows.at(-1)?.position ?? position };
  }

  /**
   * The rows of `types` (JSON) among the next `span` positions that are committed. The head is read
   * first: a row committed after it has a higher position (appends are serialized, positions only
   * grow), so it is read next time. `rows` counts positions covered: fewer than `span` is the end.
   */
  private readOfTypesAfter(position: number, span: number, types: string): CatchUpPage {
    this.group.assertUsable();
    const head = this.guard(() => this.sql.head.get()?.position ?? -1);
    const upTo = Math.min(position + span, head, this.visibleUpTo);
    if (upTo <= position) return { events: [], rows: 0, until: position };
    const rows = this.guard(() => this.sql.ofTypesAfter.all(position, upTo, types));
    return { events: this.decodeRows(rows), rows: upTo - position, until: upTo };
  }

  private decodeRows(rows: readonly EventRow[]): StoredEvent[] {
    const events: StoredEvent[] = [];
    for (const row of rows) {
      const decoded = this.recentlyDecoded.get(row.position) ?? this.remember(row.position, decodeRow(row));
      if ('unreadable' in decoded)
        this.onUnreadable({ stream: row.stream, id: row.id, position: row.position, reason: decoded.unreadable });
      else events.push(decoded);
    }
    return events;
  }

  /**
   * Every store-wide reader of this handle (relay, schedule index, metrics) reads the same recent
   * rows: each row's JSON is parsed once and the event shared (readers never modify events).
   */
  private remember(position: number, decoded: StoredEvent | { unreadable: string }): StoredEvent | { unreadable: string } {
    this.recentlyDecoded.set(position, decoded);
    if (this.recentlyDecoded.size > DECODED_KEPT) this.recentlyDecoded.delete(this.recentlyDecoded.keys().next().value as number);
    return decoded;
  }

  /** Changes when another connection commits to the file (SQLite's data_version); our own commits leave it. */
  private dataVersion(): number {
    this.group.assertUsable();
    return Number(this.guard(() => this.db.pragma('data_version', { simple: true })));
  }

  private notifyAppended(): void {
    this.appendCount += 1;
    for (const wake of [...this.wakeOnAppend]) wake();
  }

  private guard<T>(operation: () => T): T {
    return guardSqlite(this.file, operation);
  }
}
