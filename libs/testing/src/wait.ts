/**
 * The one way tests wait for a state they cannot await directly (another process, the bus, a
 * store's subscription): poll a probe until it holds, never sleep and hope.
 */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error, so a failure says what never happened. */
  what?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` returns a truthy value (which it returns), failing after the timeout with the last value seen. */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitOptions | number = {}): Promise<Truthy<T>> {
  const { timeoutMs = 5_000, intervalMs = 20, what = 'condition' } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await pause(intervalMs);
  }
}

/** Retries `check` (an assertion that throws until it holds) until it passes, rethrowing its last failure after the timeout. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await pause(intervalMs);
  }
}
