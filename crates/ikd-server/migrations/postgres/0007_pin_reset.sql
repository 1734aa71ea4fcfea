-- Lupa PIN (issue 17): at most one reset open per account, started by a signature of the
-- account's device key; the 6-digit code mailed to the registered address is stored hashed.
CREATE TABLE pin_resets (
    nik         TEXT PRIMARY KEY,
    token_hash  BYTEA NOT NULL UNIQUE,
    device_key  BYTEA NOT NULL,
    code_hash   TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL
);
-- A new PIN set through Lupa PIN after a hard lock signs in only from pin_usable_at; until
-- then the email's cancel link restores pin_before_reset and the hard lock.
ALTER TABLE accounts ADD COLUMN pin_usable_at BIGINT;
ALTER TABLE accounts ADD COLUMN pin_before_reset TEXT;
