import { describe, expect, it } from 'vitest';
import { ConflictError, LaurelError } from '../../../src/errors/index.js';
import {
  compareLotsForSpending,
  inactivityExpiresAt,
  lotExpiresAt,
  mulDivFloor,
  planActivation,
  planRedemption,
  planRefund,
} from '../../../src/ledger/core/index.js';
import type { Lot, ReturnPolicy } from '../../../src/ledger/core/index.js';
import { CoreLedger } from '../../support/core-ledger.js';
import { LedgerOracle, type OpLedger } from '../../support/ledger-oracle.js';

// Scenarios run on the pure core and on the test oracle: both must tell the same story.
const LEDGERS: [string, new (options: { returnPolicy: ReturnPolicy }) => OpLedger][] = [
  ['core', CoreLedger],
  ['oracle', LedgerOracle],
];

const t = (iso: string) => new Date(iso);

function lot(patch: Partial<Lot> & Pick<Lot, 'id'>): Lot {
  return {
    memberId: 'm',
    kind: 'points',
    status: 'active',
    earnedAt: t('2025-01-01T00:00:00Z'),
    expiresAt: null,
    pendingUntil: null,
    originalPoints: 100,
    remainingPoints: 100,
    orderId: null,
    orderAmount: null,
    clawedBackPoints: 0,
    ruleId: null,
    ...patch,
  };
}

describe('spending order', () => {
  it('spends the soonest-expiring lot first, never-expiring last, ties by earn time then id', () => {
    const lots = [
      lot({ id: 'never', expiresAt: null, earnedAt: t('2024-01-01T00:00:00Z') }),
      lot({ id: 'late', expiresAt: t('2026-06-01T00:00:00Z') }),
      lot({ id: 'b-soon', expiresAt: t('2025-06-01T00:00:00Z'), earnedAt: t('2025-01-02T00:00:00Z') }),
      lot({ id: 'a-soon-later', expiresAt: t('2025-06-01T00:00:00Z'), earnedAt: t('2025-01-03T00:00:00Z') }),
      lot({ id: 'a-soon', expiresAt: t('2025-06-01T00:00:00Z'), earnedAt: t('2025-01-02T00:00:00Z') }),
    ];
    expect([...lots].sort(compareLotsForSpending).map((l) => l.id)).toEqual(['a-soon', 'b-soon', 'a-soon-later', 'late', 'never']);
    expect(planRedemption(lots, 250, t('2025-02-01T00:00:00Z'))).toEqual([
      { lotId: 'a-soon', points: -100 },
      { lotId: 'b-soon', points: -100 },
      { lotId: 'a-soon-later', points: -50 },
    ]);
  });

  it('skips pending and expired lots and fails with 409 when short', () => {
    const lots = [
      lot({ id: 'pending', status: 'pending', pendingUntil: t('2025-03-01T00:00:00Z') }),
      lot({ id: 'expired', expiresAt: t('2025-02-01T00:00:00Z') }),
      lot({ id: 'ok', remainingPoints: 40 }),
    ];
    expect(planRedemption(lots, 40, t('2025-02-01T00:00:00Z'))).toEqual([{ lotId: 'ok', points: -40 }]);
    try {
      planRedemption(lots, 41, t('2025-02-01T00:00:00Z'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).code).toBe('insufficient_points');
      expect((err as ConflictError).status).toBe(409);
      expect((err as ConflictError).details).toEqual({ available: 40, requested: 41 });
    }
  });
});

describe('pending activation', () => {
  it('activates lots whose window closed, at exactly pendingUntil and not before', () => {
    const lots = [
      lot({ id: 'p1', status: 'pending', pendingUntil: t('2025-03-15T12:00:00Z') }),
      lot({ id: 'p2', status: 'pending', pendingUntil: t('2025-03-16T12:00:00Z') }),
    ];
    expect(planActivation(lots, t('2025-03-15T11:59:59.999Z'))).toEqual([]);
    expect(planActivation(lots, t('2025-03-15T12:00:00Z'))).toEqual(['p1']);
  });

  it.each(LEDGERS)('%s: pending points are in the balance but not spendable until activation', (_, Ledger) => {
    const ledger = new Ledger({ returnPolicy: 'within_balance' });
    ledger.apply({ type: 'earn', key: 'e1', memberId: 'm', at: t('2025-03-01T00:00:00Z'), points: 30, pendingUntil: t('2025-03-15T00:00:00Z'), orderId: 'o1', orderAmount: 300_000 });
    expect(ledger.balance('m')).toBe(30);
    expect(ledger.pending('m')).toBe(30);
    expect(ledger.available('m', t('2025-03-10T00:00:00Z'))).toBe(0);
    expect(ledger.tryApply({ type: 'redeem', key: 'r1', memberId: 'm', at: t('2025-03-10T00:00:00Z'), points: 10 })).toBeInstanceOf(LaurelError);
    const activation = ledger.apply({ type: 'activate', key: 'sweep-1', memberId: 'm', at: t('2025-03-15T00:00:00Z') });
    expect(activation.activatedLotIds).toEqual(['e1']);
    expect(ledger.pending('m')).toBe(0);
    expect(ledger.apply({ type: 'redeem', key: 'r1', memberId: 'm', at: t('2025-03-15T00:00:01Z'), points: 10 }).entries[0]!.amount).toBe(-10);
    ledger.invariant();
  });
});

function purchase(Ledger: (typeof LEDGERS)[number][1], policy: ReturnPolicy): OpLedger {
  const ledger = new Ledger({ returnPolicy: policy });
  // 300,000 order → 30 base + 4 bonus, pending 14 days; plus 20 spendable points from a review.
  const pendingUntil = t('2025-03-15T00:00:00Z');
  ledger.apply({ type: 'earn', key: 'review', memberId: 'm', at: t('2025-02-01T00:00:00Z'), points: 20 });
  ledger.apply({ type: 'earn', key: 'o1:base', memberId: 'm', at: t('2025-03-01T00:00:00Z'), points: 30, pendingUntil, orderId: 'o1', orderAmount: 300_000 });
  ledger.apply({ type: 'earn', key: 'o1:bonus', memberId: 'm', at: t('2025-03-01T00:00:00Z'), points: 4, pendingUntil, orderId: 'o1', orderAmount: 300_000 });
  return ledger;
}

describe.each(LEDGERS)('%s: refunds', (_, Ledger) => {
  it('inside the return window cancel the pending points of that order, under every policy', () => {
    for (const policy of ['pending_only', 'within_balance', 'allow_negative'] as const) {
      const ledger = purchase(Ledger, policy);
      const result = ledger.apply({ type: 'refund', key: 'ref1', memberId: 'm', at: t('2025-03-10T00:00:00Z'), orderId: 'o1', amount: 300_000 });
      expect(result.refund!.totals).toEqual({ clawback: 34, cancelledPending: 34, reversed: 0, toDebt: 0, forgiven: 0 });
      expect(ledger.balance('m')).toBe(20);
      expect(ledger.pending('m')).toBe(0);
      expect(result.entries.map((e) => [e.kind, e.amount])).toEqual([
        ['reverse', -30],
        ['reverse', -4],
      ]);
      ledger.invariant();
    }
  });

  it('a partial refund inside the window cancels proportionally, floored, and never drifts', () => {
    const ledger = purchase(Ledger, 'within_balance');
    const at = t('2025-03-05T00:00:00Z');
    // 1/3 of the order: floor(30/3) = 10, floor(4/3) = 1.
    expect(ledger.apply({ type: 'refund', key: 'a', memberId: 'm', at, orderId: 'o1', amount: 100_000 }).refund!.totals.cancelledPending).toBe(11);
    // Another third: cumulative 2/3 → 20 and 2 → this refund takes 10 and 1.
    expect(ledger.apply({ type: 'refund', key: 'b', memberId: 'm', at, orderId: 'o1', amount: 100_000 }).refund!.totals.cancelledPending).toBe(11);
    // The rest: everything left, exactly the original 34 in total.
    expect(ledger.apply({ type: 'refund', key: 'c', memberId: 'm', at, orderId: 'o1', amount: 100_000 }).refund!.totals.cancelledPending).toBe(12);
    expect(ledger.pending('m')).toBe(0);
    // Over-refunding is capped at the order amount and claws back nothing more.
    expect(ledger.apply({ type: 'refund', key: 'd', memberId: 'm', at, orderId: 'o1', amount: 50_000 }).refund!.totals.clawback).toBe(0);
    ledger.invariant();
  });

  it('a refund exactly at pendingUntil is already outside the window', () => {
    const ledger = purchase(Ledger, 'pending_only');
    const result = ledger.apply({ type: 'refund', key: 'ref', memberId: 'm', at: t('2025-03-15T00:00:00Z'), orderId: 'o1', amount: 300_000 });
    expect(result.activatedLotIds).toEqual(['o1:base', 'o1:bonus']);
    expect(result.refund!.lots.every((l) => l.window === 'outside')).toBe(true);
  });

  it('the return window is judged by when the refund happened, not when it arrived', () => {
    // Returned on March 10 (inside the window that ends March 15), reported on April 1.
    const late = { type: 'refund', key: 'late', memberId: 'm', at: t('2025-04-01T00:00:00Z'), orderId: 'o1', amount: 300_000 } as const;
    const inWindow = purchase(Ledger, 'pending_only').apply({ ...late, occurredAt: t('2025-03-10T00:00:00Z') });
    expect(inWindow.refund!.lots.every((l) => l.window === 'inside')).toBe(true);
    expect(inWindow.refund!.totals).toEqual({ clawback: 34, cancelledPending: 0, reversed: 34, toDebt: 0, forgiven: 0 });
    // The same refund returned after the window: the points are final under pending_only.
    const afterWindow = purchase(Ledger, 'pending_only').apply({ ...late, occurredAt: t('2025-03-20T00:00:00Z') });
    expect(afterWindow.refund!.totals).toMatchObject({ reversed: 0, forgiven: 34 });
    // Returned in the window, but the member spent the points meanwhile: the spent part follows the policy.
    const spent = purchase(Ledger, 'pending_only');
    spent.apply({ type: 'redeem', key: 'spend', memberId: 'm', at: t('2025-03-20T00:00:00Z'), points: 50 });
    expect(spent.apply({ ...late, occurredAt: t('2025-03-10T00:00:00Z') }).refund!.totals).toEqual({ clawback: 34, cancelledPending: 0, reversed: 4, toDebt: 0, forgiven: 30 });
    spent.invariant();
  });

  it('after the window, pending_only reverses nothing (points are final once active)', () => {
    const ledger = purchase(Ledger, 'pending_only');
    const result = ledger.apply({ type: 'refund', key: 'ref', memberId: 'm', at: t('2025-04-01T00:00:00Z'), orderId: 'o1', amount: 150_000 });
    expect(result.refund!.totals).toEqual({ clawback: 17, cancelledPending: 0, reversed: 0, toDebt: 0, forgiven: 17 });
    expect(result.entries).toEqual([]);
    expect(ledger.balance('m')).toBe(54);
    ledger.invariant();
  });

  it('after the window, within_balance reverses proportionally from the order lots, then others, never below zero', () => {
    const ledger = purchase(Ledger, 'within_balance');
    const after = t('2025-04-01T00:00:00Z');
    // Half the order: floor(30/2) = 15 and floor(4/2) = 2.
    const half = ledger.apply({ type: 'refund', key: 'ref1', memberId: 'm', at: after, orderId: 'o1', amount: 150_000 });
    expect(half.refund!.totals).toEqual({ clawback: 17, cancelledPending: 0, reversed: 17, toDebt: 0, forgiven: 0 });
    expect(ledger.balance('m')).toBe(37);
    // Spend almost everything, then refund the rest: 17 to claw back but only 2 left.
    ledger.apply({ type: 'redeem', key: 'spend', memberId: 'm', at: after, points: 35 });
    const rest = ledger.apply({ type: 'refund', key: 'ref2', memberId: 'm', at: after, orderId: 'o1', amount: 150_000 });
    expect(rest.refund!.totals).toEqual({ clawback: 17, cancelledPending: 0, reversed: 2, toDebt: 0, forgiven: 15 });
    expect(ledger.balance('m')).toBe(0);
    ledger.invariant();
  });

  it('after the window, allow_negative reverses in full and the shortfall becomes debt repaid from the next points', () => {
    const ledger = purchase(Ledger, 'allow_negative');
    const after = t('2025-04-01T00:00:00Z');
    ledger.apply({ type: 'redeem', key: 'spend', memberId: 'm', at: after, points: 50 });
    const refund = ledger.apply({ type: 'refund', key: 'ref', memberId: 'm', at: after, orderId: 'o1', amount: 300_000 });
    expect(refund.refund!.totals).toEqual({ clawback: 34, cancelledPending: 0, reversed: 4, toDebt: 30, forgiven: 0 });
    expect(ledger.balance('m')).toBe(-30);
    expect(ledger.available('m', after)).toBe(-30);
    ledger.invariant();
    // New points settle the debt first.
    const earn = ledger.apply({ type: 'earn', key: 'later', memberId: 'm', at: t('2025-04-02T00:00:00Z'), points: 50 });
    expect(earn.entries.map((e) => [e.kind, e.amount])).toEqual([
      ['earn', 50],
      ['settle', 0],
    ]);
    expect(ledger.summary('m')).toEqual({ memberId: 'm', balance: 20, pending: 0, debt: 0 });
    expect(ledger.available('m', t('2025-04-02T00:00:00Z'))).toBe(20);
    ledger.invariant();
  });
});

describe.each(LEDGERS)('%s: idempotency', (_, Ledger) => {
  it('replaying a key changes nothing; reusing it for something else is a conflict; a failed op can be retried', () => {
    const ledger = new Ledger({ returnPolicy: 'within_balance' });
    const earn = { type: 'earn', key: 'k1', memberId: 'm', at: t('2025-01-01T00:00:00Z'), points: 10 } as const;
    const first = ledger.apply(earn);
    const again = ledger.apply({ ...earn });
    expect(again.replayed).toBe(true);
    expect(again.entries).toEqual(first.entries);
    expect(ledger.entries()).toHaveLength(1);
    expect(() => ledger.apply({ ...earn, points: 11 })).toThrow(/already used/);
    const redeem = { type: 'redeem', key: 'r', memberId: 'm', at: t('2025-01-02T00:00:00Z'), points: 15 } as const;
    expect(ledger.tryApply(redeem)).toBeInstanceOf(LaurelError);
    expect(ledger.hasApplied('r')).toBe(false);
    ledger.apply({ type: 'adjust', key: 'goodwill', memberId: 'm', at: t('2025-01-02T00:00:00Z'), points: 5, actor: 'agent-7', reason: 'late delivery' });
    expect(ledger.apply(redeem).entries[0]!.amount).toBe(-15);
    expect(ledger.entries().find((e) => e.kind === 'adjust')).toMatchObject({ actor: 'agent-7', reason: 'late delivery' });
  });
});

describe('expiry', () => {
  const tehran = 'Asia/Tehran';
  it('N months after earning, rounded to the end of the local day or month', () => {
    const earned = t('2025-01-31T21:00:00Z'); // 2025-02-01 00:30 Tehran
    expect(lotExpiresAt({ type: 'after_months', months: 1, roundTo: 'end_of_day' }, earned, tehran)!.toISOString()).toBe('2025-03-01T20:30:00.000Z');
    expect(lotExpiresAt({ type: 'after_months', months: 1, roundTo: 'end_of_month' }, earned, tehran)!.toISOString()).toBe('2025-03-31T20:30:00.000Z');
    expect(lotExpiresAt({ type: 'after_months', months: 1, roundTo: 'none' }, earned, tehran)!.toISOString()).toBe('2025-02-28T21:00:00.000Z');
    // Jan 31 + 1 month clamps to Feb 28.
    expect(lotExpiresAt({ type: 'after_months', months: 1, roundTo: 'end_of_day' }, t('2025-01-31T12:00:00Z'), 'UTC')!.toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });

  it('a fixed calendar date, at least minMonths after earning', () => {
    const policy = { type: 'fixed_date', month: 12, day: 31, minMonths: 0 } as const;
    expect(lotExpiresAt(policy, t('2025-05-01T00:00:00Z'), 'UTC')!.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(lotExpiresAt({ ...policy, minMonths: 12 }, t('2025-05-01T00:00:00Z'), 'UTC')!.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(lotExpiresAt({ type: 'fixed_date', month: 2, day: 29, minMonths: 0 }, t('2025-01-01T00:00:00Z'), 'UTC')!.toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });

  it('inactivity: no date per lot, everything goes N months after the last activity', () => {
    const policy = { type: 'inactivity', months: 18 } as const;
    expect(lotExpiresAt(policy, t('2025-01-01T00:00:00Z'), 'UTC')).toBeNull();
    expect(inactivityExpiresAt(policy, t('2025-01-15T10:00:00Z'), 'UTC')!.toISOString()).toBe('2026-07-16T00:00:00.000Z');
    expect(inactivityExpiresAt({ type: 'never' }, t('2025-01-15T10:00:00Z'), 'UTC')).toBeNull();
  });

  it.each(LEDGERS)('%s: the expire sweep takes what is left in due lots, soonest first; an expired lot is unspendable before the sweep', (_, Ledger) => {
    const ledger = new Ledger({ returnPolicy: 'within_balance' });
    ledger.apply({ type: 'earn', key: 'a', memberId: 'm', at: t('2025-01-01T00:00:00Z'), points: 50, expiresAt: t('2025-06-01T00:00:00Z') });
    ledger.apply({ type: 'earn', key: 'b', memberId: 'm', at: t('2025-01-02T00:00:00Z'), points: 50, expiresAt: t('2025-07-01T00:00:00Z') });
    ledger.apply({ type: 'redeem', key: 'r', memberId: 'm', at: t('2025-02-01T00:00:00Z'), points: 30 });
    expect(ledger.available('m', t('2025-06-01T00:00:00Z'))).toBe(50);
    const sweep = ledger.apply({ type: 'expire', key: 'sweep', memberId: 'm', at: t('2025-06-01T00:00:00Z') });
    expect(sweep.entries.map((e) => [e.idempotencyKey, e.kind, e.amount])).toEqual([['sweep:a', 'expire', -20]]);
    expect(ledger.apply({ type: 'expire', key: 'inactive', memberId: 'm', at: t('2025-06-02T00:00:00Z'), mode: 'all' }).entries.map((e) => e.amount)).toEqual([-50]);
    expect(ledger.balance('m')).toBe(0);
    ledger.invariant();
  });
});

describe('integer math', () => {
  it('multiplies past 2^53 exactly and floors', () => {
    expect(mulDivFloor(9_000_000_000, 1_000_000_007, 1_000_000_007)).toBe(9_000_000_000);
    expect(mulDivFloor(7, 1, 2)).toBe(3);
    expect(() => mulDivFloor(Number.MAX_SAFE_INTEGER, 3, 1)).toThrow(/safe integer/);
  });
});

describe('planRefund with per-lot clawback (a refund of items)', () => {
  const order = { orderId: 'o1', orderAmount: 1_000 };
  const lots = [
    lot({ id: 'base', originalPoints: 100, remainingPoints: 100, ...order }),
    lot({ id: 'bonus', originalPoints: 40, remainingPoints: 40, ...order }),
    lot({ id: 'offer', originalPoints: 30, remainingPoints: 30, ...order }),
  ];
  const plan = (clawback: Map<string, number>) =>
    planRefund({ policy: 'within_balance', memberId: 'm', at: t('2025-02-01T00:00:00Z'), orderId: 'o1', refundAmount: 400, refundedBefore: 0, lots, clawback });

  it('named lots give back exactly what is named (0 = nothing); a lot no line earned gives the amount share', () => {
    const result = plan(new Map([['base', 25], ['bonus', 0]]));
    const byLot = Object.fromEntries(result.lots.map((l) => [l.lotId, l.clawback]));
    // offer: floor(30 × 400 / 1000) = 12.
    expect(byLot).toEqual({ base: 25, offer: 12 });
    expect(result.totals.clawback).toBe(37);
  });

  it('never takes back more than a lot earned', () => {
    const result = plan(new Map([['base', 500], ['bonus', 0], ['offer', 0]]));
    expect(result.totals.clawback).toBe(100);
  });
});
