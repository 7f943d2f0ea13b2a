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
import { getMember } from '../../members/index.js';
import { messagingTemplateSource } from '../../messaging/index.js';
import { currentProgram } from '../../program/store.js';
import { defineRoute } from '../route.js';
import { EntriesQuery, Journey, JourneyEntryPage, JourneyParams, JourneyStats, JourneyVersions } from '../schemas/journeys.js';
import { parseKeysetCursor } from '../schemas/common.js';
import { MemberParams } from '../schemas/members.js';
import type { ApiContext } from '../server.js';

function journeyView(j: JourneyRecord) {
  return { id: j.id, name: j.name, status: j.status, version: j.version, createdAt: j.createdAt, updatedAt: j.updatedAt, definition: j.definition };
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
    enteredAt: e.enteredAt,
    endedAt: e.endedAt,
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
  const { at, id } = parseKeysetCursor(before);
  return { at, workflowId: id };
}

const MARKETERS = { roles: ['admin', 'marketer'] } as const;
const UNKNOWN_JOURNEY = { 404: ['unknown_journey'] } as const;

/** Lifecycle journeys: definitions (versioned), their entries and stats, a member's journeys. */
export function registerJourneyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'PUT',
    url: '/v1/journeys/:id',
    tags: ['journeys'],
    summary: 'Create a journey or save its next version (running entries follow it from their step); audit logged',
    description:
      'The definition is checked beyond its shape before it is saved (422 journey_invalid, every issue listed): every message renders on each channel for a sample member of every tier and locale, the tiers it names exist, the offers it grants exist and are active.',
    auth: MARKETERS,
    params: JourneyParams,
    body: JourneyInputSchema,
    responses: { 200: Journey, 201: Journey },
    problems: { 404: ['no_program'], 422: ['journey_invalid'] },
    handler: async ({ params, body, principal, reply }) => {
      await validateJourney(messagingTemplateSource(ctx.pool).source, body, (await currentProgram(ctx.pool)).definition, ctx.pool);
      const { journey, created } = await saveJourney(ctx.pool, params.id, body, actorOf(principal));
      reply.code(created ? 201 : 200);
      return journeyView(journey);
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/journeys',
    tags: ['journeys'],
    summary: 'All journeys with the version in force',
    auth: MARKETERS,
    responses: { 200: z.object({ journeys: z.array(Journey) }) },
    handler: async () => ({ journeys: (await listJourneys(ctx.pool)).map(journeyView) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/journeys/:id',
    tags: ['journeys'],
    summary: 'A journey with the version in force',
    auth: MARKETERS,
    params: JourneyParams,
    responses: { 200: Journey },
    problems: UNKNOWN_JOURNEY,
    handler: async ({ params }) => journeyView(await getJourney(ctx.pool, params.id)),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/journeys/:id/versions',
    tags: ['journeys'],
    summary: 'Every saved version of a journey, newest first',
    auth: MARKETERS,
    params: JourneyParams,
    responses: { 200: JourneyVersions },
    problems: UNKNOWN_JOURNEY,
    handler: async ({ params }) => {
      await getJourney(ctx.pool, params.id);
      const { rows } = await ctx.pool.query<{ version: number; definition: z.output<typeof JourneyInputSchema>; created_by: string; created_at: Date }>(
        `SELECT version, definition, created_by, created_at FROM journey_versions WHERE journey_id = $1 ORDER BY version DESC`,
        [params.id],
      );
      return { versions: rows.map((r) => ({ version: r.version, definition: r.definition, createdBy: r.created_by, createdAt: r.created_at })) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/journeys/:id/stats',
    tags: ['journeys'],
    summary: 'Entries by outcome, entries per step, the journey messages by status',
    auth: MARKETERS,
    params: JourneyParams,
    responses: { 200: JourneyStats },
    problems: UNKNOWN_JOURNEY,
    handler: async ({ params }) => {
      const journey = await getJourney(ctx.pool, params.id);
      return { journeyId: params.id, version: journey.version, ...(await journeyStats(ctx.pool, params.id)) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/journeys/:id/entries',
    tags: ['journeys'],
    summary: 'Entries, newest first; ?status=; keyset paging with ?before=<next>',
    auth: MARKETERS,
    params: JourneyParams,
    query: EntriesQuery,
    responses: { 200: JourneyEntryPage },
    problems: UNKNOWN_JOURNEY,
    handler: async ({ params, query }) => {
      await getJourney(ctx.pool, params.id);
      return page(await listEntries(ctx.pool, { journeyId: params.id, status: query.status, limit: query.limit + 1, before: cursor(query.before) }), query.limit);
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/journeys',
    tags: ['journeys'],
    summary: "A member's journey entries, newest first (member token: own only)",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    query: EntriesQuery,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: JourneyEntryPage },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, query }) => {
      await getMember(ctx.pool, params.id);
      return page(await listEntries(ctx.pool, { memberId: params.id, status: query.status, limit: query.limit + 1, before: cursor(query.before) }), query.limit);
    },
  });
}
