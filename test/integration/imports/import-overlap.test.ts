import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEvents } from '../../../src/imports/index.js';
import { checkLedgerInvariant } from '../../../src/ledger/index.js';
import { publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

const HOUR = 3_600_000;
const LINES = 240;
const SHARED = 7;

/**
 * The import overlaps chunks (the next is decided while the one before is written). Members the
 * chunk in flight touches must wait for it: a refund one chunk after its purchase finds it, and
 * every member's events keep the file's order. Small chunks that share members all the time must
 * import exactly what one chunk of the whole file imports.
 */
describe('import overlapping chunks', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  /** Purchases of a few shared members and of members of their own; every fifth line refunds a purchase one to three lines back. */
  const start = Date.now() - 100 * 24 * HOUR;
  function file(prefix: string): string {
    const lines: string[] = [];
    for (let i = 0; i < LINES; i++) {
      const at = new Date(start + i * HOUR).toISOString();
      if (i % 5 === 4) {
        const bought = i - 1 - (i % 3);
        lines.push(JSON.stringify({ idempotencyKey: `${prefix}-${i}`, memberId: memberOf(prefix, bought), type: 'refund', orderId: `${prefix}o${bought}`, amount: 200_000, occurredAt: at }));
      } else {
        lines.push(JSON.stringify({ idempotencyKey: `${prefix}-${i}`, memberId: memberOf(prefix, i), type: 'purchase', orderId: `${prefix}o${i}`, amount: 500_000 + (i % 11) * 100_000, occurredAt: at }));
      }
    }
    return `${lines.join('\n')}\n`;
  }
  const memberOf = (prefix: string, i: number) => (i % 3 === 0 ? `${prefix}own${i}` : `${prefix}m${i % SHARED}`);

  async function seed(prefix: string): Promise<string[]> {
    const ids = [...new Set(Array.from({ length: LINES }, (_, i) => memberOf(prefix, i)))];
    await env.ctx.pool.query(
      `INSERT INTO members (id, tier_id, joined_at, tier_started_at) SELECT id, 'bronze', now() - interval '2 years', now() - interval '2 years' FROM unnest($1::text[]) id`,
      [ids],
    );
    await env.ctx.pool.query(`INSERT INTO member_balances (member_id, next_review_at) SELECT unnest($1::text[]), now() + interval '1 year'`, [ids]);
    return ids;
  }

  async function ledgerOf(prefix: string, ids: readonly string[]) {
    const { rows } = await env.ctx.pool.query<{ id: string; available: number; pending: number; earned: number; entries: number; tier: string }>(
      `SELECT substr(m.id, length($1) + 1) AS id, b.available, b.pending, b.lifetime_earned AS earned, m.tier_id AS tier,
              (SELECT count(*) FROM ledger_entries e WHERE e.member_id = m.id)::int AS entries
         FROM members m JOIN member_balances b ON b.member_id = m.id WHERE m.id = ANY($2::text[]) ORDER BY 1`,
      [prefix, ids],
    );
    return rows;
  }

  it('chunks of 3 sharing members import exactly what one chunk does; refunds find purchases of the chunk before', async () => {
    const now = new Date();
    const [small, whole] = [await seed('a'), await seed('b')];
    const overlapped = await importEvents(env.ctx.pool, () => Readable.from([file('a')]), { format: 'ndjson', skipBad: true, chunk: 3, now });
    const single = await importEvents(env.ctx.pool, () => Readable.from([file('b')]), { format: 'ndjson', skipBad: true, chunk: 10_000, now });
    expect(single).toMatchObject({ lines: LINES, imported: LINES, badCount: 0 });
    expect(overlapped).toMatchObject({ lines: LINES, imported: LINES, badCount: 0 });
    const refunds = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM order_refunds WHERE member_id LIKE 'a%'`);
    expect(refunds.rows[0]!.n).toBe(LINES / 5);
    expect(await ledgerOf('a', small)).toEqual(await ledgerOf('b', whole));
    expect(await checkLedgerInvariant(env.ctx.pool, [...small, ...whole])).toEqual([]);

    // A second run finds every key taken.
    const again = await importEvents(env.ctx.pool, () => Readable.from([file('a')]), { format: 'ndjson', skipBad: true, chunk: 3, now });
    expect(again).toMatchObject({ lines: LINES, imported: 0, unchanged: LINES, badCount: 0 });
  });
});
