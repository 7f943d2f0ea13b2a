import { z } from 'zod';
import { IdSchema, PredicateSchema } from '../../program/index.js';
import { SegmentSchema } from '../../segments/index.js';

const positiveInt = () => z.int('expected a positive integer').min(1, 'expected a positive integer');

export const ContestMetricSchema = z.discriminatedUnion('type', [
  /** Points earned in the window (tier bonus included, pending included); refunds subtract what they claw back. */
  z.strictObject({ type: z.literal('points_earned') }),
  /** Purchases in the window; a purchase refunded in full no longer counts. */
  z.strictObject({ type: z.literal('purchase_count') }),
  /** Sum of a numeric field of a custom event type. */
  z.strictObject({
    type: z.literal('event_sum'),
    eventType: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a lowercase event type'),
    field: z.string().regex(/^event(\.[A-Za-z0-9_]+)+$/, 'expected a field path such as event.properties.steps').default('event.amount'),
  }),
]);

export const ContestPrizeSchema = z.strictObject({
  rank: positiveInt(),
  name: z.string().min(1).max(200),
  points: positiveInt().max(1_000_000_000),
});

export const ContestInputSchema = z
  .strictObject({
    id: IdSchema,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    metric: ContestMetricSchema,
    /** Who may take part: a predicate over `member.*` (tier, attributes). Absent = everyone. */
    eligibility: PredicateSchema.optional(),
    /** Eligibility segment (the segment DSL, evaluated in Postgres per contributing event); both must hold. */
    segment: SegmentSchema.optional(),
    prizes: z.array(ContestPrizeSchema).max(1000).default([]),
    /** Upper bound on all prize points together; the prizes must fit in it. */
    prizeBudget: z.int().min(0).max(1_000_000_000_000),
    /** Leaders shown in contest_result. */
    leadersShown: z.int().min(0).max(20).default(3),
    /** After the end, events that happened in time but arrive late are still counted for this long. */
    lateEventGraceSeconds: z.int().min(0).max(86_400).default(60),
  })
  .superRefine((c, ctx) => {
    if (Date.parse(c.endsAt) <= Date.parse(c.startsAt)) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
    const ranks = new Set<number>();
    for (const [i, p] of c.prizes.entries()) {
      if (ranks.has(p.rank)) ctx.addIssue({ code: 'custom', path: ['prizes', i, 'rank'], message: `rank ${p.rank} has two prizes` });
      ranks.add(p.rank);
    }
    const total = c.prizes.reduce((s, p) => s + p.points, 0);
    if (total > c.prizeBudget) ctx.addIssue({ code: 'custom', path: ['prizeBudget'], message: `the prizes add up to ${total} points, over the budget of ${c.prizeBudget}` });
  });

export type ContestInput = z.input<typeof ContestInputSchema>;
export type ContestDefinition = z.output<typeof ContestInputSchema>;
export type ContestMetric = ContestDefinition['metric'];
