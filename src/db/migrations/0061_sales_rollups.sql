-- Sales report rollups, written in the writer's own statement (statement triggers over the new
-- rows), so the report read through them equals the direct sums over events / event_items at
-- every snapshot, whoever writes the events (HTTP, batches, imports, anything later).
--
-- Time is kept in 15-minute UTC slices as the other report rollups (0030, 0027, 0028): every local
-- midnight of every IANA zone in use falls on one, so any zone and any calendar (Gregorian,
-- Persian; days, weeks, months; DST days) is a sum of whole slices and a zone change needs no
-- rebuild. Boundaries off the slices (a historical LMT offset) fall back to the raw rows.
--
-- Writers do not queue on one hot row: each backend adds to its own shard (pg_backend_pid() % 8);
-- `compact_sales_rollups` folds old shards into shard 0. Rows are upserted in key order (two
-- writers can wait for each other but never deadlock) with a generic plan (as 0030).

-- Orders and refunds per slice and by what the report tells apart: the event type, the tier the
-- event was decided in ('' = none) and its source (partner).
CREATE TABLE sales_rollup (
  slice    timestamptz NOT NULL,
  type     text NOT NULL,
  tier     text NOT NULL,
  source   text NOT NULL,
  shard    smallint NOT NULL,
  events   bigint NOT NULL,
  amount   bigint NOT NULL,
  PRIMARY KEY (slice, type, tier, source, shard)
);

-- Items per SKU and category, net of refunded items (a refund line subtracts its units and
-- money), at three grains in one table: 0 = a 15-minute slice, 1 = a UTC day, 2 = a UTC month
-- (`at` = its start). Every item line is in one row of each grain. A range on slices reads its
-- whole UTC months from grain 2, the whole UTC days left at its ends from grain 1 and the slices
-- left from grain 0 — a year is ~12 month rows per SKU instead of every line. `orders` counts
-- purchase lines; `name` is the greatest name seen (as the report's max(name)).
CREATE TABLE sales_item_rollup (
  grain     smallint NOT NULL,
  at        timestamptz NOT NULL,
  sku       text NOT NULL,
  category  text,
  shard     smallint NOT NULL,
  name      text,
  quantity  bigint NOT NULL,
  revenue   bigint NOT NULL,
  orders    bigint NOT NULL,
  CONSTRAINT sales_item_rollup_key UNIQUE NULLS NOT DISTINCT (grain, at, sku, category, shard)
);

-- Units and baskets per slice, from the item lines themselves (line 0 = a basket).
CREATE TABLE sales_basket_rollup (
  slice    timestamptz NOT NULL,
  shard    smallint NOT NULL,
  units    bigint NOT NULL,
  baskets  bigint NOT NULL,
  PRIMARY KEY (slice, shard)
);

CREATE FUNCTION sales_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  INSERT INTO sales_rollup AS r (slice, type, tier, source, shard, events, amount)
  SELECT report_slice(e.occurred_at), e.type, coalesce(e.tier_id, ''), e.source, pg_backend_pid() % 8,
         count(*), coalesce(sum(e.amount), 0)
    FROM new_events e
   WHERE e.type IN ('purchase', 'refund')
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (slice, type, tier, source, shard) DO UPDATE
    SET events = r.events + EXCLUDED.events, amount = r.amount + EXCLUDED.amount;
  RETURN NULL;
END $$;

CREATE TRIGGER events_sales_rollup AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION sales_rollup_add();

CREATE FUNCTION sales_item_rollup_add() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  my_shard smallint := pg_backend_pid() % 8;
BEGIN
  INSERT INTO sales_item_rollup AS r (grain, at, sku, category, shard, name, quantity, revenue, orders)
  SELECT g.grain, g.at, i.sku, i.category, my_shard, max(i.name),
         sum(CASE WHEN i.type = 'purchase' THEN i.quantity ELSE -i.quantity END),
         sum(CASE WHEN i.type = 'purchase' THEN i.amount ELSE -i.amount END),
         count(*) FILTER (WHERE i.type = 'purchase')
    FROM new_items i
    CROSS JOIN LATERAL (VALUES (0::smallint, report_slice(i.occurred_at)),
                               (1::smallint, date_trunc('day', i.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
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

CREATE TRIGGER event_items_sales_rollup AFTER INSERT ON event_items
  REFERENCING NEW TABLE AS new_items
  FOR EACH STATEMENT EXECUTE FUNCTION sales_item_rollup_add();

-- Emptied with their sources (a TRUNCATE of events takes event_items with it: FK).
CREATE FUNCTION sales_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'events' THEN
    DELETE FROM sales_rollup;
  ELSE
    DELETE FROM sales_item_rollup;
    DELETE FROM sales_basket_rollup;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER events_sales_rollup_truncate AFTER TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION sales_rollups_truncate();
CREATE TRIGGER event_items_sales_rollup_truncate AFTER TRUNCATE ON event_items FOR EACH STATEMENT EXECUTE FUNCTION sales_rollups_truncate();

-- Recomputes the sales rollups from events and event_items (writers wait meanwhile): the
-- migration's backfill, a bulk load written with triggers off (the bench seed), or to prove them.
CREATE FUNCTION rebuild_sales_rollups() RETURNS void LANGUAGE plpgsql AS $$
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
    CROSS JOIN LATERAL (VALUES (0::smallint, report_slice(i.occurred_at)),
                               (1::smallint, date_trunc('day', i.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
                               (2::smallint, date_trunc('month', i.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')) AS g(grain, at)
   GROUP BY 1, 2, 3, 4;
  INSERT INTO sales_basket_rollup (slice, shard, units, baskets)
  SELECT report_slice(occurred_at), 0, sum(quantity), count(*) FILTER (WHERE line = 0)
    FROM event_items WHERE type = 'purchase'
   GROUP BY 1;
  ANALYZE sales_rollup, sales_item_rollup, sales_basket_rollup;
END $$;

-- Folds every shard of rows older than `before` into shard 0 (fewer rows for reports to read).
-- Safe beside writers (as compact_report_rollups): a writer adding to a folded row waits for the
-- fold, then finds the row gone and inserts a fresh one, which a later compaction folds.
CREATE FUNCTION compact_sales_rollups(before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
  n bigint;
BEGIN
  WITH moved AS (
    DELETE FROM sales_rollup WHERE slice < before AND shard <> 0 RETURNING slice, type, tier, source, events, amount
  )
  INSERT INTO sales_rollup AS r (slice, type, tier, source, shard, events, amount)
  SELECT slice, type, tier, source, 0, sum(events), sum(amount) FROM moved
   GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (slice, type, tier, source, shard) DO UPDATE
    SET events = r.events + EXCLUDED.events, amount = r.amount + EXCLUDED.amount;
  GET DIAGNOSTICS folded = ROW_COUNT;

  -- A month or day row is folded only once it is over (at + its length ≤ before).
  WITH moved AS (
    DELETE FROM sales_item_rollup
     WHERE shard <> 0 AND CASE grain WHEN 0 THEN at < before
                                     WHEN 1 THEN at + interval '1 day' <= before
                                     ELSE (at AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC' <= before END
    RETURNING grain, at, sku, category, name, quantity, revenue, orders
  )
  INSERT INTO sales_item_rollup AS r (grain, at, sku, category, shard, name, quantity, revenue, orders)
  SELECT grain, at, sku, category, 0, max(name), sum(quantity), sum(revenue), sum(orders) FROM moved
   GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (grain, at, sku, category, shard) DO UPDATE
    SET name = greatest(r.name, EXCLUDED.name), quantity = r.quantity + EXCLUDED.quantity,
        revenue = r.revenue + EXCLUDED.revenue, orders = r.orders + EXCLUDED.orders;
  GET DIAGNOSTICS n = ROW_COUNT;
  folded := folded + n;

  WITH moved AS (DELETE FROM sales_basket_rollup WHERE slice < before AND shard <> 0 RETURNING slice, units, baskets)
  INSERT INTO sales_basket_rollup AS r (slice, shard, units, baskets)
  SELECT slice, 0, sum(units), sum(baskets) FROM moved GROUP BY slice ORDER BY slice
  ON CONFLICT (slice, shard) DO UPDATE SET units = r.units + EXCLUDED.units, baskets = r.baskets + EXCLUDED.baskets;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN folded + n;
END $$;

SELECT rebuild_sales_rollups();
