-- Ubah email / nomor ponsel (issue 17): at most one change open per account, started with the
-- PIN and a device signature; the 6-digit code mailed to the new address is stored hashed.
CREATE TABLE contact_changes (
    nik         TEXT PRIMARY KEY,
    new_email   TEXT NOT NULL,
    new_phone   TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL
);
