-- Issued credentials (so an online verifier finds the account without the NIK in the QR)
-- and the replay cache shared by every service instance.
CREATE TABLE credentials (
    id         TEXT PRIMARY KEY,
    nik        TEXT NOT NULL,
    device_key BLOB NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX credentials_nik ON credentials (nik);

CREATE TABLE nonces (
    nonce        BLOB PRIMARY KEY,
    forget_after INTEGER NOT NULL
);
CREATE INDEX nonces_forget ON nonces (forget_after);
