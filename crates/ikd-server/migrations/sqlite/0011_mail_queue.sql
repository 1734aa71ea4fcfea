-- Security notices (issue 17) queued in the transaction of the change they report, and sent
-- by each instance's delivery task (crate::notices): a process killed after the commit
-- still sends them on its next start (or another instance does), instead of losing the
-- owner's only news of a change and the link that undoes it. At least once: a send whose
-- row was not yet deleted when the process died is sent again. The row holds the rendered
-- mail (a cancel or restore link in it) until it is delivered, then is deleted.
CREATE TABLE mail_queue (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    -- Notice::kind, for the logs (which never name the recipient).
    kind          TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds: not before (the backoff after a failed send).
    next_at       INTEGER NOT NULL,
    -- Unix seconds: an instance sending it holds it until then.
    claimed_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mail_queue_due ON mail_queue (next_at);
