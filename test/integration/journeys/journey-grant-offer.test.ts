import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('the grant_offer journey step: the member holds the offer and hears about it with their code', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let marketer: string;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'inbox' });
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

  it('a journey may only grant an active offer that exists; on entry the member holds it once, and the offer message carries the personal code', async () => {
    const journey = {
      name: 'Welcome coupon',
      trigger: { type: 'member_created' },
      steps: [
        { id: 'coupon', type: 'grant_offer', offerId: 'welcome-10', channels: ['inbox', 'sms'] },
        { id: 'thanks', type: 'send', message: 'bonus_points', channels: ['inbox'], vars: { bonusPoints: 1 } },
      ],
    };
    const missing = await api.call('PUT', '/v1/journeys/welcome-coupon', marketer, journey);
    expect(missing).toMatchObject({ status: 422, body: { code: 'journey_invalid' } });
    expect(String(missing.body.detail)).toBe('steps.0.offerId: no offer welcome-10');
    const offer = await api.call('PUT', '/v1/offers/welcome-10', marketer, { kind: 'coupon', name: 'Welcome 10 %', coupon: { discount: { type: 'percent', percent: 10 }, codes: { source: 'generated', prefix: 'HI' } } });
    expect(offer.status, JSON.stringify(offer.body)).toBe(201);
    expect((await api.call('PUT', '/v1/journeys/welcome-coupon', marketer, journey)).status).toBe(201);

    // A webhook subscription makes offer.granted facts wanted (and is how a CRM hears of the code).
    const admin = await apiKey(env, 'admin');
    expect((await api.call('PUT', '/v1/webhooks/crm', admin, { url: 'http://127.0.0.1:9/hook', eventTypes: ['offer.granted'], status: 'paused' })).status).toBe(201);
    // sms: no phone, skipped (no dead letter); inbox: the offer message with the member's code.
    await upsertMember(env.ctx.pool, 'gia', { email: 'gia@example.test', consent: { inbox: { marketing: true } } }, program, 'test');
    const entry = await until(
      'the entry completed',
      async () => (await env.ctx.pool.query<{ workflow_id: string; status: string }>(`SELECT workflow_id, status FROM journey_entries WHERE journey_id = 'welcome-coupon' AND member_id = 'gia'`)).rows,
      (rows) => rows[0]?.status === 'completed',
    );
    expect(entry).toHaveLength(1);
    const { rows: grants } = await env.ctx.pool.query<{ member_id: string; source: string; code: string | null }>(
      `SELECT g.member_id, g.source, c.code FROM offer_grants g LEFT JOIN offer_codes c ON c.grant_id = g.id WHERE g.offer_id = 'welcome-10'`,
    );
    expect(grants).toEqual([{ member_id: 'gia', source: 'journey:welcome-coupon', code: expect.stringMatching(/^HI/) as unknown }]);
    const { rows: messages } = await env.ctx.pool.query<{ id: string; kind: string; channel: string; offer_id: string | null; vars: Record<string, unknown> }>(
      `SELECT id, kind, channel, offer_id, vars FROM messages WHERE member_id = 'gia' AND id LIKE 'journey.welcome-coupon.%' ORDER BY created_at, id`,
    );
    expect(messages.map((m) => [m.kind, m.channel, m.offer_id])).toEqual([
      ['offer', 'inbox', 'welcome-10'],
      ['bonus_points', 'inbox', null],
    ]);
    expect(messages[0]!.id).toMatch(/\.coupon\.inbox\.gia$/);
    expect(messages[0]!.vars).toMatchObject({ offerName: 'Welcome 10 %', offerCode: grants[0]!.code });
    await until('the offer in the inbox', async () => (await env.ctx.pool.query(`SELECT body FROM inbox_items WHERE message_id = $1`, [messages[0]!.id])).rows, (r) => r.length === 1);
    const fact = await until(
      'the offer.granted fact',
      async () => (await env.ctx.pool.query<{ type: string; member_id: string; data: Record<string, unknown> }>(`SELECT type, member_id, data FROM webhook_events WHERE type = 'offer.granted'`)).rows,
      (rows) => rows.length === 1,
    );
    expect(fact[0]).toMatchObject({ member_id: 'gia', data: { offerId: 'welcome-10', kind: 'coupon', code: grants[0]!.code, source: 'journey:welcome-coupon' } });
    const held = await api.call('GET', '/v1/members/gia/offers', marketer);
    expect(JSON.stringify(held.body)).toContain(grants[0]!.code!);
  });
});
