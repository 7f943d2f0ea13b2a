import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../auth/index.js';
import { LaurelError } from '../../errors/index.js';
import { EventInputSchema, MAX_BATCH, ingestBatch, ingestEvent, resultJson, type IngestOptions } from '../../ledger/index.js';
import { defineRoute } from '../route.js';
import { DryRunQuery, IdempotencyKeyHeader } from '../schemas/common.js';
import { BatchResult, EventResult } from '../schemas/events.js';
import type { ApiContext } from '../server.js';

const BatchBody = z.strictObject({ events: z.array(EventInputSchema).min(1, 'expected at least one event').max(MAX_BATCH) });

function ingestOptions(principal: Principal, dryRun: boolean): IngestOptions {
  if (principal.kind === 'key' && principal.role === 'partner') {
    return { source: `partner:${principal.partnerId}`, dryRun, dailyPointCap: principal.dailyPointCap };
  }
  return { source: 'api', dryRun };
}

/** Problems an event may meet once its shape is valid. */
const EVENT_PROBLEMS = {
  400: ['points_overflow', 'items_total_mismatch'],
  404: ['unknown_member', 'no_program'],
  409: ['idempotency_key_reused'],
  422: [
    'partner_cap_exceeded',
    'unknown_order',
    'idempotency_key_required',
    'unknown_event_type',
    'refund_exceeds_order',
    'refund_before_purchase',
    'refund_items_unknown',
    'refund_item_unknown',
    'refund_items_mismatch',
    'refund_quantity_exceeded',
  ],
  503: ['ledger_contention'],
} as const;

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'POST',
    url: '/v1/events',
    tags: ['events'],
    summary: 'Ingest one event (idempotent; ?dryRun=true decides everything and writes nothing)',
    auth: { roles: ['admin', 'ingest', 'partner'] },
    query: DryRunQuery,
    headers: IdempotencyKeyHeader,
    body: EventInputSchema,
    inputCodes: { body: 'invalid_event' },
    responses: { 201: EventResult.describe('Recorded'), 200: EventResult.describe('A replay of a recorded event, or a dry run') },
    problems: EVENT_PROBLEMS,
    handler: async ({ query, headers, body, principal, reply }) => {
      const result = await ingestEvent(ctx.pool, body, { ...ingestOptions(principal, query.dryRun === 'true'), headerKey: headers['idempotency-key'] });
      // The result's JSON as the write stored it (built once).
      return reply.code(result.replayed || result.dryRun ? 200 : 201).type('application/json; charset=utf-8').send(resultJson(result)) as never;
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/events/batch',
    tags: ['events'],
    summary: `Ingest up to ${MAX_BATCH} events, all or nothing: every event is validated and every member checked before anything is written`,
    auth: { roles: ['admin', 'ingest', 'partner'] },
    query: DryRunQuery,
    body: BatchBody,
    bodyLimit: 10 * 1024 * 1024,
    inputCodes: { body: 'invalid_event' },
    precheck: (request) => {
      const events = (request.body as { events?: unknown } | undefined)?.events;
      if (Array.isArray(events) && events.length > MAX_BATCH) {
        throw new LaurelError('batch_too_large', `a batch holds at most ${MAX_BATCH} events; this one has ${events.length}`, { status: 413, details: { max: MAX_BATCH } });
      }
    },
    responses: { 200: BatchResult },
    problems: { ...EVENT_PROBLEMS, 413: ['batch_too_large'] },
    handler: async ({ query, body, principal, reply }) => {
      const results = await ingestBatch(ctx.pool, body.events, ingestOptions(principal, query.dryRun === 'true'));
      const created = results.filter((r) => !r.replayed && !r.dryRun).length;
      const replayed = results.filter((r) => r.replayed).length;
      // Each result's JSON as the write stored it (built once; ~1 KB per event): the same text
      // JSON.stringify of { results, created, replayed } would give.
      const text = `{"results":[${results.map(resultJson).join(',')}],"created":${created},"replayed":${replayed}}`;
      return reply.type('application/json; charset=utf-8').send(text) as never;
    },
  });
}
