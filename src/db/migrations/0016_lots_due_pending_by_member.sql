-- An earn reads only its member's debt lot and the pending lots that have come due
-- (`eventLotsSql`): by member and window end, so that lookup touches the due lots only, however
-- many open lots the member holds. The activation sweep asks the same per member, so this
-- replaces the index by window end alone.
DROP INDEX IF EXISTS lots_pending_idx;
CREATE INDEX lots_member_pending_idx ON lots (member_id, pending_until) WHERE status = 'pending';
