import { describe, expect, it } from 'vitest';
import { compileSegment, compileSegmentCount, compileSegmentPage, compileSegmentPredicate, type Segment } from '../../../src/segments/index.js';

const now = new Date('2026-06-15T12:00:00Z');
const DAY = 86_400_000;

describe('compileSegment', () => {
  it('selects member ids with every value as a parameter', () => {
    const { sql, params } = compileSegment({ tier: { in: ['gold', 'diamond'] } }, { now });
    expect(sql).toBe('SELECT m.id FROM members m WHERE (m.tier_id = ANY($1::text[]))');
    expect(params).toEqual([['gold', 'diamond']]);
  });

  it('combines all/any/not with parentheses and numbers placeholders in order', () => {
    const { sql, params } = compileSegment(
      { all: [{ balance: { op: 'gte', value: 100 } }, { any: [{ locale: { in: ['fa'] } }, { not: { lastActivity: { op: 'within', days: 30 } } }] }] },
      { now },
    );
    expect(sql).toContain('(m.locale = ANY($2::text[])) OR (NOT (coalesce((SELECT lb.last_activity_at FROM member_balances lb WHERE lb.member_id = m.id) >= $3, false)))');
    expect(sql).toMatch(/^SELECT m\.id FROM members m WHERE \(\(coalesce\(\(SELECT b\.available FROM member_balances b WHERE b\.member_id = m\.id\), 0\) >= \$1\) AND/);
    expect(params).toEqual([100, ['fa'], new Date(now.getTime() - 30 * DAY)]);
  });

  it('maps every comparison operator from a fixed table', () => {
    const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' } as const;
    for (const [op, sqlOp] of Object.entries(ops)) {
      const { sql } = compileSegment({ balance: { op: op as keyof typeof ops, value: 5 } }, { now });
      expect(sql).toContain(`, 0) ${sqlOp} $1)`);
    }
  });

  it('resolves rolling windows against now and fixed windows as given', () => {
    const rolling = compileSegment({ qualifyingPoints: { op: 'gte', value: 500, window: { days: 90 } } }, { now });
    expect(rolling.sql).toContain('le.at >= $1 AND le.at < $2');
    expect(rolling.params).toEqual([new Date(now.getTime() - 90 * DAY), now, 500]);
    const fixed = compileSegment({ eventCount: { op: 'gte', value: 3, type: 'review', window: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00+03:30' } } }, { now });
    expect(fixed.params).toEqual(['review', new Date('2026-01-01T00:00:00Z'), new Date('2026-01-31T20:30:00Z'), 3]);
  });

  it('computes spend net of refunds over purchases and refunds only', () => {
    const { sql } = compileSegment({ spend: { op: 'gte', value: 1_000_000, window: { days: 30 } } }, { now });
    expect(sql).toContain("e.type IN ('purchase', 'refund')");
    expect(sql).toContain("CASE WHEN e.type = 'refund' THEN -coalesce(e.amount, 0)");
  });

  it('compiles attribute conditions with JSON parameters and a number guard', () => {
    expect(compileSegment({ attribute: { key: 'city', op: 'eq', value: 'Tehran' } }, { now }).params).toEqual(['city', '"Tehran"']);
    expect(compileSegment({ attribute: { key: 'n', op: 'in', values: ['a', 1, false] } }, { now }).params).toEqual(['n', ['"a"', '1', 'false']]);
    const numeric = compileSegment({ attribute: { key: 'age', op: 'gte', value: 18 } }, { now });
    expect(numeric.sql).toContain("CASE WHEN jsonb_typeof(m.attributes -> $1) = 'number' THEN (m.attributes ->> $1)::numeric >= $2::numeric ELSE false END");
    expect(compileSegment({ attribute: { key: 'vip', op: 'not_exists' } }, { now }).sql).toContain('NOT jsonb_exists(m.attributes, $1)');
  });

  it('compiles consent like the delivery policy: marketing needs opt-in, transactional unless refused', () => {
    const marketing = compileSegment({ consent: { channel: 'email', kind: 'marketing', granted: true } }, { now });
    expect(marketing.sql).toContain(`coalesce(m.consent -> $1 -> 'marketing' = 'true'::jsonb, false)`);
    const transactional = compileSegment({ consent: { channel: 'sms', kind: 'transactional', granted: false } }, { now });
    expect(transactional.sql).toContain(`(NOT NOT coalesce(m.consent -> $1 -> 'transactional' = 'false'::jsonb, false))`);
  });

  it('counts, and pages by keyset after a cursor', () => {
    expect(compileSegmentCount({ tier: { in: ['gold'] } }, { now }).sql).toBe('SELECT count(*)::bigint AS n FROM members m WHERE (m.tier_id = ANY($1::text[]))');
    const first = compileSegmentPage({ tier: { in: ['gold'] } }, { now, after: null, limit: 500 });
    expect(first.sql).toBe('SELECT m.id FROM members m WHERE (m.tier_id = ANY($1::text[])) ORDER BY m.id LIMIT $2');
    expect(first.params).toEqual([['gold'], 500]);
    const next = compileSegmentPage({ tier: { in: ['gold'] } }, { now, after: 'm-0499', limit: 500, extra: (p) => `m.id <> ${p.add('x')}` });
    expect(next.sql).toBe('SELECT m.id FROM members m WHERE (m.tier_id = ANY($1::text[])) AND m.id <> $2 AND m.id > $3 ORDER BY m.id LIMIT $4');
    expect(next.params).toEqual([['gold'], 'x', 'm-0499', 500]);
  });

  it('numbers a predicate after an offset for embedding', () => {
    const { where, params } = compileSegmentPredicate({ balance: { op: 'gt', value: 7 } } satisfies Segment, { now, paramOffset: 3 });
    expect(where).toContain('> $4)');
    expect(params).toEqual([7]);
  });
});
