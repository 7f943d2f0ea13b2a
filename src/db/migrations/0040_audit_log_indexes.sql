-- The audit-log read API filters by subject, actor or action and pages newest first by id.
CREATE INDEX audit_log_subject_idx ON audit_log (subject, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_at_idx ON audit_log (at);
