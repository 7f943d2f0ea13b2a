import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LaurelError } from '../../../src/errors/index.js';
import type { EarningRule } from '../../../src/program/index.js';
import { evaluateEvent } from '../../../src/rules/index.js';
import { allocate, checkPurchaseItems, eligibleAmount, lineMoney, type ItemLine } from '../../../src/rules/items.js';
import { exampleProgram, programWith } from './helpers.js';

const reference = exampleProgram('reference');
const purchaseRule = reference.earningRules.find((r) => r.id === 'purchase')!;

const basket: ItemLine[] = [
  { sku: 'ESP-1', name: 'Espresso beans', category: 'coffee', quantity: 2, unitPrice: 300_000 },
  { sku: 'MUG-1', category: 'kitchen', quantity: 1, unitPrice: 250_000, discount: 50_000 },
  { sku: 'GIFT-50', category: 'gift_cards', quantity: 1, unitPrice: 500_000 },
];
const amount = basket.reduce((s, l) => s + lineMoney(l), 0); // 600,000 + 200,000 + 500,000

function decide(rules: EarningRule[], items: ItemLine[] | undefined, tierId = 'bronze') {
  const program = programWith(reference, { earningRules: rules });
  return evaluateEvent({
    program,
    programVersion: 1,
    member: { id: 'm1', tierId },
    event: { id: 'evt_1', type: 'purchase', occurredAt: new Date('2025-05-01T10:00:00Z'), amount, orderId: 'o1', ...(items ? { items } : {}) },
    history: { usage: [] },
    now: new Date('2025-05-01T10:00:00Z'),
  });
}

describe('purchase items', () => {
  it('lines must add up to the amount exactly: quantity × unitPrice − discount', () => {
    expect(() => checkPurchaseItems(amount, basket)).not.toThrow();
    const err = (() => {
      try {
        checkPurchaseItems(amount + 1, basket);
      } catch (e) {
        return e as LaurelError;
      }
    })();
    expect(err).toMatchObject({ code: 'items_total_mismatch', status: 400 });
    expect(err!.message).toContain(`items add up to ${amount}`);
    expect(() => checkPurchaseItems(0, [{ sku: 'X', quantity: 1, unitPrice: 10, discount: 11 }])).toThrow(expect.objectContaining({ code: 'invalid_items' }));
  });

  it('allocate splits exactly, in proportion, largest remainders first, earlier line on a tie', () => {
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(7, [0, 5, 0])).toEqual([0, 7, 0]);
    expect(allocate(3, [0, 0])).toEqual([2, 1]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 20 }), (total, weights) => {
        const shares = allocate(total, weights);
        expect(shares.reduce((s, x) => s + x, 0)).toBe(total);
        const sum = weights.reduce((s, x) => s + x, 0);
        shares.forEach((share, i) => {
          if (sum > 0 && weights[i] === 0) expect(share).toBe(0);
          // Every share is within one point of its exact proportion.
          if (sum > 0) expect(Math.abs(share - (total * weights[i]!) / sum)).toBeLessThan(1);
        });
      }),
    );
  });

  it('without an items block a rule earns on the whole amount, attributed to lines by their money', () => {
    const d = decide([purchaseRule], basket);
    expect(d.totals.basePoints).toBe(130); // 1,300,000 / 100,000 × 10
    expect(d.items!.map((l) => [l.sku, l.amount, l.points])).toEqual([
      ['ESP-1', 600_000, 60],
      ['MUG-1', 200_000, 20],
      ['GIFT-50', 500_000, 50],
    ]);
  });

  it('3× on coffee, gift cards excluded: the eligible money is weighted, and so are the lines', () => {
    const rule: EarningRule = { ...purchaseRule, items: { multipliers: [{ categories: ['coffee'], factorPercent: 300 }], exclude: { categories: ['gift_cards'] } } };
    expect(eligibleAmount(rule, basket)).toBe(3 * 600_000 + 200_000);
    const d = decide([rule], basket, 'silver');
    expect(d.totals.basePoints).toBe(200);
    expect(d.totals.bonusPoints).toBe(20);
    expect(d.items!.map((l) => [l.sku, l.points, l.byRule[0]!.factorPercent, l.byRule[0]!.base, l.byRule[0]!.bonus])).toEqual([
      ['ESP-1', 198, 300, 180, 18],
      ['MUG-1', 22, 100, 20, 2],
      ['GIFT-50', 0, 0, 0, 0],
    ]);
    const base = d.entries.find((e) => e.component === 'base')!;
    expect(base.linePoints).toEqual([180, 20, 0]);
    expect(d.entries.find((e) => e.component === 'tier_bonus')!.linePoints).toEqual([18, 2, 0]);
  });

  it('per_item: points per unit of matching lines; without items the rule is skipped', () => {
    const rule = { ...purchaseRule, id: 'beans', effect: { type: 'per_item' as const, points: 7, match: { skus: ['ESP-1'] } }, pendingDays: 0 };
    const d = decide([purchaseRule, rule], basket);
    expect(d.rules.find((r) => r.ruleId === 'beans')).toMatchObject({ status: 'fired', basePoints: 14 });
    expect(d.items![0]!.byRule.find((r) => r.ruleId === 'beans')).toMatchObject({ base: 14 });
    expect(d.items![1]!.byRule.find((r) => r.ruleId === 'beans')).toMatchObject({ base: 0 });
    expect(decide([rule], undefined).rules[0]).toMatchObject({ status: 'skipped', reason: 'no_items' });
  });

  it('the lines always carry every point of every entry', () => {
    const line = fc.record({
      sku: fc.constantFrom('A', 'B', 'C', 'D'),
      category: fc.constantFrom('coffee', 'tea', 'gift_cards'),
      quantity: fc.integer({ min: 1, max: 5 }),
      unitPrice: fc.integer({ min: 0, max: 2_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('bronze', 'silver', 'diamond'), (lines, factor, tier) => {
        const rules: EarningRule[] = [
          { ...purchaseRule, items: { multipliers: [{ categories: ['coffee'], factorPercent: factor }], exclude: { categories: ['gift_cards'] } } },
          { ...purchaseRule, id: 'per-unit', effect: { type: 'per_item', points: 3, match: { skus: ['A', 'B'] } } },
        ];
        const total = lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0);
        const program = programWith(reference, { earningRules: rules });
        const d = evaluateEvent({
          program,
          programVersion: 1,
          member: { id: 'm', tierId: tier },
          event: { id: 'e', type: 'purchase', occurredAt: new Date('2025-01-01T00:00:00Z'), amount: total, orderId: 'o', items: lines },
          history: { usage: [] },
          now: new Date('2025-01-01T00:00:00Z'),
        });
        for (const e of d.entries) expect(e.linePoints!.reduce((s, p) => s + p, 0)).toBe(e.points);
        expect(d.items!.reduce((s, l) => s + l.points, 0)).toBe(d.totals.points);
        d.items!.forEach((l, i) => {
          if (lines[i]!.category === 'gift_cards') expect(l.byRule.find((r) => r.ruleId === 'purchase')?.base ?? 0).toBe(0);
        });
      }),
    );
  });
});
