import { addDaysToLocalDate, formatLocalDate, toLocalDate } from '../../../../src/program/calendar.js';
import type { Locale } from '../../shared/i18n/catalogue.js';

/** The range every report on a page shares: local days from/to (inclusive) and the interval. */
export interface ReportRange {
  from: string;
  to: string;
  interval: 'day' | 'week' | 'month';
}

/**
 * The last 30 days by day, counted in the program's time zone (the zone the reports API reads
 * `from`/`to` in) with the server's own calendar: after local midnight "today" is the program's
 * new day even where UTC, or the browser, is still on the old one.
 */
export function defaultReportRange(timeZone: string, now = new Date()): ReportRange {
  const today = toLocalDate(now, timeZone);
  return { from: formatLocalDate(addDaysToLocalDate(today, -29)), to: formatLocalDate(today), interval: 'day' };
}

/**
 * The report query for a range: in fa the intervals are the Persian calendar's weeks (from
 * Saturday) and months, labelled as a Persian reader counts them.
 */
export function reportQuery(range: ReportRange, locale: Locale): Record<string, string> {
  return { from: range.from, to: range.to, interval: range.interval, calendar: locale === 'fa' ? 'persian' : 'gregorian' };
}
