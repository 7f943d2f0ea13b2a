import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CampaignsReportSchema,
  ContestsReportSchema,
  MembersReportSchema,
  MissionsReportSchema,
  PointsReportSchema,
  SalesReportSchema,
  TiersReportSchema,
  type PointsReport,
} from '../../../src/reports/index.js';
import { campaignsReport, CampaignsReportQuerySchema } from '../../../src/reports/campaigns.js';
import { contestsReport, ContestsReportQuerySchema } from '../../../src/reports/contests.js';
import { ingestEvent } from '../../../src/ledger/index.js';
import { missionsReport, MissionsReportQuerySchema } from '../../../src/reports/missions.js';
import { parseReportQuery } from '../../../src/reports/query.js';
import { salesReport, SalesReportQuerySchema } from '../../../src/reports/sales.js';
import { rebuildReportMemberDays } from '../../../src/reports/rollups.js';
import {
  activityArbitrary,
  applyActivity,
  applyJourneyActivity,
  campaignEntrySteps,
  createReportCampaigns,
  journeyArbitrary,
  openEnrollment,
  resetActivity,
} from '../../support/report-activity.js';
import { Api, apiKey, publishVariant } from '../../support/ledger-fixture.js';
import {
  campaignRollupMismatches,
  contestParticipantCountMismatches,
  contestRollupRows,
  loadTierHistory,
  oracleCampaigns,
  oracleContestRows,
  oracleContestTotalMismatches,
  oracleContests,
  oracleDayTierMismatches,
  oracleIntervals,
  oracleItemMismatches,
  oracleMembers,
  oracleMissionIds,
  oracleMissions,
  oracleMissionStatuses,
  missionRollupRows,
  oraclePoints,
  oracleSales,
  oracleSellers,
  oracleSources,
  oracleStock,
  oracleTiers,
  salesRollupRows,
} from '../../support/report-oracle.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

// Each case: a zone and a window of WINDOW_DAYS around a day that is not like the others.
const CASES = [
  { timeZone: 'America/New_York', around: '2025-03-09', what: 'DST starts (a 23-hour day)' },
  { timeZone: 'Europe/London', around: '2025-10-26', what: 'DST ends (a 25-hour day)' },
  { timeZone: 'Asia/Tehran', around: '2025-03-21', what: 'Nowruz: the Persian year 1404 begins' },
  // report_member_years keeps a row per member and local Gregorian year: ranges across New Year
  // read two years' rows (UTC+14: the local year begins on the previous UTC day).
  { timeZone: 'Pacific/Kiritimati', around: '2025-01-01', what: 'a Gregorian year begins' },
] as const;
const WINDOW_DAYS = 40;

const iso = (d: Date) => d.toISOString().slice(0, 10);
const sorted = <T>(list: T[]) => [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
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

  it('every figure of every interval of the points, members, tiers, sales, campaigns, missions and contests reports', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        activityArbitrary(WINDOW_DAYS),
        journeyArbitrary(WINDOW_DAYS),
        fc.array(
          fc.record({
            offset: fc.integer({ min: -5, max: WINDOW_DAYS }),
            span: fc.integer({ min: 0, max: 45 }),
            interval: fc.constantFrom('day' as const, 'week' as const, 'month' as const),
            calendar: fc.constantFrom('gregorian' as const, 'persian' as const),
          }),
          { minLength: 2, maxLength: 4 },
        ),
        async (activity, journeys, queries) => {
          run += 1;
          // Every case in turn (a random pick could leave one out of a short run).
          const c = CASES[(run - 1) % CASES.length]!;
          await resetActivity(env.ctx.pool);
          // Short return windows and expiry, so that activations, reversals after the window and
          // expiries all happen inside the window.
          const program = await publishVariant(env, (p) => ({
            ...p,
            timeZone: c.timeZone,
            expiry: { type: 'after_months', months: 1, roundTo: 'none' },
            // Item rules too: 2× on coffee, gift cards earn nothing (purchases with items, refunds of items).
            earningRules: p.earningRules.map((r) =>
              r.id === 'purchase' ? { ...r, pendingDays: 3, items: { multipliers: [{ categories: ['coffee'], factorPercent: 200 }], exclude: { categories: ['gift_cards'] } } } : r,
            ),
            // Monthly reviews from the joining date and a short grace: reviews, graces and demotions inside the window.
            qualification: {
              ...p.qualification,
              window: { type: 'rolling_months', months: 1 },
              review: { anchor: 'join_date', everyMonths: 1 },
              downgrade: { maxStepsPerReview: 1, graceDays: 5 },
            },
          }));
          // Members and sales read report_member_days (kept in the program's zone) or, when it
          // does not cover the report, the events: both must equal the oracle.
          const checkMembersAndSales = async (from: string, to: string, q: (typeof queries)[number], expected: Awaited<ReturnType<typeof oracleIntervals>>, computedFrom: 'rollups' | 'ledger') => {
            const where = `${from}..${to} by ${q.interval} (${q.calendar}, ${c.timeZone}) from ${computedFrom}`;
            const history = await loadTierHistory(env.ctx.pool);
            const members = MembersReportSchema.parse((await api.call('GET', `/v1/reports/members?from=${from}&to=${to}&interval=${q.interval}&calendar=${q.calendar}`, key)).body);
            expect(members.computedFrom, where).toBe(computedFrom);
            for (const [n, i] of members.intervals.entries()) {
              const o = await oracleMembers(env.ctx.pool, history, expected[n]!.start, expected[n]!.end);
              expect({ ...i, newByTier: sorted(i.newByTier), activeByTier: sorted(i.activeByTier), closing: { ...i.closing, byTier: sorted(i.closing.byTier) } }, `members ${i.label} ${where}`).toMatchObject(o);
            }
            const whole = await oracleMembers(env.ctx.pool, history, expected[0]!.start, expected[expected.length - 1]!.end);
            expect({ active: members.totals.active, activeByTier: sorted(members.totals.activeByTier) }, `members totals ${where}`).toEqual({ active: whole.active, activeByTier: whole.activeByTier });

            await checkSales(from, to, q, expected, computedFrom);
          };
          const checkSales = async (from: string, to: string, q: Omit<(typeof queries)[number], 'offset' | 'span'>, expected: Awaited<ReturnType<typeof oracleIntervals>>, computedFrom: 'rollups' | 'ledger') => {
            const where = `${from}..${to} by ${q.interval} (${q.calendar}, ${c.timeZone}) from ${computedFrom}`;
            const query = `from=${from}&to=${to}&interval=${q.interval}&calendar=${q.calendar}`;
            const rangeStart = expected[0]!.start;
            const rangeEnd = expected[expected.length - 1]!.end;
            // Sales through the API (slice rollups of 0061 + report_member_days when kept in the zone)
            // and with every rollup off (`fromRollups: false`: the raw rows, as for a boundary off the slices).
            const salesQuery = parseReportQuery(SalesReportQuerySchema, { from, to, interval: q.interval, calendar: q.calendar, top: '3' });
            for (const [expectedFrom, sales] of [
              [computedFrom, SalesReportSchema.parse((await api.call('GET', `/v1/reports/sales?${query}&top=3`, key)).body)],
              ['ledger', await salesReport(env.ctx.pool, salesQuery, new Date(), { fromRollups: false })],
            ] as const) {
              const at = `${where}, sales from ${expectedFrom}`;
              expect(sales.computedFrom, at).toBe(expectedFrom);
              const byKey = <R extends Record<string, unknown>>(list: R[], k: string) => [...list].sort((a, b) => (String(a[k]) < String(b[k]) ? -1 : 1));
              const groups = <T extends { byTier: { tier: string }[]; byPartner: { source: string }[] }>(f: T) => ({ ...f, byTier: byKey(f.byTier, 'tier'), byPartner: byKey(f.byPartner, 'source') });
              for (const [n, i] of sales.intervals.entries()) {
                const { label: _l, firstDay: _f, lastDay: _d, start: _s, end: _e, partial: _p, programVersions: _v, ...figures } = i;
                expect(groups(figures), `sales ${i.label} ${at}`).toEqual(groups(await oracleSales(env.ctx.pool, expected[n]!.start, expected[n]!.end)));
              }
              expect(groups(sales.totals), `sales totals ${at}`).toEqual(groups(await oracleSales(env.ctx.pool, rangeStart, rangeEnd)));
              expect(sales.sellers, `best and worst sellers ${at}`).toEqual(await oracleSellers(env.ctx.pool, rangeStart, rangeEnd, 3));
            }
          };
          // The whole-range figures (members active, sales buyers and repeat buyers: report_member_years'
          // bitmaps) of a range's first and last day alone: a range's mask one day off shows there.
          const checkRangeEnds = async (from: string, to: string, computedFrom: 'rollups' | 'ledger') => {
            const history = await loadTierHistory(env.ctx.pool);
            for (const day of new Set([from, to])) {
              const where = `${day} alone (${c.timeZone}) from ${computedFrom}`;
              const [expected] = await oracleIntervals(env.ctx.pool, { from: day, to: day, interval: 'day', calendar: 'gregorian', timeZone: c.timeZone, weekStartsOn: program.weekStartsOn });
              const members = MembersReportSchema.parse((await api.call('GET', `/v1/reports/members?from=${day}&to=${day}&interval=month`, key)).body);
              expect(members.computedFrom, where).toBe(computedFrom);
              const whole = await oracleMembers(env.ctx.pool, history, expected!.start, expected!.end);
              expect({ active: members.totals.active, activeByTier: sorted(members.totals.activeByTier) }, `members totals ${where}`).toEqual({ active: whole.active, activeByTier: whole.activeByTier });
              // By day: the day's active members by their tier at its end (tier_end on the rollup path).
              const byDay = MembersReportSchema.parse((await api.call('GET', `/v1/reports/members?from=${day}&to=${day}&interval=day`, key)).body);
              expect(byDay.computedFrom, where).toBe(computedFrom);
              expect({ active: byDay.intervals[0]!.active, activeByTier: sorted(byDay.intervals[0]!.activeByTier) }, `members by day ${where}`).toEqual({ active: whole.active, activeByTier: whole.activeByTier });
              const sales = SalesReportSchema.parse((await api.call('GET', `/v1/reports/sales?from=${day}&to=${day}&interval=month`, key)).body);
              const o = await oracleSales(env.ctx.pool, expected!.start, expected!.end);
              expect({ buyers: sales.totals.buyers, repeat: sales.totals.repeatPurchaseRate }, `sales totals ${where}`).toEqual({ buyers: o.buyers, repeat: o.repeatPurchaseRate });
            }
          };

          const windowFrom = addDays(c.around, -WINDOW_DAYS / 2);
          const { rows } = await env.ctx.pool.query<{ start: Date }>(`SELECT ($1::date::timestamp AT TIME ZONE $2) AS start`, [windowFrom, c.timeZone]);
          // The rollup is kept in the program's zone from before the activity: the trigger on events writes it.
          await rebuildReportMemberDays(env.ctx.pool, c.timeZone);
          await createReportCampaigns(env.ctx.pool, rows[0]!.start, `r${run}`);
          const memberIds = await applyActivity(env.ctx.pool, program, rows[0]!.start, activity, `r${run}`, campaignEntrySteps(env.ctx.pool, rows[0]!.start, journeys, `r${run}`));
          await applyJourneyActivity(env.ctx.pool, rows[0]!.start, memberIds, journeys, `r${run}`);
          // Every run also has a basket with a line of no name or category, bought at the case's odd
          // local day's first instant, and refunds of some of its units at the next local midnight:
          // item refunds must net out in the sellers, a null category must stay out of the category
          // lists, and an event on a boundary belongs to the interval it starts.
          {
            const first = activity.joins.indexOf(Math.min(...activity.joins));
            const { rows: midnights } = await env.ctx.pool.query<{ a: Date; b: Date }>(`SELECT ($1::date::timestamp AT TIME ZONE $3) AS a, ($2::date::timestamp AT TIME ZONE $3) AS b`, [
              c.around,
              addDays(c.around, 1),
              c.timeZone,
            ]);
            const joined = rows[0]!.start.getTime() + (activity.joins[first]! + 1) * 60_000;
            const [bought, returned] = [new Date(Math.max(midnights[0]!.a.getTime(), joined)), new Date(Math.max(midnights[0]!.b.getTime(), joined + 60_000))];
            const [memberId, orderId] = [memberIds[first]!, `r${run}-basket`];
            const items = [
              { sku: 'ESP-1', name: 'ESP-1 name', category: 'coffee', quantity: 3, unitPrice: 250_000 },
              { sku: 'TEA-1', name: 'TEA-1 name', category: 'tea', quantity: 2, unitPrice: 75_000 },
              { sku: 'LOOSE-1', quantity: 4, unitPrice: 10_000 },
            ];
            await ingestEvent(env.ctx.pool, { memberId, type: 'purchase', amount: 940_000, orderId, occurredAt: bought.toISOString(), items }, { source: 'api', now: bought });
            await ingestEvent(env.ctx.pool, { memberId, type: 'refund', amount: 500_000, orderId, refundId: 'x1', occurredAt: returned.toISOString(), items: [{ sku: 'ESP-1', quantity: 2, line: 0 }] }, { source: 'api', now: returned });
            await ingestEvent(env.ctx.pool, { memberId, type: 'refund', amount: 10_000, orderId, refundId: 'x2', occurredAt: returned.toISOString(), items: [{ sku: 'LOOSE-1', quantity: 1, line: 2 }] }, { source: 'api', now: returned });
            // An enrollment opened in the last minute before the odd day's local midnight and completed
            // at the next local midnight (an UPDATE, as completeMission): a slice one off either way,
            // or a completion counted at the enrollment's instant, moves it to another interval.
            const missionId = `r${run}-mi0`;
            const [opened, done] = [new Date(midnights[0]!.a.getTime() - 60_000), midnights[0]!.b];
            await openEnrollment(env.ctx.pool, missionId, memberId, 'edge', opened);
            await env.ctx.pool.query(`UPDATE mission_enrollments SET status = 'completed', progress = 3, completed_at = $2 WHERE period_key = 'edge' AND mission_id = $1`, [missionId, done]);
          }
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

            const tierOrder = program.tiers.map((t) => t.id);
            const tiers = TiersReportSchema.parse((await api.call('GET', `/v1/reports/tiers?from=${from}&to=${to}&interval=${q.interval}&calendar=${q.calendar}`, key)).body);
            for (const [n, i] of tiers.intervals.entries()) {
              const o = await oracleTiers(env.ctx.pool, tierOrder, expected[n]!.start, expected[n]!.end);
              const { label: _l, firstDay: _f, lastDay: _d, start: _s, end: _e, partial: _p, programVersions: _v, ...figures } = i;
              expect(
                { ...figures, matrix: sorted(figures.matrix), betweenReviews: { ...figures.betweenReviews, byReason: sorted(figures.betweenReviews.byReason) } },
                `tiers ${i.label}`,
              ).toEqual({ ...o, matrix: sorted(o.matrix), betweenReviews: { ...o.betweenReviews, byReason: sorted(o.betweenReviews.byReason) } });
            }

            const query = `from=${from}&to=${to}&interval=${q.interval}&calendar=${q.calendar}`;
            // Campaigns: from the slice rollup (every boundary of these zones is on a slice), and the
            // fallback (the entries, as for a boundary off the slices) — both equal the oracle.
            const oc = await oracleCampaigns(env.ctx.pool, expected);
            const campaignQuery = parseReportQuery(CampaignsReportQuerySchema, { from, to, interval: q.interval, calendar: q.calendar });
            for (const [computedFrom, campaigns] of [
              ['rollups', CampaignsReportSchema.parse((await api.call('GET', `/v1/reports/campaigns?${query}`, key)).body)],
              ['ledger', await campaignsReport(env.ctx.pool, campaignQuery, new Date(), { fromRollups: false })],
            ] as const) {
              expect(campaigns.computedFrom, `campaigns ${query}`).toBe(computedFrom);
              expect(campaigns.campaigns.map((x) => x.campaignId).sort()).toEqual([...oc.campaigns.keys()].sort());
              for (const row of campaigns.campaigns) {
                const o = oc.campaigns.get(row.campaignId)!;
                expect(row.totals, `campaign ${row.campaignId} from ${computedFrom}`).toEqual(o.totals);
                const variants = row.variants.filter((v) => v.audience > 0);
                expect(Object.fromEntries(variants.map(({ variant, ...v }) => [variant, v])), `campaign ${row.campaignId} variants from ${computedFrom}`).toEqual(Object.fromEntries(o.variants));
              }
              campaigns.intervals.forEach((i, n) =>
                expect({ entered: i.entered, sent: i.sent, delivered: i.delivered, converted: i.converted, revenue: i.revenue }, `campaigns ${i.label} from ${computedFrom}`).toEqual(oc.perInterval[n]),
              );
            }
            // The funnel each entry carries (migration 0026, kept by triggers) = the oracle's, entry by entry.
            const { rows: stored } = await env.ctx.pool.query<{ k: string; msg_status: string | null; unsubscribed: boolean; offer_granted: boolean; offer_used: boolean; converted: boolean; revenue: string; orders: string }>(
              `SELECT campaign_id || '/' || member_id AS k, msg_status, unsubscribed, offer_granted, offer_used, converted, revenue, orders FROM campaign_members
                WHERE entered_at >= $1 AND entered_at < $2`,
              [expected[0]!.start, expected[expected.length - 1]!.end],
            );
            expect(
              new Map(stored.map((r) => [r.k, { msgStatus: r.msg_status, unsubscribed: r.unsubscribed, offerGranted: r.offer_granted, offerUsed: r.offer_used, converted: r.converted, revenue: Number(r.revenue), orders: Number(r.orders) }])),
              'campaign entries: stored funnel',
            ).toEqual(oc.entries);

            // Missions: from the slice rollup (0062) and the fallback (the enrollments and the ledger,
            // as for a boundary off the slices) — both equal the oracle, for every interval, every
            // mission listed and the list itself, for all missions and for each one.
            const rangeStart = expected[0]!.start;
            const rangeEnd = expected[expected.length - 1]!.end;
            const missionIds = (await env.ctx.pool.query<{ id: string }>(`SELECT id FROM missions ORDER BY id`)).rows.map((r) => r.id);
            for (const missionId of [undefined, ...missionIds]) {
              const missionQuery = parseReportQuery(MissionsReportQuerySchema, { from, to, interval: q.interval, calendar: q.calendar, ...(missionId ? { missionId } : {}) });
              for (const [computedFrom, missions] of [
                ['rollups', MissionsReportSchema.parse((await api.call('GET', `/v1/reports/missions?${query}${missionId ? `&missionId=${missionId}` : ''}`, key)).body)],
                ['ledger', await missionsReport(env.ctx.pool, missionQuery, new Date(), { fromRollups: false })],
              ] as const) {
                const at = `${missionId ?? 'all missions'} ${query} from ${computedFrom}`;
                expect(missions.computedFrom, at).toBe(computedFrom);
                for (const [n, i] of missions.intervals.entries()) {
                  expect({ enrolled: i.enrolled, completed: i.completed, completionRate: i.completionRate, pointsAwarded: i.pointsAwarded }, `missions ${i.label} ${at}`).toEqual(
                    await oracleMissions(env.ctx.pool, expected[n]!.start, expected[n]!.end, missionId),
                  );
                }
                expect(missions.totals, `missions totals ${at}`).toEqual(await oracleMissions(env.ctx.pool, rangeStart, rangeEnd, missionId));
                const listed = (await oracleMissionIds(env.ctx.pool, rangeStart, rangeEnd)).filter((id) => !missionId || id === missionId);
                expect(missions.missions.map((m) => m.missionId), `missions listed ${at}`).toEqual(listed);
                for (const m of missions.missions) {
                  const { missionId: id, name: _n, active, expired, ...figures } = m;
                  expect(figures, `mission ${id} ${at}`).toEqual(await oracleMissions(env.ctx.pool, rangeStart, rangeEnd, id));
                  expect({ active, expired }, `mission ${id} active and expired ${at}`).toEqual(await oracleMissionStatuses(env.ctx.pool, rangeStart, rangeEnd, id));
                }
              }
            }

            // Contests: from the slice rollups, and the fallback (the contributions) — both equal the
            // oracle, for all contests and for each one (a member's chain in one contest ≠ across them).
            const contestIds = (await env.ctx.pool.query<{ id: string }>(`SELECT id FROM contests ORDER BY id`)).rows.map((r) => r.id);
            for (const contestId of [undefined, ...contestIds]) {
              const contestQuery = parseReportQuery(ContestsReportQuerySchema, { from, to, interval: q.interval, calendar: q.calendar, ...(contestId ? { contestId } : {}) });
              for (const [computedFrom, report] of [
                ['rollups', ContestsReportSchema.parse((await api.call('GET', `/v1/reports/contests?${query}${contestId ? `&contestId=${contestId}` : ''}`, key)).body)],
                ['ledger', await contestsReport(env.ctx.pool, contestQuery, new Date(), { fromRollups: false })],
              ] as const) {
                expect(report.computedFrom).toBe(computedFrom);
                for (const [n, i] of report.intervals.entries()) {
                  expect({ contributions: i.contributions, participants: i.participants, prizePointsAwarded: i.prizePointsAwarded }, `contests ${contestId ?? 'all'} ${i.label} from ${computedFrom}`).toEqual(
                    await oracleContests(env.ctx.pool, expected[n]!.start, expected[n]!.end, contestId),
                  );
                }
              }
            }
            const contests = ContestsReportSchema.parse((await api.call('GET', `/v1/reports/contests?${query}`, key)).body);
            expect(contests.contests.map(({ name: _n, status: _s, startsAt: _a, endsAt: _e, ...c }) => c)).toEqual(await oracleContestRows(env.ctx.pool, rangeStart, rangeEnd));
            expect(await oracleContestTotalMismatches(env.ctx.pool), 'contest totals = contributions summed per member').toEqual([]);
            expect(await contestParticipantCountMismatches(env.ctx.pool), 'contest participant counts = totals with a non-zero score').toEqual([]);

            await checkMembersAndSales(from, to, q, expected, 'rollups');
            await checkRangeEnds(from, to, 'rollups');
            expect(await oracleItemMismatches(env.ctx.pool), 'item lines add up to their purchase').toEqual([]);
          }
          // Sales over a range long enough to hold whole UTC months (sales_item_rollup's month rows,
          // then days, then slices at its ends), by month in either calendar.
          {
            const long = { interval: 'month' as const, calendar: run % 2 === 0 ? ('gregorian' as const) : ('persian' as const) };
            const [from, to] = [addDays(windowFrom, -40), addDays(windowFrom, WINDOW_DAYS + 40)];
            const expected = await oracleIntervals(env.ctx.pool, { from, to, ...long, timeZone: c.timeZone, weekStartsOn: program.weekStartsOn });
            await checkSales(from, to, long, expected, 'rollups');
          }
          // Members by week over more than 61 weeks: a range the bucket masks (a bigint a member) cannot
          // hold, read by the per-(week, member) statement instead; shorter ranges above read the masks.
          {
            const long = { offset: 0, span: 0, interval: 'week' as const, calendar: run % 2 === 0 ? ('persian' as const) : ('gregorian' as const) };
            const [from, to] = [addDays(windowFrom, -400), addDays(windowFrom, WINDOW_DAYS + 40)];
            const expected = await oracleIntervals(env.ctx.pool, { from, to, interval: long.interval, calendar: long.calendar, timeZone: c.timeZone, weekStartsOn: program.weekStartsOn });
            expect(expected.length, 'a range of more than 61 weeks').toBeGreaterThan(61);
            await checkMembersAndSales(from, to, long, expected, 'rollups');
          }
          // The basket's local day alone, and the days either side: its lines were bought at that day's
          // first instant and some refunded at the next day's, both inside partial UTC days (read from
          // event_items itself since 0066), each in the day it starts and not in the day before.
          for (const day of [addDays(c.around, -1), c.around, addDays(c.around, 1)]) {
            const byDay = { interval: 'day' as const, calendar: 'gregorian' as const };
            const expected = await oracleIntervals(env.ctx.pool, { from: day, to: day, ...byDay, timeZone: c.timeZone, weekStartsOn: program.weekStartsOn });
            await checkSales(day, day, byDay, expected, 'rollups');
          }

          // The campaign funnel rollup its triggers wrote = the entries grouped per slice, row for row.
          expect(await campaignRollupMismatches(env.ctx.pool), 'campaign_funnel_rollup = campaign_members grouped per slice').toEqual([]);

          // The missions rollup its triggers wrote (inserts, progress, completions, expiries, a moved
          // created_at, a delete; the last run's rows gone with TRUNCATE) = rebuilt from the enrollments.
          const missionRollups = await missionRollupRows(env.ctx.pool);
          expect(missionRollups.length, 'missions rollup rows in this run').toBeGreaterThan(0);
          await env.ctx.pool.query(`SELECT rebuild_mission_report_rollup()`);
          expect(missionRollups, 'missions rollup written by the triggers = rebuilt from the enrollments').toEqual(await missionRollupRows(env.ctx.pool));

          // The contest rollups the trigger wrote (row by row, backdated rows, a retried statement) = rebuilt from the contributions.
          const contestRollups = await contestRollupRows(env.ctx.pool);
          await env.ctx.pool.query(`SELECT contest_report_rollup_rebuild()`);
          expect(contestRollups, 'contest rollups written by the trigger = rebuilt from the contributions').toEqual(await contestRollupRows(env.ctx.pool));

          // The sales rollups the triggers wrote (summed over shards) = rebuilt from events and event_items.
          const salesRollups = await salesRollupRows(env.ctx.pool);
          const { rows: refundLines } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM event_items WHERE type = 'refund'`);
          expect(refundLines[0]!.n, 'refunded item lines in this run').toBeGreaterThan(0);
          await env.ctx.pool.query(`SELECT rebuild_sales_rollups()`);
          expect(salesRollups, 'sales rollups written by the triggers = rebuilt from events and event_items').toEqual(await salesRollupRows(env.ctx.pool));

          // What the trigger wrote equals the rollup built from the events afterwards.
          const memberDays = async () =>
            (await env.ctx.pool.query(`SELECT day::text, member_id, events, purchases, tier_id, tier_end FROM report_member_days ORDER BY day, member_id COLLATE "C"`)).rows;
          const memberYears = async () =>
            (await env.ctx.pool.query(`SELECT year, member_id, active::text, buys::text, repeats::text, tier_id FROM report_member_years ORDER BY year, member_id COLLATE "C"`)).rows;
          expect(await oracleDayTierMismatches(env.ctx.pool), 'report_member_day_tiers kept by the triggers = report_member_days grouped by day and tier at its end').toEqual([]);
          const written = await memberDays();
          const writtenYears = await memberYears();
          expect(written.length).toBeGreaterThan(0);
          await rebuildReportMemberDays(env.ctx.pool, c.timeZone);
          expect(written, 'report_member_days written by the trigger = rebuilt from the events').toEqual(await memberDays());
          expect(writtenYears, 'report_member_years written by the trigger = rebuilt from the events').toEqual(await memberYears());
          expect(await oracleDayTierMismatches(env.ctx.pool), 'report_member_day_tiers after a rebuild = report_member_days grouped').toEqual([]);

          // The tier segments the tier_changes triggers kept = rebuilt from the tier changes.
          const segments = async () =>
            (await env.ctx.pool.query(`SELECT member_id, s::text, e::text, tier, from_tier, change_id FROM report_tier_segments ORDER BY member_id COLLATE "C", s, change_id NULLS FIRST`)).rows;
          const writtenSegments = await segments();
          await env.ctx.pool.query(`SELECT report_tier_segments_rebuild()`);
          expect(writtenSegments, 'report_tier_segments kept by the triggers = rebuilt from the tier changes').toEqual(await segments());

          // The fallback: the rollup kept in another zone, or in none.
          if (run % 2 === 0) await rebuildReportMemberDays(env.ctx.pool, 'UTC');
          else await env.ctx.pool.query(`DELETE FROM report_member_days_zone`);
          for (const q of queries) {
            const from = addDays(windowFrom, q.offset);
            const to = addDays(from, q.span);
            const expected = await oracleIntervals(env.ctx.pool, { from, to, interval: q.interval, calendar: q.calendar, timeZone: c.timeZone, weekStartsOn: program.weekStartsOn });
            await checkMembersAndSales(from, to, q, expected, 'ledger');
            await checkRangeEnds(from, to, 'ledger');
          }
        },
      ),
      { numRuns: Number(process.env.REPORT_PROPERTY_RUNS ?? 6), endOnFailure: true },
    );
  });
});
