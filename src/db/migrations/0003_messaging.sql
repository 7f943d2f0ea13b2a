-- Messaging: the send record grows a per-message state machine (policies, attempts, holds),
-- marketer templates are versioned in Postgres, an in-app inbox, the suppression list and the
-- cursor of the tier-change notifier.

ALTER TABLE messages DROP CONSTRAINT messages_status_check;
-- queued -> (policies) -> held | suppressed | capped | sending -> sent | failed -> ... -> dead.
-- `sending` found by a later attempt means the earlier attempt died mid-send: the channel's
-- reconciler decides whether it was delivered before anything is sent again.
ALTER TABLE messages ADD CONSTRAINT messages_status_check
  CHECK (status IN ('queued', 'held', 'sending', 'sent', 'failed', 'unknown', 'suppressed', 'capped', 'dead'));
-- A member's message is addressed when it is sent (the member's address at that time).
ALTER TABLE messages ALTER COLUMN recipient DROP NOT NULL;
ALTER TABLE messages
  -- transactional bypasses caps; marketing needs consent; test = a test-send to a given address.
  ADD COLUMN category           text NOT NULL DEFAULT 'transactional' CHECK (category IN ('transactional', 'marketing', 'test')),
  -- The template's variables (ids and small values), or a batch descriptor resolved at send time.
  ADD COLUMN vars               jsonb,
  ADD COLUMN template_key       text,
  ADD COLUMN locale             text,
  -- Headers to send with the message (List-Unsubscribe, ...), fixed when it is rendered.
  ADD COLUMN headers            jsonb,
  -- Set when an attempt starts sending: an attempt that finds another token in `sending` knows that attempt died.
  ADD COLUMN attempt_token      text,
  ADD COLUMN attempt_started_at timestamptz,
  ADD COLUMN held_until         timestamptz,
  -- When the message passed its policies; marketing messages count toward caps from then on.
  ADD COLUMN policy_at          timestamptz,
  ADD COLUMN campaign_id        text,
  ADD COLUMN requested_by       text;

CREATE INDEX messages_cap_idx ON messages (member_id, policy_at) WHERE category = 'marketing' AND policy_at IS NOT NULL;
CREATE INDEX messages_campaign_idx ON messages (campaign_id, status) WHERE campaign_id IS NOT NULL;

-- Marketer templates: every save is a new version; the newest version of a file is in force and
-- shadows the built-in file of the same name (same fallback ladder).
CREATE TABLE message_templates (
  message     text NOT NULL,
  file_name   text NOT NULL,
  version     integer NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms', 'inbox')),
  source      text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message, file_name, version)
);

-- The in-app inbox: one row per delivered inbox message (the id is the message id, so a retried
-- delivery cannot add a second row).
CREATE TABLE inbox_items (
  message_id  text PRIMARY KEY REFERENCES messages (id),
  member_id   text NOT NULL,
  title       text NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX inbox_member_idx ON inbox_items (member_id, created_at DESC);

-- Addresses we must not write to: hard bounces and complaints (scope all) and unsubscribes
-- (scope marketing). Keyed by channel and normalized address.
CREATE TABLE suppressions (
  channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
  address     text NOT NULL,
  scope       text NOT NULL CHECK (scope IN ('all', 'marketing')),
  reason      text NOT NULL,
  member_id   text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, address)
);

-- Positions of background notifiers (tier changes) that are safe to resume from.
CREATE TABLE messaging_cursors (
  name        text PRIMARY KEY,
  position    bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
