import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestEvent, reviewTiers } from '../../../src/ledger/index.js';
import { getMember, lockLedger, upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';

const DAY = 86_400_000;

// Since migrations 0075–0076 the review schedule and the grace live on the member's balance row: a
// review writes that narrow row (next review, grace, ledger version) for every member it judges, and
// the wide members row only where the tier moves.
describe('tier review on the balance row', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
  });
  afterAll(async () => env?.cleanup());

  /** A member in `tier` since it joined 800 days ago, its review due 10 days ago. */
  async function dueMember(id: string, tier: string): Promise<Date> {
    const joined = new Date(Date.now() - 800 * DAY);
    await upsertMember(env.ctx.pool, id, { joinedAt: joined.toISOString() }, program, 'test');
    const due = new Date(Date.now() - 10 * DAY);
    await env.ctx.pool.query(`UPDATE members SET tier_id = $2, tier_started_at = $3 WHERE id = $1`, [id, tier, joined]);
    await env.ctx.pool.query(`UPDATE member_balances SET next_review_at = $2 WHERE member_id = $1`, [id, due]);
    return due;
  }

  /** The members row's version (xmin: changes with every write of the row), and the balance row's schedule and ledger version. */
  async function rows(id: string): Promise<{ member_xmin: string; next_review_at: Date; ledger_version: string; tier_id: string }> {
    const { rows } = await env.ctx.pool.query(
      `SELECT m.xmin::text AS member_xmin, m.tier_id, b.next_review_at, b.ledger_version::text FROM members m JOIN member_balances b ON b.member_id = m.id WHERE m.id = $1`,
      [id],
    );
    return rows[0];
  }

  it('a member kept in its tier: the balance row gets the next review and a new ledger version; the members row is not written', async () => {
    await dueMember('kept-1', 'bronze');
    const before = await rows('kept-1');
    expect(await reviewTiers(env.ctx.pool, new Date())).toMatchObject({ reviewed: 1, kept: 1 });
    const after = await rows('kept-1');
    expect(after.member_xmin).toBe(before.member_xmin);
    expect(Number(after.ledger_version)).toBe(Number(before.ledger_version) + 1);
    expect(after.next_review_at.getTime()).toBeGreaterThan(Date.now());
    // The member as the API reads it: its next review from the balance row.
    expect((await getMember(env.ctx.pool, 'kept-1')).nextReviewAt).toEqual(after.next_review_at);
  });

  it('a grace that starts is written on the balance row; a tier that drops on the members row too', async () => {
    const due = await dueMember('drop-1', 'diamond');
    const before = await rows('drop-1');
    expect(await reviewTiers(env.ctx.pool, new Date())).toMatchObject({ reviewed: 1, grace_started: 1 });
    const inGrace = await rows('drop-1');
    expect(inGrace.member_xmin).toBe(before.member_xmin);
    const member = await getMember(env.ctx.pool, 'drop-1');
    expect(member.graceUntil).not.toBeNull();
    // While in grace the next look is the grace deadline.
    expect(member.nextReviewAt).toEqual(member.graceUntil);
    expect(await reviewTiers(env.ctx.pool, new Date(due.getTime() + 31 * DAY))).toMatchObject({ reviewed: 1, downgraded: 1 });
    const dropped = await rows('drop-1');
    expect(dropped.tier_id).toBe('gold');
    expect(dropped.member_xmin).not.toBe(inGrace.member_xmin);
    expect((await getMember(env.ctx.pool, 'drop-1')).graceUntil).toBeNull();
  });

  it('an event that requalifies a member in grace ends the grace on the balance row, without writing the members row', async () => {
    await dueMember('grace-1', 'gold');
    expect(await reviewTiers(env.ctx.pool, new Date())).toMatchObject({ reviewed: 1, grace_started: 1 });
    expect((await getMember(env.ctx.pool, 'grace-1')).graceUntil).not.toBeNull();
    const before = await rows('grace-1');
    // 10,000,000 toman = 1,000 qualifying points: gold again, in the current window.
    await ingestEvent(env.ctx.pool, { memberId: 'grace-1', type: 'purchase', amount: 10_000_000, orderId: 'g1', occurredAt: new Date().toISOString() }, { source: 'api' });
    const member = await getMember(env.ctx.pool, 'grace-1');
    expect(member.graceUntil).toBeNull();
    expect(member.tierId).toBe('gold');
    expect((await rows('grace-1')).member_xmin).toBe(before.member_xmin);
  });

  it('a page that waited for a member whose upgrade moved the review reads the member as of its locks, and leaves it alone', async () => {
    await dueMember('moved-1', 'bronze');
    const holder = await env.ctx.pool.connect();
    let review: ReturnType<typeof reviewTiers> | undefined;
    try {
      // An upgrade as a ledger writer makes it: member row, then balance row (ledger version and the new schedule).
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM members WHERE id = 'moved-1' FOR UPDATE`);
      await holder.query(`UPDATE member_balances SET ledger_version = ledger_version + 1, next_review_at = now() + interval '1 year' WHERE member_id = 'moved-1'`);
      await holder.query(`UPDATE members SET tier_id = 'gold', tier_started_at = now() WHERE id = 'moved-1'`);
      review = reviewTiers(env.ctx.pool, new Date());
      for (let i = 0; ; i += 1) {
        const { rows: waiting } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (waiting[0]!.n >= 1) break;
        if (i > 600) throw new Error('the review page never waited for the member');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    expect(await review).toMatchObject({ reviewed: 0 });
    expect((await rows('moved-1')).tier_id).toBe('gold');
    const { rows: reviews } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM tier_reviews WHERE member_id = 'moved-1'`);
    expect(reviews[0]).toEqual({ n: 0 });
  });

  it('every member has its balance row: locking a member without one is an error, not a row made up without a review schedule', async () => {
    await env.ctx.pool.query(`INSERT INTO members (id, tier_id) VALUES ('no-balance', 'bronze')`);
    await expect(lockLedger(env.ctx.pool, 'no-balance')).rejects.toThrow(/no balance row/);
    await expect(env.ctx.pool.query(`INSERT INTO member_balances (member_id) VALUES ('no-balance')`)).rejects.toThrow(/next_review_at/);
  });
});
