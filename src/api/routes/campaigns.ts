import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import {
  CampaignDefinitionSchema,
  CampaignIdSchema,
  campaignStats,
  controlCampaign,
  getCampaign,
  launchCampaign,
  listCampaigns,
  saveCampaign,
  validateCampaignTemplates,
  type Campaign as CampaignRecord,
  type CampaignControlDeps,
} from '../../journeys/campaigns/index.js';
import { messagingTemplateSource } from '../../messaging/index.js';
import { getSegment, parseSegment, previewSegment } from '../../segments/index.js';
import { defineRoute } from '../route.js';
import { Campaign, CampaignPreview, CampaignStats, CampaignStatus } from '../schemas/campaigns.js';
import type { ApiContext } from '../server.js';

const CampaignParams = z.strictObject({ id: CampaignIdSchema });
const ControlParams = z.strictObject({ id: CampaignIdSchema, action: z.enum(['pause', 'resume', 'cancel']) });
const ListQuery = z.strictObject({ status: CampaignStatus.optional() });
const PreviewBody = z.strictObject({ sampleSize: z.int().min(0).max(100).default(20) });
const Control = z.object({ campaignId: CampaignIdSchema, requested: z.enum(['pause', 'resume', 'cancel']) });

const MARKETERS = { roles: ['admin', 'marketer'] } as const;

function view(campaign: CampaignRecord) {
  return { ...campaign, workflowId: campaign.status === 'draft' ? null : `campaign:${campaign.id}` };
}

export function registerCampaignRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const deps: CampaignControlDeps = { pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue };

  defineRoute(app, {
    method: 'PUT',
    url: '/v1/campaigns/:id',
    tags: ['campaigns'],
    summary: 'Create or replace a draft campaign',
    auth: MARKETERS,
    params: CampaignParams,
    body: CampaignDefinitionSchema,
    inputCodes: { params: 'invalid_campaign_id', body: 'invalid_campaign' },
    responses: { 200: Campaign, 201: Campaign },
    problems: { 400: ['invalid_segment'], 422: ['invalid_segment'], 404: ['segment_not_found'], 409: ['campaign_not_draft'] },
    handler: async ({ params, body, principal, reply }) => {
      if (body.segment) parseSegment(body.segment, 'body.segment');
      else await getSegment(ctx.pool, body.segmentId!);
      const { campaign, created } = await saveCampaign(ctx.pool, { id: params.id, definition: body, actor: actorOf(principal) });
      reply.code(created ? 201 : 200);
      return view(campaign);
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/campaigns',
    tags: ['campaigns'],
    summary: 'Campaigns, newest first',
    auth: MARKETERS,
    query: ListQuery,
    responses: { 200: z.object({ items: z.array(Campaign) }) },
    handler: async ({ query }) => ({ items: (await listCampaigns(ctx.pool, { status: query.status })).map(view) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/campaigns/:id',
    tags: ['campaigns'],
    summary: 'A campaign with its status',
    auth: MARKETERS,
    params: CampaignParams,
    inputCodes: { params: 'invalid_campaign_id' },
    responses: { 200: Campaign },
    problems: { 404: ['campaign_not_found'] },
    handler: async ({ params }) => view(await getCampaign(ctx.pool, params.id)),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/campaigns/:id/preview',
    tags: ['campaigns'],
    summary: 'Before launch: audience count and sample, and every template rendered for each sample tier and locale',
    auth: MARKETERS,
    params: CampaignParams,
    body: PreviewBody,
    bodyOptional: true,
    inputCodes: { params: 'invalid_campaign_id' },
    responses: { 200: CampaignPreview },
    problems: { 400: ['campaign_template_invalid'], 404: ['campaign_not_found', 'segment_not_found'] },
    handler: async ({ params, body }) => {
      const campaign = await getCampaign(ctx.pool, params.id);
      const segment = campaign.segment ?? (campaign.definition.segment ? parseSegment(campaign.definition.segment) : (await getSegment(ctx.pool, campaign.definition.segmentId!)).definition);
      await validateCampaignTemplates(messagingTemplateSource(ctx.pool).source, campaign.definition);
      const audience = await previewSegment(ctx.pool, segment, { now: campaign.audienceAt ?? new Date(), sampleSize: body.sampleSize });
      return { audience, templates: 'valid' as const, holdoutPercent: campaign.definition.holdoutPercent };
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/campaigns/:id/launch',
    tags: ['campaigns'],
    summary: 'Launch: validates templates, freezes the segment and starts campaign:<id> (a repeat answers 200)',
    auth: MARKETERS,
    params: CampaignParams,
    inputCodes: { params: 'invalid_campaign_id' },
    responses: { 202: Campaign.describe('Launched now'), 200: Campaign.describe('Already launched') },
    problems: { 400: ['campaign_template_invalid'], 404: ['campaign_not_found', 'segment_not_found'], 409: ['campaign_finished'] },
    handler: async ({ params, reply }) => {
      const { campaign, started } = await launchCampaign(deps, params.id);
      reply.code(started ? 202 : 200);
      return view(campaign);
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/campaigns/:id/:action',
    tags: ['campaigns'],
    summary: 'pause, resume or cancel a launched campaign (signals to campaign:<id>)',
    auth: MARKETERS,
    params: ControlParams,
    inputCodes: { params: 'invalid_campaign_action' },
    responses: { 202: Control },
    problems: { 404: ['campaign_not_found'], 409: ['campaign_not_launched', 'campaign_finished'] },
    handler: async ({ params }) => {
      await controlCampaign(deps, params.id, params.action);
      return { campaignId: params.id, requested: params.action };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/campaigns/:id/stats',
    tags: ['campaigns'],
    summary: 'Per variant: audience, sent, capped, suppressed, converted and lift against the holdout',
    auth: MARKETERS,
    params: CampaignParams,
    inputCodes: { params: 'invalid_campaign_id' },
    responses: { 200: CampaignStats },
    problems: { 404: ['campaign_not_found'] },
    handler: async ({ params }) => await campaignStats(ctx.pool, params.id),
  });
}
