/**
 * Runs work one at a time per key, in call order. Intake serializes each requester's budget
 * decisions in this process so that a burst (HTTP requests run concurrently) queues instead of
 * racing on the ledger stream's expected revision until the runner's retries run out. Across
 * processes the store's optimistic append still decides.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget an idle key, so the map holds only requesters with work in hand.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
