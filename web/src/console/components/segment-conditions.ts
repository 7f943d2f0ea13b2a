import type { Segment } from '../../shared/api/types.js';

/** The leaf conditions the builder offers, each with the document it starts from. */
export const CONDITION_OPS = ['tier', 'locale', 'balance', 'qualifyingPoints', 'spend', 'eventCount', 'lastActivity', 'attribute', 'consent'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export interface ConditionRowState {
  id: number;
  negate: boolean;
  node: Segment;
}

export function defaultCondition(op: ConditionOp): Segment {
  switch (op) {
    case 'tier':
      return { tier: { in: ['gold'] } };
    case 'locale':
      return { locale: { in: ['fa'] } };
    case 'balance':
      return { balance: { op: 'gte', value: 100 } };
    case 'qualifyingPoints':
      return { qualifyingPoints: { op: 'gte', value: 100, window: { days: 90 } } };
    case 'spend':
      return { spend: { op: 'gte', value: 1_000_000, window: { days: 30 } } };
    case 'eventCount':
      return { eventCount: { op: 'gte', value: 1, type: 'purchase', window: { days: 30 } } };
    case 'lastActivity':
      return { lastActivity: { op: 'within', days: 30 } };
    case 'attribute':
      return { attribute: { key: 'city', op: 'eq', value: 'Tehran' } };
    case 'consent':
      return { consent: { channel: 'email', kind: 'marketing', granted: true } };
  }
}

export function opOf(node: Segment): ConditionOp {
  return Object.keys(node)[0] as ConditionOp;
}

/** The document the rows make: all/any over the rows, a row wrapped in not when negated. */
export function documentOf(match: 'all' | 'any', rows: readonly ConditionRowState[]): Segment {
  const nodes = rows.map((r) => (r.negate ? { not: r.node } : r.node));
  return match === 'all' ? { all: nodes } : { any: nodes };
}
