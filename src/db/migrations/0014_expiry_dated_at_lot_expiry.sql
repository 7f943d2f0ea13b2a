-- An expire entry is dated (`at`) at the instant its points expired: the lot's expiry, or the
-- inactivity deadline, not the sweep's run time, so reports by day put it on the right day. The
-- sweep that wrote it is recorded in `created_at` (the sweep's as-of instant), and the expiry
-- journey's points_expired pass pages through one sweep's entries by member with this index.
DROP INDEX IF EXISTS ledger_expired_at_member_idx;
CREATE INDEX ledger_expired_sweep_member_idx ON ledger_entries (created_at, member_id) WHERE kind = 'expire';
