-- Bonus-rule offers are written by the ledger's one write statement itself (writeLedger: the
-- entry's offer_id/campaign_id, the offer_uses rows, the grant's counters and the budget, one
-- set-based statement each, aggregated per grant and per offer) instead of a row trigger that ran
-- four statements and a row lock for every bonus entry (migration 0023). The budget's CHECK
-- offers_within_budget stays: it is what makes a concurrent overspend fail whole and be decided again.
DROP TRIGGER ledger_entries_offer_bonus ON ledger_entries;
DROP FUNCTION offer_bonus_entry();

-- A used grant's counters change at every use: room on each page for the new row version keeps
-- that update on the page and out of the grant's four indexes (a HOT update).
ALTER TABLE offer_grants SET (fillfactor = 85);
