-- Residents made by `seed` are synthetic: only they may get a generated portrait (drawn at
-- first use and stored). Every other resident has the photo the registry holds, or none.
-- Before this migration the import took no photos, so every stored photo was a drawn
-- portrait, and which rows were seeded is not known: all become "no photo on record" and
-- not synthetic. A demo registry is made again in a new data directory; an imported one
-- gets its photos with `import --photos DIR --update` (README, Registry).
ALTER TABLE residents ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;
UPDATE residents SET photo = NULL;
