import { lotExpiresAt } from '../ledger/core/expiry.js';
import { checkedAdd } from '../ledger/core/integer-math.js';
import { addDays } from '../program/calendar.js';
import { findTier } from '../program/program-lookup.js';
import type { EarningRule, LimitPeriod, ProgramDefinition } from '../program/schema.js';
import { basePointsForEffect, tierBonusPoints } from './effect.js';
import { allocate, lineFactorPercent, lineMoney, lineWeights } from './items.js';
import { limitPeriodBounds, memberTimeZone } from './limit-windows.js';
import type { PredicateContext } from './predicate.js';
import { evaluatePredicate } from './predicate.js';
import type {
  EarnDecision,
  EarningHistory,
  EvaluateEventInput,
  ItemBreakdown,
  MemberEvent,
  MemberSnapshot,
  PlannedEarnEntry,
  RuleOutcome,
} from './types.js';

interface Candidate {
  readonly rule: EarningRule;
  readonly index: number;
  readonly computedPoints: number;
  readonly points: number;
  readonly cappedBy?: LimitPeriod;
}

/**
 * Decide what an event earns, without writing anything (this is also the dry-run).
 *
 * Order: trigger → active window → conditions → effect → limits (in the member's time zone) →
 * stacking → tier bonus → pending / expiry dates. Stacking: if any candidate is `exclusive`, the
 * exclusive one with the highest priority (then earliest declared) is the only award; otherwise
 * every `stack` rule applies plus the single best `highest` rule (most points, then priority, then
 * declaration order). Rules that would award 0 points never take part in stacking.
 */
export function evaluateEvent(input: EvaluateEventInput): EarnDecision {
  const { program, programVersion, member, event, history, now } = input;
  const timeZone = memberTimeZone(program, member);
  const tier = findTier(program, member.tierId);
  const context = predicateContext(event, member);

  const outcomes = new Map<string, RuleOutcome>();
  const candidates: Candidate[] = [];
  program.earningRules.forEach((rule, index) => {
    if (rule.trigger !== event.type) return;
    const skip = (reason: RuleOutcome['reason'], detail: string, computedPoints = 0) =>
      outcomes.set(rule.id, { ruleId: rule.id, status: 'skipped', reason, detail, computedPoints, basePoints: 0, bonusPoints: 0 });

    if (!isActive(rule, event.occurredAt)) return skip('inactive', 'the rule is not active at the event time');
    if (rule.conditions && !evaluatePredicate(rule.conditions, context)) return skip('condition_false', 'conditions not met');
    const effect = basePointsForEffect(rule.effect, context, event.items, rule.items);
    if (!effect.ok) return skip(effect.reason, effect.detail);
    if (effect.points === 0) return skip('zero_points', 'the effect awards 0 points for this event');

    const limited = applyLimits(rule, effect.points, program, event.occurredAt, timeZone, history);
    if (!limited.ok) return skip('limit_reached', limited.detail, effect.points);
    candidates.push({ rule, index, computedPoints: effect.points, points: limited.points, ...(limited.cappedBy ? { cappedBy: limited.cappedBy } : {}) });
  });

  const winners = resolveStacking(candidates, (candidate, reason, detail) =>
    outcomes.set(candidate.rule.id, {
      ruleId: candidate.rule.id,
      status: 'skipped',
      reason,
      detail,
      computedPoints: candidate.computedPoints,
      basePoints: 0,
      bonusPoints: 0,
    }),
  );

  const entries: PlannedEarnEntry[] = [];
  const expiresAt = lotExpiresAt(program.expiry, event.occurredAt, program.timeZone);
  const orderId = event.orderId ?? null;
  const orderAmount = typeof event.amount === 'number' && Number.isSafeInteger(event.amount) ? event.amount : null;
  const lines = event.items ?? [];
  const byLine = lines.map(() => [] as { ruleId: string; factorPercent: number; base: number; bonus: number }[]);
  for (const winner of winners) {
    const { rule } = winner;
    const bonusPoints = rule.applyTierBonus ? tierBonusPoints(winner.points, tier.benefits.earnBonusPercent) : 0;
    const pendingUntil = rule.pendingDays > 0 ? addDays(event.occurredAt, rule.pendingDays) : null;
    // With items, every point is attributed to a line: the base by the lines' weight under the
    // rule, the bonus in proportion to each line's base.
    const baseLines = lines.length > 0 ? allocate(winner.points, lineWeights(rule, lines)) : undefined;
    const bonusLines = baseLines ? allocate(bonusPoints, baseLines) : undefined;
    baseLines?.forEach((base, i) => byLine[i]!.push({ ruleId: rule.id, factorPercent: lineFactorPercent(rule, lines[i]!), base, bonus: bonusLines![i]! }));
    // Field by field, no object spread: this runs for every winning rule of every event.
    const entry = (component: 'base' | 'tier_bonus', points: number, qualifyingPoints: number, linePoints: number[] | undefined): PlannedEarnEntry => {
      const planned = { ruleId: rule.id, earnedAt: event.occurredAt, pendingUntil, expiresAt, orderId, orderAmount, idempotencyKey: `${event.id}:${rule.id}:${component}`, component, points, qualifyingPoints };
      return linePoints ? { ...planned, linePoints } : planned;
    };
    entries.push(entry('base', winner.points, rule.qualifying ? winner.points : 0, baseLines));
    if (bonusPoints > 0) entries.push(entry('tier_bonus', bonusPoints, 0, bonusLines));
    outcomes.set(rule.id, {
      ruleId: rule.id,
      status: 'fired',
      computedPoints: winner.computedPoints,
      basePoints: winner.points,
      bonusPoints,
      ...(winner.cappedBy ? { cappedBy: winner.cappedBy, detail: `capped by the ${winner.cappedBy} points limit` } : {}),
    });
  }

  let basePoints = 0;
  let bonusPoints = 0;
  let pendingPoints = 0;
  let qualifyingPoints = 0;
  for (const entry of entries) {
    if (entry.component === 'base') basePoints = checkedAdd(basePoints, entry.points);
    else bonusPoints = checkedAdd(bonusPoints, entry.points);
    if (entry.pendingUntil && entry.pendingUntil.getTime() > now.getTime()) pendingPoints = checkedAdd(pendingPoints, entry.points);
    qualifyingPoints = checkedAdd(qualifyingPoints, entry.qualifyingPoints);
  }
  const points = checkedAdd(basePoints, bonusPoints);

  const rules = program.earningRules.flatMap((rule) => {
    const outcome = outcomes.get(rule.id);
    return outcome ? [outcome] : [];
  });

  return {
    programId: program.id,
    programVersion,
    memberId: member.id,
    eventId: event.id,
    eventType: event.type,
    evaluatedAt: now,
    tierId: tier.id,
    earnBonusPercent: tier.benefits.earnBonusPercent,
    timeZone,
    entries,
    ...(lines.length > 0
      ? {
          items: lines.map(
            (l, i): ItemBreakdown => ({
              line: i,
              sku: l.sku,
              name: l.name ?? null,
              category: l.category ?? null,
              brand: l.brand ?? null,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
              discount: l.discount ?? 0,
              amount: lineMoney(l),
              points: byLine[i]!.reduce((sum, r) => sum + r.base + r.bonus, 0),
              byRule: byLine[i]!,
            }),
          ),
        }
      : {}),
    rules,
    totals: { basePoints, bonusPoints, points, pendingPoints, availablePoints: points - pendingPoints, qualifyingPoints },
  };
}

/** The data conditions see. Dates become ISO strings so they compare with gt/lt as strings. */
export function predicateContext(event: MemberEvent, member: MemberSnapshot): PredicateContext {
  return {
    event: {
      id: event.id,
      type: event.type,
      occurredAt: event.occurredAt.toISOString(),
      amount: event.amount ?? null,
      orderId: event.orderId ?? null,
      properties: event.properties ?? {},
    },
    member: {
      id: member.id,
      tierId: member.tierId,
      timeZone: member.timeZone ?? null,
      joinedAt: member.joinedAt ? member.joinedAt.toISOString() : null,
      attributes: member.attributes ?? {},
    },
  };
}

function isActive(rule: EarningRule, at: Date): boolean {
  if (rule.activeFrom && at.getTime() < Date.parse(rule.activeFrom)) return false;
  if (rule.activeUntil && at.getTime() >= Date.parse(rule.activeUntil)) return false;
  return true;
}

type LimitResult = { ok: true; points: number; cappedBy?: LimitPeriod } | { ok: false; detail: string };

/** Limits count base points; the tier bonus on top is never limited. */
function applyLimits(
  rule: EarningRule,
  points: number,
  program: ProgramDefinition,
  at: Date,
  timeZone: string,
  history: EarningHistory,
): LimitResult {
  let awarded = points;
  let cappedBy: LimitPeriod | undefined;
  for (const limit of rule.limits) {
    const { start } = limitPeriodBounds(limit.period, at, timeZone, program.weekStartsOn);
    const usage = history.usage.find(
      (u) => u.ruleId === rule.id && u.period === limit.period && u.periodStart.getTime() === start.getTime(),
    );
    const timesFired = usage?.timesFired ?? 0;
    const usedPoints = usage?.points ?? 0;
    if (limit.maxTimes !== undefined && timesFired >= limit.maxTimes) {
      return { ok: false, detail: `${limit.period} limit of ${limit.maxTimes} time${limit.maxTimes === 1 ? '' : 's'} reached` };
    }
    if (limit.maxPoints !== undefined) {
      const remaining = limit.maxPoints - usedPoints;
      if (remaining <= 0) return { ok: false, detail: `${limit.period} limit of ${limit.maxPoints} points reached` };
      if (awarded > remaining) {
        awarded = remaining;
        cappedBy = limit.period;
      }
    }
  }
  return cappedBy ? { ok: true, points: awarded, cappedBy } : { ok: true, points: awarded };
}

function resolveStacking(
  candidates: readonly Candidate[],
  reject: (candidate: Candidate, reason: 'exclusive_rule_won' | 'outranked', detail: string) => void,
): Candidate[] {
  const exclusives = candidates.filter((c) => c.rule.stacking === 'exclusive');
  if (exclusives.length > 0) {
    const winner = [...exclusives].sort((a, b) => b.rule.priority - a.rule.priority || a.index - b.index)[0]!;
    for (const c of candidates) if (c !== winner) reject(c, 'exclusive_rule_won', `exclusive rule "${winner.rule.id}" applies alone`);
    return [winner];
  }
  const highest = candidates.filter((c) => c.rule.stacking === 'highest');
  const best = [...highest].sort((a, b) => b.points - a.points || b.rule.priority - a.rule.priority || a.index - b.index)[0];
  for (const c of highest) if (c !== best) reject(c, 'outranked', `rule "${best!.rule.id}" awards more`);
  return candidates.filter((c) => c.rule.stacking === 'stack' || c === best);
}
