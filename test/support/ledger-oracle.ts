import { ConflictError, LaurelError, ValidationError } from '../../src/errors/index.js';
import type { EntryKind, Lot, LotAllocation, ReturnPolicy } from '../../src/ledger/core/index.js';

/*
 * The test oracle for the ledger: an independent, deliberately naive implementation of the ledger
 * rules (DESIGN.md "Ledger"; the refund rules are in src/ledger/core/refund.ts's header comment),
 * written from the rules and not from src's planners, so a disagreement points at one of the two.
 * The property tests drive it and the real ledger (the pure core through `CoreLedger` in
 * ./core-ledger.ts, and PostgreSQL through the API) with the same operations and compare.
 */

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
  /** When the return happened, if before `at` (a late report): it decides the return window. */
  readonly occurredAt?: Date;
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

export interface OpEntry {
  readonly idempotencyKey: string;
  readonly memberId: string;
  readonly kind: EntryKind;
  /** Signed; always the sum of `allocations`. */
  readonly amount: number;
  readonly at: Date;
  readonly allocations: readonly LotAllocation[];
  readonly orderId?: string | null;
  readonly ruleId?: string | null;
  readonly rewardId?: string | null;
  readonly actor?: string | null;
  readonly reason?: string | null;
}

export interface RefundTotals {
  readonly clawback: number;
  readonly cancelledPending: number;
  readonly reversed: number;
  readonly toDebt: number;
  readonly forgiven: number;
}

export interface LedgerOpResult {
  readonly key: string;
  readonly type: LedgerOp['type'];
  readonly entries: readonly OpEntry[];
  readonly activatedLotIds: readonly string[];
  readonly refund?: { readonly totals: RefundTotals; readonly lots: readonly { lotId: string; window: 'inside' | 'outside'; reversedFromOtherLots: number }[] };
  /** True when the key had been applied before and this call changed nothing. */
  readonly replayed: boolean;
}

/**
 * What the oracle and `CoreLedger` share: idempotency (a replayed key returns its first result, a
 * reused key with another payload is a conflict, a failed operation leaves no trace), and the
 * views and invariants computed from lots and entries. Subclasses execute operations.
 */
export abstract class OpLedger {
  private readonly applied = new Map<string, { fingerprint: string; result: LedgerOpResult }>();
  protected readonly lastAt = new Map<string, number>();

  constructor(readonly returnPolicy: ReturnPolicy) {}

  abstract lots(memberId?: string): Lot[];
  abstract entries(memberId?: string): OpEntry[];
  /** Runs `op` on a copy and returns the result with a function adopting the copy; throws on refusal. */
  protected abstract stage(op: LedgerOp): { result: LedgerOpResult; commit: () => void };

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
    const { result, commit } = this.stage(op);
    commit();
    const last = this.lastAt.get(op.memberId);
    if (last === undefined || op.at.getTime() > last) this.lastAt.set(op.memberId, op.at.getTime());
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

  members(): string[] {
    return [...new Set([...this.lots().map((lot) => lot.memberId), ...this.entries().map((e) => e.memberId)])].sort();
  }

  /** Sum of the member's entries, pending points and debt included. */
  balance(memberId: string): number {
    return this.entries(memberId).reduce((sum, e) => sum + e.amount, 0);
  }

  /** Spendable at `at`: active unexpired points lots minus debt. */
  available(memberId: string, at: Date): number {
    let total = 0;
    for (const lot of this.lots(memberId)) {
      if (lot.kind === 'debt') total += lot.remainingPoints;
      else if (lot.status === 'active' && lot.remainingPoints > 0 && (lot.expiresAt === null || at < lot.expiresAt)) total += lot.remainingPoints;
    }
    return total;
  }

  pending(memberId: string): number {
    return this.lots(memberId)
      .filter((lot) => lot.kind === 'points' && lot.status === 'pending')
      .reduce((sum, lot) => sum + lot.remainingPoints, 0);
  }

  summary(memberId: string): { memberId: string; balance: number; pending: number; debt: number } {
    const debt = this.lots(memberId)
      .filter((lot) => lot.kind === 'debt')
      .reduce((sum, lot) => sum + lot.remainingPoints, 0);
    return { memberId, balance: this.balance(memberId), pending: this.pending(memberId), debt };
  }

  /** Every broken invariant, as text; empty when the ledger is consistent. */
  checkInvariant(): string[] {
    const problems: string[] = [];
    const byLot = new Map<string, number>();
    const lots = new Map(this.lots().map((lot) => [lot.id, lot]));
    for (const entry of this.entries()) {
      const sum = entry.allocations.reduce((s, a) => s + a.points, 0);
      if (sum !== entry.amount) problems.push(`entry ${entry.idempotencyKey}: amount ${entry.amount} != sum of allocations ${sum}`);
      if (entry.kind === 'settle' && entry.amount !== 0) problems.push(`settle entry ${entry.idempotencyKey} moves ${entry.amount} points`);
      for (const a of entry.allocations) byLot.set(a.lotId, (byLot.get(a.lotId) ?? 0) + a.points);
    }
    for (const lot of lots.values()) {
      const fromEntries = byLot.get(lot.id) ?? 0;
      if (fromEntries !== lot.remainingPoints) problems.push(`lot ${lot.id}: remaining ${lot.remainingPoints} != sum of its allocations ${fromEntries}`);
      if (lot.kind === 'points') {
        if (lot.remainingPoints < 0 || lot.remainingPoints > lot.originalPoints) problems.push(`lot ${lot.id}: remaining ${lot.remainingPoints} outside 0..${lot.originalPoints}`);
        if (lot.clawedBackPoints < 0 || lot.clawedBackPoints > lot.originalPoints) problems.push(`lot ${lot.id}: clawed back ${lot.clawedBackPoints} outside 0..${lot.originalPoints}`);
      } else if (lot.remainingPoints > 0) {
        problems.push(`debt lot ${lot.id} is positive (${lot.remainingPoints})`);
      }
    }
    for (const lotId of byLot.keys()) if (!lots.has(lotId)) problems.push(`allocation to unknown lot ${lotId}`);
    for (const memberId of this.members()) {
      const balance = this.balance(memberId);
      const own = this.lots(memberId);
      const lotSum = own.reduce((sum, lot) => sum + lot.remainingPoints, 0);
      if (balance !== lotSum) problems.push(`member ${memberId}: balance ${balance} != sum of open lots ${lotSum}`);
      const debt = this.summary(memberId).debt;
      if (this.returnPolicy !== 'allow_negative') {
        if (debt !== 0) problems.push(`member ${memberId}: debt ${debt} under the ${this.returnPolicy} policy`);
        if (balance < 0) problems.push(`member ${memberId}: negative balance ${balance} under the ${this.returnPolicy} policy`);
      }
      const last = this.lastAt.get(memberId);
      if (debt < 0 && last !== undefined && this.available(memberId, new Date(last)) - debt > 0) {
        problems.push(`member ${memberId}: holds spendable points and unsettled debt ${debt}`);
      }
    }
    return problems;
  }

  /** Throws `ledger_invariant_violated` listing every problem. */
  invariant(): void {
    const problems = this.checkInvariant();
    if (problems.length > 0) throw new LaurelError('ledger_invariant_violated', `ledger invariant violated: ${problems[0]}`, { status: 500, details: { problems } });
  }
}

type MutableLot = { -readonly [K in keyof Lot]: Lot[K] };

/** The naive reference ledger: plain arrays, linear scans, one rule at a time. */
export class LedgerOracle extends OpLedger {
  private state: { lots: MutableLot[]; entries: OpEntry[]; refunded: Record<string, number> } = { lots: [], entries: [], refunded: {} };

  constructor(options: { returnPolicy: ReturnPolicy }) {
    super(options.returnPolicy);
  }

  lots(memberId?: string): Lot[] {
    return this.state.lots.filter((l) => memberId === undefined || l.memberId === memberId).map((l) => ({ ...l }));
  }

  entries(memberId?: string): OpEntry[] {
    return this.state.entries.filter((e) => memberId === undefined || e.memberId === memberId);
  }

  refundedAmount(memberId: string, orderId: string): number {
    return this.state.refunded[`${memberId}/${orderId}`] ?? 0;
  }

  protected stage(op: LedgerOp): { result: LedgerOpResult; commit: () => void } {
    const copy = { lots: this.state.lots.map((l) => ({ ...l })), entries: [...this.state.entries], refunded: { ...this.state.refunded } };
    const result = new OracleRun(copy, this.returnPolicy, op).run();
    return { result, commit: () => (this.state = copy) };
  }
}

/** One operation against a copy of the oracle's state. */
class OracleRun {
  private readonly made: OpEntry[] = [];

  constructor(
    private readonly s: { lots: MutableLot[]; entries: OpEntry[]; refunded: Record<string, number> },
    private readonly policy: ReturnPolicy,
    private readonly op: LedgerOp,
  ) {}

  run(): LedgerOpResult {
    const { op } = this;
    // Every operation first activates the member's pending lots whose window closed, then repays debt.
    const due = this.mine()
      .filter((l) => l.kind === 'points' && l.status === 'pending' && l.pendingUntil !== null && l.pendingUntil <= op.at)
      .sort((a, b) => a.pendingUntil!.getTime() - b.pendingUntil!.getTime() || cmp(a.id, b.id));
    for (const lot of due) lot.status = 'active';
    if (due.length > 0) this.repayDebt(`${op.key}:settle-activation`);
    let refund: LedgerOpResult['refund'];
    switch (op.type) {
      case 'earn':
        this.newLot(op.key, op.points, op.pendingUntil ?? null, op.expiresAt ?? null, op.orderId ?? null, op.orderAmount ?? null, op.ruleId ?? null);
        this.entry(op.key, 'earn', [{ lotId: op.key, points: op.points }], { orderId: op.orderId ?? null, ruleId: op.ruleId ?? null });
        this.repayDebt(`${op.key}:settle`);
        break;
      case 'redeem':
        this.entry(op.key, 'redeem', this.spend(op.points), { rewardId: op.rewardId ?? null });
        break;
      case 'adjust':
        if (op.points > 0) {
          this.newLot(op.key, op.points, null, op.expiresAt ?? null, null, null, null);
          this.entry(op.key, 'adjust', [{ lotId: op.key, points: op.points }], { actor: op.actor, reason: op.reason });
          this.repayDebt(`${op.key}:settle`);
        } else {
          this.entry(op.key, 'adjust', this.spend(-op.points), { actor: op.actor, reason: op.reason });
        }
        break;
      case 'refund':
        refund = this.refund(op);
        break;
      case 'expire': {
        const gone = this.mine()
          .filter((l) => l.kind === 'points' && l.remainingPoints > 0 && (op.mode === 'all' || (l.expiresAt !== null && op.at >= l.expiresAt)))
          .sort(spendingOrder);
        for (const lot of gone) this.entry(`${op.key}:${lot.id}`, 'expire', [{ lotId: lot.id, points: -lot.remainingPoints }], {});
        break;
      }
      case 'activate':
        break;
    }
    return { key: op.key, type: op.type, entries: this.made, activatedLotIds: due.map((l) => l.id), ...(refund ? { refund } : {}), replayed: false };
  }

  private mine(): MutableLot[] {
    return this.s.lots.filter((l) => l.memberId === this.op.memberId);
  }

  private spendable(exceptId?: string): MutableLot[] {
    const at = this.op.at;
    return this.mine()
      .filter((l) => l.id !== exceptId && l.kind === 'points' && l.status === 'active' && l.remainingPoints > 0 && (l.expiresAt === null || at < l.expiresAt))
      .sort(spendingOrder);
  }

  private debt(): number {
    return this.mine()
      .filter((l) => l.kind === 'debt')
      .reduce((s, l) => s + l.remainingPoints, 0);
  }

  /** Soonest-expiring first; refused (409) when spendable points minus debt fall short. */
  private spend(points: number): LotAllocation[] {
    const available = this.spendable().reduce((s, l) => s + l.remainingPoints, 0) + this.debt();
    if (available < points) {
      throw new ConflictError('insufficient_points', `insufficient points: ${Math.max(available, 0)} available, ${points} needed`, { available: Math.max(available, 0), requested: points });
    }
    return this.take(points).allocations;
  }

  /** Up to `points` from spendable lots (planning only; `entry` applies the allocations). */
  private take(points: number, exceptId?: string): { allocations: LotAllocation[]; taken: number } {
    const allocations: LotAllocation[] = [];
    let left = points;
    for (const lot of this.spendable(exceptId)) {
      if (left === 0) break;
      const n = Math.min(left, lot.remainingPoints);
      allocations.push({ lotId: lot.id, points: -n });
      left -= n;
    }
    return { allocations, taken: points - left };
  }

  private repayDebt(key: string): void {
    const debt = this.debt();
    if (debt >= 0) return;
    const { allocations, taken } = this.take(-debt);
    if (taken > 0) this.entry(key, 'settle', [{ lotId: `debt:${this.op.memberId}`, points: taken }, ...allocations], {});
  }

  private refund(op: RefundOp): NonNullable<LedgerOpResult['refund']> {
    const orderLots = this.mine()
      .filter((l) => l.kind === 'points' && l.orderId === op.orderId)
      .sort((a, b) => a.earnedAt.getTime() - b.earnedAt.getTime() || cmp(a.id, b.id));
    const orderAmount = orderLots.find((l) => l.orderAmount !== null)?.orderAmount ?? null;
    const key = `${op.memberId}/${op.orderId}`;
    let refunded = (this.s.refunded[key] ?? 0) + op.amount;
    if (orderAmount !== null && orderAmount > 0 && refunded > orderAmount) refunded = orderAmount;
    this.s.refunded[key] = refunded;
    const totals = { clawback: 0, cancelledPending: 0, reversed: 0, toDebt: 0, forgiven: 0 };
    const lots: { lotId: string; window: 'inside' | 'outside'; reversedFromOtherLots: number }[] = [];
    for (const lot of orderLots) {
      // Proportional to the order refunded so far, floored (in the member's favour), minus what earlier refunds took.
      const target = orderAmount !== null && orderAmount > 0 ? Number((BigInt(lot.originalPoints) * BigInt(refunded)) / BigInt(orderAmount)) : lot.originalPoints;
      const clawback = Math.max(0, target - lot.clawedBackPoints);
      if (clawback === 0) continue;
      // The window is judged by when the goods came back, which a late report puts before `at`.
      const returnedAt = op.occurredAt && op.occurredAt < op.at ? op.occurredAt : op.at;
      const inside = lot.pendingUntil !== null && returnedAt < lot.pendingUntil;
      const allocations: LotAllocation[] = [];
      let left = clawback;
      let fromOthers = 0;
      if (inside && lot.status === 'pending') {
        const n = Math.min(left, lot.remainingPoints);
        if (n > 0) allocations.push({ lotId: lot.id, points: -n });
        totals.cancelledPending += n;
        left -= n;
      } else if (inside && this.policy === 'pending_only') {
        // Returned in the window but reported after the points activated: what the lot still holds goes back; the rest stays final.
        const expired = lot.expiresAt !== null && op.at >= lot.expiresAt;
        const own = expired ? 0 : Math.min(left, lot.remainingPoints);
        if (own > 0) allocations.push({ lotId: lot.id, points: -own });
        left -= own;
        totals.reversed += own;
      } else if (this.policy !== 'pending_only') {
        const expired = lot.expiresAt !== null && op.at >= lot.expiresAt;
        const own = expired ? 0 : Math.min(left, lot.remainingPoints);
        if (own > 0) allocations.push({ lotId: lot.id, points: -own });
        left -= own;
        totals.reversed += own;
        if (left > 0) {
          const { allocations: others, taken } = this.take(left, lot.id);
          allocations.push(...others);
          fromOthers = taken;
          totals.reversed += taken;
          left -= taken;
        }
        if (left > 0 && this.policy === 'allow_negative') {
          allocations.push({ lotId: `debt:${op.memberId}`, points: -left });
          totals.toDebt += left;
          left = 0;
        }
      }
      totals.clawback += clawback;
      totals.forgiven += left;
      lot.clawedBackPoints += clawback;
      lots.push({ lotId: lot.id, window: inside ? 'inside' : 'outside', reversedFromOtherLots: fromOthers });
      if (allocations.length > 0) this.entry(`${op.key}:${lot.id}`, 'reverse', allocations, { orderId: op.orderId });
    }
    return { totals, lots };
  }

  private newLot(id: string, points: number, pendingUntil: Date | null, expiresAt: Date | null, orderId: string | null, orderAmount: number | null, ruleId: string | null): void {
    if (this.s.lots.some((l) => l.id === id)) throw new ConflictError('duplicate_lot', `lot ${id} already exists`);
    this.s.lots.push({
      id,
      memberId: this.op.memberId,
      kind: 'points',
      status: pendingUntil !== null && this.op.at < pendingUntil ? 'pending' : 'active',
      earnedAt: this.op.at,
      expiresAt,
      pendingUntil,
      originalPoints: points,
      remainingPoints: 0,
      orderId,
      orderAmount,
      clawedBackPoints: 0,
      ruleId,
    });
  }

  private entry(key: string, kind: EntryKind, allocations: LotAllocation[], extra: Partial<OpEntry>): void {
    if (this.s.entries.some((e) => e.idempotencyKey === key)) throw new ConflictError('duplicate_entry', `ledger entry ${key} already exists`);
    for (const a of allocations) {
      let lot = this.s.lots.find((l) => l.id === a.lotId);
      if (!lot && a.lotId === `debt:${this.op.memberId}`) {
        lot = {
          id: a.lotId,
          memberId: this.op.memberId,
          kind: 'debt',
          status: 'active',
          earnedAt: this.op.at,
          expiresAt: null,
          pendingUntil: null,
          originalPoints: 0,
          remainingPoints: 0,
          orderId: null,
          orderAmount: null,
          clawedBackPoints: 0,
          ruleId: null,
        };
        this.s.lots.push(lot);
      }
      if (!lot) throw new Error(`allocation to unknown lot ${a.lotId}`);
      lot.remainingPoints += a.points;
    }
    const entry: OpEntry = { idempotencyKey: key, memberId: this.op.memberId, kind, amount: allocations.reduce((s, a) => s + a.points, 0), at: this.op.at, allocations, ...extra };
    this.s.entries.push(entry);
    this.made.push(entry);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Soonest expiry first (none last), then earliest earned, then id. */
function spendingOrder(a: Lot, b: Lot): number {
  const ae = a.expiresAt?.getTime() ?? Infinity;
  const be = b.expiresAt?.getTime() ?? Infinity;
  if (ae !== be) return ae < be ? -1 : 1;
  return a.earnedAt.getTime() - b.earnedAt.getTime() || cmp(a.id, b.id);
}

export function validateOp(op: LedgerOp): void {
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
