import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activatePendingPoints, checkLedgerInvariant, expirePoints, ingestEvent, reviewTiers } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample, publishVariant } from '../../support/ledger-fixture.js';
import { inactivityExpiresAt } from '../../../src/ledger/core/index.js';

const DAY = 86_400_000;

describe('set-based sweeps: pending activation, expiry, tier review', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
  });
  afterAll(async () => env?.cleanup());

  it('activates pending points whose return window closed', async () => {
    await upsertMember(env.ctx.pool, 'act', {}, program, 'test');
    const purchase = await ingestEvent(env.ctx.pool, { memberId: 'act', type: 'purchase', amount: 1_000_000, orderId: 'o1' }, { source: 'api' });
    expect(purchase.balance).toEqual({ available: 0, pending: 100 });
    expect(await activatePendingPoints(env.ctx.pool, new Date(Date.now() + 13 * DAY))).toEqual({ lots: 0, points: 0 });
    expect(await activatePendingPoints(env.ctx.pool, new Date(Date.now() + 15 * DAY))).toMatchObject({ lots: 1, points: 100 });
    const { rows } = await env.ctx.pool.query(`SELECT available, pending FROM member_balances WHERE member_id = 'act'`);
    expect(rows[0]).toEqual({ available: 100, pending: 0 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['act'])).toEqual([]);
  });

  it('expires due lots once, counting points and members, and a rerun does nothing', async () => {
    await upsertMember(env.ctx.pool, 'exp-a', {}, program, 'test');
    await upsertMember(env.ctx.pool, 'exp-b', {}, program, 'test');
    // Earned 13 months ago: expired at the end of the 12th month.
    const old = new Date(Date.now() - 400 * DAY).toISOString();
    await ingestEvent(env.ctx.pool, { memberId: 'exp-a', type: 'referral', idempotencyKey: 'a1', occurredAt: old }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'exp-a', type: 'referral', idempotencyKey: 'a2' }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'exp-b', type: 'referral', idempotencyKey: 'b1', occurredAt: old }, { source: 'api' });
    const first = await expirePoints(env.ctx.pool, new Date());
    expect(first).toEqual({ expiredPoints: 10, expiredLots: 2, members: 2 });
    expect(await expirePoints(env.ctx.pool, new Date())).toEqual({ expiredPoints: 0, expiredLots: 0, members: 0 });
    const { rows } = await env.ctx.pool.query(`SELECT member_id, available FROM member_balances WHERE member_id IN ('exp-a', 'exp-b') ORDER BY member_id`);
    expect(rows).toEqual([
      { member_id: 'exp-a', available: 5 },
      { member_id: 'exp-b', available: 0 },
    ]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['exp-a', 'exp-b'])).toEqual([]);
  });

  it('review: grace first, then soft landing one tier down (diamond → gold, not bronze)', async () => {
    const joined = new Date(Date.now() - 800 * DAY);
    await upsertMember(env.ctx.pool, 'fall', { joinedAt: joined.toISOString() }, program, 'test');
    const due = new Date(Date.now() - 10 * DAY);
    await env.ctx.pool.query(`UPDATE members SET tier_id = 'diamond', tier_started_at = $1 WHERE id = 'fall'`, [joined]);
    await env.ctx.pool.query(`UPDATE member_balances SET next_review_at = $1 WHERE member_id = 'fall'`, [due]);
    const firstReview = await reviewTiers(env.ctx.pool, new Date());
    expect(firstReview).toMatchObject({ reviewed: 1, grace_started: 1, downgraded: 0 });
    let m = await env.ctx.pool.query(`SELECT m.tier_id, b.grace_until FROM members m JOIN member_balances b ON b.member_id = m.id WHERE m.id = 'fall'`);
    expect(m.rows[0].tier_id).toBe('diamond');
    // 30 grace days later the member still does not qualify: one tier down.
    const afterGrace = new Date(due.getTime() + 31 * DAY);
    const second = await reviewTiers(env.ctx.pool, afterGrace);
    expect(second).toMatchObject({ downgraded: 1 });
    m = await env.ctx.pool.query(`SELECT m.tier_id, b.grace_until FROM members m JOIN member_balances b ON b.member_id = m.id WHERE m.id = 'fall'`);
    expect(m.rows[0]).toEqual({ tier_id: 'gold', grace_until: null });
    const changes = await env.ctx.pool.query(`SELECT from_tier, to_tier, reason FROM tier_changes WHERE member_id = 'fall'`);
    expect(changes.rows).toEqual([{ from_tier: 'diamond', to_tier: 'gold', reason: 'review_downgrade' }]);
    // Rerunning the same review changes nothing.
    expect(await reviewTiers(env.ctx.pool, afterGrace)).toMatchObject({ reviewed: 0 });
  });

  it('review keeps a member who requalified within the window', async () => {
    const joined = new Date(Date.now() - 400 * DAY);
    await upsertMember(env.ctx.pool, 'keep', { joinedAt: joined.toISOString() }, program, 'test');
    // 10,000,000 toman 100 days ago = 1,000 qualifying points: gold, judged over the year before the review.
    await ingestEvent(env.ctx.pool, { memberId: 'keep', type: 'purchase', amount: 10_000_000, orderId: 'k1', occurredAt: new Date(Date.now() - 100 * DAY).toISOString() }, { source: 'api' });
    await env.ctx.pool.query(`UPDATE member_balances SET next_review_at = $1 WHERE member_id = 'keep'`, [new Date(Date.now() - DAY)]);
    const counts = await reviewTiers(env.ctx.pool, new Date());
    expect(counts).toMatchObject({ reviewed: 1, kept: 1 });
    const m = await env.ctx.pool.query(`SELECT m.tier_id, b.next_review_at FROM members m JOIN member_balances b ON b.member_id = m.id WHERE m.id = 'keep'`);
    expect(m.rows[0].tier_id).toBe('gold');
    expect(m.rows[0].next_review_at.getTime()).toBeGreaterThan(Date.now());
  });

  it('inactivity expiry: every lot goes at the deadline, and the entries are dated at it', async () => {
    const inactive = await publishVariant(env, (p) => ({ ...p, expiry: { type: 'inactivity', months: 6 } }));
    const zones = ['Asia/Tehran', 'America/New_York'];
    const last = [new Date('2025-01-31T21:30:00Z'), new Date('2025-03-09T06:59:00Z'), new Date('2025-08-31T23:00:00Z')];
    for (const [z, zone] of zones.entries()) {
      for (const [k, at] of last.entries()) {
        const id = `idle-${z}-${k}`;
        await upsertMember(env.ctx.pool, id, { timeZone: zone }, inactive, 'test');
        await ingestEvent(env.ctx.pool, { memberId: id, type: 'referral', idempotencyKey: `${id}-r`, occurredAt: at.toISOString() }, { source: 'api', now: at });
      }
    }
    await expirePoints(env.ctx.pool, new Date('2026-06-01T00:00:00Z'));
    const { rows } = await env.ctx.pool.query<{ member_id: string; at: Date; last: Date }>(
      `SELECT e.member_id, e.at, b.last_activity_at AS last FROM ledger_entries e JOIN member_balances b ON b.member_id = e.member_id WHERE e.kind = 'expire' AND e.member_id LIKE 'idle-%' ORDER BY e.member_id`,
    );
    expect(rows).toHaveLength(zones.length * last.length);
    // The program's zone decides (one calendar for the program), as in the pure core.
    for (const row of rows) expect(row.at).toEqual(inactivityExpiresAt(inactive.expiry, row.last, inactive.timeZone));
  });
});
