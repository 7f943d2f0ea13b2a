-- Contest reports: each member's running total per contest, so "participants" (members whose
-- contributions add up to something other than zero) is a count of rows instead of a sum over
-- every contribution of the contest grouped by member.
--
-- Maintained by a statement trigger on contest_contributions in the contribution's own
-- transaction (rows are only ever inserted, never updated or deleted; an event counts once by the table's key, and the
-- transition table holds only the rows really inserted, so ON CONFLICT DO NOTHING retries add
-- nothing). `contributions` counts the rows (zero deltas included) so a total can be checked
-- against its source (the report property test compares the report with raw sums).
CREATE TABLE contest_member_totals (
  contest_id     text NOT NULL,
  member_id      text NOT NULL,
  score          bigint NOT NULL,
  contributions  bigint NOT NULL,
  PRIMARY KEY (contest_id, member_id)
);

CREATE FUNCTION contest_member_totals_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  -- Sorted by key: two transactions adding to the same members lock their rows in one order.
  INSERT INTO contest_member_totals AS t (contest_id, member_id, score, contributions)
  SELECT contest_id, member_id, sum(delta), count(*)
    FROM new_contributions GROUP BY contest_id, member_id ORDER BY contest_id, member_id
  ON CONFLICT (contest_id, member_id) DO UPDATE
    SET score = t.score + excluded.score, contributions = t.contributions + excluded.contributions;
  RETURN NULL;
END $$;

CREATE TRIGGER contest_contributions_totals AFTER INSERT ON contest_contributions
  REFERENCING NEW TABLE AS new_contributions
  FOR EACH STATEMENT EXECUTE FUNCTION contest_member_totals_add();

-- Emptying the contributions (tests, a reset) empties their totals.
CREATE FUNCTION contest_member_totals_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE contest_member_totals;
  RETURN NULL;
END $$;

CREATE TRIGGER contest_contributions_totals_clear AFTER TRUNCATE ON contest_contributions
  FOR EACH STATEMENT EXECUTE FUNCTION contest_member_totals_clear();

-- The contributions already written.
INSERT INTO contest_member_totals (contest_id, member_id, score, contributions)
SELECT contest_id, member_id, sum(delta), count(*) FROM contest_contributions GROUP BY contest_id, member_id;
