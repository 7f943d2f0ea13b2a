-- Optimistic ingestion: an event reads a member's ledger without a lock, decides in memory, and
-- writes everything in one statement guarded by this counter. Every writer that takes the member
-- row lock bumps it (src/members/store.ts findMember), so a guard that still matches proves no one
-- changed the member's points, lots or tier in between.
ALTER TABLE members ADD COLUMN ledger_version bigint NOT NULL DEFAULT 0;
