import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BonusRuleSchema } from '../../../src/offers/definition.js';
import { decideBonusOffers, offerUsesOf, type HeldBonusOffer } from '../../../src/offers/bonus.js';
import type { EntryWrite } from '../../../src/ledger/core/rows.js';
import { evaluateEvent } from '../../../src/rules/index.js';
import type { MemberEvent } from '../../../src/rules/types.js';
import { exampleProgram } from '../rules/helpers.js';

const reference = exampleProgram('reference');
const NOW = new Date('2026-12-05T10:00:00Z');
const member = { id: 'm1', tierId: 'bronze', timeZone: 'Asia/Tehran', attributes: {} };

function held(offerId: string, rule: unknown, over: Partial<HeldBonusOffer> = {}): HeldBonusOffer {
  return {
    grantId: 1,
    offerId,
    campaignId: 'spring',
    validFrom: new Date('2026-12-01T00:00:00Z'),
    validUntil: new Date('2026-12-06T20:30:00Z'),
    expiresAt: null,
    rule: BonusRuleSchema.parse(rule),
    maxUses: null,
    uses: 0,
    maxPointsPerMember: null,
    pointsGiven: 0,
    budgetPoints: null,
    budgetGiven: 0,
    ...over,
  };
}

function purchase(amount: number, over: Partial<MemberEvent> = {}): MemberEvent {
  return { id: 'e1', type: 'purchase', occurredAt: NOW, amount, orderId: 'o1', properties: {}, ...over };
}

function decide(offers: HeldBonusOffer[], event: MemberEvent, earlier = { uses: 0, points: 0, offerPoints: 0 }) {
  const decision = evaluateEvent({ program: reference, programVersion: 1, member, event, history: { usage: [] }, now: NOW });
  return decideBonusOffers({ offers, program: reference, member, event, rules: decision.rules, ...(decision.items ? { items: decision.items } : {}), decidedEarlier: () => earlier });
}

const DOUBLE = { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100 } };

describe('bonus-rule offers in the decision', () => {
  // 2 coffees at 300,000, a mug at 400,000 and a gift card at 500,000: 1,500,000.
  const basket = (over: Partial<MemberEvent> = {}) =>
    purchase(1_500_000, {
      items: [
        { sku: 'cof-1', category: 'coffee', quantity: 2, unitPrice: 300_000 },
        { sku: 'mug-1', category: 'home', quantity: 1, unitPrice: 400_000 },
        { sku: 'gift-1', category: 'gift_card', quantity: 1, unitPrice: 500_000 },
      ],
      ...over,
    });

  it('a per_item offer counts the matching units of the purchase lines, and its points are attributed to them', () => {
    const perCoffee = held('coffee', { trigger: 'purchase', effect: { type: 'per_item', points: 40, match: { categories: ['coffee'] } }, pendingDays: 0 });
    const { entries, outcomes } = decide([perCoffee], basket());
    expect(outcomes).toEqual([{ offerId: 'coffee', status: 'applied', points: 80 }]);
    expect(entries[0]).toMatchObject({ points: 80, linePoints: [80, 0, 0] });
    // Without items there is nothing to count: skipped, in words.
    expect(decide([perCoffee], purchase(1_500_000)).outcomes).toEqual([{ offerId: 'coffee', status: 'skipped', reason: 'no_items', points: 0 }]);
  });

  it('with items, a multiplier goes to the lines its rules earned on; a fixed bonus by the money of the lines; capped points still add up', () => {
    const { entries } = decide([held('double', DOUBLE), held('flat', { trigger: 'purchase', effect: { type: 'fixed', points: 150 }, maxPointsPerUse: 100 })], basket());
    const base = evaluateEvent({ program: reference, programVersion: 1, member, event: basket(), history: { usage: [] }, now: NOW }).items!.map((l) => l.byRule.reduce((s, r) => s + r.base, 0));
    const double = entries.find((e) => e.offerId === 'double')!;
    expect(double.linePoints).toEqual(base);
    expect(double.linePoints!.reduce((s, p) => s + p, 0)).toBe(double.points);
    const flat = entries.find((e) => e.offerId === 'flat')!;
    expect(flat.points).toBe(100);
    // 600,000 : 400,000 : 500,000 of 100 points.
    expect(flat.linePoints).toEqual([40, 27, 33]);
  });

  it('2× purchase points: the base points once more, pending like the purchase rule, tagged with the offer', () => {
    const { entries, outcomes } = decide([held('double', DOUBLE)], purchase(2_500_000));
    // 250 base points (10 per 100,000) → 250 more.
    expect(entries).toEqual([
      {
        idempotencyKey: 'e1:offer:double',
        offerId: 'double',
        ruleId: 'offer:double',
        points: 250,
        earnedAt: NOW,
        pendingUntil: new Date(NOW.getTime() + 14 * 86_400_000),
        expiresAt: expect.any(Date),
        orderId: 'o1',
        orderAmount: 2_500_000,
      },
    ]);
    expect(outcomes).toEqual([{ offerId: 'double', status: 'applied', points: 250 }]);
  });

  it('+500 on a purchase over 3,000,000 toman; 10 % extra on a category', () => {
    const big = held('big', { trigger: 'purchase', conditions: { field: 'event.amount', op: 'gt', value: 3_000_000 }, effect: { type: 'fixed', points: 500 }, pendingDays: 0 });
    const shoes = held('shoes', { trigger: 'purchase', conditions: { field: 'event.properties.category', op: 'eq', value: 'shoes' }, effect: { type: 'multiplier', extraPercent: 10 } });
    expect(decide([big, shoes], purchase(3_000_000)).outcomes).toEqual([
      { offerId: 'big', status: 'skipped', reason: 'condition_false', points: 0 },
      { offerId: 'shoes', status: 'skipped', reason: 'condition_false', points: 0 },
    ]);
    const { entries } = decide([big, shoes], purchase(4_200_000, { properties: { category: 'shoes' } }));
    expect(entries.map((e) => [e.offerId, e.points, e.pendingUntil])).toEqual([
      ['big', 500, null],
      ['shoes', 42, new Date(NOW.getTime() + 14 * 86_400_000)],
    ]);
  });

  it('only inside the window (occurredAt), and the grant expiry bounds it too', () => {
    const offer = held('double', DOUBLE);
    expect(decide([offer], purchase(1_000_000, { occurredAt: new Date('2026-11-30T23:59:59Z') })).outcomes[0]).toMatchObject({ reason: 'outside_window' });
    expect(decide([offer], purchase(1_000_000, { occurredAt: new Date('2026-12-06T20:30:00Z') })).outcomes[0]).toMatchObject({ reason: 'outside_window' });
    expect(decide([offer], purchase(1_000_000, { occurredAt: new Date('2026-12-06T20:29:59Z') })).outcomes[0]).toMatchObject({ status: 'applied' });
    expect(decide([held('double', DOUBLE, { expiresAt: new Date('2026-12-02T00:00:00Z') })], purchase(1_000_000)).outcomes[0]).toMatchObject({ reason: 'outside_window' });
    expect(decide([offer], { ...purchase(1_000_000), type: 'review' }).outcomes).toEqual([]);
  });

  it('its own limits: uses per holder, points per use, per holder, and the budget over all holders', () => {
    expect(decide([held('o', DOUBLE, { maxUses: 2, uses: 1 })], purchase(1_000_000), { uses: 1, points: 100, offerPoints: 100 }).outcomes[0]).toMatchObject({ reason: 'uses_reached' });
    expect(decide([held('o', { ...DOUBLE, maxPointsPerUse: 30 })], purchase(1_000_000)).outcomes[0]).toEqual({ offerId: 'o', status: 'applied', points: 30, cappedBy: 'per_use' });
    expect(decide([held('o', DOUBLE, { maxPointsPerMember: 150, pointsGiven: 100 })], purchase(1_000_000)).outcomes[0]).toMatchObject({ points: 50, cappedBy: 'per_member' });
    expect(decide([held('o', DOUBLE, { maxPointsPerMember: 150, pointsGiven: 100 })], purchase(1_000_000), { uses: 1, points: 50, offerPoints: 50 }).outcomes[0]).toMatchObject({
      reason: 'member_points_reached',
    });
    expect(decide([held('o', DOUBLE, { budgetPoints: 1000, budgetGiven: 950 })], purchase(1_000_000), { uses: 0, points: 0, offerPoints: 20 }).outcomes[0]).toMatchObject({ points: 30, cappedBy: 'budget' });
    expect(decide([held('o', DOUBLE, { budgetPoints: 1000, budgetGiven: 1000 })], purchase(1_000_000)).outcomes[0]).toMatchObject({ reason: 'budget_exhausted' });
  });

  it('a multiplier of named rules multiplies only those; nothing to multiply is zero', () => {
    expect(decide([held('o', { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100, rules: ['review'] } })], purchase(1_000_000)).outcomes[0]).toMatchObject({ reason: 'zero_points' });
    expect(decide([held('o', { trigger: 'purchase', effect: { type: 'percent', basisPoints: 100, amountField: 'event.properties.net' } })], purchase(1_000_000)).outcomes[0]).toMatchObject({ reason: 'missing_amount' });
  });

  it('property: never beyond any limit, and the budget holds over any sequence of holders', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
        (amounts, budget, perUse) => {
          const offer = held('o', { ...DOUBLE, ...(perUse ? { maxPointsPerUse: perUse } : {}) }, { budgetPoints: budget });
          let given = 0;
          for (const [i, amount] of amounts.entries()) {
            const { entries } = decide([offer], purchase(amount, { id: `e${i}` }), { uses: 0, points: 0, offerPoints: given });
            const points = entries[0]?.points ?? 0;
            expect(points).toBeGreaterThanOrEqual(0);
            if (perUse) expect(points).toBeLessThanOrEqual(perUse);
            expect(points).toBeLessThanOrEqual(Math.floor(amount / 100_000) * 10);
            given += points;
          }
          expect(given).toBeLessThanOrEqual(budget);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('each written offer earn entry is one use of its grant; other entries are none; an entry on an offer not held is refused', () => {
    const entry = (key: string, over: Partial<EntryWrite>): EntryWrite => ({
      idempotencyKey: key, kind: 'earn', amount: 100, qualifyingPoints: 0, pending: false, at: NOW, ruleId: 'purchase', component: 'base',
      orderId: 'o1', rewardId: null, memberId: 'm1', eventId: 'e1', source: 'api', programVersion: 1, actor: null, reason: null, allocations: [], ...over,
    });
    const offers = [held('double', DOUBLE, { grantId: 7 }), held('solo', DOUBLE, { grantId: 9, campaignId: null })];
    const written = [
      entry('e1:purchase', {}),
      entry('e1:offer:double', { ruleId: 'offer:double', component: 'offer', amount: 250 }),
      entry('e2:offer:solo', { ruleId: 'offer:solo', component: 'offer', amount: 40, eventId: 'e2', orderId: null }),
      entry('r1:reverse', { kind: 'reverse', ruleId: 'offer:double', component: 'offer', amount: -250 }),
    ];
    expect(offerUsesOf(written, offers)).toEqual([
      { entryKey: 'e1:offer:double', grantId: 7, offerId: 'double', campaignId: 'spring', memberId: 'm1', eventId: 'e1', orderId: 'o1', points: 250, at: NOW },
      { entryKey: 'e2:offer:solo', grantId: 9, offerId: 'solo', campaignId: null, memberId: 'm1', eventId: 'e2', orderId: null, points: 40, at: NOW },
    ]);
    expect(offerUsesOf([entry('e1:purchase', {})], [])).toEqual([]);
    expect(() => offerUsesOf([entry('e3:offer:gone', { ruleId: 'offer:gone', component: 'offer', eventId: 'e3' })], offers)).toThrow(/does not hold/);
  });
});
