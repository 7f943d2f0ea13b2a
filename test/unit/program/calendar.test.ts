import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calendar } from '../../../src/program/index.js';

/** The wall clock straight from Intl, with no caching: the reference the fast path must match. */
function intlWallClock(instant: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second'), millisecond: instant.getUTCMilliseconds() };
}

const d = (iso: string) => new Date(iso);

describe('calendar in IANA zones', () => {
  it('reads local dates and offsets (Tehran is UTC+3:30)', () => {
    expect(calendar.toLocalDateTime(d('2025-03-04T20:00:00Z'), 'Asia/Tehran')).toMatchObject({ year: 2025, month: 3, day: 4, hour: 23, minute: 30 });
    expect(calendar.zoneOffsetMs(d('2025-03-04T20:00:00Z'), 'Asia/Tehran')).toBe(3.5 * 3600_000);
  });

  it('cached zone offsets agree with Intl at every instant, DST transitions included', () => {
    const zones = ['Asia/Tehran', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'UTC'];
    const transitions = ['2022-03-21T20:29:59.999Z', '2022-03-21T20:30:00.000Z', '2022-09-21T19:30:00.000Z', '2025-03-09T06:59:59.999Z', '2025-03-09T07:00:00.000Z', '2025-11-02T05:59:59.999Z', '2025-11-02T06:00:00.000Z', '2025-10-05T15:30:00.000Z'];
    for (const zone of zones) for (const t of transitions) expect(calendar.toLocalDateTime(d(t), zone)).toEqual(intlWallClock(d(t), zone));
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2060, 0, 1) }), (zone, ms) => {
        expect(calendar.toLocalDateTime(new Date(ms), zone)).toEqual(intlWallClock(new Date(ms), zone));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the start of a local day, including across DST', () => {
    expect(calendar.startOfLocalDay(d('2025-03-04T20:00:00Z'), 'Asia/Tehran').toISOString()).toBe('2025-03-03T20:30:00.000Z');
    // New York: 2025-03-09 is the spring-forward day (midnight exists, 02:00 does not).
    expect(calendar.startOfLocalDate({ year: 2025, month: 3, day: 9 }, 'America/New_York').toISOString()).toBe('2025-03-09T05:00:00.000Z');
    expect(calendar.startOfLocalDate({ year: 2025, month: 3, day: 10 }, 'America/New_York').toISOString()).toBe('2025-03-10T04:00:00.000Z');
  });

  it('starts a day at the transition when midnight is skipped (Tehran 2022 DST)', () => {
    // Iran moved clocks from 00:00 to 01:00 on 2022-03-22 (its last DST year).
    const start = calendar.startOfLocalDate({ year: 2022, month: 3, day: 22 }, 'Asia/Tehran');
    expect(start.toISOString()).toBe('2022-03-21T20:30:00.000Z');
    expect(calendar.toLocalDateTime(start, 'Asia/Tehran')).toMatchObject({ day: 22, hour: 1, minute: 0 });
  });

  it('adds months with the day clamped', () => {
    expect(calendar.addMonthsToLocalDate({ year: 2024, month: 1, day: 31 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(calendar.addMonthsToLocalDate({ year: 2025, month: 1, day: 31 }, 1)).toEqual({ year: 2025, month: 2, day: 28 });
    expect(calendar.addMonthsToLocalDate({ year: 2025, month: 3, day: 15 }, -15)).toEqual({ year: 2023, month: 12, day: 15 });
  });

  it('weeks start on the configured day', () => {
    // 2025-03-05 is a Wednesday.
    expect(calendar.startOfLocalWeek(d('2025-03-05T12:00:00Z'), 'UTC', 'saturday').toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(calendar.startOfLocalWeek(d('2025-03-05T12:00:00Z'), 'UTC', 'monday').toISOString()).toBe('2025-03-03T00:00:00.000Z');
  });

  it('rejects unknown zones', () => {
    expect(calendar.isValidTimeZone('Asia/Tehran')).toBe(true);
    expect(calendar.isValidTimeZone('Nowhere/Special')).toBe(false);
  });
});

describe('startsOfLocalDays and startsOfLocalDates', () => {
  it('equals startOfLocalDate for every day, across DST changes and skipped midnights', () => {
    const zones = ['Asia/Tehran', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', 'Africa/Casablanca', 'America/Havana', 'UTC'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(1975, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.integer({ min: 0, max: 120 }), (zone, ms, count) => {
        const first = calendar.toLocalDate(new Date(ms), 'UTC');
        const starts = calendar.startsOfLocalDays(first, count, zone);
        expect(starts).toHaveLength(count + 1);
        starts.forEach((s, k) => expect(s).toEqual(calendar.startOfLocalDate(calendar.addDaysToLocalDate(first, k), zone)));
        const sparse = starts.map((_, k) => calendar.addDaysToLocalDate(first, k * 9));
        calendar.startsOfLocalDates(sparse, zone).forEach((s, k) => expect(s).toEqual(calendar.startOfLocalDate(sparse[k]!, zone)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('zone offset table (transitions located once per zone and span, read by lookup)', () => {
  const allZones = Intl.supportedValuesOf('timeZone');
  const oracles = new Map<string, Intl.DateTimeFormat>();
  /** Intl's wall clock with the era (years before 1 AD), and the offset it implies: the reference for every zone. */
  function oracle(ms: number, timeZone: string) {
    let f = oracles.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
      oracles.set(timeZone, f);
    }
    const parts = f.formatToParts(new Date(ms));
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    const bc = parts.find((p) => p.type === 'era')!.value.startsWith('B');
    const year = bc ? 1 - get('year') : get('year');
    const millisecond = ((ms % 1000) + 1000) % 1000;
    const wall = { year, month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second'), millisecond };
    const asUtc = new Date(0);
    asUtc.setUTCFullYear(wall.year, wall.month - 1, wall.day);
    asUtc.setUTCHours(wall.hour, wall.minute, wall.second, millisecond);
    return { wall, offset: asUtc.getTime() - ms };
  }
  function agrees(ms: number, zone: string): void {
    const want = oracle(ms, zone);
    expect(calendar.toLocalDateTime(new Date(ms), zone), `${zone} at ${ms}`).toEqual(want.wall);
    expect(calendar.zoneOffsetMs(new Date(ms), zone), `${zone} offset at ${ms}`).toBe(want.offset);
  }

  it('agrees with Intl in every zone Intl knows, 1800–2200 and far past and future', () => {
    expect(allZones.length).toBeGreaterThan(300);
    for (const zone of allZones) agrees(Date.UTC(2026, 6, 1, 12), zone);
    fc.assert(
      fc.property(fc.constantFrom(...allZones), fc.integer({ min: Date.UTC(1800, 0, 1), max: Date.UTC(2200, 0, 1) }), (zone, ms) => agrees(ms, zone)),
      { numRuns: 1500 },
    );
    const farPast = new Date(0).setUTCFullYear(-3000);
    const farFuture = new Date(0).setUTCFullYear(9999);
    fc.assert(fc.property(fc.constantFrom(...allZones), fc.integer({ min: farPast, max: farFuture }), (zone, ms) => agrees(ms, zone)), { numRuns: 300 });
    // The ends of time: the wall clock of an instant a few hours from the end is beyond `Date`'s range.
    for (const zone of ['Asia/Tehran', 'America/Los_Angeles']) {
      for (const ms of [-8.64e15, -8.64e15 + 1, 8.64e15 - 1, 8.64e15]) expect(calendar.toLocalDateTime(new Date(ms), zone)).toEqual(oracle(ms, zone).wall);
    }
  });

  it('is exact to the millisecond on both sides of DST and other transitions, in random zones and years', () => {
    let found = 0;
    fc.assert(
      fc.property(fc.constantFrom(...allZones), fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (zone, t) => {
        // Find a transition in the next half year with Intl alone (bisection), then check around it.
        let lo = t;
        let hi = t + 183 * 86_400_000;
        const before = oracle(lo, zone).offset;
        if (oracle(hi, zone).offset === before) return;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (oracle(mid, zone).offset === before) lo = mid;
          else hi = mid;
        }
        found += 1;
        for (const ms of [hi - 3_600_000, hi - 1000, hi - 1, hi, hi + 1, hi + 999, hi + 3_600_000]) agrees(ms, zone);
      }),
      { numRuns: 800 },
    );
    expect(found).toBeGreaterThan(100);
  });

  it('keeps transitions days apart and 30-minute DST apart (Brazil 2000, Lord Howe, Tehran midnight, Samoa skipping a day)', () => {
    const cases: [string, string][] = [
      ['America/Noronha', '2000-10-08T00:00:00Z'],
      ['America/Recife', '2000-10-08T00:00:00Z'],
      ['America/Argentina/Tucuman', '2004-05-30T00:00:00Z'],
      ['Australia/Lord_Howe', '2025-04-05T00:00:00Z'],
      ['Asia/Tehran', '2022-03-20T00:00:00Z'],
      ['Pacific/Apia', '2011-12-28T00:00:00Z'],
      ['Asia/Gaza', '2040-10-01T00:00:00Z'],
    ];
    for (const [zone, from] of cases) {
      const start = Date.parse(from);
      for (let ms = start; ms < start + 21 * 86_400_000; ms += 15 * 60_000) agrees(ms, zone);
    }
  });

  it('refuses an unknown zone and an invalid instant', () => {
    expect(() => calendar.toLocalDateTime(new Date(0), 'Nowhere/Special')).toThrow(RangeError);
    expect(() => calendar.zoneOffsetMs(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});
