export type { Lot, LotKind, LotStatus, LotAllocation, EntryKind, LedgerEntry, ReturnPolicy } from './types.js';
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
export type { LedgerOp, EarnOp, RedeemOp, RefundOp, ExpireOp, AdjustOp, ActivateOp, LedgerOpResult, MemberLedgerSummary } from './ledger-model.js';
export { LedgerModel } from './ledger-model.js';
