-- Journeys: missions, contests, win-back after demotion. Expiry reminders need no table: their
-- message ids are deterministic (member, expiry date, stage), so the messages table is the record.

CREATE TABLE missions (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  -- The whole validated definition (trigger, conditions, goal, period, reward, nudges, audience).
  definition    jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per member per mission period; its workflow id is `mission:<mission>:<member>:<period>`.
CREATE TABLE mission_enrollments (
  mission_id    text NOT NULL REFERENCES missions (id),
  member_id     text NOT NULL REFERENCES members (id),
  period_key    text NOT NULL,
  workflow_id   text NOT NULL UNIQUE,
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  enrolled_by   text NOT NULL CHECK (enrolled_by IN ('event', 'opt_in')),
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'expired')),
  progress      bigint NOT NULL DEFAULT 0,
  target        bigint NOT NULL,
  completed_at  timestamptz,
  closed_at     timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mission_id, member_id, period_key)
);
CREATE INDEX mission_enrollments_member_idx ON mission_enrollments (member_id, ends_at DESC);

CREATE TABLE contests (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  definition    jsonb NOT NULL,
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'frozen', 'closed')),
  participants  integer,
  closed_at     timestamptz,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- What each event contributed to a contest score: an event counts once however often it arrives.
CREATE TABLE contest_contributions (
  contest_id    text NOT NULL REFERENCES contests (id),
  event_id      text NOT NULL,
  member_id     text NOT NULL REFERENCES members (id),
  delta         bigint NOT NULL,
  at            timestamptz NOT NULL,
  PRIMARY KEY (contest_id, event_id)
);
CREATE INDEX contest_contributions_member_idx ON contest_contributions (contest_id, member_id, at);

CREATE TABLE contest_standings (
  contest_id    text NOT NULL REFERENCES contests (id),
  rank          integer NOT NULL,
  member_id     text NOT NULL REFERENCES members (id),
  score         bigint NOT NULL,
  reached_at    timestamptz NOT NULL,
  prize_name    text,
  prize_points  bigint,
  PRIMARY KEY (contest_id, rank),
  UNIQUE (contest_id, member_id)
);

-- One win-back journey per demotion; id = workflow id `winback:<member>:<review date>`.
CREATE TABLE winbacks (
  id               text PRIMARY KEY,
  member_id        text NOT NULL REFERENCES members (id),
  tier_change_id   bigint NOT NULL UNIQUE REFERENCES tier_changes (id),
  from_tier        text NOT NULL,
  to_tier          text NOT NULL,
  demoted_at       timestamptz NOT NULL,
  target_points    bigint,
  deadline         timestamptz,
  progress_points  bigint NOT NULL DEFAULT 0,
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'regained', 'lapsed')),
  workflow_started_at timestamptz,
  ended_at         timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX winbacks_active_member_idx ON winbacks (member_id) WHERE status = 'active';
CREATE INDEX winbacks_outcome_idx ON winbacks (status, ended_at);
