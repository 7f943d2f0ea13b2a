import { FORBIDDEN_PATH_SEGMENTS } from '../program/predicate-schema.js';
import type { FieldPredicate, Predicate, PredicateValue } from '../program/predicate-schema.js';

/** What a condition sees: `event.*` and `member.*`, plain JSON-like data only. */
export interface PredicateContext {
  readonly event: Readonly<Record<string, unknown>>;
  readonly member: Readonly<Record<string, unknown>>;
}

const MISSING = Symbol('missing');
type Resolved = unknown | typeof MISSING;

/**
 * Walks own data properties of plain objects and arrays only: no prototype lookups, no getters
 * on class instances, no `__proto__` / `constructor` / `prototype` segments. Anything else is
 * "missing", never an error, so a condition on absent data is simply false.
 */
export function resolveField(context: PredicateContext, path: string): unknown {
  const value = resolve(context, path);
  return value === MISSING ? undefined : value;
}

function resolve(context: PredicateContext, path: string): Resolved {
  let current: unknown = context;
  for (const segment of path.split('.')) {
    if (segment.length === 0 || FORBIDDEN_PATH_SEGMENTS.has(segment)) return MISSING;
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return MISSING;
      const index = Number(segment);
      if (index >= current.length) return MISSING;
      current = current[index];
      continue;
    }
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return MISSING;
    const descriptor = Object.getOwnPropertyDescriptor(current, segment);
    if (!descriptor || !('value' in descriptor)) return MISSING;
    current = descriptor.value;
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function evaluatePredicate(predicate: Predicate, context: PredicateContext): boolean {
  if ('all' in predicate) return predicate.all.every((p) => evaluatePredicate(p, context));
  if ('any' in predicate) return predicate.any.some((p) => evaluatePredicate(p, context));
  if ('not' in predicate) return !evaluatePredicate(predicate.not, context);
  return evaluateField(predicate, context);
}

function evaluateField(predicate: FieldPredicate, context: PredicateContext): boolean {
  const actual = resolve(context, predicate.field);
  const expected = predicate.value;
  switch (predicate.op) {
    case 'exists': {
      const present = actual !== MISSING && actual !== null && actual !== undefined;
      return expected === false ? !present : present;
    }
    case 'eq':
      return actual !== MISSING && valuesEqual(actual, expected);
    case 'ne':
      return actual === MISSING || !valuesEqual(actual, expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compareOrdered(actual, expected);
      if (order === null) return false;
      if (predicate.op === 'gt') return order > 0;
      if (predicate.op === 'gte') return order >= 0;
      if (predicate.op === 'lt') return order < 0;
      return order <= 0;
    }
    case 'in':
      return actual !== MISSING && Array.isArray(expected) && expected.some((candidate) => valuesEqual(actual, candidate));
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      if (Array.isArray(actual)) return actual.some((item) => valuesEqual(item, expected));
      return false;
  }
}

/** Strict equality for scalars; arrays compare element-wise. No coercion ("5" ≠ 5). */
function valuesEqual(actual: unknown, expected: PredicateValue | undefined): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => valuesEqual(actual[i], e));
  }
  return actual === expected;
}

/** Numbers with numbers, strings with strings (ISO dates order correctly as strings); else incomparable. */
function compareOrdered(actual: unknown, expected: PredicateValue | undefined): number | null {
  if (typeof actual === 'number' && typeof expected === 'number') {
    if (Number.isNaN(actual)) return null;
    return actual === expected ? 0 : actual < expected ? -1 : 1;
  }
  if (typeof actual === 'string' && typeof expected === 'string') {
    return actual === expected ? 0 : actual < expected ? -1 : 1;
  }
  return null;
}
