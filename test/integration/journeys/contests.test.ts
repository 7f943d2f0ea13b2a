import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContestFanoutHandler, decodeLeaderboardScore, encodeLeaderboardScore } from '../../../src/journeys/contests/index.js';
import { checkLedgerInvariant, ingestEvent } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { waitForMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}


/** protobufjs' JSON form (historyToJSON trips over the two protobufjs copies installed). */
function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

describe('contest journeys (Redis leaderboard from the fan-out, a workflow that freezes, awards and announces)', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let marketer: string;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'email' });
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

  async function member(id: string, attributes: Record<string, unknown> = {}): Promise<string> {
    const email = `${id}.${env.id}@example.test`;
    await upsertMember(env.ctx.pool, id, { email, firstName: id.toUpperCase(), attributes, consent: { email: { marketing: true, transactional: true } } }, program, 'test');
    return email;
  }

  it('the sort key orders by score, then earliest to reach it', () => {
    const window = { startsAtMs: 0, endsAtMs: 90 * 86_400_000 };
    const early = encodeLeaderboardScore(500, 1_000, window);
    const late = encodeLeaderboardScore(500, 5_000, window);
    expect(early).toBeGreaterThan(late);
    expect(encodeLeaderboardScore(501, 80 * 86_400_000, window)).toBeGreaterThan(early);
    expect(decodeLeaderboardScore(early)).toBe(500);
    expect(Number.isSafeInteger(encodeLeaderboardScore(1_000_000_000, 0, window))).toBe(true);
  });

  it('a tie goes to whoever reached the score first; reversed points subtract; events count once; prizes by rank', async () => {
    const emails = { ana: await member('ana', { city: 'tehran' }), ben: await member('ben', { city: 'tehran' }), cem: await member('cem', { city: 'tehran' }) };
    await member('out', { city: 'shiraz' });
    const t0 = Date.now();
    const res = await api.call('POST', '/v1/contests', marketer, {
      id: 'sprint',
      name: 'Autumn sprint',
      startsAt: new Date(t0 - 2000).toISOString(),
      // Long enough for the live checks below on a loaded machine; the workflow then closes it.
      endsAt: new Date(t0 + 30_000).toISOString(),
      metric: { type: 'points_earned' },
      eligibility: { field: 'member.attributes.city', op: 'eq', value: 'tehran' },
      prizes: [
        { rank: 1, name: '100 bonus points', points: 100 },
        { rank: 2, name: '50 bonus points', points: 50 },
      ],
      prizeBudget: 150,
      lateEventGraceSeconds: 2,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const over = await api.call('POST', '/v1/contests', marketer, { id: 'greedy', name: 'x', startsAt: new Date(t0).toISOString(), endsAt: new Date(t0 + 1000).toISOString(), metric: { type: 'purchase_count' }, prizes: [{ rank: 1, name: 'big', points: 10 }], prizeBudget: 5 });
    expect(over.status).toBe(422); // the shape is right; the prizes break the budget rule

    // Equal scores: ben's purchase arrives first but ana's happened earlier, so ana leads.
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    await ingestEvent(env.ctx.pool, { memberId: 'ben', type: 'purchase', amount: 200_000, orderId: 'b1', occurredAt: at(-500) }, { source: 'api' });
    const anaPurchase = await ingestEvent(env.ctx.pool, { memberId: 'ana', type: 'purchase', amount: 200_000, orderId: 'a1', occurredAt: at(-1000) }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'cem', type: 'purchase', amount: 300_000, orderId: 'c1', occurredAt: at(-1500) }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'out', type: 'purchase', amount: 900_000, orderId: 'x1', occurredAt: at(-1500) }, { source: 'api' });
    // cem is refunded a third: 10 of his 30 points come off, at the refund's time.
    await ingestEvent(env.ctx.pool, { memberId: 'cem', type: 'refund', amount: 100_000, orderId: 'c1', refundId: 'r1', occurredAt: at(-100) }, { source: 'api' });
    const board = async () => (await api.call('GET', '/v1/contests/sprint/leaderboard?limit=10', marketer)).body;
    // Until the refund has gone through the fan-out too (cem leads with 30 before it).
    const live = await until(board, (b) => (b.entries as { score: number }[] | undefined)?.map((e) => e.score).join() === '20,20,20', 25_000);
    expect(live, JSON.stringify(live)).toMatchObject({ final: false, entries: [{ rank: 1, memberId: 'ana', score: 20 }, { rank: 2, memberId: 'ben', score: 20 }, { rank: 3, memberId: 'cem', score: 20 }] });

    // A redelivered event changes nothing.
    const handler = createContestFanoutHandler({ pool: env.ctx.pool, redis: env.ctx.redis, prefix: env.config.queuePrefix });
    await handler.handle({ eventId: anaPurchase.eventId, memberId: 'ana' });
    await handler.handle({ eventId: anaPurchase.eventId, memberId: 'ana' });
    const own = await api.call('GET', '/v1/contests/sprint/members/ana', marketer);
    expect(own.body).toMatchObject({ final: false, rank: 1, score: 20 });
    const outsider = await api.call('GET', '/v1/contests/sprint/members/out', marketer);
    expect(outsider.body).toMatchObject({ ranked: false, rank: null, score: 0 });

    const result = await env.ctx.temporal.workflow.getHandle('contest:sprint').result();
    expect(result).toEqual({ participants: 3, awarded: 2, announced: 3 });
    const standings = await env.ctx.pool.query(`SELECT rank, member_id, score, prize_points FROM contest_standings WHERE contest_id = 'sprint' ORDER BY rank`);
    expect(standings.rows).toEqual([
      { rank: 1, member_id: 'ana', score: 20, prize_points: 100 },
      { rank: 2, member_id: 'ben', score: 20, prize_points: 50 },
      { rank: 3, member_id: 'cem', score: 20, prize_points: null },
    ]);
    const final = await api.call('GET', '/v1/contests/sprint/leaderboard?limit=2', marketer);
    expect(final.body).toMatchObject({ final: true, status: 'closed', participants: 3, entries: [{ rank: 1, memberId: 'ana' }, { rank: 2, memberId: 'ben' }] });
    const admin = await apiKey(env, 'admin');
    const token = (await api.call('POST', '/v1/members/cem/tokens', admin)).body.token as string;
    expect((await api.call('GET', '/v1/contests/sprint/members/cem', token)).body).toMatchObject({ final: true, rank: 3, score: 20, prizeName: null });
    expect((await api.call('GET', '/v1/contests/sprint/members/ana', token)).status).toBe(403);

    await until(() => env.ctx.pool.query(`SELECT id FROM awards WHERE source = 'contest:sprint' AND granted_at IS NOT NULL`), (r) => r.rowCount === 2);
    const prizes = await env.ctx.pool.query(`SELECT member_id, amount FROM ledger_entries WHERE source = 'contest:sprint' ORDER BY member_id`);
    expect(prizes.rows).toEqual([{ member_id: 'ana', amount: 100 }, { member_id: 'ben', amount: 50 }]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['ana', 'ben', 'cem'])).toEqual([]);
    for (const email of Object.values(emails)) {
      const mail = await waitForMail(env.stack.mailboxUrl, email, 1);
      expect(mail.filter((m) => /Autumn sprint/.test(`${m.subject} ${m.text}`))).toHaveLength(1);
    }
    if (process.env.RECORD_HISTORIES === '1') {
      const history = await env.ctx.temporal.workflow.getHandle('contest:sprint').fetchHistory();
      writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', 'contest.json'), historyJson(history));
    }
  });

  it('the sum of a custom event field', async () => {
    await member('dia');
    await member('eli');
    await member('gus');
    await env.ctx.pool.query(`UPDATE members SET tier_id = 'gold' WHERE id = 'gus'`);
    const t0 = Date.now();
    const res = await api.call('POST', '/v1/contests', marketer, {
      id: 'words',
      name: 'Most words reviewed',
      startsAt: new Date(t0 - 1000).toISOString(),
      endsAt: new Date(t0 + 3000).toISOString(),
      metric: { type: 'event_sum', eventType: 'review', field: 'event.properties.words' },
      // Eligibility by the segment DSL: gold members (gus) are out of this one.
      segment: { tier: { in: ['bronze', 'silver'] } },
      prizes: [{ rank: 1, name: 'Top reviewer', points: 40 }],
      prizeBudget: 40,
      lateEventGraceSeconds: 1,
    });
    expect(res.status).toBe(201);
    await ingestEvent(env.ctx.pool, { memberId: 'dia', type: 'review', idempotencyKey: `dia-1-${env.id}`, properties: { words: 120 } }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'eli', type: 'review', idempotencyKey: `eli-1-${env.id}`, properties: { words: 80 } }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'eli', type: 'review', idempotencyKey: `eli-2-${env.id}`, properties: { words: 90 } }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'gus', type: 'review', idempotencyKey: `gus-1-${env.id}`, properties: { words: 900 } }, { source: 'api' });
    expect(await env.ctx.temporal.workflow.getHandle('contest:words').result()).toEqual({ participants: 2, awarded: 1, announced: 2 });
    const standings = await env.ctx.pool.query(`SELECT rank, member_id, score FROM contest_standings WHERE contest_id = 'words' ORDER BY rank`);
    expect(standings.rows).toEqual([
      { rank: 1, member_id: 'eli', score: 170 },
      { rank: 2, member_id: 'dia', score: 120 },
    ]);
  });
});
