-- Outbound webhooks. A committed fact (a member created, points earned, a tier changed, ...) is
-- written to the outbox in its own transaction; the facts worker records it here once for the
-- subscriptions that want its type and creates one delivery per subscription. Deliveries of one
-- member (one "lane") go out in the order of their events: only the lane's head is in flight, and
-- finishing it hands the lane to the next one in the same transaction.

CREATE TABLE webhook_subscriptions (
  id                     text PRIMARY KEY,
  url                    text NOT NULL,
  description            text,
  -- Fact types, or '*' for every type.
  event_types            text[] NOT NULL,
  secret                 text NOT NULL,
  -- During a secret rotation deliveries carry a signature with each secret until this time.
  previous_secret        text,
  previous_secret_until  timestamptz,
  status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'disabled')),
  created_by             text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_types_idx ON webhook_subscriptions USING gin (event_types) WHERE status <> 'disabled';

-- A fact as it was sent (the body of every delivery of it). Ids are the facts' own deterministic
-- ids, so a fact recorded twice is one row. A lane's events go out in the order their facts were
-- committed (recorded_at: the time of the transaction that committed the fact; the writers of
-- one member are serialized by its row), then by seq.
CREATE TABLE webhook_events (
  seq          bigserial PRIMARY KEY,
  id           text NOT NULL UNIQUE,
  type         text NOT NULL,
  member_id    text,
  lane         text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL,
  data         jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_member_idx ON webhook_events (member_id, seq) WHERE member_id IS NOT NULL;
CREATE INDEX webhook_events_time_idx ON webhook_events (occurred_at);

CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  subscription_id  text NOT NULL REFERENCES webhook_subscriptions (id),
  event_seq        bigint NOT NULL REFERENCES webhook_events (seq),
  lane             text NOT NULL,
  -- The event's recorded_at: with event_seq, the order inside the lane.
  event_at         timestamptz NOT NULL,
  -- pending -> sending -> succeeded | retrying -> sending ... -> dead; cancelled when the
  -- subscription is disabled before it went out.
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'retrying', 'succeeded', 'dead', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  -- The attempt in flight: a later attempt that finds another token in `sending` knows it died.
  attempt_token    text,
  last_status      integer,
  last_error       text,
  -- A replay is a new delivery of the same event (same webhook-id for the receiver).
  replay_of        text REFERENCES webhook_deliveries (id),
  requested_by     text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE UNIQUE INDEX webhook_deliveries_once_idx ON webhook_deliveries (subscription_id, event_seq) WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_lane_idx ON webhook_deliveries (subscription_id, lane, event_at, event_seq) WHERE status IN ('pending', 'sending', 'retrying');
CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (subscription_id, created_at DESC, id DESC);

-- One row per lane with work: its head is the one delivery in flight. The row is deleted when
-- the lane runs dry; writers lock it, so a new delivery and a finishing head never miss each other.
CREATE TABLE webhook_lanes (
  subscription_id  text NOT NULL REFERENCES webhook_subscriptions (id),
  lane             text NOT NULL,
  head             text NOT NULL REFERENCES webhook_deliveries (id),
  -- Counts head assignments: the head's job id carries it, so a delivery that becomes head again
  -- (a lower one arrived late and went first) gets a fresh job.
  epoch            bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (subscription_id, lane)
);

-- Every attempt with the receiver's answer (status, some headers, the first 4 KB of the body).
CREATE TABLE webhook_attempts (
  delivery_id       text NOT NULL REFERENCES webhook_deliveries (id),
  attempt           integer NOT NULL CHECK (attempt >= 1),
  started_at        timestamptz NOT NULL,
  duration_ms       integer,
  status_code       integer,
  response_headers  jsonb,
  response_body     text,
  error             text,
  PRIMARY KEY (delivery_id, attempt)
);

-- Whether anyone consumes facts of a type: facts nobody wants are not written to the outbox at
-- all (a member created with no subscription and no journey costs nothing). Journeys add
-- themselves to this function in their own migration.
CREATE FUNCTION laurel_fact_wanted(fact_type text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE status <> 'disabled' AND event_types && ARRAY[fact_type, '*'])
$$;
