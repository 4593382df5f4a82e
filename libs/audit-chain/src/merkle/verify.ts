import { HASH_HEX, nodeHash } from './hash';

/**
 * The verification algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), on
 * hex hashes. Each returns false for anything malformed: a verifier fails closed.
 */

const isSize = (n: number) => Number.isSafeInteger(n) && n >= 0;
const wellFormed = (hashes: readonly string[]) => hashes.every((hash) => typeof hash === 'string' && HASH_HEX.test(hash));

/**
 * The walk both algorithms share: from node `fn` of a tree whose last node is `sn`, one level up per
 * path hash, telling `combine` whether the hash is the left sibling (RFC 9162's "if LSB(fn) is set,
 * or fn is equal to sn"). Returns the final `sn` (0 when the path reached the root), or undefined
 * when the path is longer than the tree is high.
 */
function climb(fn: number, sn: number, path: readonly string[], combine: (hash: string, isLeft: boolean) => void): number | undefined {
  for (const hash of path) {
    if (sn === 0) return undefined;
    const isLeft = fn % 2 === 1 || fn === sn;
    combine(hash, isLeft);
    // A left sibling at the right edge: skip the levels where this node has no right sibling.
    while (isLeft && fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn;
}

/** Whether `proof` shows the leaf hash at `index` is in the tree of `size` leaves with `root`. */
export function verifyInclusion(index: number, size: number, leaf: string, proof: readonly string[], root: string): boolean {
  if (!isSize(index) || !isSize(size) || index >= size || !wellFormed([leaf, root, ...proof])) return false;
  let r = leaf;
  const sn = climb(index, size - 1, proof, (p, isLeft) => {
    r = isLeft ? nodeHash(p, r) : nodeHash(r, p);
  });
  return sn === 0 && r === root;
}

/** Whether `proof` shows the tree of `size1` leaves with `root1` is a prefix of the one of `size2` with `root2`. */
export function verifyConsistency(size1: number, size2: number, root1: string, root2: string, proof: readonly string[]): boolean {
  if (!isSize(size1) || !isSize(size2) || size1 > size2 || !wellFormed([root1, root2, ...proof])) return false;
  // An empty tree is a prefix of every tree; equal sizes must have equal roots. Both need no proof.
  if (size1 === 0) return proof.length === 0;
  if (size1 === size2) return proof.length === 0 && root1 === root2;
  if (proof.length === 0) return false;
  // When size1 is a power of two the old root is itself the first node of the path.
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  let fr = path[0]!;
  let sr = path[0]!;
  const last = climb(fn, sn, path.slice(1), (c, isLeft) => {
    if (isLeft) fr = nodeHash(c, fr);
    sr = isLeft ? nodeHash(c, sr) : nodeHash(sr, c);
  });
  return fr === root1 && sr === root2 && last === 0;
}
