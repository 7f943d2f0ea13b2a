import type { Pool } from '../db/index.js';

export interface OfferCounts {
  grants: number;
  /** Holders who used it at least once. */
  holdersUsed: number;
  uses: number;
  /** Bonus points given, or points saved by a reward discount. */
  points: number;
  /** Revenue of the orders that used it (minor units). */
  revenue: number;
}

/** Per offer: grants and uses (cancelled uses excluded), from the grant and use rows; a bonus use's revenue is its event's amount. */
export async function offerCounts(pool: Pool, offerIds: readonly string[]): Promise<Map<string, OfferCounts>> {
  const { rows } = await pool.query<{ offer_id: string; grants: number; holders_used: number; uses: number; points: number; revenue: number }>(
    `SELECT o.id AS offer_id,
            (SELECT count(*) FROM offer_grants g WHERE g.offer_id = o.id)::int AS grants,
            (SELECT count(DISTINCT u.member_id) FROM offer_uses u WHERE u.offer_id = o.id AND u.cancelled_at IS NULL)::int AS holders_used,
            (SELECT count(*) FROM offer_uses u WHERE u.offer_id = o.id AND u.cancelled_at IS NULL)::int AS uses,
            (SELECT coalesce(sum(u.points), 0) FROM offer_uses u WHERE u.offer_id = o.id AND u.cancelled_at IS NULL)::bigint AS points,
            (SELECT coalesce(sum(coalesce(u.amount, e.amount)), 0) FROM offer_uses u LEFT JOIN events e ON u.kind = 'bonus' AND e.id = u.ref
              WHERE u.offer_id = o.id AND u.cancelled_at IS NULL)::bigint AS revenue
       FROM offers o WHERE o.id = ANY($1::text[])`,
    [offerIds],
  );
  return new Map(rows.map((r) => [r.offer_id, { grants: r.grants, holdersUsed: r.holders_used, uses: r.uses, points: r.points, revenue: r.revenue }]));
}
