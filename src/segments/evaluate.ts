import type { AttributeCondition, Comparison, Segment } from './schema.js';
import { daysBefore, resolveWindow } from './window.js';

/**
 * A reference evaluator over an in-memory snapshot of a member, with exactly the semantics of the
 * compiled SQL. Tests compare the two on the same rows; previews of a single member may use it.
 */
export interface MemberFacts {
  id: string;
  tierId: string;
  locale: string;
  attributes: Readonly<Record<string, unknown>>;
  consent: Readonly<Record<string, unknown>>;
  lastActivityAt: Date | null;
  /** Spendable balance (member_balances.available); a member without a balance row has 0. */
  balance: number;
  ledger: readonly { at: Date; qualifyingPoints: number }[];
  events: readonly { type: string; occurredAt: Date; amount: number | null }[];
}

function compare(actual: number, comparison: Comparison): boolean {
  switch (comparison.op) {
    case 'gt':
      return actual > comparison.value;
    case 'gte':
      return actual >= comparison.value;
    case 'lt':
      return actual < comparison.value;
    case 'lte':
      return actual <= comparison.value;
    case 'eq':
      return actual === comparison.value;
    case 'neq':
      return actual !== comparison.value;
  }
}

function within(at: Date, range: { from: Date; to: Date }): boolean {
  return at.getTime() >= range.from.getTime() && at.getTime() < range.to.getTime();
}

function scalarEquals(a: unknown, b: unknown): boolean {
  return a !== undefined && a !== null && typeof a !== 'object' && typeof a === typeof b && a === b;
}

function attributeHolds(attributes: Readonly<Record<string, unknown>>, condition: AttributeCondition): boolean {
  const present = Object.hasOwn(attributes, condition.key);
  const value = present ? attributes[condition.key] : undefined;
  switch (condition.op) {
    case 'eq':
      return scalarEquals(value, condition.value);
    case 'neq':
      return !scalarEquals(value, condition.value);
    case 'in':
      return condition.values.some((candidate) => scalarEquals(value, candidate));
    case 'exists':
      return present;
    case 'not_exists':
      return !present;
    default:
      return typeof value === 'number' && compare(value, { op: condition.op, value: condition.value });
  }
}

function consentValue(consent: Readonly<Record<string, unknown>>, channel: string, kind: string): unknown {
  const perChannel = consent[channel];
  return perChannel !== null && typeof perChannel === 'object' && !Array.isArray(perChannel) ? (perChannel as Record<string, unknown>)[kind] : undefined;
}

export function evaluateSegment(segment: Segment, member: MemberFacts, options: { now: Date }): boolean {
  const now = options.now;
  if ('all' in segment) return segment.all.every((child) => evaluateSegment(child, member, options));
  if ('any' in segment) return segment.any.some((child) => evaluateSegment(child, member, options));
  if ('not' in segment) return !evaluateSegment(segment.not, member, options);
  if ('tier' in segment) return segment.tier.in.includes(member.tierId);
  if ('locale' in segment) return segment.locale.in.includes(member.locale);
  if ('balance' in segment) return compare(member.balance, segment.balance);
  if ('qualifyingPoints' in segment) {
    const range = resolveWindow(segment.qualifyingPoints.window, now);
    return compare(member.ledger.filter((e) => within(e.at, range)).reduce((sum, e) => sum + e.qualifyingPoints, 0), segment.qualifyingPoints);
  }
  if ('spend' in segment) {
    const range = resolveWindow(segment.spend.window, now);
    const spend = member.events
      .filter((e) => (e.type === 'purchase' || e.type === 'refund') && within(e.occurredAt, range))
      .reduce((sum, e) => sum + (e.type === 'refund' ? -(e.amount ?? 0) : (e.amount ?? 0)), 0);
    return compare(spend, segment.spend);
  }
  if ('eventCount' in segment) {
    const range = resolveWindow(segment.eventCount.window, now);
    const { type } = segment.eventCount;
    return compare(member.events.filter((e) => e.type === type && within(e.occurredAt, range)).length, segment.eventCount);
  }
  if ('lastActivity' in segment) {
    const active = member.lastActivityAt !== null && member.lastActivityAt.getTime() >= daysBefore(now, segment.lastActivity.days).getTime();
    return segment.lastActivity.op === 'within' ? active : !active;
  }
  if ('attribute' in segment) return attributeHolds(member.attributes, segment.attribute);
  const { channel, kind, granted } = segment.consent;
  const value = consentValue(member.consent, channel, kind);
  const allowed = kind === 'marketing' ? value === true : value !== false;
  return granted ? allowed : !allowed;
}
