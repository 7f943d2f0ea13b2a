import { z } from 'zod';
import { REJECTION_REASONS } from '../referrals/attach.js';
import type { Pool } from '../db/index.js';
import { campaignsReport, CampaignsReportQuerySchema } from './campaigns.js';
import { contestsReport, ContestsReportQuerySchema } from './contests.js';
import { membersReport } from './members.js';
import { missionsReport, MissionsReportQuerySchema } from './missions.js';
import { salesReport, SalesReportQuerySchema } from './sales.js';
import { pointsReport } from './points.js';
import { ReportQuerySchema, type ReportQuery } from './query.js';
import {
  CampaignRowSchema,
  CampaignsIntervalSchema,
  CampaignsReportSchema,
  CampaignVariantSchema,
  ContestRowSchema,
  IntervalBaseSchema,
  MembersIntervalSchema,
  MissionRowSchema,
  PointsIntervalSchema,
  PointsSourceRowSchema,
  SalesGroupSchema,
  SalesIntervalSchema,
  SellerSchema,
  TierMoveSchema,
  TiersFiguresSchema,
  TiersIntervalSchema,
  ContestsReportSchema,
  MembersReportSchema,
  MissionsReportSchema,
  PointsReportSchema,
  SalesReportSchema,
  TiersReportSchema,
  type CampaignsReport,
  type ContestsReport,
  type MembersReport,
  type MissionsReport,
  type PointsReport,
  type SalesReport,
  type TiersReport,
} from './schemas.js';
import { tiersReport } from './tiers.js';
import { ReferralFlowSchema, referralsReport, ReferralsReportSchema, type ReferralsReport } from './referrals.js';

const ReferralsIntervalRowSchema = IntervalBaseSchema.extend(ReferralFlowSchema.omit({ rejectedByReason: true }).shape).extend(
  Object.fromEntries(REJECTION_REASONS.map((r) => [`rejected_${r}`, z.int()])),
);

/** A report as the API serves it: its query, its computation, its response schema and its CSV tables. */
export interface ReportDefinition<R = unknown, Q extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  /** `ReportQuerySchema`, or it extended with the report's own parameters. */
  query: Q;
  response: z.ZodType<R>;
  run(pool: Pool, query: z.output<Q> & ReportQuery): Promise<R>;
  /** CSV tables by name; the first is the default. */
  tables: Record<string, CsvTable<R>>;
}

/** A CSV table: how the report turns into its rows, and a row's schema (the header of an empty table). */
export interface CsvTable<R> {
  row: z.ZodObject;
  rows(report: R): Record<string, unknown>[];
}

const table = <R>(row: z.ZodObject, rows: (report: R) => Record<string, unknown>[]): CsvTable<R> => ({ row, rows });

/** The columns `intervalColumns` puts first in a per-interval row of a sub-table. */
const IntervalColumnsSchema = IntervalBaseSchema.pick({ label: true, start: true, end: true });

/** The interval columns every per-interval CSV row starts with. */
function intervalColumns(i: { label: string; start: string; end: string }): Record<string, unknown> {
  return { label: i.label, start: i.start, end: i.end };
}

/** Erases a report's own types for the registry (the route handles every report alike). */
function defineReport<R, Q extends z.ZodObject>(report: ReportDefinition<R, Q>): ReportDefinition {
  return report as unknown as ReportDefinition;
}

const points = defineReport<PointsReport, typeof ReportQuerySchema>({
  name: 'points',
  summary: 'Points issued (base, bonus, offers, awards, adjustments) and deducted (redeemed, expired, reversed, cancelled, adjustments) per interval and by source; balance, pending and outstanding liability at each interval end',
  query: ReportQuerySchema,
  response: PointsReportSchema,
  run: (pool, query) => pointsReport(pool, query),
  tables: {
    intervals: table(PointsIntervalSchema.omit({ bySource: true }), (r) => r.intervals.map(({ bySource: _bySource, ...i }) => i)),
    sources: table(IntervalColumnsSchema.extend(PointsSourceRowSchema.shape), (r) => r.intervals.flatMap((i) => i.bySource.map((s) => ({ ...intervalColumns(i), ...s })))),
  },
});

/** Per-tier counts as one column per tier (`newByTier.gold`), every tier of any row in every row. */
function tierColumns<T extends Record<string, unknown>>(rows: T[], fields: (keyof T & string)[]): Record<string, unknown>[] {
  const tiers = new Set<string>();
  for (const row of rows) for (const f of fields) for (const c of row[f] as { tier: string }[]) tiers.add(c.tier);
  return rows.map((row) => {
    const out: Record<string, unknown> = { ...row };
    for (const f of fields) {
      const counts = new Map((row[f] as { tier: string; count: number }[]).map((c) => [c.tier, c.count]));
      out[f] = Object.fromEntries([...tiers].map((t) => [t, counts.get(t) ?? 0]));
    }
    return out;
  });
}

const members = defineReport<MembersReport, typeof ReportQuerySchema>({
  name: 'members',
  summary: 'New members (by the tier they joined in), active members (any event; by tier at the interval end) and the tier distribution at each interval end',
  query: ReportQuerySchema,
  response: MembersReportSchema,
  run: (pool, query) => membersReport(pool, query),
  tables: {
    // Per-tier columns come from the data: an empty table lists the others.
    intervals: table(MembersIntervalSchema.omit({ closing: true }).extend({ total: z.int() }), (r) =>
      tierColumns(
        r.intervals.map(({ closing, ...i }) => ({ ...i, total: closing.total, byTier: closing.byTier })),
        ['newByTier', 'activeByTier', 'byTier'],
      ),
    ),
  },
});

const tiers = defineReport<TiersReport, typeof ReportQuerySchema>({
  name: 'tiers',
  summary: 'Tier reviews as a movement matrix (from × to: up, same, down), graces started, tier changes between reviews, win-back regain rate',
  query: ReportQuerySchema,
  response: TiersReportSchema,
  run: (pool, query) => tiersReport(pool, query),
  tables: {
    intervals: table(TiersIntervalSchema, (r) => r.intervals.map(({ matrix: _m, betweenReviews: { byReason: _b, ...between }, ...i }) => ({ ...i, betweenReviews: between }))),
    matrix: table(IntervalColumnsSchema.extend(TierMoveSchema.shape), (r) => r.intervals.flatMap((i) => i.matrix.map((m) => ({ ...intervalColumns(i), ...m })))),
    changes: table(IntervalColumnsSchema.extend(TiersFiguresSchema.shape.betweenReviews.shape.byReason.element.shape), (r) => r.intervals.flatMap((i) => i.betweenReviews.byReason.map((c) => ({ ...intervalColumns(i), ...c })))),
  },
});

const campaigns = defineReport<CampaignsReport, typeof CampaignsReportQuerySchema>({
  name: 'campaigns',
  summary: 'The funnel of each campaign and variant for members who entered in the range: audience, sent, delivered, capped, suppressed, unsubscribed, offers granted and used, converted, revenue, lift over the holdout',
  query: CampaignsReportQuerySchema,
  response: CampaignsReportSchema,
  run: (pool, query) => campaignsReport(pool, query),
  tables: {
    variants: table(CampaignRowSchema.omit({ totals: true, variants: true }).extend(CampaignVariantSchema.shape), (r) =>
      r.campaigns.flatMap(({ variants, totals: _t, ...c }) => variants.map((v) => ({ ...c, ...v }))),
    ),
    intervals: table(CampaignsIntervalSchema, (r) => r.intervals),
  },
});

const missions = defineReport<MissionsReport, typeof MissionsReportQuerySchema>({
  name: 'missions',
  summary: 'Mission enrollments and completions per interval, completion rate of each interval’s enrollments, reward points credited; per mission over the range',
  query: MissionsReportQuerySchema,
  response: MissionsReportSchema,
  run: (pool, query) => missionsReport(pool, query),
  tables: { intervals: table(MissionsReportSchema.shape.intervals.element, (r) => r.intervals), missions: table(MissionRowSchema, (r) => r.missions) },
});

const contests = defineReport<ContestsReport, typeof ContestsReportQuerySchema>({
  name: 'contests',
  summary: 'Contests overlapping the range: participants, prize budget, prize points credited and the share of the budget used; contributions and prize points per interval',
  query: ContestsReportQuerySchema,
  response: ContestsReportSchema,
  run: (pool, query) => contestsReport(pool, query),
  tables: { contests: table(ContestRowSchema, (r) => r.contests), intervals: table(ContestsReportSchema.shape.intervals.element, (r) => r.intervals) },
});

const sales = defineReport<SalesReport, typeof SalesReportQuerySchema>({
  name: 'sales',
  summary: 'Orders, refunds and revenue, average basket, items per basket, buyers and repeat purchase rate per interval, by tier and by partner; best and worst SKUs and categories by revenue and quantity (`top`)',
  query: SalesReportQuerySchema,
  response: SalesReportSchema,
  run: (pool, query) => salesReport(pool, query),
  tables: {
    intervals: table(SalesIntervalSchema.omit({ byTier: true, byPartner: true }), (r) => r.intervals.map(({ byTier: _t, byPartner: _p, ...i }) => i)),
    tiers: table(IntervalColumnsSchema.extend(SalesGroupSchema.shape).extend({ tier: z.string() }), (r) => r.intervals.flatMap((i) => i.byTier.map((t) => ({ ...intervalColumns(i), ...t })))),
    partners: table(IntervalColumnsSchema.extend(SalesGroupSchema.shape).extend({ source: z.string() }), (r) =>
      r.intervals.flatMap((i) => i.byPartner.map((p) => ({ ...intervalColumns(i), ...p }))),
    ),
    sellers: table(z.object({ kind: z.string(), by: z.string(), which: z.string(), rank: z.int() }).extend(SellerSchema.shape), (r) =>
      (['skus', 'categories'] as const).flatMap((kind) =>
        (['byRevenue', 'byQuantity'] as const).flatMap((by) =>
          (['best', 'worst'] as const).flatMap((which) => r.sellers[kind][by][which].map((s, rank) => ({ kind, by, which, rank: rank + 1, ...s }))),
        ),
      ),
    ),
  },
});

const referrals = defineReport<ReferralsReport, typeof ReportQuerySchema>({
  name: 'referrals',
  summary: 'Referrals sent (sign-ups with a code), converted (qualifying purchase), rewarded, rejected by reason and expired per interval, referral points credited; where the range\'s referrals stand now; top referrers',
  query: ReportQuerySchema,
  response: ReferralsReportSchema,
  run: (pool, query) => referralsReport(pool, query),
  tables: {
    intervals: table(ReferralsIntervalRowSchema, (r) =>
      r.intervals.map(({ rejectedByReason, ...i }) => ({ ...i, ...Object.fromEntries(Object.entries(rejectedByReason).map(([k, v]) => [`rejected_${k}`, v])) })),
    ),
    referrers: table(ReferralsReportSchema.shape.topReferrers.element, (r) => r.topReferrers),
  },
});

export const REPORTS: ReadonlyMap<string, ReportDefinition> = new Map([points, members, tiers, sales, campaigns, missions, contests, referrals].map((r) => [r.name, r]));
