-- Missions report rollup, per 15-minute UTC slice as the other report rollups (0027, 0028, 0030,
-- 0061): every local midnight of every IANA zone in use falls on one, so a report in any zone and
-- calendar whose boundaries are on slices is a sum of whole slices; other boundaries (a historical
-- LMT offset) read mission_enrollments (src/reports/missions.ts decides per report).
--
-- One row per slice × mission, counters as columns (as campaign_funnel_rollup, 0027):
--   enrolled            enrollments created in the slice (created_at), and of them those whose
--   active / done /     status is now active, completed, expired (the completion rate of an
--   expired             interval's cohort, and each mission's active and expired);
--   completed           enrollments completed in the slice (completed_at).
-- Status as columns, not as a key: a year by day reads ~5 rows per slice instead of ~12 (three
-- statuses and completions as rows of their own), the report's cost being the rows it groups.
--
-- Exactness: kept by AFTER statement triggers on mission_enrollments that add the statement's new
-- rows and take away its old rows (transition tables), in the writer's own transaction, so the
-- rollup equals the enrollments grouped at every snapshot, whatever changed a row (an enrollment,
-- its completion or expiry, a moved created_at, a DELETE). PostgreSQL allows no column list
-- (UPDATE OF status, completed_at) on a trigger with transition tables: every UPDATE fires it, and
-- an update that moves no row between counters (progress, closed_at, ends_at) writes nothing.
-- TRUNCATE of mission_enrollments empties it.
--
-- Writers do not queue on one hot row: each backend adds to its own shard (pg_backend_pid() % 8);
-- `compact_mission_report_rollup` folds old shards into shard 0. Rows are upserted in key order
-- (two writers can wait for each other but never deadlock) with a generic plan (as 0030).
CREATE TABLE mission_report_rollup (
  slice       timestamptz NOT NULL,
  mission_id  text NOT NULL,
  shard       smallint NOT NULL,
  enrolled    bigint NOT NULL,
  active      bigint NOT NULL,
  done        bigint NOT NULL,
  expired     bigint NOT NULL,
  completed   bigint NOT NULL,
  PRIMARY KEY (slice, mission_id, shard)
);

-- One changed enrollment: s = +1 (a new row) or −1 (an old row), and what the rollup reads of it.
CREATE TYPE mission_report_change AS (s integer, mission_id text, status text, created_at timestamptz, completed_at timestamptz);

-- Adds a statement's changes: each one counts at the slice of its created_at (enrolled, by status)
-- and, when completed, at the slice of its completed_at. Counters that do not change are not written.
CREATE FUNCTION mission_report_rollup_apply() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  changes mission_report_change[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    changes := ARRAY(SELECT (1, mission_id, status, created_at, completed_at)::mission_report_change FROM new_rows);
  ELSIF TG_OP = 'UPDATE' THEN
    changes := ARRAY(SELECT (1, mission_id, status, created_at, completed_at)::mission_report_change FROM new_rows
                     UNION ALL SELECT (-1, mission_id, status, created_at, completed_at)::mission_report_change FROM old_rows);
  ELSE
    changes := ARRAY(SELECT (-1, mission_id, status, created_at, completed_at)::mission_report_change FROM old_rows);
  END IF;
  INSERT INTO mission_report_rollup AS r (slice, mission_id, shard, enrolled, active, done, expired, completed)
  SELECT v.slice, c.mission_id, pg_backend_pid() % 8, sum(v.enrolled), sum(v.active), sum(v.done), sum(v.expired), sum(v.completed)
    FROM unnest(changes) c
   CROSS JOIN LATERAL (VALUES (report_slice(c.created_at), c.s, CASE WHEN c.status = 'active' THEN c.s ELSE 0 END,
                               CASE WHEN c.status = 'completed' THEN c.s ELSE 0 END, CASE WHEN c.status = 'expired' THEN c.s ELSE 0 END, 0),
                              (report_slice(c.completed_at), 0, 0, 0, 0, c.s)) AS v(slice, enrolled, active, done, expired, completed)
   WHERE v.slice IS NOT NULL
   GROUP BY 1, 2
  HAVING (sum(v.enrolled), sum(v.active), sum(v.done), sum(v.expired), sum(v.completed)) <> (0, 0, 0, 0, 0)
   ORDER BY 1, 2
  ON CONFLICT (slice, mission_id, shard) DO UPDATE SET
    enrolled = r.enrolled + EXCLUDED.enrolled, active = r.active + EXCLUDED.active, done = r.done + EXCLUDED.done,
    expired = r.expired + EXCLUDED.expired, completed = r.completed + EXCLUDED.completed;
  RETURN NULL;
END $$;

CREATE TRIGGER mission_enrollments_report_rollup_insert AFTER INSERT ON mission_enrollments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mission_report_rollup_apply();
CREATE TRIGGER mission_enrollments_report_rollup_update AFTER UPDATE ON mission_enrollments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mission_report_rollup_apply();
CREATE TRIGGER mission_enrollments_report_rollup_delete AFTER DELETE ON mission_enrollments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mission_report_rollup_apply();

CREATE FUNCTION mission_report_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM mission_report_rollup;
  RETURN NULL;
END $$;
CREATE TRIGGER mission_enrollments_report_rollup_truncate AFTER TRUNCATE ON mission_enrollments
  FOR EACH STATEMENT EXECUTE FUNCTION mission_report_rollup_truncate();

-- Recomputes the rollup from mission_enrollments (writers wait meanwhile): this migration's
-- backfill, a bulk load written with triggers off (the bench seed), or to prove it.
CREATE FUNCTION rebuild_mission_report_rollup() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE mission_enrollments IN SHARE MODE;
  DELETE FROM mission_report_rollup;
  INSERT INTO mission_report_rollup (slice, mission_id, shard, enrolled, active, done, expired, completed)
  SELECT v.slice, e.mission_id, 0, sum(v.enrolled), sum(v.active), sum(v.done), sum(v.expired), sum(v.completed)
    FROM mission_enrollments e
   CROSS JOIN LATERAL (VALUES (report_slice(e.created_at), 1, (e.status = 'active')::int, (e.status = 'completed')::int, (e.status = 'expired')::int, 0),
                              (report_slice(e.completed_at), 0, 0, 0, 0, 1)) AS v(slice, enrolled, active, done, expired, completed)
   WHERE v.slice IS NOT NULL
   GROUP BY 1, 2;
  ANALYZE mission_report_rollup;
END $$;

-- Folds every shard of rows older than `before` into shard 0 (fewer rows for reports to read),
-- then drops the rows that came to 0 (an enrollment's completed_at moved away, a DELETE). Safe
-- beside writers (as compact_report_rollups): a writer adding to a folded or dropped row waits for
-- the compaction, then finds the row gone and inserts a fresh one, which a later compaction folds.
CREATE FUNCTION compact_mission_report_rollup(before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  WITH moved AS (
    DELETE FROM mission_report_rollup WHERE slice < before AND shard <> 0 RETURNING slice, mission_id, enrolled, active, done, expired, completed
  )
  INSERT INTO mission_report_rollup AS r (slice, mission_id, shard, enrolled, active, done, expired, completed)
  SELECT slice, mission_id, 0, sum(enrolled), sum(active), sum(done), sum(expired), sum(completed) FROM moved
   GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (slice, mission_id, shard) DO UPDATE SET
    enrolled = r.enrolled + EXCLUDED.enrolled, active = r.active + EXCLUDED.active, done = r.done + EXCLUDED.done,
    expired = r.expired + EXCLUDED.expired, completed = r.completed + EXCLUDED.completed;
  GET DIAGNOSTICS folded = ROW_COUNT;
  DELETE FROM mission_report_rollup WHERE slice < before AND shard = 0 AND (enrolled, active, done, expired, completed) = (0, 0, 0, 0, 0);
  RETURN folded;
END $$;

SELECT rebuild_mission_report_rollup();
