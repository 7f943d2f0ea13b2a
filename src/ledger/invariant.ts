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

/** A member whose ledger does not add up, as `laurel ledger check` reports it. */
export interface MemberImbalance {
  memberId: string;
  /** Sum of the member's ledger entries. */
  entries: number;
  /** Sum of the points left in the member's lots (debt negative). */
  lots: number;
  /** Points left in the member's pending lots. */
  pendingLots: number;
  /** The cached balance row (null: the member has ledger rows but no balance row). */
  available: number | null;
  pending: number | null;
}

export interface LedgerCheck {
  ok: boolean;
  /** Members checked: every member with a balance row, an entry or a lot. */
  members: number;
  /** Members out of balance, and the first `limit` of them. */
  imbalanced: number;
  imbalances: MemberImbalance[];
  /**
   * Rows whose reference does not hold, by reference. The event write carries no foreign keys
   * (migration 0015: they cost most of its time); the ledger code writes only rows it has just
   * read the targets of, and this check proves it did.
   */
  brokenReferences: Record<string, number>;
}

/** Every reference migrations 0015 and 0067 stopped enforcing, as (name, rows whose target is missing). */
const REFERENCES: readonly [string, string][] = [
  ['lots.member_id → members', `SELECT count(*) FROM lots x WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = x.member_id)`],
  ['ledger_entries.member_id → members', `SELECT count(*) FROM ledger_entries x WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = x.member_id)`],
  ['ledger_entries.event_id → events', `SELECT count(*) FROM ledger_entries x WHERE x.event_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = x.event_id)`],
  [
    'ledger_entries.program_version → program_versions',
    `SELECT count(*) FROM ledger_entries x WHERE x.program_version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM program_versions p WHERE p.version = x.program_version)`,
  ],
  ['lot_allocations.entry_seq → ledger_entries', `SELECT count(*) FROM lot_allocations x WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.seq = x.entry_seq)`],
  ['lot_allocations.lot_id → lots', `SELECT count(*) FROM lot_allocations x WHERE NOT EXISTS (SELECT 1 FROM lots l WHERE l.id = x.lot_id)`],
  ['events.member_id → members', `SELECT count(*) FROM events x WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = x.member_id)`],
  ['events.program_version → program_versions', `SELECT count(*) FROM events x WHERE NOT EXISTS (SELECT 1 FROM program_versions p WHERE p.version = x.program_version)`],
  ['member_balances.member_id → members', `SELECT count(*) FROM member_balances x WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = x.member_id)`],
  ['order_refunds.member_id → members', `SELECT count(*) FROM order_refunds x WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = x.member_id)`],
  ['tier_changes.member_id → members', `SELECT count(*) FROM tier_changes x WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = x.member_id)`],
  // Migration 0067: item rows are written by the events trigger from the same statement's events.
  ['event_items.event_id → events', `SELECT count(*) FROM event_items x WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = x.event_id)`],
];

/**
 * The nightly proof of the ledger (`laurel ledger check`): for every member, sum of entries = sum
 * of lots = the cached balance row (available + pending), the cached pending = the points in
 * pending lots; and every reference the event write no longer enforces holds. Read-only, one
 * snapshot (REPEATABLE READ), so a check beside live traffic sees one consistent instant.
 */
export async function checkLedger(pool: Pool, opts: { limit?: number } = {}): Promise<LedgerCheck> {
  const limit = opts.limit ?? 100;
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const balance = await client.query<{ members: number; imbalanced: number; imbalances: MemberImbalance[] }>(
      `WITH e AS (SELECT member_id, sum(amount)::bigint AS total FROM ledger_entries GROUP BY member_id),
            l AS (SELECT member_id, sum(remaining_points)::bigint AS total,
                         coalesce(sum(remaining_points) FILTER (WHERE status = 'pending'), 0)::bigint AS pending
                    FROM lots GROUP BY member_id),
            ids AS (SELECT member_id FROM member_balances UNION SELECT member_id FROM e UNION SELECT member_id FROM l),
            m AS (SELECT ids.member_id, coalesce(e.total, 0)::bigint AS entries, coalesce(l.total, 0)::bigint AS lots, coalesce(l.pending, 0)::bigint AS pending_lots,
                         b.available::bigint, b.pending::bigint
                    FROM ids LEFT JOIN e USING (member_id) LEFT JOIN l USING (member_id) LEFT JOIN member_balances b USING (member_id)),
            bad AS (SELECT * FROM m WHERE available IS NULL OR NOT (entries = lots AND lots = available + pending AND pending = pending_lots))
       SELECT (SELECT count(*) FROM m)::bigint AS members, (SELECT count(*) FROM bad)::bigint AS imbalanced,
              (SELECT coalesce(json_agg(json_build_object('memberId', member_id, 'entries', entries, 'lots', lots, 'pendingLots', pending_lots,
                                                          'available', available, 'pending', pending) ORDER BY member_id), '[]'::json)
                 FROM (SELECT * FROM bad ORDER BY member_id LIMIT $1) x) AS imbalances`,
      [limit],
    );
    const references = await client.query<Record<string, number>>(`SELECT ${REFERENCES.map(([, sql], i) => `(${sql})::bigint AS r${i}`).join(', ')}`);
    await client.query('COMMIT');
    const counts = references.rows[0]!;
    const brokenReferences = Object.fromEntries(REFERENCES.map(([name], i) => [name, Number(counts[`r${i}`])]).filter(([, n]) => n !== 0));
    const { members, imbalanced, imbalances } = balance.rows[0]!;
    return { ok: Number(imbalanced) === 0 && Object.keys(brokenReferences).length === 0, members: Number(members), imbalanced: Number(imbalanced), imbalances, brokenReferences };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
