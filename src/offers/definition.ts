import { z } from 'zod';
import { CampaignIdSchema } from '../journeys/campaigns/definition.js';
import { EffectSchema, EventTypeSchema, IdSchema, PredicateSchema } from '../program/index.js';

/*
 * An offer as the marketer writes it (`PUT /v1/offers/:id`). Three kinds:
 * - bonus_rule: an earning rule that applies only to the offer's holders inside its window, with
 *   its own limits (uses per holder, points per holder, a total points budget);
 * - coupon: a personal code per holder (generated, or taken from an imported pool) with an expiry
 *   and a usage limit, redeemed at checkout through `POST /v1/coupons/:code/redeem`;
 * - reward_discount: a catalog reward at a reduced points price for the holders.
 * An offer is attached to a campaign step (granted to that step's non-holdout members, optionally
 * only some variants) or issued on its own to a segment or a list of members.
 */

export const OfferIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected an offer id of lowercase letters, digits and -');
const VariantKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'expected a variant key such as a or control');
const Instant = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with offset' });
const positive = (max: number) => z.int('expected an integer').min(1, 'expected a positive integer').max(max);

/** Extra points on top of what the program's own rules awarded for the event (2× = extraPercent 100). */
const MultiplierEffect = z.strictObject({
  type: z.literal('multiplier'),
  /** 100 = the base points once more (2×); 10 = 10 % extra. floor(base × extraPercent / 100). */
  extraPercent: positive(10_000),
  /** Only the base points of these program rules (default: every rule that fired for the event). */
  rules: z.array(IdSchema).min(1).optional(),
});

export const BonusEffectSchema = z.union([EffectSchema, MultiplierEffect]);
export type BonusEffect = z.output<typeof BonusEffectSchema>;

export const BonusRuleSchema = z.strictObject({
  trigger: EventTypeSchema,
  conditions: PredicateSchema.optional(),
  effect: BonusEffectSchema,
  /** Points one use may give at most. */
  maxPointsPerUse: positive(1_000_000_000).optional(),
  /**
   * The return window of the bonus points. Default: a multiplier follows the rules it multiplies
   * (the longest of them); other effects are spendable at once.
   */
  pendingDays: z.int().min(0).max(3650).optional(),
});
export type BonusRule = z.output<typeof BonusRuleSchema>;

export const CouponDiscountSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('percent'), percent: positive(100), maxAmount: positive(Number.MAX_SAFE_INTEGER).optional() }),
  z.strictObject({ type: z.literal('amount'), amount: positive(Number.MAX_SAFE_INTEGER) }),
  z.strictObject({ type: z.literal('free_shipping') }),
  z.strictObject({ type: z.literal('free_item'), item: z.string().min(1).max(200) }),
]);
export type CouponDiscount = z.output<typeof CouponDiscountSchema>;

export const CouponSettingsSchema = z.strictObject({
  /** What the checkout takes off (Laurel validates and records; the checkout applies it). */
  discount: CouponDiscountSchema,
  codes: z
    .discriminatedUnion('source', [
      /** A code derived from the offer and the member: the same code however often the grant is retried. */
      z.strictObject({
        source: z.literal('generated'),
        prefix: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,15}$/, 'expected up to 16 capital letters, digits or -').optional(),
        length: z.int().min(8).max(24).default(12),
      }),
      /** The next free code of the offer's pool (`POST /v1/offers/:id/codes`); no code left, no grant. */
      z.strictObject({ source: z.literal('pool') }),
    ])
    .default({ source: 'generated', length: 12 }),
  /** The coupon expires this many days after it is granted (and never after the offer's validUntil). */
  validDays: positive(3650).optional(),
  /** Orders below this amount (minor units) may not use it. */
  minOrderAmount: positive(Number.MAX_SAFE_INTEGER).optional(),
});
export type CouponSettings = z.output<typeof CouponSettingsSchema>;

export const RewardDiscountSchema = z
  .strictObject({
    rewardId: IdSchema,
    /** The holders' price in points … */
    costPoints: positive(1_000_000_000).optional(),
    /** … or a percentage off the catalog price (rounded down to whole points off). */
    percentOff: positive(100).optional(),
  })
  .refine((d) => (d.costPoints === undefined) !== (d.percentOff === undefined), { message: 'expected exactly one of costPoints and percentOff', path: ['costPoints'] });
export type RewardDiscount = z.output<typeof RewardDiscountSchema>;

export const OfferCampaignSchema = z.strictObject({
  id: CampaignIdSchema,
  /** The send or follow_up step whose members get the offer (0: the first send). */
  step: z.int().min(0).max(19).default(0),
  /** Only these variants (default: every variant). The holdout never gets it. */
  variants: z.array(VariantKey).min(1).max(10).optional(),
});

const common = {
  name: z.string().min(1, 'expected a non-empty name').max(200),
  description: z.string().max(2000).optional(),
  campaign: OfferCampaignSchema.optional(),
  /** Only members of these tiers are granted it (default: every tier). */
  tiers: z.array(IdSchema).min(1).max(50).optional(),
  /** Default: when the offer is first stored. */
  validFrom: Instant.optional(),
  /** Exclusive end; absent = open-ended. */
  validUntil: Instant.optional(),
  /** Uses per holder (default: 1 for coupons and reward discounts, unlimited for bonus rules). */
  usesPerMember: positive(1_000_000).optional(),
};

export const OfferDefinitionSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('bonus_rule'),
      ...common,
      rule: BonusRuleSchema,
      /** Points all holders together may get; a use that would pass it gets what is left. */
      budgetPoints: positive(1_000_000_000_000).optional(),
      /** Points one holder may get in all. */
      maxPointsPerMember: positive(1_000_000_000).optional(),
    }),
    z.strictObject({ kind: z.literal('coupon'), ...common, coupon: CouponSettingsSchema }),
    z.strictObject({ kind: z.literal('reward_discount'), ...common, discount: RewardDiscountSchema }),
  ])
  .superRefine((d, ctx) => {
    if (d.validFrom && d.validUntil && Date.parse(d.validUntil) <= Date.parse(d.validFrom)) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'the window ends before it starts: validUntil must be after validFrom' });
    }
  });

export type OfferDefinition = z.output<typeof OfferDefinitionSchema>;

/**
 * A bonus that one use (or one holder) could get beyond the offer's whole budget could never be
 * given in full: such an offer is refused rather than short-changing its first holder.
 */
export function bonusBeyondBudget(d: OfferDefinition): { path: string; points: number; budget: number } | null {
  if (d.kind !== 'bonus_rule' || d.budgetPoints === undefined) return null;
  const limits: [string, number | undefined][] = [
    ['rule.effect.points', d.rule.effect.type === 'fixed' ? d.rule.effect.points : undefined],
    ['rule.maxPointsPerUse', d.rule.maxPointsPerUse],
    ['maxPointsPerMember', d.maxPointsPerMember],
  ];
  for (const [path, points] of limits) if (points !== undefined && points > d.budgetPoints) return { path, points, budget: d.budgetPoints };
  return null;
}
export type OfferDefinitionInput = z.input<typeof OfferDefinitionSchema>;
export type OfferKind = OfferDefinition['kind'];

/** Uses per holder when the definition names none. */
export function usesPerMemberOf(d: OfferDefinition): number | null {
  return d.usesPerMember ?? (d.kind === 'bonus_rule' ? null : 1);
}

/** Two windows [from, until) overlap (until null = open-ended). */
export function windowsOverlap(a: { from: Date; until: Date | null }, b: { from: Date; until: Date | null }): boolean {
  const aEndsAfterBStarts = a.until === null || a.until.getTime() > b.from.getTime();
  const bEndsAfterAStarts = b.until === null || b.until.getTime() > a.from.getTime();
  return aEndsAfterBStarts && bEndsAfterAStarts;
}
