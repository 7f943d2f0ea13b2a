import { z } from 'zod';
import { isValidTimeZone } from './calendar.js';
import { PredicateSchema, fieldPathProblem } from './predicate-schema.js';

/*
 * The program file: one versioned document that defines currency, tiers, qualification, earning
 * rules, expiry, returns and the rewards catalog. Everything stays plain JSON after parsing (dates
 * as ISO strings) so the lead can store the parsed definition as JSONB and re-parse it unchanged.
 */

const nonNegativeInt = () =>
  z.int({ error: 'expected a non-negative integer' }).min(0, { error: 'expected a non-negative integer' });
const positiveInt = () => z.int({ error: 'expected a positive integer' }).min(1, { error: 'expected a positive integer' });
const boundedInt = (min: number, max: number) =>
  z
    .int({ error: `expected an integer from ${min} to ${max}` })
    .min(min, { error: `expected an integer from ${min} to ${max}` })
    .max(max, { error: `expected an integer from ${min} to ${max}` });

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/**
 * An IANA time zone. The document lists the zones this runtime knows (and UTC), so generated
 * requests use real ones; an alias the runtime also accepts (Etc/UTC) still passes.
 */
export const TimeZoneSchema = z
  .string()
  .refine(isValidTimeZone, { error: 'expected an IANA time zone such as Asia/Tehran', params: { shape: true } })
  .meta({ id: 'TimeZone', enum: ['UTC', ...Intl.supportedValuesOf('timeZone')] });

export const IdSchema = z
  .string({ error: 'expected an id string' })
  .regex(ID_PATTERN, { error: 'expected an id of 1-64 letters, digits, "_" or "-" starting with a letter or digit' });

const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
export const EventTypeSchema = z
  .string({ error: 'expected an event type string' })
  .regex(EVENT_TYPE_PATTERN, { error: 'expected an event type of lowercase letters, digits, "_", "." or "-"' });

const FieldPathSchema = z.string({ error: 'expected a field path' }).superRefine((path, ctx) => {
  const problem = fieldPathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const PropertyNameSchema = z
  .string({ error: 'expected a property name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { error: 'expected a property name of letters, digits and "_"' })
  .refine((name) => !['__proto__', 'constructor', 'prototype'].includes(name), { error: 'property name is not allowed' });

const IsoInstantSchema = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with offset' });

export const CurrencySchema = z.strictObject({
  code: z.string().regex(/^[A-Z]{3}$/, { error: 'expected an ISO 4217 code such as IRT or USD' }),
  /** Digits after the decimal point; all money in events is an integer count of these minor units. */
  minorUnits: boundedInt(0, 6),
});

// ---- qualification ----

const QualifyingPointsMeasure = z.strictObject({
  type: z.literal('qualifying_points'),
  /** Only points earned by these rules (for hybrids such as purchase vs referral points). */
  rules: z.array(IdSchema).min(1, { error: 'expected at least one rule id' }).optional(),
});
const SpendMeasure = z.strictObject({ type: z.literal('spend') });
const TransactionCountMeasure = z.strictObject({ type: z.literal('transaction_count') });
const BalanceMeasure = z.strictObject({ type: z.literal('balance') });
const EventCountMeasure = z.strictObject({ type: z.literal('event_count'), eventType: EventTypeSchema });
const EventSumMeasure = z.strictObject({ type: z.literal('event_sum'), eventType: EventTypeSchema, property: PropertyNameSchema });

const measureOptions = [
  QualifyingPointsMeasure,
  SpendMeasure,
  TransactionCountMeasure,
  BalanceMeasure,
  EventCountMeasure,
  EventSumMeasure,
] as const;

export const MeasureSchema = z.discriminatedUnion('type', [...measureOptions]);

const HybridMetric = z.strictObject({
  type: z.literal('hybrid'),
  components: z
    .array(
      z.strictObject({
        measure: MeasureSchema,
        /** 8000 = 80 %. The score is floor(sum(weight x value) / 10000). */
        weightBasisPoints: boundedInt(1, 1_000_000),
      }),
    )
    .min(1, { error: 'expected at least one component' }),
});

const AnyOfMetric = z.strictObject({
  type: z.literal('any_of'),
  criteria: z
    .array(z.strictObject({ id: IdSchema, label: z.string().optional(), measure: MeasureSchema }))
    .min(1, { error: 'expected at least one criterion' }),
});

export const MetricSchema = z.discriminatedUnion('type', [...measureOptions, HybridMetric, AnyOfMetric]);

export const WindowSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rolling_months'), months: boundedInt(1, 120) }),
  z.strictObject({ type: z.literal('calendar_year') }),
]);

const everyMonths = () => boundedInt(1, 120).default(12);
export const ReviewSchema = z.discriminatedUnion('anchor', [
  z.strictObject({ anchor: z.literal('fixed_date'), month: boundedInt(1, 12), day: boundedInt(1, 31), everyMonths: everyMonths() }),
  z.strictObject({ anchor: z.literal('join_date'), everyMonths: everyMonths() }),
  z.strictObject({ anchor: z.literal('tier_start_date'), everyMonths: everyMonths() }),
]);

export const DowngradeSchema = z.strictObject({
  /** Soft landing: tiers a member may drop per review; null = straight to the qualified tier. */
  maxStepsPerReview: positiveInt().nullable().default(1),
  /** Days after a failed review before the demotion takes effect; requalifying meanwhile keeps the tier. */
  graceDays: boundedInt(0, 3650).default(0),
});

export const QualificationSchema = z.strictObject({
  metric: MetricSchema,
  window: WindowSchema,
  review: ReviewSchema,
  downgrade: DowngradeSchema.default({ maxStepsPerReview: 1, graceDays: 0 }),
  /** A tier set by hand is a floor the member never drops below at review. */
  manualTierIsFloor: z.boolean().default(true),
});

export const TierThresholdSchema = z.union([nonNegativeInt(), z.record(IdSchema, nonNegativeInt())], {
  error: 'expected a non-negative integer (or, for an any_of metric, an object of criterion thresholds)',
});

export const TierSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1, { error: 'expected a non-empty name' }),
  threshold: TierThresholdSchema,
  benefits: z
    .strictObject({
      /** Whole percent added on top of base points of rules that apply the tier bonus. */
      earnBonusPercent: boundedInt(0, 1000).default(0),
      perks: z.array(z.string()).default([]),
      /**
       * Offers a member of this tier may hold at once (active, unused, unexpired); a grant beyond
       * it is skipped. Top tiers want few, high-value offers. Absent = no cap.
       */
      maxActiveOffers: positiveInt().optional(),
    })
    .default({ earnBonusPercent: 0, perks: [] }),
});

// ---- earning rules ----

const ItemKeySchema = z.string().min(1).max(128);
const ItemMatchFields = {
  skus: z.array(ItemKeySchema).min(1).optional(),
  categories: z.array(ItemKeySchema).min(1).optional(),
  brands: z.array(ItemKeySchema).min(1).optional(),
};
const someItemKey = (m: { skus?: unknown; categories?: unknown; brands?: unknown }) => m.skus !== undefined || m.categories !== undefined || m.brands !== undefined;
/** Purchase items a rule singles out: by SKU, category or brand (any of them matches). */
export const ItemMatchSchema = z.strictObject(ItemMatchFields).refine(someItemKey, { error: 'expected skus, categories or brands' });

/** How a rule treats the items of a purchase (see src/rules/items.ts). */
export const RuleItemsSchema = z.strictObject({
  /** The first that matches a line multiplies its money (300 = 3× points on it; 0 = none). */
  multipliers: z
    .array(z.strictObject({ ...ItemMatchFields, factorPercent: boundedInt(0, 100_000) }).refine(someItemKey, { error: 'expected skus, categories or brands' }))
    .default([]),
  /** Lines that earn nothing under this rule (gift cards, tobacco). */
  exclude: ItemMatchSchema.optional(),
});

export const EffectSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('fixed'), points: positiveInt() }),
  z.strictObject({
    type: z.literal('per_amount_step'),
    /** Points for every whole `step` of the amount (minor units): floor(amount / step) x points. */
    step: positiveInt(),
    points: positiveInt(),
    amountField: FieldPathSchema.default('event.amount'),
  }),
  z.strictObject({
    type: z.literal('percent'),
    /** floor(amount x basisPoints / 10000); 500 = 5 % of the amount in minor units. */
    basisPoints: boundedInt(1, 1_000_000),
    amountField: FieldPathSchema.default('event.amount'),
  }),
  z.strictObject({
    type: z.literal('per_item'),
    /** Points per unit of each matching line of the purchase (every line when `match` is absent). */
    points: positiveInt(),
    match: ItemMatchSchema.optional(),
  }),
]);

export const LIMIT_PERIODS = ['day', 'week', 'month', 'lifetime'] as const;
export const LimitSchema = z.strictObject({
  period: z.enum(LIMIT_PERIODS, { error: `expected one of ${LIMIT_PERIODS.join(', ')}` }),
  maxTimes: positiveInt().optional(),
  maxPoints: positiveInt().optional(),
});

export const STACKING_MODES = ['stack', 'exclusive', 'highest'] as const;

export const EarningRuleSchema = z.strictObject({
  id: IdSchema,
  name: z.string().optional(),
  description: z.string().optional(),
  trigger: EventTypeSchema,
  conditions: PredicateSchema.optional(),
  effect: EffectSchema,
  /** Item multipliers and exclusions for purchases that list their items. */
  items: RuleItemsSchema.optional(),
  limits: z.array(LimitSchema).default([]),
  stacking: z.enum(STACKING_MODES, { error: `expected one of ${STACKING_MODES.join(', ')}` }).default('stack'),
  /** Breaks ties between exclusive / highest rules: higher wins, then declaration order. */
  priority: z.int({ error: 'expected an integer' }).default(0),
  /** The return window: points stay pending (not spendable) this many days. */
  pendingDays: boundedInt(0, 3650).default(0),
  applyTierBonus: z.boolean().default(true),
  /** Whether the base points count toward tier qualification. */
  qualifying: z.boolean().default(true),
  activeFrom: IsoInstantSchema.optional(),
  activeUntil: IsoInstantSchema.optional(),
});

// ---- expiry, returns, rewards ----

export const ExpirySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('never') }),
  z.strictObject({
    type: z.literal('after_months'),
    months: boundedInt(1, 600),
    /** Rounded in the program time zone: the lot stays valid to the end of that day / month. */
    roundTo: z.enum(['none', 'end_of_day', 'end_of_month']).default('end_of_day'),
  }),
  z.strictObject({
    type: z.literal('fixed_date'),
    month: boundedInt(1, 12),
    day: boundedInt(1, 31),
    /** The lot expires at the end of the first such date at least this many months after earning. */
    minMonths: boundedInt(0, 600).default(0),
  }),
  z.strictObject({ type: z.literal('inactivity'), months: boundedInt(1, 600) }),
]);

export const RETURN_POLICIES = ['pending_only', 'within_balance', 'allow_negative'] as const;
export const ReturnPolicySchema = z.enum(RETURN_POLICIES, { error: `expected one of ${RETURN_POLICIES.join(', ')}` });

export const RewardSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1, { error: 'expected a non-empty name' }),
  description: z.string().optional(),
  costPoints: positiveInt(),
  /** Units available; absent or null = unlimited. */
  stock: nonNegativeInt().nullable().optional(),
});

/**
 * Win-back after a demotion: earn `requalifyPercent` % of the lost tier's threshold (qualifying
 * points) within `days` to get the tier back; nudges on `nudgeDays` when behind pace; optional
 * bonus points on regaining (the winback_offer template promises them). Optional: absent means
 * these defaults.
 */
export const WinbackSchema = z.strictObject({
  requalifyPercent: boundedInt(1, 100).default(50),
  days: boundedInt(1, 3650).default(90),
  nudgeDays: z.array(boundedInt(1, 3650)).max(10).default([7, 21]),
  bonusPoints: nonNegativeInt().default(100),
});
export const WINBACK_DEFAULTS = { requalifyPercent: 50, days: 90, nudgeDays: [7, 21], bonusPoints: 100 } as const;

/** What each side of a rewarded referral gets: points (award), an offer (granted), or both. */
export const ReferralRewardSchema = z.strictObject({
  points: nonNegativeInt().default(0),
  /** An offer (PUT /v1/offers/:id) granted to that side; a missing or archived offer is skipped. */
  offerId: IdSchema.optional(),
});

/**
 * The referral program: each member has a code; a member created with it (PUT /v1/members/:id
 * with `referralCode`) is the referrer's referee. Both sides are rewarded once the referee's first
 * qualifying event (`qualifying.eventType` of at least `qualifying.minAmount`, within
 * `qualifyWithinDays` of joining) has passed `returnWindowDays` without being refunded below the
 * minimum; a referrer is rewarded for at most `monthlyCapPerReferrer` referrals a calendar month
 * (program zone; null = no cap). Absent: no referral program (codes are refused).
 */
export const ReferralsSchema = z.strictObject({
  qualifying: z
    .strictObject({ eventType: EventTypeSchema.default('purchase'), minAmount: nonNegativeInt().default(0) })
    .default({ eventType: 'purchase', minAmount: 0 }),
  returnWindowDays: boundedInt(0, 3650).default(30),
  qualifyWithinDays: boundedInt(1, 3650).default(90),
  referrer: ReferralRewardSchema.default({ points: 0 }),
  referee: ReferralRewardSchema.default({ points: 0 }),
  monthlyCapPerReferrer: positiveInt().nullable().default(null),
});

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export const ProgramSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1, { error: 'expected a non-empty name' }),
  description: z.string().optional(),
  currency: CurrencySchema,
  /** Program calendar: expiry rounding, calendar-year windows, review dates; member default zone. */
  timeZone: TimeZoneSchema,
  /** First day of the week for weekly limits. */
  weekStartsOn: z.enum(WEEKDAYS).default('monday'),
  tiers: z.array(TierSchema).min(1, { error: 'expected at least one tier' }),
  qualification: QualificationSchema,
  earningRules: z.array(EarningRuleSchema).default([]),
  expiry: ExpirySchema.default({ type: 'never' }),
  returnPolicy: ReturnPolicySchema.default('within_balance'),
  rewards: z.array(RewardSchema).default([]),
  winback: WinbackSchema.optional(),
  referrals: ReferralsSchema.optional(),
});

export type ProgramDefinition = z.output<typeof ProgramSchema>;
/** What a program file may contain (defaults not yet applied). */
export type ProgramInput = z.input<typeof ProgramSchema>;
export type Tier = ProgramDefinition['tiers'][number];
export type TierThreshold = Tier['threshold'];
export type Qualification = ProgramDefinition['qualification'];
export type QualificationMetric = Qualification['metric'];
export type Measure = z.output<typeof MeasureSchema>;
export type QualificationWindow = Qualification['window'];
export type ReviewSchedule = Qualification['review'];
export type DowngradePolicy = Qualification['downgrade'];
export type EarningRule = ProgramDefinition['earningRules'][number];
export type EarningEffect = EarningRule['effect'];
export type EarningLimit = EarningRule['limits'][number];
export type ItemMatch = z.output<typeof ItemMatchSchema>;
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];
export type StackingMode = (typeof STACKING_MODES)[number];
export type ExpiryPolicy = ProgramDefinition['expiry'];
export type ReturnPolicy = (typeof RETURN_POLICIES)[number];
export type Reward = ProgramDefinition['rewards'][number];
export type Currency = ProgramDefinition['currency'];
export type WinbackSettings = z.output<typeof WinbackSchema>;
