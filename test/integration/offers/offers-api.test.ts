import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints, checkLedgerInvariant } from '../../../src/ledger/index.js';
import { saveCampaign, CampaignDefinitionSchema } from '../../../src/journeys/campaigns/index.js';
import { Api, apiKey, publishVariant } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers } from '../messaging/support/fixtures.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const WINBACK = { message: 'winback_offer', vars: { bonusPoints: 500, spendThreshold: { amountMinor: '2000000', currency: 'IRT' }, offerEndsAt: '2026-12-04T20:29:59Z' } };

describe('offers API: definitions, issuing, personal coupons, reward discounts, what members see', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let marketer: string;
  let ingest: string;

  beforeAll(async () => {
    env = await createTestEnv();
    // The reference program, with the seed's advice as caps: gold and diamond hold few offers.
    await publishVariant(env, (p) => {
      p.tiers.find((t) => t.id === 'diamond')!.benefits.maxActiveOffers = 1;
      return p;
    });
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    marketer = await apiKey(env, 'marketer');
    ingest = await apiKey(env, 'ingest');
    await seedMembers(env.ctx.pool, [
      { id: 'ana', tier: 'bronze', attributes: { city: 'tehran' } },
      { id: 'bob', tier: 'silver', attributes: { city: 'tehran' } },
      { id: 'cyd', tier: 'gold', attributes: { city: 'shiraz' } },
      { id: 'dia', tier: 'diamond', attributes: { city: 'tehran' } },
    ]);
    await saveCampaign(env.ctx.pool, {
      id: 'spring',
      definition: CampaignDefinitionSchema.parse({
        name: 'Spring',
        segment: { attribute: { key: 'city', op: 'eq', value: 'tehran' } },
        variants: [
          { key: 'a', percent: 50, template: WINBACK },
          { key: 'b', percent: 50, template: WINBACK },
        ],
        holdoutPercent: 10,
      }),
      actor: 'test',
    });
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  async function counts() {
    const { rows } = await env.ctx.pool.query(
      `SELECT (SELECT count(*) FROM offers)::int AS offers, (SELECT count(*) FROM offer_grants)::int AS grants, (SELECT count(*) FROM offer_codes)::int AS codes,
              (SELECT count(*) FROM offer_uses)::int AS uses, (SELECT count(*) FROM audit_log)::int AS audit`,
    );
    return rows[0];
  }

  it('bad input is a problem+json with a stable code, and nothing is written', async () => {
    const now = Date.now();
    await api.call('PUT', '/v1/offers/double-a', marketer, {
      kind: 'bonus_rule',
      name: '2× points (a)',
      campaign: { id: 'spring', variants: ['a'] },
      rule: { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100 } },
      validFrom: iso(now),
      validUntil: iso(now + 7 * DAY),
    });
    const before = await counts();
    const bonus = { kind: 'bonus_rule', name: 'x', rule: { trigger: 'purchase', effect: { type: 'fixed', points: 10 } } };
    const cases: [string, unknown, number, string][] = [
      ['a window that ends before it starts', { ...bonus, validFrom: iso(now + DAY), validUntil: iso(now) }, 422, 'invalid_offer'], // each instant is well formed; their order breaks the rule
      ['an unknown campaign', { ...bonus, campaign: { id: 'nope' } }, 404, 'unknown_campaign'],
      ['a wait step', { ...bonus, campaign: { id: 'spring', step: 3 } }, 422, 'invalid_offer'],
      ['an unknown variant', { ...bonus, campaign: { id: 'spring', variants: ['z'] } }, 422, 'invalid_offer'],
      [
        'overlapping windows on one trigger for the same variant',
        { ...bonus, campaign: { id: 'spring', variants: ['a'] }, validFrom: iso(now + 3 * DAY), validUntil: iso(now + 10 * DAY) },
        409,
        'offer_window_overlap',
      ],
      ['a bonus without a rule', { kind: 'bonus_rule', name: 'x' }, 400, 'invalid_offer'],
      ['a negative budget', { ...bonus, budgetPoints: -5 }, 400, 'invalid_offer'],
      ['a bonus beyond the budget', { ...bonus, budgetPoints: 5 }, 422, 'bonus_beyond_budget'],
      ['a per-member cap beyond the budget', { ...bonus, rule: { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100 } }, budgetPoints: 500, maxPointsPerMember: 800 }, 422, 'bonus_beyond_budget'],
      ['an unknown tier', { ...bonus, tiers: ['platinum'] }, 422, 'unknown_tier'], // well formed; the program decides
      ['a multiplier of an unknown rule', { ...bonus, rule: { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100, rules: ['nope'] } } }, 422, 'invalid_offer'],
      ['a discount of an unknown reward', { kind: 'reward_discount', name: 'x', discount: { rewardId: 'nope', costPoints: 1 } }, 404, 'unknown_reward'],
      ['a discount that is not one', { kind: 'reward_discount', name: 'x', discount: { rewardId: 'free-shipping', costPoints: 40 } }, 422, 'invalid_offer'],
      ['a coupon with a bad prefix', { kind: 'coupon', name: 'x', coupon: { discount: { type: 'free_shipping' }, codes: { source: 'generated', prefix: 'bad prefix' } } }, 400, 'invalid_offer'],
    ];
    for (const [name, body, status, code] of cases) {
      const res = await api.call('PUT', '/v1/offers/bad-offer', marketer, body);
      expect([name, res.status, res.body.code]).toEqual([name, status, code]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await api.call('PUT', '/v1/offers/Bad_Id', marketer, bonus)).body.code).toBe('invalid_offer_id');
    expect((await api.call('PUT', '/v1/offers/x', ingest, bonus)).status).toBe(403);
    // Another variant may have its own bonus on the same trigger at the same time: an A/B test of offers.
    expect(await counts()).toEqual(before);
    const b = await api.call('PUT', '/v1/offers/plus500-b', marketer, {
      ...bonus,
      name: '+500 (b)',
      campaign: { id: 'spring', variants: ['b'] },
      validFrom: iso(now),
      validUntil: iso(now + 7 * DAY),
    });
    expect(b.status).toBe(201);
  });

  it('personal coupons: generated once per member, issued idempotently, redeemed once per use; 409 used, 410 expired, 404, 403', async () => {
    const put = await api.call('PUT', '/v1/offers/welcome-10', marketer, {
      kind: 'coupon',
      name: '10 % off your next order',
      description: 'One order, up to 200,000 toman off.',
      coupon: { discount: { type: 'percent', percent: 10, maxAmount: 200_000 }, codes: { source: 'generated', prefix: 'WLC-', length: 10 }, minOrderAmount: 500_000 },
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: 'welcome-10', kind: 'coupon', usesPerMember: 1, counts: { grants: 0 } });
    expect(put.body).not.toHaveProperty('codeSalt');

    const issued = await api.call('POST', '/v1/offers/welcome-10/issue', marketer, { memberIds: ['ana', 'bob'] });
    expect(issued.body).toMatchObject({ granted: 2, alreadyHeld: 0 });
    const codes = Object.fromEntries((issued.body.grants as { memberId: string; code: string }[]).map((g) => [g.memberId, g.code]));
    expect(codes.ana).toMatch(/^WLC-[0-9A-Z]{10}$/);
    const again = await api.call('POST', '/v1/offers/welcome-10/issue', marketer, { memberIds: ['ana', 'bob'] });
    expect(again.body).toMatchObject({ granted: 0, alreadyHeld: 2, grants: [{ memberId: 'ana', code: codes.ana }, { memberId: 'bob', code: codes.bob }] });
    const unknown = await api.call('POST', '/v1/offers/welcome-10/issue', marketer, { memberIds: ['ana', 'ghost'] });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'unknown_member' } });

    const redeem = (code: string, body: Record<string, unknown>) => api.call('POST', `/v1/coupons/${code}/redeem`, ingest, body);
    expect((await redeem(codes.ana!, { memberId: 'ana', orderId: 'o-1', amount: 100_000 })).body.code).toBe('order_below_minimum');
    const used = await redeem(codes.ana!, { memberId: 'ana', orderId: 'o-1', amount: 3_000_000 });
    expect(used.status).toBe(201);
    expect(used.body).toMatchObject({ offerId: 'welcome-10', discount: { type: 'percent', discountAmount: 200_000 }, usesLeft: 0, replayed: false });
    const replay = await redeem(codes.ana!, { memberId: 'ana', orderId: 'o-1', amount: 3_000_000 });
    expect(replay).toMatchObject({ status: 200, body: { replayed: true, usesLeft: 0 } });
    expect((await redeem(codes.ana!, { memberId: 'ana', orderId: 'o-1', amount: 2_000_000 })).body.code).toBe('idempotency_key_reused');
    const second = await redeem(codes.ana!, { memberId: 'ana', orderId: 'o-2', amount: 3_000_000 });
    expect(second).toMatchObject({ status: 409, body: { code: 'coupon_used' } });
    expect((await redeem('WLC-NOSUCHCODE', { memberId: 'ana', orderId: 'o-3' })).status).toBe(404);
    const theirs = await redeem(codes.bob!, { memberId: 'ana', orderId: 'o-4', amount: 3_000_000 });
    expect(theirs).toMatchObject({ status: 403, body: { code: 'coupon_not_owned' } });
    expect((await api.call('POST', `/v1/coupons/${codes.bob}/redeem`, marketer, { memberId: 'bob', orderId: 'o-5' })).status).toBe(403);

    // An expired coupon (validity days): 410.
    await api.call('PUT', '/v1/offers/flash', marketer, { kind: 'coupon', name: 'Flash', coupon: { discount: { type: 'amount', amount: 50_000 }, validDays: 1 } });
    const flash = await api.call('POST', '/v1/offers/flash/issue', marketer, { memberIds: ['bob'] });
    const flashCode = (flash.body.grants as { code: string }[])[0]!.code;
    await env.ctx.pool.query(`UPDATE offer_grants SET expires_at = now() - interval '1 second' WHERE offer_id = 'flash'`);
    const expired = await redeem(flashCode, { memberId: 'bob', orderId: 'o-6', amount: 1_000_000 });
    expect(expired).toMatchObject({ status: 410, body: { code: 'coupon_expired' } });
    expect((await api.call('GET', '/v1/offers/welcome-10', marketer)).body).toMatchObject({ counts: { grants: 2, holdersUsed: 1, uses: 1, revenue: 3_000_000 } });
  });

  it('imported pools: CSV or JSON; a malformed pool writes nothing; a grant takes the next free code; no code, no grant', async () => {
    await api.call('PUT', '/v1/offers/partner-pool', marketer, { kind: 'coupon', name: 'Partner voucher', coupon: { discount: { type: 'free_item', item: 'coffee' }, codes: { source: 'pool' } } });
    const before = await counts();
    for (const bad of ['P-1\nP 2\n', 'P-1\nP-1\n']) {
      const res = await api.call('POST', '/v1/offers/partner-pool/codes', marketer, bad, { 'content-type': 'text/csv' });
      expect(res).toMatchObject({ status: 422, body: { code: 'invalid_code_pool' } });
    }
    expect((await api.call('POST', '/v1/offers/welcome-10/codes', marketer, { codes: ['ABC-1'] })).body.code).toBe('offer_has_no_pool');
    expect(await counts()).toEqual(before);
    expect((await api.call('POST', '/v1/offers/partner-pool/codes', marketer, 'code\nPTR-001\nPTR-002\n', { 'content-type': 'text/csv' })).body).toMatchObject({ added: 2, free: 2 });
    const issued = await api.call('POST', '/v1/offers/partner-pool/issue', marketer, { memberIds: ['ana', 'bob', 'cyd'] });
    expect(issued.body).toMatchObject({ granted: 2, skipped: { noCode: 1 }, grants: [{ memberId: 'ana', code: 'PTR-001' }, { memberId: 'bob', code: 'PTR-002' }] });
    await api.call('POST', '/v1/offers/partner-pool/codes', marketer, { codes: ['PTR-003'] });
    expect((await api.call('POST', '/v1/offers/partner-pool/issue', marketer, { memberIds: ['cyd'] })).body).toMatchObject({ granted: 1, grants: [{ code: 'PTR-003' }] });
    const taken = await api.call('POST', '/v1/offers/partner-pool/codes', marketer, { codes: ['PTR-004', (await env.ctx.pool.query(`SELECT code FROM offer_codes WHERE offer_id = 'welcome-10' LIMIT 1`)).rows[0].code] });
    expect(taken).toMatchObject({ status: 409, body: { code: 'code_in_use' } });
  });

  it('issuing to a segment respects tiers, the tier cap and the campaign holdout', async () => {
    await api.call('PUT', '/v1/offers/tehran-bonus', marketer, { kind: 'bonus_rule', name: 'Tehran bonus', tiers: ['bronze', 'silver', 'diamond'], rule: { trigger: 'review', effect: { type: 'fixed', points: 5 } } });
    // dia (diamond) may hold one offer at once, and holds none yet.
    await api.call('PUT', '/v1/offers/dia-first', marketer, { kind: 'bonus_rule', name: 'First', rule: { trigger: 'referral', effect: { type: 'fixed', points: 5 } } });
    expect((await api.call('POST', '/v1/offers/dia-first/issue', marketer, { memberIds: ['dia'] })).body).toMatchObject({ granted: 1 });
    const res = await api.call('POST', '/v1/offers/tehran-bonus/issue', marketer, { segment: { attribute: { key: 'city', op: 'eq', value: 'tehran' } } });
    expect(res.body).toMatchObject({ granted: 2, skipped: { tierCap: 1 } });
    const holders = await env.ctx.pool.query(`SELECT member_id FROM offer_grants WHERE offer_id = 'tehran-bonus' ORDER BY member_id`);
    expect(holders.rows.map((r) => r.member_id)).toEqual(['ana', 'bob']);
    // A holdout member of the offer's campaign never holds it, however it is issued.
    await env.ctx.pool.query(`INSERT INTO campaign_members (campaign_id, member_id, bucket, holdout, variant) VALUES ('spring', 'cyd', 1, true, NULL)`);
    await api.call('PUT', '/v1/offers/spring-extra', marketer, { kind: 'coupon', name: 'Extra', campaign: { id: 'spring', step: 0 }, coupon: { discount: { type: 'free_shipping' } } });
    expect((await api.call('POST', '/v1/offers/spring-extra/issue', marketer, { memberIds: ['cyd', 'ana'] })).body).toMatchObject({ granted: 1, skipped: { holdout: 1 } });
    expect((await api.call('POST', '/v1/offers/tehran-bonus/issue', marketer, { memberIds: ['ana'], segmentId: 'x' })).body.code).toBe('invalid_issue');
  });

  it('reward discounts: holders redeem at the offer price, the entry carries the offer; a cancelled redemption gives the use back', async () => {
    await api.call('PUT', '/v1/offers/cheap-box', marketer, { kind: 'reward_discount', name: 'Gift box for 400', discount: { rewardId: 'gift-box', costPoints: 400 }, usesPerMember: 1 });
    await api.call('POST', '/v1/offers/cheap-box/issue', marketer, { memberIds: ['ana'] });
    await adjustPoints(env.ctx.pool, { memberId: 'ana', points: 2000, reason: 'seed', idempotencyKey: 'seed', actor: 'test' });
    await adjustPoints(env.ctx.pool, { memberId: 'bob', points: 2000, reason: 'seed', idempotencyKey: 'seed', actor: 'test' });
    const two = await api.call('POST', '/v1/members/ana/redemptions', admin, { rewardId: 'gift-box', quantity: 2, idempotencyKey: 'box' });
    expect(two.body).toMatchObject({ listPoints: 1200, points: 1000, offerId: 'cheap-box', balance: { available: 1000 } });
    const bob = await api.call('POST', '/v1/members/bob/redemptions', admin, { rewardId: 'gift-box', idempotencyKey: 'box' });
    expect(bob.body).toMatchObject({ points: 600, offerId: null });
    const entry = await env.ctx.pool.query(`SELECT offer_id, amount FROM ledger_entries WHERE idempotency_key = $1`, [two.body.redemptionId]);
    expect(entry.rows).toEqual([{ offer_id: 'cheap-box', amount: -1000 }]);
    const token = (await api.call('POST', '/v1/members/ana/tokens', admin)).body.token as string;
    expect((await api.call('GET', '/v1/members/ana/offers', token)).body.items).not.toContainEqual(expect.objectContaining({ offerId: 'cheap-box' }));
    await api.call('POST', `/v1/redemptions/${encodeURIComponent(two.body.redemptionId as string)}/cancel`, admin, { reason: 'test' });
    const held = (await api.call('GET', '/v1/members/ana/offers', token)).body.items as Record<string, unknown>[];
    expect(held).toContainEqual(expect.objectContaining({ offerId: 'cheap-box', status: 'active', usesLeft: 1, gives: { type: 'reward_discount', rewardId: 'gift-box', rewardName: 'Seasonal gift box', listPoints: 600, costPoints: 400 } }));
    expect(await checkLedgerInvariant(env.ctx.pool, ['ana', 'bob'])).toEqual([]);
  });

  it('GET /v1/members/:id/offers: what each gives, until when, how much is left; member token reads its own only', async () => {
    const token = (await api.call('POST', '/v1/members/bob/tokens', admin)).body.token as string;
    const mine = await api.call('GET', '/v1/members/bob/offers', token);
    expect(mine.status).toBe(200);
    const items = mine.body.items as Record<string, unknown>[];
    expect(items.map((i) => i.offerId).sort()).toEqual(['partner-pool', 'tehran-bonus', 'welcome-10']);
    expect(items.find((i) => i.offerId === 'welcome-10')).toMatchObject({
      kind: 'coupon',
      name: '10 % off your next order',
      description: 'One order, up to 200,000 toman off.',
      status: 'active',
      usesLeft: 1,
      gives: { type: 'coupon', code: expect.stringMatching(/^WLC-/), discount: { type: 'percent', percent: 10 }, minOrderAmount: 500_000 },
    });
    expect(items.find((i) => i.offerId === 'tehran-bonus')).toMatchObject({ gives: { type: 'bonus_points', trigger: 'review', effect: { type: 'fixed', points: 5 } }, usesLeft: null });
    const all = await api.call('GET', '/v1/members/bob/offers?status=all', token);
    expect((all.body.items as Record<string, unknown>[]).find((i) => i.offerId === 'flash')).toMatchObject({ status: 'expired' });
    expect((await api.call('GET', '/v1/members/ana/offers', token)).status).toBe(403);

    // Archived: the coupon stops working and leaves the member's active list.
    expect((await api.call('POST', '/v1/offers/welcome-10/archive', marketer)).body).toMatchObject({ status: 'archived' });
    const code = (items.find((i) => i.offerId === 'welcome-10')!.gives as { code: string }).code;
    expect((await api.call('POST', `/v1/coupons/${code}/redeem`, ingest, { memberId: 'bob', orderId: 'z', amount: 900_000 })).body.code).toBe('coupon_revoked');
    expect(((await api.call('GET', '/v1/members/bob/offers', token)).body.items as { offerId: string }[]).map((i) => i.offerId)).not.toContain('welcome-10');
    expect((await api.call('POST', '/v1/offers/welcome-10/issue', marketer, { memberIds: ['cyd'] })).body.code).toBe('offer_archived');
    const list = await api.call('GET', '/v1/offers?status=all', marketer);
    expect((list.body.items as { id: string }[]).length).toBeGreaterThan(5);
  });
});
