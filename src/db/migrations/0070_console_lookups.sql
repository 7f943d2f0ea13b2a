-- Lookups behind the web pages (issue 13).
-- Console member search: an e-mail (case-insensitive) or a phone number finds its member through
-- an index; an id prefix uses a pattern index (the primary key's collation cannot serve LIKE 'x%').
CREATE INDEX members_email_lower_idx ON members (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX members_phone_idx ON members (phone) WHERE phone IS NOT NULL;
CREATE INDEX members_id_pattern_idx ON members (id text_pattern_ops);
-- The widget lists a member's draws: their frozen entries by member.
CREATE INDEX draw_entries_member_idx ON draw_entries (member_id);
