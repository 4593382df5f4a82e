import { EMPTY_FRONTIER, appendLeaf, frontierRoot, type MerkleFrontier } from './frontier';
import { EMPTY_ROOT, leafHash } from './hash';
import { consistencyPath, inclusionPath, merkleRoot } from './tree';
import { verifyConsistency, verifyInclusion } from './verify';

/*
 * Test vectors (data only) from transparency-dev/merkle, the RFC 6962 / RFC 9162 reference test
 * data: leaves and roots from testonly/constants.go, inclusion and consistency proofs from
 * proof/verify_test.go (https://github.com/transparency-dev/merkle). Indices there are 1-based leaves.
 */
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: [leaf: number, size: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [3, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    2,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const CONSISTENCY: [size1: number, size2: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];
const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';

const leafHashes = LEAVES.map((hex) => leafHash(Buffer.from(hex, 'hex')));
const flip = (hash: string, at = 0) => hash.slice(0, at) + (parseInt(hash[at]!, 16) ^ 8).toString(16) + hash.slice(at + 1);

describe('RFC 9162 Merkle tree over the transparency-dev test vectors', () => {
  it('hashes the empty tree and every prefix of the eight leaves to the published roots', () => {
    expect(EMPTY_ROOT).toBe(ROOTS[0]);
    ROOTS.forEach((root, size) => expect(merkleRoot(leafHashes.slice(0, size))).toBe(root));
  });

  it('keeps the same roots incrementally with a frontier of one hash per set bit of the size', () => {
    let frontier: MerkleFrontier = EMPTY_FRONTIER;
    expect(frontierRoot(frontier)).toBe(ROOTS[0]);
    leafHashes.forEach((leaf, index) => {
      frontier = appendLeaf(frontier, leaf);
      expect(frontierRoot(frontier)).toBe(ROOTS[index + 1]);
      expect(frontier.hashes).toHaveLength((index + 1).toString(2).replace(/0/g, '').length);
    });
  });

  it.each(INCLUSION)('produces and verifies the published inclusion proof of leaf %i in a tree of %i', (leaf, size, proof) => {
    const tree = leafHashes.slice(0, size);
    expect(inclusionPath(leaf - 1, tree)).toStrictEqual(proof);
    expect(verifyInclusion(leaf - 1, size, leafHashes[leaf - 1]!, proof, ROOTS[size]!)).toBe(true);
  });

  it.each(INCLUSION.filter(([, , proof]) => proof.length > 0))(
    'refuses every corruption of the inclusion proof of leaf %i in %i',
    (leaf, size, proof) => {
      const [index, root, leafHashOf] = [leaf - 1, ROOTS[size]!, leafHashes[leaf - 1]!];
      const wrong: [number, number, string, string[], string][] = [
        [index - 1, size, leafHashOf, proof, root],
        [index + 1, size, leafHashOf, proof, root],
        [index ^ 2, size, leafHashOf, proof, root],
        [index, size * 2, leafHashOf, proof, root],
        [index, Math.floor(size / 2), leafHashOf, proof, root],
        [index, size, SOME_HASH, proof, root],
        [index, size, leafHashOf, proof, ROOTS[0]!],
        [index, size, leafHashOf, proof, SOME_HASH],
        [index, size, leafHashOf, [...proof, root], root],
        [index, size, leafHashOf, [root, ...proof], root],
        [index, size, leafHashOf, proof.slice(0, -1), root],
        [index, size, leafHashOf, [proof[0]!, SOME_HASH, ...proof.slice(1)], root],
        [index, size, leafHashOf, [...proof, ''], root],
        ...proof.map((_, i): [number, number, string, string[], string] => [
          index,
          size,
          leafHashOf,
          proof.map((p, j) => (i === j ? flip(p) : p)),
          root,
        ]),
      ];
      for (const [i, n, l, p, r] of wrong) expect(verifyInclusion(i, n, l, p, r)).toBe(false);
    },
  );

  it.each(CONSISTENCY)('produces and verifies the published consistency proof from %i to %i', (size1, size2, proof) => {
    expect(consistencyPath(size1, leafHashes.slice(0, size2))).toStrictEqual(proof);
    expect(verifyConsistency(size1, size2, ROOTS[size1]!, ROOTS[size2]!, proof)).toBe(true);
  });

  it.each(CONSISTENCY.filter(([, , proof]) => proof.length > 0))(
    'refuses every corruption of the consistency proof from %i to %i',
    (size1, size2, proof) => {
      const [root1, root2] = [ROOTS[size1]!, ROOTS[size2]!];
      const wrong: [number, number, string, string, string[]][] = [
        [size1 - 1, size2, root1, root2, proof],
        [size1 + 1, size2, root1, root2, proof],
        [size1 ^ 2, size2, root1, root2, proof],
        [size1, size2 * 2, root1, root2, proof],
        [size1, Math.floor(size2 / 2), root1, root2, proof],
        [size1, size2, SOME_HASH, root2, proof],
        [size1, size2, root1, SOME_HASH, proof],
        [size1, size2, root2, root1, proof],
        [size1, size2, root1, root2, []],
        [size1, size2, root1, root2, [...proof, root1]],
        [size1, size2, root1, root2, [...proof, root2]],
        [size1, size2, root1, root2, [root1, ...proof]],
        [size1, size2, root1, root2, [root2, ...proof]],
        [size1, size2, root1, root2, [proof[0]!, ...proof]],
        [size1, size2, root1, root2, proof.slice(0, -1)],
        ...proof.map((_, i): [number, number, string, string, string[]] => [
          size1,
          size2,
          root1,
          root2,
          proof.map((p, j) => (i === j ? flip(p, 1) : p)),
        ]),
      ];
      for (const [m, n, r1, r2, p] of wrong) expect(verifyConsistency(m, n, r1, r2, p)).toBe(false);
    },
  );

  it('agrees with itself on every inclusion and consistency proof of trees up to 40 leaves', () => {
    const many = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from([i, i * 7])));
    for (let size = 1; size <= many.length; size += 1) {
      const tree = many.slice(0, size);
      const root = merkleRoot(tree);
      for (let index = 0; index < size; index += 1)
        expect(verifyInclusion(index, size, tree[index]!, inclusionPath(index, tree), root)).toBe(true);
      for (let older = 0; older <= size; older += 1)
        expect(verifyConsistency(older, size, merkleRoot(tree.slice(0, older)), root, consistencyPath(older, tree))).toBe(true);
    }
  });

  it('follows the special cases of RFC 9162: empty trees, equal sizes, time travel', () => {
    expect(verifyConsistency(0, 0, ROOTS[0]!, ROOTS[0]!, [])).toBe(true);
    expect(verifyConsistency(0, 1, ROOTS[0]!, ROOTS[1]!, [])).toBe(true);
    expect(verifyConsistency(1, 1, ROOTS[1]!, ROOTS[1]!, [])).toBe(true);
    expect(verifyConsistency(1, 1, ROOTS[1]!, ROOTS[2]!, [])).toBe(false);
    expect(verifyConsistency(0, 1, ROOTS[0]!, ROOTS[1]!, [ROOTS[0]!])).toBe(false);
    expect(verifyConsistency(2, 1, ROOTS[2]!, ROOTS[1]!, [])).toBe(false);
    expect(verifyInclusion(0, 0, leafHashes[0]!, [], ROOTS[0]!)).toBe(false);
    expect(verifyInclusion(2, 1, leafHashes[0]!, [], ROOTS[1]!)).toBe(false);
  });
});
