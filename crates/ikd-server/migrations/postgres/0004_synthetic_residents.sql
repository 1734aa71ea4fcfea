-- Residents made by `seed` are synthetic: only they may get a generated portrait (drawn at
-- first use and stored). Every other resident has the photo the registry holds, or none.
-- Rows from before this column are real (imported) ones: a demo registry is seeded again.
ALTER TABLE residents ADD COLUMN synthetic BIGINT NOT NULL DEFAULT 0;
