import { z } from 'zod';
import { FACT_TYPE_NAMES } from '../../facts/index.js';
import { WebhookIdSchema, WebhookInputSchema } from '../../webhooks/index.js';
import { keysetCursor, Timestamp } from './common.js';

export const WebhookParams = z.strictObject({ id: WebhookIdSchema });
export const DeliveryIdSchema = z.string().regex(/^wd_[A-Za-z0-9_-]{1,200}$/, 'expected a delivery id such as wd_crm_42');
export const DeliveryParams = z.strictObject({ id: WebhookIdSchema, deliveryId: DeliveryIdSchema });

const DeliveryStatus = z.enum(['pending', 'sending', 'retrying', 'succeeded', 'dead', 'cancelled']);

export const DeliveriesQuery = z.strictObject({
  status: DeliveryStatus.optional(),
  memberId: z.string().min(1).max(128).optional(),
  eventType: z.enum(FACT_TYPE_NAMES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: keysetCursor('wd_[A-Za-z0-9_-]{1,200}').optional(),
});

export const Webhook = z
  .object({
    id: WebhookIdSchema,
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: WebhookInputSchema.shape.eventTypes,
    status: z.enum(['active', 'paused', 'disabled']),
    secret: z.string().describe('the signing secret (admins only: the receiver checks signatures with it)'),
    previousSecretUntil: Timestamp.nullable().describe('until when the previous secret also signs (after a rotation)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Webhook' });

export const WebhookEventTypes = z.object({ eventTypes: z.array(z.object({ type: z.string(), description: z.string() })) });

export const WebhookDelivery = z
  .object({
    id: DeliveryIdSchema,
    webhookId: WebhookIdSchema,
    eventId: z.string(),
    eventType: z.string(),
    memberId: z.string().nullable(),
    status: DeliveryStatus,
    attempts: z.int(),
    nextAttemptAt: Timestamp.nullable(),
    lastStatus: z.int().nullable().describe("the receiver's last HTTP status"),
    lastError: z.string().nullable(),
    replayOf: z.string().nullable().describe('the delivery this one replays'),
    createdAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryPage = z.object({ deliveries: z.array(WebhookDelivery), next: z.string().nullable().describe('?before= for the next page; null on the last') });

export const WebhookDeliveryDetail = WebhookDelivery.extend({
  event: z.object({ id: z.string(), type: z.string(), occurredAt: Timestamp, data: z.unknown() }).describe('the event as sent'),
  attemptLog: z.array(
    z.object({
      attempt: z.int(),
      startedAt: Timestamp,
      durationMs: z.int().nullable(),
      statusCode: z.int().nullable(),
      responseHeaders: z.record(z.string(), z.string()).nullable(),
      responseBody: z.string().nullable().describe('the start of what the receiver answered'),
      error: z.string().nullable(),
    }),
  ),
});

export const DeliveryQueued = z.object({ deliveryId: DeliveryIdSchema });
export const ReplayedCount = z.object({ replayed: z.int().describe('deliveries queued again') });
