-- The points-report rollup trigger (0030) joined a statement's pending entries to their lot
-- allocations and lots twice, once for ledger_pending_rollup and once for ledger_rollup_day
-- (four joins in all). The same sums from ONE join, read by both upserts in one statement.
-- `has_lot`: 0030 took the closing of the window only for allocations whose lot exists (inner
-- join) and the opening for every allocation; a left join keeps exactly that.
CREATE OR REPLACE FUNCTION ledger_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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

  WITH moves AS MATERIALIZED (
    SELECT report_slice(n.at) AS slice, (n.at AT TIME ZONE 'UTC')::date AS day, a.points,
           report_slice(l.pending_until) AS until_slice, l.id IS NOT NULL AS has_lot
      FROM new_entries n JOIN lot_allocations a ON a.entry_seq = n.seq LEFT JOIN lots l ON l.id = a.lot_id
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
