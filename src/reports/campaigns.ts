import { z } from 'zod';
import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import { onSlices } from './points.js';
import { ReportQuerySchema, type ReportQuery } from './query.js';
import { rate } from './rate.js';
import type { CampaignFunnel, CampaignsReport } from './schemas.js';

export const CampaignsReportQuerySchema = ReportQuerySchema.extend({
  campaignId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a campaign id').optional(),
});

/**
 * Without a goal, conversions (none), revenue and unsubscribes are attributed this many days after
 * entering. The funnel columns use it in SQL (campaign_attribution_window, migration 0026).
 */
export const DEFAULT_ATTRIBUTION_DAYS = 7;

interface FunnelRow {
  campaign_id: string;
  holdout: boolean;
  variant: string | null;
  b: number;
  audience: number;
  sent: number;
  delivered: number;
  failed: number;
  capped: number;
  suppressed: number;
  pending: number;
  unsubscribed: number;
  offer_granted: number;
  offer_used: number;
  converted: number;
  revenue: number;
  orders: number;
}

const COUNTS = ['audience', 'sent', 'delivered', 'failed', 'capped', 'suppressed', 'pending', 'unsubscribed', 'offer_granted', 'offer_used', 'converted', 'revenue', 'orders'] as const;
type Counts = Record<(typeof COUNTS)[number], number>;

function emptyCounts(): Counts {
  return Object.fromEntries(COUNTS.map((k) => [k, 0])) as Counts;
}

function addCounts(into: Counts, row: FunnelRow): void {
  for (const k of COUNTS) into[k] += toInt(row[k]);
}

function funnel(c: Counts): CampaignFunnel {
  return {
    audience: c.audience,
    sent: c.sent,
    delivered: c.delivered,
    failed: c.failed,
    capped: c.capped,
    suppressed: c.suppressed,
    pending: c.pending,
    unsubscribed: c.unsubscribed,
    offerGranted: c.offer_granted,
    offerUsed: c.offer_used,
    converted: c.converted,
    conversionRate: rate(c.converted, c.audience),
    revenue: c.revenue,
    orders: c.orders,
  };
}

// The funnel counters of the entries in the range, per campaign, holdout, variant and interval.
const FUNNEL_COUNTS = `
       count(*) FILTER (WHERE msg_status IN ('sending', 'sent', 'failed', 'unknown', 'dead'))::bigint AS sent,
       count(*) FILTER (WHERE msg_status = 'sent')::bigint AS delivered,
       count(*) FILTER (WHERE msg_status IN ('failed', 'dead'))::bigint AS failed,
       count(*) FILTER (WHERE msg_status = 'capped')::bigint AS capped,
       count(*) FILTER (WHERE msg_status = 'suppressed')::bigint AS suppressed,
       count(*) FILTER (WHERE msg_status IN ('queued', 'held'))::bigint AS pending,
       count(*) FILTER (WHERE unsubscribed)::bigint AS unsubscribed,
       count(*) FILTER (WHERE offer_granted)::bigint AS offer_granted,
       count(*) FILTER (WHERE offer_used)::bigint AS offer_used,
       count(*) FILTER (WHERE converted)::bigint AS converted,
       sum(revenue)::bigint AS revenue,
       sum(orders)::bigint AS orders`;

/**
 * Per member who entered a campaign in the range: what became of its first message, whether it
 * unsubscribed, got and used an offer, converted (the goal event) and bought within the
 * attribution window after entering. Each entry carries its own funnel (migration 0026: the
 * columns are recomputed from their source rows by triggers in every writer's transaction, and
 * `campaign_funnel_of` is their one definition), so this is one grouped scan of the entries.
 * The fallback when a boundary is off the 15-minute slices.
 */
const FUNNEL_SQL = `
SELECT campaign_id, holdout, variant, width_bucket(entered_at, $1::timestamptz[]) AS b,
       count(*)::bigint AS audience,${FUNNEL_COUNTS}
  FROM campaign_members
 WHERE entered_at >= $2 AND entered_at < $3 AND ($4::text IS NULL OR campaign_id = $4)
 GROUP BY 1, 2, 3, 4`;

/**
 * The same from the rollup of the entries' funnels per 15-minute slice of entering (migration
 * 0027, kept by statement triggers on campaign_members in every writer's transaction): every
 * boundary on a slice, so an interval is a sum of whole slices.
 */
const FUNNEL_ROLLUP_SQL = `
SELECT campaign_id, holdout, nullif(variant, '') AS variant, width_bucket(slice, $1::timestamptz[]) AS b,
       sum(audience)::bigint AS audience, sum(sent)::bigint AS sent, sum(delivered)::bigint AS delivered, sum(failed)::bigint AS failed,
       sum(capped)::bigint AS capped, sum(suppressed)::bigint AS suppressed, sum(pending)::bigint AS pending,
       sum(unsubscribed)::bigint AS unsubscribed, sum(offer_granted)::bigint AS offer_granted, sum(offer_used)::bigint AS offer_used,
       sum(converted)::bigint AS converted, sum(revenue)::bigint AS revenue, sum(orders)::bigint AS orders
  FROM campaign_funnel_rollup
 WHERE slice >= $2 AND slice < $3 AND ($4::text IS NULL OR campaign_id = $4)
 GROUP BY 1, 2, 3, 4
HAVING sum(audience) <> 0`;

/**
 * The campaigns report: the funnel of every campaign and variant for the members who entered in
 * the range — audience, sent, delivered, failed, capped, suppressed, unsubscribed, offers granted
 * and used, converted, revenue — with each variant's conversion lift over the holdout, and per
 * interval what entered, was delivered and converted.
 */
export async function campaignsReport(
  pool: Pool,
  query: ReportQuery & { campaignId?: string | undefined },
  now = new Date(),
  options: { fromRollups?: boolean } = {},
): Promise<CampaignsReport> {
  const ctx = await reportContext(pool, query, now);
  // `fromRollups: false` reads the entries even where the rollup covers the range (the exactness test's fallback).
  const fromRollups = onSlices(ctx) && options.fromRollups !== false;
  const [rows, campaigns] = await Promise.all([
    analyticQuery<FunnelRow>(pool, fromRollups ? FUNNEL_ROLLUP_SQL : FUNNEL_SQL, [ctx.boundaries, ctx.range.start, ctx.range.end, query.campaignId ?? null], { hashGroups: true }),
    pool.query<{ id: string; name: string; status: string; definition: { goal?: { eventType: string; withinDays: number }; variants: { key: string }[] } }>(
      `SELECT id, name, status, definition FROM campaigns WHERE $1::text IS NULL OR id = $1 ORDER BY id`,
      [query.campaignId ?? null],
    ),
  ]);
  const perInterval = ctx.range.buckets.map(emptyCounts);
  const perVariant = new Map<string, Map<string, Counts>>();
  for (const r of rows.rows) {
    addCounts(perInterval[r.b - 1]!, r);
    const variants = perVariant.get(r.campaign_id) ?? new Map<string, Counts>();
    const key = r.holdout ? 'holdout' : r.variant!;
    const counts = variants.get(key) ?? emptyCounts();
    addCounts(counts, r);
    variants.set(key, counts);
    perVariant.set(r.campaign_id, variants);
  }
  const campaignRows = campaigns.rows
    .filter((c) => perVariant.has(c.id))
    .map((c) => {
      const variants = perVariant.get(c.id)!;
      const holdout = variants.get('holdout');
      const total = emptyCounts();
      for (const v of variants.values()) for (const k of COUNTS) total[k] += v[k];
      const keys = [...c.definition.variants.map((v) => v.key), ...[...variants.keys()].filter((k) => k !== 'holdout' && !c.definition.variants.some((v) => v.key === k)).sort()];
      const rowsOut = keys.map((key) => {
        const v = variants.get(key) ?? emptyCounts();
        // (cv/av − ch/ah) ÷ (ch/ah) = (cv·ah − ch·av) ÷ (ch·av): integers, exact.
        const lift = holdout && holdout.audience > 0 && v.audience > 0 ? rate(v.converted * holdout.audience - holdout.converted * v.audience, holdout.converted * v.audience) : null;
        return { variant: key, ...funnel(v), lift };
      });
      if (holdout) rowsOut.push({ variant: 'holdout', ...funnel(holdout), lift: null });
      return {
        campaignId: c.id,
        name: c.name,
        status: c.status,
        goal: c.definition.goal ?? null,
        attributionDays: c.definition.goal?.withinDays ?? DEFAULT_ATTRIBUTION_DAYS,
        totals: funnel(total),
        variants: rowsOut,
      };
    });
  return {
    ...reportHeader('campaigns', ctx, fromRollups ? 'rollups' : 'ledger'),
    intervals: ctx.range.buckets.map((bucket, i) => {
      const c = perInterval[i]!;
      return { ...intervalBase(ctx, bucket), entered: c.audience, sent: c.sent, delivered: c.delivered, converted: c.converted, revenue: c.revenue };
    }),
    campaigns: campaignRows,
  };
}
