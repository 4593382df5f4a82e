import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { StoreUnavailableError } from './port';
import { guardSqlite } from './sqlite-schema';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Marks the async work whose appends may resolve before their commit (see `deferDurability`). */
const deferring = new AsyncLocalStorage<true>();

/**
 * Group commit for one SQLite connection. Writes go into one open transaction (BEGIN IMMEDIATE,
 * so other processes on the file still serialize with us); every caller that needs durability
 * waits for the COMMIT that covers its write, and the commit runs once per turn of the event loop
 * for everyone who asked during it: many appends, one fsync (synchronous = FULL fsyncs the WAL at
 * each commit). Nothing is acknowledged before its commit, except inside `deferDurability`, whose
 * caller promises to `flush()` before it lets anything depend on those writes (the JetStream
 * transport acks a batch only after its flush; the executor flushes its claim before acting).
 *
 * A failed COMMIT rolls the whole group back and leaves the store failed (every later call throws
 * StoreUnavailableError): callers may have read the rolled-back writes, so only a restart, which
 * rebuilds every in-memory state from what is really on disk, is safe.
 */
export class GroupCommit {
  private waiters: Waiter[] = [];
  private scheduled = false;
  private failure: StoreUnavailableError | undefined;
  private oldest: NodeJS.Timeout | undefined;
  private syncLevel: number | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    /** Told when a group opens (before its first write) and after it committed. */
    private readonly events: { opened: () => void; committed: () => void },
    /** A deferred group is committed at the latest this long after it opened. */
    private readonly maxOpenMs = 20,
  ) {}

  /** Runs `work` inside the open transaction (opening one if needed) and returns its result. */
  write<T>(work: () => T): T {
    this.assertUsable();
    if (!this.db.inTransaction) {
      guardSqlite(this.file, () => this.db.exec('BEGIN IMMEDIATE'));
      this.events.opened();
      this.oldest = setTimeout(() => this.schedule(), this.maxOpenMs).unref();
    }
    return this.inOpenGroup(work);
  }

  /**
   * For writes whose loss in a crash only costs repeated work (the relay's checkpoint: a lost one
   * means events are published again, which JetStream deduplicates and consumers tolerate). Inside
   * an open group it rides on that group's commit; otherwise it commits at once without an fsync
   * (synchronous = NORMAL for this one statement: in WAL mode that is atomic and consistent, only
   * not yet durable, and the next FULL commit's fsync of the WAL makes it durable too).
   */
  writeWithoutSync<T>(work: () => T): T {
    this.assertUsable();
    if (this.db.inTransaction) return this.inOpenGroup(work);
    // The connection's own level, read once (this is the only code that changes it, and restores it).
    const level = (this.syncLevel ??= Number(this.db.pragma('synchronous', { simple: true })));
    this.db.pragma('synchronous = NORMAL');
    try {
      return work();
    } finally {
      this.db.pragma(`synchronous = ${level}`);
    }
  }

  /** Resolves once every write made so far is committed; at once inside `deferDurability`. */
  durable(): Promise<void> {
    if (deferring.getStore()) return Promise.resolve();
    return this.flush();
  }

  /** Resolves once every write made so far is committed, whoever asks. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.db.inTransaction) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  deferDurability<T>(work: () => Promise<T>): Promise<T> {
    return deferring.run(true, work);
  }

  /** Commits what is open now (used on close). */
  commitNow(): void {
    this.commit();
  }

  assertUsable(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * A statement that fails inside the group may have made SQLite roll the whole transaction back
   * (disk full, an I/O error), not only itself: then every write of the group is gone, though its
   * callers were told it went in. That fails the store, as a failed COMMIT does, instead of letting
   * the next commit find no transaction and tell the group's waiters their writes are durable.
   */
  private inOpenGroup<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (!this.db.inTransaction) this.fail(error, 'a write failed and SQLite rolled the open group back');
      throw error;
    }
  }

  private fail(error: unknown, what: string): void {
    this.failure = new StoreUnavailableError(`SQLite store ${this.file}: ${what}, restart the service: ${String(error)}`, { cause: error });
    clearTimeout(this.oldest);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((waiter) => waiter.reject(this.failure));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.commit());
  }

  private commit(): void {
    this.scheduled = false;
    clearTimeout(this.oldest);
    const waiters = this.waiters;
    this.waiters = [];
    if (!this.db.open || !this.db.inTransaction) {
      waiters.forEach((waiter) => waiter.resolve());
      return;
    }
    try {
      guardSqlite(this.file, () => this.db.exec('COMMIT'));
    } catch (error) {
      this.fail(error, 'commit failed');
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      waiters.forEach((waiter) => waiter.reject(this.failure));
      return;
    }
    waiters.forEach((waiter) => waiter.resolve());
    this.events.committed();
  }
}
