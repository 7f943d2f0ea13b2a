import type { PoolClient } from '../db/index.js';
import {
  debtLotId,
  mulDivFloor,
  pendingPoints,
  planActivation,
  planDebtSettlement,
  planExpireAll,
  planExpiry,
  planRedemption,
  planRefund,
  type EntryKind,
  type Lot,
  type LotAllocation,
  type RefundPlan,
  type ReturnPolicy,
} from './core/index.js';
import { loadMemberLots, saveLots } from './lot-rows.js';

/** One ledger entry as written, for results and the API. */
export interface WrittenEntry {
  seq: number;
  idempotencyKey: string;
  kind: EntryKind;
  amount: number;
  qualifyingPoints: number;
  pending: boolean;
  at: Date;
  ruleId: string | null;
  component: string | null;
  orderId: string | null;
  rewardId: string | null;
}

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
 * One member's ledger inside one transaction (the caller holds the member row lock). It loads the
 * member's open lots, applies the pure planners from ./core (the same ones the reference model
 * uses), and writes entries, allocations, lots and the cached balance row. Nothing is written
 * unless the caller commits.
 */
export class MemberLedger {
  private readonly lots = new Map<string, Lot>();
  private readonly created = new Set<string>();
  private readonly changed = new Set<string>();
  readonly entries: WrittenEntry[] = [];
  activated: string[] = [];

  private constructor(
    private readonly client: PoolClient,
    readonly memberId: string,
    readonly returnPolicy: ReturnPolicy,
    readonly programVersion: number,
    readonly source: string,
  ) {}

  static async open(
    client: PoolClient,
    opts: { memberId: string; returnPolicy: ReturnPolicy; programVersion: number; source: string; orderIds?: string[] },
  ): Promise<MemberLedger> {
    const ledger = new MemberLedger(client, opts.memberId, opts.returnPolicy, opts.programVersion, opts.source);
    for (const lot of await loadMemberLots(client, opts.memberId, opts.orderIds ?? [])) ledger.lots.set(lot.id, lot);
    return ledger;
  }

  lotList(): Lot[] {
    return [...this.lots.values()];
  }

  /** Before every operation: pending lots due by `at` become spendable, and any debt is repaid. */
  async prepare(at: Date, key: string): Promise<void> {
    this.activated = planActivation(this.lotList(), at);
    for (const id of this.activated) this.setLot({ ...this.lots.get(id)!, status: 'active' });
    if (this.activated.length > 0) await this.settleDebt(at, `${key}:settle-activation`);
  }

  async earn(input: {
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
  }): Promise<void> {
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
    await this.record(input.kind ?? 'earn', input.key, [{ lotId: input.key, points: input.points }], input.at, { ...input.context, orderId: input.orderId }, pending);
    await this.settleDebt(input.at, `${input.key}:settle`);
  }

  /** Spends soonest-expiring lots first; 409 `insufficient_points` when the member has too few. */
  async spend(kind: 'redeem' | 'adjust', key: string, points: number, at: Date, context: EntryContext): Promise<void> {
    const allocations = planRedemption(this.lotList(), points, at);
    await this.record(kind, key, allocations, at, context);
  }

  /**
   * `qualifyingByLot`: the qualifying points each of the order's lots gave; a refund takes back
   * qualification in proportion, so tiers follow net purchases.
   */
  async refund(input: {
    key: string;
    orderId: string;
    amount: number;
    refundedBefore: number;
    at: Date;
    eventId: string;
    qualifyingByLot: ReadonlyMap<string, number>;
  }): Promise<RefundPlan> {
    const plan = planRefund({
      policy: this.returnPolicy,
      memberId: this.memberId,
      at: input.at,
      orderId: input.orderId,
      refundAmount: input.amount,
      refundedBefore: input.refundedBefore,
      lots: this.lotList(),
    });
    for (const outcome of plan.lots) {
      const lot = this.lots.get(outcome.lotId)!;
      this.setLot({ ...lot, clawedBackPoints: outcome.clawedBackPoints });
      if (outcome.allocations.length > 0) {
        const qualifying = input.qualifyingByLot.get(lot.id) ?? 0;
        await this.record('reverse', `${input.key}:${outcome.lotId}`, outcome.allocations, input.at, {
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
  async expire(key: string, at: Date, mode: 'due' | 'all'): Promise<number> {
    const allocations = mode === 'all' ? planExpireAll(this.lotList()) : planExpiry(this.lotList(), at);
    let total = 0;
    for (const allocation of allocations) {
      await this.record('expire', `${key}:${allocation.lotId}`, [allocation], at, {});
      total -= allocation.points;
    }
    return total;
  }

  /** Writes changed lots and the cached balance: available + pending = sum of open lots. */
  async finish(): Promise<{ available: number; pending: number; total: number }> {
    const created = [...this.created].map((id) => this.lots.get(id)!);
    const changed = [...this.changed].filter((id) => !this.created.has(id)).map((id) => this.lots.get(id)!);
    await saveLots(this.client, created, changed);
    const lots = this.lotList();
    const pending = pendingPoints(lots);
    const total = lots.reduce((sum, lot) => sum + lot.remainingPoints, 0);
    const earned = this.entries.filter((e) => e.kind === 'earn').reduce((sum, e) => sum + e.amount, 0);
    await this.client.query(
      `INSERT INTO member_balances (member_id, available, pending, lifetime_earned, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (member_id) DO UPDATE SET available = $2, pending = $3,
         lifetime_earned = member_balances.lifetime_earned + $4, updated_at = now()`,
      [this.memberId, total - pending, pending, earned],
    );
    return { available: total - pending, pending, total };
  }

  private async settleDebt(at: Date, key: string): Promise<void> {
    const allocations = planDebtSettlement(this.lotList(), this.memberId, at);
    if (allocations.length > 0) await this.record('settle', key, allocations, at, {});
  }

  private createLot(lot: Lot): void {
    this.lots.set(lot.id, lot);
    this.created.add(lot.id);
  }

  private setLot(lot: Lot): void {
    this.lots.set(lot.id, lot);
    this.changed.add(lot.id);
  }

  private async record(kind: EntryKind, key: string, allocations: readonly LotAllocation[], at: Date, context: EntryContext, pending = false): Promise<void> {
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
      this.setLot({ ...lot, remainingPoints: lot.remainingPoints + allocation.points });
    }
    // New lots must exist before allocations reference them.
    const newLots = [...this.created].map((id) => this.lots.get(id)!).filter((l) => allocations.some((a) => a.lotId === l.id));
    const amount = allocations.reduce((sum, a) => sum + a.points, 0);
    if (newLots.length > 0) {
      // New lots go in with their remaining points already applied; later changes mark them changed.
      await saveLots(this.client, newLots, []);
      for (const lot of newLots) {
        this.created.delete(lot.id);
        this.changed.delete(lot.id);
      }
    }
    // The entry and its allocations in one statement: one round trip per entry.
    const { rows } = await this.client.query<{ seq: string }>(
      `WITH entry AS (
         INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, qualifying_points, pending, at, event_id, rule_id, component,
                                     order_id, reward_id, source, program_version, actor, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING seq
       ),
       allocations AS (
         INSERT INTO lot_allocations (entry_seq, lot_id, points)
         SELECT entry.seq, a.lot_id, a.points FROM entry, unnest($17::text[], $18::bigint[]) AS a(lot_id, points)
       )
       SELECT seq FROM entry`,
      [
        key,
        this.memberId,
        kind,
        amount,
        context.qualifyingPoints ?? 0,
        pending,
        at,
        context.eventId ?? null,
        context.ruleId ?? null,
        context.component ?? null,
        context.orderId ?? null,
        context.rewardId ?? null,
        this.source,
        this.programVersion,
        context.actor ?? null,
        context.reason ?? null,
        allocations.map((a) => a.lotId),
        allocations.map((a) => a.points),
      ],
    );
    const seq = Number(rows[0]!.seq);
    this.entries.push({
      seq,
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
    });
  }
}
