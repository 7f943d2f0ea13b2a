import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangePieces } from '../../../src/reports/sales.js';

const SLICE = 15 * 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('sales_item_rollup pieces of a range', () => {
  it('cover the range exactly once, in order, each piece on its grain', () => {
    const start = Date.parse('2024-11-01T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 60_000 }), (a, n) => {
        const [s, e] = [start + a * SLICE, start + (a + n) * SLICE];
        const { grains, from, to } = rangePieces(new Date(s), new Date(e));
        let at = s;
        for (const [i, g] of grains.entries()) {
          const [f, t] = [from[i]!.getTime(), to[i]!.getTime()];
          expect(f, `piece ${i} starts where the last ended`).toBe(at);
          expect(t).toBeGreaterThan(f);
          if (g === 1) expect([f % DAY, t % DAY]).toEqual([0, 0]);
          if (g === 2) expect([new Date(f).getUTCDate(), new Date(t).getUTCDate(), f % DAY, t % DAY]).toEqual([1, 1, 0, 0]);
          at = t;
        }
        expect(at, 'the pieces end at the range end').toBe(e);
        // No finer piece where a coarser one fits: at most one run of slices / days at each end.
        expect(grains.filter((g) => g === 2).length).toBeLessThanOrEqual(1);
        expect(grains.filter((g) => g === 1).length).toBeLessThanOrEqual(2);
        expect(grains.filter((g) => g === 0).length).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('a Tehran year: 11 whole UTC months, the days and slices left at its ends', () => {
    const { grains, from, to } = rangePieces(new Date('2025-01-01T00:00:00+03:30'), new Date('2026-01-01T00:00:00+03:30'));
    expect(grains.map((g, i) => [g, iso(from[i]!.getTime()), iso(to[i]!.getTime())])).toEqual([
      [0, '2024-12-31T20:30:00.000Z', '2025-01-01T00:00:00.000Z'],
      [2, '2025-01-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z'],
      [1, '2025-12-01T00:00:00.000Z', '2025-12-31T00:00:00.000Z'],
      [0, '2025-12-31T00:00:00.000Z', '2025-12-31T20:30:00.000Z'],
    ]);
  });
});
