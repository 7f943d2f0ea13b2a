-- Point awards requested by journeys (mission rewards, contest and draw prizes, win-back bonuses).
-- The request is a row keyed by its deterministic id (a workflow id, a contest rank, a draw slot);
-- the award worker turns it into exactly one ledger entry keyed `award:<id>`.
CREATE TABLE awards (
  id            text PRIMARY KEY,
  member_id     text NOT NULL REFERENCES members (id),
  points        bigint NOT NULL CHECK (points > 0),
  source        text NOT NULL,
  reason        text NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  granted_at    timestamptz,
  entry_key     text
);
CREATE INDEX awards_member_idx ON awards (member_id, requested_at DESC);
