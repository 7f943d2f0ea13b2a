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
  /** Points given back by cancelled redemptions (to the lots they came from). */
  restored: int(),
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

// ---- members ----

export const TierCountSchema = z.object({ tier: z.string(), count: int() });

export const MembersFiguresSchema = z.object({
  /** Members who joined in the interval. */
  new: int(),
  /** …by the tier they joined in. */
  newByTier: z.array(TierCountSchema),
  /** Distinct members with at least one event in the interval. */
  active: int(),
  /** …by their tier at the interval's end. */
  activeByTier: z.array(TierCountSchema),
});

/** Members who had joined by an instant, by their tier at that instant. */
export const MembersStockSchema = z.object({ total: int(), byTier: z.array(TierCountSchema) });

export const MembersIntervalSchema = IntervalBaseSchema.extend(MembersFiguresSchema.shape).extend({ closing: MembersStockSchema });

export const MembersReportSchema = ReportHeaderSchema.extend({
  intervals: z.array(MembersIntervalSchema),
  /** Over the whole range: `active` counts each member once; `activeByTier` by the tier at the range's end. */
  totals: MembersFiguresSchema.extend({ opening: MembersStockSchema, closing: MembersStockSchema }),
});

export type MembersFigures = z.infer<typeof MembersFiguresSchema>;
export type MembersStock = z.infer<typeof MembersStockSchema>;
export type MembersReport = z.infer<typeof MembersReportSchema>;

// ---- tiers ----

export const TierMoveSchema = z.object({ from: z.string(), to: z.string(), direction: z.enum(['up', 'same', 'down']), count: int() });

export const TiersFiguresSchema = z.object({
  /** Members reviewed (each review of each member once). */
  reviews: int(),
  movement: z.object({ up: int(), same: int(), down: int() }),
  /** The review movement matrix: from tier × to tier (only pairs that occurred). */
  matrix: z.array(TierMoveSchema),
  /** Reviews that started a grace period instead of a demotion, and reviews of members still in grace. */
  gracesStarted: int(),
  inGrace: int(),
  /** Tier changes outside reviews: upgrades as points are earned, manual floors, win-back requalification. */
  betweenReviews: z.object({
    upgrades: int(),
    downgrades: int(),
    byReason: z.array(z.object({ reason: z.string(), from: z.string(), to: z.string(), count: int() })),
  }),
  /** Win-back journeys of demotions in the interval, by their outcome now; regainRate = regained ÷ (regained + lapsed). */
  winback: z.object({ demotions: int(), active: int(), regained: int(), lapsed: int(), regainRate: RateSchema }),
});

export const TiersIntervalSchema = IntervalBaseSchema.extend(TiersFiguresSchema.shape);
export const TiersReportSchema = ReportHeaderSchema.extend({ intervals: z.array(TiersIntervalSchema), totals: TiersFiguresSchema });

export type TiersFigures = z.infer<typeof TiersFiguresSchema>;
export type TiersReport = z.infer<typeof TiersReportSchema>;

// ---- campaigns ----

export const CampaignFunnelSchema = z.object({
  /** Members who entered (the range counts by entry time). */
  audience: int(),
  /** First messages that passed consent, suppression and caps and were handed to the channel. */
  sent: int(),
  /** …that the channel accepted (status sent). */
  delivered: int(),
  failed: int(),
  capped: int(),
  suppressed: int(),
  /** Not yet decided (queued, held for quiet hours). */
  pending: int(),
  /** Unsubscribed (marketing, any channel) within the attribution window after entering. */
  unsubscribed: int(),
  /** Offers granted to these members by this campaign, and grants used (bonus earned, coupon or discount redeemed). */
  offerGranted: int(),
  offerUsed: int(),
  /** Members with the goal event within the attribution window after entering. */
  converted: int(),
  conversionRate: RateSchema,
  /** Purchases within the attribution window after entering, net of their refunds (minor units). */
  revenue: int(),
  orders: int(),
});

export const CampaignVariantSchema = CampaignFunnelSchema.extend({
  /** A variant key, or `holdout` (the control group: entered, sent nothing). */
  variant: z.string(),
  /** Relative lift of the conversion rate over the holdout's: (cv·ah − ch·av) ÷ (ch·av); null value without a converting holdout. */
  lift: RateSchema.nullable(),
});

export const CampaignRowSchema = z.object({
  campaignId: z.string(),
  name: z.string(),
  status: z.string(),
  goal: z.object({ eventType: z.string(), withinDays: int() }).nullable(),
  /** Days after entering that conversions, revenue and unsubscribes are attributed (the goal's, else 7). */
  attributionDays: int(),
  totals: CampaignFunnelSchema,
  variants: z.array(CampaignVariantSchema),
});

export const CampaignsIntervalSchema = IntervalBaseSchema.extend({ entered: int(), sent: int(), delivered: int(), converted: int(), revenue: int() });

export const CampaignsReportSchema = ReportHeaderSchema.extend({
  intervals: z.array(CampaignsIntervalSchema),
  campaigns: z.array(CampaignRowSchema),
});

export type CampaignFunnel = z.infer<typeof CampaignFunnelSchema>;
export type CampaignsReport = z.infer<typeof CampaignsReportSchema>;

// ---- missions and contests ----

export const MissionFiguresSchema = z.object({
  /** Enrollments made in the interval (a member's period of a mission). */
  enrolled: int(),
  /** Enrollments completed in the interval. */
  completed: int(),
  /** Of the enrollments made in the interval, how many are completed (by now). */
  completionRate: RateSchema,
  /** Mission rewards credited in the interval (award entries, source mission:<id>). */
  pointsAwarded: int(),
});

export const MissionRowSchema = MissionFiguresSchema.extend({
  missionId: z.string(),
  name: z.string(),
  /** Of the enrollments made in the range: still running, and closed without completing. */
  active: int(),
  expired: int(),
});

export const MissionsReportSchema = ReportHeaderSchema.extend({
  intervals: z.array(IntervalBaseSchema.extend(MissionFiguresSchema.shape)),
  missions: z.array(MissionRowSchema),
  totals: MissionFiguresSchema,
});

export const ContestRowSchema = z.object({
  contestId: z.string(),
  name: z.string(),
  status: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  /** Members with a non-zero contribution (whole contest). */
  participants: int(),
  prizeBudget: int(),
  /** Prize points credited (award entries, source contest:<id>), and the share of the budget they used. */
  prizePointsAwarded: int(),
  budgetUsed: RateSchema,
  winners: int(),
});

export const ContestsReportSchema = ReportHeaderSchema.extend({
  intervals: z.array(IntervalBaseSchema.extend({ contributions: int(), participants: int(), prizePointsAwarded: int() })),
  contests: z.array(ContestRowSchema),
});

export type MissionsReport = z.infer<typeof MissionsReportSchema>;
export type ContestsReport = z.infer<typeof ContestsReportSchema>;

// ---- sales ----

export const SalesFiguresSchema = z.object({
  /** Purchases, and refunds (each a refund event). */
  orders: int(),
  refunds: int(),
  /** Money in minor units: purchases, refunds, and their difference. */
  gross: int(),
  refunded: int(),
  revenue: int(),
  /** gross ÷ orders. */
  averageBasket: RateSchema,
  /** Units bought ÷ purchases that listed items. */
  itemsPerBasket: RateSchema,
  /** Members who bought, and those of them who bought twice or more in the same period. */
  buyers: int(),
  repeatPurchaseRate: RateSchema,
});

export const SalesGroupSchema = z.object({ orders: int(), refunds: int(), gross: int(), refunded: int(), revenue: int() });

export const SalesIntervalSchema = IntervalBaseSchema.extend(SalesFiguresSchema.shape).extend({
  /** By the member's tier when each purchase or refund was decided. */
  byTier: z.array(SalesGroupSchema.extend({ tier: z.string() })),
  /** By source: `api` (the brand's own backend) or `partner:<id>`. */
  byPartner: z.array(SalesGroupSchema.extend({ source: z.string() })),
});

/** A SKU or category over the whole range, net of refunded items. */
export const SellerSchema = z.object({ key: z.string(), name: z.string().nullable(), quantity: int(), revenue: int(), orders: int() });

export const SalesReportSchema = ReportHeaderSchema.extend({
  intervals: z.array(SalesIntervalSchema),
  totals: SalesFiguresSchema.extend({ byTier: SalesIntervalSchema.shape.byTier, byPartner: SalesIntervalSchema.shape.byPartner }),
  /** Best and worst sellers over the range (N = `top`), among those sold at least once. */
  sellers: z.object({
    skus: z.object({ byRevenue: z.object({ best: z.array(SellerSchema), worst: z.array(SellerSchema) }), byQuantity: z.object({ best: z.array(SellerSchema), worst: z.array(SellerSchema) }) }),
    categories: z.object({ byRevenue: z.object({ best: z.array(SellerSchema), worst: z.array(SellerSchema) }), byQuantity: z.object({ best: z.array(SellerSchema), worst: z.array(SellerSchema) }) }),
  }),
});

export type SalesReport = z.infer<typeof SalesReportSchema>;
export type Seller = z.infer<typeof SellerSchema>;
