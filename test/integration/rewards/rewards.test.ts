import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints, checkLedgerInvariant } from '../../../src/ledger/index.js';
import { cancelOverdueRedemptions, cancelRedemption, redeemReward } from '../../../src/rewards/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers } from '../messaging/support/fixtures.js';

const DAY = 86_400_000;

describe('rewards: a catalog managed through the API, fulfilment, exact stock, cancellation to the original lots', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let marketer: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    marketer = await apiKey(env, 'marketer');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  async function memberWith(id: string, points: number, tier = 'bronze'): Promise<void> {
    await seedMembers(env.ctx.pool, [{ id, email: `${id}@example.test`, tier }]);
    if (points > 0) await adjustPoints(env.ctx.pool, { memberId: id, points, reason: 'seed', idempotencyKey: `seed-${id}`, actor: 'test' });
  }

  async function rowCounts() {
    const { rows } = await env.ctx.pool.query(
      `SELECT (SELECT count(*) FROM rewards)::int AS rewards, (SELECT count(*) FROM reward_codes)::int AS codes,
              (SELECT count(*) FROM reward_redemptions)::int AS redemptions, (SELECT count(*) FROM ledger_entries)::int AS entries,
              (SELECT count(*) FROM program_versions)::int AS versions`,
    );
    return rows[0];
  }

  it('the program file seeds the catalog; the API then manages it without a program version', async () => {
    const seeded = await api.call('GET', '/v1/rewards', marketer);
    expect((seeded.body.rewards as { id: string; source: string }[]).map((r) => [r.id, r.source])).toEqual([
      ['free-shipping', 'program:1'],
      ['discount-50k', 'program:1'],
      ['gift-box', 'program:1'],
    ]);
    const versions = (await rowCounts()).versions;
    const put = await api.call('PUT', '/v1/rewards/tote-bag', marketer, { name: 'Tote bag', kind: 'material', costPoints: 300, stock: 5, valueAmount: 450_000 });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: 'tote-bag', kind: 'material', stock: 5, available: 5, fulfilmentDays: 30, source: 'api' });
    const again = await api.call('PUT', '/v1/rewards/tote-bag', marketer, { name: 'Tote bag (blue)', kind: 'material', costPoints: 250, stock: 8 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ name: 'Tote bag (blue)', costPoints: 250, available: 8 });
    expect((await rowCounts()).versions).toBe(versions);
    const audit = await env.ctx.pool.query(`SELECT action FROM audit_log WHERE subject = 'reward:tote-bag' ORDER BY id`);
    expect(audit.rows.map((r) => r.action)).toEqual(['reward.create', 'reward.update']);
    // Publishing a program again does not overwrite what the API changed.
    await api.call('PUT', '/v1/rewards/free-shipping', admin, { name: 'Free shipping', costPoints: 35 });
    await publishExample(env, 'reference');
    expect((await api.call('GET', '/v1/rewards/free-shipping', admin)).body).toMatchObject({ costPoints: 35 });
  });

  it('bad catalog input is a problem with a stable code, and nothing is written', async () => {
    const before = await rowCounts();
    const cases: [string, unknown, number, string][] = [
      ['no cost', { name: 'x' }, 400, 'invalid_reward'],
      ['zero cost', { name: 'x', costPoints: 0 }, 400, 'invalid_reward'],
      ['unknown tier', { name: 'x', costPoints: 10, tiers: ['platinum'] }, 422, 'unknown_tier'], // well formed; the program decides
      ['stock on a code reward', { name: 'x', kind: 'coupon_code', costPoints: 10, stock: 4 }, 400, 'invalid_reward'],
      ['fulfilment of a generic reward', { name: 'x', costPoints: 10, fulfilmentDays: 3 }, 400, 'invalid_reward'],
      ['unknown field', { name: 'x', costPoints: 10, colour: 'red' }, 400, 'invalid_reward'],
    ];
    for (const [name, body, status, code] of cases) {
      const res = await api.call('PUT', '/v1/rewards/bad-one', marketer, body);
      expect([name, res.status, res.body.code]).toEqual([name, status, code]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await api.call('PUT', '/v1/rewards/Bad%20Id', marketer, { name: 'x', costPoints: 1 })).body.code).toBe('invalid_reward_id');
    expect((await api.call('PUT', '/v1/rewards/x', await apiKey(env, 'ingest'), { name: 'x', costPoints: 1 })).status).toBe(403);
    expect(await rowCounts()).toEqual(before);
  });

  it('coupon_code rewards: codes imported as CSV or JSON are the stock; the redemption returns a code; a malformed pool writes nothing', async () => {
    expect((await api.call('PUT', '/v1/rewards/cinema', marketer, { name: 'Cinema ticket', kind: 'coupon_code', costPoints: 50 })).body).toMatchObject({ stock: 0, available: 0 });
    const before = await rowCounts();
    const bad: [unknown, string][] = [
      ['code\nCIN-001\nCIN 002\n', 'line 3'],
      ['CIN-001\nCIN-002\nCIN-001\n', 'line 3: code "CIN-001" repeats line 1'],
      ['code\n\n', 'the pool holds no codes'],
      [{ codes: [] }, 'body.codes'],
      [{ codes: ['OK-1', 'x'] }, 'codes[1]'],
      [{ list: ['OK-1'] }, 'body'],
    ];
    for (const [body, message] of bad) {
      const res = await api.call('POST', '/v1/rewards/cinema/codes', marketer, body, typeof body === 'string' ? { 'content-type': 'text/csv' } : {});
      // JSON breaks its documented schema (400); CSV is text whose lines break the code rules (422).
      expect(res.status).toBe(typeof body === 'string' ? 422 : 400);
      expect(res.body.code).toBe('invalid_code_pool');
      expect(res.body.detail).toContain(message);
    }
    expect(await rowCounts()).toEqual(before);
    const csv = await api.call('POST', '/v1/rewards/cinema/codes', marketer, 'code,batch\nCIN-001,a\n"CIN-002",a\n', { 'content-type': 'text/csv' });
    expect(csv).toMatchObject({ status: 201, body: { added: 2, skipped: 0, available: 2 } });
    const json = await api.call('POST', '/v1/rewards/cinema/codes', marketer, { codes: ['CIN-002', 'CIN-003'] });
    expect(json.body).toMatchObject({ added: 1, skipped: 1, available: 3 });
    expect((await api.call('POST', '/v1/rewards/gift-box/codes', marketer, { codes: ['G-1'] })).body.code).toBe('reward_has_no_codes');

    await memberWith('movie-fan', 1000);
    const first = await api.call('POST', '/v1/members/movie-fan/redemptions', admin, { rewardId: 'cinema', quantity: 2, idempotencyKey: 'c1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'completed', codes: ['CIN-001', 'CIN-002'], points: 100, balance: { available: 900 } });
    const replay = await api.call('POST', '/v1/members/movie-fan/redemptions', admin, { rewardId: 'cinema', quantity: 2, idempotencyKey: 'c1' });
    expect(replay.body).toMatchObject({ replayed: true, codes: ['CIN-001', 'CIN-002'] });
    expect((await api.call('POST', '/v1/members/movie-fan/redemptions', admin, { rewardId: 'cinema', quantity: 2, idempotencyKey: 'c2' })).body).toMatchObject({
      code: 'out_of_stock',
      available: 1,
    });
    // A cancelled code redemption gives the points back; the revealed codes stay used.
    const cancelled = await api.call('POST', `/v1/redemptions/${encodeURIComponent(first.body.redemptionId as string)}/cancel`, admin, { reason: 'codes did not work' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', balance: { available: 1000 } });
    expect((await api.call('GET', '/v1/rewards/cinema', marketer)).body).toMatchObject({ available: 1 });
  });

  it('tier-gated rewards, per-member limits and archived rewards', async () => {
    await api.call('PUT', '/v1/rewards/lounge', marketer, { name: 'Airport lounge', costPoints: 100, tiers: ['gold', 'diamond'], perMemberLimit: 2 });
    await memberWith('bronze-one', 1000, 'bronze');
    await memberWith('gold-one', 1000, 'gold');
    const refused = await api.call('POST', '/v1/members/bronze-one/redemptions', admin, { rewardId: 'lounge', idempotencyKey: 'l1' });
    expect(refused).toMatchObject({ status: 403, body: { code: 'reward_tier_restricted', tiers: ['gold', 'diamond'] } });
    expect((await api.call('POST', '/v1/members/gold-one/redemptions', admin, { rewardId: 'lounge', quantity: 2, idempotencyKey: 'l1' })).status).toBe(201);
    expect((await api.call('POST', '/v1/members/gold-one/redemptions', admin, { rewardId: 'lounge', idempotencyKey: 'l2' })).body.code).toBe('reward_limit_reached');
    expect((await api.call('POST', '/v1/rewards/lounge/archive', marketer)).body).toMatchObject({ status: 'archived' });
    expect((await api.call('POST', '/v1/members/gold-one/redemptions', admin, { rewardId: 'lounge', idempotencyKey: 'l3' })).body.code).toBe('reward_archived');
    expect((await api.call('GET', '/v1/rewards', marketer)).body.rewards).not.toContainEqual(expect.objectContaining({ id: 'lounge' }));
    expect((await api.call('GET', '/v1/rewards?status=archived', marketer)).body.rewards).toContainEqual(expect.objectContaining({ id: 'lounge' }));
    expect((await api.call('POST', '/v1/members/gold-one/redemptions', admin, { rewardId: 'nope', idempotencyKey: 'l4' })).status).toBe(404);
  });

  it('material rewards: requested → fulfilled; an unfulfilled one past its deadline is cancelled with its points back', async () => {
    await api.call('PUT', '/v1/rewards/mug', marketer, { name: 'Mug', kind: 'material', costPoints: 200, stock: 10, fulfilmentDays: 7 });
    await memberWith('mug-fan', 1000);
    const token = (await api.call('POST', '/v1/members/mug-fan/tokens', admin)).body.token as string;
    const one = await api.call('POST', '/v1/members/mug-fan/redemptions', token, { rewardId: 'mug', idempotencyKey: 'm1' });
    expect(one.body).toMatchObject({ status: 'requested', rewardKind: 'material', fulfilBy: expect.any(String) });
    const two = await api.call('POST', '/v1/members/mug-fan/redemptions', token, { rewardId: 'mug', idempotencyKey: 'm2' });
    const queue = await api.call('GET', '/v1/redemptions?status=requested&rewardId=mug', marketer);
    expect((queue.body.items as { redemptionId: string }[]).map((r) => r.redemptionId)).toEqual([two.body.redemptionId, one.body.redemptionId]);
    const url = (r: { body: Record<string, unknown> }) => `/v1/redemptions/${encodeURIComponent(r.body.redemptionId as string)}`;
    expect((await api.call('POST', `${url(one)}/fulfil`, marketer, { note: 'DHL 123' })).body).toMatchObject({ status: 'fulfilled' });
    expect((await api.call('POST', `${url(one)}/fulfil`, marketer, {})).body).toMatchObject({ status: 'fulfilled' });
    expect((await api.call('POST', `${url(one)}/cancel`, admin, { reason: 'changed mind' })).body.code).toBe('redemption_fulfilled');
    expect((await api.call('POST', `${url(one)}/cancel`, marketer, { reason: 'changed mind' })).status).toBe(403);
    expect((await api.call('GET', url(one), token)).body).toMatchObject({ status: 'fulfilled' });
    expect((await api.call('GET', '/v1/members/mug-fan/redemptions', token)).body.items).toHaveLength(2);
    expect((await api.call('GET', '/v1/rewards/mug', marketer)).body).toMatchObject({ redeemed: 2, available: 8 });

    expect(await cancelOverdueRedemptions(env.ctx.pool, new Date(Date.now() + 6 * DAY))).toBe(0);
    expect(await cancelOverdueRedemptions(env.ctx.pool, new Date(Date.now() + 8 * DAY))).toBe(1);
    expect((await api.call('GET', url(two), token)).body).toMatchObject({ status: 'cancelled', cancelReason: 'not fulfilled in time' });
    expect((await api.call('GET', '/v1/members/mug-fan/summary', token)).body).toMatchObject({ balance: { available: 800 } });
    expect((await api.call('GET', '/v1/rewards/mug', marketer)).body).toMatchObject({ redeemed: 1, available: 9 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['mug-fan'])).toEqual([]);
  });

  it('stock is exact under concurrency: 300 members redeem a reward with stock 250 at once', async () => {
    await api.call('PUT', '/v1/rewards/limited', marketer, { name: 'Limited edition', costPoints: 100, stock: 250 });
    const ids = Array.from({ length: 300 }, (_, i) => `rush-${String(i).padStart(3, '0')}`);
    await seedMembers(env.ctx.pool, ids.map((id) => ({ id })));
    for (let i = 0; i < ids.length; i += 30) {
      await Promise.all(ids.slice(i, i + 30).map((id) => adjustPoints(env.ctx.pool, { memberId: id, points: 150, reason: 'seed', idempotencyKey: 'seed', actor: 'test' })));
    }
    const responses = await Promise.all(ids.map((id) => api.call('POST', `/v1/members/${id}/redemptions`, admin, { rewardId: 'limited', idempotencyKey: 'rush' })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(250);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(50);
    for (const r of refused) expect([r.status, r.body.code]).toEqual([409, 'out_of_stock']);
    expect((await api.call('GET', '/v1/rewards/limited', marketer)).body).toMatchObject({ redeemed: 250, available: 0 });
    const { rows } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE kind = 'redeem' AND reward_id = 'limited'`);
    expect(rows[0]).toEqual({ n: 250 });
    expect(await checkLedgerInvariant(env.ctx.pool, ids)).toEqual([]);
  });

  it('cancellation returns the points to the lots they came from, with their expiry, in one idempotent entry', async () => {
    await seedMembers(env.ctx.pool, [{ id: 'lots' }]);
    const soon = new Date(Date.now() + 10 * DAY);
    const later = new Date(Date.now() + 100 * DAY);
    await adjustPoints(env.ctx.pool, { memberId: 'lots', points: 60, reason: 'a', idempotencyKey: 'a', actor: 'test', expiresAt: soon });
    await adjustPoints(env.ctx.pool, { memberId: 'lots', points: 80, reason: 'b', idempotencyKey: 'b', actor: 'test', expiresAt: later });
    await adjustPoints(env.ctx.pool, { memberId: 'lots', points: 30, reason: 'c', idempotencyKey: 'c', actor: 'test' });
    const lots = async () =>
      (await env.ctx.pool.query<{ id: string; remaining_points: number; expires_at: Date | null }>(`SELECT id, remaining_points, expires_at FROM lots WHERE member_id = 'lots' ORDER BY id`)).rows;
    const before = await lots();
    // 100 points: all 60 of the soonest lot, then 40 of the next.
    const red = await redeemReward(env.ctx.pool, { memberId: 'lots', rewardId: 'discount-50k', quantity: 1, idempotencyKey: 'x', actor: 'test' });
    expect((await lots()).map((l) => l.remaining_points)).toEqual([0, 40, 30]);
    const cancelled = await cancelRedemption(env.ctx.pool, { redemptionId: red.redemptionId, actor: 'test', reason: 'wrong item' });
    expect(cancelled).toMatchObject({ status: 'cancelled', replayed: false, balance: { available: 170 } });
    expect(await lots()).toEqual(before);
    const { rows: entries } = await env.ctx.pool.query(
      `SELECT e.kind, e.amount, json_agg(json_build_object('lot', a.lot_id, 'points', a.points) ORDER BY a.lot_id) AS allocations
         FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq WHERE e.idempotency_key = $1 GROUP BY e.kind, e.amount`,
      [`cancel:${red.redemptionId}`],
    );
    expect(entries).toEqual([{ kind: 'restore', amount: 100, allocations: [{ lot: 'adj:lots:a', points: 60 }, { lot: 'adj:lots:b', points: 40 }] }]);
    const again = await cancelRedemption(env.ctx.pool, { redemptionId: red.redemptionId, actor: 'test', reason: 'wrong item' });
    expect(again).toMatchObject({ replayed: true, status: 'cancelled' });
    const { rows: restores } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE member_id = 'lots' AND kind = 'restore'`);
    expect(restores[0]).toEqual({ n: 1 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['lots'])).toEqual([]);

    // Cancelled after the first lot expired: its points go back and expire at once; the rest is spendable.
    const red2 = await redeemReward(env.ctx.pool, { memberId: 'lots', rewardId: 'discount-50k', quantity: 1, idempotencyKey: 'y', actor: 'test' });
    const afterExpiry = new Date(soon.getTime() + DAY);
    const late = await cancelRedemption(env.ctx.pool, { redemptionId: red2.redemptionId, actor: 'test', reason: 'late', now: afterExpiry });
    expect(late.balance).toEqual({ available: 110, pending: 0 });
    const { rows: lateEntries } = await env.ctx.pool.query(`SELECT kind, amount FROM ledger_entries WHERE idempotency_key LIKE $1 ORDER BY seq`, [`cancel:${red2.redemptionId}%`]);
    expect(lateEntries).toEqual([
      { kind: 'restore', amount: 100 },
      { kind: 'expire', amount: -60 },
    ]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['lots'])).toEqual([]);
  });
});
