import { tierRank } from '../program/program-lookup.js';
import type { ProgramDefinition, Tier } from '../program/schema.js';
import type { MetricGap } from './qualification.js';
import { gapsToTier, meetsTier, qualifiedTierRank } from './qualification.js';
import { nextReviewAt } from './review-schedule.js';
import { tierThresholds } from './thresholds.js';
import type { ActivitySummary, TierMemberState, TimeWindow } from './types.js';
import { currentQualificationWindow } from './windows.js';

export interface TierView {
  readonly id: string;
  readonly name: string;
  readonly rank: number;
  readonly earnBonusPercent: number;
  readonly perks: readonly string[];
}

export interface TierProgress {
  readonly currentTier: TierView;
  readonly nextTier: TierView | null;
  /** The tier the current window's activity earns. */
  readonly qualifiedTier: TierView;
  readonly metricType: 'single' | 'hybrid' | 'any_of';
  /** Gaps to the next tier; for any_of closing one of them is enough. Null at the top tier. */
  readonly toNextTier: readonly MetricGap[] | null;
  /** Gaps to keep the current tier at the next review (all zero when already kept). */
  readonly toKeepCurrentTier: readonly MetricGap[];
  readonly keepsCurrentTier: boolean;
  /** When the tier is next judged (the grace deadline while in grace); null when it cannot drop. */
  readonly validUntil: Date | null;
  readonly inGrace: boolean;
  readonly graceUntil: Date | null;
  readonly window: TimeWindow;
}

function view(tier: Tier, rank: number): TierView {
  return { id: tier.id, name: tier.name, rank, earnBonusPercent: tier.benefits.earnBonusPercent, perks: tier.benefits.perks };
}

/** The member summary: tier, next tier, gap in each metric, valid-until and what keeps the tier. */
export function tierProgress(input: {
  program: ProgramDefinition;
  member: TierMemberState;
  /** Activity over `currentQualificationWindow(program, now)`. */
  summary: ActivitySummary;
  now: Date;
}): TierProgress {
  const { program, member, summary, now } = input;
  const table = tierThresholds(program);
  const rank = tierRank(program, member.tierId);
  const qualifiedRank = qualifiedTierRank(program, summary, table);
  const floored = program.qualification.manualTierIsFloor && member.manualTierId ? tierRank(program, member.manualTierId) >= rank : false;
  const nextRank = rank + 1 < program.tiers.length ? rank + 1 : null;
  const graceUntil = member.graceUntil && member.graceUntil.getTime() > now.getTime() ? member.graceUntil : null;
  const cannotDrop = rank === 0 || floored;
  return {
    currentTier: view(program.tiers[rank]!, rank),
    nextTier: nextRank === null ? null : view(program.tiers[nextRank]!, nextRank),
    qualifiedTier: view(program.tiers[qualifiedRank]!, qualifiedRank),
    metricType: table.metricType,
    toNextTier: nextRank === null ? null : gapsToTier(table, nextRank, summary),
    toKeepCurrentTier: gapsToTier(table, rank, summary),
    keepsCurrentTier: cannotDrop || meetsTier(table, rank, summary),
    validUntil: cannotDrop ? null : (graceUntil ?? nextReviewAt(program, member, now)),
    inGrace: graceUntil !== null,
    graceUntil,
    window: currentQualificationWindow(program, now),
  };
}
