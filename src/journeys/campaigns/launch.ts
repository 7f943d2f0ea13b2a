import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from '../../db/index.js';
import { ConflictError } from '../../errors/index.js';
import { messagingTemplateSource } from '../../messaging/index.js';
import { getSegment, parseSegment, type Segment } from '../../segments/index.js';
import { campaignWorkflowId } from './definition.js';
import { getCampaign, type Campaign } from './store.js';
import { validateCampaignTemplates } from './validate-templates.js';

export interface CampaignControlDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
}

export interface LaunchOptions {
  /** Tests shrink days to seconds; production never sets it. */
  daySeconds?: number;
  pageSize?: number;
  pagesPerRun?: number;
}

async function resolveSegment(pool: Pool, campaign: Campaign): Promise<Segment> {
  const d = campaign.definition;
  if (d.segment) return parseSegment(d.segment, 'segment');
  return (await getSegment(pool, d.segmentId!)).definition;
}

/**
 * Launches a draft: its templates must render for every sample tier and locale, the segment is
 * frozen into the campaign, and `campaign:<id>` starts (it waits for `startAt` itself). Calling it
 * again for a launched campaign only makes sure the workflow exists: a launch cannot run twice.
 */
export async function launchCampaign(deps: CampaignControlDeps, campaignId: string, options: LaunchOptions = {}): Promise<{ campaign: Campaign; started: boolean }> {
  const campaign = await getCampaign(deps.pool, campaignId);
  if (campaign.status === 'completed' || campaign.status === 'cancelled') {
    throw new ConflictError('campaign_finished', `campaign ${campaignId} is ${campaign.status}`, { campaignId, status: campaign.status });
  }
  if (campaign.status === 'draft') {
    const segment = await resolveSegment(deps.pool, campaign);
    await validateCampaignTemplates(messagingTemplateSource(deps.pool).source, campaign.definition);
    await deps.pool.query(
      `UPDATE campaigns SET status = 'scheduled', segment = $2, launched_at = now(), day_seconds = $3, updated_at = now() WHERE id = $1 AND status = 'draft'`,
      [campaignId, JSON.stringify(segment), options.daySeconds ?? 86_400],
    );
  }
  let started = true;
  try {
    await deps.temporal.workflow.start('campaignWorkflow', {
      workflowId: campaignWorkflowId(campaignId),
      taskQueue: deps.taskQueue,
      args: [{ campaignId, ...(options.pageSize ? { pageSize: options.pageSize } : {}), ...(options.pagesPerRun ? { pagesPerRun: options.pagesPerRun } : {}) }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    started = false;
  }
  return { campaign: await getCampaign(deps.pool, campaignId), started };
}

export type CampaignControl = 'pause' | 'resume' | 'cancel';

/** Pause, resume or cancel a launched campaign (signals to its workflow). */
export async function controlCampaign(deps: CampaignControlDeps, campaignId: string, action: CampaignControl): Promise<Campaign> {
  const campaign = await getCampaign(deps.pool, campaignId);
  if (campaign.status === 'draft') {
    if (action !== 'cancel') throw new ConflictError('campaign_not_launched', `campaign ${campaignId} is a draft`, { campaignId });
    await deps.pool.query(`UPDATE campaigns SET status = 'cancelled', completed_at = now(), updated_at = now() WHERE id = $1 AND status = 'draft'`, [campaignId]);
    return await getCampaign(deps.pool, campaignId);
  }
  if (campaign.status === 'completed' || campaign.status === 'cancelled') {
    throw new ConflictError('campaign_finished', `campaign ${campaignId} is ${campaign.status}`, { campaignId, status: campaign.status });
  }
  try {
    await deps.temporal.workflow.getHandle(campaignWorkflowId(campaignId)).signal(action);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ConflictError('campaign_finished', `campaign ${campaignId} is no longer running`, { campaignId });
    throw err;
  }
  return campaign;
}
