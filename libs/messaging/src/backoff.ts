/** The delay before retry number `attempt` (1-based); past the list, the last delay repeats. */
export function backoffDelay(delaysMs: readonly number[], attempt: number): number {
  if (delaysMs.length === 0) return 0;
  return delaysMs[Math.min(Math.max(attempt, 1), delaysMs.length) - 1] ?? 0;
}

/** Resolves after `ms`, or at once when `signal` aborts, so a stopping component never waits out a backoff. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
