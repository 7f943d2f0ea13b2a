-- Members report: every member's tier history as segments, kept as a table instead of being
-- computed by the report (two window sorts of all tier changes in each of three statements).
--
-- A member with tier changes is in its first change's `from_tier` until that change (the segment
-- `(-infinity, first at]`), then in each change's `to_tier` until the next change (`(at, next at]`,
-- the last one to `infinity`); changes in time order, then id. `s < t AND t <= e` finds the
-- segment a member is in at instant `t`. `from_tier` of a change's segment is the tier the member
-- was in before it — the previous change's `to_tier`, or for the first change its own
-- `from_tier` (a review dated at its due instant may be written after a later-dated upgrade, so
-- the stored from_tier of a change is not always the tier before it in time order).
--
-- Recomputed from the member's tier changes (never patched) by statement triggers on tier_changes,
-- in the writer's transaction, under the per-member advisory lock of 0036; TRUNCATE empties it.
CREATE TABLE report_tier_segments (
  member_id  text NOT NULL,
  s          timestamptz NOT NULL,
  e          timestamptz NOT NULL,
  tier       text,
  from_tier  text,
  change_id  bigint
);
CREATE INDEX report_tier_segments_member_idx ON report_tier_segments (member_id);
CREATE INDEX report_tier_segments_s_idx ON report_tier_segments (s) WHERE change_id IS NOT NULL;

-- The segments from the tier changes (a filter on member_id reaches the window subqueries: it is
-- their partition key).
CREATE VIEW report_tier_segments_from_changes AS
  SELECT member_id, '-infinity'::timestamptz AS s, at AS e, from_tier AS tier, NULL::text AS from_tier, NULL::bigint AS change_id FROM (
    SELECT member_id, at, from_tier, row_number() OVER (PARTITION BY member_id ORDER BY at, id) AS rn FROM tier_changes
  ) first WHERE rn = 1
  UNION ALL
  SELECT member_id, at, coalesce(lead(at) OVER w, 'infinity'), to_tier, coalesce(lag(to_tier) OVER w, from_tier), id
    FROM tier_changes WINDOW w AS (PARTITION BY member_id ORDER BY at, id);

CREATE FUNCTION report_tier_segments_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE tier_changes IN SHARE MODE;
  TRUNCATE report_tier_segments;
  INSERT INTO report_tier_segments SELECT * FROM report_tier_segments_from_changes;
  ANALYZE report_tier_segments;
END $$;

-- 0036's trigger function on tier_changes, now also recomputing the touched members' segments
-- (whether or not report_member_days is kept in a zone).
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

-- A DELETE: a TRUNCATE listing both tables has the segments open already.
CREATE FUNCTION report_tier_segments_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM report_tier_segments;
  RETURN NULL;
END $$;

CREATE TRIGGER tier_changes_report_tier_segments_truncate AFTER TRUNCATE ON tier_changes
  FOR EACH STATEMENT EXECUTE FUNCTION report_tier_segments_truncate();

SELECT report_tier_segments_rebuild();
