import { bytesToHex } from './bytes.js';

/**
 * The leaves file (laurel-leaves-ndjson-v1) read strictly, as `laurel draw verify` reads it:
 * exact line shape, pids strictly ascending, weights ≥ 1, blocks contiguous from 0, at most N lines.
 */
export interface LeavesTable {
  count: number;
  total: bigint;
  pids: Uint8Array;
  weights: bigint[];
  starts: bigint[];
}

export type LeavesResult = { ok: true; table: LeavesTable } | { ok: false; code: string; message: string };

const U64_MAX = (1n << 64n) - 1n;
const LINE = /^\{"pid":"([^"]*)","w":"([0-9]*)","start":"([0-9]*)"\}$/;

function canonical(d: string): boolean {
  return d.length > 0 && (d.length === 1 || d[0] !== '0');
}

export function parseLeaves(bytes: Uint8Array, maxEntries: number): LeavesResult {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const lines = text.split('\n');
  const last = lines.pop();
  const fail = (code: string, message: string): LeavesResult => ({ ok: false, code, message });
  if (last !== '') return fail('leaves_malformed', `line ${lines.length + 1}: the last line does not end with a newline`);
  if (lines.length > maxEntries) return fail('leaves_too_many', `line ${maxEntries + 1}: the file has more entries than the record's N = ${maxEntries}`);
  const pids = new Uint8Array(lines.length * 32);
  const weights: bigint[] = [];
  const starts: bigint[] = [];
  let running = 0n;
  let previous = '';
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const m = LINE.exec(lines[i]!);
    if (!m) return fail('leaves_malformed', `line ${lineNo}: expected {"pid":"<64 hex>","w":"<decimal>","start":"<decimal>"}`);
    const [, pid, w, start] = m as unknown as [string, string, string, string];
    if (!/^[0-9a-f]{64}$/.test(pid)) return fail('leaves_malformed', `line ${lineNo}: pid is not 64 lower-case hex digits`);
    if (!canonical(w) || !canonical(start)) return fail('leaves_malformed', `line ${lineNo}: numbers must be decimal without leading zeros`);
    if (i > 0 && pid <= previous) return fail('leaves_unsorted', `line ${lineNo}: pid is not greater than the previous line's pid`);
    const weight = BigInt(w);
    const s = BigInt(start);
    if (weight === 0n) return fail('leaves_zero_weight', `line ${lineNo}: w must be at least 1`);
    if (s !== running) return fail('leaves_blocks_not_contiguous', `line ${lineNo}: start ${s} should be ${running} (the previous block's end)`);
    running = s + weight;
    if (running > U64_MAX) return fail('ticket_total_overflow', `line ${lineNo}: total tickets exceed 2^64 - 1`);
    for (let b = 0; b < 32; b++) pids[i * 32 + b] = parseInt(pid.slice(2 * b, 2 * b + 2), 16);
    weights.push(weight);
    starts.push(s);
    previous = pid;
  }
  return { ok: true, table: { count: lines.length, total: running, pids, weights, starts } };
}

/** The record lists and the draw loop read the entries through this view. */
export function entryLookup(table: LeavesTable) {
  return {
    count: table.count,
    total: table.total,
    pidHexAt: (i: number) => bytesToHex(table.pids.subarray(i * 32, i * 32 + 32)),
    weightAt: (i: number) => table.weights[i]!,
    startAt: (i: number) => table.starts[i]!,
    /** The entry whose block [start, start + w) holds ticket t (binary search). */
    ownerOf(t: bigint): number {
      let lo = 0;
      let hi = table.count - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (table.starts[mid]! <= t) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}
