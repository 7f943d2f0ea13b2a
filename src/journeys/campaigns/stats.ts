import type { Pool } from '../../db/index.js';
import { getCampaign, type Campaign } from './store.js';

export interface VariantStats {
  variant: string;
  audience: number;
  sent: number;
  capped: number;
  suppressed: number;
  failed: number;
  pending: number;
  converted: number;
  /** Converted / audience, 0..1 (4 decimals). */
  conversionRate: number;
  /** (rate - holdout rate) / holdout rate in percent (2 decimals); null without a converting holdout. */
  liftPercent: number | null;
  /** rate - holdout rate in percentage points (2 decimals); null without a holdout. */
  liftPoints: number | null;
  followUps: number;
  /** Net revenue (purchases less refunds, minor units) of the variant's members in the window after entering. */
  revenue: number;
  /** Revenue per member (2 decimals). */
  revenuePerMember: number;
  /** Conversions beyond what the holdout's rate predicts: (rate − holdout rate) × audience (2 decimals); null without a holdout. */
  incrementalConversions: number | null;
  /** Revenue beyond what the holdout's revenue per member predicts (minor units, rounded); null without a holdout. */
  incrementalRevenue: number | null;
  /** The campaign's offers given to this variant: grants, holders who used one, uses, points (bonus given or discount saved), revenue of the orders that used one. */
  offer: OfferFunnel;
}

export interface OfferFunnel {
  grants: number;
  holdersUsed: number;
  uses: number;
  points: number;
  revenue: number;
}

export interface CampaignStats {
  campaignId: string;
  status: Campaign['status'];
  goal: { eventType: string; withinDays: number } | null;
  holdout: { audience: number; converted: number; conversionRate: number; revenue: number; revenuePerMember: number };
  variants: VariantStats[];
  /** Every offer attached to the campaign, with its funnel over all variants. */
  offers: (OfferFunnel & { offerId: string; kind: string; step: number | null; variants: string[] | null })[];
}

const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

/**
 * Per variant: who entered, what happened to their first message, who converted (the goal event,
 * or a use of one of the campaign's offers, within the window after entering — the whole time since
 * entering when the campaign has no goal), revenue in the same window, the offers' funnel, and the
 * lift over the holdout, which got neither message nor offer. The holdout converts only through the
 * goal: give an offer campaign a goal to measure its lift.
 */
export async function campaignStats(pool: Pool, campaignId: string): Promise<CampaignStats> {
  const campaign = await getCampaign(pool, campaignId);
  const goal = campaign.definition.goal ?? null;
  const windowSeconds = goal ? goal.withinDays * campaign.daySeconds : null;
  const { rows } = await pool.query<{ variant: string | null; audience: number; sent: number; capped: number; suppressed: number; failed: number; pending: number; converted: number; follow_ups: number; revenue: number }>(
    `SELECT cm.variant,
            count(*)::int AS audience,
            count(*) FILTER (WHERE msg.status = 'sent')::int AS sent,
            count(*) FILTER (WHERE msg.status = 'capped')::int AS capped,
            count(*) FILTER (WHERE msg.status = 'suppressed')::int AS suppressed,
            count(*) FILTER (WHERE msg.status IN ('dead', 'failed'))::int AS failed,
            count(*) FILTER (WHERE msg.status IN ('queued', 'held', 'sending', 'unknown'))::int AS pending,
            count(*) FILTER (WHERE ($2::text IS NOT NULL AND EXISTS (
                SELECT 1 FROM events e WHERE e.member_id = cm.member_id AND e.type = $2
                   AND e.occurred_at >= cm.entered_at AND ($3::float8 IS NULL OR e.occurred_at < cm.entered_at + make_interval(secs => $3))))
              OR EXISTS (
                SELECT 1 FROM offer_uses u WHERE u.campaign_id = cm.campaign_id AND u.member_id = cm.member_id AND u.cancelled_at IS NULL
                   AND u.at >= cm.entered_at AND ($3::float8 IS NULL OR u.at < cm.entered_at + make_interval(secs => $3))))::int AS converted,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM messages f WHERE f.campaign_id = cm.campaign_id AND f.member_id = cm.member_id AND f.id <> msg.id))::int AS follow_ups,
            coalesce(sum((SELECT sum(CASE WHEN e.type = 'refund' THEN -e.amount ELSE e.amount END) FROM events e
                           WHERE e.member_id = cm.member_id AND e.type IN ('purchase', 'refund') AND e.amount IS NOT NULL
                             AND e.occurred_at >= cm.entered_at AND ($3::float8 IS NULL OR e.occurred_at < cm.entered_at + make_interval(secs => $3)))), 0)::bigint AS revenue
       FROM campaign_members cm
       LEFT JOIN messages msg ON msg.id = 'campaign.' || cm.campaign_id || '.0.' || cm.member_id
      WHERE cm.campaign_id = $1
      GROUP BY cm.variant`,
    [campaignId, goal?.eventType ?? null, windowSeconds],
  );
  const funnels = await offerFunnels(pool, campaignId);
  const holdoutRow = rows.find((r) => r.variant === null);
  const holdoutAudience = holdoutRow?.audience ?? 0;
  const holdoutRate = holdoutAudience > 0 ? holdoutRow!.converted / holdoutAudience : null;
  const holdoutRevenuePerMember = holdoutAudience > 0 ? holdoutRow!.revenue / holdoutAudience : null;
  const byVariant = new Map(rows.filter((r) => r.variant !== null).map((r) => [r.variant!, r]));
  const variants = campaign.definition.variants.map((v): VariantStats => {
    const r = byVariant.get(v.key);
    const audience = r?.audience ?? 0;
    const rate = audience > 0 ? r!.converted / audience : 0;
    const revenuePerMember = audience > 0 ? r!.revenue / audience : 0;
    return {
      variant: v.key,
      audience,
      sent: r?.sent ?? 0,
      capped: r?.capped ?? 0,
      suppressed: r?.suppressed ?? 0,
      failed: r?.failed ?? 0,
      pending: r?.pending ?? 0,
      converted: r?.converted ?? 0,
      conversionRate: round(rate, 4),
      liftPercent: holdoutRate !== null && holdoutRate > 0 ? round(((rate - holdoutRate) / holdoutRate) * 100, 2) : null,
      liftPoints: holdoutRate !== null ? round((rate - holdoutRate) * 100, 2) : null,
      followUps: r?.follow_ups ?? 0,
      revenue: r?.revenue ?? 0,
      revenuePerMember: round(revenuePerMember, 2),
      incrementalConversions: holdoutRate !== null ? round((rate - holdoutRate) * audience, 2) : null,
      incrementalRevenue: holdoutRevenuePerMember !== null ? Math.round((revenuePerMember - holdoutRevenuePerMember) * audience) : null,
      offer: funnels.byVariant.get(v.key) ?? emptyFunnel(),
    };
  });
  return {
    campaignId,
    status: campaign.status,
    goal,
    holdout: {
      audience: holdoutAudience,
      converted: holdoutRow?.converted ?? 0,
      conversionRate: round(holdoutRate ?? 0, 4),
      revenue: holdoutRow?.revenue ?? 0,
      revenuePerMember: round(holdoutRevenuePerMember ?? 0, 2),
    },
    variants,
    offers: funnels.byOffer,
  };
}

const emptyFunnel = (): OfferFunnel => ({ grants: 0, holdersUsed: 0, uses: 0, points: 0, revenue: 0 });

/** Grants and uses of the campaign's offers, per variant and per offer (cancelled uses excluded). */
async function offerFunnels(pool: Pool, campaignId: string): Promise<{ byVariant: Map<string, OfferFunnel>; byOffer: CampaignStats['offers'] }> {
  const { rows } = await pool.query<{ offer_id: string; kind: string; step: number | null; variants: string[] | null; variant: string | null; grants: number; holders_used: number; uses: number; points: number; revenue: number }>(
    `WITH per_grant AS (
       SELECT g.offer_id, g.variant, g.member_id, u.n, u.points, u.amount
         FROM offer_grants g
         LEFT JOIN LATERAL (SELECT count(*) AS n, sum(u.points) AS points, sum(coalesce(u.amount, e.amount)) AS amount
                              FROM offer_uses u LEFT JOIN events e ON u.kind = 'bonus' AND e.id = u.ref
                             WHERE u.grant_id = g.id AND u.cancelled_at IS NULL) u ON true
        WHERE g.campaign_id = $1
     )
     SELECT o.id AS offer_id, o.kind, o.campaign_step AS step, o.campaign_variants AS variants, p.variant,
            count(p.member_id)::int AS grants, count(*) FILTER (WHERE p.n > 0)::int AS holders_used, coalesce(sum(p.n), 0)::bigint AS uses,
            coalesce(sum(p.points), 0)::bigint AS points, coalesce(sum(p.amount), 0)::bigint AS revenue
       FROM offers o LEFT JOIN per_grant p ON p.offer_id = o.id
      WHERE o.campaign_id = $1 OR o.id IN (SELECT offer_id FROM per_grant)
      GROUP BY o.id, o.kind, o.campaign_step, o.campaign_variants, p.variant
      ORDER BY o.id`,
    [campaignId],
  );
  const byVariant = new Map<string, OfferFunnel>();
  const byOffer = new Map<string, CampaignStats['offers'][number]>();
  for (const r of rows) {
    const funnel = { grants: r.grants, holdersUsed: r.holders_used, uses: r.uses, points: r.points, revenue: r.revenue };
    const offer = byOffer.get(r.offer_id) ?? { offerId: r.offer_id, kind: r.kind, step: r.step, variants: r.variants, ...emptyFunnel() };
    for (const key of ['grants', 'holdersUsed', 'uses', 'points', 'revenue'] as const) offer[key] += funnel[key];
    byOffer.set(r.offer_id, offer);
    if (r.variant !== null) {
      const v = byVariant.get(r.variant) ?? emptyFunnel();
      for (const key of ['grants', 'holdersUsed', 'uses', 'points', 'revenue'] as const) v[key] += funnel[key];
      byVariant.set(r.variant, v);
    }
  }
  return { byVariant, byOffer: [...byOffer.values()] };
}
