import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../auth/index.js';
import { LaurelError } from '../../errors/index.js';
import { EventInputSchema, MAX_BATCH, ingestBatch, ingestEvent, type IngestOptions } from '../../ledger/index.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';
import { idempotencyHeader } from './members.js';

const DryRunQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() });
const BatchBody = z.strictObject({ events: z.array(z.unknown()).min(1, 'expected at least one event') });

function ingestOptions(principal: Principal, dryRun: boolean): IngestOptions {
  if (principal.kind === 'key' && principal.role === 'partner') {
    return { source: `partner:${principal.partnerId}`, dryRun, dailyPointCap: principal.dailyPointCap };
  }
  return { source: 'api', dryRun };
}

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post(
    '/v1/events',
    { schema: { tags: ['events'], summary: 'Ingest one event (idempotent; ?dryRun=true writes nothing)', body: jsonSchema(EventInputSchema) } },
    async (request, reply) => {
      const principal = authorize(request, ['admin', 'ingest', 'partner']);
      const { dryRun } = parseInput(DryRunQuery, request.query, 'query');
      const event = parseInput(EventInputSchema, request.body, 'body', 'invalid_event');
      const result = await ingestEvent(ctx.pool, event, { ...ingestOptions(principal, dryRun === 'true'), headerKey: idempotencyHeader(request.headers) });
      return reply.code(result.replayed || result.dryRun ? 200 : 201).send(result);
    },
  );

  app.post(
    '/v1/events/batch',
    { schema: { tags: ['events'], summary: `Ingest up to ${MAX_BATCH} events; all are validated before any is written` }, bodyLimit: 10 * 1024 * 1024 },
    async (request, reply) => {
      const principal = authorize(request, ['admin', 'ingest', 'partner']);
      const { dryRun } = parseInput(DryRunQuery, request.query, 'query');
      const body = parseInput(BatchBody, request.body);
      if (body.events.length > MAX_BATCH) {
        throw new LaurelError('batch_too_large', `a batch holds at most ${MAX_BATCH} events; this one has ${body.events.length}`, { status: 413, details: { max: MAX_BATCH } });
      }
      const events = body.events.map((e, i) => {
        try {
          return parseInput(EventInputSchema, e, 'body', 'invalid_event');
        } catch (err) {
          if (err instanceof LaurelError) throw new LaurelError(err.code, `events[${i}]: ${err.message.replace(/^body\./, '')}`, { status: 400, details: { index: i, ...err.details } });
          throw err;
        }
      });
      const results = await ingestBatch(ctx.pool, events, ingestOptions(principal, dryRun === 'true'));
      return reply.code(200).send({ results, created: results.filter((r) => !r.replayed && !r.dryRun).length, replayed: results.filter((r) => r.replayed).length });
    },
  );
}
