import {
  addCounted,
  countedEntries,
  countOf,
  emptyWindow,
  expireCounted,
  findCounted,
  windowOf,
  type Counted,
  type CountedWindow,
} from './budget-window';

const T0 = Date.parse('2026-11-21T10:00:00.000Z');
const TIERS = ['auto', 'production-change', 'break-glass'];

const entry = (n: number, atMs: number, tier = TIERS[n % TIERS.length] as string): Counted => ({
  submissionId: `sub-${n}`,
  tier,
  at: new Date(atMs).toISOString(),
  atMs,
});

/** The rule the window replaced: a filter of every entry by its time, on every event. */
const naiveExpire = (entries: readonly Counted[], sinceMs: number): Counted[] => entries.filter((counted) => counted.atMs > sinceMs);

/** A deterministic pseudo-random sequence (tests must not depend on Math.random). */
function steps(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** One step of a walk: the window and the plain filter after it, and the clock. */
interface Step {
  n: number;
  now: number;
  since: number;
  window: CountedWindow;
  model: Counted[];
  random: () => number;
}

/**
 * 3,000 steps of a clock moving on by up to 120 ms (bursts and pauses: up to 500 in a minute), and
 * now and then by `jump`; at each step the window and a plain filter by time expire what is a minute
 * old, mostly count one more entry, and are handed to `check`.
 */
function walk(seed: number, jump: (random: () => number) => number, check: (step: Step) => void): void {
  const random = steps(seed);
  let window = emptyWindow();
  let model: Counted[] = [];
  let now = T0;
  for (let n = 0; n < 3_000; n += 1) {
    now += Math.floor(random() * 120);
    if (random() < 0.01) now += jump(random);
    const since = now - 60_000;
    window = expireCounted(window, since, now);
    model = naiveExpire(model, since);
    if (random() < 0.8) {
      const counted = entry(n, now);
      window = addCounted(window, counted);
      model = [...model, counted];
    }
    check({ n, now, since, window, model, random });
  }
}

describe('the counted window of a budget ledger', () => {
  it('holds what a filter by time holds, at every step, while the clock moves forward', () => {
    walk(
      7,
      () => 90_000,
      ({ n, window, model, random }) => {
        expect(countedEntries(window)).toEqual(model);
        for (const tier of TIERS) expect(countOf(window, tier)).toBe(model.filter((counted) => counted.tier === tier).length);
        const probe = `sub-${Math.floor(random() * (n + 1))}`;
        expect(findCounted(window, probe)).toEqual(model.find((counted) => counted.submissionId === probe));
        // Built in one pass from the same entries (as a snapshot is), it holds and finds the same.
        if (n % 97 === 0) {
          const rebuilt = windowOf(model);
          expect(countedEntries(rebuilt)).toEqual(model);
          expect(rebuilt.perTier).toEqual(window.perTier);
          expect(findCounted(rebuilt, probe)).toEqual(findCounted(window, probe));
        }
      },
    );
  });

  it('never counts fewer than the filter after the clock steps back: an earlier-dated entry waits for the one before it', () => {
    let window = emptyWindow();
    window = addCounted(window, entry(1, T0 + 10_000, 'auto'));
    window = addCounted(window, entry(2, T0, 'auto')); // the clock stepped back ten seconds
    const expired = expireCounted(window, T0 + 5_000, T0 + 65_000); // entry 2 is a minute old, entry 1 is not
    expect(naiveExpire(countedEntries(window), T0 + 5_000).map((counted) => counted.submissionId)).toEqual(['sub-1']);
    expect(countedEntries(expired).map((counted) => counted.submissionId)).toEqual(['sub-1', 'sub-2']);
    expect(countOf(expired, 'auto')).toBe(2);
    expect(countedEntries(expireCounted(expired, T0 + 10_000, T0 + 70_000))).toEqual([]);
  });

  it('is a value: adding to or expiring an older window leaves every window made before unchanged', () => {
    let window: CountedWindow = emptyWindow();
    const kept: { window: CountedWindow; entries: Counted[] }[] = [];
    for (let n = 0; n < 200; n += 1) {
      window = addCounted(window, entry(n, T0 + n * 1_000));
      kept.push({ window, entries: countedEntries(window) });
    }
    const branch = addCounted(
      expireCounted((kept[99] as { window: CountedWindow }).window, T0 + 50_000, T0 + 110_000),
      entry(1_000, T0 + 99_500),
    );
    expect(countedEntries(branch).map((counted) => counted.submissionId)).toEqual([
      ...Array.from({ length: 49 }, (_, at) => `sub-${at + 51}`),
      'sub-1000',
    ]);
    for (const { window: before, entries } of kept) expect(countedEntries(before)).toEqual(entries);
    expect(findCounted((kept[99] as { window: CountedWindow }).window, 'sub-1000')).toBeUndefined();
  });

  it('finds a submission counted again after it left, and not an entry that has left', () => {
    let window = emptyWindow();
    for (let n = 0; n < 70; n += 1) window = addCounted(window, entry(n, T0 + n));
    window = expireCounted(window, T0 + 9, T0 + 60_009);
    expect(findCounted(window, 'sub-3')).toBeUndefined();
    window = addCounted(window, { ...entry(3, T0 + 70), joinedRequestId: 'req-9' });
    expect(findCounted(window, 'sub-3')).toEqual({ ...entry(3, T0 + 70), joinedRequestId: 'req-9' });
    expect(findCounted(window, 'sub-10')).toEqual(entry(10, T0 + 10));
  });

  it('is empty again, with no tier left over, once everything has left', () => {
    let window = emptyWindow();
    for (let n = 0; n < 130; n += 1) window = addCounted(window, entry(n, T0 + n));
    expect(expireCounted(window, T0 + 200, T0 + 60_200)).toEqual(emptyWindow());
    expect(expireCounted(window, T0 - 1, T0 + 59_999)).toBe(window);
  });
  it('holds one entry, not every later one, for as long as a clock that ran ahead dated it in the future', () => {
    let window = emptyWindow();
    const DAY = 86_400_000;
    window = addCounted(window, entry(0, T0 + DAY, 'auto')); // counted while the clock was a day ahead
    for (let n = 1; n <= 10; n += 1) window = addCounted(expireCounted(window, T0 + n - 60_000, T0 + n), entry(n, T0 + n, 'auto'));
    // A minute later, by the corrected clock: only the entry dated ahead is still counted.
    const later = expireCounted(window, T0 + 10_000, T0 + 70_000);
    expect(countedEntries(later).map((counted) => counted.submissionId)).toEqual(['sub-0']);
    expect(countOf(later, 'auto')).toBe(1);
    // Once its date has passed, it leaves a minute later, as any entry does.
    expect(countedEntries(expireCounted(later, T0 + DAY, T0 + DAY + 60_000))).toEqual([]);
  });

  it('lets a minute-old entry go even when it waits behind one dated ahead that is not in front', () => {
    let window = emptyWindow();
    window = addCounted(window, entry(1, T0, 'auto'));
    window = addCounted(window, entry(2, T0 + 86_400_000, 'auto')); // counted while the clock was a day ahead
    window = addCounted(window, entry(3, T0 + 1_000, 'auto'));
    const later = expireCounted(window, T0 + 60_000, T0 + 120_000);
    expect(countedEntries(later).map((counted) => counted.submissionId)).toEqual(['sub-2']);
    expect(countOf(later, 'auto')).toBe(1);
  });

  it('under clock steps either way, never counts fewer than the filter, and more only behind an entry dated within the last minute', () => {
    // Now and then a step of up to two days, either way.
    walk(
      11,
      (random) => Math.floor((random() - 0.5) * 4 * 86_400_000),
      ({ n, now, since, window, model, random }) => {
        const held = countedEntries(window);
        const kept = new Set(model.map((counted) => counted.submissionId));
        // Entries dated after now may have moved behind the others: compared as sets.
        const bySubmission = (entries: Counted[]) => [...entries].sort((a, b) => a.submissionId.localeCompare(b.submissionId));
        expect(bySubmission(held.filter((counted) => kept.has(counted.submissionId)))).toEqual(bySubmission(model));
        for (const tier of TIERS) expect(countOf(window, tier)).toBe(held.filter((counted) => counted.tier === tier).length);
        const probe = `sub-${Math.floor(random() * (n + 1))}`;
        expect(findCounted(window, probe)).toEqual(held.find((counted) => counted.submissionId === probe));
        for (const [at, extra] of held.entries()) {
          if (kept.has(extra.submissionId)) continue;
          // Held behind an earlier-counted entry that is itself still in its minute (not a future one).
          expect(held.slice(0, at).some((before) => before.atMs > since && before.atMs <= now)).toBe(true);
        }
      },
    );
  });
});
