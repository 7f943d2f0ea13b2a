-- A refund reads every lot of its order, exhausted ones included: by member and order, so that
-- lookup does not scan the member's whole history (the open-lots index holds only open lots).
CREATE INDEX lots_member_order_idx ON lots (member_id, order_id) WHERE order_id IS NOT NULL;
