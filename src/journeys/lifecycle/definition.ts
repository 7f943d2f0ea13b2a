import { z } from 'zod';
import { BUILT_IN_MESSAGES } from '../../messaging/templates/index.js';
import { IdSchema, PredicateSchema } from '../../program/index.js';
import { SegmentSchema } from '../../segments/index.js';

/**
 * A lifecycle journey as the marketer writes it (`PUT /v1/journeys/:id`): what starts it (an event
 * with conditions, a fact such as a tier change, or a date: birthday, anniversary, inactivity),
 * who may enter and how often, an optional goal that ends it early, and its steps. Steps carry
 * their own ids: a running journey finds its place by them after the definition changes.
 */

const EventType = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'expected a lowercase event type such as purchase');
/** An event type, or `*` for any event (the member was active). */
const EventTypeOrAny = z.union([z.literal('*'), EventType]);
const StepId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'expected a step id of lowercase letters, digits, _ and - (at most 32)');

export const DurationSchema = z
  .strictObject({
    days: z.int().min(0).max(3650).optional(),
    hours: z.int().min(0).max(87_600).optional(),
    minutes: z.int().min(0).max(5_256_000).optional(),
    seconds: z.int().min(0).max(315_360_000).optional(),
  })
  .refine((d) => Object.values(d).some((v) => v !== undefined && v > 0), 'expected a positive duration such as {"days": 3}');
export type Duration = z.infer<typeof DurationSchema>;

export function durationMs(d: Duration): number {
  return (((d.days ?? 0) * 24 + (d.hours ?? 0)) * 60 + (d.minutes ?? 0)) * 60_000 + (d.seconds ?? 0) * 1000;
}

/** Date journeys act from this hour of the member's day (the hourly sweep), default 9:00. */
const LocalHour = z.int().min(0).max(23).default(9);

export const TriggerSchema = z.discriminatedUnion('type', [
  /**
   * An ingested event. `conditions` see `event.*` (with `event.points`, what it earned) and
   * `member.*` (with `member.purchaseCount`, `member.nextTierId`, `member.nextTierGap` and
   * `member.purchasesToNextTier`, the purchases like this one still needed). `first`: only the
   * member's first event of this type.
   */
  z.strictObject({ type: z.literal('event'), eventType: EventType, conditions: PredicateSchema.optional(), first: z.boolean().default(false) }),
  z.strictObject({ type: z.literal('member_created') }),
  z.strictObject({ type: z.literal('tier_changed'), direction: z.enum(['up', 'down', 'any']).default('any'), toTiers: z.array(IdSchema).min(1).optional() }),
  z.strictObject({ type: z.literal('mission_completed'), missionId: IdSchema.optional() }),
  /**
   * The member's birthDate in their time zone (the program's when they have none); `daysBefore`
   * 0 = on the day, from `atLocalHour` (their local time) on. Once per member per year; a run that
   * missed the day catches up until the birthday itself.
   */
  z.strictObject({ type: z.literal('birthday'), daysBefore: z.int().min(0).max(60).default(0), atLocalHour: LocalHour }),
  /** Each year since the member joined (their joinedAt, in their time zone). */
  z.strictObject({ type: z.literal('anniversary'), daysBefore: z.int().min(0).max(60).default(0), atLocalHour: LocalHour }),
  /**
   * `days` full local days without an event (or since joining, for a member who never had one).
   * Once per quiet spell; members quiet for longer when the journey starts enter at its first run.
   */
  z.strictObject({ type: z.literal('inactivity'), days: z.int().min(1).max(3650), atLocalHour: LocalHour }),
]);
export type JourneyTrigger = z.output<typeof TriggerSchema>;
export const DATE_TRIGGERS = ['birthday', 'anniversary', 'inactivity'] as const;
export type DateTrigger = Extract<JourneyTrigger, { type: (typeof DATE_TRIGGERS)[number] }>;

export function isDateTrigger(trigger: JourneyTrigger): trigger is DateTrigger {
  return (DATE_TRIGGERS as readonly string[]).includes(trigger.type);
}

/** Where a step goes next: another (later) step by id, or `exit`. Absent: the next step. */
const Target = z.union([z.literal('exit'), StepId]);

const MessageName = z.string().refine((m) => BUILT_IN_MESSAGES.includes(m), { message: `expected a message, one of ${BUILT_IN_MESSAGES.join(', ')}` });
const Channel = z.enum(['email', 'sms', 'inbox']);

export const StepSchema = z.discriminatedUnion('type', [
  /** One message per channel (marketing unless the message is transactional); vars next to the journey's own. */
  z.strictObject({ id: StepId, type: z.literal('send'), message: MessageName, channels: z.array(Channel).min(1).max(3).default(['email', 'inbox']), vars: z.record(z.string(), z.unknown()).default({}) }),
  z.strictObject({ id: StepId, type: z.literal('wait'), duration: DurationSchema }),
  /** Waits for a matching event (or `*`: any) until the timeout; then `onEvent` or `onTimeout`. */
  z.strictObject({
    id: StepId,
    type: z.literal('wait_for_event'),
    eventType: EventTypeOrAny,
    conditions: PredicateSchema.optional(),
    timeout: DurationSchema,
    onEvent: Target.optional(),
    onTimeout: Target.optional(),
  }),
  /** Members in the segment now go to `then`, the others to `else`. */
  z.strictObject({ id: StepId, type: z.literal('branch'), segment: SegmentSchema, then: Target.optional(), else: Target.optional() }),
  /** Bonus points through the award queue (once per entry and step). */
  z.strictObject({ id: StepId, type: z.literal('award_points'), points: z.int().min(1).max(1_000_000_000), reason: z.string().min(1).max(200).optional() }),
  /**
   * Grants an offer (PUT /v1/offers/:id): the member holds it (once per member and offer; only
   * within the offer's tiers, its window and the tier's cap of active offers). On `channels`, the
   * `offer` message names it with the member's code and end; nothing is sent when it was not granted.
   */
  z.strictObject({ id: StepId, type: z.literal('grant_offer'), offerId: IdSchema, channels: z.array(Channel).max(3).default([]) }),
  z.strictObject({ id: StepId, type: z.literal('exit') }),
]);
export type JourneyStep = z.output<typeof StepSchema>;

export const EntrySchema = z.discriminatedUnion('mode', [
  /** Once per member, ever. */
  z.strictObject({ mode: z.literal('once') }),
  /** Again once `days` have passed since the member last entered (and the last entry has ended). */
  z.strictObject({ mode: z.literal('every'), days: z.int().min(1).max(3650) }),
]);

export const JourneyInputSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    status: z.enum(['active', 'paused', 'archived']).default('active'),
    trigger: TriggerSchema,
    /** Only members in this segment (checked at entry) enter. */
    audience: SegmentSchema.optional(),
    /** Date journeys enter once per occurrence (a birthday per year, a quiet spell) whatever this says. */
    entry: EntrySchema.default({ mode: 'once' }),
    /** The journey ends, converted, when the member does this (e.g. a first purchase). */
    goal: z.strictObject({ eventType: EventTypeOrAny, conditions: PredicateSchema.optional() }).optional(),
    steps: z.array(StepSchema).min(1).max(50),
  })
  .superRefine((d, ctx) => {
    const index = new Map<string, number>();
    d.steps.forEach((step, i) => {
      if (index.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id ${step.id}` });
      index.set(step.id, i);
    });
    d.steps.forEach((step, i) => {
      const targets: [string, string | undefined][] =
        step.type === 'wait_for_event' ? [['onEvent', step.onEvent], ['onTimeout', step.onTimeout]] : step.type === 'branch' ? [['then', step.then], ['else', step.else]] : [];
      for (const [key, target] of targets) {
        if (target === undefined || target === 'exit') continue;
        const at = index.get(target);
        // Forward only: a journey always ends.
        if (at === undefined) ctx.addIssue({ code: 'custom', path: ['steps', i, key], message: `no step ${target}` });
        else if (at <= i) ctx.addIssue({ code: 'custom', path: ['steps', i, key], message: `${target} is not after step ${step.id}: steps only jump forward` });
      }
    });
  });

export type JourneyInput = z.input<typeof JourneyInputSchema>;
export type JourneyDefinition = z.output<typeof JourneyInputSchema>;

/** Steps that run at once (no waiting, no branching): a journey of only these needs no workflow per member. */
export function isImmediate(definition: JourneyDefinition): boolean {
  return definition.steps.every((s) => s.type === 'send' || s.type === 'award_points') && definition.goal === undefined;
}

/** Event types a running entry must hear about: its goal's and its wait_for_event steps'. */
export function listenedEventTypes(definition: JourneyDefinition): string[] {
  const types = new Set<string>();
  if (definition.goal) types.add(definition.goal.eventType);
  for (const step of definition.steps) if (step.type === 'wait_for_event') types.add(step.eventType);
  return [...types].sort();
}

/** The triggers that are facts, by fact type. */
export const FACT_TRIGGERS = { 'member.created': 'member_created', 'tier.changed': 'tier_changed', 'mission.completed': 'mission_completed' } as const;

/** The fact type an entry trigger listens to (null for event and date triggers). */
export function triggerFactType(trigger: JourneyTrigger): string | null {
  return Object.entries(FACT_TRIGGERS).find(([, kind]) => kind === trigger.type)?.[0] ?? null;
}

export function journeyWorkflowId(journeyId: string, memberId: string, entryKey: string): string {
  return `journey:${journeyId}:${memberId}:${entryKey}`;
}
