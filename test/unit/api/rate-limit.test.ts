import fc from 'fast-check';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { addressBucket, gcra, RateLimiter, type RateLimit } from '../../../src/api/rate-limit.js';
import { jsonDepth } from '../../../src/api/json-body.js';

describe('GCRA rate limit', () => {
  it('allows a burst at once, then one request per interval; Retry-After says when', () => {
    const limit: RateLimit = { perMinute: 60, burst: 3 };
    let tat: number | undefined;
    const at = (now: number) => {
      const step = gcra(tat, now, limit);
      tat = step.tat;
      return step.decision;
    };
    expect([at(0), at(0), at(0)].map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const refused = at(10);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 990 });
    expect(at(999).allowed).toBe(false);
    expect(at(1000).allowed).toBe(true);
    expect(at(1500).allowed).toBe(false);
    expect(at(5000)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('waiting exactly Retry-After is enough, even where the floats land a hair under a millisecond', () => {
    // The counterexample a CI run's fast-check found: 9 a minute, bursts of 2.
    const limit: RateLimit = { perMinute: 9, burst: 2 };
    let tat: number | undefined;
    let now = 0;
    for (const gap of [0, 81, 386, 3624, 4056, 2627, 2560, 0]) {
      now += gap;
      const step = gcra(tat, now, limit);
      tat = step.tat;
      if (!step.decision.allowed) expect(gcra(tat, now + step.decision.retryAfterMs, limit).decision.allowed).toBe(true);
    }
  });

  it('never lets through more than burst + elapsed × rate, whatever the arrival times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 200 }),
        (perMinute, burst, gaps) => {
          const limit = { perMinute, burst };
          let tat: number | undefined;
          let now = 0;
          const allowedAt: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const step = gcra(tat, now, limit);
            tat = step.tat;
            if (step.decision.allowed) allowedAt.push(now);
            else {
              // Retry-After is honest: waiting that long is enough.
              expect(gcra(tat, now + step.decision.retryAfterMs, limit).decision.allowed).toBe(true);
            }
          }
          const interval = 60_000 / perMinute;
          let worst = 0;
          for (let i = 0; i < allowedAt.length; i++) {
            for (let j = i; j < allowedAt.length; j++) {
              worst = Math.max(worst, j - i + 1 - (burst + Math.floor((allowedAt[j]! - allowedAt[i]!) / interval + 1e-6)));
            }
          }
          expect(worst).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('without Redis each process limits on its own, in memory (the API keeps answering)', async () => {
    const redis = new Redis(1, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: null });
    try {
      const limiter = new RateLimiter(redis, 'test', { apiKey: { perMinute: 60, burst: 2 }, member: { perMinute: 0, burst: 1 }, address: { perMinute: 0, burst: 1 } });
      const found = limiter.limitOf({ kind: 'key', keyId: 'k', role: 'admin', name: 'x', partnerId: null, dailyPointCap: null })!;
      const started = Date.now();
      const decisions = [await limiter.take(found.bucket, found.limit), await limiter.take(found.bucket, found.limit), await limiter.take(found.bucket, found.limit)];
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(limiter.limitOf({ kind: 'member', memberId: 'm' })).toBeUndefined(); // 0 = no limit
    } finally {
      redis.disconnect();
    }
  });
});

describe('client address buckets (requests nobody is known for)', () => {
  it('IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by its /64 however it is written', () => {
    expect(addressBucket('203.0.113.9')).toBe('ip:203.0.113.9');
    expect(addressBucket('::ffff:203.0.113.9')).toBe('ip:203.0.113.9');
    expect(addressBucket('2001:db8:0:1::7')).toBe('ip6:2001:db8:0:1::/64');
    expect(addressBucket('2001:0db8:0000:0001:ffff:0:0:9')).toBe('ip6:2001:db8:0:1::/64');
    expect(addressBucket('2001:db8::1')).toBe('ip6:2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('ip6:0:0:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('ip6:fe80:0:0:0::/64');
    expect(addressBucket('2001:db8:0:1::7')).not.toBe(addressBucket('2001:db8:0:2::7'));
  });
});

describe('JSON depth', () => {
  it('counts nesting outside strings, escapes included', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonDepth('{"a":"[[[[{{{{"}')).toBe(1);
    expect(jsonDepth('{"a":"\\"[[[["}')).toBe(1);
    expect(jsonDepth('['.repeat(1_000_000), 32)).toBe(33);
  });
});
