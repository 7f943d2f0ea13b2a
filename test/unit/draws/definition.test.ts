import { describe, expect, it } from 'vitest';
import { QUICKNET } from '../../../src/draws/index.js';
import { checkDrawRandomness, DrawInputSchema, rulesHash } from '../../../src/journeys/draws/index.js';

const base = {
  id: 'yalda-2026',
  name: 'Yalda draw',
  tickets: { type: 'balance', pointsPerTicket: 100 },
  entryStartsAt: '2026-12-01T00:00:00Z',
  entryEndsAt: '2026-12-21T00:00:00Z',
  prizes: [{ id: 'kish', name: 'Weekend in Kish', quantity: 1, rewardId: 'kish-trip' }, { id: 'pts', name: '500 points', quantity: 3, points: 500 }],
  randomness: { secretCommitment: 'ab'.repeat(32) },
};

describe('draw definitions', () => {
  it('fills the defaults (max wins 1, no reserves, quicknet) and hashes the rules canonically', () => {
    const d = DrawInputSchema.parse({ ...base, randomness: { drand: { round: 10 ** 8 } } });
    expect(d.maxWinsPerMember).toBe(1);
    expect(d.reserves).toBe(0);
    expect(d.randomness.drand?.chainHash).toBe(QUICKNET.chainHash);
    const reordered = DrawInputSchema.parse(JSON.parse(JSON.stringify({ randomness: { drand: { round: 10 ** 8 } }, prizes: base.prizes, name: base.name, id: base.id, tickets: base.tickets, entryEndsAt: base.entryEndsAt, entryStartsAt: base.entryStartsAt })));
    expect(rulesHash(reordered)).toBe(rulesHash(d));
    expect(rulesHash(DrawInputSchema.parse({ ...base, maxWinsPerMember: 2 }))).not.toBe(rulesHash(DrawInputSchema.parse(base)));
  });

  it('refuses what a draw cannot be', () => {
    const bad = (patch: Record<string, unknown>) => DrawInputSchema.safeParse({ ...base, ...patch }).success;
    expect(bad({ randomness: {} })).toBe(false);
    expect(bad({ prizes: [] })).toBe(false);
    expect(bad({ prizes: [{ id: 'a', name: 'a', quantity: 1 }] })).toBe(false); // neither points nor reward
    expect(bad({ prizes: [{ id: 'a', name: 'a', quantity: 1, points: 1 }, { id: 'a', name: 'b', quantity: 1, points: 1 }] })).toBe(false);
    expect(bad({ entryEndsAt: base.entryStartsAt })).toBe(false);
    expect(bad({ tickets: { type: 'balance', pointsPerTicket: 0 } })).toBe(false);
    expect(bad({ maxWinsPerMember: 0 })).toBe(false);
  });

  it('a drand round must be published after the close and after now', () => {
    const at = (round: number) => new Date((QUICKNET.genesisTime + (round - 1) * QUICKNET.period) * 1000);
    const closeRound = 50_000_000;
    const d = (round: number) => DrawInputSchema.parse({ ...base, entryEndsAt: at(closeRound).toISOString(), randomness: { drand: { round } } });
    const before = new Date(at(closeRound).getTime() - 86_400_000);
    expect(() => checkDrawRandomness(d(closeRound + 1), [QUICKNET], before)).not.toThrow();
    expect(() => checkDrawRandomness(d(closeRound), [QUICKNET], before)).toThrow(expect.objectContaining({ code: 'drand_round_in_past' }));
    expect(() => checkDrawRandomness(d(closeRound + 10), [QUICKNET], at(closeRound + 20))).toThrow(expect.objectContaining({ code: 'drand_round_in_past' }));
    expect(() => checkDrawRandomness(DrawInputSchema.parse({ ...base, randomness: { drand: { chainHash: 'cd'.repeat(32), round: 5 } } }), [QUICKNET], before)).toThrow(
      expect.objectContaining({ code: 'drand_unknown_chain' }),
    );
  });
});
