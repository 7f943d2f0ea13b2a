-- Members report by day: the active members of each local day by their tier at the day's end are
-- counts of report_member_days' rows per (day, coalesce(tier_end, tier_id)) — still a grouping of
-- every day row of the range (6.9M rows for a year at 10M entries). Now those counts are kept:
-- `members` = the number of day rows of `day` whose tier at the day's end is `tier` ('' for none),
-- summed over `shard` (pg_backend_pid() % 8, so that concurrent writers of today's first events
-- do not queue on one row, as for ledger_rollup).
--
-- Kept by statement triggers on report_member_days itself (transition tables): an insert adds its
-- rows, a delete takes them away, an update adds the new rows and takes the old ones away (only
-- groups whose count changes are written). So whatever writes the day rows — the events trigger
-- (a new day, or another event of the day), the tier_changes triggers (tier_end recomputed), the
-- rebuild — the counts equal the day rows grouped, in the same transaction. TRUNCATE empties it.
CREATE TABLE report_member_day_tiers (
  day      date NOT NULL,
  tier     text NOT NULL,
  shard    smallint NOT NULL,
  members  bigint NOT NULL,
  PRIMARY KEY (day, tier, shard)
);

CREATE FUNCTION report_member_day_tiers_apply() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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

CREATE TRIGGER report_member_days_tiers_insert AFTER INSERT ON report_member_days
  REFERENCING NEW TABLE AS new_days FOR EACH STATEMENT EXECUTE FUNCTION report_member_day_tiers_apply();
CREATE TRIGGER report_member_days_tiers_update AFTER UPDATE ON report_member_days
  REFERENCING OLD TABLE AS old_days NEW TABLE AS new_days FOR EACH STATEMENT EXECUTE FUNCTION report_member_day_tiers_apply();
CREATE TRIGGER report_member_days_tiers_delete AFTER DELETE ON report_member_days
  REFERENCING OLD TABLE AS old_days FOR EACH STATEMENT EXECUTE FUNCTION report_member_day_tiers_apply();

-- A DELETE: a TRUNCATE listing both tables has the counts open already.
CREATE FUNCTION report_member_day_tiers_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM report_member_day_tiers;
  RETURN NULL;
END $$;

CREATE TRIGGER report_member_days_tiers_truncate AFTER TRUNCATE ON report_member_days
  FOR EACH STATEMENT EXECUTE FUNCTION report_member_day_tiers_truncate();

-- Built now from the day rows.
LOCK TABLE report_member_days IN SHARE MODE;
INSERT INTO report_member_day_tiers (day, tier, shard, members)
SELECT day, coalesce(tier_end, tier_id, ''), 0, count(*) FROM report_member_days GROUP BY 1, 2;
