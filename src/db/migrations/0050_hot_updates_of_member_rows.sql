-- Every event write updates its member's row (ledger version, last activity) and balance row. With
-- pages packed full (fillfactor 100) the new row version lands on another page, so each update adds
-- an entry to every index of the table — nine on members, several on expressions. Leaving a fifth
-- of each page free lets PostgreSQL keep most of these updates on the page (HOT: no index entries;
-- bench:ingest prints the share). Applies to pages written from now on; existing rows spread out
-- as they are updated.
ALTER TABLE members SET (fillfactor = 80);
ALTER TABLE member_balances SET (fillfactor = 80);
