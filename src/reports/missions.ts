import { z } from 'zod';
import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import { onSlices, pointsBySource } from './points.js';
import { ReportQuerySchema, type ReportQuery } from './query.js';
import { rate } from './rate.js';
import type { MissionsReport } from './schemas.js';

export const MissionsReportQuerySchema = ReportQuerySchema.extend({
  missionId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected a mission id').optional(),
});

interface Tally {
  enrolled: number;
  completedOfEnrolled: number;
  completed: number;
  active: number;
  expired: number;
  points: number;
}

const empty = (): Tally => ({ enrolled: 0, completedOfEnrolled: 0, completed: 0, active: 0, expired: 0, points: 0 });

/** Per interval (`b`) and mission: enrollments created (and their status now), completions. */
type CountRow = { b: number; mission_id: string; enrolled: number; active: number; done: number; expired: number; completed: number };

/**
 * From the slice rollup (migration 0062, kept by triggers on mission_enrollments in every writer's
 * statement): a year by day reads ~5 rows per 15-minute slice, not every enrollment twice.
 */
const COUNTS_ROLLUP_SQL = `
SELECT width_bucket(slice, $1::timestamptz[]) AS b, mission_id, sum(enrolled)::bigint AS enrolled, sum(active)::bigint AS active,
       sum(done)::bigint AS done, sum(expired)::bigint AS expired, sum(completed)::bigint AS completed
  FROM mission_report_rollup WHERE slice >= $2 AND slice < $3 AND ($4::text IS NULL OR mission_id = $4)
 GROUP BY 1, 2 HAVING (sum(enrolled), sum(completed)) <> (0, 0)`;

/** The same figures from the enrollments (a boundary off the slices): by created_at, then by completed_at. */
const COUNTS_SQL = `
SELECT width_bucket(created_at, $1::timestamptz[]) AS b, mission_id, count(*)::bigint AS enrolled, count(*) FILTER (WHERE status = 'active')::bigint AS active,
       count(*) FILTER (WHERE status = 'completed')::bigint AS done, count(*) FILTER (WHERE status = 'expired')::bigint AS expired, 0::bigint AS completed
  FROM mission_enrollments WHERE created_at >= $2 AND created_at < $3 AND ($4::text IS NULL OR mission_id = $4) GROUP BY 1, 2
UNION ALL
SELECT width_bucket(completed_at, $1::timestamptz[]), mission_id, 0, 0, 0, 0, count(*)
  FROM mission_enrollments WHERE completed_at >= $2 AND completed_at < $3 AND ($4::text IS NULL OR mission_id = $4) GROUP BY 1, 2`;

/**
 * The missions report: enrollments made and completed per interval, the completion rate of each
 * interval's enrollments, and the reward points credited (award entries with source
 * `mission:<id>`, from the points rollups); and the same per mission over the range.
 * `fromRollups: false` reads the enrollments and the ledger even where the rollups cover the range
 * (the exactness test's fallback).
 */
export async function missionsReport(
  pool: Pool,
  query: ReportQuery & { missionId?: string | undefined },
  now = new Date(),
  options: { fromRollups?: boolean } = {},
): Promise<MissionsReport> {
  const ctx = await reportContext(pool, query, now);
  const fromRollups = onSlices(ctx) && options.fromRollups !== false;
  const [counts, points, missions] = await Promise.all([
    analyticQuery<CountRow>(pool, fromRollups ? COUNTS_ROLLUP_SQL : COUNTS_SQL, [ctx.boundaries, ctx.range.start, ctx.range.end, query.missionId ?? null], { hashGroups: true }),
    pointsBySource(pool, ctx, query.missionId ? `mission:${query.missionId.replace(/[\\%_]/g, '\\$&')}` : 'mission:%', fromRollups),
    pool.query<{ id: string; name: string }>(`SELECT id, name FROM missions WHERE $1::text IS NULL OR id = $1 ORDER BY id`, [query.missionId ?? null]),
  ]);
  const perInterval = ctx.range.buckets.map(empty);
  const perMission = new Map<string, Tally>();
  const tally = (missionId: string) => {
    let t = perMission.get(missionId);
    if (!t) perMission.set(missionId, (t = empty()));
    return t;
  };
  for (const r of counts.rows) {
    for (const t of [perInterval[r.b - 1]!, tally(r.mission_id)]) {
      t.enrolled += toInt(r.enrolled);
      t.completedOfEnrolled += toInt(r.done);
      t.active += toInt(r.active);
      t.expired += toInt(r.expired);
      t.completed += toInt(r.completed);
    }
  }
  for (const r of points) for (const t of [perInterval[r.b - 1]!, tally(r.source.slice('mission:'.length))]) t.points += r.points;
  const figures = (t: Tally) => ({ enrolled: t.enrolled, completed: t.completed, completionRate: rate(t.completedOfEnrolled, t.enrolled), pointsAwarded: t.points });
  const total = empty();
  for (const t of perInterval) for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += t[k];
  const names = new Map(missions.rows.map((m) => [m.id, m.name]));
  return {
    ...reportHeader('missions', ctx, fromRollups ? 'rollups' : 'ledger'),
    intervals: ctx.range.buckets.map((bucket, i) => ({ ...intervalBase(ctx, bucket), ...figures(perInterval[i]!) })),
    missions: [...perMission.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([missionId, t]) => ({ missionId, name: names.get(missionId) ?? missionId, ...figures(t), active: t.active, expired: t.expired })),
    totals: figures(total),
  };
}
