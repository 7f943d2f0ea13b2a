import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LaurelError } from '../../../src/errors/index.js';
import type { Lot, ReturnPolicy } from '../../../src/ledger/core/index.js';
import { CoreLedger } from '../../support/core-ledger.js';
import { LedgerOracle, type LedgerOp, type LedgerOpResult, type OpEntry, type OpLedger } from '../../support/ledger-oracle.js';

const START = Date.parse('2025-01-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MEMBERS = ['m1', 'm2'] as const;

const ORDERS = ['o1', 'o2', 'o3'] as const;
const ORDER_AMOUNT: Record<string, number> = { o1: 300_000, o2: 1_000_000, o3: 7 };

type Step =
  | { kind: 'earn'; points: number; pendingDays: number; expiresInDays: number | null; order: string | null }
  | { kind: 'redeem'; points: number }
  | { kind: 'drain' }
  | { kind: 'refund'; order: string; amount: number; daysLate: number }
  | { kind: 'expire'; all: boolean }
  | { kind: 'adjust'; points: number }
  | { kind: 'activate' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('earn' as const), points: fc.integer({ min: 1, max: 500 }), pendingDays: fc.constantFrom(0, 0, 0, 3, 14), expiresInDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }), order: fc.option(fc.constantFrom(...ORDERS), { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeem' as const), points: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drain' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), order: fc.constantFrom(...ORDERS), amount: fc.integer({ min: 1, max: 1_200_000 }), daysLate: fc.constantFrom(0, 0, 0, 1, 4, 20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), all: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), points: fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('activate' as const) }) },
);

const scenarioArb = fc.record({
  policy: fc.constantFrom<ReturnPolicy>('pending_only', 'within_balance', 'allow_negative', 'allow_negative'),
  steps: fc.array(fc.tuple(stepArb, fc.constantFrom('m1', 'm1', 'm1', 'm2'), fc.integer({ min: 0, max: 5 * DAY })), { minLength: 1, maxLength: 60 }),
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
      case 'drain':
        return { type: 'redeem', key, memberId, at, points: DRAIN };
      case 'refund':
        // A late report: the goods came back `daysLate` days before the refund was recorded.
        return { type: 'refund', key, memberId, at, orderId: step.order, amount: step.amount, ...(step.daysLate > 0 ? { occurredAt: new Date(clock - step.daysLate * DAY) } : {}) };
      case 'expire':
        return { type: 'expire', key, memberId, at, mode: step.all ? 'all' : 'due' };
      case 'adjust':
        return { type: 'adjust', key, memberId, at, points: step.points, actor: 'ops', reason: 'property test' };
      case 'activate':
        return { type: 'activate', key, memberId, at };
    }
  });
}

/** Placeholder: redeem everything available at that moment (resolved against the ledger when applied). */
const DRAIN = -1;

function resolve(op: LedgerOp, ledger: OpLedger): LedgerOp {
  if (op.type !== 'redeem' || op.points !== DRAIN) return op;
  return { ...op, points: Math.max(1, ledger.available(op.memberId, op.at)) };
}

function snapshot(ledger: OpLedger): string {
  return JSON.stringify({ lots: ledger.lots(), entries: ledger.entries() });
}

/** What two ledgers must agree on: lots, entries (their rows), and each operation's answer. */
const lotsOf = (l: OpLedger): Lot[] => [...l.lots()].sort((a, b) => (a.id < b.id ? -1 : 1));
const entryRow = (e: OpEntry) => ({ key: e.idempotencyKey, member: e.memberId, kind: e.kind, amount: e.amount, at: e.at.toISOString(), allocations: e.allocations });
const answer = (r: LedgerOpResult | LaurelError) =>
  r instanceof LaurelError ? { error: r.code, details: r.details } : { entries: r.entries.map(entryRow), activated: r.activatedLotIds, refund: r.refund ?? null, replayed: r.replayed };

describe('the pure core’s ledger (src/ledger/core MemberLedger) against the test oracle', () => {
  it('gives the same answer to every operation and ends in the same lots and entries', () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, steps }) => {
        const core = new CoreLedger({ returnPolicy: policy });
        const oracle = new LedgerOracle({ returnPolicy: policy });
        for (const raw of toOps(steps)) {
          const op = resolve(raw, oracle);
          expect(answer(core.tryApply(op)), `${op.type} ${op.key}`).toEqual(answer(oracle.tryApply(op)));
        }
        expect(lotsOf(core)).toEqual(lotsOf(oracle));
        for (const m of MEMBERS) expect(core.entries(m).map(entryRow)).toEqual(oracle.entries(m).map(entryRow));
        expect(oracle.checkInvariant()).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('pure core ledger properties', () => {
  it('balance = sum of entries = sum of open lots after every operation; never negative unless allowed', () => {
    // Counts of interesting paths reached, so the property cannot pass vacuously.
    const reached = { debt: 0, expire: 0, cancelledPending: 0, reversedFromOtherLots: 0, forgiven: 0, insufficient: 0 };
    fc.assert(
      fc.property(scenarioArb, ({ policy, steps }) => {
        const ledger = new CoreLedger({ returnPolicy: policy });
        for (const raw of toOps(steps)) {
          const op = resolve(raw, ledger);
          const result = ledger.tryApply(op);
          if (result instanceof LaurelError) {
            expect(result.code).toBe('insufficient_points');
            reached.insufficient += 1;
          } else {
            reached.expire += result.entries.filter((e) => e.kind === 'expire').length;
            const totals = result.refund?.totals;
            if (totals) {
              reached.debt += totals.toDebt > 0 ? 1 : 0;
              reached.cancelledPending += totals.cancelledPending > 0 ? 1 : 0;
              reached.forgiven += totals.forgiven > 0 ? 1 : 0;
              reached.reversedFromOtherLots += result.refund!.lots.some((l) => l.reversedFromOtherLots > 0) ? 1 : 0;
            }
          }
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
    for (const [path, count] of Object.entries(reached)) expect(count, `${path} never reached`).toBeGreaterThan(0);
  });

  it('a redemption never spends more than it asked for, and only from lots spendable at that time', () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, steps }) => {
        const ledger = new CoreLedger({ returnPolicy: policy });
        for (const raw of toOps(steps)) {
          const op = resolve(raw, ledger);
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
        const ledger = new CoreLedger({ returnPolicy: policy });
        const ops = toOps(steps);
        const applied: LedgerOp[] = [];
        for (const raw of ops) {
          const op = resolve(raw, ledger);
          if (!(ledger.tryApply(op) instanceof LaurelError)) applied.push(op);
        }
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
        const a = new CoreLedger({ returnPolicy: policy });
        const b = new CoreLedger({ returnPolicy: policy });
        for (const raw of toOps(steps)) {
          a.tryApply(resolve(raw, a));
          b.tryApply(resolve(raw, b));
        }
        expect(snapshot(a)).toBe(snapshot(b));
      }),
      { numRuns: 100 },
    );
  });

  it('debt from a refund after the window is repaid by the next points, pending ones when they activate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.record({ points: fc.integer({ min: 1, max: 400 }), pendingDays: fc.constantFrom(0, 3) }), { maxLength: 8 }),
        (orderPoints, otherPoints, later) => {
          const ledger = new CoreLedger({ returnPolicy: 'allow_negative' });
          const at = (days: number) => new Date(START + days * DAY);
          ledger.apply({ type: 'earn', key: 'order', memberId: 'm', at: at(0), points: orderPoints, orderId: 'o', orderAmount: 1000 });
          if (otherPoints > 0) ledger.apply({ type: 'earn', key: 'other', memberId: 'm', at: at(0), points: otherPoints });
          ledger.apply({ type: 'redeem', key: 'all', memberId: 'm', at: at(1), points: orderPoints + otherPoints });
          const refund = ledger.apply({ type: 'refund', key: 'refund', memberId: 'm', at: at(2), orderId: 'o', amount: 1000 });
          expect(refund.refund!.totals.toDebt).toBe(orderPoints);
          expect(ledger.summary('m').debt).toBe(-orderPoints);
          later.forEach((earn, i) => {
            ledger.apply({ type: 'earn', key: `later-${i}`, memberId: 'm', at: at(3 + i), points: earn.points, pendingUntil: earn.pendingDays ? at(3 + i + earn.pendingDays) : null });
            expect(ledger.checkInvariant()).toEqual([]);
            // Pending points never repay debt before they activate.
            expect(ledger.summary('m').debt).toBeLessThanOrEqual(0);
          });
          ledger.apply({ type: 'activate', key: 'sweep', memberId: 'm', at: at(100) });
          const earnedLater = later.reduce((sum, e) => sum + e.points, 0);
          expect(ledger.summary('m')).toEqual({ memberId: 'm', balance: earnedLater - orderPoints, pending: 0, debt: Math.min(0, earnedLater - orderPoints) });
          expect(ledger.available('m', at(100))).toBe(earnedLater - orderPoints);
          if (earnedLater > 0) expect(ledger.entries('m').some((e) => e.kind === 'settle')).toBe(true);
          expect(ledger.checkInvariant()).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a full refund claws back exactly the points its order earned', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom<ReturnPolicy>('within_balance', 'allow_negative'),
        (refunds, points, policy) => {
          const ledger = new CoreLedger({ returnPolicy: policy });
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
