import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/index.js';
import { u64be } from './bytes.js';
import type { FrozenEntries } from './entries.js';
import { PID_BYTES } from './entries.js';
import { bytesToWords, leafHashWords, nodeHashWords, wordsToBytes } from './sha256-fast.js';

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** MTH([]) = H(""). */
export const EMPTY_TREE_ROOT: Buffer = createHash('sha256').digest();

/** leaf_i = H(0x00 ‖ pid ‖ u64be(w) ‖ u64be(start)). */
export function leafHash(pid: Uint8Array, weight: bigint, start: bigint): Buffer {
  return createHash('sha256').update(Buffer.of(LEAF_PREFIX)).update(pid).update(u64be(weight)).update(u64be(start)).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(NODE_PREFIX)).update(left).update(right).digest();
}

/** The largest power of two strictly less than n (n ≥ 2): RFC 6962's split point. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const MAX_DEPTH = 64;

/**
 * RFC 6962 Merkle tree hash built one leaf at a time in O(log n) memory. The stack holds the
 * roots of perfect subtrees of decreasing size, i.e. the binary decomposition of n; because the
 * RFC splits at the largest power of two below n, folding that stack from the right gives MTH.
 * Hashes stay as 32-bit words between compressions (see sha256-fast.ts).
 */
export class MerkleAccumulator {
  private readonly stack = new Int32Array((MAX_DEPTH + 1) * 8);
  /** log2 of the size of each stacked subtree. */
  private readonly heights = new Int32Array(MAX_DEPTH + 1);
  private depth = 0;
  private leaves = 0;

  get size(): number {
    return this.leaves;
  }

  /** Appends the 32-byte leaf hash at leaf[off]. */
  push(leaf: Uint8Array, off = 0): void {
    bytesToWords(leaf, off, this.stack, this.depth * 8);
    this.commitLeaf();
  }

  /** The word offset in `stackWords` where the next leaf hash goes before `commitLeaf()`. */
  get nextLeafSlot(): number {
    return this.depth * 8;
  }

  get stackWords(): Int32Array {
    return this.stack;
  }

  /** Pushes the leaf written at `nextLeafSlot` and merges equal-sized subtrees. */
  commitLeaf(): void {
    const stack = this.stack;
    const heights = this.heights;
    let depth = this.depth;
    heights[depth] = 0;
    depth++;
    while (depth >= 2 && heights[depth - 1] === heights[depth - 2]) {
      nodeHashWords(stack, (depth - 2) * 8, (depth - 1) * 8, stack, (depth - 2) * 8);
      heights[depth - 2]!++;
      depth--;
    }
    this.depth = depth;
    this.leaves++;
  }

  root(): Buffer {
    const depth = this.depth;
    if (depth === 0) return Buffer.from(EMPTY_TREE_ROOT);
    const acc = new Int32Array(8);
    const pair = new Int32Array(16);
    acc.set(this.stack.subarray((depth - 1) * 8, depth * 8));
    for (let j = depth - 2; j >= 0; j--) {
      pair.set(this.stack.subarray(j * 8, (j + 1) * 8), 0);
      pair.set(acc, 8);
      nodeHashWords(pair, 0, 8, acc, 0);
    }
    const out = Buffer.alloc(32);
    wordsToBytes(acc, 0, out, 0);
    return out;
  }
}

/** Bytes form of the fast leaf hash (tests and callers outside the hot loops). */
export function fastLeafHash(pid: Uint8Array, weight: bigint, start: bigint): Buffer {
  const words = new Int32Array(8);
  const [wHi, wLo] = hiLo(weight);
  const [sHi, sLo] = hiLo(start);
  leafHashWords(pid, 0, wHi, wLo, sHi, sLo, words, 0);
  const out = Buffer.alloc(32);
  wordsToBytes(words, 0, out, 0);
  return out;
}

const TWO_32N = 0x100000000n;
const TWO_32 = 0x100000000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function hiLo(v: bigint): [number, number] {
  return [Number(v / TWO_32N), Number(v % TWO_32N)];
}

/** Feeds leaves [from, to) of the entries into acc. */
function pushEntryLeaves(entries: FrozenEntries, from: number, to: number, acc: MerkleAccumulator): void {
  const { starts, pids, count, total } = entries;
  const stack = acc.stackWords;
  if (LITTLE_ENDIAN && total <= BigInt(Number.MAX_SAFE_INTEGER)) {
    // Read the u64 starts as 32-bit halves: no bigint per entry.
    const halves = new Uint32Array(starts.buffer, starts.byteOffset, count * 2);
    const totalNum = Number(total);
    for (let i = from; i < to; i++) {
      const sLo = halves[2 * i]!;
      const sHi = halves[2 * i + 1]!;
      const start = sHi * TWO_32 + sLo;
      const end = i + 1 < count ? halves[2 * i + 3]! * TWO_32 + halves[2 * i + 2]! : totalNum;
      const w = end - start;
      leafHashWords(pids, i * PID_BYTES, Math.floor(w / TWO_32), w >>> 0, sHi, sLo, stack, acc.nextLeafSlot);
      acc.commitLeaf();
    }
    return;
  }
  for (let i = from; i < to; i++) {
    const start = starts[i]!;
    const end = i + 1 < count ? starts[i + 1]! : total;
    const [wHi, wLo] = hiLo(end - start);
    const [sHi, sLo] = hiLo(start);
    leafHashWords(pids, i * PID_BYTES, wHi, wLo, sHi, sLo, stack, acc.nextLeafSlot);
    acc.commitLeaf();
  }
}

export function entryLeafHash(entries: FrozenEntries, i: number): Buffer {
  return leafHash(entries.pidAt(i), entries.weightAt(i), entries.startAt(i));
}

/** MTH of the leaves [from, to) of the entries. */
export function entriesRangeRoot(entries: FrozenEntries, from = 0, to = entries.count): Buffer {
  const acc = new MerkleAccumulator();
  pushEntryLeaves(entries, from, to, acc);
  return acc.root();
}

/** The committed root of the entries (section 2). */
export function entriesRoot(entries: FrozenEntries): Buffer {
  return entriesRangeRoot(entries, 0, entries.count);
}

/**
 * RFC 6962 audit path of leaf `index`: siblings from the leaf level up. O(n) hashing and
 * O(log n) memory, so it works on 10 M entries without keeping tree levels.
 */
export function entryInclusionProof(entries: FrozenEntries, index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= entries.count) {
    throw new ValidationError('invalid_proof_index', `no entry at index ${index}`);
  }
  return auditPath(index, 0, entries.count, (a, b) => entriesRangeRoot(entries, a, b));
}

/** Audit path over an explicit list of leaf hashes (small trees, tests). */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new ValidationError('invalid_proof_index', `no leaf at index ${index}`);
  }
  return auditPath(index, 0, leaves.length, (a, b) => merkleRoot(leaves.slice(a, b)));
}

function auditPath(m: number, from: number, to: number, rangeRoot: (a: number, b: number) => Buffer): Buffer[] {
  const path: Buffer[] = [];
  // Walk down from the root, collecting siblings; reversed at the end to list them leaf-first.
  let lo = from;
  let hi = to;
  let target = m;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (target < k) {
      path.push(rangeRoot(lo + k, hi));
      hi = lo + k;
    } else {
      path.push(rangeRoot(lo, lo + k));
      lo = lo + k;
      target -= k;
    }
  }
  return path.reverse();
}

export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  const acc = new MerkleAccumulator();
  for (const leaf of leaves) acc.push(leaf);
  return acc.root();
}

/** RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in a tree of `size` leaves with `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (p.length !== 32) return false;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.compare(r, Buffer.from(root)) === 0;
}
