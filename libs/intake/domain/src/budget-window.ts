/** One admission or join, counted against its tier's per-minute budget for a minute. */
export interface Counted {
  submissionId: string;
  tier: string;
  at: string;
  /** `at` parsed once, when counted. */
  atMs: number;
  /** Set when the submission joined a pending request. */
  joinedRequestId?: string;
}

/**
 * The admissions and joins still counted, oldest first, kept cheap for a ledger that sees an event
 * per submission while staying an immutable value. Before, every event copied and filtered the whole
 * window (up to a tier's per-minute budget: 6,000 for auto) and every claim scanned it twice more.
 * Now adding copies one chunk of at most CHUNK entries (and the list of chunk references), leaving
 * drops entries from the front only, a tier's count is kept, and a full chunk is sealed with an index
 * by submission id, so a look-up is one probe per chunk.
 *
 * Entries leave in the order they were counted: an entry is dropped once it and every entry counted
 * before it are a minute old. With a clock that only moves forward this is exactly "counted in the
 * last minute". When times go backwards (a clock stepped back after running ahead, two intake
 * processes that disagree), an entry waits for the later-dated ones counted before it: the budget
 * is over-counted, never under-counted (it fails closed), and for at most about a minute: when the
 * entry in front is dated after now (the clock that counted it was ahead), the entries a minute old
 * leave whatever their place, and those dated after now move to the back (aheadLast). A clock that
 * ran a day ahead keeps its own entries counted for a day, not every later one: the requester is
 * not locked out for the length of the step.
 */
export interface CountedWindow {
  /** Oldest first; every chunk but the last is full (CHUNK entries) and sealed. */
  readonly chunks: readonly Chunk[];
  /** How many entries at the start of the first chunk have left the window. */
  readonly left: number;
  /** Entries in the window per tier; a tier with none has no key. */
  readonly perTier: Readonly<Record<string, number>>;
}

interface Chunk {
  readonly entries: readonly Counted[];
  /** Submission id -> its last index in `entries`, made once, when the chunk fills up. */
  readonly index?: ReadonlyMap<string, number>;
}

const CHUNK = 64;

export const emptyWindow = (): CountedWindow => ({ chunks: [], left: 0, perTier: {} });

/** How many entries of `tier` the window holds. */
export const countOf = (window: CountedWindow, tier: string): number => window.perTier[tier] ?? 0;

export function addCounted(window: CountedWindow, entry: Counted): CountedWindow {
  const perTier = { ...window.perTier, [entry.tier]: countOf(window, entry.tier) + 1 };
  const last = window.chunks.at(-1);
  if (!last || last.entries.length === CHUNK) return { ...window, chunks: [...window.chunks, { entries: [entry] }], perTier };
  const entries = [...last.entries, entry];
  const grown = entries.length === CHUNK ? { entries, index: indexBySubmission(entries) } : { entries };
  return { ...window, chunks: [...window.chunks.slice(0, -1), grown], perTier };
}

/** The window at `nowMs` without the entries counted at or before `sinceMs`, front first (see CountedWindow). */
export function expireCounted(window: CountedWindow, sinceMs: number, nowMs: number): CountedWindow {
  const expired = expireFromFront(window, sinceMs);
  const front = expired.chunks[0]?.entries[expired.left];
  return front && front.atMs > nowMs ? aheadLast(expired, sinceMs, nowMs) : expired;
}

function expireFromFront(window: CountedWindow, sinceMs: number): CountedWindow {
  let { chunks, left } = window;
  let perTier: Record<string, number> | undefined;
  for (;;) {
    const entry = chunks[0]?.entries[left];
    if (!entry || entry.atMs > sinceMs) break;
    perTier ??= { ...window.perTier };
    const remaining = (perTier[entry.tier] ?? 1) - 1;
    if (remaining === 0) delete perTier[entry.tier];
    else perTier[entry.tier] = remaining;
    left += 1;
    if (left === chunks[0]?.entries.length) [chunks, left] = [chunks.slice(1), 0];
  }
  return perTier ? { chunks, left, perTier } : window;
}

/**
 * The front was dated after now by a clock that ran ahead: every entry held behind it that is a
 * minute old leaves, and the entries dated after now go to the back, so none holds the others
 * again until the ones in front of it have left (a rebuild about once a window's turn, not per
 * event, unless the window holds nothing else).
 */
function aheadLast(window: CountedWindow, sinceMs: number, nowMs: number): CountedWindow {
  const kept = countedEntries(window).filter((entry) => entry.atMs > sinceMs);
  return windowOf([...kept.filter((entry) => entry.atMs <= nowMs), ...kept.filter((entry) => entry.atMs > nowMs)]);
}

/** A window holding `entries`, oldest first, built in one pass (a snapshot's, say). */
export function windowOf(entries: readonly Counted[]): CountedWindow {
  const chunks: Chunk[] = [];
  const perTier: Record<string, number> = {};
  for (let start = 0; start < entries.length; start += CHUNK) {
    const part = entries.slice(start, start + CHUNK);
    chunks.push(part.length === CHUNK ? { entries: part, index: indexBySubmission(part) } : { entries: part });
  }
  for (const entry of entries) perTier[entry.tier] = (perTier[entry.tier] ?? 0) + 1;
  return { chunks, left: 0, perTier };
}

/** The entry of a submission still in the window. */
export function findCounted(window: CountedWindow, submissionId: string): Counted | undefined {
  for (const [position, chunk] of window.chunks.entries()) {
    const from = position === 0 ? window.left : 0;
    if (!chunk.index) {
      const found = chunk.entries.findIndex((entry, at) => at >= from && entry.submissionId === submissionId);
      if (found >= 0) return chunk.entries[found];
      continue;
    }
    const at = chunk.index.get(submissionId);
    if (at !== undefined && at >= from) return chunk.entries[at];
  }
  return undefined;
}

/** Every entry in the window, oldest first (for a snapshot of the ledger, and tests). */
export const countedEntries = (window: CountedWindow): Counted[] =>
  window.chunks.flatMap((chunk, position) => (position === 0 ? chunk.entries.slice(window.left) : chunk.entries));

function indexBySubmission(entries: readonly Counted[]): Map<string, number> {
  return new Map(entries.map((entry, at) => [entry.submissionId, at]));
}
