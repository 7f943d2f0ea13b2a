-- Referrals: one code per member (created on first ask), and one row per referral attempt (a
-- member created with a code), which moves pending → qualified (the referee's first qualifying
-- purchase; its return window runs) → rewarded, or to rejected with a reason, or expired.
-- Data rights: the append-only audit log lets an erasure strip personal fields from the erased
-- member's snapshots, inside the erasing transaction only.

-- E-mail as a mailbox: lower case, no +tag, and Gmail's dots and googlemail.com folded (the
-- self-referral check compares these). NULL stays NULL.
CREATE FUNCTION laurel_normal_email(email text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN email IS NULL OR position('@' IN email) = 0 THEN lower(email)
    ELSE (
      SELECT CASE WHEN d IN ('gmail.com', 'googlemail.com') THEN replace(l, '.', '') || '@gmail.com' ELSE l || '@' || d END
        FROM (SELECT split_part(split_part(lower(email), '@', 1), '+', 1) AS l, split_part(lower(email), '@', 2) AS d) parts
    )
  END
$$;

-- A phone as its digits (E.164 without '+', spaces or dashes). NULL or no digits → NULL.
CREATE FUNCTION laurel_normal_phone(phone text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT nullif(regexp_replace(phone, '\D', '', 'g'), '')
$$;

-- The "referee already existed" check finds another member with the same mailbox or phone.
CREATE INDEX members_normal_email_idx ON members (laurel_normal_email(email)) WHERE email IS NOT NULL;
CREATE INDEX members_normal_phone_idx ON members (laurel_normal_phone(phone)) WHERE phone IS NOT NULL;

CREATE TABLE referral_codes (
  code        text PRIMARY KEY,
  member_id   text NOT NULL UNIQUE REFERENCES members (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE referrals (
  referrer_id          text NOT NULL REFERENCES members (id),
  referee_id           text NOT NULL REFERENCES members (id),
  code                 text NOT NULL,
  status               text NOT NULL CHECK (status IN ('pending', 'qualified', 'rewarded', 'rejected', 'expired')),
  reject_reason        text CHECK (reject_reason IN ('self_referral', 'referee_existed', 'purchase_refunded', 'referrer_monthly_cap', 'member_erased')),
  qualifying_event_id  text,
  qualifying_order_id  text,
  qualifying_amount    bigint,
  qualified_at         timestamptz,
  -- The end of the qualifying purchase's return window: rewarded from then on.
  rewardable_at        timestamptz,
  rewarded_at          timestamptz,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  PRIMARY KEY (referrer_id, referee_id),
  CHECK ((status = 'rejected') = (reject_reason IS NOT NULL))
);
-- A member is referred once: at most one referral that is not rejected.
CREATE UNIQUE INDEX referrals_one_live_per_referee ON referrals (referee_id) WHERE status <> 'rejected';
CREATE INDEX referrals_referee_idx ON referrals (referee_id);
CREATE INDEX referrals_due_idx ON referrals (rewardable_at) WHERE status = 'qualified';
CREATE INDEX referrals_pending_idx ON referrals (created_at) WHERE status = 'pending';
CREATE INDEX referrals_created_idx ON referrals (created_at);
CREATE INDEX referrals_rewarded_idx ON referrals (referrer_id, rewarded_at) WHERE status = 'rewarded';

-- The audit log stays append-only, except that an erasure (which sets laurel.erasing_subject for
-- its own transaction) may rewrite the before/after snapshots of that subject's rows.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.subject IS NOT NULL AND OLD.subject = current_setting('laurel.erasing_subject', true)
     AND NEW.id = OLD.id AND NEW.actor = OLD.actor AND NEW.action = OLD.action AND NEW.subject = OLD.subject AND NEW.at = OLD.at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
