-- Ganti perangkat (issue 17): a registration of a NIK already active on another phone moves
-- the account to the new one. An officer may approve it remotely, without the QR; its code
-- then activates only from switch_at, and until the move the old phone or the link emailed
-- to the registered address can cancel it (state 'cancelled').
ALTER TABLE registrations ADD COLUMN device_change INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN switch_at INTEGER;
-- The remote review queue: device changes waiting for an officer, oldest first.
CREATE INDEX registrations_remote_queue ON registrations (state, device_change, created_at);
