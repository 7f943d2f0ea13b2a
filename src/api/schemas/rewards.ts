import { z } from 'zod';
import { MemberIdSchema } from '../../members/index.js';
import { IdSchema } from '../../program/index.js';
import { REWARD_KINDS } from '../../rewards/index.js';
import { Balance, Timestamp } from './common.js';

export const Reward = z
  .object({
    id: IdSchema,
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(REWARD_KINDS),
    costPoints: z.int(),
    stock: z.int().nullable(),
    redeemed: z.int(),
    available: z.int().nullable().describe('units left; null = unlimited'),
    tiers: z.array(z.string()).nullable(),
    perMemberLimit: z.int().nullable(),
    fulfilmentDays: z.int().nullable(),
    valueAmount: z.int().nullable(),
    imageUrl: z.string().nullable(),
    status: z.enum(['active', 'archived']),
    source: z.string(),
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    archivedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Reward' });

export const RedemptionStatus = z.enum(['completed', 'requested', 'fulfilled', 'cancelled']);

export const Redemption = z
  .object({
    redemptionId: z.string(),
    memberId: MemberIdSchema,
    rewardId: z.string(),
    rewardKind: z.enum(REWARD_KINDS),
    quantity: z.int(),
    listPoints: z.int().describe('the catalog price of the quantity'),
    points: z.int().describe('what was spent (less when an offer discounted it)'),
    status: RedemptionStatus,
    codes: z.array(z.string()).describe('coupon_code rewards: the codes handed out'),
    fulfilBy: Timestamp.nullable(),
    createdAt: Timestamp,
    fulfilledAt: Timestamp.nullable(),
    cancelledAt: Timestamp.nullable(),
    cancelReason: z.string().nullable(),
  })
  .meta({ id: 'Redemption' });

export const RedemptionResult = Redemption.extend({ balance: Balance, replayed: z.boolean() });
export const RedemptionPage = z.object({ items: z.array(Redemption), next: z.string().nullable().describe('pass as ?before= for the next page') });
