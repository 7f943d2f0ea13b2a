-- The event write's optimistic guard (ledger_version) and the member's last activity move from the
-- wide members row (nine indexes, several on expressions; JSON profile columns) to member_balances,
-- the narrow row every ledger write already updates. A write then updates ONE row per member (the
-- balance row: version, last activity and the balance deltas in one UPDATE) instead of two; the
-- members row is written only when the tier changes (or a grace is cleared).
-- Rule for every writer of a member's ledger: take the balance row's lock before reading what the
-- decision depends on (a locker bumps ledger_version; the event path's optimistic write checks it).
ALTER TABLE member_balances ADD COLUMN ledger_version bigint NOT NULL DEFAULT 0,
                            ADD COLUMN last_activity_at timestamptz;
-- Every member has a balance row (member creation and the member import write one; older data may
-- lack it).
INSERT INTO member_balances (member_id) SELECT m.id FROM members m
 WHERE NOT EXISTS (SELECT 1 FROM member_balances b WHERE b.member_id = m.id);
UPDATE member_balances b SET ledger_version = m.ledger_version, last_activity_at = m.last_activity_at
  FROM members m WHERE m.id = b.member_id AND (m.ledger_version <> 0 OR m.last_activity_at IS NOT NULL);
ALTER TABLE members DROP COLUMN ledger_version, DROP COLUMN last_activity_at;
