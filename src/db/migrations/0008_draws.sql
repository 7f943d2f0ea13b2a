-- Prize draws (LAUREL-DRAW-v1). A draw's rules are fixed when it is defined; at the close its
-- entries are frozen under pseudonyms (pids) and committed by a Merkle root; the draw itself runs
-- once, from randomness that did not exist at the commit. Everything a third party needs to
-- re-run it is published: the commit record, the audit record and the leaves file.
CREATE TABLE draws (
  id                text PRIMARY KEY,
  name              text NOT NULL,
  -- The published rules (validated definition) and SHA-256 of their canonical JSON.
  definition        jsonb NOT NULL,
  rules_hash        text NOT NULL,
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'frozen', 'drawn', 'closed', 'void')),
  entry_starts_at   timestamptz NOT NULL,
  entry_ends_at     timestamptz NOT NULL,
  -- Set at the freeze (commit) and at the draw; never changed afterwards.
  commit_record     jsonb,
  audit_record      jsonb,
  frozen_at         timestamptz,
  drawn_at          timestamptz,
  closed_at         timestamptz,
  void_reason       text,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- The frozen entries in pid order (idx = position in the leaves file). member_id stays private.
CREATE TABLE draw_entries (
  draw_id    text NOT NULL REFERENCES draws (id),
  idx        integer NOT NULL CHECK (idx >= 0),
  pid        bytea NOT NULL CHECK (length(pid) = 32),
  member_id  text NOT NULL REFERENCES members (id),
  tickets    bigint NOT NULL CHECK (tickets > 0),
  start      bigint NOT NULL CHECK (start >= 0),
  PRIMARY KEY (draw_id, idx),
  UNIQUE (draw_id, member_id),
  UNIQUE (draw_id, pid)
);

-- Filled slots, written with the audit record in one transaction.
CREATE TABLE draw_winners (
  draw_id       text NOT NULL REFERENCES draws (id),
  slot          integer NOT NULL CHECK (slot >= 0),
  kind          text NOT NULL CHECK (kind IN ('prize', 'reserve')),
  prize_id      text,
  reserve_rank  integer,
  member_id     text NOT NULL REFERENCES members (id),
  pid           bytea NOT NULL,
  ticket        bigint NOT NULL,
  counter       integer NOT NULL,
  PRIMARY KEY (draw_id, slot)
);
CREATE INDEX draw_winners_member_idx ON draw_winners (member_id);

-- Tickets bought with points (ticket formula "bought"): one row per purchase request; it counts
-- only once the points adjustment with the same idempotency key exists.
CREATE TABLE draw_ticket_purchases (
  draw_id          text NOT NULL REFERENCES draws (id),
  member_id        text NOT NULL REFERENCES members (id),
  idempotency_key  text NOT NULL,
  tickets          bigint NOT NULL CHECK (tickets > 0),
  points           bigint NOT NULL CHECK (points > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (draw_id, member_id, idempotency_key)
);

-- The draw's append-only, hash-chained audit log: entry n carries the hash of entry n − 1, and
-- hash = SHA-256 of the canonical JSON of (draw_id, seq, kind, at, body, prev_hash). Rows can be
-- inserted only at the end of the chain; updates and deletes are refused.
CREATE TABLE draw_audit_log (
  draw_id    text NOT NULL REFERENCES draws (id),
  seq        integer NOT NULL CHECK (seq >= 1),
  kind       text NOT NULL,
  at         timestamptz NOT NULL,
  body       jsonb NOT NULL,
  prev_hash  text,
  hash       text NOT NULL,
  PRIMARY KEY (draw_id, seq)
);

CREATE FUNCTION draw_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_seq  integer;
  last_hash text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'draw_audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'P0001';
  END IF;
  SELECT seq, hash INTO last_seq, last_hash FROM draw_audit_log WHERE draw_id = NEW.draw_id ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(last_seq, 0) + 1 OR NEW.prev_hash IS DISTINCT FROM last_hash THEN
    RAISE EXCEPTION 'draw_audit_log: entry % of draw % does not extend the chain', NEW.seq, NEW.draw_id USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER draw_audit_log_insert BEFORE INSERT ON draw_audit_log FOR EACH ROW EXECUTE FUNCTION draw_audit_log_append_only();
CREATE TRIGGER draw_audit_log_no_change BEFORE UPDATE OR DELETE ON draw_audit_log FOR EACH ROW EXECUTE FUNCTION draw_audit_log_append_only();
CREATE TRIGGER draw_audit_log_no_truncate BEFORE TRUNCATE ON draw_audit_log FOR EACH STATEMENT EXECUTE FUNCTION draw_audit_log_append_only();
