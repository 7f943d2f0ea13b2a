import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariant, ingestBatch, ingestEvent, type EventInput } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { LaurelError } from '../../../src/errors/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';

/**
 * A batch is decided in memory and written in one statement: it must land exactly where the same
 * events sent one by one land — limits counted across the batch, a tier earned mid-batch raising
 * the bonus of the next purchase, a refund of a purchase earlier in the same batch.
 */
describe('a batch of one member’s events equals the same events one by one', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
  });
  afterAll(async () => env?.cleanup());

  const day = '2026-11-20T10:00:00.000Z';
  const history = (memberId: string): EventInput[] => [
    // 600 points: silver (500) is reached by this purchase, so the next one earns silver's bonus.
    { memberId, type: 'purchase', amount: 6_000_000, orderId: 'o1', occurredAt: day },
    { memberId, type: 'purchase', amount: 1_000_000, orderId: 'o2', occurredAt: day },
    // Reviews are capped at 3 a day: the fourth and fifth earn nothing.
    ...Array.from({ length: 5 }, (_, k): EventInput => ({ memberId, type: 'review', idempotencyKey: `${memberId}-review-${k}`, occurredAt: day })),
    { memberId, type: 'refund', amount: 1_000_000, orderId: 'o2', refundId: 'r1', occurredAt: day },
    { memberId, type: 'referral', idempotencyKey: `${memberId}-ref`, occurredAt: day },
  ];

  async function ledgerOf(memberId: string) {
    const entries = await env.ctx.pool.query(
      `SELECT kind, amount, qualifying_points, pending, rule_id, component FROM ledger_entries WHERE member_id = $1 ORDER BY seq`,
      [memberId],
    );
    const lots = await env.ctx.pool.query(`SELECT kind, status, original_points, remaining_points, clawed_back_points FROM lots WHERE member_id = $1 ORDER BY earned_at, original_points, remaining_points`, [memberId]);
    const balance = await env.ctx.pool.query(`SELECT available, pending, lifetime_earned FROM member_balances WHERE member_id = $1`, [memberId]);
    const member = await env.ctx.pool.query(`SELECT tier_id FROM members WHERE id = $1`, [memberId]);
    const tiers = await env.ctx.pool.query(`SELECT from_tier, to_tier, reason FROM tier_changes WHERE member_id = $1 ORDER BY id`, [memberId]);
    return { entries: entries.rows, lots: lots.rows, balance: balance.rows[0], tier: member.rows[0], tierChanges: tiers.rows };
  }

  it('lands on the same entries, lots, balance and tier', async () => {
    for (const id of ['one-by-one', 'batched']) await upsertMember(env.ctx.pool, id, {}, program, 'test');
    const now = new Date('2026-11-20T12:00:00.000Z');
    const sequential = [];
    for (const e of history('one-by-one')) sequential.push(await ingestEvent(env.ctx.pool, e, { source: 'api', now }));
    const batched = await ingestBatch(env.ctx.pool, history('batched'), { source: 'api', now });

    expect(batched.map((r) => r.points)).toEqual(sequential.map((r) => r.points));
    expect(batched.map((r) => r.tier)).toEqual(sequential.map((r) => r.tier));
    expect(sequential[1]!.points.bonus).toBeGreaterThan(0);
    expect(sequential.slice(2, 7).map((r) => r.points.total)).toEqual([5, 5, 5, 0, 0]);
    expect(await ledgerOf('batched')).toEqual(await ledgerOf('one-by-one'));
    expect(await checkLedgerInvariant(env.ctx.pool, ['one-by-one', 'batched'])).toEqual([]);
  });

  it('a bad event anywhere in a batch writes nothing at all', async () => {
    await upsertMember(env.ctx.pool, 'atomic', {}, program, 'test');
    const events: EventInput[] = [
      { memberId: 'atomic', type: 'purchase', amount: 1_000_000, orderId: 'a1' },
      { memberId: 'atomic', type: 'refund', amount: 5_000, orderId: 'never-bought', refundId: 'x' },
    ];
    const err = (await ingestBatch(env.ctx.pool, events, { source: 'api' }).catch((e: unknown) => e)) as LaurelError;
    expect(err.code).toBe('unknown_order');
    expect(err.message).toMatch(/^events\[1\]: /);
    const { rows } = await env.ctx.pool.query(`SELECT (SELECT count(*) FROM events WHERE member_id = 'atomic')::int AS events, (SELECT count(*) FROM ledger_entries WHERE member_id = 'atomic')::int AS entries`);
    expect(rows[0]).toEqual({ events: 0, entries: 0 });
  });

  it('a key repeated inside a batch is one event; the repeat is a replay', async () => {
    await upsertMember(env.ctx.pool, 'twice', {}, program, 'test');
    const e: EventInput = { memberId: 'twice', type: 'purchase', amount: 2_000_000, orderId: 't1' };
    const [first, second] = await ingestBatch(env.ctx.pool, [e, e], { source: 'api' });
    expect(first!.replayed).toBe(false);
    expect(second!.replayed).toBe(true);
    expect(second!.eventId).toBe(first!.eventId);
    const { rows } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE member_id = 'twice'`);
    expect(rows[0].n).toBe(1);
  });
});
