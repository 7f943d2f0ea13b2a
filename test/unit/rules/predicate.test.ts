import { describe, expect, it } from 'vitest';
import { evaluatePredicate, resolveField } from '../../../src/rules/index.js';
import type { Predicate } from '../../../src/program/index.js';
import type { PredicateContext } from '../../../src/rules/index.js';

const ctx: PredicateContext = {
  event: { type: 'purchase', amount: 250_000, occurredAt: '2025-03-04T20:00:00.000Z', properties: { category: 'shoes', tags: ['sale', 'vip'], nested: { level: 3 } } },
  member: { tierId: 'gold', attributes: { city: 'Tehran', score: null } },
};

describe('predicate evaluation', () => {
  it('compares numbers and strings with each op', () => {
    expect(evaluatePredicate({ field: 'event.amount', op: 'gte', value: 250_000 }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'event.amount', op: 'gt', value: 250_000 }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'event.amount', op: 'lt', value: 300_000 }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'event.amount', op: 'lte', value: 249_999 }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'event.occurredAt', op: 'gte', value: '2025-03-01' }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'member.tierId', op: 'eq', value: 'gold' }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'member.tierId', op: 'ne', value: 'gold' }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'member.tierId', op: 'in', value: ['silver', 'gold'] }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'event.properties.tags', op: 'contains', value: 'vip' }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'member.attributes.city', op: 'contains', value: 'ehr' }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'event.properties.tags.1', op: 'eq', value: 'vip' }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'event.properties.nested.level', op: 'eq', value: 3 }, ctx)).toBe(true);
  });

  it('never coerces types', () => {
    expect(evaluatePredicate({ field: 'event.amount', op: 'eq', value: '250000' }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'event.amount', op: 'gt', value: '1' }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'member.tierId', op: 'gt', value: 1 }, ctx)).toBe(false);
  });

  it('treats missing and null fields predictably', () => {
    expect(evaluatePredicate({ field: 'event.properties.color', op: 'exists' }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'event.properties.color', op: 'exists', value: false }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'member.attributes.score', op: 'exists' }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'event.properties.color', op: 'ne', value: 'red' }, ctx)).toBe(true);
    expect(evaluatePredicate({ field: 'event.properties.color', op: 'eq', value: null }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'member.attributes.score', op: 'eq', value: null }, ctx)).toBe(true);
  });

  it('combines with all / any / not', () => {
    const p: Predicate = {
      all: [
        { field: 'event.type', op: 'eq', value: 'purchase' },
        { any: [{ field: 'member.tierId', op: 'eq', value: 'diamond' }, { not: { field: 'event.properties.category', op: 'in', value: ['food'] } }] },
      ],
    };
    expect(evaluatePredicate(p, ctx)).toBe(true);
    expect(evaluatePredicate({ all: [] }, ctx)).toBe(true);
    expect(evaluatePredicate({ any: [] }, ctx)).toBe(false);
  });

  it('never reaches the prototype chain', () => {
    expect(resolveField(ctx, 'event.__proto__')).toBeUndefined();
    expect(resolveField(ctx, 'event.constructor')).toBeUndefined();
    expect(resolveField(ctx, 'event.properties.toString')).toBeUndefined();
    expect(resolveField(ctx, 'event.properties.tags.length')).toBeUndefined();
    expect(evaluatePredicate({ field: 'event.constructor.name', op: 'exists' }, ctx)).toBe(false);
    expect(evaluatePredicate({ field: 'event.properties.hasOwnProperty', op: 'exists' }, ctx)).toBe(false);
    // A class instance (or Date) in the data is opaque: no getters run, nothing below it resolves.
    let touched = false;
    class Sneaky {
      get secret() {
        touched = true;
        return 1;
      }
    }
    const sneaky: PredicateContext = { event: { properties: { obj: new Sneaky(), when: new Date(0) } }, member: {} };
    expect(resolveField(sneaky, 'event.properties.obj.secret')).toBeUndefined();
    expect(resolveField(sneaky, 'event.properties.when.getTime')).toBeUndefined();
    expect(touched).toBe(false);
    // JSON-parsed "__proto__" keys are own data and still never resolved.
    const parsed = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>;
    expect(resolveField({ event: { properties: parsed }, member: {} }, 'event.properties.__proto__.admin')).toBeUndefined();
  });
});
