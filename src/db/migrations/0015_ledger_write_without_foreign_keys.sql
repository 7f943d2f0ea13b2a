-- The event write without foreign-key checks: measured on the batch write of 1,000 purchases,
-- the eight row-level FK triggers on the rows an event writes (lots, entries, allocations, events
-- → members, program versions, entries, lots) took ~1.6 s of its ~2.1 s. Every ledger row is
-- written by the ledger code only, from members and lots it has just read under the member's
-- version guard or row lock, so these references hold by construction; `laurel ledger check`
-- (checkLedger in src/ledger/invariant.ts) proves them, with the balance invariant, and exits
-- non-zero when one fails. References from other tables to the ledger stay.
ALTER TABLE lots            DROP CONSTRAINT IF EXISTS lots_member_id_fkey;
ALTER TABLE ledger_entries  DROP CONSTRAINT IF EXISTS ledger_entries_member_id_fkey;
ALTER TABLE ledger_entries  DROP CONSTRAINT IF EXISTS ledger_entries_event_id_fkey;
ALTER TABLE ledger_entries  DROP CONSTRAINT IF EXISTS ledger_entries_program_version_fkey;
ALTER TABLE lot_allocations DROP CONSTRAINT IF EXISTS lot_allocations_entry_seq_fkey;
ALTER TABLE lot_allocations DROP CONSTRAINT IF EXISTS lot_allocations_lot_id_fkey;
ALTER TABLE events          DROP CONSTRAINT IF EXISTS events_member_id_fkey;
ALTER TABLE events          DROP CONSTRAINT IF EXISTS events_program_version_fkey;
ALTER TABLE member_balances DROP CONSTRAINT IF EXISTS member_balances_member_id_fkey;
ALTER TABLE order_refunds   DROP CONSTRAINT IF EXISTS order_refunds_member_id_fkey;
ALTER TABLE tier_changes    DROP CONSTRAINT IF EXISTS tier_changes_member_id_fkey;
