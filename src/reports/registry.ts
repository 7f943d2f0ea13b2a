import type { z } from 'zod';
import type { Pool } from '../db/index.js';
import { pointsReport } from './points.js';
import { ReportQuerySchema, type ReportQuery } from './query.js';
import { PointsReportSchema, type PointsReport } from './schemas.js';

/** A report as the API serves it: its query, its computation, its response schema and its CSV tables. */
export interface ReportDefinition<R = unknown, Q extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  /** `ReportQuerySchema`, or it extended with the report's own parameters. */
  query: Q;
  response: z.ZodType<R>;
  run(pool: Pool, query: z.output<Q> & ReportQuery): Promise<R>;
  /** CSV tables by name; the first is the default. Each turns the report into flat rows. */
  tables: Record<string, (report: R) => Record<string, unknown>[]>;
}

/** The interval columns every per-interval CSV row starts with. */
function intervalColumns(i: { label: string; start: string; end: string }): Record<string, unknown> {
  return { label: i.label, start: i.start, end: i.end };
}

/** Erases a report's own types for the registry (the route handles every report alike). */
function defineReport<R, Q extends z.ZodObject>(report: ReportDefinition<R, Q>): ReportDefinition {
  return report as unknown as ReportDefinition;
}

const points = defineReport<PointsReport, typeof ReportQuerySchema>({
  name: 'points',
  summary: 'Points issued (base, bonus, offers, awards, adjustments) and deducted (redeemed, expired, reversed, cancelled, adjustments) per interval and by source; balance, pending and outstanding liability at each interval end',
  query: ReportQuerySchema,
  response: PointsReportSchema,
  run: (pool, query) => pointsReport(pool, query),
  tables: {
    intervals: (r) => r.intervals.map(({ bySource: _bySource, ...i }) => i),
    sources: (r) => r.intervals.flatMap((i) => i.bySource.map((s) => ({ ...intervalColumns(i), ...s }))),
  },
});

export const REPORTS: ReadonlyMap<string, ReportDefinition> = new Map([points].map((r) => [r.name, r]));
