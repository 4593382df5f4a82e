import { backoffDelay, sleep } from './backoff';

describe('backoffDelay', () => {
  it('walks the list and then repeats its last delay', () => {
    const delays = [10, 20, 50];
    expect([1, 2, 3, 4, 9].map((attempt) => backoffDelay(delays, attempt))).toEqual([10, 20, 50, 50, 50]);
  });

  it('treats a missing list as no delay and clamps attempts below one', () => {
    expect(backoffDelay([], 3)).toBe(0);
    expect(backoffDelay([7, 8], 0)).toBe(7);
  });
});

describe('sleep', () => {
  it('returns early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
