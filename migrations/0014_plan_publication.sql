-- A multi-year plan is public only once planning staff publish it (its head and structure;
-- each year's progress is published on its own, as before). Plans that existed before this
-- change were public already and stay so.
ALTER TABLE policy ADD COLUMN published_at TIMESTAMPTZ;
UPDATE policy SET published_at = now() WHERE slug IS NOT NULL;
