-- The tier review's schedule (next_review_at) moves from the wide members row to member_balances,
-- the narrow row 0052 made the ledger's guard. On members it was indexed (members_review_idx), so
-- the review's write of it could never be a HOT update: every reviewed member added an entry to all
-- nine indexes of members (several on expressions) and a new version of the wide row with its JSON
-- profile. Now a review writes one narrow row per member (version bump and the next review in one
-- UPDATE: entries in the two indexes of member_balances), and the members row only when the tier
-- or the grace actually changes.
-- Lock rule unchanged (0052): member row first, then the balance row.
-- Every member has a balance row (member creation and the member import write one with the
-- schedule); the column has no default, so a writer that forgets the schedule fails.
ALTER TABLE member_balances ADD COLUMN next_review_at timestamptz;
INSERT INTO member_balances (member_id, next_review_at) SELECT m.id, m.next_review_at FROM members m
 WHERE NOT EXISTS (SELECT 1 FROM member_balances b WHERE b.member_id = m.id);
UPDATE member_balances b SET next_review_at = m.next_review_at FROM members m WHERE m.id = b.member_id AND b.next_review_at IS NULL;
-- A balance row without a member (none expected): never reviewed, as the review reads the member.
UPDATE member_balances SET next_review_at = 'infinity' WHERE next_review_at IS NULL;
ALTER TABLE member_balances ALTER COLUMN next_review_at SET NOT NULL;
CREATE INDEX member_balances_review_idx ON member_balances (next_review_at, member_id);
ALTER TABLE members DROP COLUMN next_review_at;
