/**
 * A bounded memory of the last 960 to 1,024 ids, for idempotency against redelivery and relay
 * republishing, which come back within seconds. Chunks keep `evolve` pure and cheap: adding copies
 * one chunk of at most CHUNK ids instead of the whole window. An older duplicate still writes
 * nothing: its record gets the same deterministic id, which the store treats as a retry.
 */
export interface RecentIds {
  readonly chunks: readonly (readonly string[])[];
}

const CHUNK = 64;
const MAX_CHUNKS = 16;

export const emptyRecentIds = (): RecentIds => ({ chunks: [] });

export function hasRecent(recent: RecentIds, id: string): boolean {
  return recent.chunks.some((chunk) => chunk.includes(id));
}

export function addRecent(recent: RecentIds, id: string): RecentIds {
  const last = recent.chunks.at(-1);
  if (last !== undefined && last.length < CHUNK) return { chunks: [...recent.chunks.slice(0, -1), [...last, id]] };
  return { chunks: [...recent.chunks, [id]].slice(-MAX_CHUNKS) };
}
