-- The tier review's grace deadline (grace_until) follows the schedule (0075) to member_balances: a
-- review that starts, keeps or ends a grace then writes only the narrow balance row (which it
-- already writes for the next review and the ledger version); the wide members row is written only
-- when the tier itself changes. On members, a page of reviews that started graces filled the
-- pages' free space, so most of those writes were not HOT either (a new entry in all nine indexes).
-- grace_until is not indexed: the balance row's updates that change it stay HOT.
ALTER TABLE member_balances ADD COLUMN grace_until timestamptz;
UPDATE member_balances b SET grace_until = m.grace_until FROM members m WHERE m.id = b.member_id AND m.grace_until IS NOT NULL;
ALTER TABLE members DROP COLUMN grace_until;
