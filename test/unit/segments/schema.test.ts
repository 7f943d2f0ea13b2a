import { describe, expect, it } from 'vitest';
import { LaurelError } from '../../../src/errors/index.js';
import { parseSegment, safeParseSegment, SEGMENT_LIMITS, type Segment } from '../../../src/segments/index.js';

function issuesOf(value: unknown): { path: string; message: string }[] {
  const result = safeParseSegment(value);
  if (result.ok) throw new Error('expected invalid');
  return result.issues;
}

describe('segment schema', () => {
  it('accepts every operator', () => {
    const doc: Segment = {
      all: [
        { tier: { in: ['gold', 'diamond'] } },
        { locale: { in: ['fa', 'fa-IR'] } },
        { balance: { op: 'gte', value: 1000 } },
        { qualifyingPoints: { op: 'gt', value: 500, window: { days: 90 } } },
        { spend: { op: 'gte', value: 2_000_000, window: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' } } },
        { eventCount: { op: 'gte', value: 3, type: 'purchase', window: { days: 30 } } },
        { lastActivity: { op: 'not_within', days: 60 } },
        { attribute: { key: 'city', op: 'eq', value: 'Tehran' } },
        { attribute: { key: 'age', op: 'gte', value: 18 } },
        { attribute: { key: 'vip', op: 'exists' } },
        { attribute: { key: 'store', op: 'in', values: ['a', 2, true] } },
        { consent: { channel: 'email', kind: 'marketing', granted: true } },
        { any: [{ not: { tier: { in: ['bronze'] } } }] },
      ],
    };
    expect(parseSegment(doc)).toEqual(doc);
  });

  it('defaults consent to a marketing opt-in', () => {
    expect(parseSegment({ consent: { channel: 'sms' } })).toEqual({ consent: { channel: 'sms', kind: 'marketing', granted: true } });
  });

  it('names the path of a bad leaf deep in the tree', () => {
    const issues = issuesOf({ all: [{ tier: { in: ['gold'] } }, { any: [{ balance: { op: 'gte', value: 1.5 } }] }] });
    expect(issues.map((i) => i.path)).toEqual(['all.1.any.0.balance.value']);
  });

  it('rejects a node with no operator or two operators, naming it', () => {
    expect(issuesOf({ all: [{}] })[0]).toMatchObject({ path: 'all.0', message: expect.stringContaining('expected one of') });
    expect(issuesOf({ not: { tier: { in: ['gold'] }, balance: { op: 'gt', value: 1 } } })[0]).toMatchObject({ path: 'not', message: expect.stringContaining('exactly one operator') });
  });

  it('rejects unknown operators and unknown fields', () => {
    expect(issuesOf({ sql: 'DROP TABLE members' }).some((i) => i.path === '(root)' || i.path === 'sql')).toBe(true);
    expect(issuesOf({ balance: { op: 'gte', value: 1, column: 'id' } }).map((i) => i.path)).toEqual(['balance']);
    expect(issuesOf({ balance: { op: 'like', value: 1 } }).map((i) => i.path)).toEqual(['balance.op']);
  });

  it('rejects identifiers that are not plain names', () => {
    expect(issuesOf({ attribute: { key: "a'; DROP TABLE x; --", op: 'exists' } }).map((i) => i.path)).toEqual(['attribute.key']);
    expect(issuesOf({ eventCount: { op: 'gt', value: 1, type: 'Purchase', window: { days: 1 } } }).map((i) => i.path)).toEqual(['eventCount.type']);
    expect(issuesOf({ tier: { in: ['Gold Tier'] } }).map((i) => i.path)).toEqual(['tier.in.0']);
  });

  it('checks windows: whole days in range, from before to', () => {
    expect(issuesOf({ spend: { op: 'gt', value: 1, window: { days: 0 } } }).length).toBeGreaterThan(0);
    expect(issuesOf({ spend: { op: 'gt', value: 1, window: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } } }).length).toBeGreaterThan(0);
  });

  it('requires numeric comparisons of attributes to carry numbers', () => {
    expect(issuesOf({ attribute: { key: 'age', op: 'gt', value: '18' } }).length).toBeGreaterThan(0);
  });

  it('rejects empty all/any', () => {
    expect(issuesOf({ any: [] })[0]!.path).toBe('any');
  });

  it('limits depth and size', () => {
    let deep: Segment = { tier: { in: ['gold'] } };
    for (let i = 0; i < SEGMENT_LIMITS.maxDepth; i++) deep = { not: deep };
    expect(issuesOf(deep)[0]!.message).toContain('nest at most');
    const wide = { any: Array.from({ length: 120 }, () => ({ all: [{ tier: { in: ['gold'] } }] })) };
    expect(issuesOf(wide)[0]!.message).toContain('at most');
  });

  it('throws invalid_segment with the prefixed path and every issue', () => {
    try {
      parseSegment({ all: [{ balance: { op: 'gte' } }, { tier: { in: [] } }] }, 'body.definition');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LaurelError);
      const e = err as LaurelError;
      expect(e.code).toBe('invalid_segment');
      expect(e.message).toMatch(/^body\.definition\.all\.0\.balance\.value: /);
      expect((e.details!.issues as { path: string }[]).map((i) => i.path)).toEqual(['body.definition.all.0.balance.value', 'body.definition.all.1.tier.in']);
    }
  });
});
