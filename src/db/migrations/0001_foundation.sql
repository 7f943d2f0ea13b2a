-- Foundation: the send record every outgoing message gets before it is sent, and the stack check
-- that proves the whole path (Temporal -> Postgres -> BullMQ -> SMTP) works.

CREATE TABLE messages (
  -- The stable message id: also the BullMQ jobId, so a retry or a replay finds this row.
  id            text PRIMARY KEY,
  channel       text NOT NULL CHECK (channel IN ('email', 'sms', 'inbox')),
  kind          text NOT NULL,
  member_id     text,
  recipient     text NOT NULL,
  subject       text,
  body_text     text,
  body_html     text,
  status        text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed', 'capped', 'held', 'dead')),
  attempts      integer NOT NULL DEFAULT 0,
  provider_id   text,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz
);
CREATE INDEX messages_member_idx ON messages (member_id, created_at DESC) WHERE member_id IS NOT NULL;
CREATE INDEX messages_status_idx ON messages (status, created_at);

CREATE TABLE stack_checks (
  id           text PRIMARY KEY,
  workflow_id  text NOT NULL UNIQUE,
  recipient    text NOT NULL,
  message_id   text NOT NULL REFERENCES messages (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
