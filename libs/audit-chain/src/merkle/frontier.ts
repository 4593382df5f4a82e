import { EMPTY_ROOT, nodeHash } from './hash';

/**
 * The right frontier of a Merkle tree: the roots of its perfect subtrees, largest (leftmost) first,
 * one per set bit of `size`. Enough to append a leaf and to compute the root, in O(log n) time and
 * memory, so the log never re-reads its records to checkpoint. A plain value, safe in decider state.
 */
export interface MerkleFrontier {
  size: number;
  hashes: readonly string[];
}

export const EMPTY_FRONTIER: MerkleFrontier = { size: 0, hashes: [] };

export function appendLeaf(frontier: MerkleFrontier, leaf: string): MerkleFrontier {
  const hashes = [...frontier.hashes];
  let carry = leaf;
  // Each trailing 1 bit of size is a perfect subtree as large as the one being carried: merge them.
  for (let size = frontier.size; size % 2 === 1; size = Math.floor(size / 2)) carry = nodeHash(hashes.pop()!, carry);
  return { size: frontier.size + 1, hashes: [...hashes, carry] };
}

export function frontierRoot(frontier: MerkleFrontier): string {
  if (frontier.hashes.length === 0) return EMPTY_ROOT;
  return frontier.hashes.reduceRight((right, left) => nodeHash(left, right));
}
