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
import { defineRoute } from '../route.js';
import { MemberParams } from '../schemas/members.js';
import { Enrollment, MemberMissions, Mission } from '../schemas/missions.js';
import type { ApiContext } from '../server.js';

const MissionParams = z.strictObject({ id: IdSchema });
const OptInBody = z.strictObject({ memberId: MemberIdSchema });

function enrollmentView(e: EnrollmentRecord) {
  return {
    workflowId: e.workflowId,
    periodKey: e.periodKey,
    startsAt: e.startsAt,
    endsAt: e.endsAt,
    enrolledBy: e.enrolledBy,
    status: e.status,
    progress: e.progress,
    target: e.target,
    remaining: Math.max(0, e.target - e.progress),
    completedAt: e.completedAt,
  };
}

/** One enrollment period as the API sends it (the pages type their data with these). */
export type EnrollmentView = z.output<typeof Enrollment>;
/** GET /v1/members/:id/missions: one item. */
export type MemberMissionView = z.output<typeof MemberMissions>['missions'][number];

function missionView(m: MissionRecord) {
  return { id: m.id, name: m.name, status: m.status, createdAt: m.createdAt, definition: m.definition };
}

const MARKETERS = { roles: ['admin', 'marketer'] } as const;

export function registerMissionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'POST',
    url: '/v1/missions',
    tags: ['missions'],
    summary: 'Define a mission (challenge)',
    auth: MARKETERS,
    body: MissionInputSchema,
    responses: { 201: Mission },
    problems: { 409: ['mission_exists'] },
    handler: async ({ body, principal }) => missionView(await createMission(ctx.pool, body, actorOf(principal))),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/missions',
    tags: ['missions'],
    summary: 'All missions',
    auth: MARKETERS,
    responses: { 200: z.object({ missions: z.array(Mission) }) },
    handler: async () => ({ missions: (await listMissions(ctx.pool)).map(missionView) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/missions/:id',
    tags: ['missions'],
    summary: 'A mission',
    auth: MARKETERS,
    params: MissionParams,
    responses: { 200: Mission },
    problems: { 404: ['unknown_mission'] },
    handler: async ({ params }) => missionView(await getMission(ctx.pool, params.id)),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/missions/:id/enrollments',
    tags: ['missions'],
    summary: 'Opt a member in to the current period of a mission',
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ body }) => body.memberId,
    params: MissionParams,
    body: OptInBody,
    responses: { 201: Enrollment, 200: Enrollment.describe('Already enrolled in this period') },
    problems: { 404: ['unknown_mission', 'unknown_member', 'no_program'], 409: ['mission_inactive', 'mission_already_taken'], 422: ['not_in_audience'] },
    handler: async ({ params, body, reply }) => {
      const { id } = params;
      const { memberId } = body;
      const mission = await getMission(ctx.pool, id);
      const member = await getMember(ctx.pool, memberId);
      if (mission.status !== 'active') throw new LaurelError('mission_inactive', `mission ${id} is not active`, { status: 409 });
      if (!inAudience(mission.definition.audience, member) || !(await inSegment(ctx.pool, mission.definition.segment, memberId, new Date()))) {
        throw new LaurelError('not_in_audience', `member ${memberId} is not in the audience of mission ${id}`, { status: 422 });
      }
      const program = (await currentProgram(ctx.pool)).definition;
      // A streak's days are the member's own (its time zone, else the program's).
      const timeZone = mission.definition.period.type === 'streak' ? (member.timeZone ?? program.timeZone) : program.timeZone;
      const decision = await withTransaction(ctx.pool, (client) => enrollmentAt(client, mission, memberId, new Date(), timeZone, 'opt_in', program.weekStartsOn));
      if (!decision.enrollment) throw new LaurelError('mission_already_taken', `member ${memberId} already took part in mission ${id}`, { status: 409 });
      if (decision.enrollment.status === 'active') {
        await signalMission({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue }, decision.enrollment.workflowId, null);
      }
      reply.code(decision.created ? 201 : 200);
      return enrollmentView(decision.enrollment);
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/missions',
    tags: ['missions'],
    summary: "A member's missions with progress (active missions they can join, and their periods)",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: MemberMissions },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params }) => {
      const { id } = params;
      const member = await getMember(ctx.pool, id);
      const [missions, enrollments] = await Promise.all([listMissions(ctx.pool), memberEnrollments(ctx.pool, id)]);
      const now = Date.now();
      const shown: MissionRecord[] = [];
      for (const m of missions) {
        if (enrollments.some((e) => e.missionId === m.id)) shown.push(m);
        else if (m.status === 'active' && inAudience(m.definition.audience, member) && (await inSegment(ctx.pool, m.definition.segment, id, new Date(now)))) shown.push(m);
      }
      return {
        missions: shown.map((m) => {
          const mine = enrollments.filter((e) => e.missionId === m.id);
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
        }),
      };
    },
  });
}
