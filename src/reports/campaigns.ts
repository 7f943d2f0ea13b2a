import { z } from 'zod';
import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import { ReportQuerySchema, type ReportQuery } from './query.js';
import { rate } from './rate.js';
import type { CampaignFunnel, CampaignsReport } from './schemas.js';

export const CampaignsReportQuerySchema = ReportQuerySchema.extend({
  campaignId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a campaign id').optional(),
});

/** Without a goal, conversions (none), revenue and unsubscribes are attributed this many days after entering. */
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

/**
 * Per member who entered a campaign in the range: what became of its first message, whether it
 * unsubscribed, converted (the goal event) and bought within the attribution window after
 * entering. One grouped statement by campaign, variant and interval; every lookup goes through
 * an index (the message by its id, events by member, type and time).
 */
const FUNNEL_SQL = `
WITH entered AS (
  SELECT cm.campaign_id, cm.member_id, cm.entered_at, cm.holdout, cm.variant,
         c.definition -> 'goal' ->> 'eventType' AS goal_type,
         make_interval(secs => coalesce((c.definition -> 'goal' ->> 'withinDays')::int, ${DEFAULT_ATTRIBUTION_DAYS}) * c.day_seconds) AS window_length
    FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id
   WHERE cm.entered_at >= $2 AND cm.entered_at < $3 AND ($4::text IS NULL OR cm.campaign_id = $4)
)
SELECT en.campaign_id, en.holdout, en.variant, width_bucket(en.entered_at, $1::timestamptz[]) AS b,
       count(*)::bigint AS audience,
       count(*) FILTER (WHERE msg.status IN ('sending', 'sent', 'failed', 'unknown', 'dead'))::bigint AS sent,
       count(*) FILTER (WHERE msg.status = 'sent')::bigint AS delivered,
       count(*) FILTER (WHERE msg.status IN ('failed', 'dead'))::bigint AS failed,
       count(*) FILTER (WHERE msg.status = 'capped')::bigint AS capped,
       count(*) FILTER (WHERE msg.status = 'suppressed')::bigint AS suppressed,
       count(*) FILTER (WHERE msg.status IN ('queued', 'held'))::bigint AS pending,
       count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM suppressions s WHERE s.member_id = en.member_id AND s.reason = 'unsubscribed'
            AND s.created_at >= en.entered_at AND s.created_at < en.entered_at + en.window_length))::bigint AS unsubscribed,
       count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM offer_grants g WHERE g.member_id = en.member_id AND g.campaign_id = en.campaign_id))::bigint AS offer_granted,
       count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM offer_grants g JOIN offer_uses u ON u.grant_id = g.id
          WHERE g.member_id = en.member_id AND g.campaign_id = en.campaign_id AND u.cancelled_at IS NULL))::bigint AS offer_used,
       count(*) FILTER (WHERE en.goal_type IS NOT NULL AND EXISTS (
         SELECT 1 FROM events e WHERE e.member_id = en.member_id AND e.type = en.goal_type
            AND e.occurred_at >= en.entered_at AND e.occurred_at < en.entered_at + en.window_length))::bigint AS converted,
       coalesce(sum(bought.revenue), 0)::bigint AS revenue,
       coalesce(sum(bought.orders), 0)::bigint AS orders
  FROM entered en
  LEFT JOIN messages msg ON msg.id = 'campaign.' || en.campaign_id || '.0.' || en.member_id
  LEFT JOIN LATERAL (
    SELECT sum(CASE WHEN e.type = 'purchase' THEN e.amount ELSE -e.amount END) AS revenue,
           count(*) FILTER (WHERE e.type = 'purchase') AS orders
      FROM events e
     WHERE e.member_id = en.member_id AND e.type IN ('purchase', 'refund')
       AND e.occurred_at >= en.entered_at AND e.occurred_at < en.entered_at + en.window_length
  ) bought ON true
 GROUP BY 1, 2, 3, 4`;

/**
 * The campaigns report: the funnel of every campaign and variant for the members who entered in
 * the range — audience, sent, delivered, failed, capped, suppressed, unsubscribed, offers granted
 * and used, converted, revenue — with each variant's conversion lift over the holdout, and per
 * interval what entered, was delivered and converted.
 */
export async function campaignsReport(pool: Pool, query: ReportQuery & { campaignId?: string | undefined }, now = new Date()): Promise<CampaignsReport> {
  const ctx = await reportContext(pool, query, now);
  const [rows, campaigns] = await Promise.all([
    analyticQuery<FunnelRow>(pool, FUNNEL_SQL, [ctx.boundaries, ctx.range.start, ctx.range.end, query.campaignId ?? null]),
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
    ...reportHeader('campaigns', ctx, 'ledger'),
    intervals: ctx.range.buckets.map((bucket, i) => {
      const c = perInterval[i]!;
      return { ...intervalBase(ctx, bucket), entered: c.audience, sent: c.sent, delivered: c.delivered, converted: c.converted, revenue: c.revenue };
    }),
    campaigns: campaignRows,
  };
}
