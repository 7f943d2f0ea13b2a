import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignBucket, BUCKETS, campaignBucket } from '../../../src/journeys/campaigns/buckets.js';

describe('campaign buckets', () => {
  it('are stable and in 0..9999', () => {
    expect(campaignBucket('spring', 'm-1')).toBe(campaignBucket('spring', 'm-1'));
    fc.assert(fc.property(fc.string(), fc.string(), (c, m) => {
      const b = campaignBucket(c, m);
      expect(Number.isInteger(b) && b >= 0 && b < BUCKETS).toBe(true);
    }));
  });

  it('differ between campaigns (a member is not always in the holdout)', () => {
    const buckets = new Set(Array.from({ length: 50 }, (_, i) => campaignBucket(`c${i}`, 'm-1')));
    expect(buckets.size).toBeGreaterThan(40);
  });

  it('spread evenly: 20,000 members land within 3 % of each tenth', () => {
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[Math.floor(campaignBucket('even', `member-${i}`) / 1000)]! += 1;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(2000 * 0.08);
  });

  it('splits exactly by bucket: holdout first, then variants by percent', () => {
    const variants = [{ key: 'a', percent: 50 }, { key: 'b', percent: 30 }, { key: 'c', percent: 20 }];
    const tally = new Map<string, number>();
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const a = assignBucket(bucket, 10, variants);
      const key = a.holdout ? 'holdout' : a.variant;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(tally)).toEqual({ holdout: 1000, a: 4500, b: 2700, c: 1800 });
    expect(assignBucket(999, 10, variants)).toEqual({ holdout: true, variant: null });
    expect(assignBucket(1000, 10, variants)).toEqual({ holdout: false, variant: 'a' });
  });

  it('every bucket gets exactly one assignment for any split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 90 }), fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: BUCKETS - 1 }), (holdout, raw, bucket) => {
        // Normalize raw weights to whole percents summing to 100.
        const total = raw.reduce((s, w) => s + w, 0);
        const percents = raw.map((w) => Math.floor((w * 100) / total));
        percents[0]! += 100 - percents.reduce((s, p) => s + p, 0);
        const variants = percents.map((percent, i) => ({ key: `v${i}`, percent })).filter((v) => v.percent > 0);
        const a = assignBucket(bucket, holdout, variants);
        expect(a.holdout).toBe(bucket < holdout * 100);
        if (!a.holdout) expect(variants.map((v) => v.key)).toContain(a.variant);
      }),
    );
  });
});
