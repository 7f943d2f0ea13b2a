import { ConflictError } from '../../errors/index.js';
import { isExpiredAt } from './expiry.js';
import { checkedAdd } from './integer-math.js';
import type { Lot, LotAllocation } from './types.js';

/**
 * Spending order: soonest-expiring first (no expiry last), then earliest earned, then lot id.
 * Total and deterministic so the DB (`ORDER BY expires_at NULLS LAST, earned_at, id`) and this
 * model consume the very same lots.
 */
export function compareLotsForSpending(a: Lot, b: Lot): number {
  const ae = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const be = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ae !== be) return ae < be ? -1 : 1;
  const ea = a.earnedAt.getTime();
  const eb = b.earnedAt.getTime();
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Active points lots with something left that have not expired by `at`. */
export function isSpendable(lot: Lot, at: Date): boolean {
  return lot.kind === 'points' && lot.status === 'active' && lot.remainingPoints > 0 && !isExpiredAt(lot.expiresAt, at);
}

export function spendableLots(lots: readonly Lot[], at: Date): Lot[] {
  return lots.filter((lot) => isSpendable(lot, at)).sort(compareLotsForSpending);
}

/** Debt (a non-positive number) the member owes; 0 when none. */
export function debtOf(lots: readonly Lot[]): number {
  let debt = 0;
  for (const lot of lots) if (lot.kind === 'debt') debt = checkedAdd(debt, lot.remainingPoints);
  return debt;
}

/** Points the member can spend at `at`: spendable lots minus any debt. May be negative. */
export function availablePoints(lots: readonly Lot[], at: Date): number {
  let total = debtOf(lots);
  for (const lot of lots) if (isSpendable(lot, at)) total = checkedAdd(total, lot.remainingPoints);
  return total;
}

export function pendingPoints(lots: readonly Lot[]): number {
  let total = 0;
  for (const lot of lots) if (lot.kind === 'points' && lot.status === 'pending') total = checkedAdd(total, lot.remainingPoints);
  return total;
}

export interface ConsumptionPlan {
  /** Negative allocations, in spending order. */
  readonly allocations: LotAllocation[];
  readonly consumed: number;
  /** What could not be covered by spendable lots. */
  readonly shortfall: number;
}

/** Take up to `points` from spendable lots, soonest-expiring first. Never overdraws a lot. */
export function planConsumption(lots: readonly Lot[], points: number, at: Date, excludeLotIds: ReadonlySet<string> = new Set()): ConsumptionPlan {
  if (!Number.isSafeInteger(points) || points < 0) throw new RangeError(`points to consume must be a non-negative integer, got ${points}`);
  const allocations: LotAllocation[] = [];
  let left = points;
  for (const lot of spendableLots(lots, at)) {
    if (left === 0) break;
    if (excludeLotIds.has(lot.id)) continue;
    const take = Math.min(left, lot.remainingPoints);
    allocations.push({ lotId: lot.id, points: -take });
    left -= take;
  }
  return { allocations, consumed: points - left, shortfall: left };
}

/**
 * Which lots a redemption (or negative adjustment) spends. Fails with 409 `insufficient_points`
 * when the available balance (spendable lots minus debt) is below the cost; nothing is planned then.
 */
export function planRedemption(lots: readonly Lot[], points: number, at: Date): LotAllocation[] {
  if (!Number.isSafeInteger(points) || points <= 0) throw new RangeError(`points to redeem must be a positive integer, got ${points}`);
  const available = availablePoints(lots, at);
  if (available < points) {
    throw new ConflictError('insufficient_points', `insufficient points: ${Math.max(available, 0)} available, ${points} needed`, {
      available: Math.max(available, 0),
      requested: points,
    });
  }
  return planConsumption(lots, points, at).allocations;
}

/** Lots whose expiry has come by `at`, with what is left in them (pending lots included). */
export function planExpiry(lots: readonly Lot[], at: Date): LotAllocation[] {
  return lots
    .filter((lot) => lot.kind === 'points' && lot.remainingPoints > 0 && isExpiredAt(lot.expiresAt, at))
    .sort(compareLotsForSpending)
    .map((lot) => ({ lotId: lot.id, points: -lot.remainingPoints }));
}

/** Inactivity expiry: everything left in every points lot, pending included. */
export function planExpireAll(lots: readonly Lot[]): LotAllocation[] {
  return lots
    .filter((lot) => lot.kind === 'points' && lot.remainingPoints > 0)
    .sort(compareLotsForSpending)
    .map((lot) => ({ lotId: lot.id, points: -lot.remainingPoints }));
}
