import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/api/server.js';
import { createApiKey } from '../../../src/auth/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

interface ReportBody {
  from: string | null;
  to: string | null;
  totals: { total: number; active: number; regained: number; lapsed: number; regainRate: number | null };
  byReviewDate: { reviewDate: string; total: number; active: number; regained: number; lapsed: number; regainRate: number | null }[];
  items: { id: string; memberId: string; fromTier: string; toTier: string; reviewDate: string; status: string; progressPoints: number; targetPoints: number | null; endedAt: string | null }[];
  nextBefore: string | null;
}

// Win-backs of three review dates; the rows as the tier review and the workflow leave them.
const JOURNEYS: { member: string; at: string; status: 'active' | 'regained' | 'lapsed' }[] = [
  { member: 'wr-01', at: '2026-03-01T00:00:00.123456Z', status: 'regained' },
  { member: 'wr-02', at: '2026-03-01T00:00:00.123456Z', status: 'lapsed' },
  { member: 'wr-03', at: '2026-03-01T00:00:00.123456Z', status: 'lapsed' },
  { member: 'wr-04', at: '2026-04-01T00:00:00Z', status: 'regained' },
  { member: 'wr-05', at: '2026-04-01T00:00:00Z', status: 'regained' },
  { member: 'wr-06', at: '2026-04-01T00:00:00Z', status: 'active' },
  { member: 'wr-07', at: '2026-05-01T23:59:59.999999Z', status: 'active' },
];

describe('GET /v1/reports/winback', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let headers: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv();
    const pool = env.ctx.pool;
    for (const j of JOURNEYS) {
      await pool.query(`INSERT INTO members (id, tier_id) VALUES ($1, 'silver')`, [j.member]);
      await pool.query(`INSERT INTO member_balances (member_id, next_review_at) VALUES ($1, now() + interval '1 year')`, [j.member]);
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at) VALUES ($1, 'gold', 'silver', 'review_downgrade', $2) RETURNING id`,
        [j.member, j.at],
      );
      await pool.query(
        `INSERT INTO winbacks (id, member_id, tier_change_id, from_tier, to_tier, demoted_at, target_points, deadline, progress_points, status, ended_at)
         VALUES ('winback:' || $1 || ':' || to_char($2::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD'), $1, $3, 'gold', 'silver', $2, 500, $2::timestamptz + interval '90 days',
                 CASE $4 WHEN 'regained' THEN 500 ELSE 120 END, $4, CASE WHEN $4 = 'active' THEN NULL ELSE $2::timestamptz + interval '30 days' END)`,
        [j.member, j.at, rows[0]!.id, j.status],
      );
    }
    app = await buildServer(env.ctx);
    const { key } = await createApiKey(pool, { role: 'marketer', name: 'winback report test' });
    headers = { authorization: `Bearer ${key}` };
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  async function report(query = ''): Promise<ReportBody> {
    const res = await app.inject({ method: 'GET', url: `/v1/reports/winback${query}`, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ReportBody>();
  }

  it('counts by outcome overall and by review date (UTC day of the demotion), newest first', async () => {
    const body = await report();
    expect(body.totals).toEqual({ total: 7, active: 2, regained: 3, lapsed: 2, regainRate: 0.6 });
    expect(body.byReviewDate).toEqual([
      { reviewDate: '2026-05-01', total: 1, active: 1, regained: 0, lapsed: 0, regainRate: null },
      { reviewDate: '2026-04-01', total: 3, active: 1, regained: 2, lapsed: 0, regainRate: 1 },
      { reviewDate: '2026-03-01', total: 3, active: 0, regained: 1, lapsed: 2, regainRate: 1 / 3 },
    ]);
    expect(body.items.map((i) => i.id)).toEqual([
      'winback:wr-07:2026-05-01',
      'winback:wr-06:2026-04-01',
      'winback:wr-05:2026-04-01',
      'winback:wr-04:2026-04-01',
      'winback:wr-03:2026-03-01',
      'winback:wr-02:2026-03-01',
      'winback:wr-01:2026-03-01',
    ]);
    expect(body.items[6]).toMatchObject({ memberId: 'wr-01', fromTier: 'gold', toTier: 'silver', reviewDate: '2026-03-01', status: 'regained', progressPoints: 500, targetPoints: 500, endedAt: '2026-03-31T00:00:00.123Z' });
    expect(body.nextBefore).toBeNull();
  });

  it('a date range bounds counts and list by review date, both ends inclusive', async () => {
    const body = await report('?from=2026-04-01&to=2026-05-01');
    expect(body.totals).toMatchObject({ total: 4, active: 2, regained: 2, lapsed: 0 });
    expect(body.byReviewDate.map((d) => d.reviewDate)).toEqual(['2026-05-01', '2026-04-01']);
    expect(body.items).toHaveLength(4);
    expect((await report('?to=2026-03-01')).totals).toMatchObject({ total: 3, regained: 1, lapsed: 2 });
  });

  it('pages by keyset (microsecond timestamps included) and filters the list by outcome', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const page: ReportBody = await report(`?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      expect(page.totals.total).toBe(7);
      seen.push(...page.items.map((i) => i.id));
      before = page.nextBefore;
    } while (before);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);

    const lapsed = await report('?status=lapsed');
    expect(lapsed.items.map((i) => i.memberId)).toEqual(['wr-03', 'wr-02']);
    expect(lapsed.totals.total).toBe(7);
  });

  it('marketers and admins only; bad queries are problems naming the field', async () => {
    const { key } = await createApiKey(env.ctx.pool, { role: 'ingest', name: 'not a reporter' });
    expect((await app.inject({ method: 'GET', url: '/v1/reports/winback', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/reports/winback' })).statusCode).toBe(401);
    const bad = await app.inject({ method: 'GET', url: '/v1/reports/winback?status=won', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ detail: string }>().detail).toMatch(/^query\.status/);
    const reversed = await app.inject({ method: 'GET', url: '/v1/reports/winback?from=2026-05-01&to=2026-04-01', headers });
    expect(reversed.statusCode).toBe(422); // each date is well formed; their order breaks the rule
  });

  it("the expiry sweep's points_expired lookup can use its index (migration 0014: a sweep's entries by created_at)", async () => {
    const client = await env.ctx.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT e.member_id FROM ledger_entries e WHERE e.kind = 'expire' AND e.created_at = now() AND e.member_id > '' GROUP BY e.member_id ORDER BY e.member_id LIMIT 500`,
      );
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('ledger_expired_sweep_member_idx');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});
