-- The expiry sweep's points_expired pass pages, by member, through the expire entries the sweep
-- just wrote (kind = 'expire' AND at = <sweep instant> AND member_id > <cursor>): without this it
-- scans every ledger entry at each page.
CREATE INDEX IF NOT EXISTS ledger_expired_at_member_idx ON ledger_entries (at, member_id) WHERE kind = 'expire';

-- The win-back report: counts by review date and its newest-first pages over a date range.
CREATE INDEX IF NOT EXISTS winbacks_demoted_idx ON winbacks (demoted_at DESC, id DESC);
