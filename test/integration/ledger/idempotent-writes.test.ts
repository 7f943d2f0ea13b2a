import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';

const DAY = 86_400_000;

describe('idempotent writes: a replay returns the original, a reused key with another payload is 409 like events', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let ingest: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    ingest = await apiKey(env, 'ingest');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  async function entries(memberId: string): Promise<number> {
    const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries WHERE member_id = $1`, [memberId]);
    return rows[0]!.n;
  }

  it('redemptions', async () => {
    await api.call('PUT', '/v1/members/idem-red', admin, { email: 'idem-red@example.test' });
    await api.call('POST', '/v1/events', ingest, { memberId: 'idem-red', type: 'purchase', amount: 5_000_000, orderId: 'o1', occurredAt: new Date(Date.now() - 20 * DAY).toISOString() });
    const first = await api.call('POST', '/v1/members/idem-red/redemptions', admin, { rewardId: 'free-shipping', idempotencyKey: 'r1' });
    expect(first.status).toBe(201);
    const before = await entries('idem-red');
    const replay = await api.call('POST', '/v1/members/idem-red/redemptions', admin, { rewardId: 'free-shipping', idempotencyKey: 'r1' });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: true, redemptionId: first.body.redemptionId });
    for (const changed of [{ rewardId: 'discount-50k' }, { rewardId: 'free-shipping', quantity: 2 }]) {
      const reused = await api.call('POST', '/v1/members/idem-red/redemptions', admin, { ...changed, idempotencyKey: 'r1' });
      expect(reused.status).toBe(409);
      expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(reused.body.code).toBe('idempotency_key_reused');
    }
    expect(await entries('idem-red')).toBe(before);
  });

  it('adjustments', async () => {
    await api.call('PUT', '/v1/members/idem-adj', admin, { email: 'idem-adj@example.test' });
    const first = await api.call('POST', '/v1/members/idem-adj/adjustments', admin, { points: 50, reason: 'goodwill' }, { 'idempotency-key': 'a1' });
    expect(first.status).toBe(201);
    const replay = await api.call('POST', '/v1/members/idem-adj/adjustments', admin, { points: 50, reason: 'goodwill' }, { 'idempotency-key': 'a1' });
    expect(replay).toMatchObject({ status: 200, body: { replayed: true, adjustmentId: first.body.adjustmentId } });
    for (const changed of [{ points: 60, reason: 'goodwill' }, { points: 50, reason: 'another reason' }, { points: 50, reason: 'goodwill', expiresAt: '2030-01-01T00:00:00Z' }]) {
      const reused = await api.call('POST', '/v1/members/idem-adj/adjustments', admin, changed, { 'idempotency-key': 'a1' });
      expect(reused.status).toBe(409);
      expect(reused.body.code).toBe('idempotency_key_reused');
    }
    expect(await entries('idem-adj')).toBe(1);
    const { rows } = await env.ctx.pool.query(`SELECT available FROM member_balances WHERE member_id = 'idem-adj'`);
    expect(rows[0]).toEqual({ available: 50 });
  });
});
