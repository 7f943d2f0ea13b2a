import { z } from 'zod';
import { ContestInputSchema } from '../../journeys/contests/index.js';
import { MemberIdSchema } from '../../members/index.js';
import { IdSchema } from '../../program/index.js';
import { Timestamp } from './common.js';

const ContestStatus = z.enum(['open', 'frozen', 'closed']);

export const Contest = z
  .object({
    id: IdSchema,
    name: z.string(),
    status: ContestStatus,
    startsAt: Timestamp,
    endsAt: Timestamp,
    participants: z.int().nullable(),
    closedAt: Timestamp.nullable(),
    workflowId: z.string().describe('contest:<id>'),
    definition: ContestInputSchema,
  })
  .meta({ id: 'Contest' });

const LiveEntry = z.object({ rank: z.int(), memberId: MemberIdSchema, score: z.int() });
const FinalEntry = LiveEntry.extend({ prizeName: z.string().nullable(), prizePoints: z.int().nullable() });

export const Leaderboard = z.union([
  z.object({ contestId: IdSchema, status: ContestStatus, final: z.literal(false), entries: z.array(LiveEntry) }).describe('live, from the Redis board, while the contest is open'),
  z
    .object({ contestId: IdSchema, status: ContestStatus, final: z.literal(true), participants: z.int().nullable(), entries: z.array(FinalEntry) })
    .describe('the persisted final standings, after the freeze'),
]);

export const ContestStanding = z.union([
  z.object({ contestId: IdSchema, memberId: MemberIdSchema, final: z.literal(false), ranked: z.boolean(), rank: z.int().nullable(), score: z.int() }),
  z.object({
    contestId: IdSchema,
    memberId: MemberIdSchema,
    final: z.literal(true),
    ranked: z.boolean(),
    rank: z.int().nullable(),
    score: z.int(),
    prizeName: z.string().nullable(),
    participants: z.int().nullable(),
  }),
]);
