-- The points ledger: program versions, members, events (idempotency), append-only ledger entries,
-- point lots, the cached balance, tier changes, the outbox, API keys and the audit log.

CREATE TABLE program_versions (
  version     integer PRIMARY KEY,
  definition  jsonb NOT NULL,
  source      text,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A member's id is the brand's own (external) id: callers never need a mapping.
CREATE TABLE members (
  id               text PRIMARY KEY,
  email            text,
  phone            text,
  first_name       text,
  locale           text NOT NULL DEFAULT 'en',
  time_zone        text,
  attributes       jsonb NOT NULL DEFAULT '{}',
  consent          jsonb NOT NULL DEFAULT '{}',
  tier_id          text NOT NULL,
  tier_started_at  timestamptz NOT NULL DEFAULT now(),
  manual_tier_id   text,
  grace_until      timestamptz,
  -- When the tier review next judges this member (the grace deadline while in grace).
  next_review_at   timestamptz NOT NULL,
  joined_at        timestamptz NOT NULL DEFAULT now(),
  last_activity_at timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_tier_idx ON members (tier_id);
CREATE INDEX members_review_idx ON members (next_review_at, id);

-- The cached balance, updated in the same transaction as every entry. The invariant check proves
-- available + pending = sum of entries = sum of open lots.
CREATE TABLE member_balances (
  member_id        text PRIMARY KEY REFERENCES members (id),
  available        bigint NOT NULL DEFAULT 0,
  pending          bigint NOT NULL DEFAULT 0,
  lifetime_earned  bigint NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
  id               text PRIMARY KEY,
  idempotency_key  text NOT NULL UNIQUE,
  member_id        text NOT NULL REFERENCES members (id),
  type             text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  amount           bigint,
  order_id         text,
  properties       jsonb NOT NULL DEFAULT '{}',
  source           text NOT NULL DEFAULT 'api',
  program_version  integer NOT NULL REFERENCES program_versions (version),
  result           jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_member_type_idx ON events (member_id, type, occurred_at);
CREATE INDEX events_order_idx ON events (member_id, order_id) WHERE order_id IS NOT NULL;

CREATE TABLE lots (
  id                  text PRIMARY KEY,
  member_id           text NOT NULL REFERENCES members (id),
  kind                text NOT NULL CHECK (kind IN ('points', 'debt')),
  status              text NOT NULL CHECK (status IN ('pending', 'active')),
  earned_at           timestamptz NOT NULL,
  expires_at          timestamptz,
  pending_until       timestamptz,
  original_points     bigint NOT NULL,
  remaining_points    bigint NOT NULL,
  order_id            text,
  order_amount        bigint,
  clawed_back_points  bigint NOT NULL DEFAULT 0,
  rule_id             text,
  CHECK (kind = 'debt' OR remaining_points >= 0)
);
CREATE INDEX lots_open_idx ON lots (member_id) WHERE remaining_points <> 0 OR status = 'pending';
CREATE INDEX lots_expiry_idx ON lots (expires_at) WHERE remaining_points > 0;
CREATE INDEX lots_pending_idx ON lots (pending_until) WHERE status = 'pending';

CREATE TABLE ledger_entries (
  seq               bigserial PRIMARY KEY,
  idempotency_key   text NOT NULL UNIQUE,
  member_id         text NOT NULL REFERENCES members (id),
  kind              text NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse', 'settle', 'activate')),
  amount            bigint NOT NULL,
  -- Points that count toward tier qualification (base points of qualifying rules; negative on reversal).
  qualifying_points bigint NOT NULL DEFAULT 0,
  pending           boolean NOT NULL DEFAULT false,
  at                timestamptz NOT NULL,
  -- Deferred: the event row is written last, with its result, in the same transaction.
  event_id          text REFERENCES events (id) DEFERRABLE INITIALLY DEFERRED,
  rule_id           text,
  component         text,
  order_id          text,
  reward_id         text,
  source            text NOT NULL DEFAULT 'api',
  program_version   integer REFERENCES program_versions (version),
  actor             text,
  reason            text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_member_idx ON ledger_entries (member_id, seq DESC);
CREATE INDEX ledger_member_rule_idx ON ledger_entries (member_id, rule_id, at) WHERE rule_id IS NOT NULL;
CREATE INDEX ledger_qualifying_idx ON ledger_entries (at, member_id) WHERE qualifying_points <> 0;

CREATE TABLE lot_allocations (
  entry_seq  bigint NOT NULL REFERENCES ledger_entries (seq),
  lot_id     text NOT NULL REFERENCES lots (id),
  points     bigint NOT NULL,
  PRIMARY KEY (entry_seq, lot_id)
);

CREATE TABLE order_refunds (
  member_id        text NOT NULL REFERENCES members (id),
  order_id         text NOT NULL,
  refunded_total   bigint NOT NULL,
  PRIMARY KEY (member_id, order_id)
);

CREATE TABLE tier_changes (
  id               bigserial PRIMARY KEY,
  member_id        text NOT NULL REFERENCES members (id),
  from_tier        text,
  to_tier          text NOT NULL,
  reason           text NOT NULL,
  at               timestamptz NOT NULL,
  program_version  integer,
  actor            text,
  -- One review per member per review instant: a replayed review writes nothing twice.
  review_key       text UNIQUE
);
CREATE INDEX tier_changes_member_idx ON tier_changes (member_id, at DESC);

-- Written in the same transaction as the fact it announces; a relay moves rows into BullMQ with
-- job ids derived from the row, so a crash between commit and enqueue loses nothing.
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  queue       text NOT NULL,
  job_name    text NOT NULL,
  job_id      text NOT NULL UNIQUE,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  relayed_at  timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE relayed_at IS NULL;

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  key_hash    text NOT NULL UNIQUE,
  role        text NOT NULL CHECK (role IN ('admin', 'marketer', 'ingest', 'partner')),
  name        text NOT NULL,
  partner_id  text,
  daily_point_cap bigint,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  actor      text NOT NULL,
  action     text NOT NULL,
  subject    text,
  before     jsonb,
  after      jsonb,
  at         timestamptz NOT NULL DEFAULT now()
);
-- Append-only: the table refuses updates and deletes.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE idempotent_requests (
  key         text PRIMARY KEY,
  scope       text NOT NULL,
  response    jsonb NOT NULL,
  status      integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
