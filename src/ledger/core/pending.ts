import type { Lot, LotAllocation } from './types.js';
import { debtLotId } from './types.js';
import { planConsumption } from './lots.js';

/** A lot is pending at `at` while its return window is open: `at < pendingUntil`. */
export function isPendingAt(pendingUntil: Date | null, at: Date): boolean {
  return pendingUntil !== null && at.getTime() < pendingUntil.getTime();
}

/** The initial status of a new lot earned at `at`. */
export function initialLotStatus(pendingUntil: Date | null, at: Date): 'pending' | 'active' {
  return isPendingAt(pendingUntil, at) ? 'pending' : 'active';
}

/**
 * Pending lots whose window has closed by `at` (`pendingUntil <= at`), in spending order. The
 * caller flips them to `active`; a refund at exactly `pendingUntil` is already outside the window.
 */
export function planActivation(lots: readonly Lot[], at: Date): string[] {
  return lots
    .filter((lot) => lot.kind === 'points' && lot.status === 'pending' && lot.pendingUntil !== null && lot.pendingUntil.getTime() <= at.getTime())
    .sort((a, b) => a.pendingUntil!.getTime() - b.pendingUntil!.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((lot) => lot.id);
}

/**
 * Repay debt from spendable lots (soonest-expiring first) as soon as points become spendable, so a
 * member never holds spendable points and debt at once. The allocations sum to zero: the debt lot
 * goes up by what the points lots go down. Empty when there is no debt or nothing to repay it with.
 */
export function planDebtSettlement(lots: readonly Lot[], memberId: string, at: Date): LotAllocation[] {
  const debtLot = lots.find((lot) => lot.kind === 'debt' && lot.memberId === memberId);
  if (!debtLot || debtLot.remainingPoints >= 0) return [];
  const plan = planConsumption(lots.filter((lot) => lot.memberId === memberId), -debtLot.remainingPoints, at);
  if (plan.consumed === 0) return [];
  return [{ lotId: debtLotId(memberId), points: plan.consumed }, ...plan.allocations];
}
