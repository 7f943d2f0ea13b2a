import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandSlots, freezeEntries, outcomeRecords, runDraw, verifyDraw } from '../../../src/draws/index.js';
import { makeDraw } from './helpers.js';
import { naiveDraw, naiveFreeze } from './naive.js';

const membersOf = (weight: fc.Arbitrary<number | bigint>) =>
  fc.uniqueArray(fc.record({ memberId: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }), weight }), {
    selector: (m) => m.memberId,
    minLength: 1,
    maxLength: 25,
  });
/** Any weights, up to 2^60 each: for the freeze layout. */
const anyMembersArb = membersOf(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.bigInt({ min: 0n, max: 2n ** 60n })));
/**
 * Comparable weights for drawing: with weights 1 and 2^60, a max_wins rejection loop waiting for
 * the small entry would need ~2^60 words (the loop's counter guard stops it, slowly).
 */
const membersArb = membersOf(fc.integer({ min: 0, max: 50 }));
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const prizesArb = fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c'), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 });

describe('draw properties (fast-check)', () => {
  it('frozen blocks are contiguous from 0 to T, in strictly ascending pid order', () => {
    fc.assert(
      fc.property(keyArb, anyMembersArb, (key, members) => {
        const entries = freezeEntries(key, members);
        const positive = members.filter((m) => BigInt(m.weight) > 0n);
        expect(entries.count).toBe(positive.length);
        let expectedStart = 0n;
        for (let i = 0; i < entries.count; i++) {
          expect(entries.startAt(i)).toBe(expectedStart);
          expect(entries.weightAt(i) >= 1n).toBe(true);
          expectedStart += entries.weightAt(i);
          if (i > 0) expect(Buffer.compare(entries.pidAt(i - 1), entries.pidAt(i))).toBe(-1);
        }
        expect(entries.total).toBe(expectedStart);
        expect(entries.total).toBe(positive.reduce((s, m) => s + BigInt(m.weight), 0n));
      }),
      { numRuns: 200 },
    );
  });

  it('winners hold their ticket, nobody exceeds max_wins, and the naive reference agrees', () => {
    fc.assert(
      fc.property(keyArb, membersArb, prizesArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (key, members, prizes, reserves, maxWins, seedBytes) => {
        const entries = freezeEntries(key, members);
        fc.pre(entries.count > 0);
        const seed = Buffer.from(seedBytes);
        const slots = expandSlots(prizes, reserves);
        const outcome = runDraw({ seed, book: entries, slots, maxWins });
        const wins = new Map<number, number>();
        for (const s of outcome.slots) {
          if (!s.winner) continue;
          const { entry, t } = s.winner;
          expect(entries.startAt(entry) <= t && t < entries.startAt(entry) + entries.weightAt(entry)).toBe(true);
          wins.set(entry, (wins.get(entry) ?? 0) + 1);
        }
        for (const n of wins.values()) expect(n).toBeLessThanOrEqual(maxWins);
        const filled = outcome.slots.filter((s) => s.winner).length;
        expect(filled).toBe(Math.min(slots.length, entries.count * maxWins));
        // Recorded counters are the post-increment values 1, 2, 3, … (word(c − 1) was used), and there is exactly one winner step per filled slot.
        outcome.steps.forEach((s, i) => expect(s.c).toBe(i + 1));
        expect(outcome.steps.filter((s) => s.outcome === 'winner')).toHaveLength(filled);

        const naiveEntries = naiveFreeze(key, members.map((m) => ({ id: m.memberId, weight: BigInt(m.weight) })));
        const labels = slots.map((s) => s.prizeId ?? `reserve:${s.reserveRank}`);
        const naive = naiveDraw(naiveEntries, seed, labels, maxWins);
        expect(outcomeRecords(outcome, entries).steps).toEqual(naive.steps);
        expect(outcome.exhaustedAtSlot).toBe(naive.exhaustedAtSlot);
      }),
      { numRuns: 150 },
    );
  });

  it('replaying a published record gives the identical draw', async () => {
    await fc.assert(
      fc.asyncProperty(keyArb, membersArb, prizesArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.string({ maxLength: 10 }), async (key, members, prizes, reserves, maxWins, secret) => {
        const entries = freezeEntries(key, members);
        const draw = makeDraw(entries, { prizes, reserves, maxWins, drand: false, secret: Buffer.from(`s:${secret}`) });
        const again = makeDraw(entries, { prizes, reserves, maxWins, drand: false, secret: Buffer.from(`s:${secret}`) });
        expect(again.record).toEqual(draw.record);
        const result = await verifyDraw(draw.record, [draw.leaves]);
        expect(result).toMatchObject({ ok: true });
      }),
      { numRuns: 60 },
    );
  });
});
