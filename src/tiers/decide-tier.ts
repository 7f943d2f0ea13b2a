import { addDays } from '../program/calendar.js';
import { tierRank } from '../program/program-lookup.js';
import type { ProgramDefinition } from '../program/schema.js';
import { qualifiedTierRank } from './qualification.js';
import { nextReviewAt } from './review-schedule.js';
import { tierThresholds, type TierThresholdTable } from './thresholds.js';
import type { ActivitySummary, TierMemberState } from './types.js';

/**
 * Where a review lands: never below the qualified tier or the manual floor, never more than
 * `maxStepsPerReview` below the current tier (soft landing), and upgrades are not capped.
 * In SQL: `CASE WHEN greatest(q, f) >= c THEN greatest(q, f) ELSE greatest(q, f, c - steps) END`.
 */
export function reviewTargetRank(currentRank: number, qualifiedRank: number, floorRank: number, maxStepsPerReview: number | null): number {
  const earned = Math.max(qualifiedRank, floorRank);
  if (earned >= currentRank) return earned;
  return maxStepsPerReview === null ? earned : Math.max(earned, currentRank - maxStepsPerReview);
}

function floorRankOf(program: ProgramDefinition, member: Pick<TierMemberState, 'manualTierId'>): number {
  return program.qualification.manualTierIsFloor && member.manualTierId ? tierRank(program, member.manualTierId) : 0;
}

export interface TierDecision {
  readonly changed: boolean;
  readonly fromTierId: string;
  readonly toTierId: string;
  readonly qualifiedTierId: string;
  readonly reason: 'qualified' | 'manual_floor' | 'no_change';
  /** The member meets (or is floored at) their current tier, so a running grace period ends. */
  readonly clearsGrace: boolean;
}

/**
 * Immediate decision after an event: upgrades happen at once (possibly several tiers), never a
 * downgrade (that waits for the review). `summary` covers the window current at the event.
 */
export function decideTier(input: {
  program: ProgramDefinition;
  member: Pick<TierMemberState, 'tierId' | 'manualTierId'>;
  summary: ActivitySummary;
}): TierDecision {
  const { program, member, summary } = input;
  const currentRank = tierRank(program, member.tierId);
  const qualifiedRank = qualifiedTierRank(program, summary);
  const floorRank = floorRankOf(program, member);
  const target = Math.max(currentRank, qualifiedRank, floorRank);
  const changed = target > currentRank;
  return {
    changed,
    fromTierId: member.tierId,
    toTierId: program.tiers[target]!.id,
    qualifiedTierId: program.tiers[qualifiedRank]!.id,
    reason: !changed ? 'no_change' : qualifiedRank >= floorRank ? 'qualified' : 'manual_floor',
    clearsGrace: Math.max(qualifiedRank, floorRank) >= currentRank,
  };
}

export type TierReviewOutcome = 'kept' | 'upgraded' | 'downgraded' | 'grace_started' | 'in_grace';

export interface TierReviewDecision {
  readonly outcome: TierReviewOutcome;
  readonly changed: boolean;
  readonly fromTierId: string;
  readonly toTierId: string;
  readonly qualifiedTierId: string;
  /** For the tier-change row and the member's history. */
  readonly reason: 'requalified' | 'qualified_higher' | 'manual_floor' | 'not_requalified' | 'grace_period' | 'grace_running';
  /** The member's grace deadline after this review; null = no grace running. */
  readonly graceUntil: Date | null;
  readonly tierStartedAt: Date;
  /** When to look at this member again: the grace deadline while in grace, else the next review. */
  readonly nextReviewAt: Date;
}

/**
 * The scheduled review. `summary` covers the window the review judges (`reviewQualificationWindow`,
 * or the current window when a grace period ends). Downgrades happen only here:
 *
 *  1. qualified (or floored) at or above the current tier → kept or upgraded, grace cleared;
 *  2. otherwise, with grace days and no grace running → grace starts (`now + graceDays`), no change;
 *  3. while `now < graceUntil` → still in grace, no change;
 *  4. otherwise → downgrade to `reviewTargetRank` (soft landing, manual floor), grace cleared.
 */
export function reviewTier(
  input: {
    program: ProgramDefinition;
    member: TierMemberState;
    summary: ActivitySummary;
    now: Date;
  },
  context: TierReviewContext = tierReviewContext(input.program),
): TierReviewDecision {
  return reviewOne(input.program, input.member, input.summary, input.now, context);
}

/**
 * `reviewTier`, once per member of a sweep (hundreds of thousands): no closures, spreads or input
 * objects per call (under tsx every named closure also costs an Object.defineProperty), each
 * outcome one object literal of the same shape.
 */
function reviewOne(program: ProgramDefinition, member: TierMemberState, summary: ActivitySummary, now: Date, context: TierReviewContext): TierReviewDecision {
  const currentRank = context.rankOf(member.tierId);
  const qualifiedRank = qualifiedTierRank(program, summary, context.table);
  const floorRank = program.qualification.manualTierIsFloor && member.manualTierId ? context.rankOf(member.manualTierId) : 0;
  const qualifiedTierId = program.tiers[qualifiedRank]!.id;
  const downgrade = program.qualification.downgrade;
  const earned = Math.max(qualifiedRank, floorRank);
  if (earned >= currentRank) {
    const changed = earned > currentRank;
    const tierStartedAt = changed ? now : member.tierStartedAt;
    return {
      outcome: changed ? 'upgraded' : 'kept',
      changed,
      fromTierId: member.tierId,
      toTierId: program.tiers[earned]!.id,
      qualifiedTierId,
      reason: changed ? 'qualified_higher' : qualifiedRank >= currentRank ? 'requalified' : 'manual_floor',
      graceUntil: null,
      tierStartedAt,
      nextReviewAt: context.nextReviewAt(member.joinedAt, tierStartedAt, now),
    };
  }
  const graceUntil = member.graceUntil ?? null;
  if (downgrade.graceDays > 0 && graceUntil === null) {
    const until = addDays(now, downgrade.graceDays);
    return {
      outcome: 'grace_started',
      changed: false,
      fromTierId: member.tierId,
      toTierId: member.tierId,
      qualifiedTierId,
      reason: 'grace_period',
      graceUntil: until,
      tierStartedAt: member.tierStartedAt,
      nextReviewAt: until,
    };
  }
  if (graceUntil !== null && now.getTime() < graceUntil.getTime()) {
    return {
      outcome: 'in_grace',
      changed: false,
      fromTierId: member.tierId,
      toTierId: member.tierId,
      qualifiedTierId,
      reason: 'grace_running',
      graceUntil,
      tierStartedAt: member.tierStartedAt,
      nextReviewAt: graceUntil,
    };
  }
  const target = reviewTargetRank(currentRank, qualifiedRank, floorRank, downgrade.maxStepsPerReview);
  return {
    outcome: 'downgraded',
    changed: true,
    fromTierId: member.tierId,
    toTierId: program.tiers[target]!.id,
    qualifiedTierId,
    reason: 'not_requalified',
    graceUntil: null,
    tierStartedAt: now,
    nextReviewAt: context.nextReviewAt(member.joinedAt, now, now),
  };
}

/**
 * What reviews of many members share, computed once: the threshold table, tier ranks by id, and
 * review dates memoized by (anchor instant, review instant) — members whose tier started at the
 * same review, or who joined together, get the same next review without asking the calendar again.
 */
export interface TierReviewContext {
  readonly table: TierThresholdTable;
  /** `tierRank`, from a map (throws the same error for an unknown tier). */
  rankOf(tierId: string): number;
  /** `nextReviewAt(program, { joinedAt, tierStartedAt }, after)`, memoized. */
  nextReviewAt(joinedAt: Date, tierStartedAt: Date, after: Date): Date;
}

export function tierReviewContext(program: ProgramDefinition): TierReviewContext {
  const anchor = program.qualification.review.anchor;
  const ranks = new Map(program.tiers.map((t, rank) => [t.id, rank]));
  // anchor instant → review instant → next review (numbers: no key strings built per member).
  const memo = new Map<number, Map<number, number>>();
  return {
    table: tierThresholds(program),
    rankOf(tierId) {
      return ranks.get(tierId) ?? tierRank(program, tierId);
    },
    nextReviewAt(joinedAt, tierStartedAt, after) {
      const anchorMs = anchor === 'fixed_date' ? 0 : (anchor === 'join_date' ? joinedAt : tierStartedAt).getTime();
      let byAfter = memo.get(anchorMs);
      if (!byAfter) {
        byAfter = new Map();
        memo.set(anchorMs, byAfter);
      }
      const afterMs = after.getTime();
      let at = byAfter.get(afterMs);
      if (at === undefined) {
        at = nextReviewAt(program, { joinedAt, tierStartedAt }, after).getTime();
        byAfter.set(afterMs, at);
      }
      return new Date(at);
    },
  };
}

/** A member as the scheduled review sees it: its state and the instant its review was due. */
export interface TierReviewSubject extends TierMemberState {
  readonly id: string;
  readonly nextReviewAt: Date;
}

/**
 * The reviews of a page of members, each as of its own due instant (`reviewTier` with one shared
 * context). `summaries` holds each member's activity over the window `reviewWindowOf` gives.
 */
export function reviewTiersOf(program: ProgramDefinition, members: readonly TierReviewSubject[], summaries: ReadonlyMap<string, ActivitySummary>): TierReviewDecision[] {
  const context = tierReviewContext(program);
  const decisions = new Array<TierReviewDecision>(members.length);
  for (let i = 0; i < members.length; i += 1) {
    const member = members[i]!;
    const summary = summaries.get(member.id);
    if (!summary) throw new Error(`no activity summary for member ${member.id}`);
    decisions[i] = reviewOne(program, member, summary, member.nextReviewAt, context);
  }
  return decisions;
}
