-- IKD service schema, SQLite dialect. Times are unix seconds; records are JSON of ikd-core types.
CREATE TABLE residents (
    nik        TEXT PRIMARY KEY,
    nomor_kk   TEXT NOT NULL,
    record     TEXT NOT NULL,
    photo      BLOB
);
CREATE INDEX residents_kk ON residents (nomor_kk);

CREATE TABLE families (
    nomor_kk   TEXT PRIMARY KEY,
    record     TEXT NOT NULL
);

CREATE TABLE documents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    nik        TEXT NOT NULL,
    record     TEXT NOT NULL
);
CREATE INDEX documents_nik ON documents (nik);

CREATE TABLE registrations (
    id              TEXT PRIMARY KEY,
    nik             TEXT NOT NULL,
    email           TEXT NOT NULL,
    phone           TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    device_key      BLOB NOT NULL,
    token_hash      BLOB NOT NULL,
    qr_token_hash   BLOB,
    state           TEXT NOT NULL,
    reason          TEXT,
    selfie          BLOB,
    selfie_checks   TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER
);
CREATE INDEX registrations_nik ON registrations (nik);

CREATE TABLE activation_codes (
    registration_id TEXT PRIMARY KEY REFERENCES registrations (id),
    code_hash       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    expires_at      INTEGER NOT NULL,
    used            INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE captchas (
    id          TEXT PRIMARY KEY,
    answer_hash BLOB NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE accounts (
    nik           TEXT PRIMARY KEY,
    device_key    BLOB,
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL,
    pin_hash      TEXT,
    failed_pins   INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    locked_hard   INTEGER NOT NULL DEFAULT 0,
    activated_at  INTEGER NOT NULL
);

CREATE TABLE tokens (
    token_hash BLOB PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE challenges (
    id         TEXT PRIMARY KEY,
    challenge  BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE officers (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    officer TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL
);

CREATE TABLE access_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    nik     TEXT NOT NULL,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    actor   TEXT,
    profile TEXT
);
CREATE INDEX access_log_nik ON access_log (nik, at);
