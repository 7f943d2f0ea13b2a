// An independent, deliberately plain re-implementation of DRAW-SPEC (arrays, node:crypto, linear
// scans, the recursive MTH). The optimized core is checked against it; it shares no code with it.
import { createHash, createHmac } from 'node:crypto';

export interface NaiveEntry {
  pid: Buffer;
  w: bigint;
  start: bigint;
}

export interface NaiveStep {
  c: number;
  x: string;
  slot: number;
  outcome: 'winner' | 'range' | 'max_wins';
  t: string | null;
  pid: string | null;
}

const H = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

function be(n: bigint, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  let v = n;
  for (let i = bytes - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

const lp = (b: Uint8Array) => Buffer.concat([be(BigInt(b.length), 4), b]);

export function naiveFreeze(drawKey: Uint8Array, members: { id: string; weight: bigint }[]): NaiveEntry[] {
  const withPids = members
    .filter((m) => m.weight > 0n)
    .map((m) => ({ pid: createHmac('sha256', drawKey).update(Buffer.from(m.id, 'utf8')).digest(), w: m.weight }));
  withPids.sort((a, b) => Buffer.compare(a.pid, b.pid));
  let start = 0n;
  return withPids.map((e) => {
    const entry = { pid: e.pid, w: e.w, start };
    start += e.w;
    return entry;
  });
}

export function naiveLeaf(e: NaiveEntry): Buffer {
  return H(Buffer.of(0), e.pid, be(e.w, 8), be(e.start, 8));
}

export function naiveMth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return H();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return H(Buffer.of(1), naiveMth(leaves.slice(0, k)), naiveMth(leaves.slice(k)));
}

export function naiveSeed(drawId: string, root: Buffer, r: Buffer, s: Buffer): Buffer {
  return H(Buffer.from('LAUREL-DRAW-v1', 'utf8'), lp(Buffer.from(drawId, 'utf8')), root, lp(r), lp(s));
}

export function naiveWord(seed: Buffer, c: number): bigint {
  const mac = createHmac('sha256', seed).update(Buffer.concat([Buffer.from('u64', 'utf8'), be(BigInt(c), 8)])).digest();
  let x = 0n;
  for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(mac[i]!);
  return x;
}

export interface NaiveSlotResult {
  slot: number;
  prize: string;
  winner: { c: number; t: string; pid: string } | null;
}

/** Slots are given already expanded, as labels ("gold", "reserve:1", ...). */
export function naiveDraw(
  entries: NaiveEntry[],
  seed: Buffer,
  slots: string[],
  maxWins: number,
  word: (c: number) => bigint = (c) => naiveWord(seed, c),
): { steps: NaiveStep[]; slots: NaiveSlotResult[]; exhaustedAtSlot: number | null } {
  const T = entries.reduce((s, e) => s + e.w, 0n);
  const wins = entries.map(() => 0);
  const steps: NaiveStep[] = [];
  const results: NaiveSlotResult[] = [];
  let exhaustedAtSlot: number | null = null;
  let c = 0;
  slots.forEach((prize, slot) => {
    if (wins.every((w) => w >= maxWins)) {
      if (exhaustedAtSlot === null) exhaustedAtSlot = slot;
      results.push({ slot, prize, winner: null });
      return;
    }
    const limit = 2n ** 64n - (2n ** 64n % T);
    for (;;) {
      // DRAW-SPEC §5 literally: x = word(c), c = c + 1, then record c (the post-increment value).
      const x = word(c);
      c += 1;
      const used = c;
      if (x >= limit) {
        steps.push({ c: used, x: x.toString(), slot, outcome: 'range', t: null, pid: null });
        continue;
      }
      const t = x % T;
      const owner = entries.findIndex((e) => e.start <= t && t < e.start + e.w);
      const pid = entries[owner]!.pid.toString('hex');
      if (wins[owner] === maxWins) {
        steps.push({ c: used, x: x.toString(), slot, outcome: 'max_wins', t: t.toString(), pid });
        continue;
      }
      wins[owner]! += 1;
      steps.push({ c: used, x: x.toString(), slot, outcome: 'winner', t: t.toString(), pid });
      results.push({ slot, prize, winner: { c: used, t: t.toString(), pid } });
      break;
    }
  });
  return { steps, slots: results, exhaustedAtSlot };
}
