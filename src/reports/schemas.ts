/**
 * The reports' response shapes as zod schemas: the API documents them, the tests parse responses
 * with them, and the console imports the types (`import type { PointsReport } from
 * '…/src/reports/schemas.js'`). Every amount is an integer (points, or money in minor units);
 * every rate carries its numerator and denominator.
 */
import { z } from 'zod';

const int = () => z.int();

/** numerator / denominator; `value` is their quotient rounded to 6 places, null when the denominator is 0. */
export const RateSchema = z.object({ numerator: int(), denominator: int(), value: z.number().nullable() });
export type Rate = z.infer<typeof RateSchema>;

export const ProgramVersionSpanSchema = z.object({
  version: int(),
  /** When this version came into force (ISO instant with the program zone's offset). */
  inForceFrom: z.string(),
  /** When the next version replaced it; null while it is in force. */
  inForceUntil: z.string().nullable(),
});

/** One interval of a report: its name, local days and boundaries (with the zone's offset). */
export const IntervalBaseSchema = z.object({
  label: z.string(),
  firstDay: z.string(),
  lastDay: z.string(),
  start: z.string(),
  end: z.string(),
  /** The range cuts this week or month: only part of it is counted. */
  partial: z.boolean(),
  /** Program versions in force at some moment of the interval. */
  programVersions: z.array(int()),
});

/** What every report states about itself. */
export const ReportHeaderSchema = z.object({
  report: z.string(),
  timeZone: z.string(),
  calendar: z.enum(['gregorian', 'persian']),
  interval: z.enum(['day', 'week', 'month']),
  /** First day of a week (Gregorian: the program's `weekStartsOn`; Persian: saturday). */
  weekStartsOn: z.string(),
  from: z.string(),
  to: z.string(),
  start: z.string(),
  end: z.string(),
  programVersions: z.array(ProgramVersionSpanSchema),
  generatedAt: z.string(),
  /** How the figures are computed: `rollups` (maintained in the entries' transactions) or `ledger` (set-based over the raw tables). */
  computedFrom: z.string(),
});

// ---- points ----

export const PointsIssuedSchema = z.object({
  /** Base points of earning rules. */
  base: int(),
  /** Tier bonus points on top of base points. */
  bonus: int(),
  /** Points from offers (bonus rules scoped to a campaign's offer holders). */
  offers: int(),
  /** Mission rewards, contest and draw prizes, win-back bonuses (the award queue). */
  awards: int(),
  /** Positive manual adjustments. */
  adjustments: int(),
  total: int(),
  /** Of `total`, points that were pending (inside a return window) when issued. */
  pendingAtIssue: int(),
});

export const PointsDeductedSchema = z.object({
  redeemed: int(),
  expired: int(),
  /** Active points taken back by refunds. */
  reversed: int(),
  /** Pending points cancelled by refunds inside the return window. */
  cancelledPending: int(),
  /** Negative manual adjustments. */
  adjustments: int(),
  total: int(),
});

/** Stocks at an instant: balance = pending + available (debt, under allow_negative, is netted in available). */
export const PointsStockSchema = z.object({
  balance: int(),
  pending: int(),
  /** Outstanding liability: points members can spend. */
  available: int(),
});

export const PointsFlowSchema = z.object({
  entries: int(),
  issued: PointsIssuedSchema,
  deducted: PointsDeductedSchema,
  /** issued.total − deducted.total: the change of the balance. */
  net: int(),
  /** Net change of tier-qualifying points. */
  qualifying: int(),
});

export const PointsSourceRowSchema = PointsFlowSchema.extend({ source: z.string() });

export const PointsIntervalSchema = IntervalBaseSchema.extend(PointsFlowSchema.shape).extend({
  closing: PointsStockSchema,
  bySource: z.array(PointsSourceRowSchema),
});

export const PointsReportSchema = ReportHeaderSchema.extend({
  intervals: z.array(PointsIntervalSchema),
  totals: PointsFlowSchema.extend({ opening: PointsStockSchema, closing: PointsStockSchema, bySource: z.array(PointsSourceRowSchema) }),
});

export type PointsIssued = z.infer<typeof PointsIssuedSchema>;
export type PointsDeducted = z.infer<typeof PointsDeductedSchema>;
export type PointsStock = z.infer<typeof PointsStockSchema>;
export type PointsFlow = z.infer<typeof PointsFlowSchema>;
export type PointsInterval = z.infer<typeof PointsIntervalSchema>;
export type PointsReport = z.infer<typeof PointsReportSchema>;
export type ReportHeader = z.infer<typeof ReportHeaderSchema>;
export type IntervalBase = z.infer<typeof IntervalBaseSchema>;
