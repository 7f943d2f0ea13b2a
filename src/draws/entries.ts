import { ValidationError } from '../errors/index.js';
import { U64_MAX } from './bytes.js';
import { PidDeriver } from './pid.js';

export const PID_BYTES = 32;

/** One eligible member at the freeze time; weight is the ticket count (0 means not an entry). */
export interface EntryInput {
  memberId: string;
  weight: bigint | number;
}

/**
 * The frozen entries of a draw, in pid order, held compactly so 10 M entries fit in a few hundred
 * MB: all pids in one Buffer (32 bytes each) and the block starts in a BigUint64Array. Weights are
 * not stored: w_i = start_{i+1} − start_i (and T − start_{N−1} for the last entry).
 */
export class FrozenEntries {
  readonly count: number;
  readonly total: bigint;
  readonly pids: Buffer;
  readonly starts: BigUint64Array;

  constructor(pids: Buffer, starts: BigUint64Array, count: number, total: bigint) {
    if (pids.length < count * PID_BYTES || starts.length < count) {
      throw new ValidationError('invalid_entries', 'entry storage is smaller than the entry count');
    }
    this.pids = pids;
    this.starts = starts;
    this.count = count;
    this.total = total;
  }

  pidAt(i: number): Buffer {
    return this.pids.subarray(i * PID_BYTES, (i + 1) * PID_BYTES);
  }

  pidHexAt(i: number): string {
    return this.pids.toString('hex', i * PID_BYTES, (i + 1) * PID_BYTES);
  }

  startAt(i: number): bigint {
    return this.starts[i]!;
  }

  weightAt(i: number): bigint {
    const end = i + 1 < this.count ? this.starts[i + 1]! : this.total;
    return end - this.starts[i]!;
  }

  /** The entry i with start_i ≤ t < start_i + w_i (binary search over the starts). */
  ownerOf(t: bigint): number {
    if (t < 0n || t >= this.total) throw new ValidationError('ticket_out_of_range', `ticket ${t} is outside [0, ${this.total})`);
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

export function toWeight(memberId: string, weight: bigint | number): bigint {
  if (typeof weight === 'number' && !Number.isSafeInteger(weight)) {
    throw new ValidationError('invalid_weight', `weight of ${memberId} is not a safe integer`);
  }
  const w = BigInt(weight);
  if (w < 0n || w > U64_MAX) throw new ValidationError('invalid_weight', `weight of ${memberId} is outside 0..2^64-1`);
  return w;
}

/**
 * Section 1 of DRAW-SPEC: derive pids, drop members with no tickets, sort by pid bytewise and lay
 * out contiguous ticket blocks. Accepts any iterable so a caller can stream millions of members
 * without materializing them; `expectedCount` only sizes the first allocation.
 */
export function freezeEntries(drawKey: Uint8Array, members: Iterable<EntryInput>, expectedCount = 1024): FrozenEntries {
  return freezeEntriesIndexed(drawKey, members, expectedCount).entries;
}

/**
 * freezeEntries, also telling where each entry came from: `source[j]` is the position, among the
 * members given (zero-weight ones included), of the member that is entry j in pid order. The
 * draw journey stores member ids beside the pids with it.
 */
export function freezeEntriesIndexed(drawKey: Uint8Array, members: Iterable<EntryInput>, expectedCount = 1024): { entries: FrozenEntries; source: Uint32Array } {
  const deriver = new PidDeriver(drawKey);
  let capacity = Math.max(16, expectedCount);
  let pids = Buffer.allocUnsafe(capacity * PID_BYTES);
  let weights = new BigUint64Array(capacity);
  let n = 0;
  let inputIndex = -1;
  let origin = new Uint32Array(capacity);
  for (const m of members) {
    inputIndex++;
    const w = toWeight(m.memberId, m.weight);
    if (w === 0n) continue;
    if (n === capacity) {
      const grownOrigin = new Uint32Array(capacity * 2);
      grownOrigin.set(origin);
      origin = grownOrigin;
      capacity *= 2;
      const grownPids = Buffer.allocUnsafe(capacity * PID_BYTES);
      pids.copy(grownPids, 0, 0, n * PID_BYTES);
      pids = grownPids;
      const grownWeights = new BigUint64Array(capacity);
      grownWeights.set(weights.subarray(0, n));
      weights = grownWeights;
    }
    deriver.deriveInto(m.memberId, pids, n * PID_BYTES);
    weights[n] = w;
    origin[n] = inputIndex;
    n++;
  }
  const { entries, order } = layOutBlocks(pids, weights, n);
  const source = new Uint32Array(n);
  for (let j = 0; j < n; j++) source[j] = origin[order[j]!]!;
  return { entries, source };
}

/** Entries whose pids are already known (tests, re-imports): same sort and layout as freezeEntries. */
export function freezePidEntries(entries: Iterable<{ pid: Uint8Array; weight: bigint | number }>): FrozenEntries {
  const list = [...entries].filter((e) => BigInt(e.weight) !== 0n);
  const pids = Buffer.allocUnsafe(list.length * PID_BYTES);
  const weights = new BigUint64Array(list.length);
  list.forEach((e, i) => {
    if (e.pid.length !== PID_BYTES) throw new ValidationError('invalid_pid', 'a pid is 32 bytes');
    pids.set(e.pid, i * PID_BYTES);
    weights[i] = toWeight(`entry ${i}`, e.weight);
  });
  return layOutBlocks(pids, weights, list.length).entries;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const TWO_32 = 0x100000000;

/** Sort and layout of pids derived elsewhere (worker threads); `shared` puts the result in shared memory. */
export function freezeFromPids(pids: Buffer, weights: BigUint64Array, n: number, shared = false): { entries: FrozenEntries; order: Uint32Array } {
  return layOutBlocks(pids, weights, n, shared);
}

function layOutBlocks(pids: Buffer, weights: BigUint64Array, n: number, shared = false): { entries: FrozenEntries; order: Uint32Array } {
  const order = sortByPid(pids, n);
  const sortedPids = shared ? Buffer.from(new SharedArrayBuffer(Math.max(1, n * PID_BYTES)), 0, n * PID_BYTES) : Buffer.allocUnsafe(n * PID_BYTES);
  for (let j = 0; j < n; j++) {
    // A byte loop beats Buffer.copy's per-call overhead for 32 bytes.
    for (let b = 0, from = order[j]! * PID_BYTES, to = j * PID_BYTES; b < PID_BYTES; b++) sortedPids[to + b] = pids[from + b]!;
  }
  const starts = shared ? new BigUint64Array(new SharedArrayBuffer(Math.max(8, n * 8)), 0, n) : new BigUint64Array(n);
  const weightHalves = new Uint32Array(weights.buffer, weights.byteOffset, weights.length * 2);
  const startHalves = new Uint32Array(starts.buffer, starts.byteOffset, n * 2);
  // Common case: every running total stays below 2^53, so plain numbers are exact and no bigint
  // is created per entry. Otherwise the exact bigint path takes over from where it stopped.
  let j = 0;
  let running = 0;
  if (LITTLE_ENDIAN) {
    for (; j < n; j++) {
      const i = order[j]!;
      const w = weightHalves[2 * i + 1]! * TWO_32 + weightHalves[2 * i]!;
      if (running + w > Number.MAX_SAFE_INTEGER) break;
      startHalves[2 * j] = running >>> 0;
      startHalves[2 * j + 1] = Math.floor(running / TWO_32);
      running += w;
    }
  }
  let total = BigInt(running);
  for (; j < n; j++) {
    starts[j] = total;
    total += weights[order[j]!]!;
    if (total > U64_MAX) throw new ValidationError('ticket_total_overflow', 'total tickets do not fit in 64 bits');
  }
  return { entries: new FrozenEntries(sortedPids, starts, n, total), order };
}

/**
 * Indices of the first n pids in ascending bytewise order. Two 16-bit LSD radix passes on the
 * first four bytes (pids are uniform HMAC outputs, so ties are rare), then ties are settled by
 * comparing whole pids. Equal pids mean the same member twice and are refused.
 */
export function sortByPid(pids: Buffer, n: number): Uint32Array {
  const key = new Uint32Array(n);
  for (let i = 0, o = 0; i < n; i++, o += PID_BYTES) {
    key[i] = ((pids[o]! << 24) | (pids[o + 1]! << 16) | (pids[o + 2]! << 8) | pids[o + 3]!) >>> 0;
  }
  const tmp = new Uint32Array(n);
  const order = new Uint32Array(n);
  const counts = new Uint32Array(65537);
  for (let i = 0; i < n; i++) counts[(key[i]! & 0xffff) + 1]!++;
  for (let b = 1; b <= 65536; b++) counts[b]! += counts[b - 1]!;
  for (let i = 0; i < n; i++) tmp[counts[key[i]! & 0xffff]!++] = i;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(key[i]! >>> 16) + 1]!++;
  for (let b = 1; b <= 65536; b++) counts[b]! += counts[b - 1]!;
  for (let j = 0; j < n; j++) {
    const i = tmp[j]!;
    order[counts[key[i]! >>> 16]!++] = i;
  }
  let runStart = 0;
  for (let j = 1; j <= n; j++) {
    if (j < n && key[order[j]!] === key[order[runStart]!]) continue;
    if (j - runStart > 1) settleTies(pids, order, runStart, j);
    runStart = j;
  }
  return order;
}

function settleTies(pids: Buffer, order: Uint32Array, from: number, to: number): void {
  const pidOf = (i: number) => pids.subarray(i * PID_BYTES, (i + 1) * PID_BYTES);
  const run = Array.from(order.subarray(from, to)).sort((a, b) => Buffer.compare(pidOf(a), pidOf(b)));
  for (let j = 0; j < run.length; j++) {
    if (j > 0 && Buffer.compare(pidOf(run[j - 1]!), pidOf(run[j]!)) === 0) {
      throw new ValidationError('duplicate_entry', 'two entries have the same pid (the same member listed twice)');
    }
    order[from + j] = run[j]!;
  }
}
