import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { CampaignDefinitionSchema, launchCampaign, saveCampaign } from '../../../src/journeys/campaigns/index.js';
import { OfferDefinitionSchema, putOffer } from '../../../src/offers/index.js';
import { currentProgram } from '../../../src/program/store.js';
import { listMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishReferenceProgram, seedMembers, spawnDeliveryWorker, waitFor, type WorkerProcess } from '../messaging/support/fixtures.js';

const COUNT = 1500;
const TIERS = ['bronze', 'silver', 'gold', 'diamond'];

/** The real journeys role (`laurel journeys`) as its own process against the test env. */
async function spawnJourneysWorker(env: TestEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'laurel.js'), 'journeys'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: env.urls.databaseUrl,
      REDIS_URL: env.urls.redisUrl,
      TEMPORAL_ADDRESS: env.urls.temporalAddress,
      TEMPORAL_NAMESPACE: env.config.temporalNamespace,
      SMTP_URL: env.urls.smtpUrl,
      QUEUE_PREFIX: env.id,
      TEMPORAL_TASK_QUEUE: env.config.taskQueue,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('journeys worker running', async () => {
    if (child.exitCode !== null) throw new Error(`journeys worker exited:\n${out}`);
    return out.includes('journeys worker running');
  }, 90_000, 100);
  return { child, exited, output: () => out };
}

describe('a campaign survives SIGKILLed workers', () => {
  let env: TestEnv;
  const children: WorkerProcess[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', FREQUENCY_CAPS: '{}' });
  });

  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await env?.cleanup();
  });

  it('the journeys worker is SIGKILLed mid-send and the delivery worker kills itself after an SMTP accept; after restarts every audience member has exactly one message and one coupon (its code in the mail), the holdout none', async () => {
    const domain = `${env.id}-crash.test`;
    const members = Array.from({ length: COUNT }, (_, i) => ({
      id: `crash-${String(i).padStart(5, '0')}`,
      email: `crash-${i}@${domain}`,
      tier: TIERS[i % 4]!,
      timeZone: 'UTC',
      consent: { email: { marketing: true } },
      attributes: { cohort: 'crash' },
    }));
    await seedMembers(env.ctx.pool, members);
    const definition = CampaignDefinitionSchema.parse({
      name: 'Crash test',
      segment: { attribute: { key: 'cohort', op: 'eq', value: 'crash' } },
      variants: [{ key: 'a', percent: 100, template: { message: 'offer', vars: {} } }],
      holdoutPercent: 10,
      sendRatePerSecond: 250,
    });
    await saveCampaign(env.ctx.pool, { id: 'crash', definition, actor: 'test' });
    // The step gives a personal coupon: issued once per member whatever is killed and retried.
    await publishReferenceProgram(env.ctx.pool);
    const coupon = OfferDefinitionSchema.parse({ kind: 'coupon', name: 'Crash coupon', campaign: { id: 'crash' }, coupon: { discount: { type: 'percent', percent: 15 }, codes: { source: 'generated', prefix: 'CR-' } } });
    await putOffer(env.ctx.pool, { id: 'crash-coupon', definition: coupon, program: (await currentProgram(env.ctx.pool)).definition, actor: 'test' });

    let journeys = await spawnJourneysWorker(env);
    children.push(journeys);
    let delivery = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20', LAUREL_TEST_KILL_AFTER_SENDS: '300', QUIET_HOURS: 'off', FREQUENCY_CAPS: '{}' });
    children.push(delivery);
    await launchCampaign({ pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue }, 'crash', { pageSize: 100 });

    const entered = async () => (await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM campaign_members WHERE campaign_id = 'crash'`)).rows[0]!.n;
    await waitFor('a third of the audience paged', async () => (await entered()) >= COUNT / 3, 60_000, 20);
    journeys.child.kill('SIGKILL');
    await journeys.exited;
    const atKill = await entered();
    expect(atKill).toBeLessThan(COUNT);

    await delivery.exited; // killed itself right after the 300th accepted message
    expect(delivery.child.signalCode).toBe('SIGKILL');
    delivery = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20', QUIET_HOURS: 'off', FREQUENCY_CAPS: '{}' });
    children.push(delivery);
    journeys = await spawnJourneysWorker(env);
    children.push(journeys);

    const result = (await env.ctx.temporal.workflow.getHandle('campaign:crash').result()) as { outcome: string; counters: { entered: number; holdout: number; queued: number } };
    expect(result.outcome).toBe('completed');
    expect(await entered()).toBe(COUNT);
    await waitFor(
      'every message sent',
      async () => (await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = 'crash' AND status <> 'sent'`)).rows[0]!.n === 0,
      120_000,
      250,
    );

    const { rows } = await env.ctx.pool.query<{ member_id: string; holdout: boolean }>(`SELECT member_id, holdout FROM campaign_members WHERE campaign_id = 'crash'`);
    const holdout = new Set(rows.filter((r) => r.holdout).map((r) => r.member_id));
    expect(holdout.size).toBeGreaterThan(80);
    const counts = new Map<string, number>();
    for (const mail of await listMail(env.stack.mailboxUrl)) {
      for (const to of mail.to) if (to.address.endsWith(`@${domain}`)) counts.set(to.address, (counts.get(to.address) ?? 0) + 1);
    }
    const wrong = members.filter((m, i) => (counts.get(`crash-${i}@${domain}`) ?? 0) !== (holdout.has(m.id) ? 0 : 1));
    expect(wrong.map((m) => m.id)).toEqual([]);
    expect([...counts.values()].reduce((s, n) => s + n, 0)).toBe(COUNT - holdout.size);

    // One coupon per audience member, none for the holdout, and each mail carries its member's code.
    const { rows: grants } = await env.ctx.pool.query<{ member_id: string; code: string }>(
      `SELECT g.member_id, c.code FROM offer_grants g JOIN offer_codes c ON c.grant_id = g.id WHERE g.offer_id = 'crash-coupon'`,
    );
    expect(grants.length).toBe(COUNT - holdout.size);
    expect(grants.filter((g) => holdout.has(g.member_id))).toEqual([]);
    const codeOf = new Map(grants.map((g) => [g.member_id, g.code]));
    const mails = await listMail(env.stack.mailboxUrl);
    const missingCode = members.filter((m, i) => {
      if (holdout.has(m.id)) return false;
      const mail = mails.find((x) => x.to.some((t) => t.address === `crash-${i}@${domain}`));
      return !mail?.text?.includes(codeOf.get(m.id)!);
    });
    expect(missingCode.map((m) => m.id)).toEqual([]);

    journeys.child.kill('SIGTERM');
    delivery.child.kill('SIGTERM');
    await Promise.all([journeys.exited, delivery.exited]);
  }, 300_000);
});
