import { concatBytes, u64be } from './bytes.js';
import { sha256 } from './web-crypto.js';
import type { LeavesTable } from './leaves.js';

/** RFC 6962 Merkle tree of DRAW-SPEC section 2, hashed with Web Crypto. */

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);
const BATCH = 2048;

export function leafHash(pid: Uint8Array, w: bigint, start: bigint): Promise<Uint8Array> {
  return sha256(concatBytes(LEAF, pid, u64be(w), u64be(start)));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(concatBytes(NODE, left, right));
}

/** Hashes `count` items in batches (Web Crypto is asynchronous; a batch keeps the page responsive). */
async function mapBatched<T>(count: number, hash: (i: number) => Promise<T>, onProgress?: (done: number) => void): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  for (let from = 0; from < count; from += BATCH) {
    const to = Math.min(count, from + BATCH);
    const part = await Promise.all(Array.from({ length: to - from }, (_, k) => hash(from + k)));
    for (let k = 0; k < part.length; k++) out[from + k] = part[k]!;
    onProgress?.(to);
  }
  return out;
}

/**
 * MTH of the leaves. Pairing level by level and carrying an odd last node up unchanged builds the
 * same tree as RFC 6962's split at the largest power of two below n.
 */
export async function merkleRoot(table: LeavesTable, onProgress?: (done: number) => void): Promise<Uint8Array> {
  if (table.count === 0) return sha256(new Uint8Array(0));
  let level = await mapBatched(table.count, (i) => leafHash(table.pids.subarray(i * 32, i * 32 + 32), table.weights[i]!, table.starts[i]!), onProgress);
  while (level.length > 1) {
    const pairs = Math.floor(level.length / 2);
    const current = level;
    const next = await mapBatched(pairs, (i) => nodeHash(current[2 * i]!, current[2 * i + 1]!));
    if (current.length % 2 === 1) next.push(current[current.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** RFC 9162 §2.1.3.2: does `path` lead from `leaf` at `index` of a `size`-leaf tree to `root`? */
export async function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0 || r.length !== root.length) return false;
  return r.every((b, i) => b === root[i]);
}
