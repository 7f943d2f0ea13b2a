import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LaurelError } from '../../../src/errors/index.js';
import { LedgerModel } from '../../../src/ledger/core/index.js';
import type { LedgerOp, ReturnPolicy } from '../../../src/ledger/core/index.js';

const START = Date.parse('2025-01-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MEMBERS = ['m1', 'm2'] as const;
const ORDERS = ['o1', 'o2', 'o3', 'o4'] as const;
const ORDER_AMOUNT: Record<string, number> = { o1: 300_000, o2: 1_000_000, o3: 99_999, o4: 7 };

type Step =
  | { kind: 'earn'; points: number; pendingDays: number; expiresInDays: number | null; order: string | null }
  | { kind: 'redeem'; points: number }
  | { kind: 'refund'; order: string; amount: number }
  | { kind: 'expire'; all: boolean }
  | { kind: 'adjust'; points: number }
  | { kind: 'activate' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('earn' as const), points: fc.integer({ min: 1, max: 500 }), pendingDays: fc.constantFrom(0, 0, 3, 14), expiresInDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }), order: fc.option(fc.constantFrom(...ORDERS), { nil: null }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('redeem' as const), points: fc.integer({ min: 1, max: 700 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), order: fc.constantFrom(...ORDERS), amount: fc.integer({ min: 1, max: 1_200_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), all: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), points: fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('activate' as const) }) },
);

const scenarioArb = fc.record({
  policy: fc.constantFrom<ReturnPolicy>('pending_only', 'within_balance', 'allow_negative'),
  steps: fc.array(fc.tuple(stepArb, fc.constantFrom(...MEMBERS), fc.integer({ min: 0, max: 5 * DAY })), { minLength: 1, maxLength: 60 }),
});

function toOps(steps: readonly [Step, string, number][]): LedgerOp[] {
  let clock = START;
  return steps.map(([step, memberId, advance], i) => {
    clock += advance;
    const at = new Date(clock);
    const key = `${step.kind}-${i}`;
    switch (step.kind) {
      case 'earn':
        return {
          type: 'earn',
          key,
          memberId,
          at,
          points: step.points,
          pendingUntil: step.pendingDays > 0 ? new Date(clock + step.pendingDays * DAY) : null,
          expiresAt: step.expiresInDays === null ? null : new Date(clock + step.expiresInDays * DAY),
          orderId: step.order,
          orderAmount: step.order ? ORDER_AMOUNT[step.order]! : null,
        };
      case 'redeem':
        return { type: 'redeem', key, memberId, at, points: step.points };
      case 'refund':
        return { type: 'refund', key, memberId, at, orderId: step.order, amount: step.amount };
      case 'expire':
        return { type: 'expire', key, memberId, at, mode: step.all ? 'all' : 'due' };
      case 'adjust':
        return { type: 'adjust', key, memberId, at, points: step.points, actor: 'ops', reason: 'property test' };
      case 'activate':
        return { type: 'activate', key, memberId, at };
    }
  });
}

function snapshot(ledger: LedgerModel): string {
  return JSON.stringify({ lots: ledger.lots(), entries: ledger.entries() });
}

describe('LedgerModel properties', () => {
  it('balance = sum of entries = sum of open lots after every operation; never negative unless allowed', () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, steps }) => {
        const ledger = new LedgerModel({ returnPolicy: policy });
        for (const op of toOps(steps)) {
          const result = ledger.tryApply(op);
          if (result instanceof LaurelError) expect(result.code).toBe('insufficient_points');
          expect(ledger.checkInvariant()).toEqual([]);
          for (const memberId of MEMBERS) {
            const balance = ledger.balance(memberId);
            const lotSum = ledger.lots(memberId).reduce((s, l) => s + l.remainingPoints, 0);
            expect(balance).toBe(lotSum);
            if (policy !== 'allow_negative') {
              expect(balance).toBeGreaterThanOrEqual(0);
              expect(ledger.available(memberId, op.at)).toBeGreaterThanOrEqual(0);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a redemption never spends more than it asked for, and only from lots spendable at that time', () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, steps }) => {
        const ledger = new LedgerModel({ returnPolicy: policy });
        for (const op of toOps(steps)) {
          const before = new Map(ledger.lots().map((l) => [l.id, l]));
          const result = ledger.tryApply(op);
          if (result instanceof LaurelError || op.type !== 'redeem') continue;
          const redeem = result.entries.find((e) => e.kind === 'redeem')!;
          expect(redeem.amount).toBe(-op.points);
          for (const allocation of redeem.allocations) {
            const lot = before.get(allocation.lotId);
            // Spendable before the op, or activated by it.
            expect(lot?.kind).toBe('points');
            expect(lot!.expiresAt === null || lot!.expiresAt.getTime() > op.at.getTime()).toBe(true);
            expect(lot!.pendingUntil === null || lot!.pendingUntil.getTime() <= op.at.getTime()).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('replaying any prefix of already-applied operations (same keys) changes nothing', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), ({ policy, steps }, cut) => {
        const ledger = new LedgerModel({ returnPolicy: policy });
        const ops = toOps(steps);
        const applied: LedgerOp[] = [];
        for (const op of ops) if (!(ledger.tryApply(op) instanceof LaurelError)) applied.push(op);
        const before = snapshot(ledger);
        const prefix = applied.slice(0, applied.length === 0 ? 0 : cut % (applied.length + 1));
        for (const op of prefix) {
          const again = ledger.apply(op);
          expect(again.replayed).toBe(true);
        }
        expect(snapshot(ledger)).toBe(before);
        expect(ledger.checkInvariant()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same operations give the same ledger', () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, steps }) => {
        const a = new LedgerModel({ returnPolicy: policy });
        const b = new LedgerModel({ returnPolicy: policy });
        for (const op of toOps(steps)) {
          a.tryApply(op);
          b.tryApply(op);
        }
        expect(snapshot(a)).toBe(snapshot(b));
      }),
      { numRuns: 100 },
    );
  });

  it('a full refund claws back exactly the points its order earned', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom<ReturnPolicy>('within_balance', 'allow_negative'),
        (refunds, points, policy) => {
          const ledger = new LedgerModel({ returnPolicy: policy });
          const total = refunds.reduce((s, r) => s + r, 0);
          ledger.apply({ type: 'earn', key: 'big', memberId: 'm', at: new Date(START), points: 1_000_000 });
          ledger.apply({ type: 'earn', key: 'order', memberId: 'm', at: new Date(START), points, orderId: 'o', orderAmount: total });
          let clawed = 0;
          refunds.forEach((amount, i) => {
            clawed += ledger.apply({ type: 'refund', key: `r${i}`, memberId: 'm', at: new Date(START + (i + 1) * HOUR), orderId: 'o', amount }).refund!.totals.clawback;
          });
          expect(clawed).toBe(points);
          expect(ledger.balance('m')).toBe(1_000_000);
        },
      ),
      { numRuns: 300 },
    );
  });
});
