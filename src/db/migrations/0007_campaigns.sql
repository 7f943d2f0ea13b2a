-- Segments and campaigns: saved segment documents (the DSL, compiled to SQL when used), campaign
-- definitions with their launch state, and who entered each campaign in which bucket and variant.

CREATE TABLE segments (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  definition  jsonb NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  -- Re-entry rules look at the members of every campaign of the same family (default: its id).
  family        text NOT NULL,
  definition    jsonb NOT NULL,
  -- The segment document frozen at launch (a saved segment may change afterwards).
  segment       jsonb,
  status        text NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  start_at      timestamptz,
  -- Length of a "day" in the campaign's waits and goal window: 86400 except in tests.
  day_seconds   integer NOT NULL DEFAULT 86400 CHECK (day_seconds > 0),
  launched_at   timestamptz,
  -- The instant the audience is evaluated at: every page of the send uses the same one.
  audience_at   timestamptz,
  completed_at  timestamptz,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_family_idx ON campaigns (family);

-- One row per member who entered a campaign, holdout included (the holdout is the control group
-- conversion is measured against). The bucket is hash(campaign, member) in 0..9999.
CREATE TABLE campaign_members (
  campaign_id  text NOT NULL REFERENCES campaigns (id),
  member_id    text NOT NULL REFERENCES members (id),
  bucket       integer NOT NULL CHECK (bucket BETWEEN 0 AND 9999),
  holdout      boolean NOT NULL,
  variant      text,
  entered_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, member_id),
  CHECK (holdout = (variant IS NULL))
);
CREATE INDEX campaign_members_member_idx ON campaign_members (member_id, entered_at DESC);
