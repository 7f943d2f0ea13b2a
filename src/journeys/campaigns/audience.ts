import type { Pool, PoolClient } from '../../db/index.js';
import { compileSegmentPage, type SqlParams } from '../../segments/index.js';
import type { Campaign } from './store.js';

/**
 * Who may enter: members of this campaign's family (other campaigns) within the re-entry rule are
 * left out. A trusted fragment of Laurel's own; its values still go through placeholders.
 */
function reentryFilter(campaign: Campaign, audienceAt: Date): ((p: SqlParams) => string) | undefined {
  const rule = campaign.definition.reentry;
  if (rule.mode === 'always') return undefined;
  return (p) => {
    const base = `NOT EXISTS (SELECT 1 FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id
      WHERE cm.member_id = m.id AND c.family = ${p.add(campaign.family)} AND cm.campaign_id <> ${p.add(campaign.id)}`;
    if (rule.mode === 'once') return `${base})`;
    const since = new Date(audienceAt.getTime() - rule.days * campaign.daySeconds * 1000);
    return `${base} AND cm.entered_at > ${p.add(since)})`;
  };
}

/** One keyset page of the campaign's audience (the frozen segment at the audience instant). */
export async function selectAudiencePage(db: Pool | PoolClient, campaign: Campaign, after: string | null, limit: number): Promise<string[]> {
  if (!campaign.segment || !campaign.audienceAt) throw new Error(`campaign ${campaign.id} has no frozen audience`);
  const filter = reentryFilter(campaign, campaign.audienceAt);
  const page = compileSegmentPage(campaign.segment, { now: campaign.audienceAt, after, limit, ...(filter ? { extra: filter } : {}) });
  const { rows } = await db.query<{ id: string }>(page.sql, page.params);
  return rows.map((r) => r.id);
}

/**
 * One keyset page of the variant members who have not converted by `asOf` (events recorded after
 * it do not count, so a retried page selects the same members) and whose first message was not
 * refused by policy.
 */
export async function selectNonConverters(
  db: Pool | PoolClient,
  campaign: Campaign,
  after: string | null,
  limit: number,
  asOf: Date,
): Promise<{ memberId: string; variant: string }[]> {
  const goal = campaign.definition.goal;
  if (!goal) return [];
  const { rows } = await db.query<{ member_id: string; variant: string }>(
    `SELECT cm.member_id, cm.variant FROM campaign_members cm
      WHERE cm.campaign_id = $1 AND NOT cm.holdout AND ($2::text IS NULL OR cm.member_id > $2)
        AND NOT EXISTS (SELECT 1 FROM events e WHERE e.member_id = cm.member_id AND e.type = $3
              AND e.occurred_at >= cm.entered_at AND e.occurred_at < cm.entered_at + make_interval(secs => $4) AND e.created_at < $5)
        AND NOT EXISTS (SELECT 1 FROM messages msg WHERE msg.id = 'campaign.' || cm.campaign_id || '.0.' || cm.member_id
              AND msg.status IN ('suppressed', 'capped', 'dead'))
      ORDER BY cm.member_id LIMIT $6`,
    [campaign.id, after, goal.eventType, goal.withinDays * campaign.daySeconds, asOf, limit],
  );
  return rows.map((r) => ({ memberId: r.member_id, variant: r.variant }));
}
