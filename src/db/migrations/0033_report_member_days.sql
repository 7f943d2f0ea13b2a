-- Members and sales reports: one row per (program-local day, member) with any event that day,
-- written in the event's own transaction by a statement trigger on events, so the rollup equals
-- the events at every instant (nothing to catch up, no job to run). The reports' per-member
-- figures — active members, buyers, repeat buyers — are then counts over these rows: a day's
-- rows are already one per member, and a week or month is the distinct members of its days.
--
-- A day is a local date in ONE time zone, the program's: `report_member_days_zone` names it.
-- Every report interval (day, week, month, Gregorian or Persian) in that zone is a run of whole
-- local days, so any of them is a sum of day rows. A report in another zone (the program's zone
-- changed since the rollup was built), or with no zone row at all, reads the events instead;
-- `rebuild_report_member_days(zone)` builds the rollup for a zone (the worker role does it when
-- the program's zone and the rollup's differ).
CREATE TABLE report_member_days_zone (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  zone       text NOT NULL,
  built_at   timestamptz NOT NULL DEFAULT now()
);

-- `tier_id`: the greatest events.tier_id of the day (the tier the events were decided in; the
-- members report takes it for a member that never changed tier, as it does over the events).
CREATE TABLE report_member_days (
  day        date NOT NULL,
  member_id  text NOT NULL,
  events     integer NOT NULL,
  purchases  integer NOT NULL,
  tier_id    text,
  PRIMARY KEY (day, member_id)
);

-- Rows in key order, so two writers wait for each other but never deadlock; a generic plan, as
-- for the points rollups (0030): the input is a statement's few new events. No zone row: nothing.
CREATE FUNCTION report_member_days_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  INSERT INTO report_member_days AS d (day, member_id, events, purchases, tier_id)
  SELECT (e.occurred_at AT TIME ZONE z.zone)::date, e.member_id, count(*), count(*) FILTER (WHERE e.type = 'purchase'), max(e.tier_id)
    FROM new_events e CROSS JOIN report_member_days_zone z
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (day, member_id) DO UPDATE
    SET events = d.events + EXCLUDED.events, purchases = d.purchases + EXCLUDED.purchases, tier_id = greatest(d.tier_id, EXCLUDED.tier_id);
  RETURN NULL;
END $$;

CREATE TRIGGER events_report_member_days AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION report_member_days_add();

-- Builds the rollup from the events for `in_zone` (writers of events wait meanwhile; readers of
-- the rollup wait for the TRUNCATE's lock, then see the finished rollup).
CREATE FUNCTION rebuild_report_member_days(in_zone text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM now() AT TIME ZONE in_zone; -- an unknown zone fails here, before anything is dropped
  LOCK TABLE events IN SHARE MODE;
  TRUNCATE report_member_days, report_member_days_zone;
  INSERT INTO report_member_days_zone (zone) VALUES (in_zone);
  INSERT INTO report_member_days (day, member_id, events, purchases, tier_id)
  SELECT (occurred_at AT TIME ZONE in_zone)::date, member_id, count(*), count(*) FILTER (WHERE type = 'purchase'), max(tier_id)
    FROM events
   GROUP BY 1, 2;
  ANALYZE report_member_days;
END $$;

-- Built now for the program's zone when there is a program (an upgrade); a new database gets
-- its zone when the worker first sees a program.
DO $$
DECLARE
  program_zone text := (SELECT definition ->> 'timeZone' FROM program_versions ORDER BY version DESC LIMIT 1);
BEGIN
  IF program_zone IS NOT NULL THEN
    PERFORM rebuild_report_member_days(program_zone);
  END IF;
END $$;
