import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAULT_TARGETS, faultSchedule, parseSeed, seededRandom } from '../../chaos/schedule.js';

describe('chaos fault schedule', () => {
  const seed = fc.integer({ min: 0, max: 0xffffffff });
  const options = fc.record({
    rounds: fc.integer({ min: 0, max: 6 }),
    from: fc.double({ min: 0, max: 0.4, noNaN: true }),
    to: fc.double({ min: 0.5, max: 1, noNaN: true }),
    minDownMs: fc.integer({ min: 0, max: 2000 }),
    extraDownMs: fc.integer({ min: 0, max: 5000 }),
  });

  it('is a function of the seed: the same seed gives the same schedule', () => {
    fc.assert(
      fc.property(seed, options, (s, o) => {
        const opts = { ...o, maxDownMs: o.minDownMs + o.extraDownMs };
        expect(faultSchedule(s, opts)).toEqual(faultSchedule(s, opts));
      }),
    );
  });

  it('kills every target once per round, at increasing points inside [from, to], down for a time inside the bounds', () => {
    fc.assert(
      fc.property(seed, options, (s, o) => {
        const faults = faultSchedule(s, { ...o, maxDownMs: o.minDownMs + o.extraDownMs });
        expect(faults).toHaveLength(o.rounds * FAULT_TARGETS.length);
        for (let r = 0; r < o.rounds; r++) {
          const round = faults.slice(r * FAULT_TARGETS.length, (r + 1) * FAULT_TARGETS.length).map((f) => f.target);
          expect([...round].sort()).toEqual([...FAULT_TARGETS].sort());
        }
        faults.forEach((f, i) => {
          expect(f.index).toBe(i);
          expect(f.at).toBeGreaterThanOrEqual(o.from);
          expect(f.at).toBeLessThanOrEqual(o.to);
          if (i > 0) expect(f.at).toBeGreaterThan(faults[i - 1]!.at);
          expect(f.downMs).toBeGreaterThanOrEqual(o.minDownMs);
          expect(f.downMs).toBeLessThanOrEqual(o.minDownMs + o.extraDownMs);
        });
      }),
    );
  });

  it('different seeds shuffle differently (not a fixed order)', () => {
    const orders = new Set(Array.from({ length: 50 }, (_, s) => faultSchedule(s, { rounds: 1 }).map((f) => f.target).join(',')));
    expect(orders.size).toBeGreaterThan(10);
  });

  it('the generator is uniform enough and in [0, 1)', () => {
    const random = seededRandom(42);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = random();
      if (!(x >= 0 && x < 1)) outside += 1;
      else buckets[Math.floor(x * 10)]! += 1;
    }
    expect(outside).toBe(0);
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });

  it('refuses bad options and bad seeds with a clear error', () => {
    expect(() => faultSchedule(1, { rounds: -1 })).toThrow(/rounds/);
    expect(() => faultSchedule(1, { rounds: 1, from: 0.9, to: 0.1 })).toThrow(/from/);
    expect(() => faultSchedule(1, { rounds: 1, minDownMs: 10, maxDownMs: 5 })).toThrow(/DownMs/);
    expect(() => faultSchedule(1, { rounds: 1, targets: ['api', 'api'] })).toThrow(/distinct/);
    expect(parseSeed(undefined)).toBeUndefined();
    expect(parseSeed('123')).toBe(123);
    expect(() => parseSeed('-1')).toThrow(/seed/);
    expect(() => parseSeed('1.5')).toThrow(/seed/);
  });
});
