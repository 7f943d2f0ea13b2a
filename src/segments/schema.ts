import { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/**
 * The segment DSL: a JSON tree of `all` / `any` / `not` over member conditions. Every node is an
 * object with exactly one key naming its operator, so a marketer's document reads as it means.
 */
export type ComparisonOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';
export const COMPARISON_OPS: readonly ComparisonOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

export interface Comparison {
  op: ComparisonOp;
  value: number;
}

/** Rolling (the last N days before `now`) or fixed, half-open [from, to). */
export type TimeWindow = { days: number } | { from: string; to: string };

export type AttributeScalar = string | number | boolean;
export type AttributeCondition =
  | { key: string; op: 'eq' | 'neq'; value: AttributeScalar }
  | { key: string; op: 'in'; values: AttributeScalar[] }
  | { key: string; op: 'exists' | 'not_exists' }
  | { key: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: number };

export type ConsentChannel = 'email' | 'sms' | 'inbox';
export type ConsentKind = 'marketing' | 'transactional';

export type Segment =
  | { all: Segment[] }
  | { any: Segment[] }
  | { not: Segment }
  | { tier: { in: string[] } }
  | { locale: { in: string[] } }
  | { balance: Comparison }
  | { qualifyingPoints: Comparison & { window: TimeWindow } }
  | { spend: Comparison & { window: TimeWindow } }
  | { eventCount: Comparison & { type: string; window: TimeWindow } }
  | { lastActivity: { op: 'within' | 'not_within'; days: number } }
  | { attribute: AttributeCondition }
  | { consent: { channel: ConsentChannel; kind: ConsentKind; granted: boolean } };

export type SegmentOperator = 'all' | 'any' | 'not' | 'tier' | 'locale' | 'balance' | 'qualifyingPoints' | 'spend' | 'eventCount' | 'lastActivity' | 'attribute' | 'consent';
export const SEGMENT_OPERATORS: readonly SegmentOperator[] = ['all', 'any', 'not', 'tier', 'locale', 'balance', 'qualifyingPoints', 'spend', 'eventCount', 'lastActivity', 'attribute', 'consent'];

export const SEGMENT_LIMITS = { maxDepth: 8, maxNodes: 200, maxListValues: 200, maxWindowDays: 3660 } as const;

const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
const Int = z.int('expected an integer').min(-MAX_AMOUNT).max(MAX_AMOUNT);
const Op = z.enum(COMPARISON_OPS as [ComparisonOp, ...ComparisonOp[]]);
const Name = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected a lowercase id such as gold');
const EventType = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a lowercase event type such as purchase');
const AttributeKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'expected an attribute key of letters, digits and _');
const Scalar = z.union([z.string().max(500), z.number().finite(), z.boolean()]);
const Days = z.int('expected a whole number of days').min(1).max(SEGMENT_LIMITS.maxWindowDays);

const WindowSchema = z.union([
  z.strictObject({ days: Days }),
  z
    .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
    .refine((w) => Date.parse(w.from) < Date.parse(w.to), { message: 'expected from before to', path: ['to'] }),
]);

const ComparisonSchema = z.strictObject({ op: Op, value: Int });
const WindowedComparison = z.strictObject({ op: Op, value: Int, window: WindowSchema });

const AttributeSchema = z.discriminatedUnion('op', [
  z.strictObject({ key: AttributeKey, op: z.enum(['eq', 'neq']), value: Scalar }),
  z.strictObject({ key: AttributeKey, op: z.literal('in'), values: z.array(Scalar).min(1).max(SEGMENT_LIMITS.maxListValues) }),
  z.strictObject({ key: AttributeKey, op: z.enum(['exists', 'not_exists']) }),
  z.strictObject({ key: AttributeKey, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: z.number().finite() }),
]);

const NameList = z.strictObject({ in: z.array(Name).min(1).max(SEGMENT_LIMITS.maxListValues) });

interface SegmentNodeShape {
  all?: SegmentNodeShape[];
  any?: SegmentNodeShape[];
  not?: SegmentNodeShape;
  [operator: string]: unknown;
}

const NodeSchema: z.ZodType<SegmentNodeShape> = z
  .strictObject({
    get all(): z.ZodOptional<z.ZodArray<z.ZodType<SegmentNodeShape>>> {
      return z.array(NodeSchema).min(1, 'expected at least one condition').max(SEGMENT_LIMITS.maxNodes).optional();
    },
    get any(): z.ZodOptional<z.ZodArray<z.ZodType<SegmentNodeShape>>> {
      return z.array(NodeSchema).min(1, 'expected at least one condition').max(SEGMENT_LIMITS.maxNodes).optional();
    },
    get not(): z.ZodOptional<z.ZodType<SegmentNodeShape>> {
      return NodeSchema.optional();
    },
    tier: NameList.optional(),
    locale: z.strictObject({ in: z.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a locale such as en or fa-IR')).min(1).max(SEGMENT_LIMITS.maxListValues) }).optional(),
    balance: ComparisonSchema.optional(),
    qualifyingPoints: WindowedComparison.optional(),
    spend: WindowedComparison.optional(),
    eventCount: z.strictObject({ op: Op, value: Int, type: EventType, window: WindowSchema }).optional(),
    lastActivity: z.strictObject({ op: z.enum(['within', 'not_within']), days: Days }).optional(),
    attribute: AttributeSchema.optional(),
    consent: z.strictObject({ channel: z.enum(['email', 'sms', 'inbox']), kind: z.enum(['marketing', 'transactional']).default('marketing'), granted: z.boolean().default(true) }).optional(),
  })
  .superRefine((node, ctx) => {
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      ctx.addIssue({ code: 'custom', message: keys.length === 0 ? `expected one of ${SEGMENT_OPERATORS.join(', ')}` : `expected exactly one operator, got ${keys.join(', ')}`, params: { shape: true } });
    }
  })
  // The document says what the refinement checks: a node is exactly one operator.
  .meta({ id: 'Segment', description: 'A segment node: exactly one operator (all, any, not, or a condition)', minProperties: 1, maxProperties: 1 });

/** The zod schema of a segment document (for OpenAPI and callers that compose schemas). */
export const SegmentSchema = NodeSchema as unknown as z.ZodType<Segment>;

export interface SegmentIssue {
  path: string;
  message: string;
}

function pathName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** Depth and size limits keep compiled SQL bounded; zod checks the shape, this checks the tree. */
function treeIssues(segment: Segment): SegmentIssue[] {
  const issues: SegmentIssue[] = [];
  let nodes = 0;
  const walk = (node: Segment, path: PropertyKey[], depth: number): void => {
    nodes += 1;
    if (depth > SEGMENT_LIMITS.maxDepth) {
      issues.push({ path: pathName(path), message: `segments nest at most ${SEGMENT_LIMITS.maxDepth} levels` });
      return;
    }
    if ('all' in node) node.all.forEach((child, i) => walk(child, [...path, 'all', i], depth + 1));
    else if ('any' in node) node.any.forEach((child, i) => walk(child, [...path, 'any', i], depth + 1));
    else if ('not' in node) walk(node.not, [...path, 'not'], depth + 1);
  };
  walk(segment, [], 1);
  if (nodes > SEGMENT_LIMITS.maxNodes) issues.push({ path: '(root)', message: `a segment has at most ${SEGMENT_LIMITS.maxNodes} conditions, got ${nodes}` });
  return issues;
}

/** `onlyRules`: the shape is right and only rules across fields fail (`from` after `to`): a 422. */
export type SegmentParseResult = { ok: true; segment: Segment } | { ok: false; issues: SegmentIssue[]; onlyRules?: boolean };

export function safeParseSegment(value: unknown): SegmentParseResult {
  const result = SegmentSchema.safeParse(value);
  if (!result.success) {
    const onlyRules = result.error.issues.every((i) => i.code === 'custom' && (i.params as { shape?: boolean } | undefined)?.shape !== true);
    return { ok: false, issues: result.error.issues.map((i) => ({ path: pathName(i.path), message: i.message })), onlyRules };
  }
  const issues = treeIssues(result.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, segment: result.data };
}

/** Parses a segment document; errors name the path of each bad node (e.g. `all.1.balance.value`). */
export function parseSegment(value: unknown, pathPrefix = ''): Segment {
  const result = safeParseSegment(value);
  if (result.ok) return result.segment;
  const issues = result.issues.map((i) => ({ path: pathPrefix ? (i.path === '(root)' ? pathPrefix : `${pathPrefix}.${i.path}`) : i.path, message: i.message }));
  const first = issues[0]!;
  throw new ValidationError('invalid_segment', `${first.path}: ${first.message}`, { issues }, result.onlyRules ? 422 : 400);
}
