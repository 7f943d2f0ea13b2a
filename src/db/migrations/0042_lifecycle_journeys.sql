-- Lifecycle journeys: definitions (every saved version kept), one entry per member per entry key
-- (its workflow id `journey:<journey>:<member>:<entry key>`), and the log of the steps each entry
-- took. Members get a birth date (a date, no time zone: the birthday is a day in the member's zone)
-- and the time they were erased (data rights: an erased member is never messaged or entered again).

ALTER TABLE members ADD COLUMN birth_date date, ADD COLUMN erased_at timestamptz;

CREATE TABLE journeys (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
  -- The version in force; every version is in journey_versions.
  version       integer NOT NULL,
  definition    jsonb NOT NULL,
  -- What starts it, for the fan-out's lookups: kind = trigger type; key = the event type, the
  -- fact type or the date kind.
  trigger_kind  text NOT NULL,
  trigger_key   text NOT NULL,
  -- Event types a running entry must hear about (its goal and its waits for events).
  listens       text[] NOT NULL DEFAULT '{}',
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journeys_trigger_idx ON journeys (trigger_kind, trigger_key) WHERE status = 'active';

CREATE TABLE journey_versions (
  journey_id  text NOT NULL REFERENCES journeys (id),
  version     integer NOT NULL,
  definition  jsonb NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (journey_id, version)
);

CREATE TABLE journey_entries (
  journey_id     text NOT NULL REFERENCES journeys (id),
  member_id      text NOT NULL REFERENCES members (id),
  -- `once`, the triggering event or fact, or the date occurrence (a birthday's year).
  entry_key      text NOT NULL,
  workflow_id    text NOT NULL UNIQUE,
  -- The version in force when the member entered.
  version        integer NOT NULL,
  trigger_id     text,
  -- What the trigger knew (event amount, birthday, tier...): message variables of the journey.
  context        jsonb NOT NULL DEFAULT '{}',
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'converted', 'exited', 'left')),
  current_step   text,
  steps_done     integer NOT NULL DEFAULT 0,
  entered_at     timestamptz NOT NULL,
  workflow_started_at timestamptz,
  ended_at       timestamptz,
  outcome_reason text,
  PRIMARY KEY (journey_id, member_id, entry_key)
);
CREATE INDEX journey_entries_member_idx ON journey_entries (member_id, journey_id, entered_at DESC);
CREATE INDEX journey_entries_active_idx ON journey_entries (member_id) WHERE status = 'active';
CREATE INDEX journey_entries_list_idx ON journey_entries (journey_id, entered_at DESC, workflow_id DESC);
CREATE INDEX journey_entries_unstarted_idx ON journey_entries (journey_id) WHERE workflow_started_at IS NULL AND status = 'active';

-- Every step an entry took, once (a retried activity finds its row).
CREATE TABLE journey_steps (
  workflow_id  text NOT NULL REFERENCES journey_entries (workflow_id),
  step_id      text NOT NULL,
  journey_id   text NOT NULL,
  version      integer NOT NULL,
  step_type    text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, step_id)
);
CREATE INDEX journey_steps_journey_idx ON journey_steps (journey_id, step_id);

-- The date of a day-of-year (a birthday, an anniversary) in year y: 29 February is the 28th in
-- other years.
CREATE FUNCTION laurel_day_in_year(d date, y integer) RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN extract(month FROM d) = 2 AND extract(day FROM d) = 29 AND NOT (y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0))
      THEN make_date(y, 2, 28)
    ELSE make_date(y, extract(month FROM d)::int, extract(day FROM d)::int)
  END
$$;

-- Facts journeys are triggered by are wanted too (see 0041).
CREATE OR REPLACE FUNCTION laurel_fact_wanted(fact_type text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE status <> 'disabled' AND event_types && ARRAY[fact_type, '*'])
      OR EXISTS (SELECT 1 FROM journeys WHERE status = 'active' AND trigger_kind IN ('member_created', 'tier_changed', 'mission_completed') AND trigger_key = fact_type)
$$;
