/**
 * Counts how often the handler itself failed on a message, as opposed to how often JetStream
 * delivered it. A delivery count also climbs when a consumer process dies with the message in hand
 * or buffered in a pulled batch, so judging "this message keeps failing" by it dead-letters valid
 * messages whose only fault was being near a crash. The count lives in the consuming process:
 * a restart starts every message afresh, which is the point (a crash is not the message's fault).
 * A message that itself crashes the process is caught by the separate, much higher crash ceiling.
 */
export class HandlerFailures {
  private readonly counts = new Map<string, number>();

  /** Records one more failure of the message at `key` and returns how many it has had. */
  record(key: string): number {
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count;
  }

  /** The message was acked or terminated: nothing more to count. */
  settle(key: string): void {
    this.counts.delete(key);
  }

  get size(): number {
    return this.counts.size;
  }
}

/** Deliveries a message may reach, whatever their cause, before it is dead-lettered unhandled. */
export const DEFAULT_MAX_CRASH_DELIVERIES = 50;
