import { z } from 'zod';
import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import { formatInstantInZone } from '../program/calendar.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import { onSlices, pointsBySource } from './points.js';
import type { ReportContext } from './context.js';
import { ReportQuerySchema, type ReportQuery } from './query.js';
import { rate } from './rate.js';
import type { ContestsReport } from './schemas.js';

export const ContestsReportQuerySchema = ReportQuerySchema.extend({
  contestId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected a contest id').optional(),
});

interface IntervalRow {
  b: number;
  contributions: number;
  participants: number;
}

/** Per interval: non-zero contributions and the members who made them, from the contributions. */
async function perIntervalFromContributions(pool: Pool, ctx: ReportContext, contestId: string | null): Promise<IntervalRow[]> {
  const { rows } = await analyticQuery<IntervalRow>(
    pool,
    `SELECT width_bucket(at, $1::timestamptz[]) AS b, count(*) FILTER (WHERE delta <> 0)::bigint AS contributions,
            count(DISTINCT member_id) FILTER (WHERE delta <> 0)::bigint AS participants
       FROM contest_contributions WHERE at >= $2 AND at < $3 AND ($4::text IS NULL OR contest_id = $4) GROUP BY 1`,
    [ctx.boundaries, ctx.range.start, ctx.range.end, contestId],
  );
  return rows;
}

/**
 * The same from the slice rollups (migration 0028): contributions per slice, and pairs of a
 * member's consecutive contributions (in the contest, or across all contests without one) whose
 * two slices fall in the same interval. Members contributing in an interval = its contributions −
 * the pairs inside it. Pairs further apart than the longest interval are not read (index on the gap).
 */
async function perIntervalFromRollups(pool: Pool, ctx: ReportContext, contestId: string | null): Promise<IntervalRow[]> {
  let longest = 0;
  for (let i = 1; i < ctx.boundaries.length; i++) longest = Math.max(longest, ctx.boundaries[i]!.getTime() - ctx.boundaries[i - 1]!.getTime());
  const values = [ctx.boundaries, ctx.range.start, ctx.range.end, contestId];
  const [contributions, pairs] = await Promise.all([
    analyticQuery<{ b: number; n: number }>(
      pool,
      `SELECT width_bucket(slice, $1::timestamptz[]) AS b, sum(contributions)::bigint AS n
         FROM contest_contribution_rollup WHERE slice >= $2 AND slice < $3 AND ($4::text IS NULL OR contest_id = $4) GROUP BY 1`,
      values,
    ),
    analyticQuery<{ b: number; n: number }>(
      pool,
      `SELECT b, sum(pairs)::bigint AS n
         FROM (SELECT width_bucket(prev_slice, $1::timestamptz[]) AS b, width_bucket(next_slice, $1::timestamptz[]) AS nb, pairs
                 FROM contest_pair_rollup
                WHERE scope = coalesce($4::text, '') AND next_slice - prev_slice < make_interval(secs => $5::bigint / 1000.0)
                  AND prev_slice >= $2 AND next_slice < $3) p
        WHERE b = nb GROUP BY b`,
      [...values, longest],
    ),
  ]);
  const inside = new Map(pairs.rows.map((r) => [r.b, toInt(r.n)]));
  return contributions.rows.map((r) => ({ b: r.b, contributions: toInt(r.n), participants: toInt(r.n) - (inside.get(r.b) ?? 0) }));
}

/**
 * The contests report: every contest whose window overlaps the range, with its participants
 * (members with a non-zero contribution), its prize budget and the prize points credited so far
 * (award entries with source `contest:<id>`) as a share of it; per interval, contributions,
 * contributing members and prize points credited.
 */
export async function contestsReport(
  pool: Pool,
  query: ReportQuery & { contestId?: string | undefined },
  now = new Date(),
  options: { fromRollups?: boolean } = {},
): Promise<ContestsReport> {
  const ctx = await reportContext(pool, query, now);
  // `fromRollups: false` reads the contributions even where the rollups cover the range (the exactness test's fallback).
  const fromRollups = onSlices(ctx) && options.fromRollups !== false;
  const zone = ctx.range.timeZone;
  const contestId = query.contestId ?? null;
  const [contests, perInterval, awarded] = await Promise.all([
    analyticQuery<{ id: string; name: string; status: string; starts_at: Date; ends_at: Date; budget: string; participants: number; winners: number; awarded: number }>(
      pool,
      `SELECT c.id, c.name, c.status, c.starts_at, c.ends_at, c.definition ->> 'prizeBudget' AS budget,
              -- Members with a non-zero running total (0025), counted as the totals change (0029).
              (SELECT coalesce(sum(p.participants), 0) FROM contest_participant_counts p WHERE p.contest_id = c.id)::bigint AS participants,
              (SELECT count(*) FROM contest_standings s WHERE s.contest_id = c.id AND s.prize_points > 0)::bigint AS winners,
              coalesce(a.points, 0)::bigint AS awarded
         FROM contests c
         -- All prize points ever credited, from the rollups (the ledger has no index by source), in one pass.
         LEFT JOIN (SELECT source, sum(points) AS points FROM ledger_rollup WHERE kind = 'earn' AND source LIKE 'contest:%' GROUP BY source) a ON a.source = 'contest:' || c.id
        WHERE c.starts_at < $2 AND c.ends_at > $1 AND ($3::text IS NULL OR c.id = $3)
        ORDER BY c.starts_at, c.id`,
      [ctx.range.start, ctx.range.end, contestId],
    ),
    fromRollups ? perIntervalFromRollups(pool, ctx, contestId) : perIntervalFromContributions(pool, ctx, contestId),
    pointsBySource(pool, ctx, contestId ? `contest:${contestId.replace(/[\\%_]/g, '\\$&')}` : 'contest:%'),
  ]);
  const byBucket = new Map(perInterval.map((r) => [r.b, r]));
  const prizes = new Map<number, number>();
  for (const r of awarded) prizes.set(r.b, (prizes.get(r.b) ?? 0) + r.points);
  return {
    ...reportHeader('contests', ctx, fromRollups ? 'rollups' : 'ledger'),
    intervals: ctx.range.buckets.map((bucket, i) => ({
      ...intervalBase(ctx, bucket),
      contributions: toInt(byBucket.get(i + 1)?.contributions),
      participants: toInt(byBucket.get(i + 1)?.participants),
      prizePointsAwarded: prizes.get(i + 1) ?? 0,
    })),
    contests: contests.rows.map((c) => ({
      contestId: c.id,
      name: c.name,
      status: c.status,
      startsAt: formatInstantInZone(c.starts_at, zone),
      endsAt: formatInstantInZone(c.ends_at, zone),
      participants: toInt(c.participants),
      prizeBudget: toInt(c.budget),
      prizePointsAwarded: toInt(c.awarded),
      budgetUsed: rate(toInt(c.awarded), toInt(c.budget)),
      winners: toInt(c.winners),
    })),
  };
}
