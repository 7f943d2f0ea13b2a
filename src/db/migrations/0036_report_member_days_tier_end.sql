-- Members report: active members by their tier at each DAY's end. It joined every day row of the
-- range to the members' tier-change segments (a hash join of 6.9M rows, 12 s at 10M entries). Now
-- each day row carries `tier_end`: the member's tier at the end of that local day as the tier
-- changes say it — the `to_tier` of its last change (in time order, then id) whose local day is on
-- or before the row's day; before its first change, that change's `from_tier`; NULL for a member
-- without tier changes (the report then takes the day row's tier_id, as it does over the events).
-- A day's active members by tier is then one grouped count of its rows: `coalesce(tier_end, tier_id)`.
--
-- Kept exact in the writers' transactions:
--  * the events trigger sets it when it inserts a day row (one probe of tier_changes_member_idx);
--    a day row that exists already keeps its tier_end (events do not move tiers; tier changes do);
--  * a statement trigger on tier_changes (INSERT / UPDATE / DELETE) recomputes the touched members'
--    day rows (a change moves its member's later days, and a new first change its earlier ones).
--  * both take a per-member transaction advisory lock (key 36, hashtext(member_id), in key order)
--    BEFORE the statement that reads: of an event write and a tier change of one member, the second
--    waits for the first to commit, then reads in a new statement (READ COMMITTED) and sees it — a
--    new day row sees the change, the recompute sees the new day row. An advisory lock rather than
--    the member's row: event writers guard on a row that may move (members → member_balances).
ALTER TABLE report_member_days ADD COLUMN tier_end text;
CREATE INDEX report_member_days_member_idx ON report_member_days (member_id, day);

-- The member's tier at the end of local day `in_day` in `in_zone` from its tier changes (NULL
-- without any). The index range (`at` before the end of the NEXT day) only bounds the scan; the
-- local day test decides (a local midnight may be ambiguous or missing in a zone's DST rules).
CREATE FUNCTION report_tier_end(in_member text, in_day date, in_zone text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT c.to_tier FROM tier_changes c
      WHERE c.member_id = in_member AND c.at < ((in_day + 2)::timestamp AT TIME ZONE in_zone) AND (c.at AT TIME ZONE in_zone)::date <= in_day
      ORDER BY c.at DESC, c.id DESC LIMIT 1),
    (SELECT c.from_tier FROM tier_changes c WHERE c.member_id = in_member ORDER BY c.at, c.id LIMIT 1))
$$;

-- Recomputes tier_end of the given members' day rows (rows whose value does not change are not written).
CREATE FUNCTION report_member_days_set_tier_end(in_members text[]) RETURNS void LANGUAGE sql AS $$
  UPDATE report_member_days d SET tier_end = t.tier_end
    FROM (SELECT r.day, r.member_id, report_tier_end(r.member_id, r.day, z.zone) AS tier_end
            FROM report_member_days r CROSS JOIN report_member_days_zone z
           WHERE r.member_id = ANY(in_members)) t
   WHERE d.day = t.day AND d.member_id = t.member_id AND d.tier_end IS DISTINCT FROM t.tier_end;
$$;

CREATE OR REPLACE FUNCTION report_member_days_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM report_member_days_zone) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(36, k) FROM (SELECT DISTINCT hashtext(member_id) AS k FROM new_events ORDER BY 1) keys;
  WITH days AS (
    INSERT INTO report_member_days AS d (day, member_id, events, purchases, tier_id, tier_end)
    SELECT g.day, g.member_id, g.events, g.purchases, g.tier_id, report_tier_end(g.member_id, g.day, g.zone)
      FROM (SELECT (e.occurred_at AT TIME ZONE z.zone)::date AS day, e.member_id, count(*) AS events, count(*) FILTER (WHERE e.type = 'purchase') AS purchases,
                   max(e.tier_id) AS tier_id, z.zone
              FROM new_events e CROSS JOIN report_member_days_zone z
             GROUP BY 1, 2, z.zone) g
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

CREATE FUNCTION report_member_days_tier_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched text[];
BEGIN
  IF NOT EXISTS (SELECT FROM report_member_days_zone) THEN
    RETURN NULL;
  END IF;
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
  PERFORM report_member_days_set_tier_end(touched);
  RETURN NULL;
END $$;

CREATE TRIGGER tier_changes_report_member_days_insert AFTER INSERT ON tier_changes
  REFERENCING NEW TABLE AS new_changes FOR EACH STATEMENT EXECUTE FUNCTION report_member_days_tier_changes();
CREATE TRIGGER tier_changes_report_member_days_update AFTER UPDATE ON tier_changes
  REFERENCING OLD TABLE AS old_changes NEW TABLE AS new_changes FOR EACH STATEMENT EXECUTE FUNCTION report_member_days_tier_changes();
CREATE TRIGGER tier_changes_report_member_days_delete AFTER DELETE ON tier_changes
  REFERENCING OLD TABLE AS old_changes FOR EACH STATEMENT EXECUTE FUNCTION report_member_days_tier_changes();

-- tier_end of every row of a member with tier changes (the rebuild, and this migration's backfill).
CREATE FUNCTION report_member_days_build_tier_end() RETURNS void LANGUAGE sql AS $$
  SELECT report_member_days_set_tier_end(ARRAY(SELECT DISTINCT member_id FROM tier_changes));
$$;

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

DO $$
BEGIN
  IF EXISTS (SELECT FROM report_member_days_zone) THEN
    LOCK TABLE events IN SHARE MODE;
    LOCK TABLE tier_changes IN SHARE MODE;
    PERFORM report_member_days_build_tier_end();
    ANALYZE report_member_days;
  END IF;
END $$;
