/**
 * Notices appends another handle or process committed to the file, for one store handle's
 * subscriptions. Appends through the handle itself wake them at commit; this is the one timer left,
 * shared by all of them (one wake-up per interval per process, not one per subscription), and it
 * wakes them only when SQLite says another connection has committed since the last look
 * (`PRAGMA data_version`), so an idle store's subscriptions stay asleep.
 */
export class ForeignAppendWatch {
  private timer: NodeJS.Timeout | undefined;
  /** data_version at the last look; undefined when the store could not answer. */
  private seen: number | undefined;

  constructor(
    /** The file's data_version; throws when the store cannot answer (failed, closed). */
    private readonly version: () => number,
    private readonly intervalMs: number,
    private readonly changed: () => void,
  ) {}

  /**
   * Takes the baseline now, before a new subscription's first read, so any commit after that read
   * differs from it; a running watch keeps its baseline (it was taken before every earlier read).
   */
  start(): void {
    if (this.timer) return;
    this.seen = this.look();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const version = this.look();
    // A store that cannot answer wakes its readers too: their next read reports why, and ends them.
    if (version === undefined || version !== this.seen) {
      this.seen = version;
      this.changed();
    }
  }

  private look(): number | undefined {
    try {
      return this.version();
    } catch {
      return undefined;
    }
  }
}
