import { ConflictError, LaurelError, ValidationError } from '../../errors/index.js';
import { checkedAdd } from './integer-math.js';
import { availablePoints, isSpendable, pendingPoints, planExpireAll, planExpiry, planRedemption } from './lots.js';
import { initialLotStatus, planActivation, planDebtSettlement } from './pending.js';
import type { RefundPlan } from './refund.js';
import { planRefund } from './refund.js';
import type { EntryKind, LedgerEntry, Lot, LotAllocation, ReturnPolicy } from './types.js';
import { debtLotId } from './types.js';

interface OpBase {
  /** Idempotency key of the operation; replaying it with the same payload changes nothing. */
  readonly key: string;
  readonly memberId: string;
  readonly at: Date;
}
export interface EarnOp extends OpBase {
  readonly type: 'earn';
  readonly points: number;
  readonly pendingUntil?: Date | null;
  readonly expiresAt?: Date | null;
  readonly orderId?: string | null;
  readonly orderAmount?: number | null;
  readonly ruleId?: string | null;
}
export interface RedeemOp extends OpBase {
  readonly type: 'redeem';
  readonly points: number;
  readonly rewardId?: string | null;
}
export interface RefundOp extends OpBase {
  readonly type: 'refund';
  readonly orderId: string;
  /** Refunded money, minor units. */
  readonly amount: number;
}
export interface ExpireOp extends OpBase {
  readonly type: 'expire';
  /** `due`: lots whose expiry has come (default); `all`: every lot (inactivity expiry). */
  readonly mode?: 'due' | 'all';
}
export interface AdjustOp extends OpBase {
  readonly type: 'adjust';
  /** Signed, non-zero. Negative adjustments spend like a redemption and cannot overdraw. */
  readonly points: number;
  readonly actor: string;
  readonly reason: string;
  readonly expiresAt?: Date | null;
}
/** The pending-activation sweep. Every other operation also activates what is due at its `at`. */
export interface ActivateOp extends OpBase {
  readonly type: 'activate';
}
export type LedgerOp = EarnOp | RedeemOp | RefundOp | ExpireOp | AdjustOp | ActivateOp;

export interface LedgerOpResult {
  readonly key: string;
  readonly type: LedgerOp['type'];
  readonly entries: readonly LedgerEntry[];
  readonly activatedLotIds: readonly string[];
  readonly refund?: RefundPlan;
  /** True when the key had been applied before and this call changed nothing. */
  readonly replayed: boolean;
}

export interface MemberLedgerSummary {
  readonly memberId: string;
  /** Sum of entries = sum of open lots, pending included, debt included. */
  readonly balance: number;
  readonly pending: number;
  readonly debt: number;
}

/**
 * The in-memory reference ledger: the oracle for property tests and, later, for the Postgres
 * ledger (apply the same ops to both and compare `summary()` / `lots()`). It uses exactly the pure
 * planning functions the SQL layer uses, so a disagreement points at the SQL.
 *
 * Before each new operation the member's pending lots due at the op's `at` are activated and any
 * debt is settled; a replayed key is recognised first and does nothing at all. A failed
 * operation (insufficient points) records nothing, so it may be retried with the same key.
 */
export class LedgerModel {
  readonly returnPolicy: ReturnPolicy;
  private readonly lotsById = new Map<string, Lot>();
  private readonly entryList: LedgerEntry[] = [];
  private readonly entryKeys = new Set<string>();
  private readonly applied = new Map<string, { fingerprint: string; result: LedgerOpResult }>();
  private readonly refundedByOrder = new Map<string, number>();
  private readonly lastAt = new Map<string, number>();

  constructor(options: { returnPolicy: ReturnPolicy }) {
    this.returnPolicy = options.returnPolicy;
  }

  apply(op: LedgerOp): LedgerOpResult {
    validateOp(op);
    const fingerprint = fingerprintOf(op);
    const previous = this.applied.get(op.key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw new ConflictError('idempotency_key_reused', `idempotency key "${op.key}" was already used for a different operation`, { key: op.key });
      }
      return { ...previous.result, replayed: true };
    }
    // Validate against a copy first, so a failing op leaves no trace (no activation, no entries).
    const staged = this.clone();
    const result = staged.execute(op);
    this.adopt(staged);
    this.applied.set(op.key, { fingerprint, result });
    return result;
  }

  /** Apply and swallow `insufficient_points`; convenient for generated op sequences. */
  tryApply(op: LedgerOp): LedgerOpResult | LaurelError {
    try {
      return this.apply(op);
    } catch (err) {
      if (err instanceof LaurelError && err.code === 'insufficient_points') return err;
      throw err;
    }
  }

  hasApplied(key: string): boolean {
    return this.applied.has(key);
  }

  lots(memberId?: string): Lot[] {
    return [...this.lotsById.values()].filter((lot) => memberId === undefined || lot.memberId === memberId);
  }

  entries(memberId?: string): LedgerEntry[] {
    return this.entryList.filter((entry) => memberId === undefined || entry.memberId === memberId);
  }

  members(): string[] {
    return [...new Set([...this.lotsById.values()].map((lot) => lot.memberId).concat(this.entryList.map((e) => e.memberId)))].sort();
  }

  /** Sum of the member's entries, pending points and debt included. */
  balance(memberId: string): number {
    return this.entries(memberId).reduce((sum, entry) => checkedAdd(sum, entry.amount), 0);
  }

  /** Spendable at `at`: active unexpired lots minus debt. */
  available(memberId: string, at: Date): number {
    return availablePoints(this.lots(memberId), at);
  }

  pending(memberId: string): number {
    return pendingPoints(this.lots(memberId));
  }

  refundedAmount(memberId: string, orderId: string): number {
    return this.refundedByOrder.get(orderKey(memberId, orderId)) ?? 0;
  }

  summary(memberId: string): MemberLedgerSummary {
    const lots = this.lots(memberId);
    const debt = lots.filter((lot) => lot.kind === 'debt').reduce((sum, lot) => sum + lot.remainingPoints, 0);
    return { memberId, balance: this.balance(memberId), pending: pendingPoints(lots), debt };
  }

  /** Every broken invariant, as text; empty when the ledger is consistent. */
  checkInvariant(): string[] {
    const problems: string[] = [];
    const byLot = new Map<string, number>();
    for (const entry of this.entryList) {
      const sum = entry.allocations.reduce((s, a) => s + a.points, 0);
      if (sum !== entry.amount) problems.push(`entry ${entry.idempotencyKey}: amount ${entry.amount} != sum of allocations ${sum}`);
      if (entry.kind === 'settle' && entry.amount !== 0) problems.push(`settle entry ${entry.idempotencyKey} moves ${entry.amount} points`);
      for (const allocation of entry.allocations) byLot.set(allocation.lotId, (byLot.get(allocation.lotId) ?? 0) + allocation.points);
    }
    for (const lot of this.lotsById.values()) {
      const fromEntries = byLot.get(lot.id) ?? 0;
      if (fromEntries !== lot.remainingPoints) problems.push(`lot ${lot.id}: remaining ${lot.remainingPoints} != sum of its allocations ${fromEntries}`);
      if (lot.kind === 'points') {
        if (lot.remainingPoints < 0 || lot.remainingPoints > lot.originalPoints) problems.push(`lot ${lot.id}: remaining ${lot.remainingPoints} outside 0..${lot.originalPoints}`);
        if (lot.clawedBackPoints < 0 || lot.clawedBackPoints > lot.originalPoints) problems.push(`lot ${lot.id}: clawed back ${lot.clawedBackPoints} outside 0..${lot.originalPoints}`);
      } else if (lot.remainingPoints > 0) {
        problems.push(`debt lot ${lot.id} is positive (${lot.remainingPoints})`);
      }
    }
    for (const lotId of byLot.keys()) if (!this.lotsById.has(lotId)) problems.push(`allocation to unknown lot ${lotId}`);
    for (const memberId of this.members()) {
      const balance = this.balance(memberId);
      const lots = this.lots(memberId);
      const lotSum = lots.reduce((sum, lot) => sum + lot.remainingPoints, 0);
      if (balance !== lotSum) problems.push(`member ${memberId}: balance ${balance} != sum of open lots ${lotSum}`);
      const debt = lots.filter((lot) => lot.kind === 'debt').reduce((sum, lot) => sum + lot.remainingPoints, 0);
      if (this.returnPolicy !== 'allow_negative') {
        if (debt !== 0) problems.push(`member ${memberId}: debt ${debt} under the ${this.returnPolicy} policy`);
        if (balance < 0) problems.push(`member ${memberId}: negative balance ${balance} under the ${this.returnPolicy} policy`);
      }
      const last = this.lastAt.get(memberId);
      if (debt < 0 && last !== undefined && lots.some((lot) => isSpendable(lot, new Date(last)))) {
        problems.push(`member ${memberId}: holds spendable points and unsettled debt ${debt}`);
      }
    }
    return problems;
  }

  /** Throws `ledger_invariant_violated` listing every problem. */
  invariant(): void {
    const problems = this.checkInvariant();
    if (problems.length > 0) {
      throw new LaurelError('ledger_invariant_violated', `ledger invariant violated: ${problems[0]}`, { status: 500, details: { problems } });
    }
  }

  // ---- internals ----

  private execute(op: LedgerOp): LedgerOpResult {
    const entries: LedgerEntry[] = [];
    const activatedLotIds = this.activateDue(op.memberId, op.at);
    if (activatedLotIds.length > 0) this.settleDebt(op.memberId, op.at, `${op.key}:settle-activation`, entries);
    const last = this.lastAt.get(op.memberId);
    if (last === undefined || op.at.getTime() > last) this.lastAt.set(op.memberId, op.at.getTime());
    let refund: RefundPlan | undefined;

    switch (op.type) {
      case 'earn': {
        const pendingUntil = op.pendingUntil ?? null;
        this.createLot({
          id: op.key,
          memberId: op.memberId,
          kind: 'points',
          status: initialLotStatus(pendingUntil, op.at),
          earnedAt: op.at,
          expiresAt: op.expiresAt ?? null,
          pendingUntil,
          originalPoints: op.points,
          remainingPoints: 0,
          orderId: op.orderId ?? null,
          orderAmount: op.orderAmount ?? null,
          clawedBackPoints: 0,
          ruleId: op.ruleId ?? null,
        });
        entries.push(this.record(op.key, op, 'earn', [{ lotId: op.key, points: op.points }], { orderId: op.orderId ?? null, ruleId: op.ruleId ?? null }));
        this.settleDebt(op.memberId, op.at, `${op.key}:settle`, entries);
        break;
      }
      case 'redeem': {
        const allocations = planRedemption(this.lots(op.memberId), op.points, op.at);
        entries.push(this.record(op.key, op, 'redeem', allocations, { rewardId: op.rewardId ?? null }));
        break;
      }
      case 'adjust': {
        const extra = { actor: op.actor, reason: op.reason };
        if (op.points > 0) {
          this.createLot({
            id: op.key,
            memberId: op.memberId,
            kind: 'points',
            status: 'active',
            earnedAt: op.at,
            expiresAt: op.expiresAt ?? null,
            pendingUntil: null,
            originalPoints: op.points,
            remainingPoints: 0,
            orderId: null,
            orderAmount: null,
            clawedBackPoints: 0,
            ruleId: null,
          });
          entries.push(this.record(op.key, op, 'adjust', [{ lotId: op.key, points: op.points }], extra));
          this.settleDebt(op.memberId, op.at, `${op.key}:settle`, entries);
        } else {
          const allocations = planRedemption(this.lots(op.memberId), -op.points, op.at);
          entries.push(this.record(op.key, op, 'adjust', allocations, extra));
        }
        break;
      }
      case 'refund': {
        const refundKey = orderKey(op.memberId, op.orderId);
        refund = planRefund({
          policy: this.returnPolicy,
          memberId: op.memberId,
          at: op.at,
          orderId: op.orderId,
          refundAmount: op.amount,
          refundedBefore: this.refundedByOrder.get(refundKey) ?? 0,
          lots: this.lots(op.memberId),
        });
        this.refundedByOrder.set(refundKey, refund.refundedTotal);
        for (const outcome of refund.lots) {
          const lot = this.lotsById.get(outcome.lotId)!;
          this.lotsById.set(lot.id, { ...lot, clawedBackPoints: outcome.clawedBackPoints });
          if (outcome.allocations.length > 0) {
            entries.push(this.record(`${op.key}:${outcome.lotId}`, op, 'reverse', outcome.allocations, { orderId: op.orderId }));
          }
        }
        break;
      }
      case 'expire': {
        const lots = this.lots(op.memberId);
        const allocations = op.mode === 'all' ? planExpireAll(lots) : planExpiry(lots, op.at);
        for (const allocation of allocations) entries.push(this.record(`${op.key}:${allocation.lotId}`, op, 'expire', [allocation], {}));
        break;
      }
      case 'activate':
        break;
    }
    return { key: op.key, type: op.type, entries, activatedLotIds, ...(refund ? { refund } : {}), replayed: false };
  }

  private activateDue(memberId: string, at: Date): string[] {
    const due = planActivation(this.lots(memberId), at);
    for (const lotId of due) {
      const lot = this.lotsById.get(lotId)!;
      this.lotsById.set(lotId, { ...lot, status: 'active' });
    }
    return due;
  }

  private settleDebt(memberId: string, at: Date, key: string, entries: LedgerEntry[]): void {
    const allocations = planDebtSettlement(this.lots(memberId), memberId, at);
    if (allocations.length > 0) entries.push(this.record(key, { memberId, at }, 'settle', allocations, {}));
  }

  private createLot(lot: Lot): void {
    if (this.lotsById.has(lot.id)) throw new ConflictError('duplicate_lot', `lot ${lot.id} already exists`);
    this.lotsById.set(lot.id, lot);
  }

  private record(
    key: string,
    op: { memberId: string; at: Date },
    kind: EntryKind,
    allocations: readonly LotAllocation[],
    extra: Partial<Pick<LedgerEntry, 'orderId' | 'ruleId' | 'rewardId' | 'actor' | 'reason'>>,
  ): LedgerEntry {
    if (this.entryKeys.has(key)) throw new ConflictError('duplicate_entry', `ledger entry ${key} already exists`);
    for (const allocation of allocations) {
      let lot = this.lotsById.get(allocation.lotId);
      if (!lot && allocation.lotId === debtLotId(op.memberId)) {
        lot = {
          id: allocation.lotId,
          memberId: op.memberId,
          kind: 'debt',
          status: 'active',
          earnedAt: op.at,
          expiresAt: null,
          pendingUntil: null,
          originalPoints: 0,
          remainingPoints: 0,
          orderId: null,
          orderAmount: null,
          clawedBackPoints: 0,
          ruleId: null,
        };
      }
      if (!lot) throw new LaurelError('ledger_invariant_violated', `allocation to unknown lot ${allocation.lotId}`, { status: 500 });
      this.lotsById.set(lot.id, { ...lot, remainingPoints: checkedAdd(lot.remainingPoints, allocation.points) });
    }
    const entry: LedgerEntry = {
      seq: this.entryList.length + 1,
      idempotencyKey: key,
      memberId: op.memberId,
      kind,
      amount: allocations.reduce((sum, a) => checkedAdd(sum, a.points), 0),
      at: op.at,
      allocations: [...allocations],
      ...extra,
    };
    this.entryList.push(entry);
    this.entryKeys.add(key);
    return entry;
  }

  private clone(): LedgerModel {
    const copy = new LedgerModel({ returnPolicy: this.returnPolicy });
    for (const [id, lot] of this.lotsById) copy.lotsById.set(id, lot);
    copy.entryList.push(...this.entryList);
    for (const key of this.entryKeys) copy.entryKeys.add(key);
    for (const [k, v] of this.refundedByOrder) copy.refundedByOrder.set(k, v);
    for (const [k, v] of this.lastAt) copy.lastAt.set(k, v);
    return copy;
  }

  private adopt(staged: LedgerModel): void {
    this.lotsById.clear();
    for (const [id, lot] of staged.lotsById) this.lotsById.set(id, lot);
    this.entryList.splice(0, this.entryList.length, ...staged.entryList);
    this.entryKeys.clear();
    for (const key of staged.entryKeys) this.entryKeys.add(key);
    this.refundedByOrder.clear();
    for (const [k, v] of staged.refundedByOrder) this.refundedByOrder.set(k, v);
    this.lastAt.clear();
    for (const [k, v] of staged.lastAt) this.lastAt.set(k, v);
  }
}

function orderKey(memberId: string, orderId: string): string {
  return `${memberId}\u0000${orderId}`;
}

function validateOp(op: LedgerOp): void {
  const fail = (message: string) => {
    throw new ValidationError('invalid_ledger_operation', `${op.type} ${op.key}: ${message}`, { key: op.key });
  };
  if (typeof op.key !== 'string' || op.key.length === 0) fail('needs an idempotency key');
  if (typeof op.memberId !== 'string' || op.memberId.length === 0) fail('needs a member id');
  if (!(op.at instanceof Date) || Number.isNaN(op.at.getTime())) fail('needs a valid time');
  switch (op.type) {
    case 'earn':
    case 'redeem':
      if (!Number.isSafeInteger(op.points) || op.points <= 0) fail('points must be a positive integer');
      break;
    case 'adjust':
      if (!Number.isSafeInteger(op.points) || op.points === 0) fail('points must be a non-zero integer');
      if (!op.actor || !op.reason) fail('a manual adjustment needs an actor and a reason');
      break;
    case 'refund':
      if (!Number.isSafeInteger(op.amount) || op.amount <= 0) fail('amount must be a positive integer (minor units)');
      if (!op.orderId) fail('needs an order id');
      break;
    default:
      break;
  }
}

/** Order-independent JSON of the op, dates as ISO strings: the replay comparison. */
function fingerprintOf(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(fingerprintOf).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${fingerprintOf(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
