import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import {
  JourneyInputSchema,
  getJourney,
  journeyStats,
  listEntries,
  listJourneys,
  saveJourney,
  validateJourney,
  type EntryRecord,
  type JourneyRecord,
} from '../../journeys/lifecycle/index.js';
import { getMember, MemberIdSchema } from '../../members/index.js';
import { messagingTemplateSource } from '../../messaging/index.js';
import { IdSchema } from '../../program/index.js';
import { currentProgram } from '../../program/store.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const JourneyParams = z.strictObject({ id: IdSchema });
const MemberParams = z.strictObject({ id: MemberIdSchema });
const EntriesQuery = z.strictObject({
  status: z.enum(['active', 'completed', 'converted', 'exited', 'left']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(/^\d{4}-\d{2}-\d{2}T[^~]+~journey:.+$/, 'expected the next cursor of a previous page').optional(),
});

function journeyView(j: JourneyRecord) {
  return { id: j.id, name: j.name, status: j.status, version: j.version, createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(), definition: j.definition };
}

function entryView(e: EntryRecord) {
  return {
    journeyId: e.journeyId,
    memberId: e.memberId,
    entryKey: e.entryKey,
    workflowId: e.workflowId,
    version: e.version,
    status: e.status,
    currentStep: e.currentStep,
    stepsDone: e.stepsDone,
    enteredAt: e.enteredAt.toISOString(),
    endedAt: e.endedAt?.toISOString() ?? null,
    outcomeReason: e.outcomeReason,
    context: e.context,
  };
}

function page(entries: EntryRecord[], limit: number) {
  const shown = entries.slice(0, limit);
  const last = shown[shown.length - 1];
  return { entries: shown.map(entryView), next: entries.length > limit && last ? `${last.enteredAt.toISOString()}~${last.workflowId}` : null };
}

function cursor(before: string | undefined) {
  if (!before) return undefined;
  const at = before.indexOf('~');
  return { at: new Date(before.slice(0, at)), workflowId: before.slice(at + 1) };
}

/** Lifecycle journeys: definitions (versioned), their entries and stats, a member's journeys. */
export function registerJourneyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.put(
    '/v1/journeys/:id',
    { schema: { tags: ['journeys'], summary: 'Create a journey or save its next version (running entries follow it from their step); audit logged', body: jsonSchema(JourneyInputSchema) } },
    async (request, reply) => {
      const principal = authorize(request, ['admin', 'marketer']);
      const { id } = parseInput(JourneyParams, request.params, 'params');
      const definition = parseInput(JourneyInputSchema, request.body);
      await validateJourney(messagingTemplateSource(ctx.pool).source, definition, (await currentProgram(ctx.pool)).definition, ctx.pool);
      const { journey, created } = await saveJourney(ctx.pool, id, definition, actorOf(principal));
      return reply.code(created ? 201 : 200).send(journeyView(journey));
    },
  );

  app.get('/v1/journeys', { schema: { tags: ['journeys'], summary: 'All journeys with the version in force' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    return { journeys: (await listJourneys(ctx.pool)).map(journeyView) };
  });

  app.get('/v1/journeys/:id', { schema: { tags: ['journeys'], summary: 'A journey with the version in force' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(JourneyParams, request.params, 'params');
    return journeyView(await getJourney(ctx.pool, id));
  });

  app.get('/v1/journeys/:id/versions', { schema: { tags: ['journeys'], summary: 'Every saved version of a journey, newest first' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(JourneyParams, request.params, 'params');
    await getJourney(ctx.pool, id);
    const { rows } = await ctx.pool.query<{ version: number; definition: unknown; created_by: string; created_at: Date }>(
      `SELECT version, definition, created_by, created_at FROM journey_versions WHERE journey_id = $1 ORDER BY version DESC`,
      [id],
    );
    return { versions: rows.map((r) => ({ version: r.version, definition: r.definition, createdBy: r.created_by, createdAt: r.created_at.toISOString() })) };
  });

  app.get('/v1/journeys/:id/stats', { schema: { tags: ['journeys'], summary: 'Entries by outcome, entries per step, the journey messages by status' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(JourneyParams, request.params, 'params');
    const journey = await getJourney(ctx.pool, id);
    return { journeyId: id, version: journey.version, ...(await journeyStats(ctx.pool, id)) };
  });

  app.get('/v1/journeys/:id/entries', { schema: { tags: ['journeys'], summary: 'Entries, newest first; ?status=; keyset paging with ?before=<next>' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(JourneyParams, request.params, 'params');
    const query = parseInput(EntriesQuery, request.query, 'query');
    await getJourney(ctx.pool, id);
    return page(await listEntries(ctx.pool, { journeyId: id, status: query.status, limit: query.limit + 1, before: cursor(query.before) }), query.limit);
  });

  app.get('/v1/members/:id/journeys', { schema: { tags: ['journeys'], summary: "A member's journey entries, newest first (member token: own only)" } }, async (request) => {
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    const query = parseInput(EntriesQuery, request.query, 'query');
    await getMember(ctx.pool, id);
    return page(await listEntries(ctx.pool, { memberId: id, status: query.status, limit: query.limit + 1, before: cursor(query.before) }), query.limit);
  });
}
