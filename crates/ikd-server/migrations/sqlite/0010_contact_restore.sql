-- Ubah email / nomor ponsel (issue 17): the address a change moved away from can undo it for
-- 7 days, from the link in its notice. One per account: a later change within those days
-- keeps the first one's old values, and mails a new link (the earlier one dies) to that
-- first address, so the owner's address can still undo the chain. The token is hashed.
CREATE TABLE contact_restores (
    nik         TEXT PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    old_email   TEXT NOT NULL,
    old_phone   TEXT NOT NULL,
    old_set_at  INTEGER,
    new_email   TEXT NOT NULL,
    new_phone   TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
);
-- When a contact change set the email and phone; NULL when they come from the registration
-- an officer approved. A link goes only to an address that came from there or was held 30
-- days, so an address a change set cannot undo the owner's recovery from it.
ALTER TABLE accounts ADD COLUMN contact_set_at INTEGER;
