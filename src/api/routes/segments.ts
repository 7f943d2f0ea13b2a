import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { getSegment, listSegments, parseSegment, previewSegment, saveSegment, SegmentSchema } from '../../segments/index.js';
import { SegmentIdSchema } from '../../journeys/campaigns/index.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const SegmentParams = z.strictObject({ id: SegmentIdSchema });
const SegmentBody = z.strictObject({ name: z.string().min(1).max(200), definition: z.unknown() });
const SampleSize = z.int().min(0).max(100).default(20);
const PreviewBody = z.strictObject({ definition: z.unknown(), sampleSize: SampleSize, at: z.iso.datetime({ offset: true }).optional() });
const SavedPreviewBody = z.strictObject({ sampleSize: SampleSize, at: z.iso.datetime({ offset: true }).optional() });
const SegmentDocument = z.strictObject({ name: z.string(), definition: SegmentSchema });

export function registerSegmentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.put('/v1/segments/:id', { schema: { tags: ['segments'], summary: 'Create or replace a saved segment (the segment DSL)', body: jsonSchema(SegmentDocument) } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(SegmentParams, request.params, 'params', 'invalid_segment_id');
    const body = parseInput(SegmentBody, request.body);
    const definition = parseSegment(body.definition, 'body.definition');
    const { segment, created } = await saveSegment(ctx.pool, { id, name: body.name, definition, actor: actorOf(principal) });
    return reply.code(created ? 201 : 200).send(segment);
  });

  app.get('/v1/segments', { schema: { tags: ['segments'], summary: 'Saved segments' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    return { items: await listSegments(ctx.pool) };
  });

  app.get('/v1/segments/:id', { schema: { tags: ['segments'], summary: 'A saved segment' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(SegmentParams, request.params, 'params', 'invalid_segment_id');
    return await getSegment(ctx.pool, id);
  });

  app.post('/v1/segments/:id/preview', { schema: { tags: ['segments'], summary: 'Count and sample of a saved segment, now or at a given instant' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(SegmentParams, request.params, 'params', 'invalid_segment_id');
    const body = parseInput(SavedPreviewBody, request.body ?? {});
    const segment = await getSegment(ctx.pool, id);
    return await previewSegment(ctx.pool, segment.definition, { now: body.at ? new Date(body.at) : new Date(), sampleSize: body.sampleSize });
  });

  app.post('/v1/segments/preview', { schema: { tags: ['segments'], summary: 'Count and sample of an unsaved segment document' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const body = parseInput(PreviewBody, request.body);
    const definition = parseSegment(body.definition, 'body.definition');
    return await previewSegment(ctx.pool, definition, { now: body.at ? new Date(body.at) : new Date(), sampleSize: body.sampleSize });
  });
}
