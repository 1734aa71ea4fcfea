-- A NIK has at most one open registration (waiting for the selfie, for the officer, or
-- approved and waiting for activation). Starting a new one replaces an unapproved one
-- (state 'superseded') in the same transaction; the partial unique index is what makes
-- two parallel starts unable to both stay open. Older open duplicates made before this
-- rule are superseded by the newest one of their NIK.
UPDATE registrations SET state = 'superseded', selfie = NULL
WHERE state IN ('awaiting_selfie', 'awaiting_officer', 'approved')
  AND EXISTS (
    SELECT 1 FROM registrations newer
    WHERE newer.nik = registrations.nik
      AND newer.state IN ('awaiting_selfie', 'awaiting_officer', 'approved')
      AND (newer.created_at > registrations.created_at
           OR (newer.created_at = registrations.created_at AND newer.id > registrations.id)));
CREATE UNIQUE INDEX registrations_one_open_per_nik ON registrations (nik)
WHERE state IN ('awaiting_selfie', 'awaiting_officer', 'approved');
