import { EMPTY_ROOT, nodeHash } from './hash';

/**
 * The reference algorithms of RFC 9162 §2.1 over a complete list of leaf hashes: the tree hash
 * (MTH), the inclusion path (PATH) and the consistency proof (PROOF/SUBPROOF). They are O(n) and
 * meant for whoever holds the whole log (the CLI, a SIEM); audit itself keeps only a frontier.
 */

/** The largest power of two strictly smaller than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function merkleRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** PATH(m, D[n]): the audit path for leaf index m, bottom-up. */
export function inclusionPath(index: number, leaves: readonly string[]): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError(`leaf ${index} is not in a tree of ${leaves.length}`);
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return index < k
    ? [...inclusionPath(index, leaves.slice(0, k)), merkleRoot(leaves.slice(k))]
    : [...inclusionPath(index - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))];
}

/** PROOF(m, D[n]): proves the tree of the first m leaves is a prefix of the tree of all n. */
export function consistencyPath(size: number, leaves: readonly string[]): string[] {
  if (!Number.isInteger(size) || size < 0 || size > leaves.length) throw new RangeError(`size ${size} is not within ${leaves.length}`);
  if (size === 0 || size === leaves.length) return [];
  return subproof(size, leaves, true);
}

function subproof(m: number, leaves: readonly string[], complete: boolean): string[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [merkleRoot(leaves)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), merkleRoot(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), merkleRoot(leaves.slice(0, k))];
}
