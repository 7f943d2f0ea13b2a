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
