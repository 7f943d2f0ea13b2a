import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { laurel } from '../../support/cli.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

const DAY = 86_400_000;

/**
 * `laurel ledger check`, the nightly proof that stands in for the foreign keys the event write no
 * longer carries (migration 0015): exit 0 on a ledger written by Laurel, exit 1 naming what broke
 * when a balance row, an entry or a reference is wrong.
 */
describe('laurel ledger check', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  const check = () => laurel(['ledger', 'check'], { DATABASE_URL: env.urls.databaseUrl, LOG_LEVEL: 'warn' });
  const sql = (text: string) => env.ctx.pool.query(text);

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    for (const id of ['ana', 'ben', 'cem']) {
      expect((await api.call('PUT', `/v1/members/${id}`, admin, { joinedAt: new Date(Date.now() - 400 * DAY).toISOString() })).status).toBe(201);
    }
    // Earned (pending), refunded after the window (debt), an adjustment, a batch: every kind of row.
    const old = new Date(Date.now() - 40 * DAY).toISOString();
    expect((await api.call('POST', '/v1/events', admin, { memberId: 'ana', type: 'purchase', amount: 3_000_000, orderId: 'a1', occurredAt: old })).status).toBe(201);
    expect((await api.call('POST', '/v1/events', admin, { memberId: 'ana', type: 'refund', amount: 3_000_000, orderId: 'a1', refundId: 'r1' })).status).toBe(201);
    expect((await api.call('POST', '/v1/events', admin, { memberId: 'ben', type: 'purchase', amount: 2_000_000, orderId: 'b1' })).status).toBe(201);
    // With items: event_items rows (their reference to the event is proved by the check, migration 0067).
    const items = [{ sku: 'ESP-1', name: 'Espresso', category: 'coffee', quantity: 2, unitPrice: 500_000 }];
    expect((await api.call('POST', '/v1/events', admin, { memberId: 'ben', type: 'purchase', amount: 1_000_000, orderId: 'b2', items })).status).toBe(201);
    const batch = [1, 2, 3].map((i) => ({ memberId: 'cem', type: 'purchase', amount: 1_000_000 * i, orderId: `c${i}` }));
    expect((await api.call('POST', '/v1/events/batch', admin, { events: batch })).status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('passes on a ledger Laurel wrote', async () => {
    const r = await check();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, members: 3, imbalanced: 0, imbalances: [], brokenReferences: {} });
    expect(r.stderr).toMatch(/ledger check: 3 members, every balance = entries = lots/);
  });

  it('fails naming the member when the cached balance, an entry or the pending split is off', async () => {
    await sql(`UPDATE member_balances SET available = available + 5 WHERE member_id = 'ben'`);
    const cached = await check();
    expect(cached.code).toBe(1);
    expect(JSON.parse(cached.stdout)).toMatchObject({ ok: false, imbalanced: 1, imbalances: [{ memberId: 'ben' }] });
    expect(cached.stderr).toMatch(/ledger check FAILED: 1 of 3 members out of balance \(first: ben:/);
    await sql(`UPDATE member_balances SET available = available - 5 WHERE member_id = 'ben'`);

    // Same total, wrong split: pending points counted as available.
    await sql(`UPDATE member_balances SET available = available + pending, pending = 0 WHERE member_id = 'cem'`);
    expect(JSON.parse((await check()).stdout)).toMatchObject({ ok: false, imbalances: [{ memberId: 'cem' }] });
    await sql(`UPDATE member_balances b SET pending = l.p, available = b.available - l.p FROM (SELECT sum(remaining_points) AS p FROM lots WHERE member_id = 'cem' AND status = 'pending') l WHERE b.member_id = 'cem'`);

    await sql(`UPDATE ledger_entries SET amount = amount + 1 WHERE seq = (SELECT min(seq) FROM ledger_entries WHERE member_id = 'ana')`);
    expect(JSON.parse((await check()).stdout)).toMatchObject({ ok: false, imbalances: [{ memberId: 'ana' }] });
    await sql(`UPDATE ledger_entries SET amount = amount - 1 WHERE seq = (SELECT min(seq) FROM ledger_entries WHERE member_id = 'ana')`);
    expect((await check()).code).toBe(0);
  });

  it('fails naming the reference when a ledger row points at nothing', async () => {
    await sql(`UPDATE ledger_entries SET event_id = 'evt_gone' WHERE seq = (SELECT min(seq) FROM ledger_entries WHERE member_id = 'ben')`);
    const r = await check();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, imbalanced: 0, brokenReferences: { 'ledger_entries.event_id → events': 1 } });
    expect(r.stderr).toMatch(/1 rows break ledger_entries\.event_id → events/);
  });

  it('fails naming the reference when an item row points at no event', async () => {
    await sql(`UPDATE ledger_entries SET event_id = (SELECT id FROM events WHERE member_id = 'ben' AND order_id = 'b1') WHERE event_id = 'evt_gone'`);
    expect((await check()).code).toBe(0);
    await sql(`UPDATE event_items SET event_id = 'evt_gone' WHERE line = 0 AND event_id = (SELECT event_id FROM event_items LIMIT 1)`);
    const r = await check();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, imbalanced: 0, brokenReferences: { 'event_items.event_id → events': 1 } });
  });
});
