/** How long a wanted checkpoint waits for more publishes to cover. */
export const CHECKPOINT_DELAY_MS = 100;

/**
 * The relay's checkpoint saves, coalesced: at most one runs, it saves the newest position wanted,
 * and it starts `delayMs` after the first publish that wants it, so one save covers every event
 * published meanwhile (with window 1 each publish was a run of its own, and its save cost about a
 * third of the publish). A crash in between only publishes those events again, which JetStream
 * drops as duplicates (msgID = event id) and consumers tolerate beyond its window. `flush()`
 * (the relay's stop) saves at once.
 */
export class CoalescedCheckpoints {
  private wanted = -1;
  private saved = -1;
  private saving: Promise<void> | undefined;
  private soon: NodeJS.Timeout | undefined;
  private flushing = false;

  /** `save` retries until it succeeds and rejects only when the relay stops. */
  constructor(
    private readonly save: (position: number) => Promise<void>,
    private readonly delayMs = CHECKPOINT_DELAY_MS,
  ) {}

  /** The position the store already holds (at start). */
  reset(position: number): void {
    this.wanted = this.saved = position;
  }

  want(position: number): void {
    this.wanted = Math.max(this.wanted, position);
    if (this.saving || this.soon || this.saved >= this.wanted) return;
    this.soon = setTimeout(() => this.saveNow(), this.delayMs).unref();
  }

  /** Saves what is wanted now (and what is wanted meanwhile), and waits for the saves to end. */
  async flush(): Promise<void> {
    this.flushing = true;
    try {
      this.saveNow();
      while (this.saving) await this.saving;
    } finally {
      this.flushing = false;
    }
  }

  private saveNow(): void {
    clearTimeout(this.soon);
    this.soon = undefined;
    if (this.saving || this.saved >= this.wanted) return;
    const target = this.wanted;
    this.saving = this.save(target).then(
      () => {
        this.saved = Math.max(this.saved, target);
        this.saving = undefined;
        if (this.flushing) this.saveNow();
        else this.want(this.wanted);
      },
      () => {
        this.saving = undefined; // stopped: the next start resumes from the last saved checkpoint.
      },
    );
  }
}
