import type { Pool } from '../db/index.js';

export interface InvariantViolation {
  memberId: string;
  entries: number;
  lots: number;
  cached: number;
}

/**
 * Proves balance = sum of entries = sum of open lots = the cached balance row, for every member
 * (or the given ones), in one grouped query. An empty list means the ledger is consistent.
 */
export async function checkLedgerInvariant(pool: Pool, memberIds?: readonly string[]): Promise<InvariantViolation[]> {
  const { rows } = await pool.query<{ member_id: string; entries: number; lots: number; cached: number }>(
    `WITH e AS (SELECT member_id, sum(amount)::bigint AS total FROM ledger_entries GROUP BY member_id),
          l AS (SELECT member_id, sum(remaining_points)::bigint AS total FROM lots GROUP BY member_id)
     SELECT b.member_id, coalesce(e.total, 0)::bigint AS entries, coalesce(l.total, 0)::bigint AS lots, (b.available + b.pending)::bigint AS cached
       FROM member_balances b LEFT JOIN e USING (member_id) LEFT JOIN l USING (member_id)
      WHERE ($1::text[] IS NULL OR b.member_id = ANY($1::text[]))
        AND NOT (coalesce(e.total, 0) = coalesce(l.total, 0) AND coalesce(l.total, 0) = b.available + b.pending)`,
    [memberIds ?? null],
  );
  return rows.map((r) => ({ memberId: r.member_id, entries: r.entries, lots: r.lots, cached: r.cached }));
}
