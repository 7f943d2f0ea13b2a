import type { AttributeCondition, Comparison, ComparisonOp, Segment } from './schema.js';
import { SqlParams } from './sql-params.js';
import { daysBefore, resolveWindow } from './window.js';
import { lastActivitySql } from '../members/store.js';

/**
 * Compiles a segment into parameterized SQL over `members m`. Pure: `now` is passed in and values
 * only ever become parameters. Identifiers and operators come from the fixed tables below, never
 * from the document. Every condition yields true or false (never NULL), so `not` is exact.
 */

export interface CompiledSql {
  sql: string;
  params: unknown[];
}

export interface CompileOptions {
  now: Date;
}

const SQL_OPERATORS: Readonly<Record<ComparisonOp, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' };
const NUMERIC_ATTRIBUTE_OPERATORS: Readonly<Record<'gt' | 'gte' | 'lt' | 'lte', string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

function compare(expression: string, comparison: Comparison, p: SqlParams): string {
  return `(${expression} ${SQL_OPERATORS[comparison.op]} ${p.add(comparison.value)})`;
}

function attributeSql(condition: AttributeCondition, p: SqlParams): string {
  const key = p.add(condition.key);
  switch (condition.op) {
    case 'eq':
      return `coalesce(m.attributes -> ${key} = ${p.add(JSON.stringify(condition.value))}::jsonb, false)`;
    case 'neq':
      return `NOT coalesce(m.attributes -> ${key} = ${p.add(JSON.stringify(condition.value))}::jsonb, false)`;
    case 'in':
      return `coalesce(m.attributes -> ${key} = ANY(${p.add(condition.values.map((v) => JSON.stringify(v)))}::jsonb[]), false)`;
    case 'exists':
      return `jsonb_exists(m.attributes, ${key})`;
    case 'not_exists':
      return `NOT jsonb_exists(m.attributes, ${key})`;
    default:
      return `(CASE WHEN jsonb_typeof(m.attributes -> ${key}) = 'number' THEN (m.attributes ->> ${key})::numeric ${NUMERIC_ATTRIBUTE_OPERATORS[condition.op]} ${p.add(condition.value)}::numeric ELSE false END)`;
  }
}

function nodeSql(node: Segment, p: SqlParams, now: Date): string {
  if ('all' in node) return `(${node.all.map((child) => nodeSql(child, p, now)).join(' AND ')})`;
  if ('any' in node) return `(${node.any.map((child) => nodeSql(child, p, now)).join(' OR ')})`;
  if ('not' in node) return `(NOT ${nodeSql(node.not, p, now)})`;
  if ('tier' in node) return `(m.tier_id = ANY(${p.add(node.tier.in)}::text[]))`;
  if ('locale' in node) return `(m.locale = ANY(${p.add(node.locale.in)}::text[]))`;
  if ('balance' in node) {
    return compare(`coalesce((SELECT b.available FROM member_balances b WHERE b.member_id = m.id), 0)`, node.balance, p);
  }
  if ('qualifyingPoints' in node) {
    const { from, to } = resolveWindow(node.qualifyingPoints.window, now);
    return compare(
      `(SELECT coalesce(sum(le.qualifying_points), 0) FROM ledger_entries le WHERE le.member_id = m.id AND le.at >= ${p.add(from)} AND le.at < ${p.add(to)})`,
      node.qualifyingPoints,
      p,
    );
  }
  if ('spend' in node) {
    const { from, to } = resolveWindow(node.spend.window, now);
    // Spend is purchases net of refunds in the window (amounts in minor units).
    return compare(
      `(SELECT coalesce(sum(CASE WHEN e.type = 'refund' THEN -coalesce(e.amount, 0) ELSE coalesce(e.amount, 0) END), 0) FROM events e
         WHERE e.member_id = m.id AND e.type IN ('purchase', 'refund') AND e.occurred_at >= ${p.add(from)} AND e.occurred_at < ${p.add(to)})`,
      node.spend,
      p,
    );
  }
  if ('eventCount' in node) {
    const { from, to } = resolveWindow(node.eventCount.window, now);
    return compare(
      `(SELECT count(*) FROM events e WHERE e.member_id = m.id AND e.type = ${p.add(node.eventCount.type)} AND e.occurred_at >= ${p.add(from)} AND e.occurred_at < ${p.add(to)})`,
      node.eventCount,
      p,
    );
  }
  if ('lastActivity' in node) {
    const active = `coalesce(${lastActivitySql('m')} >= ${p.add(daysBefore(now, node.lastActivity.days))}, false)`;
    return node.lastActivity.op === 'within' ? `(${active})` : `(NOT ${active})`;
  }
  if ('attribute' in node) return `(${attributeSql(node.attribute, p)})`;
  // consent: marketing needs an explicit opt-in; transactional goes unless explicitly refused.
  const { channel, kind, granted } = node.consent;
  const allowed =
    kind === 'marketing'
      ? `coalesce(m.consent -> ${p.add(channel)} -> 'marketing' = 'true'::jsonb, false)`
      : `NOT coalesce(m.consent -> ${p.add(channel)} -> 'transactional' = 'false'::jsonb, false)`;
  return granted ? `(${allowed})` : `(NOT ${allowed})`;
}

/** The segment as a boolean SQL expression over `members m`, placeholders numbered after `paramOffset`. */
export function compileSegmentPredicate(segment: Segment, options: CompileOptions & { paramOffset?: number }): { where: string; params: unknown[] } {
  const p = new SqlParams(options.paramOffset ?? 0);
  const where = nodeSql(segment, p, options.now);
  return { where, params: p.values };
}

/** Selects the ids of the members in the segment at `now`. */
export function compileSegment(segment: Segment, options: CompileOptions): CompiledSql {
  const { where, params } = compileSegmentPredicate(segment, options);
  return { sql: `SELECT m.id FROM members m WHERE ${where}`, params };
}

/** Counts the members in the segment at `now`. */
export function compileSegmentCount(segment: Segment, options: CompileOptions): CompiledSql {
  const { where, params } = compileSegmentPredicate(segment, options);
  return { sql: `SELECT count(*)::bigint AS n FROM members m WHERE ${where}`, params };
}

/**
 * One keyset page of the segment: ids after `after` in id order, at most `limit`. `extraWhere`
 * is a trusted fragment from Laurel's own code (e.g. a re-entry rule) with placeholders numbered
 * from `extraParams`' positions after the segment's.
 */
export function compileSegmentPage(
  segment: Segment,
  options: CompileOptions & { after: string | null; limit: number; extra?: (p: SqlParams) => string },
): CompiledSql {
  const p = new SqlParams();
  const where = nodeSql(segment, p, options.now);
  const extra = options.extra ? ` AND ${options.extra(p)}` : '';
  const after = options.after === null ? '' : ` AND m.id > ${p.add(options.after)}`;
  const limit = p.add(options.limit);
  return { sql: `SELECT m.id FROM members m WHERE ${where}${extra}${after} ORDER BY m.id LIMIT ${limit}`, params: p.values };
}
