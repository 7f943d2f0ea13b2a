export type { Lot, LotKind, LotStatus, LotAllocation, EntryKind, ReturnPolicy } from './types.js';
export { debtLotId } from './types.js';
export { mulDivFloor, checkedAdd, toSafeNumber } from './integer-math.js';
export { lotExpiresAt, inactivityExpiresAt, isExpiredAt } from './expiry.js';
export type { ConsumptionPlan } from './lots.js';
export {
  compareLotsForSpending,
  isSpendable,
  spendableLots,
  availablePoints,
  pendingPoints,
  debtOf,
  planConsumption,
  planRedemption,
  planExpiry,
  planExpireAll,
} from './lots.js';
export { isPendingAt, initialLotStatus, planActivation, planDebtSettlement } from './pending.js';
export type { RefundPlanInput, RefundLotOutcome, RefundPlan } from './refund.js';
export { planRefund } from './refund.js';
export type { WrittenEntry, EntryWrite, MemberWrite, EventWrite, OutboxWrite, TierChangeWrite, BalanceWrite, LedgerWrite, OfferUseWrite } from './rows.js';
export { emptyLedgerWrite } from './rows.js';
export { MemberLedger, type EntryContext } from './member-ledger.js';
export { eventSumMeasures, foldActivity, activityWithEvent, type ActivityRows } from './activity.js';
export type {
  ProgramInForce,
  MemberState,
  EventToDecide,
  TierOutcome,
  RefundOutcome,
  EventResult,
  DecisionInput,
  EventOutcome,
  Decision,
  PurchaseLine,
  ResultItem,
} from './decide-events.js';
export { decideEvents, usageKey, limitWindowsOf, knownEventTypes, assertKnownType, BUILT_IN_EVENT_TYPES } from './decide-events.js';
