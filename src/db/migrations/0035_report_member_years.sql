-- Members and sales reports over a whole range: "distinct members active (or buying) in the
-- range" was a hash aggregate of every day row of the range into one group per member (11 s for
-- a year at 10M entries). Now each (member, local year) keeps bitmaps of its days, so the members
-- of a range within one year are just the rows whose bitmap meets the range's mask: one row per
-- member, no grouping (a range across years groups the few rows of its years per member).
--
-- `year` is the Gregorian year of the local day (in report_member_days_zone's zone) and bit n
-- (0 = leftmost) is its day n (January 1 = 0; 366 bits). `active`: a day with any event;
-- `buys`: a day with a purchase; `repeats`: a day with two or more purchases (so "two or more
-- purchases in the range" = two bits of `buys` in the range, or one bit of `repeats`).
-- `tier_id`: the greatest events.tier_id of the year (as report_member_days' of the day: the tier
-- the events were decided in, read only for a member that never changed tier, whose events all
-- carry that one tier).
--
-- Written in the same statement as report_member_days (the events trigger) from the day rows
-- that statement wrote, so it equals the day rows (and the events) at every snapshot; a year row
-- is only rewritten when one of its bits or its tier changes.
CREATE TABLE report_member_years (
  year       integer NOT NULL,
  member_id  text NOT NULL,
  active     bit(366) NOT NULL,
  buys       bit(366) NOT NULL,
  repeats    bit(366) NOT NULL,
  tier_id    text,
  PRIMARY KEY (year, member_id)
);

-- The bit of a local day in its year's bitmaps.
CREATE FUNCTION report_day_bit(day date) RETURNS bit(366) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT set_bit(0::bit(366), day - make_date(date_part('year', day)::integer, 1, 1), 1)::bit(366)
$$;

CREATE OR REPLACE FUNCTION report_member_days_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  WITH days AS (
    INSERT INTO report_member_days AS d (day, member_id, events, purchases, tier_id)
    SELECT (e.occurred_at AT TIME ZONE z.zone)::date, e.member_id, count(*), count(*) FILTER (WHERE e.type = 'purchase'), max(e.tier_id)
      FROM new_events e CROSS JOIN report_member_days_zone z
     GROUP BY 1, 2
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

-- The year rows are a function of the day rows: emptied with them (a test's reset). A DELETE, not a
-- TRUNCATE: a TRUNCATE listing both tables (the rebuild's) has the year rows open already.
CREATE FUNCTION report_member_years_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM report_member_years;
  RETURN NULL;
END $$;

CREATE TRIGGER report_member_days_truncate AFTER TRUNCATE ON report_member_days
  FOR EACH STATEMENT EXECUTE FUNCTION report_member_years_truncate();

CREATE FUNCTION build_report_member_years() RETURNS void LANGUAGE sql AS $$
  INSERT INTO report_member_years (year, member_id, active, buys, repeats, tier_id)
  SELECT date_part('year', day)::integer, member_id, bit_or(report_day_bit(day)),
         bit_or(CASE WHEN purchases > 0 THEN report_day_bit(day) ELSE 0::bit(366) END),
         bit_or(CASE WHEN purchases > 1 THEN report_day_bit(day) ELSE 0::bit(366) END),
         max(tier_id)
    FROM report_member_days
   GROUP BY 1, 2;
$$;

CREATE OR REPLACE FUNCTION rebuild_report_member_days(in_zone text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM now() AT TIME ZONE in_zone; -- an unknown zone fails here, before anything is dropped
  LOCK TABLE events IN SHARE MODE;
  TRUNCATE report_member_days, report_member_days_zone, report_member_years;
  INSERT INTO report_member_days_zone (zone) VALUES (in_zone);
  INSERT INTO report_member_days (day, member_id, events, purchases, tier_id)
  SELECT (occurred_at AT TIME ZONE in_zone)::date, member_id, count(*), count(*) FILTER (WHERE type = 'purchase'), max(tier_id)
    FROM events
   GROUP BY 1, 2;
  PERFORM build_report_member_years();
  ANALYZE report_member_days;
  ANALYZE report_member_years;
END $$;

-- Built now from the day rows (an upgrade: report_member_days is already kept for a zone).
DO $$
BEGIN
  IF EXISTS (SELECT FROM report_member_days_zone) THEN
    LOCK TABLE events IN SHARE MODE;
    PERFORM build_report_member_years();
    ANALYZE report_member_years;
  END IF;
END $$;
