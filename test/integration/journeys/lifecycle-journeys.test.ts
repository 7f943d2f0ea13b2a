import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { loadJourneyFile, type JourneyInput } from '../../../src/journeys/lifecycle/index.js';
import { checkLedgerInvariant, ingestEvent } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** protobufjs' JSON form of a history (for the replay fixtures). */
function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

/** A shipped example with each day of its waits turned into three seconds. */
async function scaledExample(name: string): Promise<JourneyInput> {
  const { definition } = await loadJourneyFile(join(PROJECT_ROOT, 'examples/journeys', `${name}.yaml`));
  return JSON.parse(JSON.stringify(definition).replace(/"duration":\{"days":(\d+)\}/g, (_, days: string) => `"duration":{"seconds":${Number(days) * 3}}`)) as JourneyInput;
}

describe('lifecycle journeys: triggers, entry rules, steps, goals — one workflow per member per entry', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let marketer: string;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'inbox', FREQUENCY_CAPS: JSON.stringify({ bronze: { day: 100 }, silver: { day: 100 }, gold: { day: 100 }, diamond: { day: 100 } }) });
    program = await publishExample(env, 'reference');
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
  });

  afterAll(async () => {
    await api?.close();
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  const member = (id: string, extra: Record<string, unknown> = {}) =>
    upsertMember(env.ctx.pool, id, { email: `${id}@example.test`, firstName: 'Sara', consent: { email: { marketing: true }, inbox: { marketing: true } }, ...extra }, program, 'test');
  const purchase = (memberId: string, orderId: string, amount = 200_000) => ingestEvent(env.ctx.pool, { memberId, type: 'purchase', amount, orderId }, { source: 'api' });
  const put = async (id: string, body: unknown) => {
    const res = await api.call('PUT', `/v1/journeys/${id}`, marketer, body);
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
    return res;
  };
  const entries = async (journeyId: string) =>
    (await env.ctx.pool.query<{ member_id: string; workflow_id: string; status: string; outcome_reason: string | null; entry_key: string }>(
      `SELECT member_id, workflow_id, status, outcome_reason, entry_key FROM journey_entries WHERE journey_id = $1 ORDER BY member_id, entered_at`,
      [journeyId],
    )).rows;
  const messageIds = async (memberId: string, journeyId: string) =>
    (await env.ctx.pool.query<{ id: string }>(`SELECT id FROM messages WHERE member_id = $1 AND id LIKE $2 AND channel = 'inbox' ORDER BY created_at, id`, [memberId, `journey.${journeyId}.%`])).rows.map((r) => r.id);
  /** The entry's workflow result, once the fan-out has started it. */
  const resultOf = async (workflowId: string) => {
    await until(`entry ${workflowId}`, () => env.ctx.pool.query(`SELECT workflow_started_at FROM journey_entries WHERE workflow_id = $1`, [workflowId]), (r) => r.rows[0]?.workflow_started_at != null);
    return await env.ctx.temporal.workflow.getHandle(workflowId).result();
  };
  const record = async (name: string, workflowId: string) => {
    await env.ctx.temporal.workflow.getHandle(workflowId).result();
    if (process.env.RECORD_HISTORIES === '1') writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', `${name}.json`), historyJson(await env.ctx.temporal.workflow.getHandle(workflowId).fetchHistory()));
  };

  it('PUT validates the definition (forward jumps, messages, channels, tiers, templates) and keeps every version', async () => {
    const base = { name: 'Probe', trigger: { type: 'member_created' }, steps: [{ id: 'a', type: 'send', message: 'bonus_points', vars: { bonusPoints: 5 } }] };
    const back = await api.call('PUT', '/v1/journeys/probe', marketer, { ...base, steps: [{ id: 'a', type: 'exit' }, { id: 'b', type: 'branch', segment: { tier: { in: ['gold'] } }, then: 'a' }] });
    expect(back).toMatchObject({ status: 422, body: { code: 'invalid_request' } });
    expect(String(back.body.detail)).toMatch(/^body\.steps\.1\.then: a is not after step b/);
    const tier = await api.call('PUT', '/v1/journeys/probe', marketer, { ...base, trigger: { type: 'tier_changed', toTiers: ['platinum'] } });
    expect(tier).toMatchObject({ status: 422, body: { code: 'journey_invalid' } });
    expect(String(tier.body.detail)).toBe('trigger.toTiers.0: the program has no tier platinum');
    const channel = await api.call('PUT', '/v1/journeys/probe', marketer, { ...base, steps: [{ id: 'a', type: 'send', message: 'bonus_points', channels: ['sms'], vars: { bonusPoints: 5 } }] });
    expect(String(channel.body.detail)).toMatch(/bonus_points has no sms templates/);
    const ingest = await apiKey(env, 'ingest');
    expect((await api.call('PUT', '/v1/journeys/probe', ingest, base)).status).toBe(403);
    expect((await put('probe', { ...base, status: 'paused' })).status).toBe(201);
    const v2 = await put('probe', { ...base, status: 'archived', name: 'Probe 2' });
    expect(v2.body).toMatchObject({ status: 'archived', version: 2, name: 'Probe 2' });
    const versions = await api.call('GET', '/v1/journeys/probe/versions', marketer);
    expect((versions.body.versions as { version: number }[]).map((v) => v.version)).toEqual([2, 1]);
    expect((await api.call('GET', '/v1/journeys/nope', marketer)).body.code).toBe('unknown_journey');
  });

  it('welcome series (shipped example, days as seconds): the non-buyer gets every step and the gift; a first purchase ends it, converted', async () => {
    await put('welcome', await scaledExample('welcome-series'));
    await member('wn');
    await member('wb');
    const wn = 'journey:welcome:wn:once';
    const wb = 'journey:welcome:wb:once';
    await until('both entered', () => entries('welcome'), (rows) => rows.length === 2);
    await until('wb got day 0', () => messageIds('wb', 'welcome'), (ids) => ids.length === 1);
    await purchase('wb', 'wb-1');
    expect(await resultOf(wb)).toMatchObject({ outcome: 'converted' });
    expect(await resultOf(wn)).toEqual({ outcome: 'completed', steps: 6 });
    // email too: both channels of the step (the member has an address)
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM messages WHERE id LIKE 'journey.welcome.once.%.email.wn'`)).rows[0].n).toBe(3);
    expect(await messageIds('wb', 'welcome')).toEqual(['journey.welcome.once.how-to-earn.inbox.wb']);
    expect(await messageIds('wn', 'welcome')).toEqual(['journey.welcome.once.how-to-earn.inbox.wn', 'journey.welcome.once.nudge.inbox.wn', 'journey.welcome.once.gift-message.inbox.wn']);
    await until('gift granted', () => env.ctx.pool.query(`SELECT granted_at FROM awards WHERE id = 'journey:welcome:wn:once:gift'`), (r) => r.rows[0]?.granted_at != null);
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM awards WHERE member_id = 'wb'`)).rows[0].n).toBe(0);
    expect(await entries('welcome')).toEqual([
      expect.objectContaining({ member_id: 'wb', status: 'converted', outcome_reason: 'goal reached' }),
      expect.objectContaining({ member_id: 'wn', status: 'completed', outcome_reason: 'last step done' }),
    ]);
    const stats = await api.call('GET', '/v1/journeys/welcome/stats', marketer);
    expect(stats.body.entries).toEqual({ completed: 1, converted: 1 });
    expect(stats.body.steps).toContainEqual({ stepId: 'how-to-earn', entries: 2 });
    expect(stats.body.steps).toContainEqual({ stepId: 'gift', entries: 1 });
    // Entry rule `once`: updating the member enters nothing new.
    await member('wn', { firstName: 'Sahar' });
    const mine = await api.call('GET', '/v1/members/wn/journeys', marketer);
    expect((mine.body.entries as { workflowId: string }[]).map((e) => e.workflowId)).toEqual([wn]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['wn'])).toEqual([]);
    await record('journey-completed', wn);
    await record('journey-converted', wb);
  });

  it('first-purchase thank-you enters once; "one purchase away from gold" enters the silver member whose next purchase reaches gold', async () => {
    await put('first-purchase-thanks', await scaledExample('first-purchase-thanks'));
    await put('almost-gold', await scaledExample('almost-gold'));
    await member('fp');
    const first = await purchase('fp', 'fp-1', 2_500_000);
    await purchase('fp', 'fp-2', 2_500_000);
    const thanks = `journey:first-purchase-thanks:fp:once`;
    expect(await resultOf(thanks)).toMatchObject({ outcome: 'completed' });
    const msg = await env.ctx.pool.query(`SELECT vars FROM messages WHERE id = 'journey.first-purchase-thanks.once.thanks.inbox.fp'`);
    expect(msg.rows[0].vars).toEqual({ points: first.points.total });
    // 500 qualifying points: silver, 500 short of gold, two purchases like these away: nothing yet.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await entries('almost-gold')).toEqual([]);
    const third = await purchase('fp', 'fp-3', 2_500_000);
    const rows = await until('almost-gold entered', () => entries('almost-gold'), (r) => r.length === 1);
    expect(rows[0]!.entry_key).toBe(third.eventId);
    await resultOf(rows[0]!.workflow_id);
    const nudge = await env.ctx.pool.query(`SELECT vars FROM messages WHERE id = $1`, [`journey.almost-gold.${third.eventId}.almost-there.inbox.fp`]);
    expect(nudge.rows[0].vars).toEqual({ nextTier: 'gold', pointsToNextTier: 250 });
    expect(await entries('first-purchase-thanks')).toHaveLength(1);
  });

  it('wait for an event with a timeout, a branch on a segment, a tier-change trigger, and entries every N days', async () => {
    await put('review-followup', {
      name: 'Review follow-up',
      trigger: { type: 'event', eventType: 'review' },
      entry: { mode: 'every', days: 1 },
      steps: [
        { id: 'gold-first', type: 'branch', segment: { tier: { in: ['gold', 'diamond'] } }, then: 'vip' },
        { id: 'wait-buy', type: 'wait_for_event', eventType: 'purchase', conditions: { field: 'event.amount', op: 'gte', value: 1_000_000 }, timeout: { seconds: 4 }, onEvent: 'thanks', onTimeout: 'nudge' },
        { id: 'nudge', type: 'send', message: 'first_purchase_nudge', channels: ['inbox'] },
        { id: 'nudge-done', type: 'exit' },
        { id: 'thanks', type: 'award_points', points: 7, reason: 'Bought after a review' },
        { id: 'thanks-done', type: 'exit' },
        { id: 'vip', type: 'send', message: 'bonus_points', channels: ['inbox'], vars: { bonusPoints: 0, reason: 'for our VIPs' } },
      ],
    });
    await member('ra');
    await member('rb');
    await member('rg');
    await env.ctx.pool.query(`UPDATE members SET tier_id = 'gold' WHERE id = 'rg'`);
    const review = (id: string, n: number) => ingestEvent(env.ctx.pool, { memberId: id, type: 'review', idempotencyKey: `${id}-review-${n}` }, { source: 'api' });
    const ra = await review('ra', 1);
    const rb = await review('rb', 1);
    const rg = await review('rg', 1);
    await until('ra waiting', () => env.ctx.pool.query(`SELECT current_step FROM journey_entries WHERE workflow_id = $1`, [`journey:review-followup:ra:${ra.eventId}`]), (r) => r.rows[0]?.current_step === 'wait-buy');
    await purchase('ra', 'ra-small', 200_000);
    await purchase('ra', 'ra-big', 1_500_000);
    const result = (id: string, event: { eventId: string }) => resultOf(`journey:review-followup:${id}:${event.eventId}`);
    expect(await result('ra', ra)).toEqual({ outcome: 'exited', steps: 4 });
    expect(await result('rb', rb)).toEqual({ outcome: 'exited', steps: 4 });
    expect(await result('rg', rg)).toEqual({ outcome: 'completed', steps: 2 });
    const steps = async (id: string, event: { eventId: string }) =>
      (await env.ctx.pool.query<{ step_id: string }>(`SELECT step_id FROM journey_steps WHERE workflow_id = $1 ORDER BY at, step_id`, [`journey:review-followup:${id}:${event.eventId}`])).rows.map((r) => r.step_id);
    expect(await steps('ra', ra)).toEqual(['gold-first', 'wait-buy', 'thanks', 'thanks-done']);
    expect(await steps('rb', rb)).toEqual(['gold-first', 'wait-buy', 'nudge', 'nudge-done']);
    expect(await steps('rg', rg)).toEqual(['gold-first', 'vip']);
    await until('award', () => env.ctx.pool.query(`SELECT points FROM awards WHERE member_id = 'ra' AND source = 'journey:review-followup'`), (r) => r.rowCount === 1);
    // every 1 day: a second review the same day enters nothing
    await review('ra', 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await entries('review-followup')).filter((e) => e.member_id === 'ra')).toHaveLength(1);

    await put('silver-welcome', { name: 'Welcome to silver', trigger: { type: 'tier_changed', direction: 'up', toTiers: ['silver'] }, steps: [{ id: 'gift', type: 'award_points', points: 25 }] });
    await member('tc');
    await purchase('tc', 'tc-1', 5_000_000);
    const [entry] = await until('tier journey entered', () => entries('silver-welcome'), (r) => r.length === 1);
    expect(entry!.member_id).toBe('tc');
    await resultOf(entry!.workflow_id);
    await until('tier award', () => env.ctx.pool.query(`SELECT granted_at FROM awards WHERE id LIKE 'journey:silver-welcome:tc:%'`), (r) => r.rows[0]?.granted_at != null);
  });
});
