import type { FastifyInstance } from 'fastify';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import {
  ContestInputSchema,
  contestWorkflowId,
  createContest,
  finalStandings,
  getContest,
  leaderboardEntryOf,
  leaderboardKey,
  listContests,
  topOfLeaderboard,
  type ContestRecord,
} from '../../journeys/contests/index.js';
import { getMember, MemberIdSchema } from '../../members/index.js';
import { IdSchema } from '../../program/index.js';
import { defineRoute } from '../route.js';
import { Contest, ContestStanding, Leaderboard } from '../schemas/contests.js';
import type { ApiContext } from '../server.js';

const ContestParams = z.strictObject({ id: IdSchema });
const ContestMemberParams = z.strictObject({ id: IdSchema, memberId: MemberIdSchema });
const LeaderboardQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(10) });

function contestView(c: ContestRecord) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    startsAt: c.startsAt,
    endsAt: c.endsAt,
    participants: c.participants,
    closedAt: c.closedAt,
    workflowId: contestWorkflowId(c.id),
    definition: c.definition,
  };
}

const MARKETERS = { roles: ['admin', 'marketer'] } as const;

export function registerContestRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'POST',
    url: '/v1/contests',
    tags: ['contests'],
    summary: 'Define a contest and start its workflow contest:<id>',
    auth: MARKETERS,
    body: ContestInputSchema,
    responses: { 201: Contest },
    problems: { 409: ['contest_exists'] },
    handler: async ({ body, principal }) => {
      const contest = await createContest(ctx.pool, body, actorOf(principal));
      try {
        await ctx.temporal.workflow.start('contestWorkflow', { workflowId: contestWorkflowId(contest.id), taskQueue: ctx.config.taskQueue, args: [], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return contestView(contest);
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/contests',
    tags: ['contests'],
    summary: 'All contests, newest first',
    auth: MARKETERS,
    responses: { 200: z.object({ contests: z.array(Contest) }) },
    handler: async () => ({ contests: (await listContests(ctx.pool)).map(contestView) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/contests/:id',
    tags: ['contests'],
    summary: 'A contest',
    auth: { roles: ['admin', 'marketer', 'member'] },
    params: ContestParams,
    responses: { 200: Contest },
    problems: { 404: ['unknown_contest'] },
    handler: async ({ params }) => contestView(await getContest(ctx.pool, params.id)),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/contests/:id/leaderboard',
    tags: ['contests'],
    summary: 'Top N: live from the Redis board while open, the persisted final standings after the freeze',
    auth: { roles: ['admin', 'marketer', 'member'] },
    params: ContestParams,
    query: LeaderboardQuery,
    responses: { 200: Leaderboard },
    problems: { 404: ['unknown_contest'] },
    handler: async ({ params, query }) => {
      const { id } = params;
      const contest = await getContest(ctx.pool, id);
      if (contest.status === 'open') {
        return { contestId: id, status: contest.status, final: false as const, entries: await topOfLeaderboard(ctx.redis, leaderboardKey(ctx.config.queuePrefix, id), query.limit) };
      }
      const standings = await finalStandings(ctx.pool, id, { limit: query.limit });
      return {
        contestId: id,
        status: contest.status,
        final: true as const,
        participants: contest.participants,
        entries: standings.map((s) => ({ rank: s.rank, memberId: s.memberId, score: s.score, prizeName: s.prizeName, prizePoints: s.prizePoints })),
      };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/contests/:id/members/:memberId',
    tags: ['contests'],
    summary: "A member's own rank and score",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.memberId,
    params: ContestMemberParams,
    responses: { 200: ContestStanding },
    problems: { 404: ['unknown_contest', 'unknown_member'] },
    handler: async ({ params }) => {
      const { id, memberId } = params;
      const contest = await getContest(ctx.pool, id);
      await getMember(ctx.pool, memberId);
      if (contest.status === 'open') {
        const entry = await leaderboardEntryOf(ctx.redis, leaderboardKey(ctx.config.queuePrefix, id), memberId);
        return { contestId: id, memberId, final: false as const, ranked: entry !== undefined, rank: entry?.rank ?? null, score: entry?.score ?? 0 };
      }
      const [standing] = await finalStandings(ctx.pool, id, { limit: 1, memberId });
      return {
        contestId: id,
        memberId,
        final: true as const,
        ranked: standing !== undefined,
        rank: standing?.rank ?? null,
        score: standing?.score ?? 0,
        prizeName: standing?.prizeName ?? null,
        participants: contest.participants,
      };
    },
  });
}
