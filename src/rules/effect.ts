import { mulDivFloor, toSafeNumber } from '../ledger/core/integer-math.js';
import type { EarningEffect, EarningRule } from '../program/schema.js';
import { eligibleAmount, perItemPoints, type ItemLine } from './items.js';
import type { PredicateContext } from './predicate.js';
import { resolveField } from './predicate.js';

export type EffectResult =
  | { readonly ok: true; readonly points: number }
  | { readonly ok: false; readonly reason: 'missing_amount' | 'no_items'; readonly detail: string };

/*
 * Rounding, all integer: per-step awards count whole steps only (floor(amount / step) x points);
 * percent awards are floor(amount x basisPoints / 10000). A negative amount earns nothing. With
 * purchase items, a rule's `items` block turns the event amount into the eligible amount (see
 * ./items.ts), and a per_item effect counts the matching units.
 */
export function basePointsForEffect(effect: EarningEffect, context: PredicateContext, lines: readonly ItemLine[] = [], items?: EarningRule['items']): EffectResult {
  const rule = { effect, items };
  if (effect.type === 'fixed') return { ok: true, points: effect.points };
  if (effect.type === 'per_item') {
    if (lines.length === 0) return { ok: false, reason: 'no_items', detail: 'the rule gives points per item and the event lists no items' };
    return { ok: true, points: perItemPoints(rule, lines).reduce((s, p) => s + p, 0) };
  }
  const amount = rule.items && lines.length > 0 && effect.amountField === 'event.amount' ? eligibleAmount(rule, lines) : resolveField(context, effect.amountField);
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    return { ok: false, reason: 'missing_amount', detail: `${effect.amountField} is not an integer amount in minor units` };
  }
  if (amount <= 0) return { ok: true, points: 0 };
  if (effect.type === 'per_amount_step') {
    return { ok: true, points: toSafeNumber(BigInt(Math.floor(amount / effect.step)) * BigInt(effect.points)) };
  }
  return { ok: true, points: mulDivFloor(amount, effect.basisPoints, 10_000) };
}

/** The tier bonus applies to base points only and is floored: floor(base x percent / 100). */
export function tierBonusPoints(basePoints: number, earnBonusPercent: number): number {
  if (basePoints <= 0 || earnBonusPercent <= 0) return 0;
  return mulDivFloor(basePoints, earnBonusPercent, 100);
}
