import { z } from 'zod';
import type { Pool } from '../db/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { analyticQuery } from './analytic-query.js';
import { intervalBase, reportContext, reportHeader, toInt, type ReportContext } from './context.js';
import { bucketDays, coveredCte, memberDaysCover, readMemberDays, yearMasks, type MemberDaysStatement } from './member-days.js';
import { ReportQuerySchema, type ReportQuery } from './query.js';
import { onSlices } from './points.js';
import { rate } from './rate.js';
import type { SalesReport, Seller } from './schemas.js';

export const SalesReportQuerySchema = ReportQuerySchema.extend({
  /** How many best and worst sellers to list (SKUs and categories). */
  top: z.coerce.number({ error: 'expected a whole number from 1 to 100' }).int({ error: 'expected a whole number from 1 to 100' }).min(1).max(100).default(10),
});

interface Group {
  orders: number;
  refunds: number;
  gross: number;
  refunded: number;
}

const emptyGroup = (): Group => ({ orders: 0, refunds: 0, gross: 0, refunded: 0 });
const withRevenue = (g: Group) => ({ ...g, revenue: g.gross - g.refunded });

function addToGroup(g: Group, type: string, n: number, amount: number): void {
  if (type === 'purchase') {
    g.orders += n;
    g.gross += amount;
  } else {
    g.refunds += n;
    g.refunded += amount;
  }
}

function addTo(map: Map<string, Group>, key: string, type: string, n: number, amount: number): void {
  let g = map.get(key);
  if (!g) map.set(key, (g = emptyGroup()));
  addToGroup(g, type, n, amount);
}

function tierRows(program: ProgramDefinition, map: Map<string, Group>) {
  const order = (id: string) => {
    const i = program.tiers.findIndex((t) => t.id === id);
    return i < 0 ? Infinity : i;
  };
  return [...map.entries()].sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : 1)).map(([tier, g]) => ({ tier, ...withRevenue(g) }));
}

function sourceRows(map: Map<string, Group>) {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([source, g]) => ({ source, ...withRevenue(g) }));
}

/**
 * Every item figure in one pass over the range's items: grouping sets by SKU, by category and by
 * interval (units and baskets); SKUs and categories are ranked in the same statement, so only the
 * best and worst N of each come back. Sold = purchased − refunded; a basket is a purchase that
 * listed items (its line 0).
 */
const ITEMS_SQL = `
WITH grouped AS (
  SELECT CASE WHEN GROUPING(sku) = 0 THEN 'sku' WHEN GROUPING(category) = 0 THEN 'category' ELSE 'interval' END AS kind,
         coalesce(sku, category) AS key, width_bucket(occurred_at, $1::timestamptz[]) AS b,
         CASE WHEN GROUPING(sku) = 0 THEN max(name) END AS name,
         sum(CASE WHEN type = 'purchase' THEN quantity ELSE -quantity END)::bigint AS quantity,
         sum(CASE WHEN type = 'purchase' THEN amount ELSE -amount END)::bigint AS revenue,
         count(*) FILTER (WHERE type = 'purchase')::bigint AS orders,
         coalesce(sum(quantity) FILTER (WHERE type = 'purchase'), 0)::bigint AS units,
         count(*) FILTER (WHERE type = 'purchase' AND line = 0)::bigint AS baskets
    FROM event_items
   WHERE occurred_at >= $2 AND occurred_at < $3
   GROUP BY GROUPING SETS ((sku), (category), (width_bucket(occurred_at, $1::timestamptz[])))
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY kind ORDER BY revenue DESC, key COLLATE "C") AS best_revenue, row_number() OVER (PARTITION BY kind ORDER BY revenue, key COLLATE "C") AS worst_revenue,
            row_number() OVER (PARTITION BY kind ORDER BY quantity DESC, key COLLATE "C") AS best_quantity, row_number() OVER (PARTITION BY kind ORDER BY quantity, key COLLATE "C") AS worst_quantity
    FROM grouped WHERE kind <> 'interval' AND key IS NOT NULL AND orders > 0
)
SELECT kind, key, NULL::int AS b, name, quantity, revenue, orders, units, baskets, best_revenue, worst_revenue, best_quantity, worst_quantity
  FROM ranked WHERE best_revenue <= $4 OR worst_revenue <= $4 OR best_quantity <= $4 OR worst_quantity <= $4
UNION ALL
SELECT kind, NULL, b, NULL, quantity, revenue, orders, units, baskets, 0, 0, 0, 0 FROM grouped WHERE kind = 'interval'`;

/**
 * The same figures from the rollups, for a range whose boundaries are all on 15-minute UTC slices:
 * sellers over the range cut into pieces (`rangePieces`: whole UTC months, the whole UTC days left at
 * its ends, then the slices left) — the months and days from `sales_item_rollup` (grains 2 and 1,
 * migration 0061), the partial UTC days left at the ends (at most two) from `event_items` itself
 * (migration 0066 stopped keeping item rows per slice: they were about one per line anyway); units
 * and baskets per interval from `sales_basket_rollup`. Same columns and ranking as ITEMS_SQL.
 */
const ITEMS_ROLLUP_SQL = `
WITH pieces AS (SELECT * FROM unnest($5::smallint[], $6::timestamptz[], $7::timestamptz[]) AS p(grain, f, t)),
lines AS (
  SELECT r.sku, r.category, r.name, r.quantity, r.revenue, r.orders
    FROM pieces p JOIN sales_item_rollup r ON r.grain = p.grain AND r.at >= p.f AND r.at < p.t
   WHERE p.grain > 0
  UNION ALL
  SELECT i.sku, i.category, i.name, CASE WHEN i.type = 'purchase' THEN i.quantity ELSE -i.quantity END,
         CASE WHEN i.type = 'purchase' THEN i.amount ELSE -i.amount END, CASE WHEN i.type = 'purchase' THEN 1 ELSE 0 END
    FROM pieces p JOIN event_items i ON i.occurred_at >= p.f AND i.occurred_at < p.t
   WHERE p.grain = 0
),
grouped AS (
  SELECT CASE WHEN GROUPING(sku) = 0 THEN 'sku' ELSE 'category' END AS kind,
         coalesce(sku, category) AS key,
         CASE WHEN GROUPING(sku) = 0 THEN max(name) END AS name,
         sum(quantity)::bigint AS quantity, sum(revenue)::bigint AS revenue, sum(orders)::bigint AS orders
    FROM lines
   GROUP BY GROUPING SETS ((sku), (category))
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY kind ORDER BY revenue DESC, key COLLATE "C") AS best_revenue, row_number() OVER (PARTITION BY kind ORDER BY revenue, key COLLATE "C") AS worst_revenue,
            row_number() OVER (PARTITION BY kind ORDER BY quantity DESC, key COLLATE "C") AS best_quantity, row_number() OVER (PARTITION BY kind ORDER BY quantity, key COLLATE "C") AS worst_quantity
    FROM grouped WHERE key IS NOT NULL AND orders > 0
)
SELECT kind, key, NULL::int AS b, name, quantity, revenue, orders, 0::bigint AS units, 0::bigint AS baskets, best_revenue, worst_revenue, best_quantity, worst_quantity
  FROM ranked WHERE best_revenue <= $4 OR worst_revenue <= $4 OR best_quantity <= $4 OR worst_quantity <= $4
UNION ALL
SELECT 'interval', NULL, width_bucket(slice, $1::timestamptz[]), NULL, 0, 0, 0, sum(units)::bigint, sum(baskets)::bigint, 0, 0, 0, 0
  FROM sales_basket_rollup WHERE slice >= $2 AND slice < $3 GROUP BY 3`;

const GROUPS_SQL = `SELECT width_bucket(occurred_at, $1::timestamptz[]) AS b, type, coalesce(tier_id, '') AS tier, source, count(*)::bigint AS n, coalesce(sum(amount), 0)::bigint AS amount
  FROM events WHERE type IN ('purchase', 'refund') AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1, 2, 3, 4`;

const GROUPS_ROLLUP_SQL = `SELECT width_bucket(slice, $1::timestamptz[]) AS b, type, tier, source, sum(events)::bigint AS n, sum(amount)::bigint AS amount
  FROM sales_rollup WHERE slice >= $2 AND slice < $3 GROUP BY 1, 2, 3, 4`;

const DAY_MS = 86_400_000;

/**
 * [start, end) — both on 15-minute slices — as pieces of sales_item_rollup's grains: the whole UTC
 * months inside it (grain 2), the whole UTC days left at either end (grain 1), then the slices left
 * (grain 0: read from event_items, migration 0066). Every instant of the range is in exactly one piece.
 */
export function rangePieces(start: Date, end: Date): { grains: number[]; from: Date[]; to: Date[] } {
  const grains: number[] = [];
  const from: Date[] = [];
  const to: Date[] = [];
  const add = (grain: number, a: number, b: number) => {
    if (a < b) {
      grains.push(grain);
      from.push(new Date(a));
      to.push(new Date(b));
    }
  };
  const byDays = (a: number, b: number) => {
    const firstDay = Math.ceil(a / DAY_MS) * DAY_MS;
    const lastDay = Math.floor(b / DAY_MS) * DAY_MS;
    if (firstDay >= lastDay) return add(0, a, b);
    add(0, a, firstDay);
    add(1, firstDay, lastDay);
    add(0, lastDay, b);
  };
  const monthStart = (ms: number, next: boolean) => {
    const d = new Date(ms);
    const m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return next && m < ms ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) : m;
  };
  const [s, e] = [start.getTime(), end.getTime()];
  const firstMonth = monthStart(s, true);
  const lastMonth = monthStart(e, false);
  if (firstMonth >= lastMonth) {
    byDays(s, e);
  } else {
    byDays(s, firstMonth);
    add(2, firstMonth, lastMonth);
    byDays(lastMonth, e);
  }
  return { grains, from, to };
}

/**
 * Buyers (members with a purchase) and repeat buyers (two or more) per interval, and over the whole
 * range (`b` = 1). Over the rollup (report_member_days) when it is kept in the report's zone: a
 * day's rows are one per member already; a week or month adds its members' day rows.
 */
function buyerStatements(ctx: ReportContext): MemberDaysStatement[] {
  const { start, end } = ctx.range;
  const days = bucketDays(ctx);
  const [fromDay, endDay] = [days[0]!, days[days.length - 1]!];
  const zone = ctx.range.timeZone;
  const { years, masks } = yearMasks(ctx);
  const marker = `UNION ALL SELECT 0, 0, 0 FROM covered`;
  const inRange = `purchases > 0 AND day >= $2::date AND day < $3::date AND EXISTS (SELECT FROM covered)`;
  const counts = `count(*)::bigint AS buyers, count(*) FILTER (WHERE n >= 2)::bigint AS repeat`;
  const perBucket =
    ctx.range.interval === 'day'
      ? {
          text: `WITH ${coveredCte('$1')} SELECT (day - $2::date) + 1 AS b, count(*)::bigint AS buyers, count(*) FILTER (WHERE purchases >= 2)::bigint AS repeat
                   FROM report_member_days WHERE ${inRange} GROUP BY 1 ${marker}`,
          values: [zone, fromDay, endDay],
        }
      : {
          text: `WITH ${coveredCte('$1')} SELECT b, ${counts} FROM (
                   SELECT width_bucket(day, $4::date[]) AS b, member_id, sum(purchases) AS n FROM report_member_days WHERE ${inRange} GROUP BY 1, 2) x
                  GROUP BY b ${marker}`,
          values: [zone, fromDay, endDay, days],
        };
  return [
    {
      rollup: perBucket,
      ledger: {
        text: `SELECT b, ${counts} FROM (
                 SELECT width_bucket(occurred_at, $1::timestamptz[]) AS b, member_id, count(*) AS n
                   FROM events WHERE type = 'purchase' AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1, 2) x
                GROUP BY b`,
        values: [ctx.boundaries, start, end],
      },
    },
    {
      // Over the whole range: report_member_years' rows whose `buys` bits meet the range's days; two
      // or more purchases = two such days, or one day with two (`repeats`). One row per member
      // within one year; across years, grouped per member.
      rollup:
        years.length === 1
          ? {
              text: `WITH ${coveredCte('$1')}, y AS (SELECT buys & ($3::bit(366)[])[1] AS b, repeats & ($3::bit(366)[])[1] AS r FROM report_member_years
                                                     WHERE year = ($2::int[])[1] AND EXISTS (SELECT FROM covered))
                     SELECT 1 AS b, count(*)::bigint AS buyers, count(*) FILTER (WHERE bit_count(b) > 1 OR r <> 0::bit(366))::bigint AS repeat
                       FROM y WHERE b <> 0::bit(366) ${marker}`,
              values: [zone, years, masks],
            }
          : {
              text: `WITH ${coveredCte('$1')} SELECT 1 AS b, count(*)::bigint AS buyers, count(*) FILTER (WHERE n > 1 OR r)::bigint AS repeat FROM (
                       SELECT y.member_id, sum(bit_count(y.buys & m.mask)) AS n, bool_or(y.repeats & m.mask <> 0::bit(366)) AS r
                         FROM report_member_years y JOIN unnest($2::int[], $3::bit(366)[]) AS m(year, mask) ON y.year = m.year
                        WHERE y.buys & m.mask <> 0::bit(366) AND EXISTS (SELECT FROM covered) GROUP BY 1) x ${marker}`,
              values: [zone, years, masks],
            },
      ledger: {
        text: `SELECT 1 AS b, ${counts} FROM (SELECT member_id, count(*) AS n FROM events WHERE type = 'purchase' AND occurred_at >= $1 AND occurred_at < $2 GROUP BY 1) x`,
        values: [start, end],
      },
    },
  ];
}

type ItemRow = {
  kind: 'sku' | 'category' | 'interval';
  key: string;
  b: number;
  name: string | null;
  quantity: number;
  revenue: number;
  orders: number;
  units: number;
  baskets: number;
  best_revenue: number;
  worst_revenue: number;
  best_quantity: number;
  worst_quantity: number;
};

function sellers(rows: readonly ItemRow[], top: number) {
  const list = (rank: 'best_revenue' | 'worst_revenue' | 'best_quantity' | 'worst_quantity') =>
    rows
      .filter((r) => toInt(r[rank]) <= top)
      .sort((a, b) => toInt(a[rank]) - toInt(b[rank]))
      .map((r): Seller => ({ key: r.key, name: r.name, quantity: toInt(r.quantity), revenue: toInt(r.revenue), orders: toInt(r.orders) }));
  return { byRevenue: { best: list('best_revenue'), worst: list('worst_revenue') }, byQuantity: { best: list('best_quantity'), worst: list('worst_quantity') } };
}

/**
 * The sales report: per interval, orders, refunds and revenue (gross, refunded, net), average
 * basket, items per basket, buyers and the repeat purchase rate, by tier (the tier each purchase
 * was decided in) and by partner; over the range, the best and worst SKUs and categories by
 * revenue and by quantity, net of refunded items. Set-based: purchases and refunds through their
 * time index, items through theirs.
 */
export async function salesReport(pool: Pool, query: ReportQuery & { top: number }, now = new Date(), options: { fromRollups?: boolean } = {}): Promise<SalesReport> {
  const ctx = await reportContext(pool, query, now);
  const program = ctx.program.definition;
  const bounds = [ctx.boundaries, ctx.range.start, ctx.range.end];
  // The slice rollups (0061) cover every range on 15-minute slices; they are kept by triggers in
  // every writer's statement, so there is nothing else to check. `fromRollups: false` reads the
  // raw rows for every figure (the exactness test's fallback).
  const fromRollups = onSlices(ctx) && options.fromRollups !== false;
  const pieces = rangePieces(ctx.range.start, ctx.range.end);
  // Separate statements, each a single hash aggregate over its rows (one sort-based grouping-sets
  // statement over the orders cost several times more).
  const cover = options.fromRollups !== false && (await memberDaysCover(pool, ctx));
  const [groups, buyerCounts, items] = await Promise.all([
    analyticQuery<{ b: number; type: string; tier: string; source: string; n: number; amount: number }>(pool, fromRollups ? GROUPS_ROLLUP_SQL : GROUPS_SQL, bounds),
    readMemberDays<{ b: number; buyers: number; repeat: number }>(pool, cover, buyerStatements(ctx)),
    fromRollups
      ? analyticQuery<ItemRow>(pool, ITEMS_ROLLUP_SQL, [...bounds, query.top, pieces.grains, pieces.from, pieces.to])
      : analyticQuery<ItemRow>(pool, ITEMS_SQL, [...bounds, query.top]),
  ]);
  const {
    results: [buyers, whole],
  } = buyerCounts;
  const computedFrom = fromRollups && buyerCounts.computedFrom === 'rollups' ? 'rollups' : 'ledger';
  const skus = items.rows.filter((r) => r.kind === 'sku');
  const categories = items.rows.filter((r) => r.kind === 'category');

  const n = ctx.range.buckets.length;
  const perInterval = Array.from({ length: n }, () => ({ all: emptyGroup(), tiers: new Map<string, Group>(), sources: new Map<string, Group>(), buyers: 0, repeat: 0, units: 0, baskets: 0 }));
  const total = { all: emptyGroup(), tiers: new Map<string, Group>(), sources: new Map<string, Group>(), units: 0, baskets: 0 };
  for (const r of groups.rows) {
    const count = toInt(r.n);
    const amount = toInt(r.amount);
    const tier = r.tier === '' ? 'unknown' : r.tier;
    for (const t of [perInterval[r.b - 1]!, total]) {
      addToGroup(t.all, r.type, count, amount);
      addTo(t.tiers, tier, r.type, count, amount);
      addTo(t.sources, r.source, r.type, count, amount);
    }
  }
  for (const r of buyers!) Object.assign(perInterval[r.b - 1]!, { buyers: toInt(r.buyers), repeat: toInt(r.repeat) });
  for (const r of items.rows) {
    if (r.kind !== 'interval') continue;
    for (const t of [perInterval[r.b - 1]!, total]) {
      t.units += toInt(r.units);
      t.baskets += toInt(r.baskets);
    }
  }
  const figures = (g: Group, units: number, baskets: number, buyerCount: number, repeat: number) => ({
    ...withRevenue(g),
    averageBasket: rate(g.gross, g.orders),
    itemsPerBasket: rate(units, baskets),
    buyers: buyerCount,
    repeatPurchaseRate: rate(repeat, buyerCount),
  });
  return {
    ...reportHeader('sales', ctx, computedFrom),
    intervals: ctx.range.buckets.map((bucket, i) => {
      const t = perInterval[i]!;
      return { ...intervalBase(ctx, bucket), ...figures(t.all, t.units, t.baskets, t.buyers, t.repeat), byTier: tierRows(program, t.tiers), byPartner: sourceRows(t.sources) };
    }),
    totals: { ...figures(total.all, total.units, total.baskets, toInt(whole![0]?.buyers), toInt(whole![0]?.repeat)), byTier: tierRows(program, total.tiers), byPartner: sourceRows(total.sources) },
    sellers: { skus: sellers(skus, query.top), categories: sellers(categories, query.top) },
  };
}
