import type { Pool } from '../db/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { analyticQuery } from './analytic-query.js';
import { intervalBase, reportContext, reportHeader, toInt, type ReportContext } from './context.js';
import { bucketDays, coveredCte, memberDaysCover, readMemberDays, yearMasks, type MemberDaysStatement } from './member-days.js';
import type { ReportQuery } from './query.js';
import type { MembersReport, MembersStock } from './schemas.js';

/**
 * Every member's tier history as segments (report_tier_segments, migration 0037, kept by triggers
 * on tier_changes): a member with tier changes is in its first change's `from` tier until that
 * change, then in each change's `to` tier until the next (changes in time order, then id).
 * `sg.s < t AND t <= sg.e` finds the segment a member is in at `t` (the tier its last change
 * before `t` led to); a member without a segment never changed: its current tier.
 */
const SEGMENTS = `segments AS (SELECT member_id, s, e, tier FROM report_tier_segments)`;
const TIER_AT = (t: string) => `LEFT JOIN segments sg ON sg.member_id = m.id AND sg.s < ${t} AND ${t} <= sg.e`;

/** Buckets a member's bigint mask holds (bit b = bucket b; 61 keeps `1 << (hi + 1)` below the sign bit). */
const MASK_BUCKETS = 61;

/**
 * Active members of a week or month report by their tier at each bucket's end, over
 * report_member_days ($1 bounds, $2 zone, $3..$4 days, $5 the buckets' first days), without
 * grouping the rows by (bucket, member) — millions of groups at 10M that spill to disk — nor
 * joining each (bucket, member) to the segments by a range:
 * - `pm`: one row per member: the buckets it was active in as bits of a bigint, its greatest
 *   tier_id, and `even` when every bucket's greatest tier_id is that one (all its days carry the
 *   same tier_id, or none does).
 * - An even member without segments is in `tier` at every bucket end. An even member with segments
 *   is, at a bucket's end, in the tier of the segment holding that end (`s < bound <= e`): the
 *   buckets whose end a segment holds are a run of bucket numbers, from width_bucket of its ends;
 *   buckets no segment holds keep `tier` (the LEFT JOIN's coalesce).
 * - One pass counts, per tier, the members with each bucket's bit set (`count(*) FILTER`).
 * - Members that are not even (their days' tier_id differ) are counted as before, per (bucket,
 *   member) over their own day rows.
 */
function activeByMemberMasks(buckets: number, inRange: string, byTierAtBucketEnd: string, marker: string): string {
  const bit = (b: number | string) => `(1::bigint << ${b})`;
  const run = `CASE WHEN width_bucket(sg.e, $1::timestamptz[]) - 1 >= greatest(width_bucket(sg.s, $1::timestamptz[]), 1)
                    THEN ${bit('width_bucket(sg.e, $1::timestamptz[])')} - ${bit('greatest(width_bucket(sg.s, $1::timestamptz[]), 1)')} ELSE 0 END`;
  const counts = Array.from({ length: buckets }, (_, i) => `count(*) FILTER (WHERE mask & ${bit(i + 1)} <> 0)`).join(', ');
  return `WITH ${SEGMENTS}, ${coveredCte('$2')},
    pm AS MATERIALIZED (SELECT member_id, bit_or(${bit('width_bucket(day, $5::date[])')}) AS mask, max(tier_id COLLATE "C") AS tier,
                               count(tier_id) = 0 OR (min(tier_id COLLATE "C") = max(tier_id COLLATE "C") AND count(tier_id) = count(*)) AS even
                          FROM report_member_days WHERE ${inRange} GROUP BY member_id),
    runs AS (SELECT sg.member_id, sg.tier, ${run} AS r FROM segments sg),
    flat AS (SELECT p.tier, p.mask FROM pm p WHERE p.even AND NOT EXISTS (SELECT FROM segments sg WHERE sg.member_id = p.member_id)
             UNION ALL
             SELECT coalesce(r.tier, p.tier), p.mask & r.r FROM pm p JOIN runs r ON r.member_id = p.member_id WHERE p.even
             UNION ALL
             SELECT p.tier, p.mask & ~g.r FROM pm p JOIN (SELECT member_id, bit_or(r) AS r FROM runs GROUP BY 1) g ON g.member_id = p.member_id WHERE p.even),
    act AS (SELECT width_bucket(day, $5::date[]) AS b, member_id, max(tier_id) AS tier FROM report_member_days
             WHERE ${inRange} AND member_id IN (SELECT member_id FROM pm WHERE NOT even) GROUP BY 1, 2)
    SELECT u.b::int, w.tier, u.n FROM (SELECT tier, ARRAY[${counts}]::bigint[] AS counts FROM flat GROUP BY tier) w
      CROSS JOIN unnest(w.counts) WITH ORDINALITY AS u(n, b) WHERE u.n <> 0
    UNION ALL ${byTierAtBucketEnd} ${marker}`;
}

/**
 * Active members by their tier at each interval's end, and over the whole range (`b` = 1): a
 * member that never changed tier has the tier its events were decided in (events.tier_id), so only
 * members with tier changes are looked up in the segments, and the members table is not read.
 * Over the rollup (report_member_days) when it is kept in the report's zone, else over the events.
 */
function activeStatements(ctx: ReportContext): MemberDaysStatement[] {
  const bounds = ctx.boundaries;
  const { start, end } = ctx.range;
  const days = bucketDays(ctx);
  const [fromDay, endDay] = [days[0]!, days[days.length - 1]!];
  const zone = ctx.range.timeZone;
  const { years, masks } = yearMasks(ctx);
  const byTierAtBucketEnd = `SELECT a.b, coalesce(sg.tier, a.tier) AS tier, count(*)::bigint AS n
         FROM act a LEFT JOIN segments sg ON sg.member_id = a.member_id AND sg.s < ($1::timestamptz[])[a.b + 1] AND ($1::timestamptz[])[a.b + 1] <= sg.e
        GROUP BY 1, 2`;
  const byTierAtEnd = `SELECT 1 AS b, coalesce(sg.tier, a.tier) AS tier, count(*)::bigint AS n
         FROM act a LEFT JOIN segments sg ON sg.member_id = a.member_id AND sg.s < $1::timestamptz AND $1::timestamptz <= sg.e GROUP BY 2`;
  const marker = `UNION ALL SELECT 0, NULL, 0 FROM covered`;
  const inRange = `day >= $3::date AND day < $4::date AND EXISTS (SELECT FROM covered)`;
  // A day's rows are one per member already, and each carries its member's tier at the day's end
  // (tier_end, migration 0036; NULL without tier changes: the tier its events were decided in); their
  // counts per (day, that tier) are kept in report_member_day_tiers (0038): a day report reads those.
  // A week or month: the distinct members of its days, at its end's tier.
  const perBucket =
    ctx.range.interval === 'day'
      ? {
          text: `WITH ${coveredCte('$1')}
                 SELECT (day - $2::date) + 1 AS b, nullif(tier, '') AS tier, sum(members)::bigint AS n
                   FROM report_member_day_tiers WHERE day >= $2::date AND day < $3::date AND EXISTS (SELECT FROM covered)
                  GROUP BY 1, 2 HAVING sum(members) <> 0 ${marker}`,
          values: [zone, fromDay, endDay],
        }
      : bounds.length - 1 <= MASK_BUCKETS
        ? { text: activeByMemberMasks(bounds.length - 1, inRange, byTierAtBucketEnd, marker), values: [bounds, zone, fromDay, endDay, days] }
        : {
            text: `WITH ${SEGMENTS}, ${coveredCte('$2')},
                      act AS (SELECT width_bucket(day, $5::date[]) AS b, member_id, max(tier_id) AS tier FROM report_member_days WHERE ${inRange} GROUP BY 1, 2)
                 ${byTierAtBucketEnd} ${marker}`,
            values: [bounds, zone, fromDay, endDay, days],
          };
  return [
    {
      rollup: perBucket,
      ledger: {
        text: `WITH ${SEGMENTS},
            act AS (SELECT width_bucket(occurred_at, $1::timestamptz[]) AS b, member_id, max(tier_id) AS tier
                      FROM events WHERE occurred_at >= $2 AND occurred_at < $3 GROUP BY 1, 2)
       ${byTierAtBucketEnd}`,
        values: [bounds, start, end],
      },
    },
    {
      // The members active over the whole range: report_member_years' rows whose `active` bits meet
      // the range's days (one row per member within one year; across years, grouped per member).
      rollup: {
        text: `WITH ${SEGMENTS}, ${coveredCte('$2')}, act AS (${
          years.length === 1
            ? `SELECT member_id, tier_id AS tier FROM report_member_years
                WHERE year = ($3::int[])[1] AND active & ($4::bit(366)[])[1] <> 0::bit(366) AND EXISTS (SELECT FROM covered)`
            : `SELECT y.member_id, max(y.tier_id) AS tier FROM report_member_years y JOIN unnest($3::int[], $4::bit(366)[]) AS m(year, mask) ON y.year = m.year
                WHERE y.active & m.mask <> 0::bit(366) AND EXISTS (SELECT FROM covered) GROUP BY 1`
        }) ${byTierAtEnd} ${marker}`,
        values: [end, zone, years, masks],
      },
      ledger: {
        text: `WITH ${SEGMENTS}, act AS (SELECT member_id, max(tier_id) AS tier FROM events WHERE occurred_at >= $2 AND occurred_at < $1 GROUP BY 1) ${byTierAtEnd}`,
        values: [end, start],
      },
    },
  ];
}

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
  const cover = await memberDaysCover(pool, ctx);
  const [opening, joins, changes, activity] = await Promise.all([
    analyticQuery<{ tier: string; n: number }>(
      pool,
      `WITH ${SEGMENTS} SELECT coalesce(sg.tier, m.tier_id) AS tier, count(*)::bigint AS n FROM members m ${TIER_AT('$1::timestamptz')} WHERE m.joined_at < $1 GROUP BY 1`,
      [ctx.range.start],
    ),
    // The tier each member joined in: its tier at its joining instant (later changes count as they happen).
    analyticQuery<{ b: number; tier: string; n: number }>(
      pool,
      `WITH ${SEGMENTS}
       SELECT width_bucket(m.joined_at, $1::timestamptz[]) AS b, coalesce(sg.tier, m.tier_id) AS tier, count(*)::bigint AS n
         FROM members m ${TIER_AT('m.joined_at')} WHERE m.joined_at >= $2 AND m.joined_at < $3 GROUP BY 1, 2`,
      bounds,
    ),
    // Each change moves its member from the tier it was in (the previous change's `to`, in time
    // order) to its `to`: a review dated at its due instant may be written after a later-dated
    // upgrade, and reading changes in time order keeps every count whole. Changes dated before
    // their member joined are in the tier it joined in.
    analyticQuery<{ b: number; from_tier: string; to_tier: string; n: number }>(
      pool,
      `SELECT width_bucket(sg.s, $1::timestamptz[]) AS b, sg.from_tier, sg.tier AS to_tier, count(*)::bigint AS n
         FROM report_tier_segments sg JOIN members m ON m.id = sg.member_id
        WHERE sg.change_id IS NOT NULL AND sg.s >= $2 AND sg.s < $3 AND m.joined_at <= sg.s GROUP BY 1, 2, 3`,
      bounds,
    ),
    readMemberDays<{ b: number; tier: string; n: number }>(pool, cover, activeStatements(ctx)),
  ]);
  const {
    results: [active, activeTotal],
    computedFrom,
  } = activity;

  const n = ctx.range.buckets.length;
  const newByTier = Array.from({ length: n }, (): TierCounts => new Map());
  const activeByTier = Array.from({ length: n }, (): TierCounts => new Map());
  const changeDelta = Array.from({ length: n }, (): TierCounts => new Map());
  for (const r of joins.rows) add(newByTier[r.b - 1]!, r.tier, toInt(r.n));
  for (const r of active!) add(activeByTier[r.b - 1]!, r.tier, toInt(r.n));
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
  const activeAtEnd: TierCounts = new Map(activeTotal!.map((r) => [r.tier, toInt(r.n)]));
  return {
    ...reportHeader('members', ctx, computedFrom),
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
