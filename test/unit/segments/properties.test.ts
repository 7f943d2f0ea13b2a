import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSegment, compileSegmentPage, evaluateSegment, safeParseSegment, SEGMENT_LIMITS, type MemberFacts, type Segment } from '../../../src/segments/index.js';
import { MARK, segmentTree, valuesOf } from './arbitraries.js';

const now = new Date('2026-06-15T12:00:00Z');
const trees = segmentTree(SEGMENT_LIMITS.maxDepth - 1);

function placeholders(sql: string): number[] {
  return [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
}

describe('segment compilation properties', () => {
  it('every generated segment is a valid document', () => {
    fc.assert(fc.property(trees, (segment) => {
          expect(safeParseSegment(JSON.parse(JSON.stringify(segment)))).toMatchObject({ ok: true });
        }), { numRuns: 300 });
  });

  it('placeholders are exactly $1..$n for n params, each used', () => {
    fc.assert(
      fc.property(trees, (segment) => {
        const { sql, params } = compileSegment(segment, { now });
        const used = new Set(placeholders(sql));
        expect([...used].sort((a, b) => a - b)).toEqual(Array.from({ length: params.length }, (_, i) => i + 1));
      }),
      { numRuns: 500 },
    );
  });

  it('no value of the document appears in the SQL text; the text holds no literal but 0', () => {
    fc.assert(
      fc.property(trees, (segment) => {
        const { sql } = compileSegment(segment, { now });
        const text = sql.replace(/\$\d+/g, '$');
        expect(text).not.toContain(MARK);
        for (const value of valuesOf(segment)) expect(text).not.toContain(String(value));
        expect(text.replace(/\b0\b/g, '')).not.toMatch(/\d/);
        // Quotes only around the compiler's own constants.
        const quoted = [...text.matchAll(/'([^']*)'/g)].map((m) => m[1]);
        for (const q of quoted) expect(['number', 'marketing', 'true', 'transactional', 'false', 'refund', 'purchase']).toContain(q);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and pure (same input, same output; input untouched)', () => {
    fc.assert(
      fc.property(trees, (segment) => {
        const before = JSON.stringify(segment);
        expect(compileSegment(segment, { now })).toEqual(compileSegment(segment, { now }));
        expect(JSON.stringify(segment)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  it('paging adds the cursor and limit as the last two parameters', () => {
    fc.assert(
      fc.property(trees, fc.string(), fc.integer({ min: 1, max: 5000 }), (segment, after, limit) => {
        const base = compileSegment(segment, { now });
        const page = compileSegmentPage(segment, { now, after, limit });
        expect(page.params).toEqual([...base.params, after, limit]);
        expect(page.sql.endsWith(`AND m.id > $${base.params.length + 1} ORDER BY m.id LIMIT $${base.params.length + 2}`)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

const facts: fc.Arbitrary<MemberFacts> = fc.record({
  id: fc.string(),
  tierId: fc.constantFrom('bronze', 'gold'),
  locale: fc.constantFrom('en', 'fa'),
  attributes: fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
  consent: fc.constant({}),
  lastActivityAt: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
  balance: fc.integer(),
  ledger: fc.constant([]),
  events: fc.constant([]),
});

describe('evaluator algebra', () => {
  it('not(not x) = x, De Morgan, all/any of one = that one', () => {
    fc.assert(
      fc.property(segmentTree(3), segmentTree(3), facts, (a, b, m) => {
        const ev = (s: Segment) => evaluateSegment(s, m, { now });
        expect(ev({ not: { not: a } })).toBe(ev(a));
        expect(ev({ not: { all: [a, b] } })).toBe(ev({ any: [{ not: a }, { not: b }] }));
        expect(ev({ all: [a] })).toBe(ev(a));
        expect(ev({ any: [a] })).toBe(ev(a));
      }),
      { numRuns: 300 },
    );
  });
});
