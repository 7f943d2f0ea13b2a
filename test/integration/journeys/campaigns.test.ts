import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/api/server.js';
import { createApiKey } from '../../../src/auth/index.js';
import type { campaignStats} from '../../../src/journeys/campaigns/index.js';
import { getCampaign, launchCampaign, saveCampaign, CampaignDefinitionSchema, type CampaignDefinitionInput } from '../../../src/journeys/campaigns/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { listMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers, waitFor } from '../messaging/support/fixtures.js';

const HISTORIES = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
const TIERS = ['bronze', 'silver', 'gold', 'diamond'];
const WINBACK = { message: 'winback_offer', vars: { bonusPoints: 500, spendThreshold: { amountMinor: '2000000', currency: 'IRT' }, offerEndsAt: '2026-12-04T20:29:59Z', previousTier: 'gold' } };
const PROGRESS = { message: 'mission_progress', vars: { missionName: 'Come back', progress: 0, target: 1, remaining: 1, reward: 20, endsAt: '2026-12-30T20:29:59Z' } };

/** Per recipient address, how many mails MailDev holds for the domain. */
async function mailCounts(env: TestEnv, domain: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const mail of await listMail(env.stack.mailboxUrl)) {
    for (const to of mail.to) {
      const address = to.address.toLowerCase();
      if (address.endsWith(`@${domain}`)) counts.set(address, (counts.get(address) ?? 0) + 1);
    }
  }
  return counts;
}

async function seedCohort(env: TestEnv, tag: string, count: number, options: { noConsentEvery?: number } = {}): Promise<{ domain: string; ids: string[] }> {
  const domain = `${env.id}-${tag}.test`;
  const members = Array.from({ length: count }, (_, i) => ({
    id: `${tag}-${String(i).padStart(5, '0')}`,
    email: `${tag}-${i}@${domain}`,
    locale: i % 3 === 0 ? 'fa' : 'en',
    timeZone: 'UTC',
    tier: TIERS[i % 4]!,
    attributes: { cohort: tag },
    consent: options.noConsentEvery && i % options.noConsentEvery === 0 ? {} : { email: { marketing: true } },
  }));
  await seedMembers(env.ctx.pool, members);
  return { domain, ids: members.map((m) => m.id) };
}

function cohortDefinition(tag: string, overrides: Partial<CampaignDefinitionInput> = {}): CampaignDefinitionInput {
  return {
    name: `Campaign ${tag}`,
    segment: { attribute: { key: 'cohort', op: 'eq', value: tag } },
    variants: [
      { key: 'a', percent: 50, template: WINBACK },
      { key: 'b', percent: 50, template: PROGRESS },
    ],
    holdoutPercent: 20,
    sendRatePerSecond: 1000,
    ...overrides,
  };
}

async function allFinal(env: TestEnv, campaignId: string): Promise<boolean> {
  const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND status NOT IN ('sent', 'suppressed', 'capped', 'dead')`, [campaignId]);
  return rows[0]!.n === 0;
}

async function record(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  // protobufjs' own JSON form (historyToJSON trips over the two protobufjs copies installed).
  const History = temporal.api.history.v1.History;
  writeFileSync(`${HISTORIES}${name}.json`, JSON.stringify(History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }), null, 1));
}

describe('campaigns on Temporal, Postgres, Redis and SMTP', () => {
  let env: TestEnv;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', FREQUENCY_CAPS: '{"diamond":{"week":1}}' });
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
  });

  afterAll(async () => {
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  const deps = () => ({ pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue });

  it('API launch: A/B split by bucket, the holdout gets nothing, each member one message, stats per variant with lift', async () => {
    const app = await buildServer(env.ctx);
    try {
      const { key } = await createApiKey(env.ctx.pool, { role: 'marketer', name: 'campaigns test' });
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const bare = { authorization: `Bearer ${key}` };
      const { domain, ids } = await seedCohort(env, 'ab', 400, { noConsentEvery: 10 });
      const definition = cohortDefinition('ab', { goal: { eventType: 'purchase', withinDays: 7 } });
      const put = await app.inject({ method: 'PUT', url: '/v1/campaigns/spring-ab', headers, payload: definition });
      expect(put.statusCode).toBe(201);
      const bad = await app.inject({ method: 'PUT', url: '/v1/campaigns/bad', headers, payload: { ...definition, variants: [{ key: 'a', percent: 60, template: WINBACK }] } });
      expect(bad.json()).toMatchObject({ code: 'invalid_campaign', detail: expect.stringContaining('body.variants') });
      const badVars = await app.inject({ method: 'PUT', url: '/v1/campaigns/bad-vars', headers, payload: { ...definition, variants: [{ key: 'a', percent: 100, template: { message: 'winback_offer', vars: {} } }] } });
      expect(badVars.statusCode).toBe(201);
      const refused = await app.inject({ method: 'POST', url: '/v1/campaigns/bad-vars/launch', headers: bare });
      expect(refused.json()).toMatchObject({ code: 'campaign_template_invalid' });

      const preview = await app.inject({ method: 'POST', url: '/v1/campaigns/spring-ab/preview', headers, payload: { sampleSize: 3 } });
      expect(preview.json()).toMatchObject({ audience: { count: 400, sample: [{ id: ids[0] }, { id: ids[1] }, { id: ids[2] }] } });

      const launch = await app.inject({ method: 'POST', url: '/v1/campaigns/spring-ab/launch', headers: bare });
      expect(launch.statusCode).toBe(202);
      expect((await app.inject({ method: 'POST', url: '/v1/campaigns/spring-ab/launch', headers: bare })).statusCode).toBe(200);
      expect((await app.inject({ method: 'PUT', url: '/v1/campaigns/spring-ab', headers, payload: definition })).json()).toMatchObject({ code: 'campaign_not_draft' });

      const handle = env.ctx.temporal.workflow.getHandle('campaign:spring-ab');
      const result = (await handle.result()) as { outcome: string; counters: { entered: number; holdout: number; queued: number } };
      expect(result).toMatchObject({ outcome: 'completed', counters: { entered: 400 } });
      await waitFor('every message final', () => allFinal(env, 'spring-ab'), 60_000, 200);

      const { rows: entered } = await env.ctx.pool.query<{ member_id: string; holdout: boolean; variant: string | null }>(`SELECT member_id, holdout, variant FROM campaign_members WHERE campaign_id = 'spring-ab'`);
      const holdout = entered.filter((r) => r.holdout);
      expect(holdout.length).toBe(result.counters.holdout);
      expect(holdout.length).toBeGreaterThan(40);
      expect(holdout.length).toBeLessThan(130);
      const counts = await mailCounts(env, domain);
      for (const row of entered) {
        const index = ids.indexOf(row.member_id);
        const expected = row.holdout || index % 10 === 0 ? 0 : 1;
        expect(counts.get(`ab-${index}@${domain}`) ?? 0, row.member_id).toBe(expected);
      }
      const { rows: holdoutMessages } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM messages m JOIN campaign_members cm ON cm.member_id = m.member_id AND cm.campaign_id = m.campaign_id WHERE m.campaign_id = 'spring-ab' AND cm.holdout`);
      expect(holdoutMessages[0].n).toBe(0);

      // Conversions: a purchase within the window after entering.
      await env.ctx.pool.query(`INSERT INTO program_versions (version, definition, created_by) VALUES (1, '{}', 'test') ON CONFLICT DO NOTHING`);
      const variantA = entered.filter((r) => r.variant === 'a').slice(0, 30).map((r) => r.member_id);
      const held = holdout.slice(0, 5).map((r) => r.member_id);
      await env.ctx.pool.query(
        `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, program_version, result)
         SELECT 'conv-' || m, 'conv-' || m, m, 'purchase', now(), 100000, 1, '{}' FROM unnest($1::text[]) AS m`,
        [[...variantA, ...held]],
      );
      const stats = await app.inject({ method: 'GET', url: '/v1/campaigns/spring-ab/stats', headers });
      const body = stats.json() as Awaited<ReturnType<typeof campaignStats>>;
      const a = body.variants.find((v) => v.variant === 'a')!;
      const b = body.variants.find((v) => v.variant === 'b')!;
      expect(body.holdout).toMatchObject({ audience: holdout.length, converted: 5 });
      expect(a.audience + b.audience + body.holdout.audience).toBe(400);
      expect(a.sent + a.suppressed).toBe(a.audience);
      expect(a.suppressed).toBeGreaterThan(0);
      expect(a.converted).toBe(30);
      expect(b.converted).toBe(0);
      const holdoutRate = 5 / holdout.length;
      expect(a.liftPercent).toBeCloseTo(((30 / a.audience - holdoutRate) / holdoutRate) * 100, 1);
      expect(b.liftPercent).toBe(-100);
      expect((await getCampaign(env.ctx.pool, 'spring-ab')).status).toBe('completed');
    } finally {
      await app.close();
    }
  });

  it('pause holds the send between pages and resume finishes it: one message each (continue-as-new every 2 pages)', async () => {
    const { domain } = await seedCohort(env, 'pz', 300);
    const definition = CampaignDefinitionSchema.parse(cohortDefinition('pz', { holdoutPercent: 10, sendRatePerSecond: 40 }));
    await saveCampaign(env.ctx.pool, { id: 'pause-me', definition, actor: 'test' });
    await launchCampaign(deps(), 'pause-me', { pagesPerRun: 2 });
    const entered = async () => (await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM campaign_members WHERE campaign_id = 'pause-me'`)).rows[0]!.n;
    await waitFor('a first page', async () => (await entered()) > 0, 30_000, 50);
    const handle = env.ctx.temporal.workflow.getHandle('campaign:pause-me');
    await handle.signal('pause');
    await waitFor('paused status', async () => (await getCampaign(env.ctx.pool, 'pause-me')).status === 'paused', 30_000, 100);
    const atPause = await entered();
    await new Promise((r) => setTimeout(r, 2500));
    expect(await entered()).toBe(atPause);
    expect(atPause).toBeLessThan(300);
    await handle.signal('resume');
    const result = (await handle.result()) as { outcome: string; counters: { entered: number; pages: number } };
    expect(result.outcome).toBe('completed');
    expect(result.counters.entered).toBe(300);
    await waitFor('every message final', () => allFinal(env, 'pause-me'), 60_000, 200);
    const counts = await mailCounts(env, domain);
    const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM campaign_members WHERE campaign_id = 'pause-me' AND NOT holdout`);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(rows[0]!.n);
    await record(handle, 'campaign-paused');
  });

  it('send, wait 2 "days", follow up the non-converters only (days injected as seconds); a re-entry rule keeps members out of the next campaign of the family', async () => {
    const { domain, ids } = await seedCohort(env, 'fu', 80);
    const definition = CampaignDefinitionSchema.parse(
      cohortDefinition('fu', {
        holdoutPercent: 10,
        goal: { eventType: 'purchase', withinDays: 5 },
        steps: [{ kind: 'send' }, { kind: 'wait', days: 3 }, { kind: 'follow_up', templates: { a: PROGRESS } }],
        reentry: { mode: 'once', family: 'fu-family' },
      }),
    );
    await saveCampaign(env.ctx.pool, { id: 'follow-up', definition, actor: 'test' });
    await launchCampaign(deps(), 'follow-up', { daySeconds: 1 });
    const handle = env.ctx.temporal.workflow.getHandle('campaign:follow-up');
    await waitFor('first step sent', async () => (await env.ctx.pool.query(`SELECT 1 FROM messages WHERE campaign_id = 'follow-up' AND id LIKE 'campaign.follow-up.0.%' LIMIT 1`)).rowCount! > 0, 30_000, 50);
    const { rows: members } = await env.ctx.pool.query<{ member_id: string; holdout: boolean }>(`SELECT member_id, holdout FROM campaign_members WHERE campaign_id = 'follow-up' ORDER BY member_id`);
    expect(members.length).toBe(80);
    const converters = members.filter((m) => !m.holdout).slice(0, 20).map((m) => m.member_id);
    await env.ctx.pool.query(`INSERT INTO program_versions (version, definition, created_by) VALUES (1, '{}', 'test') ON CONFLICT DO NOTHING`);
    await env.ctx.pool.query(
      `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, program_version, result)
       SELECT 'fu-' || m, 'fu-' || m, m, 'purchase', now(), 100000, 1, '{}' FROM unnest($1::text[]) AS m`,
      [converters],
    );
    const result = (await handle.result()) as { outcome: string; followUps: number };
    const variantMembers = members.filter((m) => !m.holdout);
    expect(result).toMatchObject({ outcome: 'completed', followUps: variantMembers.length - converters.length });
    await waitFor('every message final', () => allFinal(env, 'follow-up'), 60_000, 200);
    const { rows: followUps } = await env.ctx.pool.query<{ member_id: string; status: string; kind: string }>(
      `SELECT member_id, status, kind FROM messages WHERE id LIKE 'campaign.follow-up.2.%'`,
    );
    const followed = new Set(followUps.map((f) => f.member_id));
    for (const c of converters) expect(followed.has(c)).toBe(false);
    for (const m of members) expect(followed.has(m.member_id)).toBe(!m.holdout && !converters.includes(m.member_id));
    // Diamond members are capped at one marketing message a week: their follow-up is capped, not sent.
    for (const f of followUps) expect(f.status).toBe(ids.indexOf(f.member_id) % 4 === 3 ? 'capped' : 'sent');
    const counts = await mailCounts(env, domain);
    expect([...counts.values()].every((n) => n === 1 || n === 2)).toBe(true);
    await record(handle, 'campaign');

    // The next campaign of the family: nobody who entered this one may enter again.
    await saveCampaign(env.ctx.pool, { id: 'follow-up-2', definition: { ...definition, steps: [{ kind: 'send' }] }, actor: 'test' });
    await launchCampaign(deps(), 'follow-up-2');
    const second = (await env.ctx.temporal.workflow.getHandle('campaign:follow-up-2').result()) as { counters: { entered: number } };
    expect(second.counters.entered).toBe(0);
  });

  it('cancel stops the send; a scheduled start waits for its time', async () => {
    await seedCohort(env, 'cx', 200);
    const definition = CampaignDefinitionSchema.parse(cohortDefinition('cx', { sendRatePerSecond: 20, startAt: new Date(Date.now() + 2000).toISOString() }));
    await saveCampaign(env.ctx.pool, { id: 'cancel-me', definition, actor: 'test' });
    await launchCampaign(deps(), 'cancel-me');
    expect((await getCampaign(env.ctx.pool, 'cancel-me')).status).toBe('scheduled');
    await waitFor('first page', async () => (await env.ctx.pool.query(`SELECT 1 FROM campaign_members WHERE campaign_id = 'cancel-me' LIMIT 1`)).rowCount! > 0, 30_000, 50);
    const { rows: first } = await env.ctx.pool.query<{ at: Date }>(`SELECT min(entered_at) AS at FROM campaign_members WHERE campaign_id = 'cancel-me'`);
    expect(first[0]!.at.getTime()).toBeGreaterThanOrEqual(Date.parse(definition.startAt!) - 50);
    const handle = env.ctx.temporal.workflow.getHandle('campaign:cancel-me');
    await handle.signal('cancel');
    const result = (await handle.result()) as { outcome: string; counters: { entered: number } };
    expect(result.outcome).toBe('cancelled');
    expect(result.counters.entered).toBeLessThan(200);
    expect((await getCampaign(env.ctx.pool, 'cancel-me')).status).toBe('cancelled');
  });

  it('replays recorded histories of the campaign workflow', async () => {
    // campaign-cancelled-before-offers was recorded by the workflow before a cancel revoked the
    // campaign's offers (never re-record it): it replays through patched(). The -revoking one is
    // recorded by test/integration/offers/campaign-offers.test.ts.
    const names = ['campaign', 'campaign-paused', 'campaign-cancelled-before-offers', 'campaign-cancelled-revoking'];
    const files = names.map((name) => `${HISTORIES}${name}.json`).filter((f) => existsSync(f));
    expect(files.length).toBe(names.length);
    const histories = files.map((f, i) => ({ workflowId: `replay-${i}`, history: temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>) }));
    for await (const result of Worker.runReplayHistories({ workflowBundle: env.workflowBundle }, histories)) {
      expect(result.error, result.workflowId).toBeUndefined();
    }
  });
});
