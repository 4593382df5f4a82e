import { addSeconds, earlier, floorToSecond, hasReached, later, secondsBetween, toIso, toMillis, toSeconds } from './instants';

const T = '2026-12-06T08:00:00.000Z';

describe('instants', () => {
  it('converts between ISO, milliseconds and JWT seconds', () => {
    expect(toMillis(T)).toBe(Date.UTC(2026, 11, 6, 8));
    expect(toIso(Date.UTC(2026, 11, 6, 8))).toBe(T);
    expect(toSeconds('2026-12-06T08:00:00.999Z')).toBe(Date.UTC(2026, 11, 6, 8) / 1000);
    expect(floorToSecond(Date.UTC(2026, 11, 6, 8) + 999)).toBe(Date.UTC(2026, 11, 6, 8));
  });

  it('adds and measures seconds', () => {
    expect(addSeconds(T, 90)).toBe('2026-12-06T08:01:30.000Z');
    expect(secondsBetween(T, '2026-12-06T08:01:30.000Z')).toBe(90);
  });

  it('orders instants, a deadline being reached at its own instant', () => {
    const after = addSeconds(T, 1);
    expect([earlier(T, after), earlier(after, T), later(T, after), later(after, T)]).toEqual([T, T, after, after]);
    expect([hasReached(T, T), hasReached(T, after), hasReached(after, T)]).toEqual([true, false, true]);
  });
});
