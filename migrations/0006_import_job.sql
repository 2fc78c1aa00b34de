-- A spreadsheet upload between its preview and its application: what was read from the file
-- (goal trees per department and the problems found), the preview shown to the person, a
-- fingerprint of the affected departments at preview time (so a confirmation after someone
-- else edited them is refused instead of silently overwriting their work), and the progress
-- of the application, which runs in the background.
CREATE TABLE import_job (
    id                BIGSERIAL PRIMARY KEY,
    municipality_id   BIGINT NOT NULL,
    fiscal_year_id    BIGINT NOT NULL,
    created_by        BIGINT NOT NULL,
    filename          TEXT NOT NULL,
    parsed            JSONB NOT NULL,
    preview           JSONB NOT NULL,
    fingerprint       TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'previewed'
                      CHECK (state IN ('previewed', 'running', 'done', 'failed', 'stale')),
    done_departments  INTEGER NOT NULL DEFAULT 0,
    total_departments INTEGER NOT NULL,
    report            JSONB,
    message           TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at       TIMESTAMPTZ,
    FOREIGN KEY (municipality_id, fiscal_year_id) REFERENCES fiscal_year (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, created_by) REFERENCES app_user (municipality_id, id) ON DELETE CASCADE
);

CREATE INDEX import_job_by_city ON import_job (municipality_id, created_at DESC);

-- Imports are recorded in the audit trail, one entry per changed department.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_action_check
    CHECK (action IN ('create', 'update', 'delete', 'move', 'import'));
