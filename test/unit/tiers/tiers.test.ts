import { describe, expect, it } from 'vitest';
import { CoreLedger } from '../../support/core-ledger.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import {
  currentQualificationWindow,
  decideTier,
  isInWindow,
  nextReviewAt,
  qualifiedTierRank,
  reviewQualificationWindow,
  reviewTargetRank,
  reviewTier,
  tierProgress,
  tierThresholds,
} from '../../../src/tiers/index.js';
import type { ActivitySummary, TierMemberState } from '../../../src/tiers/index.js';
import { exampleProgram, programWith } from '../rules/helpers.js';

const reference = exampleProgram('reference');
const hotel = exampleProgram('hotel');
const t = (iso: string) => new Date(iso);

const summary = (patch: Partial<ActivitySummary> = {}): ActivitySummary => ({ qualifyingPoints: 0, spend: 0, transactionCount: 0, balance: 0, ...patch });
const memberState = (patch: Partial<TierMemberState> = {}): TierMemberState => ({
  tierId: 'bronze',
  tierStartedAt: t('2024-05-10T08:00:00Z'),
  joinedAt: t('2023-02-20T08:00:00Z'),
  ...patch,
});

function withQualification(program: ProgramDefinition, patch: Record<string, unknown>): ProgramDefinition {
  return programWith(program, { qualification: { ...structuredClone(program.qualification), ...patch } as ProgramDefinition['qualification'] });
}

describe('qualification metrics', () => {
  it('single metric: the highest threshold met', () => {
    expect(qualifiedTierRank(reference, summary({ qualifyingPoints: 499 }))).toBe(0);
    expect(qualifiedTierRank(reference, summary({ qualifyingPoints: 500 }))).toBe(1);
    expect(qualifiedTierRank(reference, summary({ qualifyingPoints: 4999 }))).toBe(2);
    expect(qualifiedTierRank(reference, summary({ qualifyingPoints: 5000 }))).toBe(3);
    expect(qualifiedTierRank(reference, summary({ qualifyingPoints: -20 }))).toBe(0);
  });

  it('hybrid: 80 % purchase points + 20 % referral points, integer basis points, floored', () => {
    const hybrid = withQualification(reference, {
      metric: {
        type: 'hybrid',
        components: [
          { measure: { type: 'qualifying_points', rules: ['purchase'] }, weightBasisPoints: 8000 },
          { measure: { type: 'qualifying_points', rules: ['referral'] }, weightBasisPoints: 2000 },
        ],
      },
    });
    // 0.8 x 400 + 0.2 x 899 = 320 + 179.8 → 499 (floored): bronze.
    expect(qualifiedTierRank(hybrid, summary({ qualifyingPointsByRule: { purchase: 400, referral: 899 } }))).toBe(0);
    // 0.8 x 400 + 0.2 x 900 = 500: silver.
    expect(qualifiedTierRank(hybrid, summary({ qualifyingPointsByRule: { purchase: 400, referral: 900 } }))).toBe(1);
    // Other rules' points do not count; the total is ignored.
    expect(qualifiedTierRank(hybrid, summary({ qualifyingPoints: 100_000, qualifyingPointsByRule: { review: 100_000 } }))).toBe(0);
    const table = tierThresholds(hybrid);
    expect(table.metricType).toBe('hybrid');
    expect(table.measures.map((m) => [m.key, m.weightBasisPoints])).toEqual([
      ['qualifying_points:purchase', 8000],
      ['qualifying_points:referral', 2000],
    ]);
  });

  it('any-of: 10 nights OR 7 stays OR 10,000 points', () => {
    const rank = (p: Partial<ActivitySummary>) => hotel.tiers[qualifiedTierRank(hotel, summary(p))]!.id;
    expect(rank({ eventSums: { 'stay.nights': 10 } })).toBe('silver');
    expect(rank({ eventCounts: { stay: 7 } })).toBe('silver');
    expect(rank({ qualifyingPoints: 10_000 })).toBe('silver');
    expect(rank({ eventSums: { 'stay.nights': 9 }, eventCounts: { stay: 6 }, qualifyingPoints: 9_999 })).toBe('member');
    expect(rank({ eventSums: { 'stay.nights': 15 }, eventCounts: { stay: 7 } })).toBe('gold');
    expect(rank({ eventCounts: { stay: 40 } })).toBe('diamond');
    // Prototype keys in the summary are not values.
    expect(rank({ eventCounts: JSON.parse('{"__proto__": 99}') as Record<string, number> })).toBe('member');
  });

  it('exposes thresholds as a table for one set-based SQL statement', () => {
    const table = tierThresholds(hotel);
    expect(table.metricType).toBe('any_of');
    expect(table.measures.map((m) => [m.criterionId, m.key])).toEqual([
      ['nights', 'event_sum:stay.nights'],
      ['stays', 'event_count:stay'],
      ['points', 'qualifying_points'],
    ]);
    expect(table.tiers.map((r) => [r.tierId, r.rank, r.thresholds])).toEqual([
      ['member', 0, [0, 0, 0]],
      ['silver', 1, [10, 7, 10000]],
      ['gold', 2, [15, 10, 15000]],
      ['platinum', 3, [30, 20, 30000]],
      ['diamond', 4, [50, 40, 50000]],
    ]);
    expect(table.review).toEqual({ maxStepsPerReview: 1, graceDays: 0, manualTierIsFloor: true });
    expect(tierThresholds(reference).tiers.map((r) => r.thresholds[0])).toEqual([0, 500, 1000, 5000]);
  });
});

describe('qualification windows', () => {
  it('rolling 12 months: inclusive start, exclusive end, whole local days', () => {
    const asOf = t('2025-06-15T06:30:00Z'); // 10:00 Tehran
    const window = currentQualificationWindow(reference, asOf);
    // [2024-06-16 00:00, 2025-06-16 00:00) Tehran (UTC+3:30).
    expect(window.start.toISOString()).toBe('2024-06-15T20:30:00.000Z');
    expect(window.end.toISOString()).toBe('2025-06-15T20:30:00.000Z');
    expect(isInWindow(window, window.start)).toBe(true);
    expect(isInWindow(window, new Date(window.start.getTime() - 1))).toBe(false);
    expect(isInWindow(window, new Date(window.end.getTime() - 1))).toBe(true);
    expect(isInWindow(window, window.end)).toBe(false);
    expect(isInWindow(window, asOf)).toBe(true);
  });

  it('a review judges the window that just ended', () => {
    const reviewAt = t('2025-06-15T20:30:00Z'); // 2025-06-16 00:00 Tehran
    expect(reviewQualificationWindow(reference, reviewAt)).toEqual(currentQualificationWindow(reference, t('2025-06-15T06:30:00Z')));
    const hotelReview = reviewQualificationWindow(hotel, t('2026-01-01T05:00:00Z')); // 2026-01-01 00:00 New York
    expect(hotelReview.start.toISOString()).toBe('2025-01-01T05:00:00.000Z');
    expect(hotelReview.end.toISOString()).toBe('2026-01-01T05:00:00.000Z');
    expect(currentQualificationWindow(hotel, t('2025-07-04T12:00:00Z'))).toEqual(hotelReview);
  });
});

describe('review schedule', () => {
  it('fixed date: every January 1st in the program zone', () => {
    expect(nextReviewAt(hotel, memberState(), t('2025-07-04T12:00:00Z')).toISOString()).toBe('2026-01-01T05:00:00.000Z');
    expect(nextReviewAt(hotel, memberState(), t('2026-01-01T05:00:00Z')).toISOString()).toBe('2027-01-01T05:00:00.000Z');
    expect(nextReviewAt(hotel, memberState(), t('2026-01-01T04:59:59Z')).toISOString()).toBe('2026-01-01T05:00:00.000Z');
  });

  it('join date and tier start date anniversaries (Feb 29 falls on Feb 28)', () => {
    const byJoin = withQualification(reference, { review: { anchor: 'join_date', everyMonths: 12 } });
    const leap = memberState({ joinedAt: t('2024-02-29T10:00:00Z') });
    expect(nextReviewAt(byJoin, leap, t('2025-01-01T00:00:00Z')).toISOString()).toBe('2025-02-27T20:30:00.000Z');
    expect(nextReviewAt(byJoin, leap, t('2027-06-01T00:00:00Z')).toISOString()).toBe('2028-02-28T20:30:00.000Z');
    // Tier start 2024-05-10 → reviews on each 2024-05-10 anniversary.
    expect(nextReviewAt(reference, memberState(), t('2025-05-09T00:00:00Z')).toISOString()).toBe('2025-05-09T20:30:00.000Z');
  });
});

describe('immediate upgrades', () => {
  it('upgrade at once, several tiers if earned, never a downgrade', () => {
    expect(decideTier({ program: reference, member: { tierId: 'bronze' }, summary: summary({ qualifyingPoints: 1200 }) })).toMatchObject({
      changed: true,
      fromTierId: 'bronze',
      toTierId: 'gold',
      reason: 'qualified',
    });
    expect(decideTier({ program: reference, member: { tierId: 'diamond' }, summary: summary() })).toMatchObject({ changed: false, toTierId: 'diamond', clearsGrace: false });
  });
});

describe('reviews', () => {
  const now = t('2025-06-15T20:30:00Z');

  it('the next review counts from the tier change: a downgrade or an upgrade at the review restarts the tier year, a kept tier keeps its own', () => {
    // Reference program: reviews every 12 months from the tier's start (anchor tier_start_date).
    const noGrace = withQualification(reference, { downgrade: { maxStepsPerReview: 1, graceDays: 0 } });
    const diamond = memberState({ tierId: 'diamond' });
    const down = reviewTier({ program: noGrace, member: diamond, summary: summary({ qualifyingPoints: 10 }), now });
    expect(down.nextReviewAt).toEqual(nextReviewAt(noGrace, { joinedAt: diamond.joinedAt, tierStartedAt: now }, now));
    const up = reviewTier({ program: reference, member: memberState({ tierId: 'silver' }), summary: summary({ qualifyingPoints: 6000 }), now });
    expect(up).toMatchObject({ outcome: 'upgraded', tierStartedAt: now });
    expect(up.nextReviewAt).toEqual(nextReviewAt(reference, { joinedAt: diamond.joinedAt, tierStartedAt: now }, now));
    const kept = reviewTier({ program: reference, member: memberState({ tierId: 'silver' }), summary: summary({ qualifyingPoints: 600 }), now });
    expect(kept).toMatchObject({ outcome: 'kept', tierStartedAt: diamond.tierStartedAt });
    expect(kept.nextReviewAt).toEqual(nextReviewAt(reference, { joinedAt: diamond.joinedAt, tierStartedAt: diamond.tierStartedAt }, now));
    expect(kept.nextReviewAt.getTime()).not.toBe(down.nextReviewAt.getTime());
  });

  it('soft landing: diamond drops to gold, not bronze', () => {
    const decision = reviewTier({ program: reference, member: memberState({ tierId: 'diamond' }), summary: summary({ qualifyingPoints: 10 }), now });
    expect(decision).toMatchObject({ outcome: 'grace_started' });
    const noGrace = withQualification(reference, { downgrade: { maxStepsPerReview: 1, graceDays: 0 } });
    expect(reviewTier({ program: noGrace, member: memberState({ tierId: 'diamond' }), summary: summary({ qualifyingPoints: 10 }), now })).toMatchObject({
      outcome: 'downgraded',
      fromTierId: 'diamond',
      toTierId: 'gold',
      qualifiedTierId: 'bronze',
      reason: 'not_requalified',
      tierStartedAt: now,
    });
    const hardLanding = withQualification(reference, { downgrade: { maxStepsPerReview: null, graceDays: 0 } });
    expect(reviewTier({ program: hardLanding, member: memberState({ tierId: 'diamond' }), summary: summary({ qualifyingPoints: 600 }), now }).toTierId).toBe('silver');
    expect([reviewTargetRank(3, 0, 0, 1), reviewTargetRank(3, 0, 0, 2), reviewTargetRank(3, 2, 0, 1), reviewTargetRank(1, 3, 0, 1), reviewTargetRank(3, 0, 2, null)]).toEqual([2, 1, 2, 3, 2]);
  });

  it('requalifying keeps the tier; qualifying higher upgrades', () => {
    expect(reviewTier({ program: reference, member: memberState({ tierId: 'gold' }), summary: summary({ qualifyingPoints: 1000 }), now })).toMatchObject({
      outcome: 'kept',
      changed: false,
      reason: 'requalified',
      graceUntil: null,
    });
    expect(reviewTier({ program: reference, member: memberState({ tierId: 'gold' }), summary: summary({ qualifyingPoints: 6000 }), now })).toMatchObject({
      outcome: 'upgraded',
      toTierId: 'diamond',
    });
  });

  it('grace: the demotion waits graceDays after the failed review and is cancelled by requalifying', () => {
    const gold = memberState({ tierId: 'gold' });
    const failed = reviewTier({ program: reference, member: gold, summary: summary({ qualifyingPoints: 100 }), now });
    expect(failed).toMatchObject({ outcome: 'grace_started', changed: false, toTierId: 'gold', reason: 'grace_period' });
    expect(failed.graceUntil!.toISOString()).toBe('2025-07-15T20:30:00.000Z');
    expect(failed.nextReviewAt).toEqual(failed.graceUntil);

    const inGrace = { ...gold, graceUntil: failed.graceUntil };
    expect(reviewTier({ program: reference, member: inGrace, summary: summary({ qualifyingPoints: 100 }), now: t('2025-07-01T00:00:00Z') }).outcome).toBe('in_grace');
    // Requalifying during grace: an event's decideTier clears it, and so does a review.
    expect(decideTier({ program: reference, member: inGrace, summary: summary({ qualifyingPoints: 1000 }) }).clearsGrace).toBe(true);
    expect(reviewTier({ program: reference, member: inGrace, summary: summary({ qualifyingPoints: 1000 }), now: t('2025-07-01T00:00:00Z') })).toMatchObject({ outcome: 'kept', graceUntil: null });
    // Grace over and still short: one step down.
    expect(reviewTier({ program: reference, member: inGrace, summary: summary({ qualifyingPoints: 100 }), now: failed.graceUntil! })).toMatchObject({
      outcome: 'downgraded',
      toTierId: 'silver',
      graceUntil: null,
    });
  });

  it('manual tier floor: never below the tier set by hand, unless the program says it is no floor', () => {
    const hard = withQualification(reference, { downgrade: { maxStepsPerReview: null, graceDays: 0 } });
    const manual = memberState({ tierId: 'diamond', manualTierId: 'gold' });
    expect(reviewTier({ program: hard, member: manual, summary: summary(), now })).toMatchObject({ outcome: 'downgraded', toTierId: 'gold' });
    expect(reviewTier({ program: hard, member: { ...manual, tierId: 'gold' }, summary: summary(), now })).toMatchObject({ outcome: 'kept', reason: 'manual_floor' });
    const noFloor = withQualification(hard, { manualTierIsFloor: false });
    expect(reviewTier({ program: noFloor, member: manual, summary: summary(), now }).toTierId).toBe('bronze');
  });

  it('balance metric: a redemption can demote, but only at the review', () => {
    const byBalance = withQualification(reference, { metric: { type: 'balance' }, downgrade: { maxStepsPerReview: 1, graceDays: 0 } });
    const ledger = new CoreLedger({ returnPolicy: 'within_balance' });
    ledger.apply({ type: 'earn', key: 'e', memberId: 'm', at: t('2025-01-01T00:00:00Z'), points: 1200 });
    const gold = memberState({ tierId: 'gold' });
    expect(decideTier({ program: byBalance, member: { tierId: 'bronze' }, summary: summary({ balance: ledger.balance('m') }) }).toTierId).toBe('gold');

    ledger.apply({ type: 'redeem', key: 'r', memberId: 'm', at: t('2025-02-01T00:00:00Z'), points: 900 });
    const afterRedemption = summary({ balance: ledger.available('m', t('2025-02-01T00:00:00Z')), qualifyingPoints: 1200 });
    expect(afterRedemption.balance).toBe(300);
    // No demotion on the redemption itself...
    expect(decideTier({ program: byBalance, member: gold, summary: afterRedemption })).toMatchObject({ changed: false, toTierId: 'gold' });
    // ...but the review demotes (one step: silver), although qualifying points alone would keep gold.
    expect(reviewTier({ program: byBalance, member: gold, summary: afterRedemption, now })).toMatchObject({ outcome: 'downgraded', toTierId: 'silver' });
    expect(reviewTier({ program: reference, member: gold, summary: afterRedemption, now }).outcome).toBe('kept');
  });
});

describe('tier progress for the member summary', () => {
  it('current and next tier, the gap in each metric, valid-until and what keeps the tier', () => {
    const now = t('2025-06-15T06:30:00Z');
    const progress = tierProgress({ program: reference, member: memberState({ tierId: 'silver' }), summary: summary({ qualifyingPoints: 420 }), now });
    expect(progress.currentTier).toMatchObject({ id: 'silver', rank: 1, earnBonusPercent: 10 });
    expect(progress.nextTier).toMatchObject({ id: 'gold' });
    expect(progress.toNextTier).toEqual([{ key: 'qualifying_points', label: 'qualifying points', current: 420, required: 1000, gap: 580 }]);
    expect(progress.toKeepCurrentTier).toEqual([{ key: 'qualifying_points', label: 'qualifying points', current: 420, required: 500, gap: 80 }]);
    expect(progress.keepsCurrentTier).toBe(false);
    // Tier started 2024-05-10 → next review on the 2025-05-10 anniversary has passed → 2026-05-10 Tehran.
    expect(progress.validUntil!.toISOString()).toBe('2026-05-09T20:30:00.000Z');
    expect(progress.inGrace).toBe(false);
  });

  it('any-of gaps per criterion; the top tier has no next; the base tier never expires', () => {
    const now = t('2025-06-15T12:00:00Z');
    const p = tierProgress({ program: hotel, member: memberState({ tierId: 'member' }), summary: summary({ eventSums: { 'stay.nights': 4 }, eventCounts: { stay: 2 }, qualifyingPoints: 3000 }), now });
    expect(p.toNextTier!.map((g) => [g.key, g.gap])).toEqual([
      ['nights', 6],
      ['stays', 5],
      ['points', 7000],
    ]);
    expect(p.validUntil).toBeNull();
    expect(p.keepsCurrentTier).toBe(true);
    const top = tierProgress({ program: hotel, member: memberState({ tierId: 'diamond', graceUntil: t('2025-07-01T00:00:00Z') }), summary: summary(), now });
    expect(top.nextTier).toBeNull();
    expect(top.toNextTier).toBeNull();
    expect(top.inGrace).toBe(true);
    expect(top.validUntil).toEqual(t('2025-07-01T00:00:00Z'));
  });
});
