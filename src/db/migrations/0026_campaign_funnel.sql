-- Campaigns report: each campaign entry carries its own funnel — what became of its first message,
-- whether the member unsubscribed, got and used one of the campaign's offers, reached the goal,
-- and what it bought within the attribution window after entering — so the report is one scan of
-- campaign_members instead of a message lookup and four event/suppression/offer probes per entry.
--
-- Exactness: every figure is recomputed FROM ITS SOURCE ROWS (campaign_funnel_of, the one
-- definition of the funnel), never incremented, by triggers on every table it reads, in the
-- writer's own transaction:
--   campaign_members INSERT, events INSERT, suppressions INSERT/UPDATE/DELETE, offer_grants
--   INSERT/DELETE, offer_uses INSERT/UPDATE/DELETE, campaigns UPDATE of the goal or day length
--   (campaign_funnel_refresh), messages INSERT/UPDATE of status (msg_status is the row's status),
--   TRUNCATE of any of them (everything recomputed).
-- Concurrency (READ COMMITTED): a refresh first locks the entries' member rows (FOR NO KEY UPDATE,
-- in id order; the event write already holds them) and only then reads, in a new statement, so it
-- sees every writer that held the lock before it; a writer that comes later waits for it and
-- recomputes after it. A new entry also locks its first message row (FOR SHARE) before reading
-- its status. Message status updates set msg_status directly (the message row lock orders them).

-- The attribution window of a campaign: its goal's days, else 7 (DEFAULT_ATTRIBUTION_DAYS in
-- src/reports/campaigns.ts), each `day_seconds` long.
CREATE FUNCTION campaign_attribution_window(definition jsonb, day_seconds integer) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT make_interval(secs => coalesce((definition -> 'goal' ->> 'withinDays')::int, 7) * day_seconds)
$$;

ALTER TABLE campaign_members
  ADD COLUMN msg_status    text,
  ADD COLUMN unsubscribed  boolean NOT NULL DEFAULT false,
  ADD COLUMN offer_granted boolean NOT NULL DEFAULT false,
  ADD COLUMN offer_used    boolean NOT NULL DEFAULT false,
  ADD COLUMN converted     boolean NOT NULL DEFAULT false,
  ADD COLUMN revenue       bigint NOT NULL DEFAULT 0,
  ADD COLUMN orders        bigint NOT NULL DEFAULT 0;
-- Room on each page for the funnel's later updates (HOT: no index covers these columns).
ALTER TABLE campaign_members SET (fillfactor = 85);

-- Unsubscribes by member (the funnel looks them up per entry; there was no index).
CREATE INDEX suppressions_member_idx ON suppressions (member_id) WHERE member_id IS NOT NULL;

-- The funnel of one entry, from the source rows: unsubscribed (an unsubscribe in the window),
-- offer granted (a grant of the campaign, revoked or not) and used (a use not cancelled),
-- converted (a goal event in the window), revenue (purchases − refunds in the window), orders.
CREATE FUNCTION campaign_funnel_of(p_campaign text, p_member text, p_entered timestamptz)
RETURNS TABLE (unsubscribed boolean, offer_granted boolean, offer_used boolean, converted boolean, revenue bigint, orders bigint)
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM suppressions s
                  WHERE s.member_id = p_member AND s.reason = 'unsubscribed' AND s.created_at >= p_entered AND s.created_at < p_entered + w.len),
         EXISTS (SELECT 1 FROM offer_grants g WHERE g.member_id = p_member AND g.campaign_id = p_campaign),
         EXISTS (SELECT 1 FROM offer_grants g JOIN offer_uses u ON u.grant_id = g.id
                  WHERE g.member_id = p_member AND g.campaign_id = p_campaign AND u.cancelled_at IS NULL),
         w.goal IS NOT NULL AND EXISTS (SELECT 1 FROM events e
                  WHERE e.member_id = p_member AND e.type = w.goal AND e.occurred_at >= p_entered AND e.occurred_at < p_entered + w.len),
         coalesce(b.revenue, 0)::bigint, coalesce(b.orders, 0)::bigint
    FROM (SELECT c.definition -> 'goal' ->> 'eventType' AS goal, campaign_attribution_window(c.definition, c.day_seconds) AS len
            FROM campaigns c WHERE c.id = p_campaign) w
   CROSS JOIN LATERAL (
     SELECT sum(CASE WHEN e.type = 'purchase' THEN e.amount ELSE -e.amount END) AS revenue, count(*) FILTER (WHERE e.type = 'purchase') AS orders
       FROM events e
      WHERE e.member_id = p_member AND e.type IN ('purchase', 'refund') AND e.occurred_at >= p_entered AND e.occurred_at < p_entered + w.len
   ) b
$$;

-- Recomputes the funnel of the entries (p_campaigns[i], p_members[i]) that exist; with
-- p_new_entries also their message status. Writes only rows whose funnel changed.
CREATE FUNCTION campaign_funnel_refresh(p_campaigns text[], p_members text[], p_new_entries boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF coalesce(cardinality(p_members), 0) = 0 THEN
    RETURN;
  END IF;
  PERFORM 1 FROM members WHERE id IN (SELECT unnest(p_members)) ORDER BY id FOR NO KEY UPDATE;
  IF p_new_entries THEN
    PERFORM 1 FROM messages WHERE id IN (SELECT 'campaign.' || k.c || '.0.' || k.m FROM unnest(p_campaigns, p_members) k(c, m)) ORDER BY id FOR SHARE;
    UPDATE campaign_members cm SET msg_status = msg.status
      FROM unnest(p_campaigns, p_members) k(c, m) JOIN messages msg ON msg.id = 'campaign.' || k.c || '.0.' || k.m
     WHERE cm.campaign_id = k.c AND cm.member_id = k.m AND cm.msg_status IS DISTINCT FROM msg.status;
  END IF;
  UPDATE campaign_members cm
     SET unsubscribed = n.unsubscribed, offer_granted = n.offer_granted, offer_used = n.offer_used,
         converted = n.converted, revenue = n.revenue, orders = n.orders
    FROM (SELECT e.campaign_id, e.member_id, f.*
            FROM (SELECT DISTINCT k.c, k.m FROM unnest(p_campaigns, p_members) k(c, m)) k
            JOIN campaign_members e ON e.campaign_id = k.c AND e.member_id = k.m
           CROSS JOIN LATERAL campaign_funnel_of(e.campaign_id, e.member_id, e.entered_at) f) n
   WHERE cm.campaign_id = n.campaign_id AND cm.member_id = n.member_id
     AND (cm.unsubscribed, cm.offer_granted, cm.offer_used, cm.converted, cm.revenue, cm.orders)
         IS DISTINCT FROM (n.unsubscribed, n.offer_granted, n.offer_used, n.converted, n.revenue, n.orders);
END $$;

-- Every entry from the source rows (this migration, the bench seed, a TRUNCATE of a source).
CREATE FUNCTION campaign_funnel_rebuild() RETURNS void LANGUAGE sql AS $$
  UPDATE campaign_members cm
     SET msg_status = (SELECT msg.status FROM messages msg WHERE msg.id = 'campaign.' || cm.campaign_id || '.0.' || cm.member_id),
         unsubscribed = f.unsubscribed, offer_granted = f.offer_granted, offer_used = f.offer_used,
         converted = f.converted, revenue = f.revenue, orders = f.orders
    FROM campaign_members e CROSS JOIN LATERAL campaign_funnel_of(e.campaign_id, e.member_id, e.entered_at) f
   WHERE e.campaign_id = cm.campaign_id AND e.member_id = cm.member_id
$$;

-- New entries: their funnel from whatever already happened (a message, purchases dated after entering).
CREATE FUNCTION campaign_funnel_on_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM campaign_funnel_refresh(array_agg(campaign_id), array_agg(member_id), true) FROM new_entries;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_members_funnel AFTER INSERT ON campaign_members
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_entries();

-- Events: the entries whose window holds the event and that it counts for (a purchase or refund,
-- or the campaign's goal). Members without entries cost one index probe per event (the lateral
-- subquery is kept a per-event probe by OFFSET 0: as a plain join the generic plan hashed all
-- of campaign_members, 2–3× the cost per event).
CREATE FUNCTION campaign_funnel_on_events() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  PERFORM campaign_funnel_refresh(array_agg(x.campaign_id), array_agg(x.member_id))
     FROM (SELECT DISTINCT cm.campaign_id, cm.member_id
             FROM new_events e
            CROSS JOIN LATERAL (SELECT cm.campaign_id, cm.member_id, cm.entered_at FROM campaign_members cm
                                 WHERE cm.member_id = e.member_id AND cm.entered_at <= e.occurred_at OFFSET 0) cm
             JOIN campaigns c ON c.id = cm.campaign_id
            WHERE e.occurred_at < cm.entered_at + campaign_attribution_window(c.definition, c.day_seconds)
              AND (e.type IN ('purchase', 'refund') OR e.type = c.definition -> 'goal' ->> 'eventType')) x
   HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE TRIGGER events_campaign_funnel AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_events();

-- Unsubscribes (and a suppression that changes reason or goes away): every entry of the member.
CREATE FUNCTION campaign_funnel_on_suppression() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM campaign_funnel_refresh(array_agg(cm.campaign_id), array_agg(cm.member_id))
     FROM campaign_members cm
    WHERE cm.member_id IN (OLD.member_id, NEW.member_id)
   HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE TRIGGER suppressions_campaign_funnel_insert AFTER INSERT OR DELETE ON suppressions
  FOR EACH ROW EXECUTE FUNCTION campaign_funnel_on_suppression();
CREATE TRIGGER suppressions_campaign_funnel_update AFTER UPDATE ON suppressions
  FOR EACH ROW WHEN ((OLD.reason, OLD.member_id, OLD.created_at) IS DISTINCT FROM (NEW.reason, NEW.member_id, NEW.created_at))
  EXECUTE FUNCTION campaign_funnel_on_suppression();

-- Offer grants of a campaign (inserted, or deleted when a code could not be drawn).
CREATE FUNCTION campaign_funnel_on_grants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM campaign_funnel_refresh(array_agg(campaign_id), array_agg(member_id)) FROM new_grants WHERE campaign_id IS NOT NULL HAVING count(*) > 0;
  ELSE
    PERFORM campaign_funnel_refresh(array_agg(campaign_id), array_agg(member_id)) FROM old_grants WHERE campaign_id IS NOT NULL HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER offer_grants_campaign_funnel_insert AFTER INSERT ON offer_grants
  REFERENCING NEW TABLE AS new_grants FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_grants();
CREATE TRIGGER offer_grants_campaign_funnel_delete AFTER DELETE ON offer_grants
  REFERENCING OLD TABLE AS old_grants FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_grants();

-- Offer uses (the event write inserts them; a cancelled redemption sets cancelled_at).
CREATE FUNCTION campaign_funnel_on_uses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM campaign_funnel_refresh(array_agg(g.campaign_id), array_agg(g.member_id))
       FROM new_uses u JOIN offer_grants g ON g.id = u.grant_id WHERE g.campaign_id IS NOT NULL HAVING count(*) > 0;
  ELSE
    PERFORM campaign_funnel_refresh(array_agg(g.campaign_id), array_agg(g.member_id))
       FROM offer_grants g WHERE g.id IN (OLD.grant_id, NEW.grant_id) AND g.campaign_id IS NOT NULL HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER offer_uses_campaign_funnel_insert AFTER INSERT ON offer_uses
  REFERENCING NEW TABLE AS new_uses FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_uses();
CREATE TRIGGER offer_uses_campaign_funnel_delete AFTER DELETE ON offer_uses
  FOR EACH ROW EXECUTE FUNCTION campaign_funnel_on_uses();
CREATE TRIGGER offer_uses_campaign_funnel_update AFTER UPDATE ON offer_uses
  FOR EACH ROW WHEN ((OLD.cancelled_at IS NULL, OLD.grant_id) IS DISTINCT FROM (NEW.cancelled_at IS NULL, NEW.grant_id))
  EXECUTE FUNCTION campaign_funnel_on_uses();

-- A campaign's goal or day length changing changes every entry's window.
CREATE FUNCTION campaign_funnel_on_campaign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM campaign_funnel_refresh(array_agg(cm.campaign_id), array_agg(cm.member_id)) FROM campaign_members cm WHERE cm.campaign_id = NEW.id HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE TRIGGER campaigns_campaign_funnel AFTER UPDATE ON campaigns
  FOR EACH ROW WHEN ((OLD.definition -> 'goal', OLD.day_seconds) IS DISTINCT FROM (NEW.definition -> 'goal', NEW.day_seconds))
  EXECUTE FUNCTION campaign_funnel_on_campaign();

-- The first message of an entry: `campaign.<campaign>.0.<member>` (campaign ids have no dots).
CREATE FUNCTION campaign_funnel_on_message() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  campaign text := split_part(NEW.id, '.', 2);
BEGIN
  IF split_part(NEW.id, '.', 3) = '0' THEN
    UPDATE campaign_members SET msg_status = NEW.status
     WHERE campaign_id = campaign AND member_id = substr(NEW.id, length('campaign.' || campaign || '.0.') + 1)
       AND msg_status IS DISTINCT FROM NEW.status;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER messages_campaign_funnel_insert AFTER INSERT ON messages
  FOR EACH ROW WHEN (starts_with(NEW.id, 'campaign.')) EXECUTE FUNCTION campaign_funnel_on_message();
CREATE TRIGGER messages_campaign_funnel_update AFTER UPDATE OF status ON messages
  FOR EACH ROW WHEN (starts_with(NEW.id, 'campaign.') AND OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION campaign_funnel_on_message();

-- Emptying a source table (tests, a reset): every entry again.
CREATE FUNCTION campaign_funnel_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM campaign_funnel_rebuild();
  RETURN NULL;
END $$;
CREATE TRIGGER events_campaign_funnel_truncate AFTER TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_truncate();
CREATE TRIGGER suppressions_campaign_funnel_truncate AFTER TRUNCATE ON suppressions FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_truncate();
CREATE TRIGGER offer_grants_campaign_funnel_truncate AFTER TRUNCATE ON offer_grants FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_truncate();
CREATE TRIGGER offer_uses_campaign_funnel_truncate AFTER TRUNCATE ON offer_uses FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_truncate();
CREATE TRIGGER messages_campaign_funnel_truncate AFTER TRUNCATE ON messages FOR EACH STATEMENT EXECUTE FUNCTION campaign_funnel_on_truncate();

-- The entries already written.
SELECT campaign_funnel_rebuild();
