import { z } from 'zod';
import type { Pool } from '../db/index.js';
import { REJECTION_REASONS } from '../referrals/attach.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import { pointsBySource } from './points.js';
import type { ReportQuery } from './query.js';
import { rate } from './rate.js';
import { IntervalBaseSchema, RateSchema, ReportHeaderSchema } from './schemas.js';

const int = () => z.int();
const ByReasonSchema = z.object(Object.fromEntries(REJECTION_REASONS.map((r) => [r, int()])) as Record<(typeof REJECTION_REASONS)[number], z.ZodInt>);

/** What happened in an interval: each referral counted at the moment it reached that state. */
export const ReferralFlowSchema = z.object({
  /** Referral attempts: members created with a code (rejected ones included). */
  sent: int(),
  /** Referees' first qualifying purchases (their return window starts). */
  converted: int(),
  /** Referrals rewarded (both sides) once the return window passed. */
  rewarded: int(),
  rejected: int(),
  rejectedByReason: ByReasonSchema,
  /** Pending referrals whose referee made no qualifying purchase in time. */
  expired: int(),
  /** Points credited to referrers and referees (award entries, sources referral:referrer|referee). */
  referrerPoints: int(),
  refereePoints: int(),
});

/** Where the referrals sent in the range stand now (a cohort). */
export const ReferralCohortSchema = z.object({
  sent: int(),
  pending: int(),
  waitingReturnWindow: int(),
  rewarded: int(),
  expired: int(),
  rejected: int(),
  rejectedByReason: ByReasonSchema,
  /** Converted (qualified, whatever came after) of the attempts not rejected at sign-up. */
  conversionRate: RateSchema,
});

export const ReferralsReportSchema = ReportHeaderSchema.extend({
  intervals: z.array(IntervalBaseSchema.extend(ReferralFlowSchema.shape)),
  totals: ReferralFlowSchema,
  cohort: ReferralCohortSchema,
  topReferrers: z.array(z.object({ memberId: z.string(), sent: int(), rewarded: int() })),
});
export type ReferralsReport = z.infer<typeof ReferralsReportSchema>;
type Flow = z.infer<typeof ReferralFlowSchema>;

const reasons = () => Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Flow['rejectedByReason'];
const emptyFlow = (): Flow => ({ sent: 0, converted: 0, rewarded: 0, rejected: 0, rejectedByReason: reasons(), expired: 0, referrerPoints: 0, refereePoints: 0 });

/**
 * The referrals report: per interval, referrals sent (sign-ups with a code), converted (the
 * referee's qualifying purchase), rewarded, rejected by reason and expired, each counted when it
 * happened, and the referral points credited; the cohort sent in the range as it stands now, and
 * the top referrers. Straight from the referrals table (indexed by each of those instants).
 */
export async function referralsReport(pool: Pool, query: ReportQuery, now = new Date()): Promise<ReferralsReport> {
  const ctx = await reportContext(pool, query, now);
  const bounds = [ctx.boundaries, ctx.range.start, ctx.range.end];
  const [flows, cohort, points, top] = await Promise.all([
    pool.query<{ b: number; what: string; reason: string | null; n: string }>(
      `SELECT width_bucket(t.at, $1::timestamptz[]) AS b, t.what, t.reason, count(*)::bigint AS n
         FROM referrals r
         CROSS JOIN LATERAL (VALUES ('sent', r.created_at, NULL),
                                    ('converted', r.qualified_at, NULL),
                                    ('rewarded', r.rewarded_at, NULL),
                                    ('rejected', CASE WHEN r.status = 'rejected' THEN r.updated_at END, r.reject_reason),
                                    ('expired', CASE WHEN r.status = 'expired' THEN r.updated_at END, NULL)) t(what, at, reason)
        WHERE t.at >= $2 AND t.at < $3 GROUP BY 1, 2, 3`,
      bounds,
    ),
    pool.query<{ status: string; reason: string | null; qualified: boolean; n: string }>(
      `SELECT status, reject_reason AS reason, qualified_at IS NOT NULL AS qualified, count(*)::bigint AS n
         FROM referrals WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2, 3`,
      [ctx.range.start, ctx.range.end],
    ),
    pointsBySource(pool, ctx, 'referral:%'),
    pool.query<{ member_id: string; sent: string; rewarded: string }>(
      `SELECT referrer_id AS member_id, count(*)::bigint AS sent, count(*) FILTER (WHERE status = 'rewarded')::bigint AS rewarded
         FROM referrals WHERE created_at >= $1 AND created_at < $2
        GROUP BY referrer_id ORDER BY 3 DESC, 2 DESC, referrer_id LIMIT 10`,
      [ctx.range.start, ctx.range.end],
    ),
  ]);
  const perInterval = ctx.range.buckets.map(emptyFlow);
  for (const r of flows.rows) {
    const flow = perInterval[r.b - 1]!;
    const n = toInt(r.n);
    if (r.what === 'sent') flow.sent += n;
    if (r.what === 'converted') flow.converted += n;
    if (r.what === 'rewarded') flow.rewarded += n;
    if (r.what === 'expired') flow.expired += n;
    if (r.what === 'rejected') {
      flow.rejected += n;
      if (r.reason) flow.rejectedByReason[r.reason as keyof Flow['rejectedByReason']] += n;
    }
  }
  for (const p of points) {
    const flow = perInterval[p.b - 1]!;
    if (p.source === 'referral:referrer') flow.referrerPoints += p.points;
    if (p.source === 'referral:referee') flow.refereePoints += p.points;
  }
  const totals = emptyFlow();
  for (const flow of perInterval) {
    for (const key of ['sent', 'converted', 'rewarded', 'rejected', 'expired', 'referrerPoints', 'refereePoints'] as const) totals[key] += flow[key];
    for (const reason of REJECTION_REASONS) totals.rejectedByReason[reason] += flow.rejectedByReason[reason];
  }
  const c = { sent: 0, pending: 0, waitingReturnWindow: 0, rewarded: 0, expired: 0, rejected: 0, rejectedByReason: reasons(), converted: 0, rejectedUnconverted: 0 };
  for (const r of cohort.rows) {
    const n = toInt(r.n);
    c.sent += n;
    if (r.qualified) c.converted += n;
    if (r.status === 'pending') c.pending += n;
    if (r.status === 'qualified') c.waitingReturnWindow += n;
    if (r.status === 'rewarded') c.rewarded += n;
    if (r.status === 'expired') c.expired += n;
    if (r.status === 'rejected') {
      c.rejected += n;
      if (r.reason) c.rejectedByReason[r.reason as keyof Flow['rejectedByReason']] += n;
      if (!r.qualified) c.rejectedUnconverted += n;
    }
  }
  const { converted, rejectedUnconverted, ...cohortFigures } = c;
  return {
    ...reportHeader('referrals', ctx, 'ledger'),
    intervals: ctx.range.buckets.map((bucket, i) => ({ ...intervalBase(ctx, bucket), ...perInterval[i]! })),
    totals,
    cohort: { ...cohortFigures, conversionRate: rate(converted, c.sent - rejectedUnconverted) },
    topReferrers: top.rows.map((r) => ({ memberId: r.member_id, sent: toInt(r.sent), rewarded: toInt(r.rewarded) })),
  };
}
