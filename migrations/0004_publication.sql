-- Review and publication of a department's sheets. A sheet is a department's targets (or,
-- later, results) for its fiscal year. Its workflow state lives in `sheet`; every transition
-- is kept in `sheet_event`; publishing freezes the sheet as it is into `publication`, which is
-- never updated: a re-publication is a new version.

CREATE TABLE sheet (
    municipality_id BIGINT NOT NULL,
    department_id   BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('targets', 'results')),
    state           TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'approved', 'published')),
    -- The latest return comment (差し戻し), shown to the people who must act.
    comment         TEXT,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (department_id, kind),
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE sheet_event (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    department_id   BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('targets', 'results')),
    action          TEXT NOT NULL CHECK (action IN ('submit', 'return', 'approve', 'reopen', 'publish')),
    comment         TEXT,
    user_id         BIGINT,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX sheet_event_department_idx ON sheet_event (department_id, kind, at DESC);

CREATE TABLE publication (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    fiscal_year_id  BIGINT NOT NULL,
    department_id   BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('targets', 'results')),
    version         INTEGER NOT NULL CHECK (version >= 1),
    -- The date shown to citizens (「令和8年6月1日公表」), and the exact moment.
    published_on    DATE NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_by    BIGINT,
    -- The frozen sheet, in the shape the public pages render (see src/domain/sheet.rs).
    content         JSONB NOT NULL,
    UNIQUE (department_id, kind, version),
    -- Publications outlive edits; a published department cannot simply disappear.
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id),
    FOREIGN KEY (municipality_id, fiscal_year_id) REFERENCES fiscal_year (municipality_id, id)
);
CREATE INDEX publication_year_idx ON publication (municipality_id, fiscal_year_id, kind);

-- Publications are never changed once written.
CREATE FUNCTION publication_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'publications are immutable; publish a new version instead';
END;
$$;
CREATE TRIGGER publication_no_update BEFORE UPDATE ON publication
    FOR EACH ROW EXECUTE FUNCTION publication_is_immutable();
