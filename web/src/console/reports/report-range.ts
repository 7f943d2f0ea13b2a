import type { Locale } from '../../shared/i18n/catalogue.js';

/** The range every report on a page shares: local days from/to (inclusive) and the interval. */
export interface ReportRange {
  from: string;
  to: string;
  interval: 'day' | 'week' | 'month';
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The last 30 days by day. */
export function defaultReportRange(now = new Date()): ReportRange {
  return { from: isoDay(new Date(now.getTime() - 29 * 86_400_000)), to: isoDay(now), interval: 'day' };
}

/**
 * The report query for a range: in fa the intervals are the Persian calendar's weeks (from
 * Saturday) and months, labelled as a Persian reader counts them.
 */
export function reportQuery(range: ReportRange, locale: Locale): Record<string, string> {
  return { from: range.from, to: range.to, interval: range.interval, calendar: locale === 'fa' ? 'persian' : 'gregorian' };
}
