export type {
  MemberEvent,
  MemberSnapshot,
  RuleUsage,
  EarningHistory,
  LimitWindow,
  EntryComponent,
  PlannedEarnEntry,
  RuleSkipReason,
  RuleOutcome,
  EarnDecision,
  EvaluateEventInput,
  ItemBreakdown,
} from './types.js';
export { evaluateEvent, predicateContext } from './evaluate-event.js';
export type { PredicateContext } from './predicate.js';
export { evaluatePredicate, resolveField } from './predicate.js';
export type { EffectResult } from './effect.js';
export { basePointsForEffect, tierBonusPoints } from './effect.js';
export { limitWindowsForEvent, limitPeriodBounds, memberTimeZone, LIFETIME_START } from './limit-windows.js';
export { checkPurchaseItems, lineMoney, lineWeights, allocate, type ItemLine } from './items.js';
