import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_TREE_ROOT,
  MerkleAccumulator,
  entriesRoot,
  entryInclusionProof,
  entryLeafHash,
  freezePidEntries,
  inclusionProof,
  merkleRoot,
  verifyInclusion,
} from '../../../src/draws/index.js';
import { naiveLeaf, naiveMth } from './naive.js';

describe('Merkle tree (RFC 6962 shape)', () => {
  it('MTH([]) = SHA-256("")', () => {
    expect(EMPTY_TREE_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new MerkleAccumulator().root().equals(createHash('sha256').digest())).toBe(true);
    expect(merkleRoot([]).toString('hex')).toBe(EMPTY_TREE_ROOT.toString('hex'));
  });

  it('the streaming root equals the recursive definition, and every leaf has a proof, for n = 1..70', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = Array.from({ length: n }, () => randomBytes(32));
      const root = merkleRoot(leaves);
      expect(root.toString('hex'), `n=${n}`).toBe(naiveMth(leaves).toString('hex'));
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        expect(verifyInclusion(leaves[i]!, i, n, proof, root), `n=${n} i=${i}`).toBe(true);
        // The same proof must not prove another position, another leaf, another size or a bent path.
        if (n > 1) {
          expect(verifyInclusion(leaves[i]!, (i + 1) % n, n, proof, root)).toBe(false);
          expect(verifyInclusion(leaves[(i + 1) % n]!, i, n, proof, root)).toBe(false);
          const bent = proof.map((p, j) => (j === 0 ? Buffer.from(p).fill(p[0]! ^ 1, 0, 1) : p));
          expect(verifyInclusion(leaves[i]!, i, n, bent, root)).toBe(false);
        }
        // (A proof does not bind the tree size by itself: a left-side leaf of a 3-leaf tree has the
        // same path in a 4-leaf tree. N is authenticated by the record, so no size check here.)
        expect(verifyInclusion(leaves[i]!, i, n, [...proof, randomBytes(32)], root)).toBe(false);
      }
    }
  });

  it('rejects impossible indices', () => {
    const leaves = [randomBytes(32), randomBytes(32)];
    const root = merkleRoot(leaves);
    expect(verifyInclusion(leaves[0]!, 2, 2, inclusionProof(leaves, 0), root)).toBe(false);
    expect(verifyInclusion(leaves[0]!, -1, 2, inclusionProof(leaves, 0), root)).toBe(false);
    expect(() => inclusionProof(leaves, 2)).toThrow();
  });

  it('entry roots and proofs match the byte definition of the leaves', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 33]) {
      const entries = freezePidEntries(Array.from({ length: n }, (_, i) => ({ pid: randomBytes(32), weight: BigInt(i * 7 + 1) })));
      const naive = Array.from({ length: n }, (_, i) => naiveLeaf({ pid: entries.pidAt(i), w: entries.weightAt(i), start: entries.startAt(i) }));
      const root = entriesRoot(entries);
      expect(root.toString('hex')).toBe(naiveMth(naive).toString('hex'));
      for (let i = 0; i < n; i++) {
        expect(entryLeafHash(entries, i).equals(naive[i]!)).toBe(true);
        const proof = entryInclusionProof(entries, i);
        expect(proof.map((p) => p.toString('hex'))).toEqual(inclusionProof(naive, i).map((p) => p.toString('hex')));
        expect(verifyInclusion(naive[i]!, i, n, proof, root)).toBe(true);
      }
    }
  });

  it('uses u64 weights and starts beyond 2^53 exactly', () => {
    const entries = freezePidEntries([
      { pid: Buffer.alloc(32, 1), weight: 2n ** 63n },
      { pid: Buffer.alloc(32, 2), weight: 2n ** 62n + 12345n },
      { pid: Buffer.alloc(32, 3), weight: 3n },
    ]);
    const naive = [0, 1, 2].map((i) => naiveLeaf({ pid: entries.pidAt(i), w: entries.weightAt(i), start: entries.startAt(i) }));
    expect(entriesRoot(entries).toString('hex')).toBe(naiveMth(naive).toString('hex'));
  });
});
