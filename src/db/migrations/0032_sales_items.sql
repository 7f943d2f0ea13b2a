-- Sales reports: the tier a member was in when each event was decided, and purchase and refund
-- items as rows.
--
-- events.tier_id is generated from the stored result (`tier.from`, the tier before any upgrade
-- the event caused): every event writer gets it without a change, and it can never disagree with
-- the result the caller was given.
ALTER TABLE events ADD COLUMN tier_id text GENERATED ALWAYS AS (result -> 'tier' ->> 'from') STORED;

-- One row per item line of a purchase or refund, exploded from the stored result's `items` (the
-- decision's per-line breakdown) by a statement trigger in the event's own transaction: an item
-- exists exactly when its event does, once. Lines are numbered from 0 in the event's order.
-- `amount` is the line's money after its discount (minor units); `points` the points the line
-- earned (purchase) or took back (refund, negative), and `lots` the same by lot (earn entry key),
-- which is what a later refund of the line takes back; `purchase_line` the refunded line.
CREATE TABLE event_items (
  event_id       text NOT NULL REFERENCES events (id),
  line           integer NOT NULL CHECK (line >= 0),
  member_id      text NOT NULL,
  type           text NOT NULL,
  order_id       text,
  occurred_at    timestamptz NOT NULL,
  sku            text NOT NULL,
  name           text,
  category       text,
  brand          text,
  quantity       integer NOT NULL CHECK (quantity > 0),
  unit_price     bigint NOT NULL CHECK (unit_price >= 0),
  amount         bigint NOT NULL CHECK (amount >= 0),
  points         bigint NOT NULL DEFAULT 0,
  lots           jsonb NOT NULL DEFAULT '{}',
  purchase_line  integer,
  PRIMARY KEY (event_id, line)
);
CREATE INDEX event_items_occurred_idx ON event_items (occurred_at);
CREATE INDEX event_items_order_idx ON event_items (member_id, order_id) WHERE order_id IS NOT NULL;

CREATE FUNCTION event_items_from_results() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  INSERT INTO event_items (event_id, line, member_id, type, order_id, occurred_at, sku, name, category, brand, quantity, unit_price, amount, points, lots, purchase_line)
  SELECT e.id, (i.ord - 1)::int, e.member_id, e.type, e.order_id, e.occurred_at,
         i.item ->> 'sku', i.item ->> 'name', i.item ->> 'category', i.item ->> 'brand',
         (i.item ->> 'quantity')::int, (i.item ->> 'unitPrice')::bigint, (i.item ->> 'amount')::bigint,
         coalesce((i.item ->> 'points')::bigint, 0), coalesce(i.item -> 'lots', '{}'), (i.item ->> 'purchaseLine')::int
    FROM new_events e
    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(e.result -> 'items') = 'array' THEN e.result -> 'items' ELSE '[]'::jsonb END)
         WITH ORDINALITY AS i(item, ord);
  RETURN NULL;
END $$;

CREATE TRIGGER events_items AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION event_items_from_results();

-- Sales by time: purchases and refunds in a range without reading other events.
CREATE INDEX events_sales_idx ON events (occurred_at) INCLUDE (type, member_id, amount, source, tier_id) WHERE type IN ('purchase', 'refund');
