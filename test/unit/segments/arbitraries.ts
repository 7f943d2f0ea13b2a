import fc from 'fast-check';
import type { AttributeCondition, Comparison, ComparisonOp, Segment, TimeWindow } from '../../../src/segments/index.js';

/**
 * Random segments. Every string value carries the marker `zq` plus a random tail and every number
 * has at least two digits, so a test can look for any of them in compiled SQL text.
 */
export const MARK = 'zq';
const ops: ComparisonOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

export const markedName = fc.stringMatching(/^[a-z0-9_]{2,8}$/).map((s) => `${MARK}${s}`);
const markedText = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `${MARK}${s}'";--`);
const bigNumber = fc.oneof(fc.integer({ min: 10, max: 1_000_000_000 }), fc.integer({ min: -1_000_000_000, max: -10 }));

const comparison: fc.Arbitrary<Comparison> = fc.record({ op: fc.constantFrom(...ops), value: bigNumber });
const window: fc.Arbitrary<TimeWindow> = fc.oneof(
  fc.record({ days: fc.integer({ min: 1, max: 3660 }) }),
  fc
    .tuple(fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), fc.integer({ min: 1, max: 10_000_000_000 }))
    .map(([from, span]) => ({ from: from.toISOString(), to: new Date(from.getTime() + span).toISOString() })),
);
const attributeKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/).map((s) => `${MARK}${s}`);
const scalar = fc.oneof(markedText, bigNumber, fc.boolean());
const attribute: fc.Arbitrary<AttributeCondition> = fc.oneof(
  fc.record({ key: attributeKey, op: fc.constantFrom('eq' as const, 'neq' as const), value: scalar }),
  fc.record({ key: attributeKey, op: fc.constant('in' as const), values: fc.array(scalar, { minLength: 1, maxLength: 4 }) }),
  fc.record({ key: attributeKey, op: fc.constantFrom('exists' as const, 'not_exists' as const) }),
  fc.record({ key: attributeKey, op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const), value: bigNumber }),
);

export const leaf: fc.Arbitrary<Segment> = fc.oneof(
  fc.record({ tier: fc.record({ in: fc.array(markedName, { minLength: 1, maxLength: 4 }) }) }),
  fc.record({ locale: fc.record({ in: fc.array(fc.constantFrom('en', 'fa', 'fa-IR', 'de'), { minLength: 1, maxLength: 3 }) }) }),
  fc.record({ balance: comparison }),
  fc.record({ qualifyingPoints: fc.tuple(comparison, window).map(([c, w]) => ({ ...c, window: w })) }),
  fc.record({ spend: fc.tuple(comparison, window).map(([c, w]) => ({ ...c, window: w })) }),
  fc.record({ eventCount: fc.tuple(comparison, window, markedName).map(([c, w, type]) => ({ ...c, type, window: w })) }),
  fc.record({ lastActivity: fc.record({ op: fc.constantFrom('within' as const, 'not_within' as const), days: fc.integer({ min: 10, max: 3660 }) }) }),
  fc.record({ attribute }),
  fc.record({ consent: fc.record({ channel: fc.constantFrom('email' as const, 'sms' as const, 'inbox' as const), kind: fc.constantFrom('marketing' as const, 'transactional' as const), granted: fc.boolean() }) }),
);

/** Trees of depth at most `depth` (counted like SEGMENT_LIMITS.maxDepth). */
export function segmentTree(depth: number, leaves: fc.Arbitrary<Segment> = leaf): fc.Arbitrary<Segment> {
  const { tree } = fc.letrec<{ tree: Segment; node: Segment }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', maxDepth: depth - 1 }, leaves, tie('node')),
    node: fc.oneof(
      fc.record({ all: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie('tree') }),
    ),
  }));
  return tree;
}

/** Every value a segment carries (strings and numbers), for "never in the SQL text" checks. */
export function valuesOf(segment: Segment): (string | number)[] {
  const out: (string | number)[] = [];
  const visit = (value: unknown, key: string | null): void => {
    if (typeof value === 'string') {
      // Operator names, channels, kinds and locales are enum values, not user data.
      if (key !== 'op' && key !== 'channel' && key !== 'kind' && !(key === 'in' && /^[a-z]{2}(-[A-Z]{2})?$/.test(value))) out.push(value);
    } else if (typeof value === 'number') out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => visit(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(segment, null);
  return out;
}
