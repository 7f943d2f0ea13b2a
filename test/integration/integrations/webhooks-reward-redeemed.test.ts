import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints } from '../../../src/ledger/index.js';
import { redeemReward } from '../../../src/rewards/index.js';
import { startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers } from '../messaging/support/fixtures.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('reward.redeemed webhooks: one delivery per catalog redemption, with its ids, never a coupon code', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let worker: Role | undefined;
  const receiver = new WebhookReceiver();
  let receiverUrl: string;

  beforeAll(async () => {
    env = await createTestEnv({ WEBHOOK_BACKOFF_MS: '40', WEBHOOK_ORDER_WINDOW_MS: '300', NOTIFY_CHANNELS: 'inbox', QUIET_HOURS: 'off' });
    await publishExample(env, 'reference');
    receiverUrl = await receiver.start();
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await receiver.stop();
    await env?.cleanup();
  });

  it('a reward.redeemed subscriber gets each redemption once; a points.redeemed-only subscriber does not get it', async () => {
    const rewards = await api.call('PUT', '/v1/webhooks/rewards', admin, { url: `${receiverUrl}/rewards`, eventTypes: ['reward.redeemed'] });
    expect(rewards.status).toBe(201);
    expect((await api.call('PUT', '/v1/webhooks/points', admin, { url: `${receiverUrl}/points`, eventTypes: ['points.redeemed'] })).status).toBe(201);
    const types = await api.call('GET', '/v1/webhooks/event-types', admin);
    expect((types.body.eventTypes as { type: string }[]).map((t) => t.type)).toContain('reward.redeemed');

    expect((await api.call('PUT', '/v1/rewards/cinema', admin, { name: 'Cinema ticket', kind: 'coupon_code', costPoints: 50 })).status).toBeLessThan(300);
    expect((await api.call('POST', '/v1/rewards/cinema/codes', admin, { codes: ['CIN-SECRET-1', 'CIN-SECRET-2'] })).status).toBeLessThan(300);
    expect((await api.call('PUT', '/v1/rewards/tote', admin, { name: 'Tote bag', kind: 'material', costPoints: 100, stock: 5 })).status).toBeLessThan(300);
    await seedMembers(env.ctx.pool, [{ id: 'rr1', email: 'rr1@example.test', tier: 'bronze' }]);
    await adjustPoints(env.ctx.pool, { memberId: 'rr1', points: 1_000, reason: 'seed', idempotencyKey: 'seed-rr1', actor: 'test' });

    const cinema = await redeemReward(env.ctx.pool, { memberId: 'rr1', rewardId: 'cinema', quantity: 2, idempotencyKey: 'r-1', actor: 'test' });
    const tote = await redeemReward(env.ctx.pool, { memberId: 'rr1', rewardId: 'tote', quantity: 1, idempotencyKey: 'r-2', actor: 'test' });
    // A repeated request is the same redemption: no second fact.
    await redeemReward(env.ctx.pool, { memberId: 'rr1', rewardId: 'tote', quantity: 1, idempotencyKey: 'r-2', actor: 'test' });
    expect(cinema.codes).toEqual(['CIN-SECRET-1', 'CIN-SECRET-2']);

    worker = await startWorkerRole(env.ctx);
    const done = async () =>
      (await env.ctx.pool.query<{ subscription_id: string; type: string; status: string }>(
        `SELECT d.subscription_id, e.type, d.status FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq ORDER BY d.id`,
      )).rows;
    await until('four deliveries succeeded', done, (rows) => rows.length === 4 && rows.every((r) => r.status === 'succeeded'), 60_000);

    const got = receiver.received.filter((r) => r.answered === 200 || r.answered === null);
    const toRewards = got.filter((r) => r.path === '/rewards');
    expect(toRewards.map((r) => r.type)).toEqual(['reward.redeemed', 'reward.redeemed']);
    expect(toRewards.map((r) => r.webhookId)).toEqual([`reward.redeemed.${cinema.redemptionId}`, `reward.redeemed.${tote.redemptionId}`]);
    expect(toRewards.map((r) => r.body.data)).toEqual([
      { memberId: 'rr1', rewardId: 'cinema', redemptionId: cinema.redemptionId, points: 100, quantity: 2, status: 'completed' },
      { memberId: 'rr1', rewardId: 'tote', redemptionId: tote.redemptionId, points: 100, quantity: 1, status: 'requested' },
    ]);
    const toPoints = got.filter((r) => r.path === '/points');
    expect(toPoints.map((r) => r.type)).toEqual(['points.redeemed', 'points.redeemed']);
    expect(JSON.stringify(receiver.received.map((r) => r.body))).not.toContain('CIN-SECRET');
  });
});
