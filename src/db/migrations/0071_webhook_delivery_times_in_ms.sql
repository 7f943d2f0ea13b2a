-- A page of deliveries ends with the cursor `<created_at as ISO, ms>~<id>` and the next page asks
-- for (created_at, id) < that. PostgreSQL's now() has microseconds: deliveries made in one
-- statement (a replay of several, one fact for several subscriptions) share an instant like
-- .123456, which is after the cursor's .123, so the next page skipped every delivery of that
-- instant. Creation times are kept to the millisecond, as the cursor says them.
ALTER TABLE webhook_deliveries ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
UPDATE webhook_deliveries SET created_at = date_trunc('milliseconds', created_at) WHERE created_at <> date_trunc('milliseconds', created_at);
