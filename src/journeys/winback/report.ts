import type { Pool } from '../../db/index.js';

export type WinbackOutcome = 'active' | 'regained' | 'lapsed';

export interface WinbackReportQuery {
  /** Review dates (UTC, YYYY-MM-DD) from this day on, inclusive. */
  from?: string | undefined;
  /** Review dates up to this day, inclusive. */
  to?: string | undefined;
  /** Only journeys with this outcome in the list (the counts always cover every outcome). */
  status?: WinbackOutcome | undefined;
  limit: number;
  /** Keyset cursor: the `nextBefore` of the previous page (the id of its last journey). */
  before?: string | undefined;
}

export interface WinbackCounts {
  total: number;
  active: number;
  regained: number;
  lapsed: number;
  /** regained / (regained + lapsed): the share of finished journeys that won the tier back; null before any finished. */
  regainRate: number | null;
}

export interface WinbackReportItem {
  id: string;
  memberId: string;
  fromTier: string;
  toTier: string;
  reviewDate: string;
  demotedAt: Date;
  targetPoints: number | null;
  progressPoints: number;
  deadline: Date | null;
  status: WinbackOutcome;
  endedAt: Date | null;
}

export interface WinbackReport {
  totals: WinbackCounts;
  byReviewDate: (WinbackCounts & { reviewDate: string })[];
  items: WinbackReportItem[];
  nextBefore: string | null;
}

interface CountRow {
  review_date: string | null;
  total: number;
  active: number;
  regained: number;
  lapsed: number;
}

function counts(row: CountRow | undefined): WinbackCounts {
  const total = row?.total ?? 0;
  const regained = row?.regained ?? 0;
  const lapsed = row?.lapsed ?? 0;
  return { total, active: row?.active ?? 0, regained, lapsed, regainRate: regained + lapsed === 0 ? null : regained / (regained + lapsed) };
}

// The review date is the demotion's UTC day: the same day the workflow id `winback:<member>:<date>` carries.
const REVIEW_DATE = `to_char(demoted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
const RANGE = `($1::date IS NULL OR demoted_at >= ($1::date::timestamp AT TIME ZONE 'UTC'))
           AND ($2::date IS NULL OR demoted_at < (($2::date + 1)::timestamp AT TIME ZONE 'UTC'))`;

/**
 * Win-back outcomes for reports: counts by outcome overall and per review date over the range, and
 * one newest-first page of the journeys themselves (keyset on demotion time and id; pages run
 * newest demotion first). A cursor naming no journey matches nothing (an empty page).
 */
export async function winbackReport(pool: Pool, query: WinbackReportQuery): Promise<WinbackReport> {
  const range = [query.from ?? null, query.to ?? null];
  const [grouped, page] = await Promise.all([
    pool.query<CountRow>(
      `SELECT ${REVIEW_DATE} AS review_date,
              count(*)::int AS total,
              count(*) FILTER (WHERE status = 'active')::int AS active,
              count(*) FILTER (WHERE status = 'regained')::int AS regained,
              count(*) FILTER (WHERE status = 'lapsed')::int AS lapsed
         FROM winbacks
        WHERE ${RANGE}
        GROUP BY ROLLUP (${REVIEW_DATE})
        ORDER BY review_date DESC NULLS FIRST`,
      range,
    ),
    pool.query<{
      id: string;
      member_id: string;
      from_tier: string;
      to_tier: string;
      review_date: string;
      demoted_at: Date;
      target_points: string | null;
      progress_points: string;
      deadline: Date | null;
      status: WinbackOutcome;
      ended_at: Date | null;
    }>(
      `SELECT id, member_id, from_tier, to_tier, ${REVIEW_DATE} AS review_date, demoted_at, target_points, progress_points, deadline, status, ended_at
         FROM winbacks
        WHERE ${RANGE}
          AND ($3::text IS NULL OR status = $3)
          AND ($4::text IS NULL OR (demoted_at, id) < (SELECT c.demoted_at, c.id FROM winbacks c WHERE c.id = $4))
        ORDER BY demoted_at DESC, id DESC
        LIMIT $5`,
      // The cursor row's own timestamp, not a copy through JavaScript (which would drop microseconds).
      [...range, query.status ?? null, query.before ?? null, query.limit + 1],
    ),
  ]);
  // ROLLUP's grand-total row has a null review date and sorts first.
  const total = grouped.rows.find((r) => r.review_date === null);
  const rows = page.rows.slice(0, query.limit);
  const last = rows[rows.length - 1];
  return {
    totals: counts(total),
    byReviewDate: grouped.rows.filter((r) => r.review_date !== null).map((r) => ({ reviewDate: r.review_date!, ...counts(r) })),
    items: rows.map((r) => ({
      id: r.id,
      memberId: r.member_id,
      fromTier: r.from_tier,
      toTier: r.to_tier,
      reviewDate: r.review_date,
      demotedAt: r.demoted_at,
      targetPoints: r.target_points === null ? null : Number(r.target_points),
      progressPoints: Number(r.progress_points),
      deadline: r.deadline,
      status: r.status,
      endedAt: r.ended_at,
    })),
    nextBefore: page.rows.length > query.limit && last ? last.id : null,
  };
}
