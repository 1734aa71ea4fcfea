-- Ubah email / nomor ponsel (issue 17): the address a change moved away from can undo it for
-- 7 days, from the link in its notice. One per account: a later change within those days
-- keeps the first one's old values and link, so the owner's address can still undo the chain.
-- The link's token is stored hashed.
CREATE TABLE contact_restores (
    nik         TEXT PRIMARY KEY,
    token_hash  BYTEA NOT NULL UNIQUE,
    old_email   TEXT NOT NULL,
    old_phone   TEXT NOT NULL,
    new_email   TEXT NOT NULL,
    new_phone   TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
