/**
 * Report intervals: the local days, weeks or months of a date range in the program's time zone,
 * as UTC instants `[start, end)`. Pure. The SQL side never converts time zones: it receives these
 * boundaries and buckets rows with `width_bucket(at, boundaries)`, so DST days (23 or 25 hours),
 * midnights a DST jump skipped, and Persian months all come from this one place.
 */
import { LaurelError, ValidationError } from '../errors/index.js';
import {
  addDaysToLocalDate,
  addMonthsToLocalDate,
  compareLocalDates,
  daysBetweenLocalDates,
  firstDayOfWeek,
  formatInstantInZone,
  formatLocalDate,
  startsOfLocalDates,
  startsOfLocalDays,
  type LocalDate,
  type Weekday,
} from '../program/calendar.js';
import { formatPersianDate, startOfNextPersianMonth, startOfPersianMonth, toPersianDate } from '../program/persian-calendar.js';

export const REPORT_INTERVALS = ['day', 'week', 'month'] as const;
export type ReportInterval = (typeof REPORT_INTERVALS)[number];
export const REPORT_CALENDARS = ['gregorian', 'persian'] as const;
export type ReportCalendar = (typeof REPORT_CALENDARS)[number];

/** More buckets than this is a 400: a chart cannot show them and the query would be pointless. */
export const MAX_REPORT_BUCKETS = 10_000;

export interface ReportRangeInput {
  /** First local day, inclusive. */
  from: LocalDate;
  /** Last local day, inclusive. */
  to: LocalDate;
  interval: ReportInterval;
  calendar: ReportCalendar;
  timeZone: string;
  /** Gregorian weeks start on the program's day; Persian weeks always start on Saturday. */
  weekStartsOn: Weekday;
}

export interface ReportBucket {
  /** The period's name in the report's calendar: 2025-03-21, 2025-03 (month), 1404-01 (Persian month). */
  label: string;
  /** First and last local day of the bucket (Gregorian ISO dates), clipped to the range. */
  firstDay: LocalDate;
  lastDay: LocalDate;
  start: Date;
  end: Date;
  /** True when the range cuts the period (a week or month only partly inside from..to). */
  partial: boolean;
}

export interface ReportRange extends ReportRangeInput {
  buckets: ReportBucket[];
  start: Date;
  end: Date;
}

function periodStart(date: LocalDate, interval: ReportInterval, calendar: ReportCalendar, weekStartsOn: Weekday): LocalDate {
  if (interval === 'day') return date;
  if (interval === 'week') return firstDayOfWeek(date, calendar === 'persian' ? 'saturday' : weekStartsOn);
  return calendar === 'persian' ? startOfPersianMonth(date) : { year: date.year, month: date.month, day: 1 };
}

function nextPeriodStart(start: LocalDate, interval: ReportInterval, calendar: ReportCalendar): LocalDate {
  if (interval === 'day') return addDaysToLocalDate(start, 1);
  if (interval === 'week') return addDaysToLocalDate(start, 7);
  return calendar === 'persian' ? startOfNextPersianMonth(start) : addMonthsToLocalDate({ ...start, day: 1 }, 1);
}

function labelOf(start: LocalDate, interval: ReportInterval, calendar: ReportCalendar): string {
  if (calendar === 'persian') {
    const p = toPersianDate(start);
    return interval === 'month' ? formatPersianDate(p).slice(0, 7) : formatPersianDate(p);
  }
  return interval === 'month' ? formatLocalDate(start).slice(0, 7) : formatLocalDate(start);
}

/** At least this many buckets: a range far too long is refused before any bucket is built. */
function bucketCountAtLeast(from: LocalDate, to: LocalDate, interval: ReportInterval): number {
  const days = daysBetweenLocalDates(from, to) + 1;
  if (interval === 'day') return days;
  return Math.floor(days / (interval === 'week' ? 7 : 31));
}

export function reportRange(input: ReportRangeInput): ReportRange {
  const { from, to, interval, calendar, timeZone, weekStartsOn } = input;
  if (compareLocalDates(from, to) > 0) {
    throw new ValidationError('range_inverted', `query.from: ${formatLocalDate(from)} is after query.to ${formatLocalDate(to)}`, { from: formatLocalDate(from), to: formatLocalDate(to) }, 422);
  }
  const atLeast = bucketCountAtLeast(from, to, interval);
  if (atLeast > MAX_REPORT_BUCKETS) throw tooManyIntervals(interval, atLeast);
  // The periods first (local dates only), then every boundary's instant in one pass.
  const periods: { first: LocalDate; next: LocalDate }[] = [];
  let periodFirst = periodStart(from, interval, calendar, weekStartsOn);
  while (compareLocalDates(periodFirst, to) <= 0) {
    if (periods.length >= MAX_REPORT_BUCKETS) throw tooManyIntervals(interval, periods.length + 1);
    const next = nextPeriodStart(periodFirst, interval, calendar);
    periods.push({ first: periodFirst, next });
    periodFirst = next;
  }
  const dayAfterRange = addDaysToLocalDate(to, 1);
  const clip = (d: LocalDate) => (compareLocalDates(d, from) < 0 ? from : compareLocalDates(d, dayAfterRange) > 0 ? dayAfterRange : d);
  const boundaryDays = [clip(periods[0]!.first), ...periods.map((p) => clip(p.next))];
  // Daily ranges take every day's start in one pass (a few Intl calls a week instead of a few a day).
  const instants = interval === 'day' ? startsOfLocalDays(from, periods.length, timeZone) : startsOfLocalDates(boundaryDays, timeZone);
  const buckets: ReportBucket[] = periods.map((p, i) => ({
    label: labelOf(p.first, interval, calendar),
    firstDay: boundaryDays[i]!,
    lastDay: addDaysToLocalDate(boundaryDays[i + 1]!, -1),
    start: instants[i]!,
    end: instants[i + 1]!,
    partial: compareLocalDates(boundaryDays[i]!, p.first) !== 0 || compareLocalDates(boundaryDays[i + 1]!, p.next) !== 0,
  }));
  if (buckets.length === 0) throw new LaurelError('internal_error', 'a report range produced no interval', { status: 500 });
  return { ...input, buckets, start: buckets[0]!.start, end: buckets[buckets.length - 1]!.end };
}

function tooManyIntervals(interval: ReportInterval, atLeast: number): ValidationError {
  return new ValidationError(
    'too_many_intervals',
    `query.interval: from..to holds at least ${atLeast} ${interval}s, more than the ${MAX_REPORT_BUCKETS} a report may have; choose a shorter range or a longer interval`,
    { max: MAX_REPORT_BUCKETS },
    422,
  );
}

/** The boundaries `[b0, b1, …, bn]` of n buckets, for `width_bucket(at, $bounds)` (bucket i is 1-based). */
export function bucketBoundaries(range: ReportRange): Date[] {
  return [range.buckets[0]!.start, ...range.buckets.map((b) => b.end)];
}

/** How a bucket is stated in a report: its label, local days, and boundaries with the zone's offset. */
export function describeBucket(bucket: ReportBucket, timeZone: string): { label: string; firstDay: string; lastDay: string; start: string; end: string; partial: boolean } {
  return {
    label: bucket.label,
    firstDay: formatLocalDate(bucket.firstDay),
    lastDay: formatLocalDate(bucket.lastDay),
    start: formatInstantInZone(bucket.start, timeZone),
    end: formatInstantInZone(bucket.end, timeZone),
    partial: bucket.partial,
  };
}
