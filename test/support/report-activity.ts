/**
 * Random programs of activity for the report property tests: members join, buy (through partners
 * too), review, get refunds (inside and after the return window), redeem, are adjusted, win
 * awards, and the sweeps expire, activate and review tiers — each at its own instant in a window
 * around a DST change or Nowruz, applied in time order through the real ledger functions.
 */
import fc from 'fast-check';
import type { Pool } from '../../src/db/index.js';
import { LaurelError } from '../../src/errors/index.js';
import { activatePendingPoints, adjustPoints, expirePoints, grantAward, ingestEvent, redeemReward, requestAwardNow, reviewTiers } from '../../src/ledger/index.js';
import { upsertMember } from '../../src/members/index.js';
import type { ProgramDefinition } from '../../src/program/index.js';

export type ActivityOp =
  | { kind: 'purchase'; member: number; minute: number; amount: number; partner: boolean }
  | { kind: 'action'; member: number; minute: number; type: 'review' | 'referral' }
  | { kind: 'refund'; member: number; minute: number; order: number; percent: number }
  | { kind: 'redeem'; member: number; minute: number; reward: 'free-shipping' | 'discount-50k' }
  | { kind: 'adjust'; member: number; minute: number; points: number }
  | { kind: 'award'; member: number; minute: number; points: number }
  | { kind: 'expire'; minute: number }
  | { kind: 'activate'; minute: number }
  | { kind: 'review'; minute: number };

export interface Activity {
  /** Minutes after the window start each member joins. */
  joins: number[];
  ops: ActivityOp[];
}

/** A window of `days` days; minutes are offsets into it. */
export function activityArbitrary(days: number, maxMembers = 5, maxOps = 60): fc.Arbitrary<Activity> {
  const minute = fc.integer({ min: 0, max: days * 1440 - 1 });
  const member = fc.integer({ min: 0, max: maxMembers - 1 });
  const op: fc.Arbitrary<ActivityOp> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('purchase' as const), member, minute, amount: fc.integer({ min: 1, max: 40 }).map((n) => n * 250_000), partner: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('action' as const), member, minute, type: fc.constantFrom('review' as const, 'referral' as const) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), member, minute, order: fc.nat(20), percent: fc.integer({ min: 1, max: 100 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeem' as const), member, minute, reward: fc.constantFrom('free-shipping' as const, 'discount-50k' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust' as const), member, minute, points: fc.integer({ min: -60, max: 200 }).filter((n) => n !== 0) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('award' as const), member, minute, points: fc.integer({ min: 1, max: 100 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), minute }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('activate' as const), minute }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('review' as const), minute }) },
  );
  return fc.record({
    joins: fc.array(fc.integer({ min: 0, max: days * 1440 - 1 }), { minLength: 2, maxLength: maxMembers }),
    ops: fc.array(op, { minLength: 20, maxLength: maxOps }),
  });
}

/** Failures a random program runs into by design: too few points, nothing left to refund. */
const EXPECTED = new Set(['insufficient_balance', 'insufficient_points', 'refund_exceeds_order', 'unknown_order', 'refund_too_large', 'order_fully_refunded']);

/** Applies the activity in time order from `windowStart`; returns the member ids. */
export async function applyActivity(pool: Pool, program: ProgramDefinition, windowStart: Date, activity: Activity, tag: string): Promise<string[]> {
  const at = (minute: number) => new Date(windowStart.getTime() + minute * 60_000);
  const members = activity.joins.map((_, i) => `${tag}-m${i}`);
  const orders = new Map<string, { orderId: string; amount: number; refunds: number }[]>();
  type Step = { minute: number; run: () => Promise<unknown> };
  const steps: Step[] = activity.joins.map((minute, i) => ({
    minute,
    run: () => upsertMember(pool, members[i]!, { joinedAt: at(minute).toISOString() }, program, 'test'),
  }));
  activity.ops.forEach((op, n) => {
    const key = `${tag}-op${n}`;
    if ('member' in op && op.member >= members.length) return;
    const memberId = 'member' in op ? members[op.member]! : '';
    // A member acts only after joining.
    const minute = 'member' in op ? Math.max(op.minute, activity.joins[op.member]! + 1) : op.minute;
    const when = at(minute);
    const run = async (): Promise<unknown> => {
      switch (op.kind) {
        case 'purchase': {
          const orderId = `${key}-order`;
          const list = orders.get(memberId) ?? [];
          list.push({ orderId, amount: op.amount, refunds: 0 });
          orders.set(memberId, list);
          return ingestEvent(pool, { memberId, type: 'purchase', amount: op.amount, orderId, occurredAt: when.toISOString() }, { source: op.partner ? 'partner:p1' : 'api', now: when });
        }
        case 'action':
          return ingestEvent(pool, { memberId, type: op.type, idempotencyKey: key, occurredAt: when.toISOString() }, { source: 'api', now: when });
        case 'refund': {
          const list = orders.get(memberId) ?? [];
          const order = list[op.order % Math.max(list.length, 1)];
          if (!order) return undefined;
          const amount = Math.max(1, Math.floor((order.amount * op.percent) / 100));
          order.refunds += 1;
          return ingestEvent(pool, { memberId, type: 'refund', amount, orderId: order.orderId, refundId: `r${order.refunds}`, occurredAt: when.toISOString() }, { source: 'api', now: when });
        }
        case 'redeem':
          return redeemReward(pool, { memberId, rewardId: op.reward, quantity: 1, idempotencyKey: key, actor: 'test', now: when });
        case 'adjust':
          return adjustPoints(pool, { memberId, points: op.points, reason: 'test', idempotencyKey: key, actor: 'test', now: when });
        case 'award':
          await requestAwardNow(pool, { id: key, memberId, points: op.points, source: 'mission:m1', reason: 'test' });
          return grantAward(pool, key, when);
        case 'expire':
          return expirePoints(pool, when);
        case 'activate':
          return activatePendingPoints(pool, when);
        case 'review':
          return reviewTiers(pool, when);
      }
    };
    steps.push({ minute, run });
  });
  steps.sort((a, b) => a.minute - b.minute);
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      if (!(err instanceof LaurelError && EXPECTED.has(err.code))) throw err;
    }
  }
  return members;
}

/** Empties every table a report reads (program versions stay: they are history too). */
export async function resetActivity(pool: Pool): Promise<void> {
  await pool.query(
    `TRUNCATE members, member_balances, events, ledger_entries, lots, lot_allocations, order_refunds, tier_changes, outbox, awards,
              ledger_rollup, ledger_pending_rollup, ledger_rollup_day, idempotent_requests, messages CASCADE`,
  );
}
