import { lotExpiresAt } from '../ledger/core/expiry.js';
import { mulDivFloor } from '../ledger/core/integer-math.js';
import { addDays } from '../program/calendar.js';
import type { ProgramDefinition } from '../program/index.js';
import { allocate, basePointsForEffect, evaluatePredicate, lineWeights, predicateContext, type ItemBreakdown, type ItemLine, type RuleOutcome } from '../rules/index.js';
import type { MemberEvent, MemberSnapshot } from '../rules/types.js';
import type { EntryWrite, OfferUseWrite } from '../ledger/core/rows.js';
import type { BonusRule } from './definition.js';

/*
 * Bonus-rule offers in the event decision. Pure: what a member's held offers add to an event,
 * given what the program's own rules awarded it. Only holders are asked (the caller passes the
 * member's grants), only inside the offer's window (judged at the event's occurredAt), within
 * the offer's own limits: uses per holder, points per use, points per holder and the total budget
 * over all holders. The entries are ordinary earn entries (and lots) of rule `offer:<id>`,
 * component `offer`: pending like the rules they multiply, expiring like every lot, taken back by
 * a refund of the order in proportion; they never qualify for tiers and get no tier bonus. With
 * purchase items, a per_item effect counts the matching units, and every offer's points are
 * attributed to the lines (as the program's rules' are) so that a refund of some items takes back
 * exactly their share: a multiplier's by the multiplied rules' base points on each line, other
 * effects by the lines' weight under the effect.
 */

/** One bonus offer a member holds, as the event read finds it. */
export interface HeldBonusOffer {
  grantId: number;
  offerId: string;
  campaignId: string | null;
  validFrom: Date;
  validUntil: Date | null;
  /** The grant's own end, if any. */
  expiresAt: Date | null;
  rule: BonusRule;
  maxUses: number | null;
  uses: number;
  maxPointsPerMember: number | null;
  pointsGiven: number;
  budgetPoints: number | null;
  /** What the offer has given to all holders so far. */
  budgetGiven: number;
}

export type BonusSkipReason = 'outside_window' | 'condition_false' | 'missing_amount' | 'no_items' | 'zero_points' | 'uses_reached' | 'member_points_reached' | 'budget_exhausted';

export interface OfferOutcome {
  offerId: string;
  status: 'applied' | 'skipped';
  reason?: BonusSkipReason;
  points: number;
  /** The limit that reduced the points, when one did. */
  cappedBy?: 'per_use' | 'per_member' | 'budget';
}

export interface PlannedOfferEntry {
  idempotencyKey: string;
  offerId: string;
  ruleId: string;
  points: number;
  earnedAt: Date;
  pendingUntil: Date | null;
  expiresAt: Date | null;
  orderId: string | null;
  orderAmount: number | null;
  /** With items: the entry's points attributed to each line (they add up to `points`). */
  linePoints?: number[];
}

export interface BonusDecisionInput {
  offers: readonly HeldBonusOffer[];
  program: ProgramDefinition;
  member: MemberSnapshot;
  event: MemberEvent;
  /** The program rules' outcomes for this event (their base points are what a multiplier multiplies). */
  rules: readonly RuleOutcome[];
  /** With items: the rules' per-line breakdown (a multiplier's points go to the lines its rules' base points came from). */
  items?: readonly ItemBreakdown[];
  /** Uses and points of the grant, and points of the offer over all holders, decided earlier in the same call (not stored yet). */
  decidedEarlier: (offer: HeldBonusOffer) => { uses: number; points: number; offerPoints: number };
}

export function offerRuleId(offerId: string): string {
  return `offer:${offerId}`;
}

/** What the member's held offers add to the event, offer by offer (in offer id order). */
export function decideBonusOffers(input: BonusDecisionInput): { entries: PlannedOfferEntry[]; outcomes: OfferOutcome[] } {
  const { event, program } = input;
  const at = event.occurredAt.getTime();
  const context = predicateContext(event, input.member);
  const entries: PlannedOfferEntry[] = [];
  const outcomes: OfferOutcome[] = [];
  const held = input.offers.filter((o) => o.rule.trigger === event.type).sort((a, b) => (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0));
  for (const offer of held) {
    const skip = (reason: BonusSkipReason) => outcomes.push({ offerId: offer.offerId, status: 'skipped', reason, points: 0 });
    const ends = [offer.validUntil, offer.expiresAt].filter((t): t is Date => t !== null);
    if (at < offer.validFrom.getTime() || ends.some((t) => at >= t.getTime())) {
      skip('outside_window');
      continue;
    }
    if (offer.rule.conditions && !evaluatePredicate(offer.rule.conditions, context)) {
      skip('condition_false');
      continue;
    }
    const earlier = input.decidedEarlier(offer);
    if (offer.maxUses !== null && offer.uses + earlier.uses >= offer.maxUses) {
      skip('uses_reached');
      continue;
    }
    const computed = bonusPoints(offer.rule, input.rules, context, event);
    if (typeof computed === 'string') {
      skip(computed);
      continue;
    }
    if (computed <= 0) {
      skip('zero_points');
      continue;
    }
    let points = computed;
    let cappedBy: OfferOutcome['cappedBy'];
    const cap = (limit: number, by: NonNullable<OfferOutcome['cappedBy']>) => {
      if (points > limit) {
        points = limit;
        cappedBy = by;
      }
    };
    if (offer.rule.maxPointsPerUse !== undefined) cap(offer.rule.maxPointsPerUse, 'per_use');
    if (offer.maxPointsPerMember !== null) cap(offer.maxPointsPerMember - offer.pointsGiven - earlier.points, 'per_member');
    if (offer.budgetPoints !== null) cap(offer.budgetPoints - offer.budgetGiven - earlier.offerPoints, 'budget');
    if (points <= 0) {
      skip(cappedBy === 'budget' ? 'budget_exhausted' : 'member_points_reached');
      continue;
    }
    const pendingDays = offer.rule.pendingDays ?? multipliedPendingDays(offer.rule, input.rules, program);
    entries.push({
      idempotencyKey: `${event.id}:${offerRuleId(offer.offerId)}`,
      offerId: offer.offerId,
      ruleId: offerRuleId(offer.offerId),
      points,
      earnedAt: event.occurredAt,
      pendingUntil: pendingDays > 0 ? addDays(event.occurredAt, pendingDays) : null,
      expiresAt: lotExpiresAt(program.expiry, event.occurredAt, program.timeZone),
      orderId: event.orderId ?? null,
      orderAmount: typeof event.amount === 'number' ? event.amount : null,
      ...(event.items && event.items.length > 0 ? { linePoints: allocate(points, bonusLineWeights(offer.rule, event.items, input.items ?? [])) } : {}),
    });
    outcomes.push({ offerId: offer.offerId, status: 'applied', points, ...(cappedBy ? { cappedBy } : {}) });
  }
  return { entries, outcomes };
}

/** The uses the written entries make of held offers: each offer earn entry is one use of its grant. */
export function offerUsesOf(entries: readonly EntryWrite[], held: readonly HeldBonusOffer[]): OfferUseWrite[] {
  if (held.length === 0) return [];
  const uses: OfferUseWrite[] = [];
  for (const e of entries) {
    if (e.kind !== 'earn' || e.component !== 'offer' || e.eventId === null) continue;
    const offer = held.find((o) => offerRuleId(o.offerId) === e.ruleId);
    if (!offer) throw new Error(`entry ${e.idempotencyKey} earns on ${e.ruleId ?? 'no rule'}, which member ${e.memberId} does not hold`);
    uses.push({ entryKey: e.idempotencyKey, grantId: offer.grantId, offerId: offer.offerId, campaignId: offer.campaignId, memberId: e.memberId, eventId: e.eventId, orderId: e.orderId, points: e.amount, at: e.at });
  }
  return uses;
}

/** The base points of the program rules a multiplier multiplies (fired rules only). */
function multipliedBase(rule: BonusRule, rules: readonly RuleOutcome[]): number {
  if (rule.effect.type !== 'multiplier') return 0;
  const only = rule.effect.rules;
  return rules.filter((r) => r.status === 'fired' && (!only || only.includes(r.ruleId))).reduce((s, r) => s + r.basePoints, 0);
}

function bonusPoints(rule: BonusRule, rules: readonly RuleOutcome[], context: ReturnType<typeof predicateContext>, event: MemberEvent): number | 'missing_amount' | 'no_items' {
  if (rule.effect.type === 'multiplier') return mulDivFloor(multipliedBase(rule, rules), rule.effect.extraPercent, 100);
  const effect = basePointsForEffect(rule.effect, context, event.items);
  return effect.ok ? effect.points : effect.reason;
}

/** What each purchase line weighs in an offer's points (see the top of this file). */
function bonusLineWeights(rule: BonusRule, lines: readonly ItemLine[], breakdown: readonly ItemBreakdown[]): number[] {
  const effect = rule.effect;
  if (effect.type !== 'multiplier') return lineWeights({ effect }, lines);
  const only = effect.rules;
  return lines.map((_, i) => (breakdown[i]?.byRule ?? []).filter((r) => !only || only.includes(r.ruleId)).reduce((s, r) => s + r.base, 0));
}

/** A multiplier's points wait as long as the longest return window of the rules it multiplies. */
function multipliedPendingDays(rule: BonusRule, rules: readonly RuleOutcome[], program: ProgramDefinition): number {
  if (rule.effect.type !== 'multiplier') return 0;
  const only = rule.effect.rules;
  const fired = new Set(rules.filter((r) => r.status === 'fired' && (!only || only.includes(r.ruleId))).map((r) => r.ruleId));
  return program.earningRules.filter((r) => fired.has(r.id)).reduce((days, r) => Math.max(days, r.pendingDays), 0);
}
