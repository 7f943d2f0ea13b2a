-- Bonus-rule offers in the event write, without touching the ledger's one write statement: an
-- offer's bonus is an ordinary earn entry of rule `offer:<offer id>`; this trigger, which runs
-- only for those rows, tags the entry with its offer and campaign, records the use (offer_uses,
-- ref = the event) and keeps the counters: the grant's uses and points, and the offer's points
-- given when it has a budget (offers' CHECK points_given <= budget_points makes a write that
-- would overspend fail whole; the event path then decides again with the new total).
CREATE FUNCTION offer_bonus_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  offer text := substr(NEW.rule_id, 7);
  grant_row offer_grants%ROWTYPE;
BEGIN
  SELECT * INTO grant_row FROM offer_grants WHERE offer_id = offer AND member_id = NEW.member_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger entry % earns on offer % that member % does not hold', NEW.idempotency_key, offer, NEW.member_id;
  END IF;
  NEW.offer_id := offer;
  NEW.campaign_id := grant_row.campaign_id;
  INSERT INTO offer_uses (grant_id, offer_id, member_id, campaign_id, kind, ref, order_id, points, at)
  VALUES (grant_row.id, offer, NEW.member_id, grant_row.campaign_id, 'bonus', coalesce(NEW.event_id, NEW.idempotency_key), NEW.order_id, NEW.amount, NEW.at);
  UPDATE offer_grants SET uses = uses + 1, points_given = points_given + NEW.amount,
         first_used_at = least(coalesce(first_used_at, NEW.at), NEW.at), last_used_at = greatest(coalesce(last_used_at, NEW.at), NEW.at)
   WHERE id = grant_row.id;
  UPDATE offers SET points_given = points_given + NEW.amount WHERE id = offer AND budget_points IS NOT NULL;
  RETURN NEW;
END $$;

CREATE TRIGGER ledger_entries_offer_bonus BEFORE INSERT ON ledger_entries
  FOR EACH ROW WHEN (NEW.kind = 'earn' AND NEW.rule_id LIKE 'offer:%') EXECUTE FUNCTION offer_bonus_entry();

-- The budget check by a name the event path recognises: a write refused by it is decided again.
ALTER TABLE offers DROP CONSTRAINT offers_check1;
ALTER TABLE offers ADD CONSTRAINT offers_within_budget CHECK (budget_points IS NULL OR points_given <= budget_points);
