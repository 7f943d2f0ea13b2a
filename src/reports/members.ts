import type { Pool } from '../db/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import type { ReportQuery } from './query.js';
import type { MembersReport, MembersStock } from './schemas.js';

/**
 * A member's tier at an instant `t`: the tier its last change before `t` went to (changes in time
 * order, then id); before any change, the tier it joined in (the first change's `from`, or its
 * current tier if it never changed). Tier history is `tier_changes`: every writer of
 * members.tier_id records one.
 */
const TIER_AT = (member: string, at: string) => `coalesce(
    (SELECT tc.to_tier FROM tier_changes tc WHERE tc.member_id = ${member}.id AND tc.at < ${at} ORDER BY tc.at DESC, tc.id DESC LIMIT 1),
    (SELECT tc.from_tier FROM tier_changes tc WHERE tc.member_id = ${member}.id ORDER BY tc.at, tc.id LIMIT 1),
    ${member}.tier_id)`;
/** The tier a member joined in: its tier at its joining instant (later changes are counted as they happen). */
const JOIN_TIER = (member: string) => TIER_AT(member, `${member}.joined_at`);

type TierCounts = Map<string, number>;

function add(map: TierCounts, tier: string, n: number): void {
  map.set(tier, (map.get(tier) ?? 0) + n);
}

/** Tiers in program order, then any tier the program no longer has; zero counts left out. */
function tierList(program: ProgramDefinition, map: TierCounts): { tier: string; count: number }[] {
  const order = new Map(program.tiers.map((t, i) => [t.id, i]));
  return [...map.entries()]
    .filter(([, count]) => count !== 0)
    .sort(([a], [b]) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([tier, count]) => ({ tier, count }));
}

function stock(program: ProgramDefinition, map: TierCounts): MembersStock {
  return { total: [...map.values()].reduce((s, n) => s + n, 0), byTier: tierList(program, map) };
}

/**
 * The members report: per interval, who joined (by the tier they joined in), who was active (any
 * event; by their tier at the interval's end), and every member's tier at the interval's end.
 * Set-based: the distribution at the range start comes from one grouped query, then each
 * interval adds its joins (in their first tier) and its tier changes (+to, −from).
 */
export async function membersReport(pool: Pool, query: ReportQuery, now = new Date()): Promise<MembersReport> {
  const ctx = await reportContext(pool, query, now);
  const program = ctx.program.definition;
  const bounds = [ctx.boundaries, ctx.range.start, ctx.range.end];
  const [opening, joins, changes, active, activeTotal] = await Promise.all([
    pool.query<{ tier: string; n: number }>(`SELECT ${TIER_AT('m', '$1')} AS tier, count(*)::bigint AS n FROM members m WHERE m.joined_at < $1 GROUP BY 1`, [ctx.range.start]),
    pool.query<{ b: number; tier: string; n: number }>(
      `SELECT width_bucket(m.joined_at, $1::timestamptz[]) AS b, ${JOIN_TIER('m')} AS tier, count(*)::bigint AS n
         FROM members m WHERE m.joined_at >= $2 AND m.joined_at < $3 GROUP BY 1, 2`,
      bounds,
    ),
    // Each change moves its member from the tier it was in (the previous change's `to`, in time
    // order) to its `to`: a review dated at its due instant may be written after a later-dated
    // upgrade, and reading changes in time order keeps every count whole. Changes dated before
    // their member joined are in the tier it joined in.
    pool.query<{ b: number; from_tier: string; to_tier: string; n: number }>(
      `WITH touched AS (SELECT DISTINCT member_id FROM tier_changes WHERE at >= $2 AND at < $3),
            ordered AS (
              SELECT tc.member_id, tc.at, tc.to_tier,
                     coalesce(lag(tc.to_tier) OVER (PARTITION BY tc.member_id ORDER BY tc.at, tc.id), tc.from_tier) AS from_tier
                FROM tier_changes tc JOIN touched t ON t.member_id = tc.member_id
            )
       SELECT width_bucket(o.at, $1::timestamptz[]) AS b, o.from_tier, o.to_tier, count(*)::bigint AS n
         FROM ordered o JOIN members m ON m.id = o.member_id
        WHERE o.at >= $2 AND o.at < $3 AND m.joined_at <= o.at GROUP BY 1, 2, 3`,
      bounds,
    ),
    pool.query<{ b: number; tier: string; n: number }>(
      `WITH act AS (SELECT DISTINCT width_bucket(occurred_at, $1::timestamptz[]) AS b, member_id FROM events WHERE occurred_at >= $2 AND occurred_at < $3)
       SELECT a.b, ${TIER_AT('m', '($1::timestamptz[])[a.b + 1]')} AS tier, count(*)::bigint AS n
         FROM act a JOIN members m ON m.id = a.member_id GROUP BY 1, 2`,
      bounds,
    ),
    pool.query<{ tier: string; n: number }>(
      `SELECT ${TIER_AT('m', '$2')} AS tier, count(*)::bigint AS n
         FROM members m WHERE m.id IN (SELECT member_id FROM events WHERE occurred_at >= $1 AND occurred_at < $2) GROUP BY 1`,
      [ctx.range.start, ctx.range.end],
    ),
  ]);

  const n = ctx.range.buckets.length;
  const newByTier = Array.from({ length: n }, (): TierCounts => new Map());
  const activeByTier = Array.from({ length: n }, (): TierCounts => new Map());
  const changeDelta = Array.from({ length: n }, (): TierCounts => new Map());
  for (const r of joins.rows) add(newByTier[r.b - 1]!, r.tier, toInt(r.n));
  for (const r of active.rows) add(activeByTier[r.b - 1]!, r.tier, toInt(r.n));
  for (const r of changes.rows) {
    add(changeDelta[r.b - 1]!, r.to_tier, toInt(r.n));
    add(changeDelta[r.b - 1]!, r.from_tier, -toInt(r.n));
  }
  const distribution: TierCounts = new Map();
  for (const r of opening.rows) add(distribution, r.tier, toInt(r.n));
  const openingStock = stock(program, distribution);
  const totalNew: TierCounts = new Map();
  const sum = (map: TierCounts) => [...map.values()].reduce((s, v) => s + v, 0);
  const intervals = ctx.range.buckets.map((bucket, i) => {
    for (const [tier, count] of newByTier[i]!) {
      add(distribution, tier, count);
      add(totalNew, tier, count);
    }
    for (const [tier, count] of changeDelta[i]!) add(distribution, tier, count);
    return {
      ...intervalBase(ctx, bucket),
      new: sum(newByTier[i]!),
      newByTier: tierList(program, newByTier[i]!),
      active: sum(activeByTier[i]!),
      activeByTier: tierList(program, activeByTier[i]!),
      closing: stock(program, distribution),
    };
  });
  const activeAtEnd: TierCounts = new Map(activeTotal.rows.map((r) => [r.tier, toInt(r.n)]));
  return {
    ...reportHeader('members', ctx, 'ledger'),
    intervals,
    totals: {
      new: sum(totalNew),
      newByTier: tierList(program, totalNew),
      active: sum(activeAtEnd),
      activeByTier: tierList(program, activeAtEnd),
      opening: openingStock,
      closing: stock(program, distribution),
    },
  };
}
