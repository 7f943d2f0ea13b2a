import { z } from 'zod';
import { IdSchema, PredicateSchema } from '../../program/index.js';
import { SegmentSchema } from '../../segments/index.js';

const positiveInt = () => z.int('expected a positive integer').min(1, 'expected a positive integer');
const EventTypeSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a lowercase event type such as purchase');
const FieldPathSchema = z.string().regex(/^(event|member)(\.[A-Za-z0-9_]+)+$/, 'expected a field path such as event.amount or event.properties.nights');

export const MissionGoalSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('count'), target: positiveInt() }),
  /** Sum of a numeric field of matching events (integers; a non-integer value counts 0). */
  z.strictObject({ type: z.literal('sum'), target: positiveInt(), field: FieldPathSchema.default('event.amount') }),
  /** `target` consecutive periods (period `streak`: local days or weeks) each with a matching event. */
  z.strictObject({ type: z.literal('streak'), target: positiveInt().min(2, 'a streak needs at least 2 periods').max(366) }),
]);

export const MissionPeriodSchema = z.discriminatedUnion('type', [
  /** The calendar month of the qualifying event, in the program time zone. */
  z.strictObject({ type: z.literal('calendar_month') }),
  /** A fixed length from enrollment: days, or seconds for flash missions (and tests). */
  z
    .strictObject({ type: z.literal('from_enrollment'), days: positiveInt().max(3650).optional(), seconds: positiveInt().max(315_360_000).optional() })
    .refine((p) => (p.days === undefined) !== (p.seconds === undefined), { message: 'expected exactly one of days or seconds', params: { shape: true } })
    .meta({ oneOf: [{ required: ['days'] }, { required: ['seconds'] }] }),
  /**
   * A streak attempt: from the local day (or week) of the first counted event until the streak
   * completes or breaks; days and weeks are the member's (its time zone, else the program's;
   * weeks start on the program's weekStartsOn). Goes with a `streak` goal.
   */
  z.strictObject({ type: z.literal('streak'), unit: z.enum(['day', 'week']) }),
]);

export const MissionInputSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  /** Event type that counts (a refund of a counted purchase un-counts it). */
  trigger: EventTypeSchema,
  /** Predicate over `event.*` and `member.*`; the event counts only when it holds. */
  conditions: PredicateSchema.optional(),
  /** Who may take part: a predicate over `member.*` (tier, attributes). Absent = everyone. */
  audience: PredicateSchema.optional(),
  /** Audience segment (the segment DSL, evaluated in Postgres when the member first takes part); both must hold. */
  segment: SegmentSchema.optional(),
  goal: MissionGoalSchema,
  period: MissionPeriodSchema,
  /** `recurring`: a new period (and workflow) each period; `once`: one period per member, ever. */
  recurrence: z.enum(['recurring', 'once']).default('recurring'),
  /** `auto`: the first matching event enrolls; `opt_in`: the member enrolls through the API first. */
  enrollment: z.enum(['auto', 'opt_in']).default('auto'),
  rewardPoints: positiveInt().max(1_000_000_000),
  nudges: z.strictObject({ halfway: z.boolean().default(true), oneAway: z.boolean().default(true) }).default({ halfway: true, oneAway: true }),
  /** Missions may be limited in time; events outside do not enroll. */
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * After the period ends the workflow waits this long for events that occurred before the end
   * but arrive late through the fan-out, then closes.
   */
  lateEventGraceSeconds: z.int().min(0).max(86_400).default(60),
}).refine((m) => (m.goal.type === 'streak') === (m.period.type === 'streak'), { message: 'a streak goal goes with a streak period ({type: streak, unit: day|week}) and only with it', path: ['period'] });

export type MissionInput = z.input<typeof MissionInputSchema>;
export type MissionDefinition = z.output<typeof MissionInputSchema>;
export type MissionGoal = MissionDefinition['goal'];
export type MissionPeriod = MissionDefinition['period'];
