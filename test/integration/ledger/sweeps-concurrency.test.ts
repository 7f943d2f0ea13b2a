import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints, checkLedgerInvariant, expirePoints } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';

const DAY = 86_400_000;

// An expiry page locks its members' balance rows (they carry the ledger version), then reads their due lots. A writer that
// holds a member's row when the page starts makes the page wait for the lock; what that writer
// changed must be what the page then expires. The tests hold the lock themselves, so the order of
// events is fixed (no timing): they wait until the sweeps' statements are queued on it.
describe('expiry pages racing other writers', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
  });
  afterAll(async () => env?.cleanup());

  /** A member with `points` in one lot that expired yesterday. */
  async function memberWithDueLot(id: string, points: number): Promise<void> {
    await upsertMember(env.ctx.pool, id, {}, program, 'test');
    await adjustPoints(env.ctx.pool, { memberId: id, points, reason: 'seed', idempotencyKey: `${id}-seed`, actor: 'test', expiresAt: new Date(Date.now() - DAY), now: new Date(Date.now() - 30 * DAY) });
  }

  /** Resolves once `n` statements of this database wait for a lock (the sweeps' pages: nothing else runs here meanwhile). */
  async function expiryPagesWaiting(n: number): Promise<void> {
    for (let i = 0; i < 600; i += 1) {
      const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (rows[0]!.n >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`fewer than ${n} expiry pages waiting`);
  }

  const balance = async (id: string) => (await env.ctx.pool.query<{ available: number }>(`SELECT available FROM member_balances WHERE member_id = $1`, [id])).rows[0]!.available;

  it('two sweeps over the same member: the lot expires once, the second finds nothing due once it has the lock', async () => {
    await memberWithDueLot('race-a', 300);
    const holder = await env.ctx.pool.connect();
    try {
      await holder.query('BEGIN');
      // A ledger writer's lock (findMember(…, true)): the member row, then its balance row (migration 0052).
      await holder.query(`SELECT 1 FROM members WHERE id = 'race-a' FOR UPDATE`);
      await holder.query(`UPDATE member_balances SET ledger_version = ledger_version + 1 WHERE member_id = 'race-a'`);
      const sweeps = [expirePoints(env.ctx.pool, new Date()), expirePoints(env.ctx.pool, new Date())];
      await expiryPagesWaiting(2);
      await holder.query('COMMIT');
      const results = await Promise.all(sweeps);
      expect(results.map((r) => r.expiredPoints).sort((a, b) => a - b)).toEqual([0, 300]);
    } finally {
      holder.release();
    }
    expect(await balance('race-a')).toBe(0);
    const { rows } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE member_id = 'race-a' AND kind = 'expire'`);
    expect(rows[0]).toEqual({ n: 1 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['race-a'])).toEqual([]);
  });

  it('a writer that spent part of the lot while the page waited: the page expires what is left, not what it saw before the wait', async () => {
    await memberWithDueLot('stale-a', 400);
    const lot = (await env.ctx.pool.query<{ id: string }>(`SELECT id FROM lots WHERE member_id = 'stale-a'`)).rows[0]!.id;
    const holder = await env.ctx.pool.connect();
    try {
      // A spend of 100 from the lot, written as the ledger write does (entry, allocation, lot,
      // balance, under the member's row lock), committed while the sweep's page waits.
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM members WHERE id = 'stale-a' FOR UPDATE`);
      await holder.query(`UPDATE member_balances SET ledger_version = ledger_version + 1 WHERE member_id = 'stale-a'`);
      const sweep = expirePoints(env.ctx.pool, new Date());
      await expiryPagesWaiting(1);
      const { rows } = await holder.query<{ seq: string }>(
        `INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, at, source, reason) VALUES ('stale-a-spend', 'stale-a', 'adjust', -100, now(), 'admin', 'test') RETURNING seq`,
      );
      await holder.query(`INSERT INTO lot_allocations (entry_seq, lot_id, points) VALUES ($1, $2, -100)`, [rows[0]!.seq, lot]);
      await holder.query(`UPDATE lots SET remaining_points = remaining_points - 100 WHERE id = $1`, [lot]);
      await holder.query(`UPDATE member_balances SET available = available - 100 WHERE member_id = 'stale-a'`);
      await holder.query('COMMIT');
      expect(await sweep).toEqual({ expiredPoints: 300, expiredLots: 1, members: 1 });
    } finally {
      holder.release();
    }
    expect(await balance('stale-a')).toBe(0);
    expect(await checkLedgerInvariant(env.ctx.pool, ['stale-a'])).toEqual([]);
  });
});
