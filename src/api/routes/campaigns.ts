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
  type Campaign,
  type CampaignControlDeps,
} from '../../journeys/campaigns/index.js';
import { messagingTemplateSource } from '../../messaging/index.js';
import { getSegment, parseSegment, previewSegment } from '../../segments/index.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const CampaignParams = z.strictObject({ id: CampaignIdSchema });
const ControlParams = z.strictObject({ id: CampaignIdSchema, action: z.enum(['pause', 'resume', 'cancel']) });
const ListQuery = z.strictObject({ status: z.enum(['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled']).optional() });
const PreviewBody = z.strictObject({ sampleSize: z.int().min(0).max(100).default(20) });

function view(campaign: Campaign): Record<string, unknown> {
  return { ...campaign, workflowId: campaign.status === 'draft' ? null : `campaign:${campaign.id}` };
}

export function registerCampaignRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const deps: CampaignControlDeps = { pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue };

  app.put('/v1/campaigns/:id', { schema: { tags: ['campaigns'], summary: 'Create or replace a draft campaign', body: jsonSchema(CampaignDefinitionSchema) } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(CampaignParams, request.params, 'params', 'invalid_campaign_id');
    const definition = parseInput(CampaignDefinitionSchema, request.body, 'body', 'invalid_campaign');
    if (definition.segment) parseSegment(definition.segment, 'body.segment');
    else await getSegment(ctx.pool, definition.segmentId!);
    const { campaign, created } = await saveCampaign(ctx.pool, { id, definition, actor: actorOf(principal) });
    return reply.code(created ? 201 : 200).send(view(campaign));
  });

  app.get('/v1/campaigns', { schema: { tags: ['campaigns'], summary: 'Campaigns, newest first' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const q = parseInput(ListQuery, request.query, 'query');
    return { items: (await listCampaigns(ctx.pool, { status: q.status })).map(view) };
  });

  app.get('/v1/campaigns/:id', { schema: { tags: ['campaigns'], summary: 'A campaign with its status' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(CampaignParams, request.params, 'params', 'invalid_campaign_id');
    return view(await getCampaign(ctx.pool, id));
  });

  app.post('/v1/campaigns/:id/preview', { schema: { tags: ['campaigns'], summary: 'Before launch: audience count and sample, and every template rendered for each sample tier and locale' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(CampaignParams, request.params, 'params', 'invalid_campaign_id');
    const body = parseInput(PreviewBody, request.body ?? {});
    const campaign = await getCampaign(ctx.pool, id);
    const segment = campaign.segment ?? (campaign.definition.segment ? parseSegment(campaign.definition.segment) : (await getSegment(ctx.pool, campaign.definition.segmentId!)).definition);
    await validateCampaignTemplates(messagingTemplateSource(ctx.pool).source, campaign.definition);
    const audience = await previewSegment(ctx.pool, segment, { now: campaign.audienceAt ?? new Date(), sampleSize: body.sampleSize });
    return { audience, templates: 'valid', holdoutPercent: campaign.definition.holdoutPercent };
  });

  app.post('/v1/campaigns/:id/launch', { schema: { tags: ['campaigns'], summary: 'Launch: validates templates, freezes the segment and starts campaign:<id>' } }, async (request, reply) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(CampaignParams, request.params, 'params', 'invalid_campaign_id');
    const { campaign, started } = await launchCampaign(deps, id);
    return reply.code(started ? 202 : 200).send(view(campaign));
  });

  app.post('/v1/campaigns/:id/:action', { schema: { tags: ['campaigns'], summary: 'pause, resume or cancel a launched campaign' } }, async (request, reply) => {
    authorize(request, ['admin', 'marketer']);
    const { id, action } = parseInput(ControlParams, request.params, 'params', 'invalid_campaign_action');
    await controlCampaign(deps, id, action);
    return reply.code(202).send({ campaignId: id, requested: action });
  });

  app.get('/v1/campaigns/:id/stats', { schema: { tags: ['campaigns'], summary: 'Per variant: audience, sent, capped, suppressed, converted and lift against the holdout' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(CampaignParams, request.params, 'params', 'invalid_campaign_id');
    return await campaignStats(ctx.pool, id);
  });
}
