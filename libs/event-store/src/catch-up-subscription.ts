import { AsyncLocalStorage } from 'node:async_hooks';
import type { StoredEvent, Subscription } from './port';

/**
 * Remembers which subscription's handler is running. A handler that calls `stop()` on its own
 * subscription must not wait for the loop to end: the loop is waiting for that very handler.
 */
const runningHandler = new AsyncLocalStorage<Subscription>();

export function callHandler(owner: Subscription, call: () => Promise<void>): Promise<void> {
  return runningHandler.run(owner, call);
}

export function isInsideHandlerOf(owner: Subscription): boolean {
  return runningHandler.getStore() === owner;
}

/** A subscription without an error callback must not die silently: a stalled relay looks healthy. */
export function reportErrorOrLog(onError: ((error: unknown) => void) | undefined, error: unknown): void {
  if (onError) onError(error);
  else console.error('event store subscription stopped:', error);
}

/** One page of a store-wide read: the events, and how far it got (unreadable rows are skipped). */
export interface CatchUpPage {
  events: StoredEvent[];
  /** Rows read, skipped ones included: fewer than asked means the end was reached. */
  rows: number;
  /** Position of the last row read, skipped or not (the start position when none). */
  until: number;
}

/** What a catch-up subscription needs from its store. */
export interface CatchUpSource {
  /** Up to `maxCount` rows after `position` (exclusive), in store order. */
  readAfter(position: number, maxCount: number): CatchUpPage;
  /** Changes whenever an append is made or noticed; lets the loop skip a wait when it missed a wake-up. */
  appendCount(): number;
  /**
   * Calls `wake` on the next append made through this handle, or noticed from another handle or
   * process (the store bounds how late: SqliteEventStoreOptions.pollIntervalMs); returns the
   * unregister function.
   */
  onNextAppend(wake: () => void): () => void;
}

export interface CatchUpOptions {
  batchSize: number;
  onFinished: () => void;
  /** SubscriptionOptions.onCaughtUp. */
  onCaughtUp?: () => void;
}

/**
 * Reads history in batches, then waits for appends: woken by its source, at once for appends made
 * through the same handle and by the store's one watch for appends from another handle or process
 * (no timer of its own, so a quiet subscription costs nothing).
 */
export class CatchUpSubscription implements Subscription {
  private stopped = false;
  private reportedCaughtUp = false;
  private wakeWaiter: (() => void) | undefined;
  private readonly finished: Promise<void>;

  constructor(
    private readonly source: CatchUpSource,
    private cursor: number,
    private readonly handler: (event: StoredEvent) => Promise<void>,
    private readonly onError: ((error: unknown) => void) | undefined,
    private readonly options: CatchUpOptions,
  ) {
    this.finished = this.run().finally(() => this.options.onFinished());
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.wakeWaiter?.();
    return isInsideHandlerOf(this) ? Promise.resolve() : this.finished;
  }

  private async run(): Promise<void> {
    // Defer the first read so a subscriber can finish wiring itself up before its handler runs.
    await Promise.resolve();
    try {
      while (!this.stopped) {
        const seenAppends = this.source.appendCount();
        const page = this.source.readAfter(this.cursor, this.options.batchSize);
        for (const event of page.events) {
          if (this.stopped) return;
          await callHandler(this, () => this.handler(event));
          this.cursor = event.position;
        }
        // Past skipped rows too, so an unreadable last row is not read (and reported) again.
        this.cursor = Math.max(this.cursor, page.until);
        const reachedEnd = page.rows < this.options.batchSize;
        // The read reached the end of the store, and every event it found has been handled.
        if (reachedEnd && !this.reportedCaughtUp && !this.stopped) this.reportCaughtUp();
        const idle = reachedEnd && seenAppends === this.source.appendCount();
        if (idle && !this.stopped) await this.waitForAppend();
        // Reads and handlers are synchronous work chained by microtasks: without a turn of the
        // event loop between pages, catching up on a long history starves timers and sockets
        // (a service's start-up NATS requests then time out behind its own replay).
        else if (page.rows === this.options.batchSize) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.stopped = true;
      reportErrorOrLog(this.onError, error);
    }
  }

  private reportCaughtUp(): void {
    this.reportedCaughtUp = true;
    this.options.onCaughtUp?.();
  }

  private waitForAppend(): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        unregister();
        this.wakeWaiter = undefined;
        resolve();
      };
      const unregister = this.source.onNextAppend(wake);
      this.wakeWaiter = wake;
    });
  }
}
