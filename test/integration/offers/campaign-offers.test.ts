import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignDefinitionSchema, campaignStats, launchCampaign, saveCampaign } from '../../../src/journeys/campaigns/index.js';
import { checkLedgerInvariant } from '../../../src/ledger/index.js';
import { createCampaignActivities } from '../../../src/journeys/campaigns/activities.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers, waitFor } from '../messaging/support/fixtures.js';

const iso = (ms: number) => new Date(ms).toISOString();
const HISTORIES = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));

/** RECORD_HISTORIES=1 writes the run's history for the replay test in campaigns.test.ts. */
async function record(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const History = temporal.api.history.v1.History;
  writeFileSync(`${HISTORIES}${name}.json`, JSON.stringify(History.toObject(History.fromObject(await handle.fetchHistory()), { longs: String, enums: String, bytes: String }), null, 1));
}

describe('a campaign gives an offer: A/B split, 10 % holdout, "2× points until Sunday"', () => {
  let env: TestEnv;
  let api: Api;
  let marketer: string;
  let ingest: string;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', FREQUENCY_CAPS: '{}' });
    await publishExample(env, 'reference');
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
    ingest = await apiKey(env, 'ingest');
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
  });
  afterAll(async () => {
    for (const role of roles.reverse()) await role.stop();
    await api?.close();
    await env?.cleanup();
  });

  async function purchase(memberId: string, orderId: string, at = Date.now()) {
    const res = await api.call('POST', '/v1/events', ingest, { memberId, type: 'purchase', amount: 2_000_000, orderId, occurredAt: iso(at) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { eventId: string; points: { total: number; base: number }; entries: { component: string; points?: number; amount: number }[] };
  }

  it('the bonus goes to exactly the audience holders, tagged with the campaign; after the window to no one; /stats shows uses and lift', async () => {
    const audience = Array.from({ length: 200 }, (_, i) => ({ id: `aud-${String(i).padStart(3, '0')}`, attributes: { cohort: 'double' }, consent: { inbox: { marketing: true } } }));
    const outsiders = Array.from({ length: 10 }, (_, i) => ({ id: `out-${i}`, attributes: { cohort: 'other' } }));
    await seedMembers(env.ctx.pool, [...audience, ...outsiders]);
    const definition = CampaignDefinitionSchema.parse({
      name: 'Double points weekend',
      segment: { attribute: { key: 'cohort', op: 'eq', value: 'double' } },
      channel: 'inbox',
      variants: [
        { key: 'a', percent: 50, template: { message: 'offer', vars: {} } },
        { key: 'b', percent: 50, template: { message: 'offer', vars: {} } },
      ],
      holdoutPercent: 10,
      goal: { eventType: 'purchase', withinDays: 7 },
      sendRatePerSecond: 1000,
    });
    await saveCampaign(env.ctx.pool, { id: 'double', definition, actor: 'test' });
    // Long enough for the campaign and the in-window purchases on a loaded machine; the purchases
    // after the window are dated after it (offers are decided by the event's time), so nothing waits.
    const until = Date.now() + 120_000;
    const put = await api.call('PUT', '/v1/offers/double-until-sunday', marketer, {
      kind: 'bonus_rule',
      name: '2× points until Sunday',
      description: 'Every purchase earns its points twice.',
      campaign: { id: 'double' },
      rule: { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100 } },
      validFrom: iso(Date.now() - 60_000),
      validUntil: iso(until),
    });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    await launchCampaign({ pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue }, 'double');
    await env.ctx.temporal.workflow.getHandle('campaign:double').result();

    const { rows: entered } = await env.ctx.pool.query<{ member_id: string; holdout: boolean; variant: string | null }>(
      `SELECT member_id, holdout, variant FROM campaign_members WHERE campaign_id = 'double' ORDER BY member_id`,
    );
    const holdout = entered.filter((r) => r.holdout).map((r) => r.member_id);
    const holders = entered.filter((r) => !r.holdout);
    expect(holdout.length).toBeGreaterThan(5);
    const { rows: grants } = await env.ctx.pool.query<{ member_id: string; variant: string; campaign_id: string }>(`SELECT member_id, variant, campaign_id FROM offer_grants WHERE offer_id = 'double-until-sunday'`);
    expect(grants.map((g) => g.member_id).sort()).toEqual(holders.map((h) => h.member_id).sort());
    expect(grants.every((g) => g.campaign_id === 'double')).toBe(true);
    // The inbox message links to the offer.
    const inbox = await api.call('GET', `/v1/members/${holders[0]!.member_id}/inbox`, marketer);
    await waitFor('the inbox message', async () => ((await api.call('GET', `/v1/members/${holders[0]!.member_id}/inbox`, marketer)).body.items as unknown[]).length > 0, 30_000, 100);
    expect(inbox.status).toBe(200);
    const items = (await api.call('GET', `/v1/members/${holders[0]!.member_id}/inbox`, marketer)).body.items as { title: string; offerId: string }[];
    expect(items[0]).toMatchObject({ title: '2× points until Sunday', offerId: 'double-until-sunday' });

    // Purchases inside the window: 60 % of the holders, a third of the holdout, every outsider.
    const buyers = holders.filter((_, i) => i % 5 < 3);
    const holdoutBuyers = holdout.filter((_, i) => i % 3 === 0);
    for (const m of buyers) {
      const r = await purchase(m.member_id, `in-${m.member_id}`);
      expect(r.points.total, m.member_id).toBe(400);
      const bonus = r.entries.filter((e) => e.component === 'offer');
      expect(bonus.map((e) => e.amount)).toEqual([200]);
    }
    for (const m of [...holdoutBuyers, ...outsiders.map((o) => o.id)]) {
      const r = await purchase(m, `in-${m}`);
      expect(r.points.total, m).toBe(200);
    }
    const { rows: tagged } = await env.ctx.pool.query<{ member_id: string; amount: number; campaign_id: string; rule_id: string }>(
      `SELECT member_id, amount, campaign_id, rule_id FROM ledger_entries WHERE offer_id = 'double-until-sunday'`,
    );
    expect(tagged.map((t) => t.member_id).sort()).toEqual(buyers.map((b) => b.member_id).sort());
    expect(tagged.every((t) => t.campaign_id === 'double' && t.amount === 200 && t.rule_id === 'offer:double-until-sunday')).toBe(true);

    const stats = await campaignStats(env.ctx.pool, 'double');
    const a = stats.variants.find((v) => v.variant === 'a')!;
    const b = stats.variants.find((v) => v.variant === 'b')!;
    expect(a.offer.grants + b.offer.grants).toBe(holders.length);
    expect(a.offer.uses + b.offer.uses).toBe(buyers.length);
    expect(a.offer.points + b.offer.points).toBe(200 * buyers.length);
    expect(a.offer.revenue + b.offer.revenue).toBe(2_000_000 * buyers.length);
    expect(stats.holdout).toMatchObject({ audience: holdout.length, converted: holdoutBuyers.length, revenue: 2_000_000 * holdoutBuyers.length });
    expect(a.converted + b.converted).toBe(buyers.length);
    const holdoutRate = holdoutBuyers.length / holdout.length;
    expect(a.liftPoints).toBeCloseTo((a.converted / a.audience - holdoutRate) * 100, 1);
    expect(a.incrementalConversions).toBeCloseTo(a.converted - holdoutRate * a.audience, 1);
    expect(a.incrementalRevenue).toBe(Math.round((a.revenue / a.audience - stats.holdout.revenue / stats.holdout.audience) * a.audience));
    expect(stats.offers).toEqual([expect.objectContaining({ offerId: 'double-until-sunday', grants: holders.length, uses: buyers.length })]);
    const http = await api.call('GET', '/v1/campaigns/double/stats', marketer);
    expect(http.body).toMatchObject({ offers: [{ offerId: 'double-until-sunday' }] });

    // After the window no one gets it, holders included.
    for (const m of [...holders.slice(0, 5).map((h) => h.member_id), holdout[0]!, 'out-0']) {
      expect((await purchase(m, `after-${m}`, until + 1_000)).points.total, m).toBe(200);
    }
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE offer_id IS NOT NULL`)).rows[0]).toEqual({ n: buyers.length });
    expect(await checkLedgerInvariant(env.ctx.pool)).toEqual([]);
  });

  it('a cancelled campaign revokes the offers it granted: coupons answer 410 coupon_revoked', async () => {
    await seedMembers(env.ctx.pool, Array.from({ length: 60 }, (_, i) => ({ id: `cx-${String(i).padStart(2, '0')}`, attributes: { cohort: 'cancel' } })));
    const definition = CampaignDefinitionSchema.parse({
      name: 'Cancelled',
      segment: { attribute: { key: 'cohort', op: 'eq', value: 'cancel' } },
      channel: 'inbox',
      variants: [{ key: 'a', percent: 100, template: { message: 'offer', vars: {} } }],
      sendRatePerSecond: 5,
    });
    await saveCampaign(env.ctx.pool, { id: 'cancel-offers', definition, actor: 'test' });
    await api.call('PUT', '/v1/offers/cancel-coupon', marketer, { kind: 'coupon', name: 'Soon gone', campaign: { id: 'cancel-offers' }, coupon: { discount: { type: 'free_shipping' } } });
    await launchCampaign({ pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue }, 'cancel-offers');
    await waitFor('a first page', async () => (await env.ctx.pool.query(`SELECT 1 FROM offer_grants WHERE offer_id = 'cancel-coupon' LIMIT 1`)).rowCount! > 0, 30_000, 50);
    const handle = env.ctx.temporal.workflow.getHandle('campaign:cancel-offers');
    await api.call('POST', '/v1/campaigns/cancel-offers/cancel', marketer);
    expect(await handle.result()).toMatchObject({ outcome: 'cancelled' });
    const { rows } = await env.ctx.pool.query<{ member_id: string; code: string; revoked: boolean }>(
      `SELECT g.member_id, c.code, g.revoked_at IS NOT NULL AS revoked FROM offer_grants g JOIN offer_codes c ON c.grant_id = g.id WHERE g.offer_id = 'cancel-coupon'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    expect(rows.every((r) => r.revoked)).toBe(true);
    const res = await api.call('POST', `/v1/coupons/${rows[0]!.code}/redeem`, ingest, { memberId: rows[0]!.member_id, orderId: 'late' });
    expect(res).toMatchObject({ status: 410, body: { code: 'coupon_revoked' } });
    expect(((await api.call('GET', `/v1/members/${rows[0]!.member_id}/offers?status=all`, marketer)).body.items as { status: string }[])[0]).toMatchObject({ status: 'revoked' });
    await record(handle, 'campaign-cancelled-revoking');
  });

  it('a personal coupon step retried grants once and finds the same codes', async () => {
    await seedMembers(env.ctx.pool, Array.from({ length: 30 }, (_, i) => ({ id: `cp-${String(i).padStart(2, '0')}`, attributes: { cohort: 'coupon' } })));
    const definition = CampaignDefinitionSchema.parse({
      name: 'Coupon',
      segment: { attribute: { key: 'cohort', op: 'eq', value: 'coupon' } },
      channel: 'inbox',
      variants: [{ key: 'a', percent: 100, template: { message: 'offer', vars: {} } }],
      holdoutPercent: 10,
    });
    await saveCampaign(env.ctx.pool, { id: 'coupon-step', definition, actor: 'test' });
    expect((await api.call('PUT', '/v1/offers/step-coupon', marketer, { kind: 'coupon', name: 'Step coupon', campaign: { id: 'coupon-step' }, coupon: { discount: { type: 'amount', amount: 100_000 } } })).status).toBe(201);
    await env.ctx.pool.query(`UPDATE campaigns SET status = 'running', segment = definition -> 'segment', audience_at = now() WHERE id = 'coupon-step'`);
    const activities = createCampaignActivities({ pool: env.ctx.pool, deliveryQueue: env.ctx.deliveryQueue });
    const page = { campaignId: 'coupon-step', stepIndex: 0, after: null, limit: 100, asOfMs: Date.now() };
    const first = await activities.sendCampaignPage(page);
    const codes = async () => (await env.ctx.pool.query(`SELECT g.member_id, c.code FROM offer_grants g JOIN offer_codes c ON c.grant_id = g.id WHERE g.offer_id = 'step-coupon' ORDER BY 1`)).rows;
    const before = await codes();
    const retried = await activities.sendCampaignPage(page);
    expect(first.granted).toBe(first.queued);
    expect(retried).toMatchObject({ granted: 0, queued: first.queued });
    expect(await codes()).toEqual(before);
    expect(before).toHaveLength(first.queued);
    const { rows: vars } = await env.ctx.pool.query<{ member_id: string; code: string }>(`SELECT member_id, vars ->> 'offerCode' AS code FROM messages WHERE campaign_id = 'coupon-step' ORDER BY 1`);
    expect(vars).toEqual(before);
    // A use of the coupon at checkout is a conversion of the campaign (it has no goal event).
    const [user] = before as { member_id: string; code: string }[];
    const used = await api.call('POST', `/v1/coupons/${user!.code}/redeem`, ingest, { memberId: user!.member_id, orderId: 'cp-order-1', amount: 1_500_000 });
    expect(used.status, JSON.stringify(used.body)).toBe(201);
    const stats = await campaignStats(env.ctx.pool, 'coupon-step');
    expect(stats.variants.find((v) => v.variant === 'a')).toMatchObject({ converted: 1, offer: { grants: before.length, holdersUsed: 1, uses: 1, revenue: 1_500_000 } });
    expect(stats.holdout.converted).toBe(0);
  });
});
