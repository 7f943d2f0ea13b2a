-- The rewards catalog, managed through the API without a program version; redemptions as rows
-- with a status (fulfilment of material rewards, cancellation); coupon codes imported for rewards.

CREATE TABLE rewards (
  id                text PRIMARY KEY,
  name              text NOT NULL,
  description       text,
  -- generic: recorded, fulfilled by the brand; coupon_code: the redemption hands out a code from the
  -- reward's imported pool; material: a product to deliver (requested -> fulfilled | cancelled).
  kind              text NOT NULL DEFAULT 'generic' CHECK (kind IN ('generic', 'coupon_code', 'material')),
  cost_points       bigint NOT NULL CHECK (cost_points > 0),
  -- Units ever available (null = unlimited); for coupon_code rewards, the codes imported.
  stock             bigint CHECK (stock >= 0),
  -- Units taken by redemptions (a cancelled redemption gives back its units, except revealed codes).
  -- Redemptions take units with one guarded UPDATE of this row, so stock is exact under concurrency.
  redeemed          bigint NOT NULL DEFAULT 0 CHECK (redeemed >= 0),
  -- Tiers that may redeem (null = every tier).
  tiers             text[],
  per_member_limit  integer CHECK (per_member_limit > 0),
  -- Material rewards: a redemption still unfulfilled this many days later is cancelled (points back).
  fulfilment_days   integer CHECK (fulfilment_days > 0),
  -- What a unit is worth to the brand, in minor units (for cost reports); optional.
  value_amount      bigint CHECK (value_amount >= 0),
  image_url         text,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  -- `api`, or `program:<version>` for a reward first seen in a published program file.
  source            text NOT NULL,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  archived_at       timestamptz,
  CHECK (stock IS NULL OR redeemed <= stock)
);

-- Codes a coupon_code reward hands out, in import order; a code belongs to one redemption at most.
CREATE TABLE reward_codes (
  reward_id      text NOT NULL REFERENCES rewards (id),
  code           text NOT NULL,
  seq            bigserial,
  redemption_id  text,
  imported_at    timestamptz NOT NULL DEFAULT now(),
  assigned_at    timestamptz,
  PRIMARY KEY (reward_id, code)
);
CREATE INDEX reward_codes_free_idx ON reward_codes (reward_id, seq) WHERE redemption_id IS NULL;
CREATE INDEX reward_codes_redemption_idx ON reward_codes (redemption_id) WHERE redemption_id IS NOT NULL;

CREATE TABLE reward_redemptions (
  -- `red:<member>:<idempotency key>`; also the key of its redeem ledger entry.
  id                   text PRIMARY KEY,
  member_id            text NOT NULL REFERENCES members (id),
  reward_id            text NOT NULL REFERENCES rewards (id),
  quantity             integer NOT NULL CHECK (quantity > 0),
  -- The catalog price of the quantity, and what was spent (less when an offer discounted it).
  list_points          bigint NOT NULL,
  points               bigint NOT NULL,
  status               text NOT NULL CHECK (status IN ('completed', 'requested', 'fulfilled', 'cancelled')),
  codes                text[],
  -- Material: cancelled when still requested at this instant.
  fulfil_by            timestamptz,
  request_fingerprint  text,
  actor                text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  fulfilled_at         timestamptz,
  fulfilment_note      text,
  cancelled_at         timestamptz,
  cancelled_by         text,
  cancel_reason        text,
  -- The restore entry that gave the points back to the lots they came from.
  cancel_entry_key     text
);
CREATE INDEX reward_redemptions_member_idx ON reward_redemptions (member_id, created_at DESC);
CREATE INDEX reward_redemptions_reward_idx ON reward_redemptions (reward_id, status, created_at DESC);
CREATE INDEX reward_redemptions_due_idx ON reward_redemptions (fulfil_by) WHERE status = 'requested';

-- A cancelled redemption returns its points to the lots they came from: a `restore` entry.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
  CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse', 'settle', 'activate', 'restore'));

-- Every reward any program version named, as the newest version that named it; those the program
-- in force no longer names are archived.
INSERT INTO rewards (id, name, description, cost_points, stock, status, source, created_by, archived_at)
SELECT DISTINCT ON (r ->> 'id') r ->> 'id', r ->> 'name', r ->> 'description', (r ->> 'costPoints')::bigint, (r ->> 'stock')::bigint,
       CASE WHEN pv.version = latest.version THEN 'active' ELSE 'archived' END, 'program:' || pv.version, pv.created_by,
       CASE WHEN pv.version = latest.version THEN NULL ELSE now() END
  FROM program_versions pv
  CROSS JOIN (SELECT max(version) AS version FROM program_versions) latest
  CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(pv.definition -> 'rewards') = 'array' THEN pv.definition -> 'rewards' ELSE '[]'::jsonb END) r
 ORDER BY r ->> 'id', pv.version DESC;

-- Redemptions made before this table existed (their responses were kept as idempotent requests).
INSERT INTO reward_redemptions (id, member_id, reward_id, quantity, list_points, points, status, actor, created_at, updated_at)
SELECT ir.response ->> 'redemptionId', ir.response ->> 'memberId', ir.response ->> 'rewardId', (ir.response ->> 'quantity')::int,
       (ir.response ->> 'points')::bigint, (ir.response ->> 'points')::bigint, 'completed', 'migration', ir.created_at, ir.created_at
  FROM idempotent_requests ir
 WHERE ir.scope = 'redemption' AND EXISTS (SELECT 1 FROM rewards w WHERE w.id = ir.response ->> 'rewardId')
ON CONFLICT (id) DO NOTHING;
UPDATE rewards w SET redeemed = u.units, stock = CASE WHEN w.stock IS NULL THEN NULL ELSE greatest(w.stock, u.units) END
  FROM (SELECT reward_id, sum(quantity)::bigint AS units FROM reward_redemptions GROUP BY reward_id) u
 WHERE u.reward_id = w.id;
