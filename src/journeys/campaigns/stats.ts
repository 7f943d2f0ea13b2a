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
}

export interface CampaignStats {
  campaignId: string;
  status: Campaign['status'];
  goal: { eventType: string; withinDays: number } | null;
  holdout: { audience: number; converted: number; conversionRate: number };
  variants: VariantStats[];
}

const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

/**
 * Per variant: who entered, what happened to their first message, who converted (the goal event
 * within the window after entering), and the lift over the holdout, which got nothing.
 */
export async function campaignStats(pool: Pool, campaignId: string): Promise<CampaignStats> {
  const campaign = await getCampaign(pool, campaignId);
  const goal = campaign.definition.goal ?? null;
  const { rows } = await pool.query<{ variant: string | null; audience: number; sent: number; capped: number; suppressed: number; failed: number; pending: number; converted: number; follow_ups: number }>(
    `SELECT cm.variant,
            count(*)::int AS audience,
            count(*) FILTER (WHERE msg.status = 'sent')::int AS sent,
            count(*) FILTER (WHERE msg.status = 'capped')::int AS capped,
            count(*) FILTER (WHERE msg.status = 'suppressed')::int AS suppressed,
            count(*) FILTER (WHERE msg.status IN ('dead', 'failed'))::int AS failed,
            count(*) FILTER (WHERE msg.status IN ('queued', 'held', 'sending', 'unknown'))::int AS pending,
            count(*) FILTER (WHERE $2::text IS NOT NULL AND EXISTS (
              SELECT 1 FROM events e WHERE e.member_id = cm.member_id AND e.type = $2
                 AND e.occurred_at >= cm.entered_at AND e.occurred_at < cm.entered_at + make_interval(secs => $3)))::int AS converted,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM messages f WHERE f.campaign_id = cm.campaign_id AND f.member_id = cm.member_id AND f.id <> msg.id))::int AS follow_ups
       FROM campaign_members cm
       LEFT JOIN messages msg ON msg.id = 'campaign.' || cm.campaign_id || '.0.' || cm.member_id
      WHERE cm.campaign_id = $1
      GROUP BY cm.variant`,
    [campaignId, goal?.eventType ?? null, (goal?.withinDays ?? 0) * campaign.daySeconds],
  );
  const holdoutRow = rows.find((r) => r.variant === null);
  const holdoutAudience = holdoutRow?.audience ?? 0;
  const holdoutRate = holdoutAudience > 0 ? holdoutRow!.converted / holdoutAudience : null;
  const byVariant = new Map(rows.filter((r) => r.variant !== null).map((r) => [r.variant!, r]));
  const variants = campaign.definition.variants.map((v): VariantStats => {
    const r = byVariant.get(v.key);
    const audience = r?.audience ?? 0;
    const rate = audience > 0 ? r!.converted / audience : 0;
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
    };
  });
  return {
    campaignId,
    status: campaign.status,
    goal,
    holdout: { audience: holdoutAudience, converted: holdoutRow?.converted ?? 0, conversionRate: round(holdoutRate ?? 0, 4) },
    variants,
  };
}
