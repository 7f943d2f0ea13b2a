import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints, checkLedgerInvariant, expirePoints, ingestEvent } from '../../../src/ledger/index.js';
import { cancelRedemption, redeemReward } from '../../../src/rewards/index.js';
import { publishVariant } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers } from '../messaging/support/fixtures.js';

const DAY = 86_400_000;

// Points given back by a cancelled redemption go to the lots they came from, each keeping its own
// expiry: what goes back after the lot expired expires at once. Under inactivity expiry the lots
// have no date of their own; the member's inactivity deadline is theirs.
describe('a redemption cancelled after the points expired', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishVariant(env, (p) => ({ ...p, expiry: { type: 'inactivity', months: 6 } }));
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  const balance = async (id: string) => (await env.ctx.pool.query<{ available: number }>(`SELECT available FROM member_balances WHERE member_id = $1`, [id])).rows[0]!.available;

  it('under inactivity expiry: the points given back expire at once, and a later sweep finds nothing due', async () => {
    const t0 = Date.now();
    await seedMembers(env.ctx.pool, [{ id: 'idle-cancel', email: 'idle-cancel@example.test' }]);
    await adjustPoints(env.ctx.pool, { memberId: 'idle-cancel', points: 1000, reason: 'seed', idempotencyKey: 'seed-idle-cancel', actor: 'test', now: new Date(t0) });
    const redemption = await redeemReward(env.ctx.pool, { memberId: 'idle-cancel', rewardId: 'gift-box', quantity: 1, idempotencyKey: 'box', actor: 'test', now: new Date(t0) });
    expect(redemption.balance.available).toBe(400);
    // Seven months without activity: the 400 left expire.
    expect(await expirePoints(env.ctx.pool, new Date(t0 + 214 * DAY))).toMatchObject({ expiredPoints: 400 });
    // The box never ships; cancelled a month later, its 600 go back to the lot, past its deadline.
    await cancelRedemption(env.ctx.pool, { redemptionId: redemption.redemptionId, actor: 'test', reason: 'out of stock', now: new Date(t0 + 244 * DAY) });
    expect(await balance('idle-cancel')).toBe(0);
    expect(await expirePoints(env.ctx.pool, new Date(t0 + 245 * DAY))).toEqual({ expiredPoints: 0, expiredLots: 0, members: 0 });
    expect(await balance('idle-cancel')).toBe(0);
    expect(await checkLedgerInvariant(env.ctx.pool, ['idle-cancel'])).toEqual([]);
  });

  // The lot expired once for inactivity; the member comes back, the old redemption is cancelled
  // before the new deadline, so its points go back to that lot and are live again; idle once more,
  // the lot must expire a second time (its first expiry's entry key must not stop the second).
  it('under inactivity expiry: a lot whose points came back after it expired expires again', async () => {
    const t0 = Date.now();
    await seedMembers(env.ctx.pool, [{ id: 'idle-twice', email: 'idle-twice@example.test' }]);
    await adjustPoints(env.ctx.pool, { memberId: 'idle-twice', points: 1000, reason: 'seed', idempotencyKey: 'seed-idle-twice', actor: 'test', now: new Date(t0) });
    const redemption = await redeemReward(env.ctx.pool, { memberId: 'idle-twice', rewardId: 'gift-box', quantity: 1, idempotencyKey: 'box-twice', actor: 'test', now: new Date(t0) });
    expect(await expirePoints(env.ctx.pool, new Date(t0 + 214 * DAY))).toMatchObject({ expiredPoints: 400, expiredLots: 1 });
    // Back after 220 days (an earning event: activity), then the box is cancelled on day 230:
    // the new deadline is months away, so the 600 are live again, in the first lot.
    const back = new Date(t0 + 220 * DAY);
    const event = await ingestEvent(env.ctx.pool, { memberId: 'idle-twice', type: 'referral', idempotencyKey: 'idle-twice-back', occurredAt: back.toISOString() }, { source: 'api', now: back });
    const earned = event.balance.available;
    expect(earned).toBeGreaterThan(0);
    await cancelRedemption(env.ctx.pool, { redemptionId: redemption.redemptionId, actor: 'test', reason: 'out of stock', now: new Date(t0 + 230 * DAY) });
    expect(await balance('idle-twice')).toBe(earned + 600);
    // Idle again for more than six months: everything goes, the first lot for the second time.
    expect(await expirePoints(env.ctx.pool, new Date(t0 + 420 * DAY))).toEqual({ expiredPoints: earned + 600, expiredLots: 2, members: 1 });
    expect(await balance('idle-twice')).toBe(0);
    expect(await expirePoints(env.ctx.pool, new Date(t0 + 421 * DAY))).toEqual({ expiredPoints: 0, expiredLots: 0, members: 0 });
    const { rows } = await env.ctx.pool.query<{ lot_id: string; points: number }>(
      `SELECT a.lot_id, a.points FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq
        WHERE e.member_id = 'idle-twice' AND e.kind = 'expire' AND e.reason = 'expiry' ORDER BY e.seq`,
    );
    expect(rows).toHaveLength(3);
    const [first, ...second] = rows;
    expect(first!.points).toBe(-400);
    expect(second.find((r) => r.lot_id === first!.lot_id)?.points).toBe(-600);
    expect(second.find((r) => r.lot_id !== first!.lot_id)?.points).toBe(-earned);
    expect(await checkLedgerInvariant(env.ctx.pool, ['idle-twice'])).toEqual([]);
  });
});
