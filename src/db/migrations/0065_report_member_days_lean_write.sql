-- The day-row rollups (0033, 0035–0038) cost less on each event write, with the same rows. Each
-- function of that path is defined here once, in its current form (0035, 0036 and 0037 restated
-- report_member_days_add and the tier_changes trigger function step by step).
--
-- 1. tier_end of a new day row (0036) is ONE probe of tier_changes_member_idx. It was a call of the
--    SQL function report_tier_end per day row (not inlinable: a SQL function with subqueries runs its
--    own executor per call) making two probes — the last change up to the day, then the first change.
--    Now `report_tier_end_of` is a table function the planner inlines into the writer's statement as
--    a lateral subquery over the member's changes: for a member that never changed tier (most
--    members) that is one index probe that finds nothing, for the others one scan of their few changes.
-- 2. The per-member advisory lock (key 36) stays, for every member of the statement: skipping it for
--    members without a committed tier change would let an event and a concurrent FIRST tier change of
--    one member miss each other (neither sees the other's uncommitted rows: the new day row keeps a
--    NULL tier_end for good). It costs ~1 ms per 1,000 events (measured); the test
--    test/integration/reports/member-days-races holds each side open and fails without it.
-- 3. The day × tier counters (0038) stay as they were (a skip of unchanged rows measured neutral: below).

-- The member's tier at the end of local day `in_day` in `in_zone` from its tier changes (0036's rule):
-- the `to_tier` of its last change (in time order, then id) whose local day is on or before `in_day`;
-- before its first change, that change's `from_tier`; NULL without any change. One row, always.
CREATE FUNCTION report_tier_end_of(in_member text, in_day date, in_zone text) RETURNS TABLE (tier_end text) LANGUAGE sql STABLE ROWS 1 AS $$
  SELECT coalesce((array_agg(c.to_tier ORDER BY c.at DESC, c.id DESC) FILTER (WHERE (c.at AT TIME ZONE in_zone)::date <= in_day))[1],
                  (array_agg(c.from_tier ORDER BY c.at, c.id))[1])
    FROM tier_changes c
   WHERE c.member_id = in_member
$$;

-- 0036's scalar form, for anything that called it: the same rule.
CREATE OR REPLACE FUNCTION report_tier_end(in_member text, in_day date, in_zone text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT tier_end FROM report_tier_end_of(in_member, in_day, in_zone)
$$;

-- Recomputes tier_end of the given members' day rows (rows whose value does not change are not written).
CREATE OR REPLACE FUNCTION report_member_days_set_tier_end(in_members text[]) RETURNS void LANGUAGE sql AS $$
  UPDATE report_member_days d SET tier_end = t.tier_end
    FROM (SELECT r.day, r.member_id, e.tier_end
            FROM report_member_days r CROSS JOIN report_member_days_zone z
            CROSS JOIN LATERAL report_tier_end_of(r.member_id, r.day, z.zone) e
           WHERE r.member_id = ANY(in_members)) t
   WHERE d.day = t.day AND d.member_id = t.member_id AND d.tier_end IS DISTINCT FROM t.tier_end;
$$;

-- The events trigger (0033; years 0035; tier_end and the advisory lock 0036). Rows in key order, so
-- two writers wait for each other but never deadlock; a generic plan (the input is a statement's few
-- new events). No zone row: nothing. The lock is taken BEFORE the statement that reads tier_changes
-- (a new snapshot in READ COMMITTED): of an event write and a tier change of one member, the second
-- waits for the first to commit and then sees it.
CREATE OR REPLACE FUNCTION report_member_days_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM report_member_days_zone) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(36, k) FROM (SELECT DISTINCT hashtext(member_id) AS k FROM new_events ORDER BY 1) keys;
  WITH days AS (
    INSERT INTO report_member_days AS d (day, member_id, events, purchases, tier_id, tier_end)
    SELECT g.day, g.member_id, g.events, g.purchases, g.tier_id, t.tier_end
      FROM (SELECT (e.occurred_at AT TIME ZONE z.zone)::date AS day, e.member_id, count(*) AS events, count(*) FILTER (WHERE e.type = 'purchase') AS purchases,
                   max(e.tier_id) AS tier_id, z.zone
              FROM new_events e CROSS JOIN report_member_days_zone z
             GROUP BY 1, 2, z.zone) g
      CROSS JOIN LATERAL report_tier_end_of(g.member_id, g.day, g.zone) t
     ORDER BY 1, 2
    ON CONFLICT (day, member_id) DO UPDATE
      SET events = d.events + EXCLUDED.events, purchases = d.purchases + EXCLUDED.purchases, tier_id = greatest(d.tier_id, EXCLUDED.tier_id)
    RETURNING d.day, d.member_id, d.purchases, d.tier_id
  )
  INSERT INTO report_member_years AS y (year, member_id, active, buys, repeats, tier_id)
  SELECT date_part('year', day)::integer, member_id, bit_or(report_day_bit(day)),
         bit_or(CASE WHEN purchases > 0 THEN report_day_bit(day) ELSE 0::bit(366) END),
         bit_or(CASE WHEN purchases > 1 THEN report_day_bit(day) ELSE 0::bit(366) END),
         max(tier_id)
    FROM days
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (year, member_id) DO UPDATE
    SET active = y.active | EXCLUDED.active, buys = y.buys | EXCLUDED.buys, repeats = y.repeats | EXCLUDED.repeats, tier_id = greatest(y.tier_id, EXCLUDED.tier_id)
    WHERE (y.active | EXCLUDED.active, y.buys | EXCLUDED.buys, y.repeats | EXCLUDED.repeats, greatest(y.tier_id, EXCLUDED.tier_id))
          IS DISTINCT FROM (y.active, y.buys, y.repeats, y.tier_id);
  RETURN NULL;
END $$;

-- The tier_changes trigger (0036; segments 0037): recomputes the touched members' segments, and
-- their day rows' tier_end when report_member_days is kept, under the same per-member lock.
CREATE OR REPLACE FUNCTION report_member_days_tier_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    touched := ARRAY(SELECT DISTINCT member_id FROM new_changes ORDER BY 1);
  ELSIF TG_OP = 'DELETE' THEN
    touched := ARRAY(SELECT DISTINCT member_id FROM old_changes ORDER BY 1);
  ELSE
    touched := ARRAY(SELECT member_id FROM new_changes UNION SELECT member_id FROM old_changes ORDER BY 1);
  END IF;
  IF cardinality(touched) = 0 THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(36, k) FROM (SELECT DISTINCT hashtext(m) AS k FROM unnest(touched) AS m ORDER BY 1) keys;
  DELETE FROM report_tier_segments WHERE member_id = ANY(touched);
  INSERT INTO report_tier_segments SELECT * FROM report_tier_segments_from_changes WHERE member_id = ANY(touched);
  IF EXISTS (SELECT FROM report_member_days_zone) THEN
    PERFORM report_member_days_set_tier_end(touched);
  END IF;
  RETURN NULL;
END $$;

-- The day × tier counters (0038), unchanged: kept by statement triggers on report_member_days (an
-- insert adds its rows, a delete takes them away, an update adds the new rows and takes the old ones
-- away; groups whose count does not change are not written). Tried here: pairing old and new rows on
-- their key and counting only rows whose tier at the day's end changed (most updates are another
-- event of a day already counted). Measured neutral — 1,000 updated day rows, CPU per insert with the
-- skip 112.4 / 113.0 ms, without 108.2 / 113.8 ms (two ABBA runs, 4 and 6 blocks, load 11–16): the
-- grouping already drops those rows (HAVING), and what
-- the branch costs is the transition tables and the call, which any UPDATE trigger pays. Not kept.
CREATE OR REPLACE FUNCTION report_member_day_tiers_apply() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_member_day_tiers AS t (day, tier, shard, members)
    SELECT day, coalesce(tier_end, tier_id, ''), pg_backend_pid() % 8, count(*) FROM new_days GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, tier, shard) DO UPDATE SET members = t.members + EXCLUDED.members;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO report_member_day_tiers AS t (day, tier, shard, members)
    SELECT day, tier, pg_backend_pid() % 8, sum(n) FROM (
      SELECT day, coalesce(tier_end, tier_id, '') AS tier, 1 AS n FROM new_days
      UNION ALL
      SELECT day, coalesce(tier_end, tier_id, ''), -1 FROM old_days
    ) moved GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
    ON CONFLICT (day, tier, shard) DO UPDATE SET members = t.members + EXCLUDED.members;
  ELSE
    INSERT INTO report_member_day_tiers AS t (day, tier, shard, members)
    SELECT day, coalesce(tier_end, tier_id, ''), pg_backend_pid() % 8, -count(*) FROM old_days GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, tier, shard) DO UPDATE SET members = t.members + EXCLUDED.members;
  END IF;
  RETURN NULL;
END $$;

-- The rebuild (0033; years 0035; tier_end 0036), unchanged: here so that the whole path reads in one file.
CREATE OR REPLACE FUNCTION rebuild_report_member_days(in_zone text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM now() AT TIME ZONE in_zone; -- an unknown zone fails here, before anything is dropped
  LOCK TABLE events IN SHARE MODE;
  LOCK TABLE tier_changes IN SHARE MODE;
  TRUNCATE report_member_days, report_member_days_zone, report_member_years;
  INSERT INTO report_member_days_zone (zone) VALUES (in_zone);
  INSERT INTO report_member_days (day, member_id, events, purchases, tier_id)
  SELECT (occurred_at AT TIME ZONE in_zone)::date, member_id, count(*), count(*) FILTER (WHERE type = 'purchase'), max(tier_id)
    FROM events
   GROUP BY 1, 2;
  ANALYZE report_member_days;
  PERFORM report_member_days_build_tier_end();
  PERFORM build_report_member_years();
  ANALYZE report_member_days;
  ANALYZE report_member_years;
END $$;
