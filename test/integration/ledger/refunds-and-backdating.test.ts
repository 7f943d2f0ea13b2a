import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariant, expirePoints } from '../../../src/ledger/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { Api, apiKey, publishVariant } from '../../support/ledger-fixture.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

/**
 * The rules for refunds and backdated events (README "Events"): a refund may not return more than
 * what remains of its order; the return window is judged by when the refund happened; an upgrade
 * earned by a backdated purchase starts when that purchase happened; expiry is dated when points
 * expired. Under pending_only, so a refund inside and one outside the window differ in the ledger.
 */
describe('refund limits and backdated events', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishVariant(env, (p) => ({ ...p, returnPolicy: 'pending_only' }));
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  // Members since long ago: a tier never starts before the member's current tier did.
  const member = async (id: string) => expect((await api.call('PUT', `/v1/members/${id}`, admin, { joinedAt: daysAgo(500).toISOString() })).status).toBe(201);
  const event = (body: Record<string, unknown>) => api.call('POST', '/v1/events', admin, body);
  const rowsOf = async (memberId: string) => {
    const { rows } = await env.ctx.pool.query(
      `SELECT (SELECT count(*) FROM events WHERE member_id = $1)::int AS events,
              (SELECT count(*) FROM ledger_entries WHERE member_id = $1)::int AS entries,
              (SELECT coalesce(max(refunded_total), 0) FROM order_refunds WHERE member_id = $1)::int AS refunded,
              (SELECT available + pending FROM member_balances WHERE member_id = $1)::int AS balance`,
      [memberId],
    );
    return rows[0];
  };

  it('a refund larger than what remains of the order is refused (422 refund_exceeds_order) and writes nothing', async () => {
    await member('over');
    expect((await event({ memberId: 'over', type: 'purchase', amount: 1_000_000, orderId: 'o1' })).status).toBe(201);
    expect((await event({ memberId: 'over', type: 'refund', amount: 600_000, orderId: 'o1', refundId: 'r1' })).status).toBe(201);
    const before = await rowsOf('over');
    const refused = await event({ memberId: 'over', type: 'refund', amount: 400_001, orderId: 'o1', refundId: 'r2' });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'refund_exceeds_order', orderId: 'o1', orderAmount: 1_000_000, refunded: 600_000, remaining: 400_000, requested: 400_001 });
    expect(refused.body.detail).toBe('a refund of 400001 exceeds what remains of order o1: 400000 of 1000000');
    expect(await rowsOf('over')).toEqual(before);
    // What remains may still be refunded.
    expect((await event({ memberId: 'over', type: 'refund', amount: 400_000, orderId: 'o1', refundId: 'r2' })).status).toBe(201);
    // In a batch the whole batch is refused and names the event.
    await event({ memberId: 'over', type: 'purchase', amount: 100_000, orderId: 'o2' });
    const batch = await api.call('POST', '/v1/events/batch', admin, {
      events: [
        { memberId: 'over', type: 'refund', amount: 50_000, orderId: 'o2', refundId: 'b1' },
        { memberId: 'over', type: 'refund', amount: 50_001, orderId: 'o2', refundId: 'b2' },
      ],
    });
    expect(batch.status).toBe(422);
    expect(batch.body).toMatchObject({ code: 'refund_exceeds_order' });
    expect(String(batch.body.detail)).toMatch(/^events\[1\]: /);
    expect(await checkLedgerInvariant(env.ctx.pool, ['over'])).toEqual([]);
  });

  it('a refund dated before its purchase is refused (422 refund_before_purchase)', async () => {
    await member('early');
    await event({ memberId: 'early', type: 'purchase', amount: 1_000_000, orderId: 'o1', occurredAt: daysAgo(2).toISOString() });
    const res = await event({ memberId: 'early', type: 'refund', amount: 1_000, orderId: 'o1', refundId: 'r1', occurredAt: daysAgo(3).toISOString() });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('refund_before_purchase');
  });

  it('the return window is judged by the refund’s occurredAt, not by when it arrived', async () => {
    // Both purchases 20 days ago: their 14-day window closed 6 days ago, so their points are spendable now.
    for (const id of ['late-inside', 'late-outside']) {
      await member(id);
      const purchase = await event({ memberId: id, type: 'purchase', amount: 1_000_000, orderId: 'o1', occurredAt: daysAgo(20).toISOString() });
      expect(purchase.body).toMatchObject({ points: { total: 100, pending: 0 }, balance: { available: 100, pending: 0 } });
    }
    // Returned 10 days ago (inside the window), reported now: the points go back, even under pending_only.
    const inside = await event({ memberId: 'late-inside', type: 'refund', amount: 1_000_000, orderId: 'o1', refundId: 'r1', occurredAt: daysAgo(10).toISOString() });
    expect(inside.body).toMatchObject({ refund: { clawback: 100, reversed: 100, forgiven: 0 }, balance: { available: 0, pending: 0 } });
    // Returned 3 days ago (after the window): activated points are final under pending_only.
    const outside = await event({ memberId: 'late-outside', type: 'refund', amount: 1_000_000, orderId: 'o1', refundId: 'r1', occurredAt: daysAgo(3).toISOString() });
    expect(outside.body).toMatchObject({ refund: { clawback: 100, reversed: 0, forgiven: 100 }, balance: { available: 100, pending: 0 } });
    expect(await checkLedgerInvariant(env.ctx.pool, ['late-inside', 'late-outside'])).toEqual([]);
  });

  it('an upgrade earned by a backdated purchase starts when the purchase happened', async () => {
    await member('climber');
    const at = daysAgo(30);
    // 6,000,000 toman = 600 qualifying points: silver (500).
    const res = await event({ memberId: 'climber', type: 'purchase', amount: 6_000_000, orderId: 'o1', occurredAt: at.toISOString() });
    expect(res.body).toMatchObject({ tier: { from: 'bronze', to: 'silver', changed: true } });
    const m = await env.ctx.pool.query(`SELECT m.tier_started_at, b.next_review_at FROM members m JOIN member_balances b ON b.member_id = m.id WHERE m.id = 'climber'`);
    expect(m.rows[0].tier_started_at.toISOString()).toBe(at.toISOString());
    // The reference program reviews a tier 12 months after it started.
    const review = new Date(at);
    expect(m.rows[0].next_review_at.getTime()).toBeGreaterThan(review.getTime() + 360 * DAY);
    expect(m.rows[0].next_review_at.getTime()).toBeLessThan(review.getTime() + 370 * DAY);
    const change = await env.ctx.pool.query(`SELECT to_tier, at FROM tier_changes WHERE member_id = 'climber'`);
    expect(change.rows).toEqual([{ to_tier: 'silver', at }]);
  });

  it('an upgrade never predates the activity that completed it', async () => {
    await member('steps');
    const recent = daysAgo(2);
    await event({ memberId: 'steps', type: 'purchase', amount: 4_000_000, orderId: 'o1', occurredAt: recent.toISOString() });
    // 400 + 200 points: silver, but only once the later purchase (2 days ago) was there too.
    await event({ memberId: 'steps', type: 'purchase', amount: 2_000_000, orderId: 'o2', occurredAt: daysAgo(30).toISOString() });
    const m = await env.ctx.pool.query(`SELECT tier_id, tier_started_at FROM members WHERE id = 'steps'`);
    expect(m.rows[0]).toEqual({ tier_id: 'silver', tier_started_at: recent });
  });

  it('an expiry entry is dated when the points expired, not when the sweep ran', async () => {
    await member('lapse');
    // Earned 14 months ago: expires at the end of the 12th month after, in the program's zone.
    await event({ memberId: 'lapse', type: 'referral', idempotencyKey: 'lapse-1', occurredAt: daysAgo(425).toISOString() });
    const lot = await env.ctx.pool.query(`SELECT expires_at FROM lots WHERE member_id = 'lapse'`);
    const asOf = new Date();
    expect(await expirePoints(env.ctx.pool, asOf)).toMatchObject({ expiredPoints: 5, members: 1 });
    const entry = await env.ctx.pool.query(`SELECT at, created_at FROM ledger_entries WHERE member_id = 'lapse' AND kind = 'expire'`);
    expect(entry.rows).toEqual([{ at: lot.rows[0].expires_at, created_at: asOf }]);
    expect(entry.rows[0].at.getTime()).toBeLessThan(asOf.getTime() - 30 * DAY);
  });
});
