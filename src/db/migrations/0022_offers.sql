-- Targeted offers: what a campaign gives. An offer (a bonus earning rule for its holders, a personal
-- coupon, a reward at a reduced price) is held explicitly (offer_grants), never by a campaign's
-- holdout; every use is a row (offer_uses), and ledger entries an offer produced carry the offer
-- and campaign ids, so its cost and lift are countable.

CREATE TABLE offers (
  id                 text PRIMARY KEY,
  name               text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('bonus_rule', 'coupon', 'reward_discount')),
  -- The document as PUT (validated; kind-specific settings live here).
  definition         jsonb NOT NULL,
  -- Attached to a campaign step: granted to the step's non-holdout members (of these variants).
  campaign_id        text REFERENCES campaigns (id),
  campaign_step      integer,
  campaign_variants  text[],
  -- Tiers that may be granted the offer (null = every tier).
  tiers              text[],
  valid_from         timestamptz NOT NULL,
  -- Exclusive; null = open-ended.
  valid_until        timestamptz,
  -- Uses per holder (null = unlimited).
  uses_per_member    integer CHECK (uses_per_member > 0),
  -- bonus_rule: the event type it earns on, its total points budget and what it has given.
  trigger            text,
  budget_points      bigint CHECK (budget_points > 0),
  points_given       bigint NOT NULL DEFAULT 0,
  -- reward_discount: the reward it discounts.
  reward_id          text REFERENCES rewards (id),
  -- Generated personal codes derive from it (a retried grant gets the same code).
  code_salt          text NOT NULL,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  archived_at        timestamptz,
  CHECK (valid_until IS NULL OR valid_until > valid_from),
  CHECK (budget_points IS NULL OR points_given <= budget_points),
  CHECK ((campaign_id IS NULL) = (campaign_step IS NULL))
);
CREATE INDEX offers_campaign_idx ON offers (campaign_id, campaign_step) WHERE campaign_id IS NOT NULL;
CREATE INDEX offers_trigger_idx ON offers (trigger) WHERE kind = 'bonus_rule' AND status = 'active';

-- One grant per member and offer: a retried campaign page or a repeated issue grants nothing twice.
CREATE TABLE offer_grants (
  id             bigserial PRIMARY KEY,
  offer_id       text NOT NULL REFERENCES offers (id),
  member_id      text NOT NULL REFERENCES members (id),
  campaign_id    text REFERENCES campaigns (id),
  variant        text,
  step_index     integer,
  -- `campaign`, or `issue:<key>` for an offer issued on its own.
  source         text NOT NULL,
  granted_at     timestamptz NOT NULL DEFAULT now(),
  -- The grant's own end (a coupon's validity days); the offer's window bounds it too.
  expires_at     timestamptz,
  max_uses       integer CHECK (max_uses > 0),
  uses           integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
  points_given   bigint NOT NULL DEFAULT 0,
  revenue        bigint NOT NULL DEFAULT 0,
  first_used_at  timestamptz,
  last_used_at   timestamptz,
  -- Revoked when its campaign is cancelled: no use from then on (past uses stay counted).
  revoked_at     timestamptz,
  UNIQUE (offer_id, member_id),
  CHECK (max_uses IS NULL OR uses <= max_uses)
);
CREATE INDEX offer_grants_member_idx ON offer_grants (member_id, granted_at DESC);
CREATE INDEX offer_grants_campaign_idx ON offer_grants (campaign_id, variant) WHERE campaign_id IS NOT NULL;

-- Every personal code, generated or imported: globally unique, so a code names one grant. An
-- imported code waits in its offer's pool (grant_id null) until a grant takes it.
CREATE TABLE offer_codes (
  code         text PRIMARY KEY,
  offer_id     text NOT NULL REFERENCES offers (id),
  seq          bigserial,
  source       text NOT NULL CHECK (source IN ('generated', 'imported')),
  grant_id     bigint UNIQUE REFERENCES offer_grants (id),
  imported_at  timestamptz NOT NULL DEFAULT now(),
  assigned_at  timestamptz
);
CREATE INDEX offer_codes_free_idx ON offer_codes (offer_id, seq) WHERE grant_id IS NULL;

-- Each use of a grant: a coupon redeemed for an order (ref = order id: the redemption is
-- idempotent on it), a bonus an event earned (ref = event id), a discounted redemption (ref =
-- redemption id).
CREATE TABLE offer_uses (
  id            bigserial PRIMARY KEY,
  grant_id      bigint NOT NULL REFERENCES offer_grants (id),
  offer_id      text NOT NULL,
  member_id     text NOT NULL,
  campaign_id   text,
  kind          text NOT NULL CHECK (kind IN ('bonus', 'coupon', 'reward_discount')),
  ref           text NOT NULL,
  order_id      text,
  -- Revenue of the order that used it (minor units), when known.
  amount        bigint,
  -- Bonus points given, or points a discount saved.
  points        bigint NOT NULL DEFAULT 0,
  fingerprint   text,
  at            timestamptz NOT NULL DEFAULT now(),
  cancelled_at  timestamptz,
  UNIQUE (grant_id, ref)
);
CREATE INDEX offer_uses_offer_idx ON offer_uses (offer_id, at);
CREATE INDEX offer_uses_campaign_idx ON offer_uses (campaign_id, at) WHERE campaign_id IS NOT NULL;

ALTER TABLE ledger_entries ADD COLUMN offer_id text, ADD COLUMN campaign_id text;
CREATE INDEX ledger_offer_idx ON ledger_entries (offer_id, member_id) WHERE offer_id IS NOT NULL;

-- A redemption at an offer's price: which grant, and how many of its units were discounted (uses).
ALTER TABLE reward_redemptions ADD COLUMN offer_id text, ADD COLUMN grant_id bigint REFERENCES offer_grants (id), ADD COLUMN discounted_units integer;

-- A campaign message that carries an offer links to it (the inbox shows the link).
ALTER TABLE messages ADD COLUMN offer_id text;
