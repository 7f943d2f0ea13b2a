import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariant } from '../../../src/ledger/index.js';
import { SalesReportSchema } from '../../../src/reports/index.js';
import { Api, apiKey, programDay, publishVariant } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

// 10 points per 100,000; 3× on coffee; gift cards earn nothing; a tier bonus for silver and up.
const BASKET = [
  { sku: 'ESP-1', name: 'Espresso beans', category: 'coffee', brand: 'Lamiz', quantity: 2, unitPrice: 300_000 },
  { sku: 'MUG-1', name: 'Mug', category: 'kitchen', quantity: 1, unitPrice: 250_000, discount: 50_000 },
  { sku: 'GIFT-50', name: 'Gift card', category: 'gift_cards', quantity: 1, unitPrice: 500_000 },
];
const AMOUNT = 1_300_000;

describe('purchases and refunds with items', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishVariant(env, (p) => ({
      ...p,
      earningRules: p.earningRules.map((r) =>
        r.id === 'purchase' ? { ...r, conditions: undefined, items: { multipliers: [{ categories: ['coffee'], factorPercent: 300 }], exclude: { categories: ['gift_cards'] } } } : r,
      ),
    }));
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    for (const id of ['it-1', 'it-2']) expect((await api.call('PUT', `/v1/members/${id}`, admin, { timeZone: 'Asia/Tehran' })).status).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const count = async (table: string) => Number((await env.ctx.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const buy = (body: Record<string, unknown>, query = '') => api.call('POST', `/v1/events${query}`, admin, { memberId: 'it-1', type: 'purchase', orderId: 'o-1', amount: AMOUNT, items: BASKET, ...body });

  it('items must add up to the amount; a bad item is named; nothing is written', async () => {
    const mismatch = await buy({ amount: AMOUNT + 1 });
    expect(mismatch).toMatchObject({ status: 400, body: { code: 'items_total_mismatch' } });
    expect(mismatch.body.detail).toContain(`items add up to ${AMOUNT}`);
    // 422: each item is well formed; what a purchase's item needs is a rule across fields (README: the API contract).
    expect(await buy({ items: [{ sku: 'X', quantity: 1 }], amount: 1 })).toMatchObject({ status: 422, body: { code: 'invalid_event', detail: expect.stringContaining('items.0.unitPrice') } });
    expect(await buy({ items: [{ sku: 'X', quantity: 0, unitPrice: 1 }], amount: 1 })).toMatchObject({ status: 400, body: { code: 'invalid_event' } });
    expect(await api.call('POST', '/v1/events', admin, { memberId: 'it-1', type: 'review', idempotencyKey: 'r1', items: BASKET })).toMatchObject({ status: 422, body: { code: 'invalid_event' } });
    expect(await count('events')).toBe(0);
    expect(await count('event_items')).toBe(0);
  });

  it('dry run shows each line with each rule’s factor and points, and writes nothing', async () => {
    const res = await buy({}, '?dryRun=true');
    expect(res.status).toBe(200);
    expect(res.body.points).toMatchObject({ base: 200, total: 200 });
    expect(res.body.items).toEqual([
      expect.objectContaining({ sku: 'ESP-1', amount: 600_000, points: 180, byRule: [{ ruleId: 'purchase', factorPercent: 300, base: 180, bonus: 0 }] }),
      expect.objectContaining({ sku: 'MUG-1', amount: 200_000, discount: 50_000, points: 20, byRule: [{ ruleId: 'purchase', factorPercent: 100, base: 20, bonus: 0 }] }),
      expect.objectContaining({ sku: 'GIFT-50', amount: 500_000, points: 0, byRule: [{ ruleId: 'purchase', factorPercent: 0, base: 0, bonus: 0 }] }),
    ]);
    expect(await count('events')).toBe(0);
  });

  it('the purchase stores its items (event_items, with the points of each line by lot) once, and a replay with other items conflicts', async () => {
    const res = await buy({});
    expect(res.status).toBe(201);
    expect((await buy({})).body.replayed).toBe(true);
    expect(await buy({ items: [...BASKET].reverse() })).toMatchObject({ status: 409, body: { code: 'idempotency_key_reused' } });
    const { rows } = await env.ctx.pool.query(`SELECT line, sku, category, quantity, unit_price, amount, points, lots FROM event_items WHERE type = 'purchase' ORDER BY line`);
    const lot = `${res.body.eventId as string}:purchase:base`;
    expect(rows).toEqual([
      { line: 0, sku: 'ESP-1', category: 'coffee', quantity: 2, unit_price: 300_000, amount: 600_000, points: 180, lots: { [lot]: 180 } },
      { line: 1, sku: 'MUG-1', category: 'kitchen', quantity: 1, unit_price: 250_000, amount: 200_000, points: 20, lots: { [lot]: 20 } },
      { line: 2, sku: 'GIFT-50', category: 'gift_cards', quantity: 1, unit_price: 500_000, amount: 500_000, points: 0, lots: {} },
    ]);
  });

  it('a refund of some items takes back exactly their points; bad refunds are refused with nothing written', async () => {
    const refund = (body: Record<string, unknown>) => api.call('POST', '/v1/events', admin, { memberId: 'it-1', type: 'refund', orderId: 'o-1', ...body });
    expect(await refund({ refundId: 'x1', amount: 300_001, items: [{ sku: 'ESP-1', quantity: 1 }] })).toMatchObject({ status: 422, body: { code: 'refund_items_mismatch' } });
    expect(await refund({ refundId: 'x2', amount: 1, items: [{ sku: 'TEA-9', quantity: 1 }] })).toMatchObject({ status: 422, body: { code: 'refund_item_unknown' } });
    expect(await refund({ refundId: 'x3', amount: 900_000, items: [{ sku: 'ESP-1', quantity: 3 }] })).toMatchObject({ status: 422, body: { code: 'refund_quantity_exceeded' } });
    expect(await count('ledger_entries')).toBe(1);

    const one = await refund({ refundId: 'r1', amount: 300_000, items: [{ sku: 'ESP-1', quantity: 1 }] });
    expect(one.status, JSON.stringify(one.body)).toBe(201);
    expect(one.body.refund).toMatchObject({ clawback: 90, cancelledPending: 90 });
    expect(one.body.items).toEqual([expect.objectContaining({ sku: 'ESP-1', quantity: 1, amount: 300_000, points: -90, purchaseLine: 0 })]);
    // The gift card earned nothing, so returning it takes nothing back.
    const gift = await refund({ refundId: 'r2', amount: 500_000, items: [{ sku: 'GIFT-50', quantity: 1 }] });
    expect(gift.body.refund).toMatchObject({ clawback: 0 });
    const rest = await refund({ refundId: 'r3', amount: 500_000, items: [{ sku: 'ESP-1', quantity: 1 }, { sku: 'MUG-1', quantity: 1 }] });
    expect(rest.body.refund).toMatchObject({ clawback: 110 });
    const { rows } = await env.ctx.pool.query(`SELECT sum(amount)::int AS points FROM ledger_entries WHERE member_id = 'it-1'`);
    expect(rows[0].points).toBe(0);
    const { rows: items } = await env.ctx.pool.query(`SELECT purchase_line, sum(quantity)::int AS units, sum(amount)::int AS amount, sum(points)::int AS points FROM event_items WHERE type = 'refund' GROUP BY 1 ORDER BY 1`);
    expect(items).toEqual([
      { purchase_line: 0, units: 2, amount: 600_000, points: -180 },
      { purchase_line: 1, units: 1, amount: 200_000, points: -20 },
      { purchase_line: 2, units: 1, amount: 500_000, points: 0 },
    ]);
    expect(await refund({ refundId: 'r4', amount: 1, items: [{ sku: 'MUG-1', quantity: 1 }] })).toMatchObject({ status: 422 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['it-1'])).toEqual([]);
  });

  it('a refund by items of an order bought without items is refused; by amount it still works', async () => {
    expect((await api.call('POST', '/v1/events', admin, { memberId: 'it-2', type: 'purchase', orderId: 'o-2', amount: 1_000_000 })).status).toBe(201);
    expect(await api.call('POST', '/v1/events', admin, { memberId: 'it-2', type: 'refund', orderId: 'o-2', refundId: 'a', amount: 100, items: [{ sku: 'X', quantity: 1 }] })).toMatchObject({
      status: 422,
      body: { code: 'refund_items_unknown' },
    });
    expect((await api.call('POST', '/v1/events', admin, { memberId: 'it-2', type: 'refund', orderId: 'o-2', refundId: 'b', amount: 500_000 })).body.refund).toMatchObject({ clawback: 50 });
  });

  it('the sales report counts the items: units per basket, best sellers net of returns', async () => {
    const marketer = await apiKey(env, 'marketer');
    // Yesterday too, in case the program's midnight fell between the purchases and now.
    const res = await api.call('GET', `/v1/reports/sales?from=${await programDay(env, new Date(), -1)}&to=${await programDay(env)}&top=2`, marketer);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const report = SalesReportSchema.parse(res.body);
    expect(report.totals).toMatchObject({ orders: 2, refunds: 4, gross: AMOUNT + 1_000_000, refunded: 1_300_000 + 500_000, itemsPerBasket: { numerator: 4, denominator: 1 } });
    expect(report.sellers.skus.byQuantity.best.map((s) => [s.key, s.quantity, s.revenue])).toEqual([
      ['ESP-1', 0, 0],
      ['GIFT-50', 0, 0],
    ]);
  });
});
