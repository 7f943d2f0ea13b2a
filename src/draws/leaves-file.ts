import { FrozenEntries, PID_BYTES } from './entries.js';
import { U64_MAX } from './bytes.js';
import { MerkleAccumulator } from './merkle.js';
import { leafHashWords } from './sha256-fast.js';

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[0x61 + i] = 10 + i;

const PREFIX = Buffer.from('{"pid":"', 'latin1');
const MID_W = Buffer.from('","w":"', 'latin1');
const MID_START = Buffer.from('","start":"', 'latin1');
const SUFFIX = Buffer.from('"}', 'latin1');
const NEWLINE = 0x0a;
const TWO_32 = 0x100000000;
const TWO_32N = 0x100000000n;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Longest line: 8 + 64 + 7 + 20 + 11 + 20 + 2 + 1 bytes. */
const MAX_LINE = 133;

/**
 * Lines of the leaves file (format in record.ts), in chunks of `linesPerChunk` lines, written
 * byte by byte into each chunk (no per-line strings: 10 M lines would otherwise churn the GC).
 */
export function* serializeLeaves(entries: FrozenEntries, linesPerChunk = 16384): Generator<Buffer> {
  const { pids, starts, count, total } = entries;
  const safe = LITTLE_ENDIAN && total <= BigInt(Number.MAX_SAFE_INTEGER);
  const halves = safe ? new Uint32Array(starts.buffer, starts.byteOffset, count * 2) : null;
  const totalNum = Number(total);
  const digits = new Uint8Array(20);
  const writeDecimal = (buf: Buffer, at: number, value: number | bigint): number => {
    if (typeof value === 'bigint') return at + buf.write(value.toString(), at, 'latin1');
    let v = value;
    let n = 0;
    do {
      digits[n++] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    while (n > 0) buf[at++] = digits[--n]!;
    return at;
  };
  const writeLiteral = (buf: Buffer, at: number, lit: Buffer): number => {
    for (let i = 0; i < lit.length; i++) buf[at + i] = lit[i]!;
    return at + lit.length;
  };
  let buf = Buffer.allocUnsafe(linesPerChunk * MAX_LINE);
  let p = 0;
  let lines = 0;
  for (let i = 0; i < count; i++) {
    p = writeLiteral(buf, p, PREFIX);
    for (let b = 0, o = i * PID_BYTES; b < PID_BYTES; b++) {
      const v = pids[o + b]!;
      buf[p++] = HEX_DIGITS[v >>> 4]!;
      buf[p++] = HEX_DIGITS[v & 15]!;
    }
    let start: number | bigint;
    let weight: number | bigint;
    if (halves) {
      start = halves[2 * i + 1]! * TWO_32 + halves[2 * i]!;
      weight = (i + 1 < count ? halves[2 * i + 3]! * TWO_32 + halves[2 * i + 2]! : totalNum) - start;
    } else {
      start = entries.startAt(i);
      weight = entries.weightAt(i);
    }
    p = writeLiteral(buf, p, MID_W);
    p = writeDecimal(buf, p, weight);
    p = writeLiteral(buf, p, MID_START);
    p = writeDecimal(buf, p, start);
    p = writeLiteral(buf, p, SUFFIX);
    buf[p++] = NEWLINE;
    if (++lines === linesPerChunk) {
      yield buf.subarray(0, p);
      buf = Buffer.allocUnsafe(linesPerChunk * MAX_LINE);
      p = 0;
      lines = 0;
    }
  }
  if (p > 0) yield buf.subarray(0, p);
}

export interface LeavesProblem {
  code: 'leaves_malformed' | 'leaves_unsorted' | 'leaves_zero_weight' | 'leaves_blocks_not_contiguous' | 'leaves_too_many' | 'ticket_total_overflow';
  message: string;
}


function matchAt(buf: Uint8Array, pos: number, lit: Buffer): boolean {
  if (pos + lit.length > buf.length) return false;
  for (let i = 0; i < lit.length; i++) if (buf[pos + i] !== lit[i]) return false;
  return true;
}

/**
 * Parses the leaves file as it streams past: checks the canonical line format, strict pid order
 * and contiguous blocks, feeds each leaf into a streaming Merkle root and keeps the entries
 * compactly for replaying the draw. It stops at the first problem (the caller keeps hashing the
 * file so the hash check can still be reported first).
 */
export class LeavesReader {
  private pids: Buffer;
  private starts: BigUint64Array;
  private starts32: Uint32Array;
  private n = 0;
  private line = 0;
  private runningNum = 0;
  private runningBig: bigint | null = null;
  private carry: Buffer | null = null;
  private readonly merkle = new MerkleAccumulator();
  problem: LeavesProblem | null = null;

  constructor(private readonly maxEntries: number) {
    const initial = Math.min(maxEntries, 1 << 20);
    this.pids = Buffer.alloc(initial * PID_BYTES);
    this.starts = new BigUint64Array(initial);
    this.starts32 = new Uint32Array(this.starts.buffer);
  }

  get linesRead(): number {
    return this.line;
  }

  push(chunk: Uint8Array): void {
    if (this.problem) return;
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) {
      buf = Buffer.concat([this.carry, buf]);
      this.carry = null;
    }
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, pos);
      if (nl < 0) break;
      this.parseLine(buf, pos, nl);
      if (this.problem) return;
      pos = nl + 1;
    }
    if (pos < buf.length) this.carry = Buffer.from(buf.subarray(pos));
  }

  /** Ends the stream; returns the entries and their root, or null if a problem was found. */
  finish(): { entries: FrozenEntries; root: Buffer } | null {
    if (!this.problem && this.carry && this.carry.length > 0) {
      this.fail('leaves_malformed', `line ${this.line + 1}: the last line does not end with a newline`);
    }
    if (this.problem) return null;
    const total = this.runningBig ?? BigInt(this.runningNum);
    return { entries: new FrozenEntries(this.pids, this.starts, this.n, total), root: this.merkle.root() };
  }

  private fail(code: LeavesProblem['code'], message: string): void {
    this.problem = { code, message };
  }

  private malformed(lineNo: number, why: string): void {
    this.fail('leaves_malformed', `line ${lineNo}: ${why}`);
  }

  private grow(): void {
    const capacity = Math.min(this.maxEntries, Math.max(16, this.starts.length * 2));
    const pids = Buffer.alloc(capacity * PID_BYTES);
    this.pids.copy(pids);
    const starts = new BigUint64Array(capacity);
    starts.set(this.starts);
    this.pids = pids;
    this.starts = starts;
    this.starts32 = new Uint32Array(starts.buffer);
  }

  private parseLine(buf: Buffer, from: number, to: number): void {
    this.line++;
    const lineNo = this.line;
    if (this.n >= this.maxEntries) {
      this.fail('leaves_too_many', `line ${lineNo}: the file has more entries than the record's N = ${this.maxEntries}`);
      return;
    }
    if (this.n >= this.starts.length) this.grow();
    let p = from;
    if (!matchAt(buf, p, PREFIX)) return this.malformed(lineNo, 'expected {"pid":"');
    p += PREFIX.length;
    if (p + 64 > to) return this.malformed(lineNo, 'pid is not 64 hex digits');
    const pids = this.pids;
    const off = this.n * PID_BYTES;
    for (let i = 0; i < PID_BYTES; i++) {
      const h = HEX_VALUE[buf[p]!]!;
      const l = HEX_VALUE[buf[p + 1]!]!;
      if (h < 0 || l < 0) return this.malformed(lineNo, 'pid is not lower-case hex');
      pids[off + i] = (h << 4) | l;
      p += 2;
    }
    if (!matchAt(buf, p, MID_W)) return this.malformed(lineNo, 'expected ","w":"');
    p += MID_W.length;
    const wFrom = p;
    while (p < to && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++;
    const wTo = p;
    if (!matchAt(buf, p, MID_START)) return this.malformed(lineNo, 'expected a decimal w followed by ","start":"');
    p += MID_START.length;
    const sFrom = p;
    while (p < to && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++;
    const sTo = p;
    if (!matchAt(buf, p, SUFFIX) || p + SUFFIX.length !== to) return this.malformed(lineNo, 'expected a decimal start followed by "} and the end of the line');
    if (!canonicalDecimal(buf, wFrom, wTo) || !canonicalDecimal(buf, sFrom, sTo)) {
      return this.malformed(lineNo, 'numbers must be decimal without leading zeros');
    }

    if (this.n > 0 && comparePids(pids, off - PID_BYTES, off) >= 0) {
      this.fail('leaves_unsorted', `line ${lineNo}: pid is not greater than the previous line's pid`);
      return;
    }

    let wHi: number, wLo: number, sHi: number, sLo: number;
    const fast = this.runningBig === null && wTo - wFrom <= 15 && sTo - sFrom <= 15;
    if (fast) {
      const w = decimalNumber(buf, wFrom, wTo);
      const s = decimalNumber(buf, sFrom, sTo);
      if (w === 0) return this.fail('leaves_zero_weight', `line ${lineNo}: w must be at least 1`);
      if (s !== this.runningNum) {
        return this.fail('leaves_blocks_not_contiguous', `line ${lineNo}: start ${s} should be ${this.runningNum} (the previous block's end)`);
      }
      wHi = Math.floor(w / TWO_32);
      wLo = w >>> 0;
      sHi = Math.floor(s / TWO_32);
      sLo = s >>> 0;
      const next = s + w;
      if (Number.isSafeInteger(next)) this.runningNum = next;
      else this.runningBig = BigInt(s) + BigInt(w);
    } else {
      const w = BigInt(buf.toString('latin1', wFrom, wTo));
      const s = BigInt(buf.toString('latin1', sFrom, sTo));
      const running = this.runningBig ?? BigInt(this.runningNum);
      if (w === 0n) return this.fail('leaves_zero_weight', `line ${lineNo}: w must be at least 1`);
      if (s !== running) {
        return this.fail('leaves_blocks_not_contiguous', `line ${lineNo}: start ${s} should be ${running} (the previous block's end)`);
      }
      const next = s + w;
      if (next > U64_MAX) return this.fail('ticket_total_overflow', `line ${lineNo}: total tickets exceed 2^64 - 1`);
      this.runningBig = next;
      wHi = Number(w / TWO_32N);
      wLo = Number(w % TWO_32N);
      sHi = Number(s / TWO_32N);
      sLo = Number(s % TWO_32N);
    }
    if (LITTLE_ENDIAN) {
      this.starts32[this.n * 2] = sLo;
      this.starts32[this.n * 2 + 1] = sHi;
    } else {
      this.starts[this.n] = BigInt(sHi) * TWO_32N + BigInt(sLo);
    }
    leafHashWords(pids, off, wHi, wLo, sHi, sLo, this.merkle.stackWords, this.merkle.nextLeafSlot);
    this.merkle.commitLeaf();
    this.n++;
  }
}

function canonicalDecimal(buf: Uint8Array, from: number, to: number): boolean {
  if (to <= from) return false;
  return to - from === 1 || buf[from] !== 0x30;
}

function decimalNumber(buf: Uint8Array, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (buf[i]! - 0x30);
  return v;
}

function comparePids(pids: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < PID_BYTES; i++) {
    const d = pids[a + i]! - pids[b + i]!;
    if (d !== 0) return d;
  }
  return 0;
}
