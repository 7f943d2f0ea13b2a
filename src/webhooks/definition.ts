import { z } from 'zod';
import { FACT_TYPE_NAMES } from '../facts/index.js';
import { IdSchema } from '../program/index.js';

export const WebhookIdSchema = IdSchema;

// An enum, so the OpenAPI document states it too (a bad type is a 400 of the shape).
const EventTypeSchema = z.enum(['*', ...FACT_TYPE_NAMES] as [string, ...string[]], { error: `expected "*" or one of ${FACT_TYPE_NAMES.join(', ')}` });

/** PUT /v1/webhooks/:id — create or update a subscription. */
export const WebhookInputSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .max(2000)
    .refine((u) => !/\s/.test(u), 'expected a URL without spaces'),
  description: z.string().max(500).optional(),
  /** Fact types to receive (see GET /v1/webhooks/event-types), or ["*"] for all. */
  eventTypes: z.array(EventTypeSchema).min(1, 'expected at least one event type').max(50),
  /** Paused subscriptions keep collecting deliveries and send them when resumed. */
  status: z.enum(['active', 'paused']).default('active'),
  /** Your own signing secret (at least 24 characters); absent on create: one is generated. */
  secret: z.string().min(24, 'expected a secret of at least 24 characters').max(200).optional(),
});

export type WebhookInput = z.input<typeof WebhookInputSchema>;
export type WebhookDefinition = z.output<typeof WebhookInputSchema>;

export const RotateSecretSchema = z.strictObject({
  /** How long deliveries stay signed with the old secret too (default 24 hours; 0 = at once). */
  overlapSeconds: z.int().min(0).max(7 * 86_400).default(86_400),
  secret: z.string().min(24).max(200).optional(),
});

export const ReplaySchema = z.strictObject({
  /** Replay the deliveries created in [from, to); by default only those that died. */
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }).optional(),
  status: z.enum(['dead', 'all']).default('dead'),
});
