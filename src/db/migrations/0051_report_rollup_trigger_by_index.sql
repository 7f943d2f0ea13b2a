-- The points-report rollup trigger (0030, 0034) joined the statement's pending entries to
-- lot_allocations and lots with a plan made ONCE per backend (force_generic_plan). Made while those
-- tables were small, it was a hash join over a sequential scan of EVERY allocation and EVERY lot,
-- kept for the backend's life: each ledger write then cost O(table) — batches of 1,000 events and
-- the expiry sweep's pages slowed down as the ledger grew (auto_explain of a batch write: "Seq
-- Scan on lot_allocations", "Seq Scan on lots" inside the trigger, with 1,000 new entries).
-- The same sums (0034's semantics exactly: a left join to lots keeps `has_lot`), but each table is
-- reached by its key for just the statement's rows: `= ANY(ARRAY(SELECT …))` is an array the
-- planner cannot size, so it probes lot_allocations_pkey (entry_seq first) and lots_pkey; and the
-- function plans with sequential scans disabled, so a plan made on an empty database stays index
-- probes when the tables grow (the small per-statement sets are joined in memory).
CREATE OR REPLACE FUNCTION ledger_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
  my_shard smallint := pg_backend_pid() % 8;
BEGIN
  INSERT INTO ledger_rollup AS r (slice, kind, component, source, pending, has_rule, positive, shard, entries, points, qualifying)
  SELECT report_slice(n.at), n.kind, coalesce(n.component, ''), n.source, n.pending, n.rule_id IS NOT NULL, n.amount > 0, my_shard,
         count(*), sum(n.amount), sum(n.qualifying_points)
    FROM new_entries n
   GROUP BY 1, 2, 3, 4, 5, 6, 7
   ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (slice, kind, component, source, pending, has_rule, positive, shard) DO UPDATE
    SET entries = r.entries + EXCLUDED.entries, points = r.points + EXCLUDED.points, qualifying = r.qualifying + EXCLUDED.qualifying;

  WITH allocs AS MATERIALIZED (
    SELECT a.entry_seq, a.lot_id, a.points FROM lot_allocations a
     WHERE a.entry_seq = ANY(ARRAY(SELECT n.seq FROM new_entries n WHERE n.pending))
  ),
  lot_ends AS MATERIALIZED (
    SELECT l.id, l.pending_until FROM lots l WHERE l.id = ANY(ARRAY(SELECT DISTINCT lot_id FROM allocs))
  ),
  moves AS MATERIALIZED (
    SELECT report_slice(n.at) AS slice, (n.at AT TIME ZONE 'UTC')::date AS day, a.points,
           report_slice(l.pending_until) AS until_slice, l.id IS NOT NULL AS has_lot
      FROM new_entries n JOIN allocs a ON a.entry_seq = n.seq LEFT JOIN lot_ends l ON l.id = a.lot_id
     WHERE n.pending
  ),
  pending AS (
    INSERT INTO ledger_pending_rollup AS r (slice, shard, points)
    SELECT slice, my_shard, sum(points) FROM (
      SELECT m.slice, m.points FROM moves m
      UNION ALL
      SELECT m.until_slice, -m.points FROM moves m WHERE m.has_lot
    ) d
     GROUP BY slice ORDER BY slice
    ON CONFLICT (slice, shard) DO UPDATE SET points = r.points + EXCLUDED.points
  )
  INSERT INTO ledger_rollup_day AS r (day, shard, points, pending)
  SELECT day, my_shard, sum(points), sum(pending) FROM (
    SELECT (n.at AT TIME ZONE 'UTC')::date AS day, n.amount AS points, 0::bigint AS pending FROM new_entries n
    UNION ALL
    SELECT m.day, 0, m.points FROM moves m
    UNION ALL
    SELECT (m.until_slice AT TIME ZONE 'UTC')::date, 0, -m.points FROM moves m WHERE m.has_lot
  ) d
   GROUP BY day ORDER BY day
  ON CONFLICT (day, shard) DO UPDATE SET points = r.points + EXCLUDED.points, pending = r.pending + EXCLUDED.pending;
  RETURN NULL;
END $$;
