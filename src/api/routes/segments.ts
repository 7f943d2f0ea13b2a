import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { getSegment, listSegments, parseSegment, previewSegment, saveSegment, SegmentSchema, type Segment } from '../../segments/index.js';
import { SegmentIdSchema } from '../../journeys/campaigns/index.js';
import { defineRoute } from '../route.js';
import { SavedSegment, SegmentPreview } from '../schemas/segments.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const SegmentParams = z.strictObject({ id: SegmentIdSchema });
const SampleSize = z.int().min(0).max(100).default(20).describe('members in the sample');
const At = z.iso.datetime({ offset: true }).optional().describe('evaluate at this instant instead of now');
const SegmentBody = z.strictObject({ name: z.string().min(1).max(200), definition: SegmentSchema });
const PreviewBody = z.strictObject({ definition: SegmentSchema, sampleSize: SampleSize, at: At });
const SavedPreviewBody = z.strictObject({ sampleSize: SampleSize, at: At });

/** The shape with the envelope's schema; the definition with the segment DSL's own checks and messages (depth, size). */
function withDefinition<S extends z.ZodType<{ definition: unknown }>>(envelope: S) {
  return (value: unknown): Omit<z.output<S>, 'definition'> & { definition: Segment } => {
    const body = parseInput(envelope, value);
    return { ...body, definition: parseSegment(body.definition, 'body.definition') };
  };
}

const SEGMENT_WRITERS = { roles: ['admin', 'marketer'] } as const;

export function registerSegmentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'PUT',
    url: '/v1/segments/:id',
    tags: ['segments'],
    summary: 'Create or replace a saved segment (the segment DSL)',
    auth: SEGMENT_WRITERS,
    params: SegmentParams,
    body: SegmentBody,
    parseBody: withDefinition(SegmentBody.extend({ definition: z.unknown() })),
    inputCodes: { params: 'invalid_segment_id' },
    responses: { 200: SavedSegment, 201: SavedSegment },
    problems: { 400: ['invalid_segment'], 422: ['invalid_segment'] },
    handler: async ({ params, body, principal, reply }) => {
      const { segment, created } = await saveSegment(ctx.pool, { id: params.id, name: body.name, definition: body.definition, actor: actorOf(principal) });
      reply.code(created ? 201 : 200);
      return segment;
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/segments',
    tags: ['segments'],
    summary: 'Saved segments',
    auth: SEGMENT_WRITERS,
    responses: { 200: z.object({ items: z.array(SavedSegment) }) },
    handler: async () => ({ items: await listSegments(ctx.pool) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/segments/:id',
    tags: ['segments'],
    summary: 'A saved segment',
    auth: SEGMENT_WRITERS,
    params: SegmentParams,
    inputCodes: { params: 'invalid_segment_id' },
    responses: { 200: SavedSegment },
    problems: { 404: ['segment_not_found'] },
    handler: async ({ params }) => await getSegment(ctx.pool, params.id),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/segments/:id/preview',
    tags: ['segments'],
    summary: 'Count and sample of a saved segment, now or at a given instant',
    auth: SEGMENT_WRITERS,
    params: SegmentParams,
    body: SavedPreviewBody,
    bodyOptional: true,
    inputCodes: { params: 'invalid_segment_id' },
    responses: { 200: SegmentPreview },
    problems: { 404: ['segment_not_found'] },
    handler: async ({ params, body }) => {
      const segment = await getSegment(ctx.pool, params.id);
      return await previewSegment(ctx.pool, segment.definition, { now: body.at ? new Date(body.at) : new Date(), sampleSize: body.sampleSize });
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/segments/preview',
    tags: ['segments'],
    summary: 'Count and sample of an unsaved segment document',
    auth: SEGMENT_WRITERS,
    body: PreviewBody,
    parseBody: withDefinition(PreviewBody.extend({ definition: z.unknown() })),
    responses: { 200: SegmentPreview },
    problems: { 400: ['invalid_segment'], 422: ['invalid_segment'] },
    handler: async ({ body }) => await previewSegment(ctx.pool, body.definition, { now: body.at ? new Date(body.at) : new Date(), sampleSize: body.sampleSize }),
  });
}
