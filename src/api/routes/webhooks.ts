import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { withTransaction } from '../../db/index.js';
import { LaurelError } from '../../errors/index.js';
import { FACT_TYPES } from '../../facts/index.js';
import {
  ReplaySchema,
  RotateSecretSchema,
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
import { defineRoute } from '../route.js';
import {
  DeliveriesQuery,
  DeliveryParams,
  DeliveryQueued,
  ReplayedCount,
  Webhook,
  WebhookDeliveryDetail,
  WebhookDeliveryPage,
  WebhookEventTypes,
  WebhookParams,
} from '../schemas/webhooks.js';
import { parseKeysetCursor } from '../schemas/common.js';
import type { ApiContext } from '../server.js';

function webhookView(s: WebhookSubscription) {
  return {
    id: s.id,
    url: s.url,
    description: s.description,
    eventTypes: s.eventTypes,
    status: s.status,
    // Admins only: the receiver needs it to check signatures (as Stripe and Svix show it).
    secret: s.secret,
    previousSecretUntil: s.previousSecretUntil,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

const ADMINS = { roles: ['admin'] } as const;
const UNKNOWN_WEBHOOK = { 404: ['unknown_webhook'] } as const;

/** Outbound webhooks (admin): subscriptions, their deliveries with every attempt, replay. */
export function registerWebhookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'GET',
    url: '/v1/webhooks/event-types',
    tags: ['webhooks'],
    summary: 'Every event type a webhook can subscribe to, with what its data holds',
    auth: ADMINS,
    responses: { 200: WebhookEventTypes },
    handler: async () => ({ eventTypes: Object.entries(FACT_TYPES).map(([type, description]) => ({ type, description })) }),
  });

  defineRoute(app, {
    method: 'PUT',
    url: '/v1/webhooks/:id',
    tags: ['webhooks'],
    summary: 'Create or update a webhook subscription (audit logged)',
    auth: ADMINS,
    params: WebhookParams,
    body: WebhookInputSchema,
    responses: { 200: Webhook, 201: Webhook },
    handler: async ({ params, body, principal, reply }) => {
      const { subscription, created, resumed } = await upsertSubscription(ctx.pool, params.id, body, actorOf(principal));
      // Lanes that waited while the subscription was paused get their heads' jobs back.
      if (resumed) await withTransaction(ctx.pool, (client) => restartLanes(client, params.id));
      reply.code(created ? 201 : 200);
      return webhookView(subscription);
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/webhooks',
    tags: ['webhooks'],
    summary: 'All webhook subscriptions',
    auth: ADMINS,
    responses: { 200: z.object({ webhooks: z.array(Webhook) }) },
    handler: async () => ({ webhooks: (await listSubscriptions(ctx.pool)).map(webhookView) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/webhooks/:id',
    tags: ['webhooks'],
    summary: 'A webhook subscription with its signing secret',
    auth: ADMINS,
    params: WebhookParams,
    responses: { 200: Webhook },
    problems: UNKNOWN_WEBHOOK,
    handler: async ({ params }) => webhookView(await getSubscription(ctx.pool, params.id)),
  });

  defineRoute(app, {
    method: 'DELETE',
    url: '/v1/webhooks/:id',
    tags: ['webhooks'],
    summary: 'Disable a subscription: nothing more is recorded, what has not gone out is cancelled (audit logged)',
    auth: ADMINS,
    params: WebhookParams,
    responses: { 200: Webhook },
    problems: UNKNOWN_WEBHOOK,
    handler: async ({ params, principal }) => webhookView(await disableSubscription(ctx.pool, params.id, actorOf(principal))),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/webhooks/:id/rotate-secret',
    tags: ['webhooks'],
    summary: 'New signing secret; the old one also signs for overlapSeconds (default a day)',
    auth: ADMINS,
    params: WebhookParams,
    body: RotateSecretSchema,
    bodyOptional: true,
    responses: { 200: Webhook },
    problems: UNKNOWN_WEBHOOK,
    handler: async ({ params, body, principal }) => webhookView(await rotateSecret(ctx.pool, params.id, body, actorOf(principal))),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/webhooks/:id/test',
    tags: ['webhooks'],
    summary: 'Send a webhook.test event to this subscription',
    auth: ADMINS,
    params: WebhookParams,
    responses: { 202: DeliveryQueued },
    problems: { ...UNKNOWN_WEBHOOK, 409: ['webhook_disabled'] },
    handler: async ({ params, principal }) => ({ deliveryId: await sendTestDelivery(ctx.pool, params.id, actorOf(principal)) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/webhooks/:id/deliveries',
    tags: ['webhooks'],
    summary: 'Deliveries, newest first; ?status=dead, ?memberId=, ?eventType=; keyset paging with ?before=<next>',
    auth: ADMINS,
    params: WebhookParams,
    query: DeliveriesQuery,
    responses: { 200: WebhookDeliveryPage },
    problems: UNKNOWN_WEBHOOK,
    handler: async ({ params, query }) => {
      await getSubscription(ctx.pool, params.id);
      return await listDeliveries(ctx.pool, params.id, { ...query, before: query.before === undefined ? undefined : parseKeysetCursor(query.before) });
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/webhooks/:id/deliveries/:deliveryId',
    tags: ['webhooks'],
    summary: 'One delivery: the event sent and every attempt with the receiver answer',
    auth: ADMINS,
    params: DeliveryParams,
    responses: { 200: WebhookDeliveryDetail },
    problems: { 404: ['unknown_delivery'] },
    handler: async ({ params }) => await getDelivery(ctx.pool, params.id, params.deliveryId),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/webhooks/:id/deliveries/:deliveryId/replay',
    tags: ['webhooks'],
    summary: 'Send a delivery again (same webhook id, fresh signature), in its lane order',
    auth: ADMINS,
    params: DeliveryParams,
    responses: { 202: DeliveryQueued },
    problems: { 404: ['unknown_webhook', 'unknown_delivery'], 409: ['webhook_disabled'] },
    handler: async ({ params, principal }) => ({ deliveryId: await replayOne(ctx.pool, params.id, params.deliveryId, actorOf(principal)) }),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/webhooks/:id/replay',
    tags: ['webhooks'],
    summary: 'Replay the dead (or all finished) deliveries created in [from, to)',
    auth: ADMINS,
    params: WebhookParams,
    body: ReplaySchema,
    responses: { 202: ReplayedCount },
    problems: { ...UNKNOWN_WEBHOOK, 409: ['webhook_disabled'] },
    handler: async ({ params, body, principal }) => {
      const to = body.to ? new Date(body.to) : new Date();
      // A rule across fields (and the clock): the shape was right, so 422.
      if (Date.parse(body.from) >= to.getTime()) throw new LaurelError('invalid_request', 'body.from: must be before body.to', { status: 422 });
      return { replayed: await replayRange(ctx.pool, params.id, { from: new Date(body.from), to, status: body.status }, actorOf(principal)) };
    },
  });
}
