import { isExpiredAt } from './expiry.js';
import { mulDivFloor } from './integer-math.js';
import { pendingPoints, planExpireAll, planExpiry, planRedemption } from './lots.js';
import { planActivation, planDebtSettlement } from './pending.js';
import { planRefund, type RefundPlan } from './refund.js';
import type { EntryWrite, LedgerWrite, WrittenEntry } from './rows.js';
import { debtLotId, type EntryKind, type Lot, type LotAllocation, type ReturnPolicy } from './types.js';

export interface EntryContext {
  eventId?: string | null;
  ruleId?: string | null;
  component?: string | null;
  orderId?: string | null;
  rewardId?: string | null;
  actor?: string | null;
  reason?: string | null;
  qualifyingPoints?: number;
}

/**
 * One member's ledger in memory: the member's lots, changed by the pure planners of this folder.
 * No I/O: the shell loads the lots (`openMemberLedger`) and writes what `collect` gathers (entries,
 * allocations, lots and the change of the cached balance row) in one statement (`writeLedger`).
 *
 * It may hold only the lots an operation can touch (an earn: the debt lot and the pending lots
 * that come due; see `readForEvents`), given the cached balance of all of them: the balance is
 * then that cached balance plus what changed in the lots held, and the write adds the change.
 */
export class MemberLedger {
  private readonly lots = new Map<string, Lot>();
  /** The lots as loaded: the balance change is measured against them. */
  private readonly loaded = new Map<string, Lot>();
  private base: { available: number; pending: number } = { available: 0, pending: 0 };
  private readonly created = new Set<string>();
  private readonly changed = new Set<string>();
  readonly entries: WrittenEntry[] = [];
  private readonly writes: EntryWrite[] = [];
  activated: string[] = [];

  private constructor(
    readonly memberId: string,
    readonly returnPolicy: ReturnPolicy,
    readonly programVersion: number,
    readonly source: string,
  ) {}

  /**
   * From lots already loaded (the event path loads many members' lots in one read). `balance`: the
   * member's cached balance when `lots` are only some of the open lots; without it the lots are
   * taken to be all of them.
   */
  static fromLots(
    lots: readonly Lot[],
    opts: { memberId: string; returnPolicy: ReturnPolicy; programVersion: number; source: string; balance?: { available: number; pending: number } },
  ): MemberLedger {
    const ledger = new MemberLedger(opts.memberId, opts.returnPolicy, opts.programVersion, opts.source);
    for (const lot of lots) {
      ledger.lots.set(lot.id, lot);
      ledger.loaded.set(lot.id, lot);
    }
    ledger.base = opts.balance ?? sumBalance(lots);
    return ledger;
  }

  /** Entries decided but not yet written (a batch counts them against rule limits). */
  unsaved(): readonly EntryWrite[] {
    return this.writes;
  }

  lotList(): Lot[] {
    return [...this.lots.values()];
  }

  /** Before every operation: pending lots due by `at` become spendable, and any debt is repaid. */
  prepare(at: Date, key: string): void {
    this.activated = planActivation(this.lotList(), at);
    for (const id of this.activated) {
      const lot = this.lots.get(id)!;
      this.setLot(copyLot(lot, 'active', lot.remainingPoints, lot.clawedBackPoints));
    }
    if (this.activated.length > 0) this.settleDebt(at, `${key}:settle-activation`);
  }

  earn(input: {
    key: string;
    points: number;
    at: Date;
    pendingUntil: Date | null;
    expiresAt: Date | null;
    orderId: string | null;
    orderAmount: number | null;
    ruleId: string | null;
    context: EntryContext;
    kind?: 'earn' | 'adjust';
    /** The instant the write happens: a back-dated event whose return window already closed is spendable at once. */
    now?: Date;
  }): void {
    const asOf = input.now ?? input.at;
    const pending = input.pendingUntil !== null && input.pendingUntil.getTime() > asOf.getTime();
    this.createLot({
      id: input.key,
      memberId: this.memberId,
      kind: 'points',
      status: pending ? 'pending' : 'active',
      earnedAt: input.at,
      expiresAt: input.expiresAt,
      pendingUntil: input.pendingUntil,
      originalPoints: input.points,
      remainingPoints: 0,
      orderId: input.orderId,
      orderAmount: input.orderAmount,
      clawedBackPoints: 0,
      ruleId: input.ruleId,
    });
    const c = input.context;
    const context: EntryContext = {
      eventId: c.eventId ?? null,
      ruleId: c.ruleId ?? null,
      component: c.component ?? null,
      orderId: input.orderId,
      rewardId: c.rewardId ?? null,
      actor: c.actor ?? null,
      reason: c.reason ?? null,
      qualifyingPoints: c.qualifyingPoints ?? 0,
    };
    this.record(input.kind ?? 'earn', input.key, [{ lotId: input.key, points: input.points }], input.at, context, pending);
    this.settleDebt(input.at, `${input.key}:settle`);
  }

  /** Spends soonest-expiring lots first; 409 `insufficient_points` when the member has too few. */
  spend(kind: 'redeem' | 'adjust', key: string, points: number, at: Date, context: EntryContext): void {
    const allocations = planRedemption(this.lotList(), points, at);
    this.record(kind, key, allocations, at, context);
  }

  /**
   * Gives points back to the lots they were taken from (a cancelled redemption), in one entry:
   * each lot keeps its own expiry, so what goes back to a lot that has expired meanwhile expires
   * at once (a second entry). `inactivityDeadline` (inactivity expiry: when the member's points
   * expire for want of activity) is every lot's expiry too. Any debt is repaid first, as with
   * every credit.
   */
  restore(key: string, allocations: readonly LotAllocation[], at: Date, context: EntryContext, inactivityDeadline: Date | null = null): void {
    if (allocations.some((a) => a.points <= 0)) throw new RangeError('a restore gives points back: every allocation is positive');
    this.record('restore', key, allocations, at, context);
    const lapsed = isExpiredAt(inactivityDeadline, at);
    const expired = allocations.filter((a) => lapsed || isExpiredAt(this.lots.get(a.lotId)!.expiresAt, at)).map((a) => ({ lotId: a.lotId, points: -a.points }));
    if (expired.length > 0) this.record('expire', `${key}:expired`, expired, at, { ...context, reason: 'expired before the restore' });
    this.settleDebt(at, `${key}:settle`);
  }

  /**
   * `qualifyingByLot`: the qualifying points each of the order's lots gave; a refund takes back
   * qualification in proportion, so tiers follow net purchases.
   */
  refund(input: {
    key: string;
    orderId: string;
    amount: number;
    refundedBefore: number;
    at: Date;
    /** When the return happened (default `at`): it decides whether it was inside a lot's window. */
    returnedAt?: Date;
    eventId: string;
    qualifyingByLot: ReadonlyMap<string, number>;
    /** A refund of items: the points to take back from each lot (instead of the amount's share). */
    clawback?: ReadonlyMap<string, number>;
  }): RefundPlan {
    const plan = planRefund({
      policy: this.returnPolicy,
      memberId: this.memberId,
      at: input.at,
      orderId: input.orderId,
      refundAmount: input.amount,
      refundedBefore: input.refundedBefore,
      ...(input.returnedAt ? { returnedAt: input.returnedAt } : {}),
      ...(input.clawback ? { clawback: input.clawback } : {}),
      lots: this.lotList(),
    });
    for (const outcome of plan.lots) {
      const lot = this.lots.get(outcome.lotId)!;
      this.setLot(copyLot(lot, lot.status, lot.remainingPoints, outcome.clawedBackPoints));
      if (outcome.allocations.length > 0) {
        const qualifying = input.qualifyingByLot.get(lot.id) ?? 0;
        this.record('reverse', `${input.key}:${outcome.lotId}`, outcome.allocations, input.at, {
          eventId: input.eventId,
          orderId: input.orderId,
          ruleId: lot.ruleId,
          qualifyingPoints: qualifying > 0 ? -mulDivFloor(qualifying, outcome.clawback, lot.originalPoints) : 0,
        }, outcome.cancelledPending > 0);
      }
    }
    return plan;
  }

  /** Expiry entries, one per lot. `all` empties every lot (inactivity expiry). */
  expire(key: string, at: Date, mode: 'due' | 'all'): number {
    const allocations = mode === 'all' ? planExpireAll(this.lotList()) : planExpiry(this.lotList(), at);
    let total = 0;
    for (const allocation of allocations) {
      this.record('expire', `${key}:${allocation.lotId}`, [allocation], at, {});
      total -= allocation.points;
    }
    return total;
  }

  /**
   * The member's balance now: the cached balance it was opened with plus what changed in the lots
   * since (available + pending = sum of all open lots).
   */
  balance(): { available: number; pending: number; total: number } {
    const change = this.change();
    const available = this.base.available + change.available;
    const pending = this.base.pending + change.pending;
    return { available, pending, total: available + pending };
  }

  /** What the lots created or changed since loading add to the balance. */
  private change(): { available: number; pending: number } {
    const before = sumBalance([...this.changed, ...this.created].flatMap((id) => (this.loaded.has(id) && !this.created.has(id) ? [this.loaded.get(id)!] : [])));
    const after = sumBalance([...new Set([...this.changed, ...this.created])].map((id) => this.lots.get(id)!));
    return { available: after.available - before.available, pending: after.pending - before.pending };
  }

  /** Adds this ledger's entries, lots and balance change to `write` (the member row is the caller's). */
  collect(write: LedgerWrite): { available: number; pending: number; total: number } {
    write.entries.push(...this.writes);
    write.createdLots.push(...[...this.created].map((id) => this.lots.get(id)!));
    write.changedLots.push(...[...this.changed].filter((id) => !this.created.has(id)).map((id) => this.lots.get(id)!));
    const change = this.change();
    const earned = this.entries.filter((e) => e.kind === 'earn').reduce((sum, e) => sum + e.amount, 0);
    write.balances.push({ memberId: this.memberId, available: change.available, pending: change.pending, earned });
    return this.balance();
  }

  /**
   * Everything needed to undo what happens after this call: an event that fails half-way (a
   * partner cap, say) leaves no trace, so the member's next event in the same group is decided as
   * if it had never been sent.
   */
  mark(): () => void {
    const lots = new Map(this.lots);
    const created = new Set(this.created);
    const changed = new Set(this.changed);
    const entries = this.entries.length;
    const writes = this.writes.length;
    const activated = this.activated;
    return () => {
      this.lots.clear();
      for (const [id, lot] of lots) this.lots.set(id, lot);
      this.created.clear();
      for (const id of created) this.created.add(id);
      this.changed.clear();
      for (const id of changed) this.changed.add(id);
      this.entries.length = entries;
      this.writes.length = writes;
      this.activated = activated;
    };
  }

  private settleDebt(at: Date, key: string): void {
    const allocations = planDebtSettlement(this.lotList(), this.memberId, at);
    if (allocations.length > 0) this.record('settle', key, allocations, at, {});
  }

  private createLot(lot: Lot): void {
    this.lots.set(lot.id, lot);
    this.created.add(lot.id);
  }

  private setLot(lot: Lot): void {
    this.lots.set(lot.id, lot);
    this.changed.add(lot.id);
  }

  private record(kind: EntryKind, key: string, allocations: readonly LotAllocation[], at: Date, context: EntryContext, pending = false): void {
    for (const allocation of allocations) {
      let lot = this.lots.get(allocation.lotId);
      if (!lot && allocation.lotId === debtLotId(this.memberId)) {
        lot = {
          id: allocation.lotId,
          memberId: this.memberId,
          kind: 'debt',
          status: 'active',
          earnedAt: at,
          expiresAt: null,
          pendingUntil: null,
          originalPoints: 0,
          remainingPoints: 0,
          orderId: null,
          orderAmount: null,
          clawedBackPoints: 0,
          ruleId: null,
        };
        this.createLot(lot);
      }
      if (!lot) throw new Error(`allocation to unknown lot ${allocation.lotId}`);
      this.setLot(copyLot(lot, lot.status, lot.remainingPoints + allocation.points, lot.clawedBackPoints));
    }
    let amount = 0;
    for (const a of allocations) amount += a.points;
    // Written out field by field (no object spread): this runs for every entry of every event, and
    // spreading copies were a large share of the decision's CPU and garbage.
    const write: EntryWrite = {
      idempotencyKey: key,
      kind,
      amount,
      qualifyingPoints: context.qualifyingPoints ?? 0,
      pending,
      at,
      ruleId: context.ruleId ?? null,
      component: context.component ?? null,
      orderId: context.orderId ?? null,
      rewardId: context.rewardId ?? null,
      memberId: this.memberId,
      eventId: context.eventId ?? null,
      source: this.source,
      programVersion: this.programVersion,
      actor: context.actor ?? null,
      reason: context.reason ?? null,
      allocations,
    };
    this.entries.push({
      idempotencyKey: key,
      kind,
      amount,
      qualifyingPoints: write.qualifyingPoints,
      pending,
      at,
      ruleId: write.ruleId,
      component: write.component,
      orderId: write.orderId,
      rewardId: write.rewardId,
    });
    this.writes.push(write);
  }
}

/** What lots hold, as the cached balance counts it: pending points apart, everything else (debt included) available. */
function sumBalance(lots: readonly Lot[]): { available: number; pending: number } {
  const pending = pendingPoints(lots);
  const total = lots.reduce((sum, lot) => sum + lot.remainingPoints, 0);
  return { available: total - pending, pending };
}

/** `lot` with another status / remaining / settled points: a field-by-field copy (see `record`). */
function copyLot(lot: Lot, status: Lot['status'], remainingPoints: number, clawedBackPoints: number): Lot {
  return {
    id: lot.id,
    memberId: lot.memberId,
    kind: lot.kind,
    status,
    earnedAt: lot.earnedAt,
    expiresAt: lot.expiresAt,
    pendingUntil: lot.pendingUntil,
    originalPoints: lot.originalPoints,
    remainingPoints,
    orderId: lot.orderId,
    orderAmount: lot.orderAmount,
    clawedBackPoints,
    ruleId: lot.ruleId,
  };
}
