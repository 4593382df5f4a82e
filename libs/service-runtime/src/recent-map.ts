/**
 * Sets `key` as the most recently used entry of an insertion-ordered map and, past `limit`
 * entries, drops the least recently used: the bound on every per-key memory a service keeps
 * (cached decider states, request traces, snapshot revisions).
 */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value as K);
}
