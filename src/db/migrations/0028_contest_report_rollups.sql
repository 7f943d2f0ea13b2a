-- Contests report rollups, per 15-minute UTC slice (every interval boundary of every IANA zone
-- since ~1970 falls on one; other boundaries read the contributions, src/reports/contests.ts):
--
--   contest_contribution_rollup  the non-zero contributions of a contest per slice;
--   contest_pair_rollup          consecutive non-zero contributions of one member (a "pair": the
--                                member's previous one and the next), per slice of the previous
--                                and slice of the next, within one contest (scope = the contest)
--                                and across all contests (scope = '').
--
-- The members contributing in an interval are then its contributions minus the pairs inside it:
-- a member with k contributions in an interval has k − 1 pairs inside it (its contributions are
-- consecutive in its own chain), so k − (k − 1) = 1 per member — "distinct members" with no
-- grouping by member. A pair is inside an interval of a report iff both its slices are in the same
-- interval; pairs further apart than the report's longest interval never are (index on the gap).
--
-- Exactness: an AFTER INSERT statement trigger on contest_contributions (rows are only ever
-- inserted; 0025) adds the statement's contributions and, for the members it touches, the pairs
-- of their chains now minus the pairs of their chains without the statement's rows (a backdated
-- contribution splits a pair in two). Concurrency (READ COMMITTED): it first takes a transaction
-- advisory lock per member (in member order), then reads in a new statement, so the chain it
-- starts from is the one the rollup already holds (every earlier writer of the member has
-- committed); a later writer waits for it. Shards per backend (pg_backend_pid() % 8) as in 0030.
CREATE TABLE contest_contribution_rollup (
  contest_id     text NOT NULL,
  slice          timestamptz NOT NULL,
  shard          smallint NOT NULL,
  contributions  bigint NOT NULL,
  PRIMARY KEY (contest_id, slice, shard)
);
CREATE INDEX contest_contribution_rollup_slice_idx ON contest_contribution_rollup (slice);

CREATE TABLE contest_pair_rollup (
  scope       text NOT NULL,            -- a contest id, or '' for the chain across all contests
  prev_slice  timestamptz NOT NULL,
  next_slice  timestamptz NOT NULL,
  shard       smallint NOT NULL,
  pairs       bigint NOT NULL,
  PRIMARY KEY (scope, prev_slice, next_slice, shard)
);
CREATE INDEX contest_pair_rollup_gap_idx ON contest_pair_rollup (scope, (next_slice - prev_slice), prev_slice);

-- A member's contributions in time order (the chain read by the trigger).
CREATE INDEX contest_contributions_member_at_idx ON contest_contributions (member_id, at) WHERE delta <> 0;

CREATE FUNCTION contest_report_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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
         WHERE c.member_id IN (SELECT member_id FROM new_contributions WHERE delta <> 0) AND c.delta <> 0
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

CREATE TRIGGER contest_contributions_report_rollup AFTER INSERT ON contest_contributions
  REFERENCING NEW TABLE AS new_contributions
  FOR EACH STATEMENT EXECUTE FUNCTION contest_report_rollup_add();

-- Everything again from the contributions (this migration, the bench seed, a TRUNCATE).
CREATE FUNCTION contest_report_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE contest_contributions IN SHARE MODE;
  DELETE FROM contest_contribution_rollup;
  DELETE FROM contest_pair_rollup;
  INSERT INTO contest_contribution_rollup (contest_id, slice, shard, contributions)
  SELECT contest_id, date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00'), 0, count(*)
    FROM contest_contributions WHERE delta <> 0 GROUP BY 1, 2;
  INSERT INTO contest_pair_rollup (scope, prev_slice, next_slice, shard, pairs)
  SELECT scope, prev_slice, next_slice, 0, count(*)
    FROM (
      SELECT '' AS scope, lag(slice) OVER (PARTITION BY member_id ORDER BY at, contest_id, event_id) AS prev_slice, slice AS next_slice
        FROM (SELECT *, date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00') AS slice FROM contest_contributions WHERE delta <> 0) c
      UNION ALL
      SELECT contest_id, lag(slice) OVER (PARTITION BY member_id, contest_id ORDER BY at, event_id), slice
        FROM (SELECT *, date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00') AS slice FROM contest_contributions WHERE delta <> 0) c
    ) d
   WHERE prev_slice IS NOT NULL
   GROUP BY 1, 2, 3;
END $$;

CREATE FUNCTION contest_report_rollup_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM contest_contribution_rollup;
  DELETE FROM contest_pair_rollup;
  RETURN NULL;
END $$;
CREATE TRIGGER contest_contributions_report_rollup_clear AFTER TRUNCATE ON contest_contributions
  FOR EACH STATEMENT EXECUTE FUNCTION contest_report_rollup_clear();

SELECT contest_report_rollup_rebuild();
