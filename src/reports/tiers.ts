import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import type { ProgramDefinition } from '../program/index.js';
import { intervalBase, reportContext, reportHeader, toInt } from './context.js';
import type { ReportQuery } from './query.js';
import { rate } from './rate.js';
import type { TiersFigures, TiersReport } from './schemas.js';

type Direction = 'up' | 'same' | 'down';

function direction(program: ProgramDefinition, from: string, to: string): Direction {
  if (from === to) return 'same';
  const rank = (id: string) => program.tiers.findIndex((t) => t.id === id);
  return rank(to) > rank(from) ? 'up' : 'down';
}

interface Accumulator {
  reviews: number;
  matrix: Map<string, { from: string; to: string; count: number }>;
  gracesStarted: number;
  inGrace: number;
  changes: Map<string, { reason: string; from: string; to: string; count: number }>;
  winback: { demotions: number; active: number; regained: number; lapsed: number };
}

function empty(): Accumulator {
  return { reviews: 0, matrix: new Map(), gracesStarted: 0, inGrace: 0, changes: new Map(), winback: { demotions: 0, active: 0, regained: 0, lapsed: 0 } };
}

function figures(program: ProgramDefinition, a: Accumulator): TiersFigures {
  const order = (id: string) => {
    const i = program.tiers.findIndex((t) => t.id === id);
    return i < 0 ? Infinity : i;
  };
  const byTiers = <T extends { from: string; to: string }>(x: T, y: T) => order(x.from) - order(y.from) || order(x.to) - order(y.to) || (x.from + x.to < y.from + y.to ? -1 : 1);
  const matrix = [...a.matrix.values()].sort(byTiers).map((m) => ({ ...m, direction: direction(program, m.from, m.to) }));
  const movement = { up: 0, same: 0, down: 0 };
  for (const m of matrix) movement[m.direction] += m.count;
  const byReason = [...a.changes.values()].sort((x, y) => (x.reason < y.reason ? -1 : x.reason > y.reason ? 1 : byTiers(x, y)));
  let upgrades = 0;
  let downgrades = 0;
  for (const c of byReason) {
    const d = direction(program, c.from, c.to);
    if (d === 'up') upgrades += c.count;
    if (d === 'down') downgrades += c.count;
  }
  return {
    reviews: a.reviews,
    movement,
    matrix: matrix.map(({ from, to, direction: dir, count }) => ({ from, to, direction: dir, count })),
    gracesStarted: a.gracesStarted,
    inGrace: a.inGrace,
    betweenReviews: { upgrades, downgrades, byReason },
    winback: { ...a.winback, regainRate: rate(a.winback.regained, a.winback.regained + a.winback.lapsed) },
  };
}

/**
 * The tiers report: per interval, each review's movement matrix (from × to, with up / same /
 * down from the program's tier order; every review counts, kept tiers included, from
 * tier_reviews), graces started, tier changes between reviews (upgrades as points are earned,
 * manual floors, win-back requalification), and the win-back journeys of the interval's demotions
 * with their regain rate as `GET /v1/reports/winback` computes it (regained ÷ finished).
 */
export async function tiersReport(pool: Pool, query: ReportQuery, now = new Date()): Promise<TiersReport> {
  const ctx = await reportContext(pool, query, now);
  const program = ctx.program.definition;
  const bounds = [ctx.boundaries, ctx.range.start, ctx.range.end];
  const [reviews, changes, winbacks] = await Promise.all([
    analyticQuery<{ b: number; from_tier: string; to_tier: string; outcome: string; n: number }>(
      pool,
      `SELECT width_bucket(reviewed_at, $1::timestamptz[]) AS b, from_tier, to_tier, outcome, count(*)::bigint AS n
         FROM tier_reviews WHERE reviewed_at >= $2 AND reviewed_at < $3 GROUP BY 1, 2, 3, 4`,
      bounds,
    ),
    analyticQuery<{ b: number; reason: string; from_tier: string; to_tier: string; n: number }>(
      pool,
      `SELECT width_bucket(at, $1::timestamptz[]) AS b, reason, from_tier, to_tier, count(*)::bigint AS n
         FROM tier_changes WHERE at >= $2 AND at < $3 AND reason NOT LIKE 'review\\_%' GROUP BY 1, 2, 3, 4`,
      bounds,
    ),
    analyticQuery<{ b: number; status: 'active' | 'regained' | 'lapsed'; n: number }>(
      pool,
      `SELECT width_bucket(demoted_at, $1::timestamptz[]) AS b, status, count(*)::bigint AS n
         FROM winbacks WHERE demoted_at >= $2 AND demoted_at < $3 GROUP BY 1, 2`,
      bounds,
    ),
  ]);
  const perInterval = ctx.range.buckets.map(empty);
  const total = empty();
  for (const r of reviews.rows) {
    for (const a of [perInterval[r.b - 1]!, total]) {
      const n = toInt(r.n);
      a.reviews += n;
      const key = `${r.from_tier}\u0000${r.to_tier}`;
      const cell = a.matrix.get(key) ?? { from: r.from_tier, to: r.to_tier, count: 0 };
      cell.count += n;
      a.matrix.set(key, cell);
      if (r.outcome === 'grace_started') a.gracesStarted += n;
      if (r.outcome === 'in_grace') a.inGrace += n;
    }
  }
  for (const r of changes.rows) {
    for (const a of [perInterval[r.b - 1]!, total]) {
      const key = `${r.reason}\u0000${r.from_tier}\u0000${r.to_tier}`;
      const cell = a.changes.get(key) ?? { reason: r.reason, from: r.from_tier, to: r.to_tier, count: 0 };
      cell.count += toInt(r.n);
      a.changes.set(key, cell);
    }
  }
  for (const r of winbacks.rows) {
    for (const a of [perInterval[r.b - 1]!, total]) {
      a.winback.demotions += toInt(r.n);
      a.winback[r.status] += toInt(r.n);
    }
  }
  return {
    ...reportHeader('tiers', ctx, 'ledger'),
    intervals: ctx.range.buckets.map((bucket, i) => ({ ...intervalBase(ctx, bucket), ...figures(program, perInterval[i]!) })),
    totals: figures(program, total),
  };
}
