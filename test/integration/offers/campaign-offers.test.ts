import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignDefinitionSchema, launchCampaign, saveCampaign } from '../../../src/journeys/campaigns/index.js';
import { createCampaignActivities } from '../../../src/journeys/campaigns/activities.js';
import { startJourneysRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers, waitFor } from '../messaging/support/fixtures.js';

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
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
  });
  afterAll(async () => {
    for (const role of roles.reverse()) await role.stop();
    await api?.close();
    await env?.cleanup();
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
  });
});
