-- An account has at most one setup token (the right to set the first PIN). A re-issue
-- (the same activation code again, its answer lost) replaces it in one upsert; with a
-- DELETE then an INSERT, two re-issues at once could each delete before the other
-- inserted and leave two (found by the 50-at-once activation race on PostgreSQL). Older
-- duplicates keep only the one that expires last.
DELETE FROM tokens
WHERE kind = 'setup'
  AND EXISTS (
    SELECT 1 FROM tokens later
    WHERE later.kind = 'setup' AND later.subject = tokens.subject
      AND (later.expires_at > tokens.expires_at
           OR (later.expires_at = tokens.expires_at AND later.token_hash > tokens.token_hash)));
CREATE UNIQUE INDEX tokens_one_setup_per_subject ON tokens (subject) WHERE kind = 'setup';
