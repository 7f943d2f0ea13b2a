-- Points-report rollups, written in the same transaction as the ledger entries they sum (a
-- statement-level trigger over the statement's new rows), so a report equals a direct sum over
-- ledger_entries at every instant. Every writer (events, redemptions, adjustments, awards, the
-- expiry sweep, whatever comes next) is covered without knowing about reports.
--
-- Time is kept in 15-minute UTC slices: every interval boundary of every IANA zone in use falls on
-- one (zone offsets are whole quarter hours), so a report in any zone and any calendar is a sum of
-- whole slices, and a change of the program's zone needs no rebuild. A per-UTC-day total beside
-- them makes a balance at any instant a sum of days plus at most one day of slices.
--
-- Writers do not queue on one hot row: each backend adds to its own shard of a row
-- (pg_backend_pid() % 8); `compact_report_rollups` folds old shards into shard 0.

-- The slice of an instant: its 15-minute UTC floor.
CREATE FUNCTION report_slice(at timestamptz) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN date_bin('15 minutes'::interval, at, timestamptz '2000-01-01 00:00:00+00');

-- Entry flows by slice and by what a report tells apart: kind, component (base, tier_bonus; ''
-- when none), source (api, partner:<id>, admin, system, mission:<id>, ...), whether the points
-- were pending, whether a rule produced them (an earn without a rule is an award) and the sign.
CREATE TABLE ledger_rollup (
  slice       timestamptz NOT NULL,
  kind        text NOT NULL,
  component   text NOT NULL,
  source      text NOT NULL,
  pending     boolean NOT NULL,
  has_rule    boolean NOT NULL,
  positive    boolean NOT NULL,
  shard       smallint NOT NULL,
  entries     bigint NOT NULL,
  points      bigint NOT NULL,
  qualifying  bigint NOT NULL,
  PRIMARY KEY (slice, kind, component, source, pending, has_rule, positive, shard)
);

-- Changes of the pending stock: a pending entry adds its points at its own slice and takes them
-- away again at the slice its lot's return window closes (pending_until). Earn entries add,
-- cancellations (refunds inside the window) subtract, so the sum over slices before an instant is
-- the points still pending at that instant.
CREATE TABLE ledger_pending_rollup (
  slice   timestamptz NOT NULL,
  shard   smallint NOT NULL,
  points  bigint NOT NULL,
  PRIMARY KEY (slice, shard)
);

-- Per UTC day: the balance change (all entries) and the pending change, for opening balances.
CREATE TABLE ledger_rollup_day (
  day      date NOT NULL,
  shard    smallint NOT NULL,
  points   bigint NOT NULL,
  pending  bigint NOT NULL,
  PRIMARY KEY (day, shard)
);

-- Rows ordered by key in every upsert: two writers lock shared rows in the same order, so they
-- can wait for each other but never deadlock. Generic plans: Laurel's connections force custom
-- plans (see src/db/pool.ts), which would plan these three statements on every write; their
-- inputs are a statement's few new rows, for which one cached plan is right (0.2–0.3 ms per
-- write statement instead of ~1 ms).
CREATE FUNCTION ledger_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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

  INSERT INTO ledger_pending_rollup AS r (slice, shard, points)
  SELECT slice, my_shard, sum(points) FROM (
    SELECT report_slice(n.at) AS slice, a.points
      FROM new_entries n JOIN lot_allocations a ON a.entry_seq = n.seq
     WHERE n.pending
    UNION ALL
    SELECT report_slice(l.pending_until), -a.points
      FROM new_entries n JOIN lot_allocations a ON a.entry_seq = n.seq JOIN lots l ON l.id = a.lot_id
     WHERE n.pending
  ) d
   GROUP BY slice ORDER BY slice
  ON CONFLICT (slice, shard) DO UPDATE SET points = r.points + EXCLUDED.points;

  INSERT INTO ledger_rollup_day AS r (day, shard, points, pending)
  SELECT day, my_shard, sum(points), sum(pending) FROM (
    SELECT (n.at AT TIME ZONE 'UTC')::date AS day, n.amount AS points, 0::bigint AS pending FROM new_entries n
    UNION ALL
    SELECT (n.at AT TIME ZONE 'UTC')::date, 0, a.points
      FROM new_entries n JOIN lot_allocations a ON a.entry_seq = n.seq
     WHERE n.pending
    UNION ALL
    SELECT (report_slice(l.pending_until) AT TIME ZONE 'UTC')::date, 0, -a.points
      FROM new_entries n JOIN lot_allocations a ON a.entry_seq = n.seq JOIN lots l ON l.id = a.lot_id
     WHERE n.pending
  ) d
   GROUP BY day ORDER BY day
  ON CONFLICT (day, shard) DO UPDATE SET points = r.points + EXCLUDED.points, pending = r.pending + EXCLUDED.pending;
  RETURN NULL;
END $$;

CREATE TRIGGER ledger_entries_rollup AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_add();

-- Folds every shard of rows older than `before` into shard 0 (fewer rows for reports to read).
-- Safe beside writers: a writer that adds to a row being folded waits for it, then finds the row
-- gone and inserts a fresh one, which a later compaction folds.
CREATE FUNCTION compact_report_rollups(before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  WITH moved AS (
    DELETE FROM ledger_rollup WHERE slice < before AND shard <> 0
    RETURNING slice, kind, component, source, pending, has_rule, positive, entries, points, qualifying
  )
  INSERT INTO ledger_rollup AS r (slice, kind, component, source, pending, has_rule, positive, shard, entries, points, qualifying)
  SELECT slice, kind, component, source, pending, has_rule, positive, 0, sum(entries), sum(points), sum(qualifying)
    FROM moved GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (slice, kind, component, source, pending, has_rule, positive, shard) DO UPDATE
    SET entries = r.entries + EXCLUDED.entries, points = r.points + EXCLUDED.points, qualifying = r.qualifying + EXCLUDED.qualifying;
  GET DIAGNOSTICS folded = ROW_COUNT;

  WITH moved AS (DELETE FROM ledger_pending_rollup WHERE slice < before AND shard <> 0 RETURNING slice, points)
  INSERT INTO ledger_pending_rollup AS r (slice, shard, points)
  SELECT slice, 0, sum(points) FROM moved GROUP BY slice ORDER BY slice
  ON CONFLICT (slice, shard) DO UPDATE SET points = r.points + EXCLUDED.points;

  WITH moved AS (DELETE FROM ledger_rollup_day WHERE day < (before AT TIME ZONE 'UTC')::date AND shard <> 0 RETURNING day, points, pending)
  INSERT INTO ledger_rollup_day AS r (day, shard, points, pending)
  SELECT day, 0, sum(points), sum(pending) FROM moved GROUP BY day ORDER BY day
  ON CONFLICT (day, shard) DO UPDATE SET points = r.points + EXCLUDED.points, pending = r.pending + EXCLUDED.pending;
  RETURN folded;
END $$;

-- Recomputes every rollup from the ledger (the entries that exist now; writers wait meanwhile).
CREATE FUNCTION rebuild_report_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE ledger_entries IN SHARE MODE;
  TRUNCATE ledger_rollup, ledger_pending_rollup, ledger_rollup_day;
  INSERT INTO ledger_rollup (slice, kind, component, source, pending, has_rule, positive, shard, entries, points, qualifying)
  SELECT report_slice(at), kind, coalesce(component, ''), source, pending, rule_id IS NOT NULL, amount > 0, 0,
         count(*), sum(amount), sum(qualifying_points)
    FROM ledger_entries
   GROUP BY 1, 2, 3, 4, 5, 6, 7;
  INSERT INTO ledger_pending_rollup (slice, shard, points)
  SELECT slice, 0, sum(points) FROM (
    SELECT report_slice(e.at) AS slice, a.points FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq WHERE e.pending
    UNION ALL
    SELECT report_slice(l.pending_until), -a.points
      FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq JOIN lots l ON l.id = a.lot_id WHERE e.pending
  ) d GROUP BY slice;
  INSERT INTO ledger_rollup_day (day, shard, points, pending)
  SELECT day, 0, sum(points), sum(pending) FROM (
    SELECT (at AT TIME ZONE 'UTC')::date AS day, sum(amount) AS points, 0::bigint AS pending FROM ledger_entries GROUP BY 1
    UNION ALL
    SELECT (slice AT TIME ZONE 'UTC')::date, 0, sum(points) FROM ledger_pending_rollup GROUP BY 1
  ) d GROUP BY day;
END $$;

SELECT rebuild_report_rollups();
