import { z } from 'zod';
import { MemberIdSchema } from '../../members/index.js';
import { BonusEffectSchema, CouponDiscountSchema, OfferDefinitionSchema, OfferIdSchema } from '../../offers/index.js';
import { Timestamp } from './common.js';

export const OfferKind = z.enum(['bonus_rule', 'coupon', 'reward_discount']);

export const OfferCounts = z
  .object({
    grants: z.int(),
    holdersUsed: z.int().describe('holders who used it at least once'),
    uses: z.int(),
    points: z.int().describe('bonus points given, or points saved by a reward discount'),
    revenue: z.int().describe('revenue of the orders that used it (minor units)'),
  })
  .meta({ id: 'OfferCounts' });

export const Offer = z
  .object({
    id: OfferIdSchema,
    name: z.string(),
    kind: OfferKind,
    definition: OfferDefinitionSchema,
    campaignId: z.string().nullable(),
    campaignStep: z.int().nullable(),
    campaignVariants: z.array(z.string()).nullable(),
    tiers: z.array(z.string()).nullable(),
    validFrom: Timestamp,
    validUntil: Timestamp.nullable(),
    usesPerMember: z.int().nullable(),
    trigger: z.string().nullable(),
    budgetPoints: z.int().nullable(),
    pointsGiven: z.int(),
    rewardId: z.string().nullable(),
    status: z.enum(['active', 'archived']),
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    archivedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Offer' });

export const OfferWithCounts = Offer.extend({ counts: OfferCounts.optional() });

export const IssueResult = z.object({
  offerId: OfferIdSchema,
  granted: z.int().describe('members who hold it now because of this call'),
  alreadyHeld: z.int(),
  skipped: z.object({ tier: z.int(), holdout: z.int(), tierCap: z.int(), noCode: z.int(), notLive: z.int() }),
  grants: z.array(z.object({ memberId: MemberIdSchema, code: z.string().nullable(), created: z.boolean() })).optional().describe('for a list of members: each holder with its code'),
});

export const CouponRedemption = z.object({
  code: z.string(),
  offerId: OfferIdSchema,
  campaignId: z.string().nullable(),
  memberId: MemberIdSchema,
  orderId: z.string(),
  amount: z.int().nullable(),
  discount: z.intersection(CouponDiscountSchema, z.object({ discountAmount: z.int().nullable() })),
  usesLeft: z.int().nullable(),
  redeemedAt: Timestamp,
  replayed: z.boolean(),
});

export const HeldOffer = z
  .object({
    offerId: OfferIdSchema,
    grantId: z.int(),
    kind: OfferKind,
    name: z.string(),
    description: z.string().nullable(),
    campaignId: z.string().nullable(),
    status: z.enum(['active', 'upcoming', 'used', 'expired', 'revoked', 'archived']),
    grantedAt: Timestamp,
    validFrom: Timestamp,
    validUntil: Timestamp.nullable().describe('until when it can be used (exclusive); null = open-ended'),
    gives: z.discriminatedUnion('type', [
      z.object({ type: z.literal('bonus_points'), trigger: z.string(), effect: BonusEffectSchema, conditions: z.unknown(), maxPointsPerUse: z.int().nullable() }),
      z.object({ type: z.literal('coupon'), code: z.string().nullable(), discount: CouponDiscountSchema, minOrderAmount: z.int().nullable() }),
      z.object({ type: z.literal('reward_discount'), rewardId: z.string(), rewardName: z.string().nullable(), listPoints: z.int().nullable(), costPoints: z.int().nullable() }),
    ]),
    usesLeft: z.int().nullable(),
    pointsLeft: z.int().nullable(),
    uses: z.int(),
    pointsGiven: z.int(),
  })
  .meta({ id: 'HeldOffer' });
