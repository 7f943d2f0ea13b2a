import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers } from '../messaging/support/fixtures.js';

// The seed's advice, as the reference program ships it (examples/reference.yaml, unmodified):
// gold and diamond members get few offers at once; bronze and silver are not capped.
describe('the reference program: gold and diamond hold few offers at once', () => {
  let env: TestEnv;
  let api: Api;
  let marketer: string;
  let program: ProgramDefinition;

  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
    await seedMembers(env.ctx.pool, [
      { id: 'bronze-1', tier: 'bronze' },
      { id: 'silver-1', tier: 'silver' },
      { id: 'gold-1', tier: 'gold' },
      { id: 'diamond-1', tier: 'diamond' },
    ]);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('caps as shipped: gold 3, diamond 2, none below; a used offer frees its place', async () => {
    const caps = Object.fromEntries(program.tiers.map((t) => [t.id, t.benefits.maxActiveOffers ?? null]));
    expect(caps).toEqual({ bronze: null, silver: null, gold: 3, diamond: 2 });
    const everyone = ['bronze-1', 'silver-1', 'gold-1', 'diamond-1'];
    const held = async () =>
      Object.fromEntries(
        (await env.ctx.pool.query<{ member_id: string; n: number }>(`SELECT member_id, count(*)::int AS n FROM offer_grants GROUP BY member_id`)).rows.map((r) => [r.member_id, r.n]),
      );
    for (let i = 0; i < 5; i++) {
      const put = await api.call('PUT', `/v1/offers/gift-${i}`, marketer, { kind: 'coupon', name: `Gift ${i}`, coupon: { discount: { type: 'percent', percent: 10 + i } } });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      const issued = await api.call('POST', `/v1/offers/gift-${i}/issue`, marketer, { memberIds: everyone });
      expect(issued.status).toBe(200);
      // The fourth offer passes gold's cap, the third diamond's: those grants are skipped and counted.
      expect((issued.body.skipped as { tierCap: number }).tierCap, `offer ${i}`).toBe((i >= 3 ? 1 : 0) + (i >= 2 ? 1 : 0));
    }
    expect(await held()).toEqual({ 'bronze-1': 5, 'silver-1': 5, 'gold-1': 3, 'diamond-1': 2 });

    // Using a coupon frees the place it held: the diamond member may take one more.
    const { rows } = await env.ctx.pool.query<{ code: string }>(
      `SELECT c.code FROM offer_codes c JOIN offer_grants g ON g.id = c.grant_id WHERE g.member_id = 'diamond-1' ORDER BY g.offer_id LIMIT 1`,
    );
    const ingest = await apiKey(env, 'ingest');
    expect((await api.call('POST', `/v1/coupons/${rows[0]!.code}/redeem`, ingest, { memberId: 'diamond-1', orderId: 'o-1', amount: 1_000_000 })).status).toBe(201);
    expect((await api.call('POST', '/v1/offers/gift-4/issue', marketer, { memberIds: ['diamond-1'] })).body).toMatchObject({ granted: 1, skipped: { tierCap: 0 } });
  });
});
