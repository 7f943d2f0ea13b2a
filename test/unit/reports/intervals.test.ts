import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LaurelError } from '../../../src/errors/index.js';
import { calendar, persianCalendar, type LocalDate } from '../../../src/program/index.js';
import { MAX_REPORT_BUCKETS, reportRange, type ReportRange } from '../../../src/reports/index.js';
import { describeBucket } from '../../../src/reports/intervals.js';

const date = (iso: string): LocalDate => {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  return { year, month, day };
};

function range(from: string, to: string, interval: 'day' | 'week' | 'month', timeZone: string, cal: 'gregorian' | 'persian' = 'gregorian'): ReportRange {
  return reportRange({ from: date(from), to: date(to), interval, calendar: cal, timeZone, weekStartsOn: 'monday' });
}

/** The Persian date straight from Intl: the reference the arithmetic must match. */
const persianFormat = new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
function intlPersian(d: LocalDate) {
  const parts = persianFormat.formatToParts(new Date(Date.UTC(d.year, d.month - 1, d.day)));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

describe('Persian calendar', () => {
  it('agrees with Intl on every day from 2000 to 2040, and converts back', () => {
    for (let d: LocalDate = { year: 2000, month: 1, day: 1 }; d.year < 2040; d = calendar.addDaysToLocalDate(d, 1)) {
      const p = persianCalendar.toPersianDate(d);
      expect(p).toEqual(intlPersian(d));
      expect(persianCalendar.fromPersianDate(p)).toEqual(d);
    }
  });

  it('knows Nowruz: 1404 began on 21 March 2025, 1403 on 20 March 2024', () => {
    expect(persianCalendar.nowruz(2025)).toEqual(date('2025-03-21'));
    expect(persianCalendar.nowruz(2024)).toEqual(date('2024-03-20'));
    expect(persianCalendar.startOfNextPersianMonth(date('2025-03-20'))).toEqual(date('2025-03-21'));
  });
});

describe('report intervals', () => {
  it('a day that loses an hour to DST is 23 hours long, and its boundaries say so', () => {
    const r = range('2025-03-29', '2025-03-31', 'day', 'Europe/London');
    expect(r.buckets.map((b) => describeBucket(b, 'Europe/London'))).toEqual([
      { label: '2025-03-29', firstDay: '2025-03-29', lastDay: '2025-03-29', start: '2025-03-29T00:00:00+00:00', end: '2025-03-30T00:00:00+00:00', partial: false },
      { label: '2025-03-30', firstDay: '2025-03-30', lastDay: '2025-03-30', start: '2025-03-30T00:00:00+00:00', end: '2025-03-31T00:00:00+01:00', partial: false },
      { label: '2025-03-31', firstDay: '2025-03-31', lastDay: '2025-03-31', start: '2025-03-31T00:00:00+01:00', end: '2025-04-01T00:00:00+01:00', partial: false },
    ]);
    expect(r.buckets[1]!.end.getTime() - r.buckets[1]!.start.getTime()).toBe(23 * 3600_000);
    expect(r.buckets[0]!.start.toISOString()).toBe('2025-03-29T00:00:00.000Z');
  });

  it('Tehran in 2021 skipped midnight at Nowruz+1: that day starts at 01:00', () => {
    const r = range('2021-03-21', '2021-03-22', 'day', 'Asia/Tehran');
    expect(describeBucket(r.buckets[1]!, 'Asia/Tehran').start).toBe('2021-03-22T01:00:00+04:30');
    expect(r.buckets[0]!.end.getTime() - r.buckets[0]!.start.getTime()).toBe(24 * 3600_000);
  });

  it('Persian months cross the year at Nowruz; the range clips the first and last month', () => {
    const r = range('2025-03-01', '2025-04-30', 'month', 'Asia/Tehran', 'persian');
    expect(r.buckets.map((b) => [b.label, calendar.formatLocalDate(b.firstDay), calendar.formatLocalDate(b.lastDay), b.partial])).toEqual([
      ['1403-12', '2025-03-01', '2025-03-20', true],
      ['1404-01', '2025-03-21', '2025-04-20', false],
      ['1404-02', '2025-04-21', '2025-04-30', true],
    ]);
    expect(describeBucket(r.buckets[1]!, 'Asia/Tehran').start).toBe('2025-03-21T00:00:00+03:30');
  });

  it('Persian weeks start on Saturday, Gregorian weeks on the program day', () => {
    const persian = range('2025-03-05', '2025-03-20', 'week', 'Asia/Tehran', 'persian');
    expect(persian.buckets.map((b) => calendar.weekdayOf(b.firstDay))).toEqual([3, 6, 6]);
    expect(persian.buckets.map((b) => b.label)).toEqual(['1403-12-11', '1403-12-18', '1403-12-25']);
    const gregorian = range('2025-03-05', '2025-03-20', 'week', 'Asia/Tehran');
    expect(gregorian.buckets.map((b) => b.label)).toEqual(['2025-03-03', '2025-03-10', '2025-03-17']);
    expect(gregorian.buckets[0]!.partial).toBe(true);
  });

  it('refuses from after to and more than 10,000 intervals, and takes exactly 10,000', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as LaurelError).code;
      }
      return 'ok';
    };
    expect(code(() => range('2025-03-02', '2025-03-01', 'day', 'UTC'))).toBe('range_inverted');
    const last = calendar.formatLocalDate(calendar.addDaysToLocalDate(date('2000-01-01'), MAX_REPORT_BUCKETS - 1));
    expect(range('2000-01-01', last, 'day', 'UTC').buckets).toHaveLength(MAX_REPORT_BUCKETS);
    const oneMore = calendar.formatLocalDate(calendar.addDaysToLocalDate(date('2000-01-01'), MAX_REPORT_BUCKETS));
    expect(code(() => range('2000-01-01', oneMore, 'day', 'UTC'))).toBe('too_many_intervals');
    expect(code(() => range('1900-01-01', '2999-12-31', 'week', 'UTC'))).toBe('too_many_intervals');
    expect(code(() => range('1900-01-01', '2999-12-31', 'month', 'UTC'))).toBe('too_many_intervals');
    expect(range('2000-01-01', '2800-12-31', 'month', 'UTC').buckets).toHaveLength(801 * 12);
  });

  const zones = ['Asia/Tehran', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'UTC'];
  it('buckets tile the range: contiguous, each exactly its local days, labels in the calendar', () => {
    const day = fc.integer({ min: Date.UTC(1985, 0, 1), max: Date.UTC(2040, 0, 1) }).map((ms) => calendar.toLocalDate(new Date(ms), 'UTC'));
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        day,
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom('day' as const, 'week' as const, 'month' as const),
        fc.constantFrom('gregorian' as const, 'persian' as const),
        (zone, from, span, interval, cal) => {
          const to = calendar.addDaysToLocalDate(from, span);
          const r = reportRange({ from, to, interval, calendar: cal, timeZone: zone, weekStartsOn: 'sunday' });
          expect(r.start).toEqual(calendar.startOfLocalDate(from, zone));
          expect(r.end).toEqual(calendar.startOfLocalDate(calendar.addDaysToLocalDate(to, 1), zone));
          r.buckets.forEach((b, i) => {
            if (i > 0) expect(b.start).toEqual(r.buckets[i - 1]!.end);
            expect(b.start).toEqual(calendar.startOfLocalDate(b.firstDay, zone));
            expect(b.end).toEqual(calendar.startOfLocalDate(calendar.addDaysToLocalDate(b.lastDay, 1), zone));
            const key = (d: LocalDate) => {
              if (interval === 'day') return calendar.formatLocalDate(d);
              if (interval === 'week') return calendar.formatLocalDate(calendar.firstDayOfWeek(d, cal === 'persian' ? 'saturday' : 'sunday'));
              const p = persianCalendar.toPersianDate(d);
              return cal === 'persian' ? `${p.year}-${p.month}` : `${d.year}-${d.month}`;
            };
            expect(key(b.firstDay)).toBe(key(b.lastDay));
            if (i > 0) expect(key(b.firstDay)).not.toBe(key(r.buckets[i - 1]!.lastDay));
          });
          expect(new Set(r.buckets.map((b) => b.label)).size).toBe(r.buckets.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
