import { describe, expect, it } from 'vitest';
import { evaluateSegment, type MemberFacts } from '../../../src/segments/index.js';

const now = new Date('2026-06-15T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

const member: MemberFacts = {
  id: 'm1',
  tierId: 'gold',
  locale: 'fa',
  attributes: { city: 'Tehran', age: 30, vip: true, nothing: null, nested: { a: 1 } },
  consent: { email: { marketing: true }, sms: { transactional: false } },
  lastActivityAt: daysAgo(10),
  balance: 1200,
  ledger: [
    { at: daysAgo(5), qualifyingPoints: 300 },
    { at: daysAgo(100), qualifyingPoints: 900 },
  ],
  events: [
    { type: 'purchase', occurredAt: daysAgo(3), amount: 500_000 },
    { type: 'refund', occurredAt: daysAgo(2), amount: 200_000 },
    { type: 'purchase', occurredAt: daysAgo(40), amount: 1_000_000 },
    { type: 'review', occurredAt: daysAgo(1), amount: null },
  ],
};

const holds = (segment: Parameters<typeof evaluateSegment>[0]) => evaluateSegment(segment, member, { now });

describe('evaluateSegment (the reference semantics)', () => {
  it('tier, locale, balance', () => {
    expect(holds({ tier: { in: ['gold'] } })).toBe(true);
    expect(holds({ locale: { in: ['en'] } })).toBe(false);
    expect(holds({ balance: { op: 'gte', value: 1200 } })).toBe(true);
    expect(holds({ balance: { op: 'gt', value: 1200 } })).toBe(false);
  });

  it('windows are half-open and rolling from now', () => {
    expect(holds({ qualifyingPoints: { op: 'eq', value: 300, window: { days: 30 } } })).toBe(true);
    expect(holds({ qualifyingPoints: { op: 'eq', value: 1200, window: { days: 365 } } })).toBe(true);
    expect(holds({ qualifyingPoints: { op: 'eq', value: 0, window: { from: daysAgo(6).toISOString(), to: daysAgo(5).toISOString() } } })).toBe(true);
  });

  it('spend is purchases minus refunds in the window', () => {
    expect(holds({ spend: { op: 'eq', value: 300_000, window: { days: 30 } } })).toBe(true);
    expect(holds({ spend: { op: 'eq', value: 1_300_000, window: { days: 60 } } })).toBe(true);
  });

  it('event counts by type', () => {
    expect(holds({ eventCount: { op: 'eq', value: 2, type: 'purchase', window: { days: 60 } } })).toBe(true);
    expect(holds({ eventCount: { op: 'eq', value: 0, type: 'login', window: { days: 60 } } })).toBe(true);
  });

  it('last activity within / not within; never active is not within', () => {
    expect(holds({ lastActivity: { op: 'within', days: 30 } })).toBe(true);
    expect(holds({ lastActivity: { op: 'not_within', days: 5 } })).toBe(true);
    expect(evaluateSegment({ lastActivity: { op: 'not_within', days: 5 } }, { ...member, lastActivityAt: null }, { now })).toBe(true);
  });

  it('attributes: scalars only, missing keys are not equal, numbers only compare as numbers', () => {
    expect(holds({ attribute: { key: 'city', op: 'eq', value: 'Tehran' } })).toBe(true);
    expect(holds({ attribute: { key: 'age', op: 'eq', value: '30' } })).toBe(false);
    expect(holds({ attribute: { key: 'missing', op: 'neq', value: 'x' } })).toBe(true);
    expect(holds({ attribute: { key: 'nothing', op: 'exists' } })).toBe(true);
    expect(holds({ attribute: { key: 'nothing', op: 'eq', value: false } })).toBe(false);
    expect(holds({ attribute: { key: 'vip', op: 'in', values: [true, 'yes'] } })).toBe(true);
    expect(holds({ attribute: { key: 'age', op: 'gte', value: 18 } })).toBe(true);
    expect(holds({ attribute: { key: 'city', op: 'gte', value: 0 } })).toBe(false);
    expect(holds({ attribute: { key: 'nested', op: 'eq', value: 1 } })).toBe(false);
  });

  it('consent mirrors the delivery policy', () => {
    expect(holds({ consent: { channel: 'email', kind: 'marketing', granted: true } })).toBe(true);
    expect(holds({ consent: { channel: 'sms', kind: 'marketing', granted: true } })).toBe(false);
    expect(holds({ consent: { channel: 'sms', kind: 'transactional', granted: false } })).toBe(true);
    expect(holds({ consent: { channel: 'inbox', kind: 'transactional', granted: true } })).toBe(true);
  });

  it('all, any, not', () => {
    expect(holds({ all: [{ tier: { in: ['gold'] } }, { not: { locale: { in: ['en'] } } }] })).toBe(true);
    expect(holds({ any: [{ tier: { in: ['bronze'] } }, { locale: { in: ['en'] } }] })).toBe(false);
  });
});
