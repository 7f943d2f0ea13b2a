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
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const ContestParams = z.strictObject({ id: IdSchema });
const ContestMemberParams = z.strictObject({ id: IdSchema, memberId: MemberIdSchema });
const LeaderboardQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(10) });

function contestView(c: ContestRecord) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    startsAt: c.startsAt.toISOString(),
    endsAt: c.endsAt.toISOString(),
    participants: c.participants,
    closedAt: c.closedAt?.toISOString() ?? null,
    workflowId: contestWorkflowId(c.id),
    definition: c.definition,
  };
}

export function registerContestRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/v1/contests', { schema: { tags: ['contests'], summary: 'Define a contest and start its workflow', body: jsonSchema(ContestInputSchema) } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const definition = parseInput(ContestInputSchema, request.body);
    const contest = await createContest(ctx.pool, definition, actorOf(principal));
    try {
      await ctx.temporal.workflow.start('contestWorkflow', { workflowId: contestWorkflowId(contest.id), taskQueue: ctx.config.taskQueue, args: [], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return reply.code(201).send(contestView(contest));
  });

  app.get('/v1/contests', { schema: { tags: ['contests'], summary: 'All contests, newest first' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    return { contests: (await listContests(ctx.pool)).map(contestView) };
  });

  app.get('/v1/contests/:id', { schema: { tags: ['contests'], summary: 'A contest' } }, async (request) => {
    authorize(request, ['admin', 'marketer', 'member']);
    const { id } = parseInput(ContestParams, request.params, 'params');
    return contestView(await getContest(ctx.pool, id));
  });

  app.get('/v1/contests/:id/leaderboard', { schema: { tags: ['contests'], summary: 'Top N: live from the Redis board while open, the persisted final standings after the freeze' } }, async (request) => {
    authorize(request, ['admin', 'marketer', 'member']);
    const { id } = parseInput(ContestParams, request.params, 'params');
    const { limit } = parseInput(LeaderboardQuery, request.query, 'query');
    const contest = await getContest(ctx.pool, id);
    if (contest.status === 'open') {
      return { contestId: id, status: contest.status, final: false, entries: await topOfLeaderboard(ctx.redis, leaderboardKey(ctx.config.queuePrefix, id), limit) };
    }
    const standings = await finalStandings(ctx.pool, id, { limit });
    return {
      contestId: id,
      status: contest.status,
      final: true,
      participants: contest.participants,
      entries: standings.map((s) => ({ rank: s.rank, memberId: s.memberId, score: s.score, prizeName: s.prizeName, prizePoints: s.prizePoints })),
    };
  });

  app.get('/v1/contests/:id/members/:memberId', { schema: { tags: ['contests'], summary: "A member's own rank and score" } }, async (request) => {
    const { id, memberId } = parseInput(ContestMemberParams, request.params, 'params');
    authorize(request, ['admin', 'marketer', 'member'], { memberId });
    const contest = await getContest(ctx.pool, id);
    await getMember(ctx.pool, memberId);
    if (contest.status === 'open') {
      const entry = await leaderboardEntryOf(ctx.redis, leaderboardKey(ctx.config.queuePrefix, id), memberId);
      return { contestId: id, memberId, final: false, ranked: entry !== undefined, rank: entry?.rank ?? null, score: entry?.score ?? 0 };
    }
    const [standing] = await finalStandings(ctx.pool, id, { limit: 1, memberId });
    return {
      contestId: id,
      memberId,
      final: true,
      ranked: standing !== undefined,
      rank: standing?.rank ?? null,
      score: standing?.score ?? 0,
      prizeName: standing?.prizeName ?? null,
      participants: contest.participants,
    };
  });
}
