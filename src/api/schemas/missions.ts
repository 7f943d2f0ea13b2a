import { z } from 'zod';
import { MissionGoalSchema, MissionInputSchema } from '../../journeys/missions/index.js';
import { IdSchema } from '../../program/index.js';
import { Timestamp } from './common.js';

export const Mission = z
  .object({ id: IdSchema, name: z.string(), status: z.enum(['active', 'archived']), createdAt: Timestamp, definition: MissionInputSchema })
  .meta({ id: 'Mission' });

export const Enrollment = z
  .object({
    workflowId: z.string().describe('mission:<id>:<member>:<period>'),
    periodKey: z.string(),
    startsAt: Timestamp,
    endsAt: Timestamp,
    enrolledBy: z.enum(['event', 'opt_in']),
    status: z.enum(['active', 'completed', 'expired']),
    progress: z.int(),
    target: z.int(),
    remaining: z.int(),
    completedAt: Timestamp.nullable(),
  })
  .meta({ id: 'MissionEnrollment' });

export const MemberMissions = z.object({
  missions: z.array(
    z.object({
      id: IdSchema,
      name: z.string(),
      description: z.string().nullable(),
      goal: MissionGoalSchema,
      rewardPoints: z.int(),
      enrollment: z.enum(['auto', 'opt_in']),
      current: Enrollment.nullable().describe('the period running now'),
      history: z.array(Enrollment),
    }),
  ),
});
