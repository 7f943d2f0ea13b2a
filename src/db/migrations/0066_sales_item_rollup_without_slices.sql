-- Sales item rollups (0061) without the 15-minute grain. Every item line was upserted at three grains
-- (slice, UTC day, UTC month); the slice rows were almost one per line (a SKU rarely sells twice in one
-- slice and shard), so they were mostly INSERTs into the largest part of sales_item_rollup (1.6M of
-- its 2.7M rows on a 2M-entry seed), and a report reads them only for the partial UTC days at the ends
-- of its range — at most two days, whose item lines are about as many as those slice rows. Now lines
-- are kept per UTC day and UTC month only, and a report reads those partial days from event_items
-- itself (event_items_occurred_idx; src/reports/sales.ts). Measured (EXPLAIN ANALYZE of 1,000-event
-- inserts, 542 purchases with 1,079 lines): about −5 to −8 % of PostgreSQL CPU per insert.
--
-- Reports never read grain-0 rows after this (a writer that ran the old function concurrently with
-- this migration may leave one: it is ignored, and rebuild_sales_rollups drops it).

CREATE OR REPLACE FUNCTION sales_item_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  my_shard smallint := pg_backend_pid() % 8;
BEGIN
  INSERT INTO sales_item_rollup AS r (grain, at, sku, category, shard, name, quantity, revenue, orders)
  SELECT g.grain, g.at, i.sku, i.category, my_shard, max(i.name),
         sum(CASE WHEN i.type = 'purchase' THEN i.quantity ELSE -i.quantity END),
         sum(CASE WHEN i.type = 'purchase' THEN i.amount ELSE -i.amount END),
         count(*) FILTER (WHERE i.type = 'purchase')
    FROM new_items i
    CROSS JOIN LATERAL (VALUES (1::smallint, date_trunc('day', i.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
                               (2::smallint, date_trunc('month', i.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')) AS g(grain, at)
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (grain, at, sku, category, shard) DO UPDATE
    SET name = greatest(r.name, EXCLUDED.name), quantity = r.quantity + EXCLUDED.quantity,
        revenue = r.revenue + EXCLUDED.revenue, orders = r.orders + EXCLUDED.orders;

  INSERT INTO sales_basket_rollup AS r (slice, shard, units, baskets)
  SELECT report_slice(i.occurred_at), my_shard, sum(i.quantity), count(*) FILTER (WHERE i.line = 0)
    FROM new_items i
   WHERE i.type = 'purchase'
   GROUP BY 1
   ORDER BY 1
  ON CONFLICT (slice, shard) DO UPDATE SET units = r.units + EXCLUDED.units, baskets = r.baskets + EXCLUDED.baskets;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION rebuild_sales_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE events, event_items IN SHARE MODE;
  DELETE FROM sales_rollup;
  DELETE FROM sales_item_rollup;
  DELETE FROM sales_basket_rollup;
  INSERT INTO sales_rollup (slice, type, tier, source, shard, events, amount)
  SELECT report_slice(occurred_at), type, coalesce(tier_id, ''), source, 0, count(*), coalesce(sum(amount), 0)
    FROM events WHERE type IN ('purchase', 'refund')
   GROUP BY 1, 2, 3, 4;
  INSERT INTO sales_item_rollup (grain, at, sku, category, shard, name, quantity, revenue, orders)
  SELECT g.grain, g.at, i.sku, i.category, 0, max(i.name),
         sum(CASE WHEN i.type = 'purchase' THEN i.quantity ELSE -i.quantity END),
         sum(CASE WHEN i.type = 'purchase' THEN i.amount ELSE -i.amount END),
         count(*) FILTER (WHERE i.type = 'purchase')
    FROM event_items i
    CROSS JOIN LATERAL (VALUES (1::smallint, date_trunc('day', i.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
                               (2::smallint, date_trunc('month', i.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')) AS g(grain, at)
   GROUP BY 1, 2, 3, 4;
  INSERT INTO sales_basket_rollup (slice, shard, units, baskets)
  SELECT report_slice(occurred_at), 0, sum(quantity), count(*) FILTER (WHERE line = 0)
    FROM event_items WHERE type = 'purchase'
   GROUP BY 1;
  ANALYZE sales_rollup, sales_item_rollup, sales_basket_rollup;
END $$;

DELETE FROM sales_item_rollup WHERE grain = 0;
