import { MemberLedger, type EntryWrite, type Lot, type ReturnPolicy } from '../../src/ledger/core/index.js';
import { OpLedger, type LedgerOp, type LedgerOpResult, type OpEntry } from './ledger-oracle.js';

/**
 * The real pure core (src/ledger/core `MemberLedger`, one per member) driven by the oracle's
 * operations, as the shell drives it: activation and debt settlement first (`prepare`), then the
 * operation. The property tests run the same operations on this and on `LedgerOracle`.
 */
export class CoreLedger extends OpLedger {
  private readonly ledgers = new Map<string, MemberLedger>();

  constructor(options: { returnPolicy: ReturnPolicy }) {
    super(options.returnPolicy);
  }

  lots(memberId?: string): Lot[] {
    return [...this.ledgers.values()].filter((l) => memberId === undefined || l.memberId === memberId).flatMap((l) => l.lotList());
  }

  entries(memberId?: string): OpEntry[] {
    return [...this.ledgers.values()].filter((l) => memberId === undefined || l.memberId === memberId).flatMap((l) => l.unsaved().map(toOpEntry));
  }

  protected stage(op: LedgerOp): { result: LedgerOpResult; commit: () => void } {
    let ledger = this.ledgers.get(op.memberId);
    if (!ledger) {
      ledger = MemberLedger.fromLots([], { memberId: op.memberId, returnPolicy: this.returnPolicy, programVersion: 1, source: 'test' });
      this.ledgers.set(op.memberId, ledger);
    }
    const undo = ledger.mark();
    const first = ledger.unsaved().length;
    try {
      ledger.prepare(op.at, op.key);
      const activatedLotIds = ledger.activated;
      let refund: LedgerOpResult['refund'];
      switch (op.type) {
        case 'earn':
          ledger.earn({
            key: op.key,
            points: op.points,
            at: op.at,
            pendingUntil: op.pendingUntil ?? null,
            expiresAt: op.expiresAt ?? null,
            orderId: op.orderId ?? null,
            orderAmount: op.orderAmount ?? null,
            ruleId: op.ruleId ?? null,
            context: { ruleId: op.ruleId ?? null },
          });
          break;
        case 'redeem':
          ledger.spend('redeem', op.key, op.points, op.at, { rewardId: op.rewardId ?? null });
          break;
        case 'adjust':
          if (op.points > 0) {
            ledger.earn({ key: op.key, points: op.points, at: op.at, pendingUntil: null, expiresAt: op.expiresAt ?? null, orderId: null, orderAmount: null, ruleId: null, context: { actor: op.actor, reason: op.reason }, kind: 'adjust' });
          } else {
            ledger.spend('adjust', op.key, -op.points, op.at, { actor: op.actor, reason: op.reason });
          }
          break;
        case 'refund': {
          const plan = ledger.refund({ key: op.key, orderId: op.orderId, amount: op.amount, refundedBefore: this.refunded.get(`${op.memberId}/${op.orderId}`) ?? 0, at: op.at, ...(op.occurredAt && op.occurredAt < op.at ? { returnedAt: op.occurredAt } : {}), eventId: op.key, qualifyingByLot: new Map() });
          this.pendingRefund = { key: `${op.memberId}/${op.orderId}`, total: plan.refundedTotal };
          refund = { totals: plan.totals, lots: plan.lots.map((l) => ({ lotId: l.lotId, window: l.window, reversedFromOtherLots: l.reversedFromOtherLots })) };
          break;
        }
        case 'expire':
          ledger.expire(op.key, op.at, op.mode ?? 'due');
          break;
        case 'activate':
          break;
      }
      const entries = ledger.unsaved().slice(first).map(toOpEntry);
      const result: LedgerOpResult = { key: op.key, type: op.type, entries, activatedLotIds, ...(refund ? { refund } : {}), replayed: false };
      return {
        result,
        commit: () => {
          if (this.pendingRefund) this.refunded.set(this.pendingRefund.key, this.pendingRefund.total);
          this.pendingRefund = undefined;
        },
      };
    } catch (err) {
      undo();
      this.pendingRefund = undefined;
      throw err;
    }
  }

  private readonly refunded = new Map<string, number>();
  private pendingRefund: { key: string; total: number } | undefined;
}

function toOpEntry(e: EntryWrite): OpEntry {
  return {
    idempotencyKey: e.idempotencyKey,
    memberId: e.memberId,
    kind: e.kind,
    amount: e.amount,
    at: e.at,
    allocations: e.allocations,
    orderId: e.orderId,
    ruleId: e.ruleId,
    rewardId: e.rewardId,
    actor: e.actor,
    reason: e.reason,
  };
}
