import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import { intervalBase, reportContext, reportHeader, toInt, type ReportContext } from './context.js';
import type { ReportQuery } from './query.js';
import type { PointsFlow, PointsReport, PointsStock } from './schemas.js';

/** One group of entries as the rollup (or the ledger) keeps them. */
export interface EntryGroup {
  kind: string;
  /** base, tier_bonus, or '' */
  component: string;
  source: string;
  pending: boolean;
  hasRule: boolean;
  positive: boolean;
  entries: number;
  points: number;
  qualifying: number;
}

export function emptyFlow(): PointsFlow {
  return {
    entries: 0,
    issued: { base: 0, bonus: 0, offers: 0, awards: 0, adjustments: 0, restored: 0, total: 0, pendingAtIssue: 0 },
    deducted: { redeemed: 0, expired: 0, reversed: 0, cancelledPending: 0, adjustments: 0, total: 0 },
    net: 0,
    qualifying: 0,
  };
}

/**
 * Adds a group of entries to a flow. This is where an entry becomes "base", "awards",
 * "redeemed"…: an offer's bonus (component `offer`) is an offer; an earn made by a rule is base or
 * bonus by its component, an earn without a rule is an award (mission, contest, draw, win-back);
 * adjustments count by sign; a refund's reversal of pending points is a cancellation; a cancelled
 * redemption's points come back as `restored`.
 * Settlements move points between lots and change nothing.
 */
export function addToFlow(flow: PointsFlow, g: EntryGroup): void {
  flow.entries += g.entries;
  flow.net += g.points;
  flow.qualifying += g.qualifying;
  const { issued, deducted } = flow;
  switch (g.kind) {
    case 'earn':
      if (g.component === 'offer') issued.offers += g.points;
      else if (!g.hasRule) issued.awards += g.points;
      else if (g.component === 'tier_bonus') issued.bonus += g.points;
      else issued.base += g.points;
      issued.total += g.points;
      if (g.pending) issued.pendingAtIssue += g.points;
      break;
    case 'adjust':
      if (g.positive) {
        issued.adjustments += g.points;
        issued.total += g.points;
      } else {
        deducted.adjustments -= g.points;
        deducted.total -= g.points;
      }
      break;
    case 'restore':
      issued.restored += g.points;
      issued.total += g.points;
      break;
    case 'redeem':
      deducted.redeemed -= g.points;
      deducted.total -= g.points;
      break;
    case 'expire':
      deducted.expired -= g.points;
      deducted.total -= g.points;
      break;
    case 'reverse':
      if (g.pending) deducted.cancelledPending -= g.points;
      else deducted.reversed -= g.points;
      deducted.total -= g.points;
      break;
    default:
      // settle (0 points) and anything without a report meaning: counted in entries and net only.
      break;
  }
}

function addFlows(into: PointsFlow, from: PointsFlow): void {
  into.entries += from.entries;
  into.net += from.net;
  into.qualifying += from.qualifying;
  for (const k of Object.keys(into.issued) as (keyof PointsFlow['issued'])[]) into.issued[k] += from.issued[k];
  for (const k of Object.keys(into.deducted) as (keyof PointsFlow['deducted'])[]) into.deducted[k] += from.deducted[k];
}

function stock(balance: number, pending: number): PointsStock {
  return { balance, pending, available: balance - pending };
}

// Every boundary of a report falls on a 15-minute UTC slice unless the zone had a historical
// offset that was not a whole quarter hour (local mean time before ~1970); those go to the ledger.
export const SLICE_MS = 15 * 60_000;

/** Whether every boundary of a report falls on a 15-minute UTC slice (then the slice rollups cover it). */
export function onSlices(ctx: ReportContext): boolean {
  return ctx.boundaries.every((b) => b.getTime() % SLICE_MS === 0);
}

interface GroupRow {
  b: number;
  kind: string;
  component: string;
  source: string;
  pending: boolean;
  has_rule: boolean;
  positive: boolean;
  entries: number;
  points: number;
  qualifying: number;
}

/** The SQL a report reads, from the rollups or (for odd boundaries) straight from the ledger. */
function pointsSql(fromRollups: boolean) {
  if (fromRollups) {
    return {
      groups: `SELECT width_bucket(slice, $1::timestamptz[]) AS b, kind, component, source, pending, has_rule, positive,
                      sum(entries)::bigint AS entries, sum(points)::bigint AS points, sum(qualifying)::bigint AS qualifying
                 FROM ledger_rollup WHERE slice >= $2 AND slice < $3
                GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      pending: `SELECT width_bucket(slice, $1::timestamptz[]) AS b, sum(points)::bigint AS points
                  FROM ledger_pending_rollup WHERE slice >= $2 AND slice < $3 GROUP BY 1`,
      // A balance at $1: whole UTC days before its day, then that day's slices before it.
      opening: `SELECT (SELECT coalesce(sum(points), 0) FROM ledger_rollup_day WHERE day < ($1::timestamptz AT TIME ZONE 'UTC')::date)
                     + (SELECT coalesce(sum(points), 0) FROM ledger_rollup
                         WHERE slice >= date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AND slice < $1) AS balance,
                       (SELECT coalesce(sum(pending), 0) FROM ledger_rollup_day WHERE day < ($1::timestamptz AT TIME ZONE 'UTC')::date)
                     + (SELECT coalesce(sum(points), 0) FROM ledger_pending_rollup
                         WHERE slice >= date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AND slice < $1) AS pending`,
    };
  }
  const pendingChanges = `SELECT e.at AS t, a.points FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq WHERE e.pending
                          UNION ALL
                          SELECT l.pending_until, -a.points FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq
                            JOIN lots l ON l.id = a.lot_id WHERE e.pending`;
  return {
    groups: `SELECT width_bucket(at, $1::timestamptz[]) AS b, kind, coalesce(component, '') AS component, source, pending,
                    rule_id IS NOT NULL AS has_rule, amount > 0 AS positive,
                    count(*)::bigint AS entries, sum(amount)::bigint AS points, sum(qualifying_points)::bigint AS qualifying
               FROM ledger_entries WHERE at >= $2 AND at < $3
              GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    pending: `SELECT width_bucket(t, $1::timestamptz[]) AS b, sum(points)::bigint AS points FROM (${pendingChanges}) c
               WHERE t >= $2 AND t < $3 GROUP BY 1`,
    opening: `SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE at < $1) AS balance,
                     (SELECT coalesce(sum(points), 0) FROM (${pendingChanges}) c WHERE t < $1) AS pending`,
  };
}

/**
 * Points credited by sources matching a LIKE pattern (`mission:%`), per interval: from the
 * rollups, or from the ledger when a boundary is off the 15-minute slices (or `fromRollups` is false).
 */
export async function pointsBySource(pool: Pool, ctx: ReportContext, pattern: string, fromRollups = onSlices(ctx)): Promise<{ b: number; source: string; points: number }[]> {
  const { rows } = await analyticQuery<{ b: number; source: string; points: number }>(
    pool,
    fromRollups
      ? `SELECT width_bucket(slice, $1::timestamptz[]) AS b, source, sum(points)::bigint AS points FROM ledger_rollup
          WHERE slice >= $2 AND slice < $3 AND kind = 'earn' AND source LIKE $4 GROUP BY 1, 2`
      : `SELECT width_bucket(at, $1::timestamptz[]) AS b, source, sum(amount)::bigint AS points FROM ledger_entries
          WHERE at >= $2 AND at < $3 AND kind = 'earn' AND source LIKE $4 GROUP BY 1, 2`,
    [ctx.boundaries, ctx.range.start, ctx.range.end, pattern],
  );
  return rows.map((r) => ({ b: r.b, source: r.source, points: toInt(r.points) }));
}

/**
 * The points report: per interval, what was issued (base, bonus, offers, awards, adjustments) and
 * deducted (redeemed, expired, reversed, cancelled pending, adjustments), by source, and the
 * balance, pending points and outstanding liability at the interval's end. Read from the rollups
 * the ledger maintains in the same transaction as its entries: a year by day reads ~35,000 slices
 * per kind of entry, not the entries themselves.
 */
export async function pointsReport(pool: Pool, query: ReportQuery, now = new Date()): Promise<PointsReport> {
  const ctx = await reportContext(pool, query, now);
  const fromRollups = ctx.boundaries.every((b) => b.getTime() % SLICE_MS === 0);
  const sql = pointsSql(fromRollups);
  const bounds = [ctx.boundaries, ctx.range.start, ctx.range.end];
  const [groups, pending, opening] = await Promise.all([
    analyticQuery<GroupRow>(pool, sql.groups, bounds),
    analyticQuery<{ b: number; points: number }>(pool, sql.pending, bounds),
    analyticQuery<{ balance: string; pending: string }>(pool, sql.opening, [ctx.range.start]),
  ]);
  return buildPointsReport(ctx, groups.rows, pending.rows, { balance: toInt(opening.rows[0]!.balance), pending: toInt(opening.rows[0]!.pending) }, fromRollups);
}

function buildPointsReport(
  ctx: ReportContext,
  groups: readonly GroupRow[],
  pendingRows: readonly { b: number; points: number }[],
  opening: { balance: number; pending: number },
  fromRollups: boolean,
): PointsReport {
  const n = ctx.range.buckets.length;
  const flows = Array.from({ length: n }, emptyFlow);
  const bySource = Array.from({ length: n }, () => new Map<string, PointsFlow>());
  const totalsBySource = new Map<string, PointsFlow>();
  for (const r of groups) {
    const i = r.b - 1;
    const group: EntryGroup = { kind: r.kind, component: r.component, source: r.source, pending: r.pending, hasRule: r.has_rule, positive: r.positive, entries: r.entries, points: r.points, qualifying: r.qualifying };
    addToFlow(flows[i]!, group);
    for (const map of [bySource[i]!, totalsBySource]) {
      let flow = map.get(r.source);
      if (!flow) map.set(r.source, (flow = emptyFlow()));
      addToFlow(flow, group);
    }
  }
  const pendingChange = new Array<number>(n).fill(0);
  for (const r of pendingRows) pendingChange[r.b - 1]! += r.points;

  const totals = emptyFlow();
  let balance = opening.balance;
  let pending = opening.pending;
  const intervals = ctx.range.buckets.map((bucket, i) => {
    const flow = flows[i]!;
    addFlows(totals, flow);
    balance += flow.net;
    pending += pendingChange[i]!;
    return {
      ...intervalBase(ctx, bucket),
      ...flow,
      closing: stock(balance, pending),
      bySource: sourceRows(bySource[i]!),
    };
  });
  return {
    ...reportHeader('points', ctx, fromRollups ? 'rollups' : 'ledger'),
    intervals,
    totals: { ...totals, opening: stock(opening.balance, opening.pending), closing: stock(balance, pending), bySource: sourceRows(totalsBySource) },
  };
}

function sourceRows(map: Map<string, PointsFlow>): (PointsFlow & { source: string })[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([source, flow]) => ({ source, ...flow }));
}
