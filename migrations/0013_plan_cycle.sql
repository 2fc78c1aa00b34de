-- Multi-year plans a city runs itself: imports previewed before they are applied, targets
-- revised mid-period with their history, each year's evaluation reviewed and published with
-- a date, and 担当課 tied to the sections of the city's organization.

-- A plan workbook between its preview and its application: the whole plan as read (a
-- PlanDocument), and a fingerprint of the stored plan at preview time, so a confirmation after
-- someone else changed the plan is refused instead of overwriting their work.
CREATE TABLE plan_import (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    created_by      BIGINT NOT NULL,
    filename        TEXT NOT NULL,
    plan_slug       TEXT NOT NULL,
    new_plan        BOOLEAN NOT NULL,
    document        JSONB NOT NULL,
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'previewed' CHECK (state IN ('previewed', 'applied', 'stale')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_at      TIMESTAMPTZ,
    FOREIGN KEY (municipality_id, created_by) REFERENCES app_user (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX plan_import_by_city ON plan_import (municipality_id, created_at DESC);

-- Every change of a target that already existed (a revision of the plan): what it was, what it
-- became, when and by whom. The target as of a moment is the `before` of the first revision
-- after it, or the current target.
CREATE TABLE plan_target_revision (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    indicator_id    BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    before          TEXT NOT NULL,
    after           TEXT NOT NULL,
    revised_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    revised_by      BIGINT,
    FOREIGN KEY (municipality_id, indicator_id) REFERENCES plan_indicator (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX plan_target_revision_by_target ON plan_target_revision (indicator_id, year, revised_at);

-- Optimistic locking of the plan's head and of each item (the editor's forms carry it).
ALTER TABLE policy ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE plan_item ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE pillar ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- A section's short note on what an item did in a year (実績), beside the indicators' actuals.
CREATE TABLE plan_item_note (
    municipality_id BIGINT NOT NULL,
    item_id         BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    note            TEXT NOT NULL CHECK (char_length(note) <= 1000),
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by      BIGINT,
    PRIMARY KEY (item_id, year),
    FOREIGN KEY (municipality_id, item_id) REFERENCES plan_item (municipality_id, id) ON DELETE CASCADE
);

-- A year's evaluation: planning staff mark it 評価済み (reviewed), then publish it with the
-- date citizens see. Publication needs the review.
CREATE TABLE plan_year_review (
    municipality_id BIGINT NOT NULL,
    policy_id       BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    reviewed_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    reviewed_by     BIGINT,
    PRIMARY KEY (policy_id, year),
    FOREIGN KEY (municipality_id, policy_id) REFERENCES policy (municipality_id, id) ON DELETE CASCADE
);
-- The published progress is kept as published (its items, targets, actuals and judgments), so
-- later revisions of the plan do not alter a published evaluation.
ALTER TABLE plan_year_publication
    ADD COLUMN published_on DATE,
    ADD COLUMN published_by BIGINT,
    ADD COLUMN snapshot     JSONB;
UPDATE plan_year_publication SET published_on = (published_at AT TIME ZONE 'Asia/Tokyo')::date;
ALTER TABLE plan_year_publication ALTER COLUMN published_on SET NOT NULL;
INSERT INTO plan_year_review (municipality_id, policy_id, year, reviewed_at)
    SELECT municipality_id, policy_id, year, published_at FROM plan_year_publication
    ON CONFLICT DO NOTHING;

-- 担当課 as sections of the organization: an item is recorded by the sections linked to it
-- (any year's section rows; a new year's copy of the organization carries the links). The
-- names in plan_item.sections stay as the plan prints them.
CREATE TABLE plan_item_section (
    municipality_id BIGINT NOT NULL,
    item_id         BIGINT NOT NULL,
    section_id      BIGINT NOT NULL,
    PRIMARY KEY (item_id, section_id),
    FOREIGN KEY (municipality_id, item_id) REFERENCES plan_item (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, section_id) REFERENCES section (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX plan_item_section_by_section ON plan_item_section (section_id);
-- Existing items are linked by name to the sections that bear those names.
INSERT INTO plan_item_section (municipality_id, item_id, section_id)
    SELECT i.municipality_id, i.id, s.id FROM plan_item i
    JOIN section s ON s.municipality_id = i.municipality_id AND s.name = ANY(i.sections)
    ON CONFLICT DO NOTHING;

ALTER TABLE audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_action_check
    CHECK (action IN ('create', 'update', 'delete', 'move', 'import', 'review', 'publish'));

-- Public pages read revisions, notes and reviews: their writes drop rendered pages (0012).
CREATE TRIGGER public_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plan_target_revision
    FOR EACH STATEMENT EXECUTE FUNCTION note_public_change();
CREATE TRIGGER public_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plan_item_note
    FOR EACH STATEMENT EXECUTE FUNCTION note_public_change();
CREATE TRIGGER public_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plan_year_review
    FOR EACH STATEMENT EXECUTE FUNCTION note_public_change();

-- A year's actuals from a workbook between preview and application: the rows read (indicator
-- ids with their values), and a fingerprint of the year's stored actuals at preview time.
CREATE TABLE plan_actual_import (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    policy_id       BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    created_by      BIGINT NOT NULL,
    filename        TEXT NOT NULL,
    rows            JSONB NOT NULL,
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'previewed' CHECK (state IN ('previewed', 'applied', 'stale')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (municipality_id, policy_id) REFERENCES policy (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, created_by) REFERENCES app_user (municipality_id, id) ON DELETE CASCADE
);
