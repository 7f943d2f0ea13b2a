-- Campaigns report rollup: the funnel counters of the entries (migration 0026's columns) summed per
-- (campaign, holdout, variant, 15-minute UTC slice of entered_at), so a report whose interval
-- boundaries all fall on slices (every IANA zone since ~1970: offsets are whole quarter hours)
-- reads a few rows per slice instead of every entry. Other boundaries read the entries
-- (src/reports/campaigns.ts decides per report).
--
-- Exactness: kept by AFTER statement triggers on campaign_members that add the new rows and take
-- away the old rows of the statement (transition tables), in the writer's own transaction, so the
-- rollup equals the entries grouped at every snapshot, whatever changed a row (a new entry, 0026's
-- funnel refresh, a message status, an UPDATE of entered_at or variant, a DELETE). TRUNCATE of
-- campaign_members empties it.
--
-- Writers do not queue on one hot row (a send enters a page of members at once, their message
-- statuses change one by one while delivering): each backend adds to its own shard of a row
-- (pg_backend_pid() % 8), as ledger_rollup does (0030). Rows are added in key order (two writers
-- can wait for each other but never deadlock) with a generic plan (see 0030).
CREATE TABLE campaign_funnel_rollup (
  campaign_id    text NOT NULL,
  holdout        boolean NOT NULL,
  variant        text NOT NULL,          -- '' for the holdout (campaign_members.variant IS NULL)
  slice          timestamptz NOT NULL,   -- date_bin('15 minutes', entered_at, timestamptz '2000-01-01 00:00:00+00')
  shard          smallint NOT NULL,
  audience       bigint NOT NULL,
  sent           bigint NOT NULL,
  delivered      bigint NOT NULL,
  failed         bigint NOT NULL,
  capped         bigint NOT NULL,
  suppressed     bigint NOT NULL,
  pending        bigint NOT NULL,
  unsubscribed   bigint NOT NULL,
  offer_granted  bigint NOT NULL,
  offer_used     bigint NOT NULL,
  converted      bigint NOT NULL,
  revenue        bigint NOT NULL,
  orders         bigint NOT NULL,
  PRIMARY KEY (campaign_id, holdout, variant, slice, shard)
);
CREATE INDEX campaign_funnel_rollup_slice_idx ON campaign_funnel_rollup (slice);

-- Adds (s = +1) the statement's new rows and takes away (s = −1) its old rows. Groups whose counters
-- do not change are not written (a message going queued → held, a funnel refresh that finds nothing).
CREATE FUNCTION campaign_funnel_rollup_apply() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  my_shard smallint := pg_backend_pid() % 8;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO campaign_funnel_rollup AS r
    SELECT * FROM (
      SELECT campaign_id, holdout, coalesce(variant, '') AS variant, date_bin('15 minutes', entered_at, timestamptz '2000-01-01 00:00:00+00') AS slice, my_shard AS shard,
             sum(s) AS audience,
             sum(CASE WHEN msg_status IN ('sending', 'sent', 'failed', 'unknown', 'dead') THEN s ELSE 0 END) AS sent,
             sum(CASE WHEN msg_status = 'sent' THEN s ELSE 0 END) AS delivered,
             sum(CASE WHEN msg_status IN ('failed', 'dead') THEN s ELSE 0 END) AS failed,
             sum(CASE WHEN msg_status = 'capped' THEN s ELSE 0 END) AS capped,
             sum(CASE WHEN msg_status = 'suppressed' THEN s ELSE 0 END) AS suppressed,
             sum(CASE WHEN msg_status IN ('queued', 'held') THEN s ELSE 0 END) AS pending,
             sum(CASE WHEN unsubscribed THEN s ELSE 0 END) AS unsubscribed,
             sum(CASE WHEN offer_granted THEN s ELSE 0 END) AS offer_granted,
             sum(CASE WHEN offer_used THEN s ELSE 0 END) AS offer_used,
             sum(CASE WHEN converted THEN s ELSE 0 END) AS converted,
             sum(s * revenue) AS revenue, sum(s * orders) AS orders
        FROM (SELECT 1 AS s, campaign_id, holdout, variant, entered_at, msg_status, unsubscribed, offer_granted, offer_used, converted, revenue, orders FROM new_rows) d
       GROUP BY 1, 2, 3, 4
    ) g
     ORDER BY 1, 2, 3, 4
  ON CONFLICT (campaign_id, holdout, variant, slice, shard) DO UPDATE SET
    audience = r.audience + EXCLUDED.audience, sent = r.sent + EXCLUDED.sent, delivered = r.delivered + EXCLUDED.delivered,
    failed = r.failed + EXCLUDED.failed, capped = r.capped + EXCLUDED.capped, suppressed = r.suppressed + EXCLUDED.suppressed,
    pending = r.pending + EXCLUDED.pending, unsubscribed = r.unsubscribed + EXCLUDED.unsubscribed,
    offer_granted = r.offer_granted + EXCLUDED.offer_granted, offer_used = r.offer_used + EXCLUDED.offer_used,
    converted = r.converted + EXCLUDED.converted, revenue = r.revenue + EXCLUDED.revenue, orders = r.orders + EXCLUDED.orders;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO campaign_funnel_rollup AS r
    SELECT * FROM (
      SELECT campaign_id, holdout, coalesce(variant, '') AS variant, date_bin('15 minutes', entered_at, timestamptz '2000-01-01 00:00:00+00') AS slice, my_shard AS shard,
             sum(s) AS audience,
             sum(CASE WHEN msg_status IN ('sending', 'sent', 'failed', 'unknown', 'dead') THEN s ELSE 0 END) AS sent,
             sum(CASE WHEN msg_status = 'sent' THEN s ELSE 0 END) AS delivered,
             sum(CASE WHEN msg_status IN ('failed', 'dead') THEN s ELSE 0 END) AS failed,
             sum(CASE WHEN msg_status = 'capped' THEN s ELSE 0 END) AS capped,
             sum(CASE WHEN msg_status = 'suppressed' THEN s ELSE 0 END) AS suppressed,
             sum(CASE WHEN msg_status IN ('queued', 'held') THEN s ELSE 0 END) AS pending,
             sum(CASE WHEN unsubscribed THEN s ELSE 0 END) AS unsubscribed,
             sum(CASE WHEN offer_granted THEN s ELSE 0 END) AS offer_granted,
             sum(CASE WHEN offer_used THEN s ELSE 0 END) AS offer_used,
             sum(CASE WHEN converted THEN s ELSE 0 END) AS converted,
             sum(s * revenue) AS revenue, sum(s * orders) AS orders
        FROM (SELECT 1 AS s, campaign_id, holdout, variant, entered_at, msg_status, unsubscribed, offer_granted, offer_used, converted, revenue, orders FROM new_rows UNION ALL SELECT -1, campaign_id, holdout, variant, entered_at, msg_status, unsubscribed, offer_granted, offer_used, converted, revenue, orders FROM old_rows) d
       GROUP BY 1, 2, 3, 4
    ) g
    WHERE (audience, sent, delivered, failed, capped, suppressed, pending, unsubscribed, offer_granted, offer_used, converted, revenue, orders)
          <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
     ORDER BY 1, 2, 3, 4
  ON CONFLICT (campaign_id, holdout, variant, slice, shard) DO UPDATE SET
    audience = r.audience + EXCLUDED.audience, sent = r.sent + EXCLUDED.sent, delivered = r.delivered + EXCLUDED.delivered,
    failed = r.failed + EXCLUDED.failed, capped = r.capped + EXCLUDED.capped, suppressed = r.suppressed + EXCLUDED.suppressed,
    pending = r.pending + EXCLUDED.pending, unsubscribed = r.unsubscribed + EXCLUDED.unsubscribed,
    offer_granted = r.offer_granted + EXCLUDED.offer_granted, offer_used = r.offer_used + EXCLUDED.offer_used,
    converted = r.converted + EXCLUDED.converted, revenue = r.revenue + EXCLUDED.revenue, orders = r.orders + EXCLUDED.orders;
  ELSE
    INSERT INTO campaign_funnel_rollup AS r
    SELECT * FROM (
      SELECT campaign_id, holdout, coalesce(variant, '') AS variant, date_bin('15 minutes', entered_at, timestamptz '2000-01-01 00:00:00+00') AS slice, my_shard AS shard,
             sum(s) AS audience,
             sum(CASE WHEN msg_status IN ('sending', 'sent', 'failed', 'unknown', 'dead') THEN s ELSE 0 END) AS sent,
             sum(CASE WHEN msg_status = 'sent' THEN s ELSE 0 END) AS delivered,
             sum(CASE WHEN msg_status IN ('failed', 'dead') THEN s ELSE 0 END) AS failed,
             sum(CASE WHEN msg_status = 'capped' THEN s ELSE 0 END) AS capped,
             sum(CASE WHEN msg_status = 'suppressed' THEN s ELSE 0 END) AS suppressed,
             sum(CASE WHEN msg_status IN ('queued', 'held') THEN s ELSE 0 END) AS pending,
             sum(CASE WHEN unsubscribed THEN s ELSE 0 END) AS unsubscribed,
             sum(CASE WHEN offer_granted THEN s ELSE 0 END) AS offer_granted,
             sum(CASE WHEN offer_used THEN s ELSE 0 END) AS offer_used,
             sum(CASE WHEN converted THEN s ELSE 0 END) AS converted,
             sum(s * revenue) AS revenue, sum(s * orders) AS orders
        FROM (SELECT -1 AS s, campaign_id, holdout, variant, entered_at, msg_status, unsubscribed, offer_granted, offer_used, converted, revenue, orders FROM old_rows) d
       GROUP BY 1, 2, 3, 4
    ) g
     ORDER BY 1, 2, 3, 4
  ON CONFLICT (campaign_id, holdout, variant, slice, shard) DO UPDATE SET
    audience = r.audience + EXCLUDED.audience, sent = r.sent + EXCLUDED.sent, delivered = r.delivered + EXCLUDED.delivered,
    failed = r.failed + EXCLUDED.failed, capped = r.capped + EXCLUDED.capped, suppressed = r.suppressed + EXCLUDED.suppressed,
    pending = r.pending + EXCLUDED.pending, unsubscribed = r.unsubscribed + EXCLUDED.unsubscribed,
    offer_granted = r.offer_granted + EXCLUDED.offer_granted, offer_used = r.offer_used + EXCLUDED.offer_used,
    converted = r.converted + EXCLUDED.converted, revenue = r.revenue + EXCLUDED.revenue, orders = r.orders + EXCLUDED.orders;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_members_rollup_insert AFTER INSERT ON campaign_members
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_rollup_apply();
CREATE TRIGGER campaign_members_rollup_update AFTER UPDATE ON campaign_members
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_rollup_apply();
CREATE TRIGGER campaign_members_rollup_delete AFTER DELETE ON campaign_members
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_rollup_apply();

CREATE FUNCTION campaign_funnel_rollup_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM campaign_funnel_rollup;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_members_rollup_truncate AFTER TRUNCATE ON campaign_members
  FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_rollup_on_truncate();

-- Everything again from the entries (this migration; the bench seed, which writes with triggers off).
CREATE FUNCTION campaign_funnel_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  my_shard smallint := 0;
BEGIN
  LOCK TABLE campaign_members IN SHARE MODE;
  DELETE FROM campaign_funnel_rollup;
  INSERT INTO campaign_funnel_rollup
  SELECT campaign_id, holdout, coalesce(variant, '') AS variant, date_bin('15 minutes', entered_at, timestamptz '2000-01-01 00:00:00+00') AS slice, my_shard AS shard,
             sum(s) AS audience,
             sum(CASE WHEN msg_status IN ('sending', 'sent', 'failed', 'unknown', 'dead') THEN s ELSE 0 END) AS sent,
             sum(CASE WHEN msg_status = 'sent' THEN s ELSE 0 END) AS delivered,
             sum(CASE WHEN msg_status IN ('failed', 'dead') THEN s ELSE 0 END) AS failed,
             sum(CASE WHEN msg_status = 'capped' THEN s ELSE 0 END) AS capped,
             sum(CASE WHEN msg_status = 'suppressed' THEN s ELSE 0 END) AS suppressed,
             sum(CASE WHEN msg_status IN ('queued', 'held') THEN s ELSE 0 END) AS pending,
             sum(CASE WHEN unsubscribed THEN s ELSE 0 END) AS unsubscribed,
             sum(CASE WHEN offer_granted THEN s ELSE 0 END) AS offer_granted,
             sum(CASE WHEN offer_used THEN s ELSE 0 END) AS offer_used,
             sum(CASE WHEN converted THEN s ELSE 0 END) AS converted,
             sum(s * revenue) AS revenue, sum(s * orders) AS orders
        FROM (SELECT 1 AS s, campaign_id, holdout, variant, entered_at, msg_status, unsubscribed, offer_granted, offer_used, converted, revenue, orders FROM campaign_members) d
       GROUP BY 1, 2, 3, 4;
END $$;

SELECT campaign_funnel_rollup_rebuild();
