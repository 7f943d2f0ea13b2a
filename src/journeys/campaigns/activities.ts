import { Context } from '@temporalio/activity';
import type { Queue } from 'bullmq';
import { withTransaction, type Pool, type PoolClient } from '../../db/index.js';
import { enqueueDeliveries, insertSendRecords, type MessageRequest } from '../../messaging/index.js';
import type { DeliveryJob } from '../../messaging/delivery/queue.js';
import { campaignStepOffers, grantOffer, messageOffer, offerVars, type MessageOffer } from '../../offers/index.js';
import { currentProgram } from '../../program/store.js';
import { selectAudiencePage, selectNonConverters } from './audience.js';
import { assignBucket, campaignBucket } from './buckets.js';
import { campaignMessageId, templateFor, type CampaignStatus } from './definition.js';
import { getCampaign, type Campaign } from './store.js';

export interface CampaignActivityDeps {
  pool: Pool;
  deliveryQueue: Queue<DeliveryJob>;
}

export type PlanStep = { kind: 'send'; index: number } | { kind: 'follow_up'; index: number } | { kind: 'wait'; index: number; ms: number };

export interface CampaignPlan {
  status: CampaignStatus;
  startAtMs: number | null;
  steps: PlanStep[];
  sendRatePerSecond: number;
}

export interface CampaignPageInput {
  campaignId: string;
  stepIndex: number;
  after: string | null;
  limit: number;
  /** Follow-ups: conversions recorded after this instant do not count (fixed per step). */
  asOfMs: number;
}

export interface CampaignPageResult {
  /** Where the next page starts; null when this was the last page. */
  nextCursor: string | null;
  entered: number;
  holdout: number;
  queued: number;
  /** Offer grants this page made (a retried page makes none). Absent in results recorded before offers. */
  granted?: number;
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Called outside an activity (a direct call in a script): nothing to report to.
  }
}

function campaignRequest(campaign: Campaign, stepIndex: number, memberId: string, variant: string, offer?: MessageOffer): MessageRequest {
  const template = templateFor(campaign.definition, stepIndex, variant);
  return {
    id: campaignMessageId(campaign.id, stepIndex, memberId),
    message: template.message,
    channel: campaign.definition.channel,
    memberId,
    vars: offer ? { ...template.vars, ...offerVars(offer) } : template.vars,
    category: 'marketing',
    campaignId: campaign.id,
    offerId: offer?.offerId ?? null,
    requestedBy: `campaign:${campaign.id}`,
  };
}

/**
 * Grants the step's offers to the members it reaches (in the page's transaction: a retried page
 * grants nothing twice and finds the same codes). Returns, per member, the offer its message names
 * (the first attached offer it holds).
 */
async function grantStepOffers(client: PoolClient, campaign: Campaign, stepIndex: number, targets: readonly { memberId: string; variant: string }[], now: Date): Promise<{ offers: Map<string, MessageOffer>; granted: number }> {
  const offers = await campaignStepOffers(client, campaign.id, stepIndex);
  const byMember = new Map<string, MessageOffer>();
  if (offers.length === 0 || targets.length === 0) return { offers: byMember, granted: 0 };
  const program = (await currentProgram(client)).definition;
  let granted = 0;
  for (const offer of offers) {
    const reached = targets.filter((t) => offer.campaignVariants === null || offer.campaignVariants.includes(t.variant));
    const result = await grantOffer(client, offer, reached, { campaignId: campaign.id, stepIndex, source: 'campaign', now, program });
    granted += result.grants.filter((g) => g.created).length;
    for (const g of result.grants) {
      if (!byMember.has(g.memberId)) byMember.set(g.memberId, messageOffer(offer, g));
    }
  }
  return { offers: byMember, granted };
}

/**
 * The delivery jobs of the step's messages in the page's member range that are still queued. The
 * range, not the page's own list, so a retried page also enqueues what an attempt that died after
 * its commit wrote. Job ids are the message ids: adding one twice is a no-op.
 */
async function enqueuePageRange(deps: CampaignActivityDeps, campaignId: string, stepIndex: number, after: string | null, last: string | null): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT msg.id FROM campaign_members cm
       JOIN messages msg ON msg.id = 'campaign.' || cm.campaign_id || '.' || $2::text || '.' || cm.member_id
      WHERE cm.campaign_id = $1 AND NOT cm.holdout AND ($3::text IS NULL OR cm.member_id > $3) AND ($4::text IS NULL OR cm.member_id <= $4)
        AND msg.status = 'queued'`,
    [campaignId, String(stepIndex), after, last],
  );
  await enqueueDeliveries(deps.deliveryQueue, rows.map((r) => r.id));
}

export function createCampaignActivities(deps: CampaignActivityDeps) {
  const { pool } = deps;
  return {
    async loadCampaignPlan(campaignId: string): Promise<CampaignPlan> {
      const campaign = await getCampaign(pool, campaignId);
      return {
        status: campaign.status,
        startAtMs: campaign.startAt?.getTime() ?? null,
        sendRatePerSecond: campaign.definition.sendRatePerSecond,
        steps: campaign.definition.steps.map((step, index): PlanStep =>
          step.kind === 'wait' ? { kind: 'wait', index, ms: step.days * campaign.daySeconds * 1000 } : { kind: step.kind, index },
        ),
      };
    },

    /** Status transitions the workflow makes; the first `running` freezes the audience instant. */
    async recordCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      const { campaignId, status } = input;
      if (status === 'running') {
        await pool.query(
          `UPDATE campaigns SET status = 'running', audience_at = coalesce(audience_at, now()), updated_at = now() WHERE id = $1 AND status IN ('scheduled', 'paused', 'running')`,
          [campaignId],
        );
      } else if (status === 'paused') {
        await pool.query(`UPDATE campaigns SET status = 'paused', updated_at = now() WHERE id = $1 AND status IN ('scheduled', 'running')`, [campaignId]);
      } else if (status === 'completed' || status === 'cancelled') {
        await pool.query(
          `UPDATE campaigns SET status = $2, completed_at = coalesce(completed_at, now()), updated_at = now() WHERE id = $1 AND status NOT IN ('completed', 'cancelled')`,
          [campaignId, status],
        );
      }
    },

    /**
     * When the campaign is cancelled, the offers it granted stop working (their past uses stay
     * counted); a completed campaign's offers run their course. Idempotent.
     */
    async revokeCampaignOffers(input: { campaignId: string }): Promise<{ revoked: number }> {
      const { rowCount } = await pool.query(`UPDATE offer_grants SET revoked_at = now() WHERE campaign_id = $1 AND revoked_at IS NULL`, [input.campaignId]);
      return { revoked: rowCount ?? 0 };
    },

    /** One page of a send step: buckets, campaign members and send records in one transaction, then the jobs. */
    async sendCampaignPage(input: CampaignPageInput): Promise<CampaignPageResult> {
      const campaign = await getCampaign(pool, input.campaignId);
      const step = campaign.definition.steps[input.stepIndex];
      if (step?.kind === 'follow_up') return await sendFollowUpPage(campaign, input);
      const ids = await selectAudiencePage(pool, campaign, input.after, input.limit);
      heartbeat();
      const d = campaign.definition;
      const assigned = ids.map((memberId) => {
        const bucket = campaignBucket(campaign.id, memberId);
        return { memberId, bucket, ...assignBucket(bucket, d.holdoutPercent, d.variants) };
      });
      const sends = assigned.filter((a) => !a.holdout);
      let granted = 0;
      if (assigned.length > 0) {
        await withTransaction(pool, async (client) => {
          await client.query(
            `INSERT INTO campaign_members (campaign_id, member_id, bucket, holdout, variant)
             SELECT $1, * FROM unnest($2::text[], $3::int[], $4::boolean[], $5::text[]) ON CONFLICT (campaign_id, member_id) DO NOTHING`,
            [campaign.id, assigned.map((a) => a.memberId), assigned.map((a) => a.bucket), assigned.map((a) => a.holdout), assigned.map((a) => a.variant)],
          );
          // The holdout is never among the targets: it gets neither the message nor the offer.
          const step = await grantStepOffers(client, campaign, input.stepIndex, sends.map((a) => ({ memberId: a.memberId, variant: a.variant! })), new Date());
          granted = step.granted;
          await insertSendRecords(client, sends.map((a) => campaignRequest(campaign, input.stepIndex, a.memberId, a.variant!, step.offers.get(a.memberId))));
        });
        heartbeat();
      }
      const last = ids.length === input.limit ? ids[ids.length - 1]! : null;
      await enqueuePageRange(deps, campaign.id, input.stepIndex, input.after, last);
      return { nextCursor: last, entered: assigned.length, holdout: assigned.length - sends.length, queued: sends.length, granted };
    },
  };

  async function sendFollowUpPage(campaign: Campaign, input: CampaignPageInput): Promise<CampaignPageResult> {
    const targets = await selectNonConverters(pool, campaign, input.after, input.limit, new Date(input.asOfMs));
    heartbeat();
    let granted = 0;
    if (targets.length > 0) {
      await withTransaction(pool, async (client) => {
        const step = await grantStepOffers(client, campaign, input.stepIndex, targets, new Date());
        granted = step.granted;
        await insertSendRecords(client, targets.map((t) => campaignRequest(campaign, input.stepIndex, t.memberId, t.variant, step.offers.get(t.memberId))));
      });
    }
    const last = targets.length === input.limit ? targets[targets.length - 1]!.memberId : null;
    await enqueuePageRange(deps, campaign.id, input.stepIndex, input.after, last);
    return { nextCursor: last, entered: 0, holdout: 0, queued: targets.length, granted };
  }
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
