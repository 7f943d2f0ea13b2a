import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { withTransaction } from '../../db/index.js';
import { LaurelError } from '../../errors/index.js';
import {
  MissionInputSchema,
  createMission,
  enrollmentAt,
  getMission,
  inAudience,
  inSegment,
  listMissions,
  memberEnrollments,
  signalMission,
  type EnrollmentRecord,
  type MissionRecord,
} from '../../journeys/missions/index.js';
import { getMember, MemberIdSchema } from '../../members/index.js';
import { IdSchema } from '../../program/index.js';
import { currentProgram } from '../../program/store.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const MissionParams = z.strictObject({ id: IdSchema });
const MemberParams = z.strictObject({ id: MemberIdSchema });
const OptInBody = z.strictObject({ memberId: MemberIdSchema });

function enrollmentView(e: EnrollmentRecord) {
  return {
    workflowId: e.workflowId,
    periodKey: e.periodKey,
    startsAt: e.startsAt.toISOString(),
    endsAt: e.endsAt.toISOString(),
    enrolledBy: e.enrolledBy,
    status: e.status,
    progress: e.progress,
    target: e.target,
    remaining: Math.max(0, e.target - e.progress),
    completedAt: e.completedAt?.toISOString() ?? null,
  };
}

/** One enrollment period as the API shows it. */
export type EnrollmentView = ReturnType<typeof enrollmentView>;

function missionView(m: MissionRecord) {
  return { id: m.id, name: m.name, status: m.status, createdAt: m.createdAt.toISOString(), definition: m.definition };
}

/** GET /v1/members/:id/missions: one item. */
function memberMissionView(m: MissionRecord, mine: EnrollmentRecord[], now: number) {
  const current = mine.find((e) => e.startsAt.getTime() <= now && now < e.endsAt.getTime()) ?? null;
  return {
    id: m.id,
    name: m.name,
    description: m.definition.description ?? null,
    goal: m.definition.goal,
    rewardPoints: m.definition.rewardPoints,
    enrollment: m.definition.enrollment,
    current: current ? enrollmentView(current) : null,
    history: mine.filter((e) => e !== current).map(enrollmentView),
  };
}

export type MemberMissionView = ReturnType<typeof memberMissionView>;

export function registerMissionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/v1/missions', { schema: { tags: ['missions'], summary: 'Define a mission (challenge)', body: jsonSchema(MissionInputSchema) } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const definition = parseInput(MissionInputSchema, request.body);
    return reply.code(201).send(missionView(await createMission(ctx.pool, definition, actorOf(principal))));
  });

  app.get('/v1/missions', { schema: { tags: ['missions'], summary: 'All missions' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    return { missions: (await listMissions(ctx.pool)).map(missionView) };
  });

  app.get('/v1/missions/:id', { schema: { tags: ['missions'], summary: 'A mission' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(MissionParams, request.params, 'params');
    return missionView(await getMission(ctx.pool, id));
  });

  app.post('/v1/missions/:id/enrollments', { schema: { tags: ['missions'], summary: 'Opt a member in to the current period of a mission', body: jsonSchema(OptInBody) } }, async (request, reply) => {
    const { id } = parseInput(MissionParams, request.params, 'params');
    const { memberId } = parseInput(OptInBody, request.body);
    authorize(request, ['admin', 'marketer', 'member'], { memberId });
    const mission = await getMission(ctx.pool, id);
    const member = await getMember(ctx.pool, memberId);
    if (mission.status !== 'active') throw new LaurelError('mission_inactive', `mission ${id} is not active`, { status: 409 });
    if (!inAudience(mission.definition.audience, member) || !(await inSegment(ctx.pool, mission.definition.segment, memberId, new Date()))) throw new LaurelError('not_in_audience', `member ${memberId} is not in the audience of mission ${id}`, { status: 422 });
    const program = (await currentProgram(ctx.pool)).definition;
    // A streak's days are the member's own (its time zone, else the program's).
    const timeZone = mission.definition.period.type === 'streak' ? (member.timeZone ?? program.timeZone) : program.timeZone;
    const decision = await withTransaction(ctx.pool, (client) => enrollmentAt(client, mission, memberId, new Date(), timeZone, 'opt_in', program.weekStartsOn));
    if (!decision.enrollment) throw new LaurelError('mission_already_taken', `member ${memberId} already took part in mission ${id}`, { status: 409 });
    if (decision.enrollment.status === 'active') {
      await signalMission({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue }, decision.enrollment.workflowId, null);
    }
    return reply.code(decision.created ? 201 : 200).send(enrollmentView(decision.enrollment));
  });

  app.get('/v1/members/:id/missions', { schema: { tags: ['missions'], summary: "A member's missions with progress (active missions they can join, and their periods)" } }, async (request) => {
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    const member = await getMember(ctx.pool, id);
    const [missions, enrollments] = await Promise.all([listMissions(ctx.pool), memberEnrollments(ctx.pool, id)]);
    const now = Date.now();
    const shown: MissionRecord[] = [];
    for (const m of missions) {
      if (enrollments.some((e) => e.missionId === m.id)) shown.push(m);
      else if (m.status === 'active' && inAudience(m.definition.audience, member) && (await inSegment(ctx.pool, m.definition.segment, id, new Date(now)))) shown.push(m);
    }
    return { missions: shown.map((m) => memberMissionView(m, enrollments.filter((e) => e.missionId === m.id), now)) };
  });
}
