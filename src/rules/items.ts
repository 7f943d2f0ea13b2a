/**
 * Purchase items in the earning rules: pure integer arithmetic, no I/O.
 *
 * A line's money is quantity × unitPrice − discount (minor units, never negative); the lines of a
 * purchase add up to its amount exactly (integers need no rounding rule; a basket-level discount
 * is spread over the lines by the caller as line discounts). Under a rule with an `items` block,
 * amount effects (per step, percent) apply to the eligible money: each line's money × its factor
 * (the first multiplier that matches it, in declaration order; 100 % when none does; 0 when the
 * rule excludes it), floored once over the whole basket. A `per_item` effect gives points per unit
 * of each matching line. Whatever a rule awards is then attributed to the lines in proportion to
 * their weight (largest remainder, ties to the earlier line), so the lines' points add up to the
 * award exactly and a refund of some items can take back exactly their points.
 */
import { ValidationError } from '../errors/index.js';
import { checkedAdd, mulDivFloor } from '../ledger/core/integer-math.js';
import type { EarningRule, ItemMatch } from '../program/schema.js';

/** What item arithmetic needs of a rule: its effect and its `items` block. */
export type ItemRule = Pick<EarningRule, 'effect'> & { readonly items?: EarningRule['items'] };

export interface ItemLine {
  readonly sku: string;
  readonly name?: string | undefined;
  readonly category?: string | undefined;
  readonly brand?: string | undefined;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly discount?: number | undefined;
}

/** quantity × unitPrice − discount. */
export function lineMoney(line: ItemLine): number {
  return checkedAdd(line.quantity * line.unitPrice, -(line.discount ?? 0));
}

/** 400 `items_total_mismatch` unless the lines add up to the amount; 400 `invalid_items` for a discount above its line. */
export function checkPurchaseItems(amount: number, lines: readonly ItemLine[]): void {
  let total = 0;
  lines.forEach((line, i) => {
    const money = lineMoney(line);
    if (money < 0) throw new ValidationError('invalid_items', `items[${i}]: the discount ${line.discount} is more than the line's ${line.quantity} × ${line.unitPrice}`, { line: i });
    total = checkedAdd(total, money);
  });
  if (total !== amount) {
    throw new ValidationError('items_total_mismatch', `items add up to ${total} (quantity × unitPrice − discount), but amount is ${amount}`, { itemsTotal: total, amount });
  }
}

export function matches(match: ItemMatch, line: ItemLine): boolean {
  return (
    (match.skus?.includes(line.sku) ?? false) ||
    (line.category !== undefined && (match.categories?.includes(line.category) ?? false)) ||
    (line.brand !== undefined && (match.brands?.includes(line.brand) ?? false))
  );
}

/** The rule's factor for a line in percent: 0 when excluded, else the first matching multiplier, else 100. */
export function lineFactorPercent(rule: ItemRule, line: ItemLine): number {
  const items = rule.items;
  if (!items) return 100;
  if (items.exclude && matches(items.exclude, line)) return 0;
  return items.multipliers.find((m) => matches(m, line))?.factorPercent ?? 100;
}

/** The points a per_item effect gives each line: points × quantity × the line's factor ÷ 100, floored per line. */
export function perItemPoints(rule: ItemRule, lines: readonly ItemLine[]): number[] {
  const effect = rule.effect;
  if (effect.type !== 'per_item') return lines.map(() => 0);
  return lines.map((l) => (effect.match && !matches(effect.match, l) ? 0 : mulDivFloor(effect.points * l.quantity, lineFactorPercent(rule, l), 100)));
}

/**
 * What each line weighs in a rule's award: per_item effects by the points the line earns itself;
 * amount effects by the line's money × its factor; fixed effects by the line's money.
 */
export function lineWeights(rule: ItemRule, lines: readonly ItemLine[]): number[] {
  if (rule.effect.type === 'per_item') return perItemPoints(rule, lines);
  if (rule.effect.type === 'fixed') return lines.map((l) => lineMoney(l));
  return lines.map((l) => lineMoney(l) * lineFactorPercent(rule, l));
}

/** The money an amount effect of this rule applies to: Σ money × factor / 100, floored once. */
export function eligibleAmount(rule: ItemRule, lines: readonly ItemLine[]): number {
  const weighted = lines.reduce((sum, l) => checkedAdd(sum, lineMoney(l) * lineFactorPercent(rule, l)), 0);
  return mulDivFloor(weighted, 1, 100);
}

/**
 * `total` split over `weights` in proportion, in integers that add up to `total`: each share is
 * floored, and the points left over go one each to the largest remainders (the earlier line on a
 * tie). Zero weights get nothing; if every weight is zero the lines share equally.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const w = weights.every((x) => x === 0) ? weights.map(() => 1) : weights;
  const sum = w.reduce((s, x) => checkedAdd(s, x), 0);
  const shares = w.map((x) => mulDivFloor(total, x, sum));
  let left = total - shares.reduce((s, x) => s + x, 0);
  // Remainder of each share, compared exactly as total × x mod sum (BigInt: the product may pass 2^53).
  const remainders = w.map((x, i) => ({ i, r: (BigInt(total) * BigInt(x)) % BigInt(sum) }));
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0) break;
    if (w[i] === 0) continue;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}
