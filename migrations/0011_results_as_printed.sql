-- A goal's result as a document prints it when that is more than one status word (「着手 達成」);
-- the status still counts as its `status_override`.
ALTER TABLE goal_result ADD COLUMN status_label TEXT CHECK (status_label IS NULL OR btrim(status_label) <> '');

-- What a city's pages say about where their content comes from (a demo city's source).
ALTER TABLE municipality ADD COLUMN about TEXT NOT NULL DEFAULT '';
