import { describe, expect, it } from 'vitest';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { evaluateEvent, limitWindowsForEvent } from '../../../src/rules/index.js';
import type { EarnDecision, MemberEvent, MemberSnapshot, RuleUsage } from '../../../src/rules/index.js';
import { exampleProgram, programWith } from './helpers.js';

const reference = exampleProgram('reference');
const NOW = new Date('2025-03-10T12:00:00Z');

const member = (patch: Partial<MemberSnapshot> = {}): MemberSnapshot => ({ id: 'm1', tierId: 'bronze', timeZone: 'Asia/Tehran', ...patch });
const event = (patch: Partial<MemberEvent> & Pick<MemberEvent, 'type'>): MemberEvent => ({ id: 'e1', occurredAt: NOW, ...patch });

interface PriorEarn {
  ruleId: string;
  at: Date;
  points: number;
}

/** What the SQL layer does: count prior base earnings per limit window. */
function usageFor(program: ProgramDefinition, m: MemberSnapshot, e: MemberEvent, prior: PriorEarn[]): RuleUsage[] {
  return limitWindowsForEvent({ program, member: m, eventType: e.type, at: e.occurredAt }).map((w) => {
    const inWindow = prior.filter((p) => p.ruleId === w.ruleId && p.at >= w.start && (w.end === null || p.at < w.end));
    return { ruleId: w.ruleId, period: w.period, periodStart: w.start, timesFired: inWindow.length, points: inWindow.reduce((s, p) => s + p.points, 0) };
  });
}

function run(program: ProgramDefinition, m: MemberSnapshot, e: MemberEvent, prior: PriorEarn[] = []): EarnDecision {
  return evaluateEvent({ program, programVersion: 3, member: m, event: e, history: { usage: usageFor(program, m, e, prior) }, now: NOW });
}

describe('evaluateEvent on the reference program', () => {
  it('purchase: 10 points per whole 100,000 toman, pending for the 14-day return window', () => {
    const d = run(reference, member(), event({ type: 'purchase', amount: 399_999, orderId: 'o1' }));
    expect(d.entries).toHaveLength(1);
    expect(d.entries[0]).toMatchObject({
      idempotencyKey: 'e1:purchase:base',
      ruleId: 'purchase',
      component: 'base',
      points: 30,
      qualifyingPoints: 30,
      orderId: 'o1',
      orderAmount: 399_999,
      pendingUntil: new Date('2025-03-24T12:00:00Z'),
    });
    expect(d.totals).toEqual({ basePoints: 30, bonusPoints: 0, points: 30, pendingPoints: 30, availablePoints: 0, qualifyingPoints: 30 });
    expect(d.programVersion).toBe(3);
    expect(d.rules).toEqual([{ ruleId: 'purchase', status: 'fired', computedPoints: 30, basePoints: 30, bonusPoints: 0 }]);
  });

  it('lots expire 12 months after earning, at the end of that month in the program zone', () => {
    const d = run(reference, member(), event({ type: 'purchase', amount: 100_000 }));
    // Earned 2025-03-10 Tehran → valid through 2026-03-31 → expires 2026-04-01 00:00 Tehran (UTC+3:30).
    expect(d.entries[0]!.expiresAt!.toISOString()).toBe('2026-03-31T20:30:00.000Z');
  });

  it('below one step earns nothing and says why', () => {
    const d = run(reference, member(), event({ type: 'purchase', amount: 99_999 }));
    expect(d.entries).toEqual([]);
    expect(d.rules[0]).toMatchObject({ status: 'skipped', reason: 'zero_points' });
    expect(run(reference, member(), event({ type: 'purchase', amount: 0 })).rules[0]).toMatchObject({ reason: 'condition_false' });
    expect(run(reference, member(), event({ type: 'purchase' })).rules[0]).toMatchObject({ reason: 'condition_false' });
  });

  it('the tier bonus applies to base points only, floored, as its own non-qualifying entry', () => {
    const d = run(reference, member({ tierId: 'gold' }), event({ type: 'purchase', amount: 2_500_000 }));
    // base 250; gold +15 % → floor(37.5) = 37
    expect(d.entries.map((e) => [e.component, e.points, e.qualifyingPoints])).toEqual([
      ['base', 250, 250],
      ['tier_bonus', 37, 0],
    ]);
    expect(d.totals).toMatchObject({ basePoints: 250, bonusPoints: 37, points: 287, qualifyingPoints: 250 });
    expect(d.entries[1]!.idempotencyKey).toBe('e1:purchase:tier_bonus');
    // Diamond 30 % of 5 review points = 1.5 → 1.
    expect(run(reference, member({ tierId: 'diamond' }), event({ type: 'review' })).totals).toMatchObject({ basePoints: 5, bonusPoints: 1 });
    // app-login opts out of the tier bonus.
    expect(run(reference, member({ tierId: 'diamond' }), event({ type: 'login' })).totals).toMatchObject({ basePoints: 1, bonusPoints: 0 });
  });

  it('non-purchase actions earn 5 each and are spendable at once', () => {
    for (const type of ['review', 'profile_completed', 'referral']) {
      const d = run(reference, member(), event({ type }));
      expect(d.totals).toMatchObject({ points: 5, availablePoints: 5, pendingPoints: 0 });
      expect(d.entries[0]!.pendingUntil).toBeNull();
    }
    expect(run(reference, member(), event({ type: 'unknown_thing' })).rules).toEqual([]);
  });

  it('app login earns 1 once a day, the day counted in the member time zone', () => {
    // 23:30 in Tehran on March 4 = 20:00 UTC March 4; 00:15 Tehran March 5 = 20:45 UTC March 4.
    const morning = new Date('2025-03-04T05:00:00Z'); // 08:30 Tehran, March 4
    const lateTehran = new Date('2025-03-04T20:00:00Z');
    const afterMidnightTehran = new Date('2025-03-04T20:45:00Z');
    const prior = [{ ruleId: 'app-login', at: morning, points: 1 }];

    const tehran = member({ timeZone: 'Asia/Tehran' });
    expect(run(reference, tehran, event({ type: 'login', occurredAt: lateTehran }), prior).rules[0]).toMatchObject({
      status: 'skipped',
      reason: 'limit_reached',
      detail: 'day limit of 1 time reached',
    });
    expect(run(reference, tehran, event({ type: 'login', occurredAt: afterMidnightTehran }), prior).totals.points).toBe(1);

    // The same instants for a member in UTC: both are on March 4.
    const utc = member({ timeZone: 'UTC' });
    expect(run(reference, utc, event({ type: 'login', occurredAt: afterMidnightTehran }), prior).rules[0]).toMatchObject({ reason: 'limit_reached' });

    // The windows handed to SQL are the Tehran day.
    const [w] = limitWindowsForEvent({ program: reference, member: tehran, eventType: 'login', at: lateTehran });
    expect(w).toMatchObject({ ruleId: 'app-login', period: 'day', start: new Date('2025-03-03T20:30:00Z'), end: new Date('2025-03-04T20:30:00Z'), timeZone: 'Asia/Tehran' });
  });

  it('members without a zone count in the program zone', () => {
    const windows = limitWindowsForEvent({ program: reference, member: { timeZone: null }, eventType: 'login', at: NOW });
    expect(windows[0]!.timeZone).toBe('Asia/Tehran');
    expect(() => limitWindowsForEvent({ program: reference, member: { timeZone: 'Bad/Zone' }, eventType: 'login', at: NOW })).toThrow(/unknown time zone/);
  });

  it('usage for a different period is not counted', () => {
    const e = event({ type: 'login' });
    const stale: RuleUsage[] = [{ ruleId: 'app-login', period: 'day', periodStart: new Date('2025-03-01T20:30:00Z'), timesFired: 5, points: 5 }];
    expect(evaluateEvent({ program: reference, programVersion: 1, member: member(), event: e, history: { usage: stale }, now: NOW }).totals.points).toBe(1);
  });

  it('lifetime limits: profile completion pays once', () => {
    const prior = [{ ruleId: 'profile-completion', at: new Date('2020-01-01T00:00:00Z'), points: 5 }];
    expect(run(reference, member(), event({ type: 'profile_completed' }), prior).rules[0]).toMatchObject({ reason: 'limit_reached' });
  });

  it('the decision is deterministic and writes nothing (dry-run)', () => {
    const input = { program: reference, programVersion: 1, member: member({ tierId: 'silver' }), event: event({ type: 'purchase', amount: 1_000_000 }), history: { usage: [] }, now: NOW };
    const frozen = structuredClone(input);
    expect(evaluateEvent(input)).toEqual(evaluateEvent(input));
    expect(input).toEqual(frozen);
  });
});

describe('limits, stacking and effects', () => {
  const base = exampleProgram('reference');
  const program = programWith(base, {
    earningRules: [
      { id: 'spend', trigger: 'purchase', effect: { type: 'per_amount_step', step: 100_000, points: 10 }, limits: [{ period: 'week', maxPoints: 100 }] },
      { id: 'cashback', trigger: 'purchase', effect: { type: 'percent', basisPoints: 150 }, stacking: 'highest' },
      { id: 'shoes', trigger: 'purchase', effect: { type: 'fixed', points: 40 }, stacking: 'highest', conditions: { field: 'event.properties.category', op: 'eq', value: 'shoes' } },
      {
        id: 'vip-day',
        trigger: 'purchase',
        effect: { type: 'fixed', points: 500 },
        stacking: 'exclusive',
        priority: 1,
        conditions: { field: 'member.attributes.vip', op: 'eq', value: true },
        activeFrom: '2025-03-01T00:00:00Z',
        activeUntil: '2025-04-01T00:00:00Z',
      },
      { id: 'promo', trigger: 'purchase', effect: { type: 'fixed', points: 50 }, stacking: 'exclusive', conditions: { field: 'member.attributes.vip', op: 'eq', value: true } },
    ],
  });

  it('stack rules add up; only the best highest-wins rule applies', () => {
    // 300,000: spend 30; cashback floor(300000 * 1.5 %) = 4500; shoes 40 → cashback wins.
    const d = run(program, member(), event({ type: 'purchase', amount: 300_000, properties: { category: 'shoes' } }));
    expect(d.rules.map((r) => [r.ruleId, r.status, r.reason ?? null])).toEqual([
      ['spend', 'fired', null],
      ['cashback', 'fired', null],
      ['shoes', 'skipped', 'outranked'],
      ['vip-day', 'skipped', 'condition_false'],
      ['promo', 'skipped', 'condition_false'],
    ]);
    expect(d.totals.basePoints).toBe(30 + 4500);
  });

  it('an exclusive rule applies alone; priority picks among exclusives', () => {
    const vip = member({ attributes: { vip: true } });
    const d = run(program, vip, event({ type: 'purchase', amount: 300_000 }));
    expect(d.entries.map((e) => e.ruleId)).toEqual(['vip-day']);
    expect(d.rules.find((r) => r.ruleId === 'promo')).toMatchObject({ reason: 'exclusive_rule_won', detail: 'exclusive rule "vip-day" applies alone' });
    expect(d.rules.find((r) => r.ruleId === 'spend')).toMatchObject({ reason: 'exclusive_rule_won' });
    // Outside its active window vip-day is inactive and promo wins.
    const april = run(program, vip, event({ type: 'purchase', amount: 300_000, occurredAt: new Date('2025-04-02T00:00:00Z') }));
    expect(april.entries.map((e) => e.ruleId)).toEqual(['promo']);
    expect(april.rules.find((r) => r.ruleId === 'vip-day')).toMatchObject({ reason: 'inactive' });
  });

  it('a points limit caps the award to what is left in the period', () => {
    const prior = [{ ruleId: 'spend', at: new Date('2025-03-09T10:00:00Z'), points: 80 }];
    const d = run(program, member(), event({ type: 'purchase', amount: 500_000 }), prior);
    expect(d.rules[0]).toMatchObject({ ruleId: 'spend', computedPoints: 50, basePoints: 20, cappedBy: 'week' });
    const full = run(program, member(), event({ type: 'purchase', amount: 500_000 }), [...prior, { ruleId: 'spend', at: new Date('2025-03-09T11:00:00Z'), points: 20 }]);
    expect(full.rules[0]).toMatchObject({ status: 'skipped', reason: 'limit_reached', detail: 'week limit of 100 points reached' });
  });

  it('a missing or non-integer amount is reported, not guessed', () => {
    expect(run(program, member(), event({ type: 'purchase', amount: 12.5 })).rules[0]).toMatchObject({ reason: 'missing_amount' });
  });
});

describe('the hotel program', () => {
  const hotel = exampleProgram('hotel');
  it('earns 10 points per dollar, the long-stay bonus without tier bonus', () => {
    const d = run(hotel, member({ tierId: 'gold', timeZone: 'America/New_York' }), event({ type: 'stay', amount: 45_678, properties: { nights: 5 } }));
    // $456.78 → 456 whole dollars → 4560 base; gold +15 % → 684; welcome 500 without bonus.
    expect(d.entries.map((e) => [e.ruleId, e.component, e.points])).toEqual([
      ['stay-spend', 'base', 4560],
      ['stay-spend', 'tier_bonus', 684],
      ['stay-welcome', 'base', 500],
    ]);
    // Inactivity expiry gives lots no date of their own.
    expect(d.entries.every((e) => e.expiresAt === null)).toBe(true);
  });
});
