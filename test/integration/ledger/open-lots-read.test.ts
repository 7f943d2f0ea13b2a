import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLotsSql } from '../../../src/ledger/lot-rows.js';
import { upsertMember } from '../../../src/members/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';

/**
 * Every event reads its member's lots. That read must find exactly the lots a ledger opens with,
 * and find them through indexes: as one OR no index could serve, it scanned every lot of every
 * member, so each event got slower as the program's history grew.
 */
describe('the event path’s lot read', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
    const program = await publishExample(env, 'reference');
    for (const id of ['m', 'other']) await upsertMember(env.ctx.pool, id, {}, program, 'test');
    const lot = (id: string, member: string, kind: string, status: string, remaining: number, orderId: string | null) =>
      env.ctx.pool.query(
        `INSERT INTO lots (id, member_id, kind, status, earned_at, original_points, remaining_points, order_id) VALUES ($1, $2, $3, $4, now(), $5, $6, $7)`,
        [id, member, kind, status, Math.max(remaining, 10), remaining, orderId],
      );
    await lot('open', 'm', 'points', 'active', 10, 'o0');
    await lot('pending', 'm', 'points', 'pending', 10, null);
    await lot('spent-o1', 'm', 'points', 'active', 0, 'o1');
    await lot('spent-o2', 'm', 'points', 'active', 0, 'o2');
    await lot('debt:m', 'm', 'debt', 'active', 0, null); // a settled debt lot is reused, so it is read
    await lot('other-open', 'other', 'points', 'active', 10, 'o1');
  });
  afterAll(async () => env?.cleanup());

  const ids = async (orders: string[]) =>
    (await env.ctx.pool.query<{ id: string }>(openLotsSql('$1', '$2'), [['m'], orders])).rows.map((r) => r.id).sort();

  it('reads open, pending and debt lots, and every lot of the refunded orders only', async () => {
    expect(await ids([])).toEqual(['debt:m', 'open', 'pending']);
    expect(await ids(['o1'])).toEqual(['debt:m', 'open', 'pending', 'spent-o1']);
  });

  it('never scans the lots table', async () => {
    const client = await env.ctx.pool.connect();
    try {
      // Even with scans priced out, a query no index can serve still scans: that is what this catches.
      await client.query('SET enable_seqscan = off');
      for (const orders of [[], ['o1']]) {
        const plan = (await client.query(`EXPLAIN ${openLotsSql('$1', '$2')}`, [['m'], orders])).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
        expect(plan).not.toMatch(/Seq Scan on lots/);
      }
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });
});
