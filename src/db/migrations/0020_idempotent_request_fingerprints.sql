-- An idempotent write remembers what it was asked: the same key with another request is a 409
-- `idempotency_key_reused`, as for events. Rows written before this column have no fingerprint and
-- are taken as the same request.
ALTER TABLE idempotent_requests ADD COLUMN fingerprint text;
