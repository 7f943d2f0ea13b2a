import { z } from 'zod';
import { SegmentSchema } from '../../segments/index.js';
import { BUILT_IN_MESSAGES } from '../../messaging/templates/index.js';

/**
 * A campaign definition as the marketer writes it: who (a saved segment or an inline one), what
 * (a template per A/B variant: a built-in message, whose files a marketer may override through the
 * template store), how the audience splits (variant %, holdout %), when (now or at a time), the
 * steps (send, wait N days, follow up those who did not convert, end) and the re-entry rule.
 */
export const CampaignIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a campaign id of lowercase letters, digits and -');
export const SegmentIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a segment id of lowercase letters, digits and -');
const VariantKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'expected a variant key such as a or control');

export const CampaignTemplateSchema = z.strictObject({
  message: z.string().refine((m) => BUILT_IN_MESSAGES.includes(m), { message: `expected one of ${BUILT_IN_MESSAGES.join(', ')}` }),
  vars: z.record(z.string(), z.unknown()).default({}),
});
export type CampaignTemplate = z.infer<typeof CampaignTemplateSchema>;

const VariantSchema = z.strictObject({
  key: VariantKey,
  /** Share of the non-holdout audience, in whole percent; all variants sum to 100. */
  percent: z.int().min(1).max(100),
  template: CampaignTemplateSchema,
});

const StepSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('send') }),
  z.strictObject({ kind: z.literal('wait'), days: z.int().min(1).max(365) }),
  /** To the variant members who have not converted yet; a variant without its own template re-sends its first one. */
  z.strictObject({ kind: z.literal('follow_up'), templates: z.record(VariantKey, CampaignTemplateSchema).default({}) }),
]);
export type CampaignStep = z.infer<typeof StepSchema>;

const ReentrySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('always'), family: CampaignIdSchema.optional() }),
  z.strictObject({ mode: z.literal('once'), family: CampaignIdSchema.optional() }),
  z.strictObject({ mode: z.literal('after_days'), days: z.int().min(1).max(3650), family: CampaignIdSchema.optional() }),
]);

export const CampaignDefinitionSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    segmentId: SegmentIdSchema.optional(),
    segment: SegmentSchema.optional(),
    channel: z.enum(['email', 'sms', 'inbox']).default('email'),
    variants: z.array(VariantSchema).min(1).max(10),
    holdoutPercent: z.int().min(0).max(90).default(0),
    startAt: z.iso.datetime({ offset: true }).optional(),
    goal: z.strictObject({ eventType: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), withinDays: z.int().min(1).max(365) }).optional(),
    steps: z.array(StepSchema).min(1).max(20).default([{ kind: 'send' }]),
    reentry: ReentrySchema.default({ mode: 'once' }),
    /** Messages handed to delivery per second, at most. */
    sendRatePerSecond: z.int().min(1).max(100_000).default(200),
  })
  .superRefine((d, ctx) => {
    if ((d.segmentId === undefined) === (d.segment === undefined)) ctx.addIssue({ code: 'custom', path: ['segmentId'], message: 'expected exactly one of segmentId and segment' });
    const total = d.variants.reduce((sum, v) => sum + v.percent, 0);
    if (total !== 100) ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant percents must sum to 100, got ${total}` });
    const keys = new Set<string>();
    d.variants.forEach((v, i) => {
      if (keys.has(v.key)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'key'], message: `duplicate variant ${v.key}` });
      keys.add(v.key);
    });
    d.steps.forEach((step, i) => {
      if (i === 0 && step.kind !== 'send') ctx.addIssue({ code: 'custom', path: ['steps', 0, 'kind'], message: 'the first step is send' });
      if (i > 0 && step.kind === 'send') ctx.addIssue({ code: 'custom', path: ['steps', i, 'kind'], message: 'only the first step sends to the segment; later sends are follow_up' });
      if (step.kind === 'follow_up') {
        if (!d.goal) ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'a follow_up needs a goal (who converted is not followed up)' });
        for (const key of Object.keys(step.templates)) {
          if (!keys.has(key)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'templates', key], message: `no variant ${key}` });
        }
      }
    });
  });

export type CampaignDefinition = z.infer<typeof CampaignDefinitionSchema>;
export type CampaignDefinitionInput = z.input<typeof CampaignDefinitionSchema>;

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

/** The template a variant sends at a step (follow-ups fall back to the variant's first template). */
export function templateFor(definition: CampaignDefinition, stepIndex: number, variantKey: string): CampaignTemplate {
  const variant = definition.variants.find((v) => v.key === variantKey);
  if (!variant) throw new Error(`no variant ${variantKey}`);
  const step = definition.steps[stepIndex];
  if (step?.kind === 'follow_up') return step.templates[variantKey] ?? variant.template;
  return variant.template;
}

/** The stable message id of a campaign send (also its delivery job id). */
export function campaignMessageId(campaignId: string, stepIndex: number, memberId: string): string {
  return `campaign.${campaignId}.${stepIndex}.${memberId}`;
}

export function campaignWorkflowId(campaignId: string): string {
  return `campaign:${campaignId}`;
}
