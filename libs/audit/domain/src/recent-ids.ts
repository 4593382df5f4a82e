/**
 * A bounded memory of the last 960 to 1,024 ids, for idempotency against redelivery and relay
 * republishing, which come back within seconds. An older duplicate still writes nothing: its record
 * gets the same deterministic id, which the store treats as a retry.
 *
 * Kept cheap for `evolve` (once per record) and `hasRecent` (two or three times per delivery) while
 * staying an immutable value: adding copies only the open chunk (at most CHUNK ids); a full chunk is
 * sealed into a Set that is never changed again, so a look-up is MAX_CHUNKS hash probes plus a scan
 * of the open chunk instead of a scan of the whole window.
 */
export interface RecentIds {
  /** Full chunks, oldest first; never mutated once built. */
  readonly sealed: readonly ReadonlySet<string>[];
  /** The newest ids, fewer than CHUNK. */
  readonly open: readonly string[];
}

const CHUNK = 64;
/** Sealed chunks kept: with the open one, 960 to 1,024 ids. */
const MAX_SEALED = 15;

export const emptyRecentIds = (): RecentIds => ({ sealed: [], open: [] });

export function hasRecent(recent: RecentIds, id: string): boolean {
  return recent.open.includes(id) || recent.sealed.some((chunk) => chunk.has(id));
}

export function addRecent(recent: RecentIds, id: string): RecentIds {
  const open = [...recent.open, id];
  if (open.length < CHUNK) return { sealed: recent.sealed, open };
  return { sealed: [...recent.sealed, new Set(open)].slice(-MAX_SEALED), open: [] };
}

/** How many ids are remembered now (at most 1,024). */
export const recentCount = (recent: RecentIds): number =>
  recent.open.length + recent.sealed.reduce((count, chunk) => count + chunk.size, 0);

/** As JSON (for a snapshot of the log's state): the sealed chunks as arrays. */
export const recentIdsToJson = (recent: RecentIds): { sealed: string[][]; open: string[] } => ({
  sealed: recent.sealed.map((chunk) => [...chunk]),
  open: [...recent.open],
});

/** Back from recentIdsToJson; undefined for anything it would not have written (too many ids). */
export function recentIdsFromJson(json: { sealed: readonly (readonly string[])[]; open: readonly string[] }): RecentIds | undefined {
  // A sealed chunk may hold fewer than CHUNK ids: the Set addRecent made collapsed any repeated one.
  const bounded = json.sealed.length <= MAX_SEALED && json.open.length < CHUNK && json.sealed.every((chunk) => chunk.length <= CHUNK);
  return bounded ? { sealed: json.sealed.map((chunk) => new Set(chunk)), open: [...json.open] } : undefined;
}
