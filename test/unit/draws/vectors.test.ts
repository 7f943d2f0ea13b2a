import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  deriveSeed,
  entriesRoot,
  expandSlots,
  freezeEntries,
  outcomeRecords,
  runDraw,
  verifyDraw,
} from '../../../src/draws/index.js';
import { DRAND_FIXTURE, makeDraw } from './helpers.js';
import { naiveDraw, naiveFreeze, naiveLeaf, naiveMth, naiveSeed, naiveWord } from './naive.js';

interface VectorInput {
  name: string;
  draw_key: string;
  draw_id: string;
  members: { id: string; weight: string }[];
  prizes: { id: string; quantity: number }[];
  reserves: number;
  max_wins: number;
  /** R: drand randomness (hex, the quicknet fixture round) or "" */
  drand_randomness: string;
  /** s: operator secret (hex) or "" */
  secret: string;
}

interface Vector extends VectorInput {
  expected: {
    entries: { pid: string; w: string; start: string }[];
    n: number;
    t: string;
    root: string;
    seed: string;
    steps: { c: number; x: string; slot: number; outcome: string; t: string | null; pid: string | null }[];
    slots: { slot: number; prize: string; winner: { c: number; t: string; pid: string } | null }[];
    exhausted_at_slot: number | null;
  };
}

const FIXTURE = new URL('../../fixtures/draws/vectors.json', import.meta.url);
const hexUtf8 = (s: string) => Buffer.from(s, 'utf8').toString('hex');
const key = (n: number) => Buffer.alloc(32, n).toString('hex');
const P62 = 2n ** 62n;

const INPUTS: VectorInput[] = [
  {
    name: 'T just below a power of two (2^32 - 1)',
    draw_key: key(1),
    draw_id: 'below-pow2',
    members: [
      { id: 'alice', weight: String(2 ** 31) },
      { id: 'bob', weight: String(2 ** 30) },
      { id: 'carol', weight: String(2 ** 30 - 1) },
    ],
    prizes: [{ id: 'gold', quantity: 1 }, { id: 'silver', quantity: 1 }],
    reserves: 1,
    max_wins: 1,
    drand_randomness: '',
    secret: hexUtf8('s1'),
  },
  {
    name: 'T = 2^63 + 1: about half of all words are range rejections',
    draw_key: key(2),
    draw_id: 'above-2^63',
    members: [
      { id: 'a', weight: String(P62) },
      { id: 'b', weight: String(P62 / 2n) },
      { id: 'c', weight: String(P62 / 2n + 1n) },
    ],
    prizes: [{ id: 'car', quantity: 2 }],
    reserves: 1,
    max_wins: 1,
    drand_randomness: '',
    secret: hexUtf8('s2'),
  },
  {
    name: 'one member, max_wins 1: later slots stay empty',
    draw_key: key(3),
    draw_id: 'solo',
    members: [{ id: 'solo', weight: '5' }],
    prizes: [{ id: 'gold', quantity: 1 }, { id: 'silver', quantity: 1 }],
    reserves: 1,
    max_wins: 1,
    drand_randomness: '',
    secret: hexUtf8('s3'),
  },
  {
    name: 'one member, max_wins 3: wins every slot',
    draw_key: key(3),
    draw_id: 'solo-3',
    members: [{ id: 'solo', weight: '5' }],
    prizes: [{ id: 'gold', quantity: 1 }, { id: 'silver', quantity: 1 }],
    reserves: 1,
    max_wins: 3,
    drand_randomness: '',
    secret: hexUtf8('s3'),
  },
  {
    name: 'one member holds over half of the tickets',
    draw_key: key(4),
    draw_id: 'majority',
    members: [
      { id: 'whale', weight: '900' },
      { id: 'm1', weight: '50' },
      { id: 'm2', weight: '30' },
      { id: 'm3', weight: '20' },
    ],
    prizes: [{ id: 'tv', quantity: 3 }],
    reserves: 1,
    max_wins: 1,
    drand_randomness: DRAND_FIXTURE.randomness,
    secret: hexUtf8('s4'),
  },
  {
    name: 'more prizes than members: empty slots',
    draw_key: key(5),
    draw_id: 'few-members',
    members: [
      { id: 'x', weight: '1' },
      { id: 'y', weight: '2' },
      { id: 'z', weight: '3' },
    ],
    prizes: [{ id: 'a', quantity: 2 }, { id: 'b', quantity: 2 }],
    reserves: 2,
    max_wins: 1,
    drand_randomness: '',
    secret: hexUtf8('s5'),
  },
  {
    name: 'max_wins 2',
    draw_key: key(6),
    draw_id: 'max-2',
    members: [
      { id: 'p', weight: '5' },
      { id: 'q', weight: '3' },
      { id: 'r', weight: '1' },
      { id: 's', weight: '1' },
    ],
    prizes: [{ id: 'voucher', quantity: 6 }],
    reserves: 0,
    max_wins: 2,
    drand_randomness: DRAND_FIXTURE.randomness,
    secret: '',
  },
  {
    name: 'Unicode member ids (and a member with no tickets)',
    draw_key: key(7),
    draw_id: 'tirage-été-🏆',
    members: [
      { id: 'Zoë', weight: '1' },
      { id: 'محمد', weight: '2' },
      { id: '🦊-fox', weight: '3' },
      { id: '東京都', weight: '4' },
      { id: 'e\u0301', weight: '5' },
      { id: 'ß', weight: '6' },
      { id: 'nobody', weight: '0' },
    ],
    prizes: [{ id: 'prix', quantity: 3 }],
    reserves: 1,
    max_wins: 1,
    drand_randomness: DRAND_FIXTURE.randomness,
    secret: hexUtf8('sécret'),
  },
  {
    name: 'no entries at all',
    draw_key: key(8),
    draw_id: 'empty',
    members: [{ id: 'nobody', weight: '0' }],
    prizes: [{ id: 'gold', quantity: 1 }],
    reserves: 0,
    max_wins: 1,
    drand_randomness: '',
    secret: hexUtf8('s8'),
  },
];

function slotLabels(input: VectorInput): string[] {
  return expandSlots(input.prizes, input.reserves).map((s) => (s.kind === 'prize' ? s.prizeId! : `reserve:${s.reserveRank}`));
}

function naiveExpected(input: VectorInput): Vector['expected'] {
  const entries = naiveFreeze(
    Buffer.from(input.draw_key, 'hex'),
    input.members.map((m) => ({ id: m.id, weight: BigInt(m.weight) })),
  );
  const root = naiveMth(entries.map(naiveLeaf));
  const seed = naiveSeed(input.draw_id, root, Buffer.from(input.drand_randomness, 'hex'), Buffer.from(input.secret, 'hex'));
  const draw = naiveDraw(entries, seed, slotLabels(input), input.max_wins);
  return {
    entries: entries.map((e) => ({ pid: e.pid.toString('hex'), w: e.w.toString(), start: e.start.toString() })),
    n: entries.length,
    t: entries.reduce((s, e) => s + e.w, 0n).toString(),
    root: root.toString('hex'),
    seed: seed.toString('hex'),
    steps: draw.steps,
    slots: draw.slots,
    exhausted_at_slot: draw.exhaustedAtSlot,
  };
}

function optimizedExpected(input: VectorInput): Vector['expected'] {
  const entries = freezeEntries(
    Buffer.from(input.draw_key, 'hex'),
    input.members.map((m) => ({ memberId: m.id, weight: BigInt(m.weight) })),
  );
  const root = entriesRoot(entries);
  const seed = deriveSeed(input.draw_id, root, Buffer.from(input.drand_randomness, 'hex'), Buffer.from(input.secret, 'hex'));
  const slots = expandSlots(input.prizes, input.reserves);
  const outcome = runDraw({ seed, book: entries, slots, maxWins: input.max_wins });
  const records = outcomeRecords(outcome, entries);
  const labels = slotLabels(input);
  return {
    entries: Array.from({ length: entries.count }, (_, i) => ({
      pid: entries.pidHexAt(i),
      w: entries.weightAt(i).toString(),
      start: entries.startAt(i).toString(),
    })),
    n: entries.count,
    t: entries.total.toString(),
    root: root.toString('hex'),
    seed: seed.toString('hex'),
    steps: records.steps,
    slots: records.slots.map((s) => ({ slot: s.slot, prize: labels[s.slot]!, winner: s.winner ? { c: s.winner.c, t: s.winner.t, pid: s.winner.pid } : null })),
    exhausted_at_slot: outcome.exhaustedAtSlot,
  };
}

// Regenerate with UPDATE_DRAW_VECTORS=1 (only after a deliberate change of the naive reference).
if (process.env.UPDATE_DRAW_VECTORS === '1' || !existsSync(FIXTURE)) {
  const vectors: Vector[] = INPUTS.map((input) => ({ ...input, expected: naiveExpected(input) }));
  writeFileSync(FIXTURE, `${JSON.stringify({ algorithm: 'LAUREL-DRAW-v1', generated_by: 'test/unit/draws/naive.ts', vectors }, null, 2)}\n`);
}

const vectors = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { vectors: Vector[] }).vectors;

describe('LAUREL-DRAW-v1 test vectors (test/fixtures/draws/vectors.json)', () => {
  it('cover every input defined here', () => {
    expect(vectors.map((v) => v.name)).toEqual(INPUTS.map((i) => i.name));
  });

  for (const vector of vectors) {
    describe(vector.name, () => {
      it('the naive reference reproduces the frozen vector', () => {
        expect(naiveExpected(vector)).toEqual(vector.expected);
      });

      it('the optimized core reproduces the frozen vector', () => {
        expect(optimizedExpected(vector)).toEqual(vector.expected);
      });
    });
  }

  it('record c as the counter after consuming the word: step i has c = i + 1 and x = word(c − 1)', () => {
    for (const vector of vectors) {
      const seed = Buffer.from(vector.expected.seed, 'hex');
      vector.expected.steps.forEach((s, i) => {
        expect(s.c, vector.name).toBe(i + 1);
        expect(s.x, vector.name).toBe(naiveWord(seed, s.c - 1).toString());
      });
      for (const slot of vector.expected.slots) {
        if (slot.winner) expect(vector.expected.steps[slot.winner.c - 1]).toMatchObject({ outcome: 'winner', slot: slot.slot, pid: slot.winner.pid });
      }
    }
  });

  it('exercise every rejection kind and empty slots somewhere', () => {
    const outcomes = new Set(vectors.flatMap((v) => v.expected.steps.map((s) => s.outcome)));
    expect(outcomes).toEqual(new Set(['winner', 'range', 'max_wins']));
    expect(vectors.some((v) => v.expected.exhausted_at_slot !== null)).toBe(true);
  });

  it('publish records that verify end to end', async () => {
    for (const vector of INPUTS.filter((v) => v.members.some((m) => m.weight !== '0'))) {
      const entries = freezeEntries(Buffer.from(vector.draw_key, 'hex'), vector.members.map((m) => ({ memberId: m.id, weight: BigInt(m.weight) })));
      const draw = makeDraw(entries, { drawId: vector.draw_id, prizes: vector.prizes, reserves: vector.reserves, maxWins: vector.max_wins });
      const result = await verifyDraw(draw.record, [draw.leaves]);
      expect(result, vector.name).toMatchObject({ ok: true });
    }
  });
});
