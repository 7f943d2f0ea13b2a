import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PointsReportSchema, type PointsReport } from '../../../src/reports/index.js';
import { activityArbitrary, applyActivity, resetActivity } from '../../support/report-activity.js';
import { Api, apiKey, publishVariant } from '../../support/ledger-fixture.js';
import { oracleIntervals, oraclePoints, oracleSources, oracleStock } from '../../support/report-oracle.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

// Each case: a zone and a window of WINDOW_DAYS around a day that is not like the others.
const CASES = [
  { timeZone: 'America/New_York', around: '2025-03-09', what: 'DST starts (a 23-hour day)' },
  { timeZone: 'Europe/London', around: '2025-10-26', what: 'DST ends (a 25-hour day)' },
  { timeZone: 'Asia/Tehran', around: '2025-03-21', what: 'Nowruz: the Persian year 1404 begins' },
] as const;
const WINDOW_DAYS = 40;

const iso = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (day: string, n: number) => iso(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));

describe('every report figure equals a direct sum over the raw tables', () => {
  let env: TestEnv;
  let api: Api;
  let key: string;
  beforeAll(async () => {
    env = await createTestEnv();
    api = await Api.start(env);
    key = await apiKey(env, 'marketer');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('points: issued, deducted, by source, balance, pending and liability, for every interval', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CASES),
        activityArbitrary(WINDOW_DAYS),
        fc.array(
          fc.record({
            offset: fc.integer({ min: -5, max: WINDOW_DAYS }),
            span: fc.integer({ min: 0, max: 45 }),
            interval: fc.constantFrom('day' as const, 'week' as const, 'month' as const),
            calendar: fc.constantFrom('gregorian' as const, 'persian' as const),
          }),
          { minLength: 2, maxLength: 4 },
        ),
        async (c, activity, queries) => {
          run += 1;
          await resetActivity(env.ctx.pool);
          // Short return windows and expiry, so that activations, reversals after the window and
          // expiries all happen inside the window.
          const program = await publishVariant(env, (p) => ({
            ...p,
            timeZone: c.timeZone,
            expiry: { type: 'after_months', months: 1, roundTo: 'none' },
            earningRules: p.earningRules.map((r) => (r.id === 'purchase' ? { ...r, pendingDays: 3 } : r)),
          }));
          const windowFrom = addDays(c.around, -WINDOW_DAYS / 2);
          const { rows } = await env.ctx.pool.query<{ start: Date }>(`SELECT ($1::date::timestamp AT TIME ZONE $2) AS start`, [windowFrom, c.timeZone]);
          await applyActivity(env.ctx.pool, program, rows[0]!.start, activity, `r${run}`);
          for (const q of queries) {
            const from = addDays(windowFrom, q.offset);
            const to = addDays(from, q.span);
            const res = await api.call('GET', `/v1/reports/points?from=${from}&to=${to}&interval=${q.interval}&calendar=${q.calendar}`, key);
            expect(res.status, JSON.stringify(res.body)).toBe(200);
            const report = PointsReportSchema.parse(res.body) as PointsReport;
            expect(report.timeZone).toBe(c.timeZone);
            const expected = await oracleIntervals(env.ctx.pool, { from, to, interval: q.interval, calendar: q.calendar, timeZone: c.timeZone, weekStartsOn: program.weekStartsOn });
            expect(report.intervals.map((i) => [Date.parse(i.start), Date.parse(i.end)])).toEqual(expected.map((i) => [i.start.getTime(), i.end.getTime()]));
            for (const [n, interval] of report.intervals.entries()) {
              const { start, end } = expected[n]!;
              const { label: _l, firstDay: _f, lastDay: _d, start: _s, end: _e, partial: _p, programVersions: _v, closing, bySource, ...flow } = interval;
              expect(flow, `${interval.label} flows`).toEqual(await oraclePoints(env.ctx.pool, start, end));
              expect(closing, `${interval.label} closing`).toEqual(await oracleStock(env.ctx.pool, end));
              expect(bySource.map((s) => s.source).sort()).toEqual((await oracleSources(env.ctx.pool, start, end)).sort());
              for (const { source, ...sourceFlow } of bySource) expect(sourceFlow, `${interval.label} ${source}`).toEqual(await oraclePoints(env.ctx.pool, start, end, source));
            }
            expect(report.totals.opening).toEqual(await oracleStock(env.ctx.pool, expected[0]!.start));
          }
        },
      ),
      { numRuns: Number(process.env.REPORT_PROPERTY_RUNS ?? 6), endOnFailure: true },
    );
  });
});
