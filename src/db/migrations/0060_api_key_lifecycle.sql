-- API keys over their life (issue 16): expiry (a rotated key stays valid until its overlap ends),
-- the key that replaced it, when it was last used (written at most once a minute per process),
-- and its own rate limit (requests a minute; null = the API_RATE_LIMIT_KEY default).
ALTER TABLE api_keys
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN last_used_at timestamptz,
  ADD COLUMN replaced_by text REFERENCES api_keys (id),
  ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0);
