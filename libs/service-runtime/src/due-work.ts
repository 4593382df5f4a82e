import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@countersign/event-store';
import { toDomainEvent, type DomainEvent } from './domain-events';
import type { ServiceRuntime } from './runtime';
import { IndexSnapshots, type IndexedEvent, type RestoredIndex, type IndexStateCodec } from './index-snapshots';

/** What an event means for the schedule: `dueAt` schedules the key, `null` clears it. */
export type ScheduleChange = { key: string; dueAt: string | null } | undefined;

/**
 * The events a schedule is built from: `change` for each, and every type for which it may return
 * a change. Only events of these types are read (the store skips the rest: a restart with a long
 * history parses a few types, not all of it), so a type missing here is a deadline missed;
 * `expectScheduleTypesComplete` in the tests checks the list against the function.
 */
export interface Schedule {
  readonly types: readonly string[];
  readonly change: (event: DomainEvent) => ScheduleChange;
  /**
   * Writes the index down (due keys and this state) so a start goes on from there instead of
   * replaying the store from its start: for a schedule whose replay grows with history (audit's
   * custody index reads nearly every record). Needs a store with snapshots (SQLite); see
   * IndexSnapshots for when one is used.
   */
  readonly snapshots?: IndexStateCodec;
  /**
   * Nothing fires until the index has caught up with the store (its subscription's onCaughtUp):
   * for work that decides on the index's own state, which is partial until then (audit's custody
   * evidence: a check run half-way through the catch-up finds links missing that the log holds).
   * Work that decides on its own stream (expiry, revocation) leaves it out and fires restored keys
   * at once: held back through a long replay, a revocation would leave a credential alive longer.
   */
  readonly waitsForCatchUp?: boolean;
}

/**
 * Work for a due key. It returns `'done'` when the key needs no event to clear it (the work
 * itself settled it); otherwise the key is tried again `timerMs` later until an event clears it.
 */
export type DueFire = (key: string) => Promise<void | 'done'>;

/**
 * Longest the timer sleeps towards a far deadline. Deadlines are wall-clock times and timers run on
 * the monotonic clock, so a wall clock that jumps ahead (a resumed VM, a stepped clock) makes a
 * deadline due early; it is still met at most this late.
 */
export const MAX_SLEEP_MS = 60_000;

/**
 * Work that falls due at a time (a pending approval's expiry, a credential's window end). The index
 * is rebuilt from the service's own store on start (from its last snapshot when the schedule keeps
 * them, else from the store's start), so a restart loses no deadline; a timer hands
 * due keys to `fire`, whose command is idempotent and whose events clear the key again. The timer
 * is set for the earliest due key (not a poll every `timerMs`), so an idle service is not woken
 * and a deadline is met when it falls due rather than up to a tick later.
 */
export class DueWork {
  private readonly due = new Map<string, number>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Clock time the armed timer fires at; Infinity when none is armed. */
  private wakeAt = Infinity;
  private ticking = false;
  private stopped = false;
  /** Whether the index has read the store up to a moment after its subscription began (see Schedule.waitsForCatchUp). */
  private caughtUp = false;
  /** The last event indexed, so a failed subscription resumes where it was. */
  private indexed: IndexedEvent | undefined;
  private snapshots: IndexSnapshots<unknown> | undefined;

  constructor(
    private readonly runtime: Pick<ServiceRuntime, 'store' | 'clock' | 'logger' | 'config'> & Partial<Pick<ServiceRuntime, 'signer'>>,
    private readonly schedule: Schedule,
    private readonly fire: DueFire,
  ) {}

  /**
   * Follows the store from the last event indexed. At the first start, that is where the index's
   * snapshot was taken if there is a usable one (see IndexSnapshots), else the store's start; a
   * later start (after a stop) goes on from the index it holds. A schedule that waitsForCatchUp
   * fires nothing before the subscription has caught up; any other fires restored keys at once.
   */
  async start(): Promise<void> {
    this.stopped = false;
    if (!this.snapshots) {
      this.snapshots = this.snapshotsOf(this.schedule.snapshots);
      const restored = await this.snapshots?.restore();
      if (this.stopped) return;
      if (restored) this.adopt(restored);
    }
    this.subscribe();
    this.wakeForEarliest();
  }

  private adopt({ from, due, state }: RestoredIndex): void {
    this.schedule.snapshots?.adopt(state);
    this.indexed = from;
    for (const [key, dueAt] of due) this.due.set(key, dueAt);
  }

  /** Stops the index and the timer, and writes the index down for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wakeAt = Infinity;
    clearTimeout(this.resume);
    await this.subscription?.stop();
    this.snapshots?.save(this.indexed, this.due);
  }

  private snapshotsOf(codec: IndexStateCodec | undefined): IndexSnapshots<unknown> | undefined {
    const { store, signer, logger } = this.runtime;
    const snapshotStore = store.snapshots?.();
    if (!codec || !snapshotStore || !signer) return undefined;
    return new IndexSnapshots(store, snapshotStore, signer, codec, this.schedule.types, logger);
  }

  private resume: NodeJS.Timeout | undefined;

  /**
   * A schedule index that stopped would silently stop every deadline after it (issue 10: timers
   * after a restart or a store hiccup), so a failed subscription resumes from the last event indexed.
   */
  private subscribe(): void {
    this.caughtUp = false;
    this.subscription = this.runtime.store.subscribeToAll(
      this.indexed?.position ?? -1,
      (stored) => {
        const change = this.schedule.change(toDomainEvent(stored));
        // A cleared key keeps the timer: firing for nothing is cheaper than finding the next one per event.
        if (change?.dueAt === null) this.due.delete(change.key);
        else if (change) this.setDue(change.key, Date.parse(change.dueAt));
        this.indexed = { position: stored.position, id: stored.id };
        this.snapshots?.indexedOne(this.indexed, this.due);
        return Promise.resolve();
      },
      (error) => {
        // The index stops reading: a waiting schedule fires nothing until it has caught up again.
        this.caughtUp = false;
        if (this.stopped) return;
        this.runtime.logger.error(`schedule index stopped at ${this.indexed?.position ?? -1}, resuming: ${String(error)}`);
        this.resume = setTimeout(() => this.subscribe(), this.runtime.config.timerMs);
      },
      { types: this.schedule.types, onCaughtUp: () => this.caughtUpWithStore() },
    );
  }

  private caughtUpWithStore(): void {
    this.caughtUp = true;
    if (this.schedule.waitsForCatchUp)
      this.runtime.logger.log(
        `${this.schedule.snapshots?.name ?? 'schedule index'} caught up at position ${this.indexed?.position ?? -1} (${this.due.size} due keys): its due work fires from now on`,
      );
    this.wakeForEarliest();
  }

  private setDue(key: string, dueAt: number): void {
    this.due.set(key, dueAt);
    this.wakeBy(dueAt);
  }

  /** Makes the timer fire by `dueAt` (at once if it is past, in MAX_SLEEP_MS at most); a later one is brought forward. */
  private wakeBy(dueAt: number): void {
    if (this.stopped || !this.mayFire()) return;
    const now = this.runtime.clock().getTime();
    const at = Math.min(Math.max(dueAt, now), now + MAX_SLEEP_MS);
    if (at >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.wakeAt = Infinity;
      void this.tick();
    }, at - now);
  }

  private mayFire(): boolean {
    return this.caughtUp || !this.schedule.waitsForCatchUp;
  }

  private wakeForEarliest(): void {
    let earliest = Infinity;
    for (const dueAt of this.due.values()) earliest = Math.min(earliest, dueAt);
    if (earliest < Infinity) this.wakeBy(earliest);
  }

  private async tick(): Promise<void> {
    // A tick already running sets the timer again when it ends, for whatever is due then; a
    // resubscription still catching up sets it when it has.
    if (this.ticking || !this.mayFire()) return;
    this.ticking = true;
    try {
      const now = this.runtime.clock().getTime();
      for (const [key, dueAt] of this.due) {
        if (this.stopped || !this.mayFire()) break;
        if (dueAt > now) continue;
        // Until the clearing event arrives, try again timerMs later (not at once, again and again).
        this.due.set(key, now + this.runtime.config.timerMs);
        const outcome = await this.fire(key).catch((error: unknown) =>
          this.runtime.logger.warn(`due work ${key} failed: ${String(error)}`),
        );
        if (outcome === 'done') this.due.delete(key);
      }
    } finally {
      this.ticking = false;
      this.wakeForEarliest();
    }
  }
}

/** A Nest provider that runs one DueWork for the application's lifetime. */
export abstract class ScheduledWork implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly work: DueWork;

  protected constructor(
    runtime: ServiceRuntime,
    /** What the index is built from (public so a test can check its types: expectScheduleTypesComplete). */
    readonly schedule: Schedule,
    fire: DueFire,
  ) {
    this.work = new DueWork(runtime, schedule, fire);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.work.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.work.stop();
  }
}
