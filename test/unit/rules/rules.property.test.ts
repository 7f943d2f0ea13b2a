import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Predicate } from '../../../src/program/index.js';
import { PREDICATE_OPERATORS } from '../../../src/program/index.js';
import { evaluateEvent, evaluatePredicate, resolveField } from '../../../src/rules/index.js';
import { exampleProgram } from './helpers.js';

const reference = exampleProgram('reference');
const NOW = new Date('2025-03-10T12:00:00Z');

describe('earning math properties', () => {
  it('purchase points are floor(amount / 100,000) x 10 plus the floored tier bonus on base only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e13 }), fc.constantFrom('bronze', 'silver', 'gold', 'diamond'), (amount, tierId) => {
        const d = evaluateEvent({
          program: reference,
          programVersion: 1,
          member: { id: 'm', tierId, timeZone: 'Asia/Tehran' },
          event: { id: 'e', type: 'purchase', occurredAt: NOW, amount },
          history: { usage: [] },
          now: NOW,
        });
        const base = Math.floor(amount / 100_000) * 10;
        const percent = reference.tiers.find((t) => t.id === tierId)!.benefits.earnBonusPercent;
        expect(d.totals.basePoints).toBe(base);
        expect(d.totals.bonusPoints).toBe(Math.floor((base * percent) / 100));
        expect(d.totals.qualifyingPoints).toBe(base);
        for (const e of d.entries) expect(Number.isSafeInteger(e.points) && e.points > 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('predicate safety properties', () => {
  const segment = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'length', '0', 'a', 'b'), fc.string({ maxLength: 6 }));
  const path = fc.tuple(fc.constantFrom('event', 'member'), fc.array(segment, { minLength: 1, maxLength: 4 })).map(([root, rest]) => [root, ...rest].join('.'));
  const leaf: fc.Arbitrary<Predicate> = fc.record({
    field: path,
    op: fc.constantFrom(...PREDICATE_OPERATORS),
    value: fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 })),
  });
  const predicate = fc.letrec<{ p: Predicate }>((tie) => ({
    p: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ all: fc.array(tie('p'), { maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('p'), { maxLength: 3 }) }),
      fc.record({ not: tie('p') }),
    ),
  })).p;

  it('never throws on arbitrary data and never resolves anything through a prototype', () => {
    fc.assert(
      fc.property(predicate, fc.jsonValue(), fc.jsonValue(), (p, eventData, memberData) => {
        const context = { event: { properties: eventData, a: eventData }, member: { attributes: memberData, b: memberData } };
        expect(typeof evaluatePredicate(p, context)).toBe('boolean');
        for (const bad of ['event.__proto__', 'event.a.constructor', 'member.b.prototype', 'event.properties.__proto__.x']) {
          expect(resolveField(context, bad)).toBeUndefined();
        }
      }),
      { numRuns: 500 },
    );
  });
});
