-- Contests report: each contest's participants (members whose contributions add up to something
-- other than zero) as a counter, instead of counting the contest's rows of contest_member_totals
-- (0025) on every report (~28 ms per contest of 83k members at the bench's size).
--
-- Exactness: kept by AFTER statement triggers on contest_member_totals (rows inserted and updated
-- by 0025's trigger in the contribution's own transaction; emptied by TRUNCATE; a DELETE is
-- handled too): the new rows with score <> 0 added, the old rows with score <> 0 taken away. Shards per backend
-- (pg_backend_pid() % 8) so writers of one contest do not queue on one row; rows in key order.
CREATE TABLE contest_participant_counts (
  contest_id    text NOT NULL,
  shard         smallint NOT NULL,
  participants  bigint NOT NULL,
  PRIMARY KEY (contest_id, shard)
);

CREATE FUNCTION contest_participant_counts_apply() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  my_shard smallint := pg_backend_pid() % 8;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO contest_participant_counts AS r (contest_id, shard, participants)
    SELECT contest_id, my_shard, count(*) FROM new_totals WHERE score <> 0 GROUP BY 1 ORDER BY 1
    ON CONFLICT (contest_id, shard) DO UPDATE SET participants = r.participants + EXCLUDED.participants;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO contest_participant_counts AS r (contest_id, shard, participants)
    SELECT contest_id, my_shard, -count(*) FROM old_totals WHERE score <> 0 GROUP BY 1 ORDER BY 1
    ON CONFLICT (contest_id, shard) DO UPDATE SET participants = r.participants + EXCLUDED.participants;
  ELSE
    INSERT INTO contest_participant_counts AS r (contest_id, shard, participants)
    SELECT contest_id, my_shard, sum(s)
      FROM (SELECT 1 AS s, contest_id FROM new_totals WHERE score <> 0
            UNION ALL
            SELECT -1, contest_id FROM old_totals WHERE score <> 0) d
     GROUP BY 1 HAVING sum(s) <> 0 ORDER BY 1
    ON CONFLICT (contest_id, shard) DO UPDATE SET participants = r.participants + EXCLUDED.participants;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER contest_member_totals_participants_insert AFTER INSERT ON contest_member_totals
  REFERENCING NEW TABLE AS new_totals FOR EACH STATEMENT EXECUTE FUNCTION contest_participant_counts_apply();
CREATE TRIGGER contest_member_totals_participants_update AFTER UPDATE ON contest_member_totals
  REFERENCING OLD TABLE AS old_totals NEW TABLE AS new_totals FOR EACH STATEMENT EXECUTE FUNCTION contest_participant_counts_apply();
CREATE TRIGGER contest_member_totals_participants_delete AFTER DELETE ON contest_member_totals
  REFERENCING OLD TABLE AS old_totals FOR EACH STATEMENT EXECUTE FUNCTION contest_participant_counts_apply();

-- 0025 empties contest_member_totals with TRUNCATE (when contest_contributions is truncated).
CREATE FUNCTION contest_participant_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM contest_participant_counts;
  RETURN NULL;
END $$;
CREATE TRIGGER contest_member_totals_participants_clear AFTER TRUNCATE ON contest_member_totals
  FOR EACH STATEMENT EXECUTE FUNCTION contest_participant_counts_clear();

-- Everything again from the totals (this migration; the bench seed, which writes with triggers off).
CREATE FUNCTION contest_participant_counts_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE contest_member_totals IN SHARE MODE;
  DELETE FROM contest_participant_counts;
  INSERT INTO contest_participant_counts (contest_id, shard, participants)
  SELECT contest_id, 0, count(*) FROM contest_member_totals WHERE score <> 0 GROUP BY 1;
END $$;

SELECT contest_participant_counts_rebuild();

-- 0028's trigger function again, its chain read by index whatever plan it caches: the generic
-- plan (force_generic_plan) is made once per backend from the first statement's transition
-- table, and as a semi-join it could hash all of contest_contributions for every later write.
CREATE OR REPLACE FUNCTION contest_report_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  my_shard smallint := pg_backend_pid() % 8;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('contest_report_rollup:' || m, 0))
     FROM (SELECT DISTINCT member_id AS m FROM new_contributions WHERE delta <> 0 ORDER BY 1) x;

  INSERT INTO contest_contribution_rollup AS r (contest_id, slice, shard, contributions)
  SELECT contest_id, date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00'), my_shard, count(*)
    FROM new_contributions WHERE delta <> 0
   GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (contest_id, slice, shard) DO UPDATE SET contributions = r.contributions + EXCLUDED.contributions;

  INSERT INTO contest_pair_rollup AS r (scope, prev_slice, next_slice, shard, pairs)
  SELECT scope, prev_slice, next_slice, my_shard, sum(s)
    FROM (
      WITH chain AS (
        SELECT c.contest_id, c.event_id, c.member_id, date_bin('15 minutes', c.at, timestamptz '2000-01-01 00:00:00+00') AS slice, c.at,
               EXISTS (SELECT 1 FROM new_contributions n WHERE n.contest_id = c.contest_id AND n.event_id = c.event_id) AS is_new
          FROM contest_contributions c
         -- By index whatever the cached plan: = ANY of an array, not a semi-join the generic plan could hash.
         WHERE c.member_id = ANY (ARRAY(SELECT DISTINCT member_id FROM new_contributions WHERE delta <> 0)) AND c.delta <> 0
      )
      -- Pairs now (+1) and without this statement's rows (−1), in each contest and across them.
      SELECT 1 AS s, '' AS scope, lag(slice) OVER w AS prev_slice, slice AS next_slice
        FROM chain WINDOW w AS (PARTITION BY member_id ORDER BY at, contest_id, event_id)
      UNION ALL
      SELECT 1, contest_id, lag(slice) OVER w, slice
        FROM chain WINDOW w AS (PARTITION BY member_id, contest_id ORDER BY at, event_id)
      UNION ALL
      SELECT -1, '', lag(slice) OVER w, slice
        FROM chain WHERE NOT is_new WINDOW w AS (PARTITION BY member_id ORDER BY at, contest_id, event_id)
      UNION ALL
      SELECT -1, contest_id, lag(slice) OVER w, slice
        FROM chain WHERE NOT is_new WINDOW w AS (PARTITION BY member_id, contest_id ORDER BY at, event_id)
    ) d
   WHERE prev_slice IS NOT NULL
   GROUP BY 1, 2, 3 HAVING sum(s) <> 0
   ORDER BY 1, 2, 3
  ON CONFLICT (scope, prev_slice, next_slice, shard) DO UPDATE SET pairs = r.pairs + EXCLUDED.pairs;
  RETURN NULL;
END $$;

