import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { LocalDate } from '../program/calendar.js';
import { REPORT_CALENDARS, REPORT_INTERVALS, type ReportCalendar, type ReportInterval } from './intervals.js';

/**
 * The documented shape of a report date: YYYY-MM-DD from 1900 to 2999, month 01–12, day 01–31.
 * A day the month does not have (2025-02-30) fits the shape and is refused with 422.
 */
const REPORT_DATE = /^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;

/** Dates a report accepts: a Gregorian ISO date from 1900-01-01 to 2999-12-31. */
export function parseReportDate(value: string, field: 'from' | 'to'): LocalDate {
  const bad = (status: 400 | 422) =>
    new ValidationError('invalid_date', `query.${field}: expected a date YYYY-MM-DD from 1900-01-01 to 2999-12-31, got "${value.slice(0, 40)}"`, { field, value: value.slice(0, 40) }, status);
  if (!REPORT_DATE.test(value)) throw bad(400);
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) throw bad(422);
  return { year, month, day };
}

/** The query every report takes; a report adds its own parameters with `extend`. */
export const ReportQuerySchema = z.strictObject({
  from: z.string({ error: 'expected a date YYYY-MM-DD (the first local day, inclusive)' }).regex(REPORT_DATE).describe('the first local day, inclusive (YYYY-MM-DD, 1900–2999)'),
  to: z.string({ error: 'expected a date YYYY-MM-DD (the last local day, inclusive)' }).regex(REPORT_DATE).describe('the last local day, inclusive (YYYY-MM-DD, 1900–2999)'),
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
    // A present date of the wrong shape keeps its own code (invalid_date, with what was sent).
    const date = result.error.issues.find((i) => (i.path[0] === 'from' || i.path[0] === 'to') && i.code === 'invalid_format');
    const value = date && (raw as Record<string, unknown>)[date.path[0] as string];
    if (date && typeof value === 'string') parseReportDate(value, date.path[0] as 'from' | 'to');
    const issues = result.error.issues.map((i) => ({ path: ['query', ...i.path].join('.'), message: i.message }));
    throw new ValidationError('invalid_report_query', `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  const data = result.data as z.output<typeof ReportQuerySchema>;
  return { ...result.data, from: parseReportDate(data.from, 'from'), to: parseReportDate(data.to, 'to') } as z.output<S> & ReportQuery;
}
