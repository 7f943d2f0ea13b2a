import { z } from 'zod';
import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import { pointsBySource } from './points.js';
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

/**
 * The missions report: enrollments made and completed per interval, the completion rate of each
 * interval's enrollments, and the reward points credited (award entries with source
 * `mission:<id>`, from the points rollups); and the same per mission over the range.
 */
export async function missionsReport(pool: Pool, query: ReportQuery & { missionId?: string | undefined }, now = new Date()): Promise<MissionsReport> {
  const ctx = await reportContext(pool, query, now);
  const bounds = [ctx.boundaries, ctx.range.start, ctx.range.end, query.missionId ?? null];
  const [enrolled, completed, points, missions] = await Promise.all([
    analyticQuery<{ b: number; mission_id: string; status: string; n: number }>(
      pool,
      `SELECT width_bucket(created_at, $1::timestamptz[]) AS b, mission_id, status, count(*)::bigint AS n
         FROM mission_enrollments WHERE created_at >= $2 AND created_at < $3 AND ($4::text IS NULL OR mission_id = $4) GROUP BY 1, 2, 3`,
      bounds,
    ),
    analyticQuery<{ b: number; mission_id: string; n: number }>(
      pool,
      `SELECT width_bucket(completed_at, $1::timestamptz[]) AS b, mission_id, count(*)::bigint AS n
         FROM mission_enrollments WHERE completed_at >= $2 AND completed_at < $3 AND ($4::text IS NULL OR mission_id = $4) GROUP BY 1, 2`,
      bounds,
    ),
    pointsBySource(pool, ctx, query.missionId ? `mission:${query.missionId.replace(/[\\%_]/g, '\\$&')}` : 'mission:%'),
    pool.query<{ id: string; name: string }>(`SELECT id, name FROM missions WHERE $1::text IS NULL OR id = $1 ORDER BY id`, [query.missionId ?? null]),
  ]);
  const perInterval = ctx.range.buckets.map(empty);
  const perMission = new Map<string, Tally>();
  const tally = (missionId: string) => {
    let t = perMission.get(missionId);
    if (!t) perMission.set(missionId, (t = empty()));
    return t;
  };
  for (const r of enrolled.rows) {
    const n = toInt(r.n);
    for (const t of [perInterval[r.b - 1]!, tally(r.mission_id)]) {
      t.enrolled += n;
      if (r.status === 'completed') t.completedOfEnrolled += n;
      if (r.status === 'active') t.active += n;
      if (r.status === 'expired') t.expired += n;
    }
  }
  for (const r of completed.rows) for (const t of [perInterval[r.b - 1]!, tally(r.mission_id)]) t.completed += toInt(r.n);
  for (const r of points) for (const t of [perInterval[r.b - 1]!, tally(r.source.slice('mission:'.length))]) t.points += r.points;
  const figures = (t: Tally) => ({ enrolled: t.enrolled, completed: t.completed, completionRate: rate(t.completedOfEnrolled, t.enrolled), pointsAwarded: t.points });
  const total = empty();
  for (const t of perInterval) for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += t[k];
  const names = new Map(missions.rows.map((m) => [m.id, m.name]));
  return {
    ...reportHeader('missions', ctx, 'ledger'),
    intervals: ctx.range.buckets.map((bucket, i) => ({ ...intervalBase(ctx, bucket), ...figures(perInterval[i]!) })),
    missions: [...perMission.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([missionId, t]) => ({ missionId, name: names.get(missionId) ?? missionId, ...figures(t), active: t.active, expired: t.expired })),
    totals: figures(total),
  };
}
