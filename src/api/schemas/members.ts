import { z } from 'zod';
import { ConsentSchema, MemberIdSchema } from '../../members/index.js';
import { Balance, LocalDate, Timestamp } from './common.js';
import { EntryKind } from './events.js';
import { REJECTION_REASONS } from '../../referrals/attach.js';

export const MemberParams = z.strictObject({ id: MemberIdSchema });

export const Member = z
  .object({
    id: MemberIdSchema,
    email: z.string().nullable(),
    phone: z.string().nullable(),
    firstName: z.string().nullable(),
    locale: z.string(),
    timeZone: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    consent: ConsentSchema,
    tierId: z.string(),
    tierStartedAt: Timestamp,
    manualTierId: z.string().nullable(),
    graceUntil: Timestamp.nullable(),
    nextReviewAt: Timestamp,
    joinedAt: Timestamp,
    lastActivityAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Member' });

export const LedgerEntryView = z
  .object({
    seq: z.int(),
    kind: EntryKind,
    amount: z.int(),
    qualifyingPoints: z.int(),
    pending: z.boolean(),
    at: Timestamp,
    eventId: z.string().nullable(),
    ruleId: z.string().nullable(),
    orderId: z.string().nullable(),
    rewardId: z.string().nullable(),
    source: z.string(),
    programVersion: z.int().nullable(),
    actor: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'LedgerEntry' });

export const LedgerPage = z.object({ entries: z.array(LedgerEntryView), next: z.int().nullable().describe('pass as ?before= for the next page') });

const TierView = z.object({ id: z.string(), name: z.string(), rank: z.int(), earnBonusPercent: z.number(), perks: z.array(z.string()) }).meta({ id: 'TierView' });
const MetricGap = z.object({ key: z.string(), label: z.string(), current: z.int(), required: z.int(), gap: z.int() }).meta({ id: 'MetricGap' });

export const TierProgress = z
  .object({
    currentTier: TierView,
    nextTier: TierView.nullable(),
    qualifiedTier: TierView,
    metricType: z.enum(['single', 'hybrid', 'any_of']),
    toNextTier: z.array(MetricGap).nullable(),
    toKeepCurrentTier: z.array(MetricGap),
    keepsCurrentTier: z.boolean(),
    validUntil: Timestamp.nullable(),
    inGrace: z.boolean(),
    graceUntil: Timestamp.nullable(),
    window: z.object({ start: Timestamp, end: Timestamp }),
  })
  .meta({ id: 'TierProgress' });

export const MemberSummary = z.object({
  memberId: MemberIdSchema,
  programVersion: z.int(),
  balance: z.object({ available: z.int(), pending: z.int(), debt: z.int(), total: z.int() }),
  tier: TierProgress,
  expiring: z.object({ within30Days: z.int(), within60Days: z.int(), within90Days: z.int(), byDate: z.array(z.object({ date: LocalDate, points: z.int() })) }),
  recentEntries: z.array(LedgerEntryView),
});

export const AdjustmentResult = z.object({
  adjustmentId: z.string(),
  memberId: MemberIdSchema,
  points: z.int(),
  reason: z.string(),
  balance: Balance,
  replayed: z.boolean(),
});

export const MemberSearchPage = z.object({ items: z.array(Member), nextAfter: z.string().nullable().describe('pass as ?after= for the next page') });
export const MemberConsent = z.object({ memberId: MemberIdSchema, consent: ConsentSchema });

export const MemberToken = z.object({ token: z.string().describe('mt.… — send as Authorization: Bearer'), expiresAt: Timestamp });

export const ReferralStatus = z.enum(['pending', 'qualified', 'rewarded', 'rejected', 'expired']);
export const ReferralRejectReason = z.enum(REJECTION_REASONS);

export const MemberReferral = z.object({
  memberId: MemberIdSchema,
  code: z.string().describe("the member's referral code (made on first ask)"),
  referredBy: z
    .object({
      memberId: MemberIdSchema,
      status: ReferralStatus,
      rejectReason: z.string().nullable(),
      createdAt: Timestamp,
      rewardedAt: Timestamp.nullable(),
    })
    .nullable()
    .describe('who referred the member, and how that referral stands'),
  referrals: z
    .object({ sent: z.int(), pending: z.int(), waitingReturnWindow: z.int(), rewarded: z.int(), rejected: z.int(), expired: z.int() })
    .describe("the members this one referred, by status"),
});

export const ReferralPage = z.object({
  items: z.array(
    z
      .object({
        referrerId: MemberIdSchema,
        refereeId: MemberIdSchema,
        code: z.string(),
        status: ReferralStatus,
        rejectReason: ReferralRejectReason.nullable(),
        qualifyingOrderId: z.string().nullable(),
        qualifyingAmount: z.int().nullable(),
        qualifiedAt: Timestamp.nullable(),
        rewardableAt: Timestamp.nullable().describe('the end of the qualifying purchase\'s return window: rewarded from then on'),
        rewardedAt: Timestamp.nullable(),
        reversedAt: Timestamp.nullable().describe('a refund after the reward took the order below the minimum'),
        reversedPoints: z.int().nullable().describe('points taken back from both sides'),
        unrecoveredPoints: z.int().nullable().describe('points the sides had already spent (not taken: no debt)'),
        createdAt: Timestamp,
      })
      .meta({ id: 'Referral' }),
  ),
  nextBefore: z.string().nullable().describe('pass as ?before= for the next page'),
});

const Rows = z.array(z.record(z.string(), z.unknown()));
export const MemberExport = z
  .object({
    memberId: MemberIdSchema,
    exportedAt: Timestamp,
    member: z.record(z.string(), z.unknown()).nullable().describe('the profile row'),
    referrals: Rows,
    journeySteps: Rows,
    auditLog: Rows.describe('every audit entry about the member'),
    tables: z.record(z.string(), Rows).describe('every row of each table holding rows of the member, by table'),
  })
  .meta({ id: 'MemberExport' });

export const Erasure = z.object({
  memberId: MemberIdSchema,
  erasedAt: Timestamp,
  alreadyErased: z.boolean().describe('erased before: nothing done now'),
  messagesCancelled: z.int().describe('messages not yet sent that will not be'),
});
