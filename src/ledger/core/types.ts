import type { ReturnPolicy } from '../../program/schema.js';

export type { ReturnPolicy };

/**
 * A lot is a parcel of earned points with its own expiry. `points` lots hold 0..original points;
 * the single `debt` lot per member holds a negative remainder when a refund under the
 * `allow_negative` policy reversed more than the member had. Balance = sum of entries = sum of
 * open lots (debt included).
 */
export type LotKind = 'points' | 'debt';
export type LotStatus = 'pending' | 'active';

export interface Lot {
  readonly id: string;
  readonly memberId: string;
  readonly kind: LotKind;
  /** `pending` lots are not spendable; they become `active` by activation at `pendingUntil`. */
  readonly status: LotStatus;
  readonly earnedAt: Date;
  /** Exclusive: spendable strictly before this instant. Null = no expiry of its own. */
  readonly expiresAt: Date | null;
  readonly pendingUntil: Date | null;
  readonly originalPoints: number;
  readonly remainingPoints: number;
  readonly orderId: string | null;
  /** The order amount (minor units) the points were computed from; refunds reverse in proportion. */
  readonly orderAmount: number | null;
  /** Points of this lot already settled by refunds: cancelled, reversed or forgiven. */
  readonly clawedBackPoints: number;
  readonly ruleId: string | null;
}

/** A signed change to one lot's remaining points. Debits are negative. */
export interface LotAllocation {
  readonly lotId: string;
  readonly points: number;
}

// `restore`: a cancelled redemption's points given back to the lots they were taken from.
export type EntryKind = 'earn' | 'redeem' | 'expire' | 'adjust' | 'reverse' | 'settle' | 'restore';

// The event path's read looks debt lots up by this id in SQL (lot-rows.ts `openLotsSql`).
export function debtLotId(memberId: string): string {
  return `debt:${memberId}`;
}
