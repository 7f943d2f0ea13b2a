import { isExpiredAt } from './expiry.js';
import { checkedAdd, mulDivFloor } from './integer-math.js';
import { planConsumption } from './lots.js';
import { isPendingAt } from './pending.js';
import type { Lot, LotAllocation, ReturnPolicy } from './types.js';
import { debtLotId } from './types.js';

/*
 * Refunds, per lot of the refunded order:
 *
 *  - proportion: the lot's clawback target is floor(original x refundedSoFar / orderAmount), where
 *    refundedSoFar is cumulative over all refunds of the order (capped at the order amount). Only
 *    the difference to what was already clawed back is taken now, so partial refunds never drift
 *    and a full refund takes back exactly the original points. Flooring favours the member.
 *    Without a known order amount a refund counts as full.
 *  - inside the return window — the refund *happened* (`returnedAt`, its occurredAt) before the
 *    lot's `pendingUntil` — the clawback comes from the lot itself: pending points are cancelled
 *    (they were never spendable, so the balance is untouched); a lot that activated before the
 *    late-reported refund arrived gives back what it still holds, and what the member already spent
 *    of it is settled by the policy as after the window.
 *  - after the window, the program's return policy decides:
 *      pending_only   — activated points are final; nothing is reversed (reported as forgiven).
 *      within_balance — reverse from the lot itself, then other spendable lots soonest-expiring
 *                       first, never below zero; the rest is forgiven.
 *      allow_negative — as within_balance, and the rest becomes debt (the member's debt lot),
 *                       repaid from the next points that become spendable.
 */

export interface RefundPlanInput {
  readonly policy: ReturnPolicy;
  readonly memberId: string;
  readonly at: Date;
  /** When the return happened (the refund's occurredAt, at most `at`); default `at`. */
  readonly returnedAt?: Date;
  readonly orderId: string;
  /** This refund, in minor units. */
  readonly refundAmount: number;
  /** Sum of earlier refunds of the same order. */
  readonly refundedBefore: number;
  /** Defaults to the `orderAmount` recorded on the order's lots. */
  readonly orderAmount?: number | null;
  /** All the member's lots (activate due pending lots first). */
  readonly lots: readonly Lot[];
  /**
   * A refund of items: the points to take back now from each lot the order's lines earned (the
   * refunded lines' points; 0 for a lot none of them earned), instead of the refunded amount's
   * share. Lots of the order not named (an offer's bonus on the whole order) give the amount's share.
   */
  readonly clawback?: ReadonlyMap<string, number>;
}

export interface RefundLotOutcome {
  readonly lotId: string;
  readonly window: 'inside' | 'outside';
  /** Points this refund claws back for the lot (the proportional target minus earlier clawbacks). */
  readonly clawback: number;
  readonly cancelledPending: number;
  readonly reversedFromLot: number;
  readonly reversedFromOtherLots: number;
  readonly toDebt: number;
  readonly forgiven: number;
  /** Signed lot changes for this lot's `reverse` entry (may include other lots and the debt lot). */
  readonly allocations: readonly LotAllocation[];
  /** The lot's new cumulative `clawedBackPoints`. */
  readonly clawedBackPoints: number;
}

export interface RefundPlan {
  readonly orderId: string;
  readonly orderAmount: number | null;
  /** Cumulative refunded amount of the order after this refund (capped at the order amount). */
  readonly refundedTotal: number;
  readonly lots: readonly RefundLotOutcome[];
  readonly totals: {
    readonly clawback: number;
    readonly cancelledPending: number;
    readonly reversed: number;
    readonly toDebt: number;
    readonly forgiven: number;
  };
}

export function planRefund(input: RefundPlanInput): RefundPlan {
  const { policy, memberId, at, orderId } = input;
  const returnedAt = input.returnedAt ?? at;
  if (!Number.isSafeInteger(input.refundAmount) || input.refundAmount <= 0) {
    throw new RangeError(`refund amount must be a positive integer, got ${input.refundAmount}`);
  }
  if (!Number.isSafeInteger(input.refundedBefore) || input.refundedBefore < 0) {
    throw new RangeError(`refundedBefore must be a non-negative integer, got ${input.refundedBefore}`);
  }
  const orderLots = input.lots
    .filter((lot) => lot.kind === 'points' && lot.memberId === memberId && lot.orderId === orderId)
    .sort((a, b) => a.earnedAt.getTime() - b.earnedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const orderAmount = input.orderAmount ?? orderLots.find((lot) => lot.orderAmount !== null)?.orderAmount ?? null;
  const refundedTotalUncapped = checkedAdd(input.refundedBefore, input.refundAmount);
  const refundedTotal = orderAmount !== null && orderAmount > 0 ? Math.min(refundedTotalUncapped, orderAmount) : refundedTotalUncapped;

  // Working copy: later lots of the order must see what earlier ones already took.
  const remaining = new Map(input.lots.map((lot) => [lot.id, lot.remainingPoints]));
  const current = (): Lot[] => input.lots.map((lot) => ({ ...lot, remainingPoints: remaining.get(lot.id) ?? lot.remainingPoints }));
  const debit = (lotId: string, points: number) => remaining.set(lotId, (remaining.get(lotId) ?? 0) - points);

  const outcomes: RefundLotOutcome[] = [];
  const totals = { clawback: 0, cancelledPending: 0, reversed: 0, toDebt: 0, forgiven: 0 };
  for (const lot of orderLots) {
    const named = input.clawback?.get(lot.id);
    const target = named !== undefined
      ? Math.min(lot.originalPoints, lot.clawedBackPoints + named)
      : orderAmount !== null && orderAmount > 0
        ? mulDivFloor(lot.originalPoints, refundedTotal, orderAmount)
        : lot.originalPoints;
    const clawback = Math.max(0, target - lot.clawedBackPoints);
    if (clawback === 0) continue;
    const inside = isPendingAt(lot.pendingUntil, returnedAt);
    const allocations: LotAllocation[] = [];
    let cancelledPending = 0;
    let reversedFromLot = 0;
    let reversedFromOtherLots = 0;
    let toDebt = 0;
    let left = clawback;

    if (inside && lot.status === 'pending') {
      cancelledPending = Math.min(left, remaining.get(lot.id) ?? 0);
      if (cancelledPending > 0) {
        allocations.push({ lotId: lot.id, points: -cancelledPending });
        debit(lot.id, cancelledPending);
      }
      left -= cancelledPending;
    } else if (inside || policy !== 'pending_only') {
      const own = isExpiredAt(lot.expiresAt, at) ? 0 : Math.min(left, remaining.get(lot.id) ?? 0);
      if (own > 0) {
        allocations.push({ lotId: lot.id, points: -own });
        debit(lot.id, own);
        reversedFromLot = own;
        left -= own;
      }
      if (left > 0 && policy !== 'pending_only') {
        const plan = planConsumption(current().filter((l) => l.memberId === memberId), left, at, new Set([lot.id]));
        for (const allocation of plan.allocations) {
          allocations.push(allocation);
          debit(allocation.lotId, -allocation.points);
        }
        reversedFromOtherLots = plan.consumed;
        left -= plan.consumed;
      }
      if (left > 0 && policy === 'allow_negative') {
        allocations.push({ lotId: debtLotId(memberId), points: -left });
        debit(debtLotId(memberId), left);
        toDebt = left;
        left = 0;
      }
    }
    const forgiven = left;
    totals.clawback += clawback;
    totals.cancelledPending += cancelledPending;
    totals.reversed += reversedFromLot + reversedFromOtherLots;
    totals.toDebt += toDebt;
    totals.forgiven += forgiven;
    outcomes.push({
      lotId: lot.id,
      window: inside ? 'inside' : 'outside',
      clawback,
      cancelledPending,
      reversedFromLot,
      reversedFromOtherLots,
      toDebt,
      forgiven,
      allocations,
      clawedBackPoints: lot.clawedBackPoints + clawback,
    });
  }
  return { orderId, orderAmount, refundedTotal, lots: outcomes, totals };
}
