-- event_items without its foreign key to events. Every item row is written by the events trigger
-- (event_items_from_results, 0032) from the new rows of the same statement, so the reference holds by
-- construction — as for the ledger rows of 0015 — while the key cost each item line a row-level RI
-- trigger: a `SELECT … FOR KEY SHARE` of its event, which also locks (writes) the just-inserted event
-- row. Measured (EXPLAIN ANALYZE of 1,000-event inserts on a 2M-entry seed, 542 purchases with 1,079
-- lines; backend CPU, 3 interleaved blocks, load 9–11): 93.0 → 83.9 ms per insert with new day rows,
-- 109.0 → 106.0 ms with existing ones. `laurel ledger check` proves the reference instead
-- (src/ledger/invariant.ts: 'event_items.event_id → events'). A TRUNCATE of events no longer needs
-- CASCADE to reach event_items: truncate both (as the tests' reset does), or the check names the rows.
ALTER TABLE event_items DROP CONSTRAINT IF EXISTS event_items_event_id_fkey;
