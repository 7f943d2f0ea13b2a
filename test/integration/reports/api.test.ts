import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints, ingestEvent } from '../../../src/ledger/index.js';
import { redeemReward } from '../../../src/rewards/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import {
  compactMissionReportRollup,
  compactReportRollups,
  compactSalesRollups,
  csvColumns,
  MissionsReportSchema,
  PointsReportSchema,
  rebuildReportRollups,
  REPORTS,
  SalesReportSchema,
} from '../../../src/reports/index.js';
import { Api, apiKey, publishExample, publishVariant } from '../../support/ledger-fixture.js';
import { oraclePoints, oracleStock } from '../../support/report-oracle.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

describe('GET /v1/reports/…: access, bad input, CSV, rollup upkeep', () => {
  let env: TestEnv;
  let api: Api;
  let marketer: string;
  let program: ProgramDefinition;

  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishExample(env, 'reference');
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
    const pool = env.ctx.pool;
    await upsertMember(pool, 'ra-1', { joinedAt: '2025-03-01T08:00:00Z' }, program, 'test');
    await upsertMember(pool, 'ra-2', { joinedAt: '2025-03-02T08:00:00Z' }, program, 'test');
    // Purchases on both sides of Nowruz (21 March, Tehran), a partner, a redemption, adjustments.
    const buy = (member: string, order: string, at: string, amount: number, source = 'api') =>
      ingestEvent(pool, { memberId: member, type: 'purchase', amount, orderId: order, occurredAt: at }, { source, now: new Date(at) });
    await buy('ra-1', 'o1', '2025-03-19T10:00:00Z', 5_000_000);
    await buy('ra-2', 'o2', '2025-03-20T21:00:00Z', 2_000_000, 'partner:acme'); // 00:30 on 21 March in Tehran
    await buy('ra-1', 'o3', '2025-04-10T10:00:00Z', 3_000_000);
    await adjustPoints(pool, { memberId: 'ra-1', points: 700, reason: 'welcome', idempotencyKey: 'adj-1', actor: 'test', now: new Date('2025-04-11T09:00:00Z') });
    await redeemReward(pool, { memberId: 'ra-1', rewardId: 'discount-50k', quantity: 2, idempotencyKey: 'red-1', actor: 'test', now: new Date('2025-04-12T09:00:00Z') });
    await adjustPoints(pool, { memberId: 'ra-1', points: -30, reason: 'correction', idempotencyKey: 'adj-2', actor: 'test', now: new Date('2025-04-13T09:00:00Z') });
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const problem = async (url: string, key: string | null = marketer) => {
    const res = await api.call('GET', url, key ?? undefined);
    return { status: res.status, code: res.body.code, type: res.headers['content-type'], detail: res.body.detail as string };
  };

  it('needs a marketer or admin key', async () => {
    expect(await problem('/v1/reports/points?from=2025-03-01&to=2025-03-31', null)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await problem('/v1/reports/points?from=2025-03-01&to=2025-03-31', await apiKey(env, 'ingest'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await api.call('GET', '/v1/reports/points?from=2025-03-01&to=2025-03-31', await apiKey(env, 'admin'))).status).toBe(200);
  });

  it('answers bad input with 400 (shape) or 422 (shape right, rule broken) problem+json and a stable code', async () => {
    const cases: [string, number, string][] = [
      ['/v1/reports/nope?from=2025-03-01&to=2025-03-31', 404, 'unknown_report'],
      ['/v1/reports/points?from=2025-3-1&to=2025-03-31', 400, 'invalid_date'],
      ['/v1/reports/points?from=&to=', 400, 'invalid_date'],
      ['/v1/reports/points?from=0789-05-07&to=2025-03-31', 400, 'invalid_date'],
      ['/v1/reports/points?from=2025-02-30&to=2025-03-31', 422, 'invalid_date'],
      ['/v1/reports/points?from=2025-03-01&to=tomorrow', 400, 'invalid_date'],
      ['/v1/reports/points?from=2025-04-01&to=2025-03-31', 422, 'range_inverted'],
      ['/v1/reports/points?from=1990-01-01&to=2025-03-31&interval=day', 422, 'too_many_intervals'],
      ['/v1/reports/points?from=2025-03-01&to=2025-03-31&interval=year', 400, 'invalid_report_query'],
      ['/v1/reports/points?from=2025-03-01&to=2025-03-31&calendar=julian', 400, 'invalid_report_query'],
      ['/v1/reports/points?from=2025-03-01&to=2025-03-31&colour=red', 400, 'invalid_report_query'],
      ['/v1/reports/points?to=2025-03-31', 400, 'invalid_report_query'],
      ['/v1/reports/points?from=2025-03-01&to=2025-03-31&format=csv&table=nope', 422, 'invalid_report_query'],
    ];
    for (const [url, status, code] of cases) {
      const p = await problem(url);
      expect(p, url).toMatchObject({ status, code });
      expect(p.type).toMatch(/^application\/problem\+json/);
    }
    expect((await problem('/v1/reports/nope?from=2025-03-01&to=2025-03-31')).detail).toContain('points');
  });

  it('states its zone, its boundaries with offsets and its program versions; amounts add up', async () => {
    const res = await api.call('GET', '/v1/reports/points?from=2025-03-19&to=2025-03-21', marketer);
    const report = PointsReportSchema.parse(res.body);
    expect(report).toMatchObject({ timeZone: 'Asia/Tehran', calendar: 'gregorian', interval: 'day', from: '2025-03-19', to: '2025-03-21', computedFrom: 'rollups' });
    expect(report.start).toBe('2025-03-19T00:00:00+03:30');
    expect(report.intervals.map((i) => [i.label, i.start, i.end])).toEqual([
      ['2025-03-19', '2025-03-19T00:00:00+03:30', '2025-03-20T00:00:00+03:30'],
      ['2025-03-20', '2025-03-20T00:00:00+03:30', '2025-03-21T00:00:00+03:30'],
      ['2025-03-21', '2025-03-21T00:00:00+03:30', '2025-03-22T00:00:00+03:30'],
    ]);
    expect(report.programVersions.map((v) => v.version)).toEqual([1]);
    // The partner purchase at 00:30 Tehran time belongs to 21 March, though it was 20 March in UTC.
    expect(report.intervals[1]!.entries).toBe(0);
    expect(report.intervals[2]!.bySource).toEqual([expect.objectContaining({ source: 'partner:acme', issued: expect.objectContaining({ base: 200 }) })]);
    expect(report.intervals[0]!.issued).toMatchObject({ base: 500, pendingAtIssue: 500, total: 500 });
    expect(report.intervals[2]!.closing).toEqual({ balance: 700, pending: 700, available: 0 });
    const april = PointsReportSchema.parse((await api.call('GET', '/v1/reports/points?from=2025-04-01&to=2025-04-30&interval=month', marketer)).body);
    expect(april.intervals[0]!).toMatchObject({
      // ra-1 reached silver with o1's 500 qualifying points: 10 % tier bonus on o3.
      issued: { base: 300, bonus: 30, adjustments: 700, total: 1030 },
      deducted: { redeemed: 200, adjustments: 30, total: 230 },
      net: 800,
    });
    expect(april.totals.opening.balance + april.totals.net).toBe(april.totals.closing.balance);
  });

  it('CSV: the same figures, one row per interval (Accept: text/csv or ?format=csv), and the sources table', async () => {
    const url = '/v1/reports/points?from=2025-03-18&to=2025-03-24&calendar=persian';
    const json = PointsReportSchema.parse((await api.call('GET', url, marketer)).body);
    const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${marketer}`, accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['laurel-report-time-zone']).toBe('Asia/Tehran');
    expect(res.headers['content-disposition']).toContain('points-intervals_2025-03-18_2025-03-24_day.csv');
    const lines = res.body.trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 7)).toEqual(['label', 'firstDay', 'lastDay', 'start', 'end', 'partial', 'programVersions']);
    expect(header).toContain('issued.base');
    expect(header).toContain('closing.available');
    expect(lines).toHaveLength(json.intervals.length + 1);
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v])));
    // Persian labels: 1403-12-30 is the last day of the year, 1404-01-01 is Nowruz.
    expect(rows.map((r) => r.label)).toEqual(['1403-12-28', '1403-12-29', '1403-12-30', '1404-01-01', '1404-01-02', '1404-01-03', '1404-01-04']);
    json.intervals.forEach((i, n) => {
      expect(Number(rows[n]!['issued.base'])).toBe(i.issued.base);
      expect(Number(rows[n]!['closing.pending'])).toBe(i.closing.pending);
    });
    const sources = await api.app.inject({ method: 'GET', url: `${url}&format=csv&table=sources`, headers: { authorization: `Bearer ${marketer}` } });
    expect(sources.body.split('\r\n')[0]).toMatch(/^label,start,end,source,entries,issued\.base/);
    expect(sources.body).toContain('1404-01-01,2025-03-21T00:00:00+03:30,2025-03-22T00:00:00+03:30,partner:acme,');
  });

  it('every report answers JSON and CSV; per-tier counts are one column per tier', async () => {
    for (const name of ['points', 'members', 'tiers', 'campaigns', 'missions', 'contests']) {
      const url = `/v1/reports/${name}?from=2025-03-01&to=2025-04-30&interval=month`;
      const json = await api.call('GET', url, marketer);
      expect(json.status, name).toBe(200);
      expect(json.body).toMatchObject({ report: name, timeZone: 'Asia/Tehran', interval: 'month' });
      const csv = await api.app.inject({ method: 'GET', url: `${url}&format=csv`, headers: { authorization: `Bearer ${marketer}` } });
      expect(csv.statusCode, name).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    }
    const members = await api.app.inject({ method: 'GET', url: '/v1/reports/members?from=2025-03-01&to=2025-04-30&interval=month&format=csv', headers: { authorization: `Bearer ${marketer}` } });
    const [header, march] = members.body.split('\r\n').map((l) => l.split(','));
    const row = Object.fromEntries(header!.map((h, i) => [h, march![i]]));
    expect(row).toMatchObject({ label: '2025-03', new: '2', 'newByTier.bronze': '2', total: '2' });
    const tiers = await api.app.inject({ method: 'GET', url: '/v1/reports/tiers?from=2025-03-01&to=2025-04-30&format=csv&table=changes', headers: { authorization: `Bearer ${marketer}` } });
    expect(tiers.body.split('\r\n')[0]).toBe('label,start,end,reason,from,to,count');
    expect(tiers.body).toContain(',upgrade,bronze,silver,1');
  });

  it('every CSV table has its header line, rows or none; the header lists the schema columns the rows carry', async () => {
    const csvOf = async (url: string) => {
      const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${marketer}`, accept: 'text/csv' } });
      expect(res.statusCode, url).toBe(200);
      const lines = res.body.split('\r\n');
      expect(lines.at(-1), url).toBe('');
      return { header: lines[0]!.split(','), rows: lines.length - 2 };
    };
    // Columns known only from the data: one per tier (members) — the schema cannot list them.
    const dataOnly = (c: string) => /^(newByTier|activeByTier|byTier)\./.test(c);
    let withRows = 0;
    let empty = 0;
    for (const [name, report] of REPORTS) {
      for (const [table, { row }] of Object.entries(report.tables)) {
        const schemaColumns = csvColumns(row);
        expect(schemaColumns.length, `${name}/${table}`).toBeGreaterThan(0);
        // A range with activity: the rows' columns are the schema's (plus per-tier ones).
        const busy = await csvOf(`/v1/reports/${name}?from=2025-03-01&to=2025-04-30&interval=month&table=${table}`);
        if (busy.rows > 0) {
          withRows++;
          expect(busy.header.filter((c) => !dataOnly(c)).sort(), `${name}/${table}`).toEqual([...schemaColumns].sort());
        }
        // A range before the program: tables of found things (sources, sellers, contests…) are empty.
        const quiet = await csvOf(`/v1/reports/${name}?from=2020-01-01&to=2020-01-02&table=${table}`);
        if (quiet.rows === 0) {
          empty++;
          expect(quiet.header, `${name}/${table}`).toEqual(schemaColumns);
        }
      }
    }
    expect(withRows).toBeGreaterThan(5);
    expect(empty).toBeGreaterThan(5);
  });

  it('compaction folds shards without changing a figure; a rebuild from the ledger gives the same rollups', async () => {
    const url = '/v1/reports/points?from=2025-03-01&to=2025-04-30&interval=week';
    const before = (await api.call('GET', url, marketer)).body;
    const rollupSums = async () =>
      (
        await env.ctx.pool.query(
          `SELECT slice, kind, component, source, pending, has_rule, positive, sum(entries)::bigint AS entries, sum(points)::bigint AS points, sum(qualifying)::bigint AS q
             FROM ledger_rollup GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
        )
      ).rows;
    // Writers may all have landed in one shard: split a row across two shards, as two backends would.
    await env.ctx.pool.query(
      `WITH one AS (SELECT * FROM ledger_rollup WHERE points > 1 ORDER BY slice LIMIT 1),
            moved AS (UPDATE ledger_rollup r SET points = r.points - 1 FROM one
                       WHERE (r.slice, r.kind, r.component, r.source, r.pending, r.has_rule, r.positive, r.shard)
                           = (one.slice, one.kind, one.component, one.source, one.pending, one.has_rule, one.positive, one.shard))
       INSERT INTO ledger_rollup AS r SELECT slice, kind, component, source, pending, has_rule, positive, (shard + 1) % 8, 0, 1, 0 FROM one
       ON CONFLICT (slice, kind, component, source, pending, has_rule, positive, shard) DO UPDATE SET points = r.points + 1`,
    );
    const sums = await rollupSums();
    const { rows: sharded } = await env.ctx.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT DISTINCT slice, kind, component, source, pending, has_rule, positive FROM ledger_rollup WHERE shard <> 0) k`,
    );
    expect(sharded[0]!.n).toBeGreaterThan(0);
    expect(await compactReportRollups(env.ctx.pool, 0)).toBe(sharded[0]!.n);
    const { rows } = await env.ctx.pool.query(`SELECT DISTINCT shard FROM ledger_rollup UNION SELECT DISTINCT shard FROM ledger_rollup_day`);
    expect(rows).toEqual([{ shard: 0 }]);
    expect(await rollupSums()).toEqual(sums);
    const { generatedAt: _a, ...beforeFigures } = before;
    const { generatedAt: _b, ...afterFigures } = (await api.call('GET', url, marketer)).body;
    expect(afterFigures).toEqual(beforeFigures);
    await rebuildReportRollups(env.ctx.pool);
    expect(await rollupSums()).toEqual(sums);
  });

  it('a zone whose old offsets are not whole quarter hours is reported straight from the ledger, exactly', async () => {
    // Liberia kept UTC−0:44:30 until 1972: midnights there do not fall on 15-minute slices.
    await publishVariant(env, (p) => ({ ...p, timeZone: 'Africa/Monrovia' }));
    await upsertMember(env.ctx.pool, 'ra-3', { joinedAt: '1971-05-01T08:00:00Z' }, program, 'test');
    await ingestEvent(env.ctx.pool, { memberId: 'ra-3', type: 'referral', idempotencyKey: 'lib-1', occurredAt: '1971-05-02T00:20:00Z' }, { source: 'api', now: new Date('1971-05-02T00:20:00Z') });
    const report = PointsReportSchema.parse((await api.call('GET', '/v1/reports/points?from=1971-05-01&to=1971-05-02', marketer)).body);
    expect(report.computedFrom).toBe('ledger');
    // Offsets with seconds have no ISO form: such boundaries are stated in UTC.
    expect(report.intervals.map((i) => [i.label, i.start, i.end])).toEqual([
      ['1971-05-01', '1971-05-01T00:44:30.000Z', '1971-05-02T00:44:30.000Z'],
      ['1971-05-02', '1971-05-02T00:44:30.000Z', '1971-05-03T00:44:30.000Z'],
    ]);
    for (const i of report.intervals) {
      const { label: _l, firstDay: _f, lastDay: _d, start, end, partial: _p, programVersions: _v, closing, bySource: _s, ...flow } = i;
      expect(flow).toEqual(await oraclePoints(env.ctx.pool, new Date(start), new Date(end)));
      expect(closing).toEqual(await oracleStock(env.ctx.pool, new Date(end)));
    }
    expect(report.intervals[0]!.issued.base).toBe(5);

    // Sales there too: boundaries off the slices → the raw events and items, not the slice rollups.
    await ingestEvent(
      env.ctx.pool,
      { memberId: 'ra-3', type: 'purchase', amount: 700_000, orderId: 'lib-o1', occurredAt: '1971-05-02T12:00:00Z', items: [{ sku: 'LIB-1', category: 'lib', quantity: 7, unitPrice: 100_000 }] },
      { source: 'api', now: new Date('1971-05-02T12:00:00Z') },
    );
    const sales = SalesReportSchema.parse((await api.call('GET', '/v1/reports/sales?from=1971-05-01&to=1971-05-02', marketer)).body);
    expect(sales.computedFrom).toBe('ledger');
    expect(sales.intervals.map((i) => [i.orders, i.gross, i.itemsPerBasket.value])).toEqual([
      [0, 0, null],
      [1, 700_000, 7],
    ]);
    expect(sales.sellers.skus.byRevenue.best).toEqual([{ key: 'LIB-1', name: null, quantity: 7, revenue: 700_000, orders: 1 }]);

    // Missions too: enrolled 10 s after the local midnight (00:44:30 UTC), i.e. in the slice that
    // began at 00:30 — the slice rollup would put it in the day before; the enrollments do not.
    await env.ctx.pool.query(`INSERT INTO missions (id, name, definition, created_by) VALUES ('lib-mi', 'Liberia', '{}', 'test')`);
    await env.ctx.pool.query(
      `INSERT INTO mission_enrollments (mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, target, status, completed_at, created_at)
       VALUES ('lib-mi', 'ra-3', 'p', 'mission:lib-mi:ra-3:p', $1, $1::timestamptz + interval '7 days', 'event', 3, 'completed', $1::timestamptz + interval '1 hour', $1)`,
      ['1971-05-02T00:44:40Z'],
    );
    const missions = MissionsReportSchema.parse((await api.call('GET', '/v1/reports/missions?from=1971-05-01&to=1971-05-02', marketer)).body);
    expect(missions.computedFrom).toBe('ledger');
    expect(missions.intervals.map((i) => [i.enrolled, i.completed, i.completionRate.numerator])).toEqual([
      [0, 0, 0],
      [1, 1, 1],
    ]);
  });

  it('the sales rollups: compaction folds shards without changing a figure; a rebuild gives the same rows', async () => {
    const pool = env.ctx.pool;
    await upsertMember(pool, 'ra-4', { joinedAt: '2025-05-01T08:00:00Z' }, program, 'test');
    await ingestEvent(
      pool,
      {
        memberId: 'ra-4',
        type: 'purchase',
        amount: 1_150_000,
        orderId: 's-o1',
        occurredAt: '2025-05-03T10:00:00Z',
        items: [
          { sku: 'S-1', name: 'One', category: 'c1', quantity: 3, unitPrice: 250_000 },
          { sku: 'S-2', quantity: 4, unitPrice: 100_000 },
        ],
      },
      { source: 'partner:acme', now: new Date('2025-05-03T10:00:00Z') },
    );
    await ingestEvent(
      pool,
      { memberId: 'ra-4', type: 'refund', amount: 250_000, orderId: 's-o1', refundId: 'x', occurredAt: '2025-05-20T10:00:00Z', items: [{ sku: 'S-1', quantity: 1, line: 0 }] },
      { source: 'api', now: new Date('2025-05-20T10:00:00Z') },
    );
    const url = '/v1/reports/sales?from=2025-04-01&to=2025-06-30&interval=week';
    const before = SalesReportSchema.parse((await api.call('GET', url, marketer)).body);
    expect(before.computedFrom === 'rollups' || before.computedFrom === 'ledger').toBe(true);
    expect(before.sellers.skus.byRevenue.best.map((s) => [s.key, s.quantity, s.revenue])).toEqual([
      ['S-1', 2, 500_000],
      ['S-2', 4, 400_000],
    ]);
    const sums = async () => ({
      groups: (await pool.query(`SELECT slice, type, tier, source, sum(events)::bigint AS e, sum(amount)::bigint AS a FROM sales_rollup GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`)).rows,
      items: (await pool.query(`SELECT grain, at, sku, category, max(name) AS n, sum(quantity)::bigint AS q, sum(revenue)::bigint AS r, sum(orders)::bigint AS o FROM sales_item_rollup GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`)).rows,
      baskets: (await pool.query(`SELECT slice, sum(units)::bigint AS u, sum(baskets)::bigint AS b FROM sales_basket_rollup GROUP BY 1 ORDER BY 1`)).rows,
    });
    // Split one row of each table across two shards, as two backends would write them.
    await pool.query(
      `WITH one AS (SELECT * FROM sales_rollup ORDER BY slice LIMIT 1),
            moved AS (UPDATE sales_rollup r SET amount = r.amount - 1 FROM one WHERE (r.slice, r.type, r.tier, r.source, r.shard) = (one.slice, one.type, one.tier, one.source, one.shard))
       INSERT INTO sales_rollup AS r SELECT slice, type, tier, source, (shard + 1) % 8, 0, 1 FROM one
       ON CONFLICT (slice, type, tier, source, shard) DO UPDATE SET amount = r.amount + 1`,
    );
    await pool.query(
      `WITH one AS (SELECT * FROM sales_item_rollup WHERE grain = 2 AND sku = 'S-1'),
            moved AS (UPDATE sales_item_rollup r SET quantity = r.quantity - 1 FROM one WHERE (r.grain, r.at, r.sku, r.shard) = (one.grain, one.at, one.sku, one.shard))
       INSERT INTO sales_item_rollup AS r SELECT grain, at, sku, category, (shard + 1) % 8, 'Z', 1, 0, 0 FROM one
       ON CONFLICT (grain, at, sku, category, shard) DO UPDATE SET quantity = r.quantity + 1`,
    );
    await pool.query(`UPDATE sales_basket_rollup SET shard = (shard + 3) % 8 WHERE shard = 0`);
    const split = await sums();
    expect(split.items.find((r) => r.grain === 2 && r.sku === 'S-1')?.n).toBe('Z');
    await pool.query(`UPDATE sales_item_rollup SET name = 'One' WHERE name = 'Z'`);
    const expected = await sums();
    expect(await compactSalesRollups(pool, 0)).toBeGreaterThan(0);
    const { rows } = await pool.query(`SELECT DISTINCT shard FROM sales_rollup UNION SELECT DISTINCT shard FROM sales_item_rollup UNION SELECT DISTINCT shard FROM sales_basket_rollup`);
    expect(rows).toEqual([{ shard: 0 }]);
    expect(await sums()).toEqual(expected);
    const { generatedAt: _a, ...beforeFigures } = before;
    const { generatedAt: _b, ...afterFigures } = SalesReportSchema.parse((await api.call('GET', url, marketer)).body);
    expect(afterFigures).toEqual(beforeFigures);
    await pool.query(`SELECT rebuild_sales_rollups()`);
    expect(await sums()).toEqual(expected);
  });

  it('the missions rollup: compaction folds shards and drops rows that came to 0 without changing a figure; a rebuild gives the same rows', async () => {
    const pool = env.ctx.pool;
    await pool.query(`INSERT INTO missions (id, name, definition, created_by) VALUES ('ra-mi', 'Compacted', '{}', 'test')`);
    await pool.query(
      `INSERT INTO mission_enrollments (mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, target, created_at)
       SELECT 'ra-mi', 'ra-1', 'k' || i, 'mission:ra-mi:ra-1:k' || i, t, t + interval '7 days', 'event', 3, t
         FROM generate_series(1, 3) i, LATERAL (SELECT timestamptz '2025-05-04T09:00:00Z' + i * interval '1 hour' AS t) x`,
    );
    await pool.query(`UPDATE mission_enrollments SET status = 'completed', completed_at = timestamptz '2025-05-06T12:00:00Z' WHERE workflow_id = 'mission:ra-mi:ra-1:k1'`);
    await pool.query(`UPDATE mission_enrollments SET status = 'expired' WHERE workflow_id = 'mission:ra-mi:ra-1:k2'`);
    const url = '/v1/reports/missions?from=2025-05-01&to=2025-05-31&interval=week&missionId=ra-mi';
    const before = MissionsReportSchema.parse((await api.call('GET', url, marketer)).body);
    expect(before.computedFrom).toBe('rollups');
    expect(before.missions.map((m) => [m.enrolled, m.completed, m.active, m.expired])).toEqual([[3, 1, 1, 1]]);
    const sums = async () =>
      (
        await pool.query(
          `SELECT slice, mission_id, sum(enrolled)::bigint AS e, sum(active)::bigint AS a, sum(done)::bigint AS d, sum(expired)::bigint AS x, sum(completed)::bigint AS c
             FROM mission_report_rollup GROUP BY 1, 2 HAVING (sum(enrolled), sum(active), sum(done), sum(expired), sum(completed)) <> (0, 0, 0, 0, 0) ORDER BY 1, 2`,
        )
      ).rows;
    const expected = await sums();
    // One row split across two shards (as two backends write them), and a row that came to 0.
    await pool.query(
      `WITH one AS (SELECT * FROM mission_report_rollup WHERE mission_id = 'ra-mi' AND enrolled > 0 ORDER BY slice LIMIT 1),
            moved AS (UPDATE mission_report_rollup r SET enrolled = r.enrolled - 1, active = r.active - one.active, done = r.done - one.done, expired = r.expired - one.expired
                        FROM one WHERE (r.slice, r.mission_id, r.shard) = (one.slice, one.mission_id, one.shard))
       INSERT INTO mission_report_rollup AS r SELECT slice, mission_id, (shard + 1) % 8, 1, active, done, expired, 0 FROM one
       ON CONFLICT (slice, mission_id, shard) DO UPDATE SET enrolled = r.enrolled + 1, active = r.active + EXCLUDED.active, done = r.done + EXCLUDED.done, expired = r.expired + EXCLUDED.expired`,
    );
    await pool.query(`INSERT INTO mission_report_rollup VALUES (timestamptz '2025-05-05T00:00:00Z', 'ra-mi', 0, 0, 0, 0, 0, 0)`);
    expect(await sums()).toEqual(expected);
    expect(await compactMissionReportRollup(pool, 0)).toBeGreaterThan(0);
    const { rows } = await pool.query(`SELECT DISTINCT shard FROM mission_report_rollup`);
    expect(rows).toEqual([{ shard: 0 }]);
    const { rows: zero } = await pool.query(`SELECT count(*)::int AS n FROM mission_report_rollup WHERE (enrolled, active, done, expired, completed) = (0, 0, 0, 0, 0)`);
    expect(zero[0]!.n).toBe(0);
    expect(await sums()).toEqual(expected);
    const { generatedAt: _a, ...beforeFigures } = before;
    const { generatedAt: _b, ...afterFigures } = MissionsReportSchema.parse((await api.call('GET', url, marketer)).body);
    expect(afterFigures).toEqual(beforeFigures);
    await pool.query(`SELECT rebuild_mission_report_rollup()`);
    expect(await sums()).toEqual(expected);
  });
});
