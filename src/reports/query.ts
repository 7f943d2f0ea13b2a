import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { LocalDate } from '../program/calendar.js';
import { REPORT_CALENDARS, REPORT_INTERVALS, type ReportCalendar, type ReportInterval } from './intervals.js';

/** Dates a report accepts: a Gregorian ISO date from 1900-01-01 to 2999-12-31. */
export function parseReportDate(value: string, field: 'from' | 'to'): LocalDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const bad = () => new ValidationError('invalid_date', `query.${field}: expected a date YYYY-MM-DD from 1900-01-01 to 2999-12-31, got "${value}"`, { field, value });
  if (!match) throw bad();
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || year > 2999 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) throw bad();
  return { year, month, day };
}

/** The query every report takes; a report adds its own parameters with `extend`. */
export const ReportQuerySchema = z.strictObject({
  from: z.string({ error: 'expected a date YYYY-MM-DD (the first local day, inclusive)' }).max(40),
  to: z.string({ error: 'expected a date YYYY-MM-DD (the last local day, inclusive)' }).max(40),
  interval: z.enum(REPORT_INTERVALS, { error: `expected one of ${REPORT_INTERVALS.join(', ')}` }).default('day'),
  calendar: z.enum(REPORT_CALENDARS, { error: `expected one of ${REPORT_CALENDARS.join(', ')}` }).default('gregorian'),
  /** `csv` is the same as `Accept: text/csv` (for links a browser downloads). */
  format: z.enum(['json', 'csv'], { error: 'expected json or csv' }).optional(),
  /** The CSV table, for reports with more than one (default: the intervals). */
  table: z.string().regex(/^[a-z_]{1,40}$/, 'expected a table name').optional(),
});

export interface ReportQuery {
  from: LocalDate;
  to: LocalDate;
  interval: ReportInterval;
  calendar: ReportCalendar;
  format: 'json' | 'csv' | undefined;
  table: string | undefined;
}

/**
 * Validates a report's query: a malformed date is `invalid_date`; anything else unknown or
 * malformed is `invalid_report_query`, naming the parameter. Order of checks: parameters, dates,
 * then (in `reportRange`) the range and the number of intervals.
 */
export function parseReportQuery<S extends z.ZodObject>(schema: S, raw: unknown): z.output<S> & ReportQuery {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: ['query', ...i.path].join('.'), message: i.message }));
    throw new ValidationError('invalid_report_query', `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  const data = result.data as z.output<typeof ReportQuerySchema>;
  return { ...result.data, from: parseReportDate(data.from, 'from'), to: parseReportDate(data.to, 'to') } as z.output<S> & ReportQuery;
}
