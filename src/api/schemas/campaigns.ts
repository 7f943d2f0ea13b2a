import { z } from 'zod';
import { CampaignDefinitionSchema, CampaignIdSchema } from '../../journeys/campaigns/index.js';
import { SegmentSchema } from '../../segments/index.js';
import { Timestamp } from './common.js';
import { SegmentPreview } from './segments.js';

export const CampaignStatus = z.enum(['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled']);

export const Campaign = z
  .object({
    id: CampaignIdSchema,
    name: z.string(),
    family: z.string(),
    definition: CampaignDefinitionSchema,
    segment: SegmentSchema.nullable().describe('the segment frozen at launch'),
    status: CampaignStatus,
    startAt: Timestamp.nullable(),
    daySeconds: z.int(),
    launchedAt: Timestamp.nullable(),
    audienceAt: Timestamp.nullable(),
    completedAt: Timestamp.nullable(),
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    workflowId: z.string().nullable().describe('campaign:<id> once launched'),
  })
  .meta({ id: 'Campaign' });

export const CampaignPreview = z.object({ audience: SegmentPreview, templates: z.literal('valid'), holdoutPercent: z.int() });

const Rates = { conversionRate: z.number().min(0).max(1) };
export const CampaignStats = z
  .object({
    campaignId: CampaignIdSchema,
    status: CampaignStatus,
    goal: z.object({ eventType: z.string(), withinDays: z.int() }).nullable(),
    holdout: z.object({ audience: z.int(), converted: z.int(), ...Rates }),
    variants: z.array(
      z.object({
        variant: z.string(),
        audience: z.int(),
        sent: z.int(),
        capped: z.int(),
        suppressed: z.int(),
        failed: z.int(),
        pending: z.int(),
        converted: z.int(),
        ...Rates,
        liftPercent: z.number().nullable(),
        liftPoints: z.number().nullable(),
        followUps: z.int(),
      }),
    ),
  })
  .meta({ id: 'CampaignStats' });
