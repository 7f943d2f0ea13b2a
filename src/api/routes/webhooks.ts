import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { withTransaction } from '../../db/index.js';
import { ValidationError } from '../../errors/index.js';
import { FACT_TYPES, FACT_TYPE_NAMES } from '../../facts/index.js';
import {
  ReplaySchema,
  RotateSecretSchema,
  WebhookIdSchema,
  WebhookInputSchema,
  disableSubscription,
  getDelivery,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replayOne,
  replayRange,
  restartLanes,
  rotateSecret,
  sendTestDelivery,
  upsertSubscription,
  type WebhookSubscription,
} from '../../webhooks/index.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const WebhookParams = z.strictObject({ id: WebhookIdSchema });
const DeliveryParams = z.strictObject({ id: WebhookIdSchema, deliveryId: z.string().regex(/^wd_[A-Za-z0-9_-]{1,200}$/, 'expected a delivery id such as wd_crm_42') });
const DeliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'sending', 'retrying', 'succeeded', 'dead', 'cancelled']).optional(),
  memberId: z.string().min(1).max(128).optional(),
  eventType: z.enum(FACT_TYPE_NAMES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(/^\d{4}-\d{2}-\d{2}T[^~]+~wd_[A-Za-z0-9_-]+$/, 'expected the next cursor of a previous page').optional(),
});

function webhookView(s: WebhookSubscription) {
  return {
    id: s.id,
    url: s.url,
    description: s.description,
    eventTypes: s.eventTypes,
    status: s.status,
    // Admins only: the receiver needs it to check signatures (as Stripe and Svix show it).
    secret: s.secret,
    previousSecretUntil: s.previousSecretUntil?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** Outbound webhooks (admin): subscriptions, their deliveries with every attempt, replay. */
export function registerWebhookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/webhooks/event-types', { schema: { tags: ['webhooks'], summary: 'Every event type a webhook can subscribe to, with what its data holds' } }, async (request) => {
    authorize(request, ['admin']);
    return { eventTypes: Object.entries(FACT_TYPES).map(([type, description]) => ({ type, description })) };
  });

  app.put('/v1/webhooks/:id', { schema: { tags: ['webhooks'], summary: 'Create or update a webhook subscription (audit logged)', body: jsonSchema(WebhookInputSchema) } }, async (request, reply) => {
    const principal = authorize(request, ['admin']);
    const { id } = parseInput(WebhookParams, request.params, 'params');
    const input = parseInput(WebhookInputSchema, request.body);
    const { subscription, created, resumed } = await upsertSubscription(ctx.pool, id, input, actorOf(principal));
    // Lanes that waited while the subscription was paused get their heads' jobs back.
    if (resumed) await withTransaction(ctx.pool, (client) => restartLanes(client, id));
    return reply.code(created ? 201 : 200).send(webhookView(subscription));
  });

  app.get('/v1/webhooks', { schema: { tags: ['webhooks'], summary: 'All webhook subscriptions' } }, async (request) => {
    authorize(request, ['admin']);
    return { webhooks: (await listSubscriptions(ctx.pool)).map(webhookView) };
  });

  app.get('/v1/webhooks/:id', { schema: { tags: ['webhooks'], summary: 'A webhook subscription with its signing secret' } }, async (request) => {
    authorize(request, ['admin']);
    const { id } = parseInput(WebhookParams, request.params, 'params');
    return webhookView(await getSubscription(ctx.pool, id));
  });

  app.delete('/v1/webhooks/:id', { schema: { tags: ['webhooks'], summary: 'Disable a subscription: nothing more is recorded, what has not gone out is cancelled (audit logged)' } }, async (request) => {
    const principal = authorize(request, ['admin']);
    const { id } = parseInput(WebhookParams, request.params, 'params');
    return webhookView(await disableSubscription(ctx.pool, id, actorOf(principal)));
  });

  app.post('/v1/webhooks/:id/rotate-secret', { schema: { tags: ['webhooks'], summary: 'New signing secret; the old one also signs for overlapSeconds (default a day)', body: jsonSchema(RotateSecretSchema) } }, async (request) => {
    const principal = authorize(request, ['admin']);
    const { id } = parseInput(WebhookParams, request.params, 'params');
    const body = parseInput(RotateSecretSchema, request.body ?? {});
    return webhookView(await rotateSecret(ctx.pool, id, body, actorOf(principal)));
  });

  app.post('/v1/webhooks/:id/test', { schema: { tags: ['webhooks'], summary: 'Send a webhook.test event to this subscription' } }, async (request, reply) => {
    const principal = authorize(request, ['admin']);
    const { id } = parseInput(WebhookParams, request.params, 'params');
    return reply.code(202).send({ deliveryId: await sendTestDelivery(ctx.pool, id, actorOf(principal)) });
  });

  app.get('/v1/webhooks/:id/deliveries', { schema: { tags: ['webhooks'], summary: 'Deliveries, newest first; ?status=dead, ?memberId=, ?eventType=; keyset paging with ?before=<next>' } }, async (request) => {
    authorize(request, ['admin']);
    const { id } = parseInput(WebhookParams, request.params, 'params');
    const query = parseInput(DeliveriesQuery, request.query, 'query');
    await getSubscription(ctx.pool, id);
    return await listDeliveries(ctx.pool, id, query);
  });

  app.get('/v1/webhooks/:id/deliveries/:deliveryId', { schema: { tags: ['webhooks'], summary: 'One delivery: the event sent and every attempt with the receiver answer' } }, async (request) => {
    authorize(request, ['admin']);
    const { id, deliveryId } = parseInput(DeliveryParams, request.params, 'params');
    return await getDelivery(ctx.pool, id, deliveryId);
  });

  app.post('/v1/webhooks/:id/deliveries/:deliveryId/replay', { schema: { tags: ['webhooks'], summary: 'Send a delivery again (same webhook id, fresh signature), in its lane order' } }, async (request, reply) => {
    const principal = authorize(request, ['admin']);
    const { id, deliveryId } = parseInput(DeliveryParams, request.params, 'params');
    return reply.code(202).send({ deliveryId: await replayOne(ctx.pool, id, deliveryId, actorOf(principal)) });
  });

  app.post('/v1/webhooks/:id/replay', { schema: { tags: ['webhooks'], summary: 'Replay the dead (or all finished) deliveries created in [from, to)', body: jsonSchema(ReplaySchema) } }, async (request, reply) => {
    const principal = authorize(request, ['admin']);
    const { id } = parseInput(WebhookParams, request.params, 'params');
    const body = parseInput(ReplaySchema, request.body);
    const to = body.to ? new Date(body.to) : new Date();
    if (Date.parse(body.from) >= to.getTime()) throw new ValidationError('invalid_request', 'body.from: must be before body.to');
    return reply.code(202).send({ replayed: await replayRange(ctx.pool, id, { from: new Date(body.from), to, status: body.status }, actorOf(principal)) });
  });
}
