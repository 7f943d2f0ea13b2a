-- A rewarded referral whose qualifying purchase is refunded below the minimum afterwards (past
-- the return window) is reversed: what each side can still give back is taken back.
ALTER TABLE referrals
  ADD COLUMN reversed_at timestamptz,
  -- Points taken back from both sides, and what they had already spent (not taken: no debt).
  ADD COLUMN reversed_points bigint,
  ADD COLUMN unrecovered_points bigint,
  ADD CHECK (reversed_at IS NULL OR status = 'rewarded');
