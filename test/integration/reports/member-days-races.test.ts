import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestEvent } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { rebuildReportMemberDays } from '../../../src/reports/rollups.js';
import { publishExample } from '../../support/ledger-fixture.js';
import { oracleDayTierMismatches } from '../../support/report-oracle.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

// report_member_days.tier_end (migration 0036, kept by 0065) is written by two writers: the events
// trigger sets it on a NEW day row from the member's tier changes, and the tier_changes trigger
// recomputes the member's day rows. Neither sees the other's uncommitted rows, so of an event and a
// tier change of one member, the second must wait for the first to commit (the per-member advisory
// lock both take before they read). Here one side is held open in a transaction while the other runs,
// for a member whose ONLY tier change is the concurrent one: the order is fixed by the test (it waits
// until the other side is queued on a lock, or done if nothing made it wait), no timing.
describe('tier at the day\'s end: an event and a tier change of one member, racing', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
    await rebuildReportMemberDays(env.ctx.pool, program.timeZone);
  });
  afterAll(async () => env?.cleanup());

  /** Resolves once a statement of this database waits for a lock, or once `work` has settled (nothing made it wait). */
  async function queuedOrDone(work: Promise<unknown>): Promise<void> {
    let settled = false;
    void work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 600; i += 1) {
      if (settled) return;
      const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (rows[0]!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the other writer neither waited nor finished');
  }

  const dayRow = async (memberId: string, day: string) =>
    (await env.ctx.pool.query<{ tier_id: string | null; tier_end: string | null }>(`SELECT tier_id, tier_end FROM report_member_days WHERE member_id = $1 AND day = $2::date`, [memberId, day])).rows;

  it('the tier change is written first and commits while the event waits: the new day row has the changed tier', async () => {
    const memberId = 'race-tc-first';
    await upsertMember(env.ctx.pool, memberId, { joinedAt: '2025-05-01T08:00:00Z' }, program, 'test');
    const holder = await env.ctx.pool.connect();
    try {
      await holder.query('BEGIN');
      // The member's first and only tier change, dated before the event's day.
      await holder.query(`INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, review_key) VALUES ($1, 'bronze', 'silver', 'manual_promotion', '2025-06-01T08:00:00Z', 'race-1')`, [memberId]);
      const event = ingestEvent(env.ctx.pool, { memberId, type: 'purchase', amount: 1_000_000, orderId: 'race-o1', occurredAt: '2025-06-10T08:00:00Z' }, { source: 'api', now: new Date('2025-06-10T08:00:00Z') });
      await queuedOrDone(event);
      await holder.query('COMMIT');
      await event;
    } finally {
      holder.release();
    }
    // 2025-06-10 08:00 UTC is 11:30 in Tehran: local day 2025-06-10. The event was decided in bronze
    // (the members row never moved); the tier changes say silver at that day's end.
    expect(await dayRow(memberId, '2025-06-10')).toEqual([{ tier_id: 'bronze', tier_end: 'silver' }]);
    expect(await oracleDayTierMismatches(env.ctx.pool)).toEqual([]);
  });

  it('the event is written first and commits while the tier change waits: the tier change recomputes the new day row', async () => {
    const memberId = 'race-ev-first';
    await upsertMember(env.ctx.pool, memberId, { joinedAt: '2025-05-01T08:00:00Z' }, program, 'test');
    const holder = await env.ctx.pool.connect();
    try {
      // An event row as any writer inserts one (the events trigger writes the day row), held open.
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, program_version, result)
         VALUES ('race-e2', 'race-e2', $1, 'login', '2025-06-12T08:00:00Z', NULL, 1, '{"tier": {"from": "bronze"}}')`,
        [memberId],
      );
      const change = env.ctx.pool.query(
        `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, review_key) VALUES ($1, 'bronze', 'gold', 'manual_promotion', '2025-06-02T08:00:00Z', 'race-2')`,
        [memberId],
      );
      await queuedOrDone(change);
      await holder.query('COMMIT');
      await change;
    } finally {
      holder.release();
    }
    expect(await dayRow(memberId, '2025-06-12')).toEqual([{ tier_id: 'bronze', tier_end: 'gold' }]);
    expect(await oracleDayTierMismatches(env.ctx.pool)).toEqual([]);
  });

  it('what both triggers wrote equals the rollup rebuilt from the events and tier changes', async () => {
    const rows = async () => (await env.ctx.pool.query(`SELECT day::text, member_id, events, purchases, tier_id, tier_end FROM report_member_days ORDER BY day, member_id COLLATE "C"`)).rows;
    const written = await rows();
    expect(written.length).toBeGreaterThan(0);
    await rebuildReportMemberDays(env.ctx.pool, program.timeZone);
    expect(written).toEqual(await rows());
    expect(await oracleDayTierMismatches(env.ctx.pool)).toEqual([]);
  });
});
