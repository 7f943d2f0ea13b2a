import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints, checkLedgerInvariant, ingestEvent } from '../../../src/ledger/index.js';
import { redeemReward } from '../../../src/rewards/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { LaurelError } from '../../../src/errors/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';
import type { ProgramDefinition } from '../../../src/program/index.js';

describe('ledger under concurrency (real PostgreSQL, parallel connections)', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
  });
  afterAll(async () => env?.cleanup());

  it('50 parallel redemptions against one member never overspend', async () => {
    await upsertMember(env.ctx.pool, 'race', {}, program, 'test');
    // 1,000 points: room for exactly 10 redemptions of 100.
    await adjustPoints(env.ctx.pool, { memberId: 'race', points: 1000, reason: 'seed', idempotencyKey: 'seed', actor: 'test' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => redeemReward(env.ctx.pool, { memberId: 'race', rewardId: 'discount-50k', quantity: 1, idempotencyKey: `r${i}`, actor: 'test' })),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect((r.reason as LaurelError).code).toBe('insufficient_balance');
    const { rows } = await env.ctx.pool.query(`SELECT available, pending FROM member_balances WHERE member_id = 'race'`);
    expect(rows[0]).toEqual({ available: 0, pending: 0 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['race'])).toEqual([]);
  });

  it('20 parallel replays of one event award once', async () => {
    await upsertMember(env.ctx.pool, 'replays', {}, program, 'test');
    const event = { memberId: 'replays', type: 'purchase', amount: 3_000_000, orderId: 'same-order' };
    const results = await Promise.all(Array.from({ length: 20 }, () => ingestEvent(env.ctx.pool, event, { source: 'api' })));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(1);
    const { rows } = await env.ctx.pool.query(`SELECT count(*)::int AS n, sum(amount)::int AS points FROM ledger_entries WHERE member_id = 'replays'`);
    expect(rows[0]).toEqual({ n: 1, points: 300 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['replays'])).toEqual([]);
  });

  it('parallel events of many members keep every member consistent', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `many-${i}`);
    for (const id of ids) await upsertMember(env.ctx.pool, id, {}, program, 'test');
    await Promise.all(
      ids.flatMap((id) =>
        Array.from({ length: 5 }, (_, k) => ingestEvent(env.ctx.pool, { memberId: id, type: 'referral', idempotencyKey: `${id}-ref-${k}` }, { source: 'api' })),
      ),
    );
    const { rows } = await env.ctx.pool.query(`SELECT member_id, available FROM member_balances WHERE member_id = ANY($1) ORDER BY member_id`, [ids]);
    expect(rows.filter((r) => r.available !== 25)).toEqual([]);
    expect(await checkLedgerInvariant(env.ctx.pool, ids)).toEqual([]);
  });
});
