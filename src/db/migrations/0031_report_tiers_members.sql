-- Tier and member reports.
--
-- Every tier review's outcome per member, not only the changes: a review that keeps a member in
-- their tier, or starts their grace, is a fact the movement matrix counts ("same"). Written by
-- the review sweep in the same transaction as the members it reviews; keyed by member and review
-- instant, so a rerun writes nothing twice. No foreign key: the sweep holds the member row lock.
CREATE TABLE tier_reviews (
  member_id        text NOT NULL,
  reviewed_at      timestamptz NOT NULL,
  from_tier        text NOT NULL,
  to_tier          text NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('kept', 'upgraded', 'downgraded', 'grace_started', 'in_grace')),
  program_version  integer NOT NULL,
  PRIMARY KEY (member_id, reviewed_at)
);
CREATE INDEX tier_reviews_at_idx ON tier_reviews (reviewed_at);

-- Reports over a time range: tier changes, joins and activity by time.
CREATE INDEX tier_changes_at_idx ON tier_changes (at);
CREATE INDEX members_joined_idx ON members (joined_at);
CREATE INDEX events_occurred_member_idx ON events (occurred_at, member_id);
