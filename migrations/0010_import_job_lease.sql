-- An import being applied is held by the server applying it: a transaction-level advisory lock
-- (keyed by the job) taken first in the application's transaction. A job left `running` whose
-- lock nobody holds was interrupted; one whose lock is held belongs to a live server, whichever.
ALTER TABLE import_job ADD COLUMN started_at TIMESTAMPTZ;
