import { z } from 'zod';
import { MemberIdSchema } from '../../members/index.js';
import { Balance, Timestamp } from './common.js';

export const EntryKind = z.enum(['earn', 'redeem', 'expire', 'adjust', 'reverse', 'settle', 'restore']);

export const WrittenEntry = z
  .object({
    idempotencyKey: z.string(),
    kind: EntryKind,
    amount: z.int(),
    qualifyingPoints: z.int(),
    pending: z.boolean(),
    at: Timestamp,
    ruleId: z.string().nullable(),
    component: z.string().nullable(),
    orderId: z.string().nullable(),
    rewardId: z.string().nullable(),
  })
  .meta({ id: 'WrittenEntry' });

export const RuleOutcome = z
  .object({
    ruleId: z.string(),
    status: z.enum(['fired', 'skipped']),
    reason: z.string().optional().describe('why a rule was skipped: inactive, condition_false, missing_amount, zero_points, limit_reached, exclusive_rule_won, outranked'),
    detail: z.string().optional(),
    computedPoints: z.int(),
    basePoints: z.int(),
    bonusPoints: z.int(),
    cappedBy: z.string().optional(),
  })
  .meta({ id: 'RuleOutcome' });

export const EventResult = z
  .object({
    eventId: z.string(),
    idempotencyKey: z.string(),
    memberId: MemberIdSchema,
    type: z.string(),
    occurredAt: Timestamp,
    programVersion: z.int(),
    replayed: z.boolean().describe('this key was ingested before: the original result, nothing written now'),
    dryRun: z.boolean(),
    points: z.object({ total: z.int(), base: z.int(), bonus: z.int(), pending: z.int(), qualifying: z.int() }),
    entries: z.array(WrittenEntry),
    rules: z.array(RuleOutcome),
    refund: z
      .object({ orderId: z.string(), refundedTotal: z.int(), clawback: z.int(), cancelledPending: z.int(), reversed: z.int(), toDebt: z.int(), forgiven: z.int() })
      .optional(),
    tier: z.object({ from: z.string(), to: z.string(), changed: z.boolean() }),
    balance: Balance,
    fingerprint: z.string(),
  })
  .meta({ id: 'EventResult' });

export const BatchResult = z.object({
  results: z.array(EventResult),
  created: z.int().describe('events written by this call'),
  replayed: z.int().describe('events whose key was ingested before'),
});
