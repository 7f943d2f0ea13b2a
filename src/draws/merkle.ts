import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/index.js';
import { u64be } from './bytes.js';
import type { FrozenEntries } from './entries.js';
import { PID_BYTES } from './entries.js';
import { sha256Into } from './sha256-fast.js';

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
 */
export class MerkleAccumulator {
  private readonly stack = new Uint8Array(MAX_DEPTH * 32);
  private readonly sizes: number[] = [];
  private readonly scratch = new Uint8Array(65);
  private leaves = 0;

  get size(): number {
    return this.leaves;
  }

  /** Appends the 32-byte leaf hash at leaf[off]. */
  push(leaf: Uint8Array, off = 0): void {
    let depth = this.sizes.length;
    this.stack.set(leaf.subarray(off, off + 32), depth * 32);
    this.sizes.push(1);
    depth++;
    const scratch = this.scratch;
    const stack = this.stack;
    while (depth >= 2 && this.sizes[depth - 1] === this.sizes[depth - 2]) {
      const l = (depth - 2) * 32;
      scratch[0] = NODE_PREFIX;
      for (let i = 0; i < 64; i++) scratch[1 + i] = stack[l + i]!;
      sha256Into(scratch, 0, 65, stack, l);
      this.sizes.pop();
      this.sizes[depth - 2]! *= 2;
      depth--;
    }
    this.leaves++;
  }

  root(): Buffer {
    const depth = this.sizes.length;
    if (depth === 0) return Buffer.from(EMPTY_TREE_ROOT);
    const acc = Buffer.from(this.stack.subarray((depth - 1) * 32, depth * 32));
    const scratch = this.scratch;
    for (let j = depth - 2; j >= 0; j--) {
      scratch[0] = NODE_PREFIX;
      scratch.set(this.stack.subarray(j * 32, (j + 1) * 32), 1);
      scratch.set(acc, 33);
      sha256Into(scratch, 0, 65, acc, 0);
    }
    return acc;
  }
}

/**
 * Hashes entry leaves straight from the compact storage: the 49-byte leaf message is assembled in
 * a scratch block, avoiding a Buffer and a bigint per entry.
 */
export class EntryLeafHasher {
  private readonly msg = new Uint8Array(49);
  readonly out = new Uint8Array(32);

  /** Leaf hash of pid at pids[pidOff] with weight and start given as (high, low) 32-bit halves. */
  hash(pids: Uint8Array, pidOff: number, wHi: number, wLo: number, sHi: number, sLo: number): Uint8Array {
    const m = this.msg;
    m[0] = LEAF_PREFIX;
    for (let i = 0; i < PID_BYTES; i++) m[1 + i] = pids[pidOff + i]!;
    m[33] = wHi >>> 24; m[34] = (wHi >>> 16) & 0xff; m[35] = (wHi >>> 8) & 0xff; m[36] = wHi & 0xff;
    m[37] = wLo >>> 24; m[38] = (wLo >>> 16) & 0xff; m[39] = (wLo >>> 8) & 0xff; m[40] = wLo & 0xff;
    m[41] = sHi >>> 24; m[42] = (sHi >>> 16) & 0xff; m[43] = (sHi >>> 8) & 0xff; m[44] = sHi & 0xff;
    m[45] = sLo >>> 24; m[46] = (sLo >>> 16) & 0xff; m[47] = (sLo >>> 8) & 0xff; m[48] = sLo & 0xff;
    sha256Into(m, 0, 49, this.out, 0);
    return this.out;
  }
}

const TWO_32 = 0x100000000n;

function hiLo(v: bigint): [number, number] {
  return [Number(v / TWO_32), Number(v % TWO_32)];
}

/** Feeds leaves [from, to) of the entries into acc. */
function pushEntryLeaves(entries: FrozenEntries, from: number, to: number, acc: MerkleAccumulator): void {
  const hasher = new EntryLeafHasher();
  const { starts, pids } = entries;
  for (let i = from; i < to; i++) {
    const start = starts[i]!;
    const end = i + 1 < entries.count ? starts[i + 1]! : entries.total;
    const [wHi, wLo] = hiLo(end - start);
    const [sHi, sLo] = hiLo(start);
    acc.push(hasher.hash(pids, i * PID_BYTES, wHi, wLo, sHi, sLo));
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
