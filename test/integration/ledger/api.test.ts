import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { checkLedgerInvariant } from '../../../src/ledger/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe('ledger API: members, events, summary, redemptions, adjustments', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let ingest: string;
  let marketer: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    ingest = await apiKey(env, 'ingest');
    marketer = await apiKey(env, 'marketer');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  async function member(id: string, extra: Record<string, unknown> = {}) {
    const res = await api.call('PUT', `/v1/members/${id}`, admin, { email: `${id}@example.test`, locale: 'fa', timeZone: 'Asia/Tehran', ...extra });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function counts() {
    const { rows } = await env.ctx.pool.query(
      `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM ledger_entries)::int AS entries, (SELECT count(*) FROM lots)::int AS lots, (SELECT count(*) FROM members)::int AS members`,
    );
    return rows[0];
  }

  it('creates a member in the first tier and updates only the given fields', async () => {
    const created = await member('m-create', { firstName: 'Sara' });
    expect(created).toMatchObject({ id: 'm-create', tierId: 'bronze', locale: 'fa', timeZone: 'Asia/Tehran', firstName: 'Sara' });
    const updated = await api.call('PUT', '/v1/members/m-create', admin, { phone: '+989121234567' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ phone: '+989121234567', firstName: 'Sara', email: 'm-create@example.test' });
    const welcome = await env.ctx.pool.query(`SELECT id FROM messages WHERE member_id = 'm-create' ORDER BY id`);
    expect(welcome.rows.map((r) => r.id)).toEqual(['welcome.email.m-create', 'welcome.inbox.m-create']);
    const audit = await env.ctx.pool.query(`SELECT action FROM audit_log WHERE subject = 'member:m-create' ORDER BY id`);
    expect(audit.rows.map((r) => r.action)).toEqual(['member.create', 'member.update']);
  });

  it('a purchase earns 10 points per 100,000 toman, pending for the return window', async () => {
    await member('m-buy');
    const res = await api.call('POST', '/v1/events', ingest, { memberId: 'm-buy', type: 'purchase', amount: 1_250_000, orderId: 'o-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ replayed: false, points: { total: 120, base: 120, bonus: 0, pending: 120, qualifying: 120 }, balance: { available: 0, pending: 120 } });
    const summary = await api.call('GET', '/v1/members/m-buy/summary', admin);
    expect(summary.body).toMatchObject({ balance: { available: 0, pending: 120, total: 120 }, tier: { currentTier: { id: 'bronze' }, nextTier: { id: 'silver' } } });
  });

  it('a replayed key returns the original result and awards nothing again', async () => {
    await member('m-replay');
    const event = { memberId: 'm-replay', type: 'purchase', amount: 500_000, orderId: 'o-r', occurredAt: daysAgo(20) };
    const first = await api.call('POST', '/v1/events', ingest, event);
    const again = await api.call('POST', '/v1/events', ingest, event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, eventId: first.body.eventId, points: first.body.points });
    const reused = await api.call('POST', '/v1/events', ingest, { ...event, amount: 900_000 });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const ledger = await api.call('GET', '/v1/members/m-replay/ledger', admin);
    expect((ledger.body.entries as unknown[]).length).toBe(1);
  });

  it('?dryRun=true returns what would happen and writes nothing', async () => {
    await member('m-dry');
    const before = await counts();
    const res = await api.call('POST', '/v1/events?dryRun=true', ingest, { memberId: 'm-dry', type: 'review', idempotencyKey: 'rev-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, points: { total: 5 } });
    expect(await counts()).toEqual(before);
  });

  it('upgrades immediately on qualifying, applies the tier bonus to base points only', async () => {
    await member('m-tier');
    // 5,000,000 toman = 500 points: silver at once.
    const up = await api.call('POST', '/v1/events', ingest, { memberId: 'm-tier', type: 'purchase', amount: 5_000_000, orderId: 'o-t1', occurredAt: daysAgo(30) });
    expect(up.body).toMatchObject({ tier: { from: 'bronze', to: 'silver', changed: true } });
    // Next purchase earns silver's 10 % bonus on base points; the bonus does not qualify.
    const next = await api.call('POST', '/v1/events', ingest, { memberId: 'm-tier', type: 'purchase', amount: 1_000_000, orderId: 'o-t2', occurredAt: daysAgo(29) });
    expect(next.body).toMatchObject({ points: { base: 100, bonus: 10, total: 110, qualifying: 100 } });
    const changes = await env.ctx.pool.query(`SELECT from_tier, to_tier, reason FROM tier_changes WHERE member_id = 'm-tier'`);
    expect(changes.rows).toEqual([{ from_tier: 'bronze', to_tier: 'silver', reason: 'upgrade' }]);
  });

  it('redemption spends points, is idempotent, and answers 409 insufficient_balance', async () => {
    await member('m-redeem');
    await api.call('POST', '/v1/events', ingest, { memberId: 'm-redeem', type: 'purchase', amount: 2_000_000, orderId: 'o-x', occurredAt: daysAgo(20) });
    const ok = await api.call('POST', '/v1/members/m-redeem/redemptions', admin, { rewardId: 'discount-50k' }, { 'idempotency-key': 'red-1' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ points: 100, balance: { available: 100 } });
    const replay = await api.call('POST', '/v1/members/m-redeem/redemptions', admin, { rewardId: 'discount-50k' }, { 'idempotency-key': 'red-1' });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: true, balance: { available: 100 } });
    const tooMuch = await api.call('POST', '/v1/members/m-redeem/redemptions', admin, { rewardId: 'gift-box', idempotencyKey: 'red-2' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ code: 'insufficient_balance' });
    expect(await checkLedgerInvariant(env.ctx.pool, ['m-redeem'])).toEqual([]);
  });

  it('adjustments are admin-only, need a reason, and are audit logged', async () => {
    await member('m-adj');
    const denied = await api.call('POST', '/v1/members/m-adj/adjustments', marketer, { points: 50, reason: 'goodwill', idempotencyKey: 'a1' });
    expect(denied.status).toBe(403);
    const ok = await api.call('POST', '/v1/members/m-adj/adjustments', admin, { points: 50, reason: 'goodwill', idempotencyKey: 'a1' });
    expect(ok.status).toBe(201);
    const minus = await api.call('POST', '/v1/members/m-adj/adjustments', admin, { points: -80, reason: 'correction', idempotencyKey: 'a2' });
    expect(minus.status).toBe(409);
    const entries = await env.ctx.pool.query(`SELECT kind, amount, actor, reason FROM ledger_entries WHERE member_id = 'm-adj'`);
    expect(entries.rows).toEqual([{ kind: 'adjust', amount: 50, actor: expect.stringMatching(/^key:key_/), reason: 'goodwill' }]);
    const audit = await env.ctx.pool.query(`SELECT action, after FROM audit_log WHERE subject = 'member:m-adj' AND action = 'points.adjust'`);
    expect(audit.rows).toHaveLength(1);
    await expect(env.ctx.pool.query(`UPDATE audit_log SET actor = 'x'`)).rejects.toThrow(/append-only/);
  });

  it('refund inside the return window cancels the pending points', async () => {
    await member('m-refund');
    await api.call('POST', '/v1/events', ingest, { memberId: 'm-refund', type: 'purchase', amount: 1_000_000, orderId: 'o-rf' });
    const refund = await api.call('POST', '/v1/events', ingest, { memberId: 'm-refund', type: 'refund', amount: 1_000_000, orderId: 'o-rf', refundId: 'r1' });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ refund: { cancelledPending: 100, reversed: 0 }, balance: { available: 0, pending: 0 } });
    expect(await checkLedgerInvariant(env.ctx.pool, ['m-refund'])).toEqual([]);
  });

  describe('auth: 401 and 403 are distinct', () => {
    it('no or bad credentials are 401', async () => {
      expect((await api.call('GET', '/v1/rewards', undefined)).status).toBe(401);
      expect((await api.call('GET', '/v1/rewards', 'lk_not-a-key')).status).toBe(401);
      expect((await api.call('GET', '/v1/rewards', 'mt.forged.token')).status).toBe(401);
    });

    it('a role that may not is 403', async () => {
      const res = await api.call('PUT', '/v1/members/x1', ingest, {});
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
      expect((await api.call('PUT', '/v1/program', marketer, {})).status).toBe(403);
    });

    it('a member token reads only its own member and may redeem', async () => {
      await member('m-token');
      await member('m-other');
      const issued = await api.call('POST', '/v1/members/m-token/tokens', admin);
      const token = issued.body.token as string;
      expect((await api.call('GET', '/v1/members/m-token/summary', token)).status).toBe(200);
      expect((await api.call('GET', '/v1/members/m-other/summary', token)).status).toBe(403);
      expect((await api.call('POST', '/v1/events', token, { memberId: 'm-token', type: 'review', idempotencyKey: 'x' })).status).toBe(403);
      const redeem = await api.call('POST', '/v1/members/m-token/redemptions', token, { rewardId: 'free-shipping', idempotencyKey: 'k' });
      expect(redeem.status).toBe(409); // allowed, but no points
      expect(redeem.body.code).toBe('insufficient_balance');
    });

    it('a partner key records the partner as the source and honours its daily cap', async () => {
      await member('m-partner');
      const partner = await apiKey(env, 'partner', 'acme', 8);
      const ok = await api.call('POST', '/v1/events', partner, { memberId: 'm-partner', type: 'review', idempotencyKey: 'p1' });
      expect(ok.status).toBe(201);
      const src = await env.ctx.pool.query(`SELECT DISTINCT source FROM ledger_entries WHERE member_id = 'm-partner'`);
      expect(src.rows).toEqual([{ source: 'partner:acme' }]);
      const over = await api.call('POST', '/v1/events', partner, { memberId: 'm-partner', type: 'review', idempotencyKey: 'p2' });
      expect(over.status).toBe(422);
      expect(over.body.code).toBe('partner_cap_exceeded');
    });
  });

  describe('bad input: a problem+json with a stable code, and nothing written', () => {
    const cases: [string, unknown, number, string][] = [
      ['negative amount', { memberId: 'm-bad', type: 'purchase', amount: -5, orderId: 'o' }, 400, 'invalid_event'],
      ['fractional amount', { memberId: 'm-bad', type: 'purchase', amount: 10.5, orderId: 'o' }, 400, 'invalid_event'],
      ['huge amount', { memberId: 'm-bad', type: 'purchase', amount: 1e20, orderId: 'o' }, 400, 'invalid_event'],
      ['amount as a string', { memberId: 'm-bad', type: 'purchase', amount: '100', orderId: 'o' }, 400, 'invalid_event'],
      ['purchase without an order', { memberId: 'm-bad', type: 'purchase', amount: 100 }, 400, 'invalid_event'],
      ['unknown event type', { memberId: 'm-bad', type: 'teleport', idempotencyKey: 'k' }, 422, 'unknown_event_type'],
      ['unknown member', { memberId: 'nobody', type: 'review', idempotencyKey: 'k' }, 404, 'unknown_member'],
      ['review without a key', { memberId: 'm-bad', type: 'review' }, 422, 'idempotency_key_required'],
      ['unknown field', { memberId: 'm-bad', type: 'review', idempotencyKey: 'k', bogus: 1 }, 400, 'invalid_event'],
    ];
    beforeAll(async () => {
      await member('m-bad');
    });

    it.each(cases)('%s', async (_name, body, status, code) => {
      const before = await counts();
      const res = await api.call('POST', '/v1/events', ingest, body);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe(code);
      expect(await counts()).toEqual(before);
    });

    it('malformed JSON is 400 malformed_json', async () => {
      const res = await api.call('POST', '/v1/events', ingest, '{"memberId": ');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('malformed_json');
    });

    it('a wrong content type is 415', async () => {
      const res = await api.call('POST', '/v1/events', ingest, 'memberId=x', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('unsupported_media_type');
    });

    it('a batch over 1,000 events is 413 and writes nothing', async () => {
      const before = await counts();
      const events = Array.from({ length: 1001 }, (_, i) => ({ memberId: 'm-bad', type: 'review', idempotencyKey: `b${i}` }));
      const res = await api.call('POST', '/v1/events/batch', ingest, { events });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('batch_too_large');
      expect(await counts()).toEqual(before);
    });

    it('one bad event in a batch rejects the whole batch, naming its index', async () => {
      const before = await counts();
      const res = await api.call('POST', '/v1/events/batch', ingest, {
        events: [
          { memberId: 'm-bad', type: 'review', idempotencyKey: 'ok1' },
          { memberId: 'm-bad', type: 'purchase', amount: -1, orderId: 'o' },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/^body\.events\.1\.amount: /);
      expect(await counts()).toEqual(before);
    });
  });

  it('a batch ingests every event once and reports replays', async () => {
    await member('m-batch');
    const events = Array.from({ length: 30 }, (_, i) => ({ memberId: 'm-batch', type: 'referral', idempotencyKey: `ref-${i}` }));
    const first = await api.call('POST', '/v1/events/batch', ingest, { events });
    expect(first.body).toMatchObject({ created: 30, replayed: 0 });
    const again = await api.call('POST', '/v1/events/batch', ingest, { events });
    expect(again.body).toMatchObject({ created: 0, replayed: 30 });
    const summary = await api.call('GET', '/v1/members/m-batch/summary', admin);
    expect(summary.body).toMatchObject({ balance: { available: 150 } });
  });

  it('the answer of a batch and of one event is, result by result, what the events table stored', async () => {
    await member('m-json-a');
    await member('m-json-b');
    const events = [
      { memberId: 'm-json-a', type: 'purchase', amount: 1_250_000, orderId: 'j-1' },
      { memberId: 'm-json-b', type: 'purchase', amount: 700_000, orderId: 'j-2', occurredAt: daysAgo(3) },
      { memberId: 'm-json-a', type: 'referral', idempotencyKey: 'j-ref' },
    ];
    const batch = await api.call('POST', '/v1/events/batch', ingest, { events });
    expect(batch.status).toBe(200);
    expect(batch.headers['content-type']).toMatch(/^application\/json/);
    const results = batch.body.results as { eventId: string; replayed: boolean; memberId: string; type: string }[];
    expect(batch.body).toMatchObject({ created: 3, replayed: 0 });
    expect(results.map((r) => [r.memberId, r.type])).toEqual(events.map((e) => [e.memberId, e.type]));
    const one = await api.call('POST', '/v1/events', ingest, { memberId: 'm-json-b', type: 'purchase', amount: 300_000, orderId: 'j-3' });
    expect(one.status).toBe(201);
    expect(one.headers['content-type']).toMatch(/^application\/json/);
    const answered = [...results, one.body as { eventId: string }];
    const stored = await env.ctx.pool.query<{ id: string; result: unknown }>(`SELECT id, result FROM events WHERE id = ANY($1::text[])`, [answered.map((r) => r.eventId)]);
    const byId = new Map(stored.rows.map((r) => [r.id, r.result]));
    expect(answered.map((r) => byId.get(r.eventId))).toEqual(answered);
    // A replay answers the stored result, marked as a replay.
    const again = await api.call('POST', '/v1/events/batch', ingest, { events });
    expect(again.body).toMatchObject({ created: 0, replayed: 3 });
    expect(again.body.results).toEqual(results.map((r) => ({ ...r, replayed: true })));
  });

  it('PUT /v1/program stores a new version; GET returns the one in force; bad programs name the path', async () => {
    const current = await api.call('GET', '/v1/program', admin);
    const bad = await api.call('PUT', '/v1/program', admin, { ...(current.body.definition as object), tiers: [] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_program', detail: expect.stringMatching(/^tiers/) });
    const yaml = `id: y\nname: From YAML\ncurrency: { code: USD, minorUnits: 2 }\ntimeZone: UTC\ntiers:\n  - { id: basic, name: Basic, threshold: 0 }\nqualification:\n  metric: { type: qualifying_points }\n  window: { type: rolling_months, months: 12 }\n  review: { anchor: join_date, everyMonths: 12 }\nexpiry: { type: after_months, months: 24 }\nreturnPolicy: within_balance\n`;
    // Members hold the reference tiers: a version without them would leave them in tiers it does not know.
    const orphaning = await api.call('PUT', '/v1/program', admin, yaml, { 'content-type': 'application/yaml' });
    expect(orphaning.status).toBe(409);
    expect(orphaning.body).toMatchObject({ code: 'tier_in_use', detail: expect.stringMatching(/bronze \(\d+ members?\)/) });
    const keepsTiers = stringifyYaml({ ...(current.body.definition as object), name: 'From YAML' });
    const stored = await api.call('PUT', '/v1/program', admin, keepsTiers, { 'content-type': 'application/yaml' });
    expect(stored.status).toBe(201);
    const now = await api.call('GET', '/v1/program', admin);
    expect(now.body).toMatchObject({ version: (current.body.version as number) + 1, definition: { name: 'From YAML' } });
    // Restore the reference program for the other tests.
    await api.call('PUT', '/v1/program', admin, current.body.definition);
  });
});
