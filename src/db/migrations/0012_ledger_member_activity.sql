-- A member's qualifying activity in a window (every event's read, and the tier review's pages):
-- by member first, so one member's lookup does not scan every member's entries in the window.
CREATE INDEX ledger_member_qualifying_idx ON ledger_entries (member_id, at) INCLUDE (rule_id, qualifying_points) WHERE qualifying_points <> 0;
