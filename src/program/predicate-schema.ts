import { z } from 'zod';

/**
 * The condition language of earning rules: a small JSON predicate over `{event, member}`.
 * Kept deliberately tiny so it can be evaluated safely in-process and compiled to SQL later.
 */
export const PREDICATE_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'contains'] as const;
export type PredicateOperator = (typeof PREDICATE_OPERATORS)[number];

export type PredicateValue = string | number | boolean | null | PredicateValue[];

export interface FieldPredicate {
  readonly field: string;
  readonly op: PredicateOperator;
  readonly value?: PredicateValue;
}
export interface AllPredicate {
  readonly all: readonly Predicate[];
}
export interface AnyPredicate {
  readonly any: readonly Predicate[];
}
export interface NotPredicate {
  readonly not: Predicate;
}
export type Predicate = AllPredicate | AnyPredicate | NotPredicate | FieldPredicate;

/** Path segments that could reach an object's prototype machinery; never resolved. */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const PREDICATE_ROOTS = ['event', 'member'] as const;
export const MAX_PREDICATE_DEPTH = 16;

/** Why a field path is unusable, or null when it is fine. */
export function fieldPathProblem(path: string): string | null {
  const segments = path.split('.');
  const root = segments[0];
  if (root === undefined || !(PREDICATE_ROOTS as readonly string[]).includes(root)) {
    return `field must start with ${PREDICATE_ROOTS.map((r) => `"${r}."`).join(' or ')}`;
  }
  if (segments.length < 2) return 'field must name a property below its root';
  for (const segment of segments) {
    if (segment.length === 0) return 'field has an empty path segment';
    if (FORBIDDEN_PATH_SEGMENTS.has(segment)) return `field path segment "${segment}" is not allowed`;
  }
  return null;
}

const PredicateValueSchema: z.ZodType<PredicateValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(PredicateValueSchema)]),
);

const FieldPathSchema = z.string().superRefine((path, ctx) => {
  const problem = fieldPathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const FieldPredicateSchema = z
  .strictObject({
    field: FieldPathSchema,
    op: z.enum(PREDICATE_OPERATORS, { error: `op must be one of ${PREDICATE_OPERATORS.join(', ')}` }),
    value: PredicateValueSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.op === 'exists') {
      if (p.value !== undefined && typeof p.value !== 'boolean') {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'exists takes an optional boolean value' });
      }
      return;
    }
    if (p.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op ${p.op} needs a value` });
      return;
    }
    if (p.op === 'in' && !Array.isArray(p.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'op in needs an array value' });
    }
    if ((p.op === 'gt' || p.op === 'gte' || p.op === 'lt' || p.op === 'lte') && typeof p.value !== 'number' && typeof p.value !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op ${p.op} needs a number or string value` });
    }
  });

/**
 * Hand-rolled dispatch instead of `z.union`: a union reports "Invalid input" for every branch,
 * while dispatching on the keys present names the actual bad field (`conditions.all[1].op: ...`).
 */
function checkPredicate(value: unknown, path: (string | number)[], depth: number, ctx: z.RefinementCtx): void {
  if (depth > MAX_PREDICATE_DEPTH) {
    ctx.addIssue({ code: 'custom', path, message: `predicate nests deeper than ${MAX_PREDICATE_DEPTH} levels` });
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', path, message: 'expected a predicate object ({all}, {any}, {not} or {field, op, value})' });
    return;
  }
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  for (const combinator of ['all', 'any'] as const) {
    if (Object.hasOwn(record, combinator)) {
      if (keys.length !== 1) {
        ctx.addIssue({ code: 'custom', path, message: `a {${combinator}} predicate takes no other keys` });
        return;
      }
      const items = record[combinator];
      if (!Array.isArray(items)) {
        ctx.addIssue({ code: 'custom', path: [...path, combinator], message: 'expected an array of predicates' });
        return;
      }
      items.forEach((item, i) => checkPredicate(item, [...path, combinator, i], depth + 1, ctx));
      return;
    }
  }
  if (Object.hasOwn(record, 'not')) {
    if (keys.length !== 1) {
      ctx.addIssue({ code: 'custom', path, message: 'a {not} predicate takes no other keys' });
      return;
    }
    checkPredicate(record.not, [...path, 'not'], depth + 1, ctx);
    return;
  }
  const parsed = FieldPredicateSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: [...path, ...issue.path, key], message: 'unknown field' });
      } else {
        ctx.addIssue({ code: 'custom', path: [...path, ...(issue.path as (string | number)[])], message: issue.message });
      }
    }
  }
}

export const PredicateSchema = z.custom<Predicate>(() => true).superRefine((value, ctx) => checkPredicate(value, [], 1, ctx));

export function predicateDepth(predicate: Predicate): number {
  if ('all' in predicate) return 1 + Math.max(0, ...predicate.all.map(predicateDepth));
  if ('any' in predicate) return 1 + Math.max(0, ...predicate.any.map(predicateDepth));
  if ('not' in predicate) return 1 + predicateDepth(predicate.not);
  return 1;
}
