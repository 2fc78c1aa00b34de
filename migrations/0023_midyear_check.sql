-- The mid-year check (中間報告): a third kind of sheet beside the targets and the results.
-- Planning staff open it for a year with its 基準日 (「9月末時点」), the progress words the
-- city uses and a deadline (a stage of the year); each initiative records what was done in
-- the first half, a progress word and what is left for the second half; the head adds a
-- comment per goal and for the department. Reviewed and published like the other sheets.

ALTER TABLE sheet DROP CONSTRAINT sheet_kind_check,
    ADD CONSTRAINT sheet_kind_check CHECK (kind IN ('targets', 'results', 'midyear'));
ALTER TABLE sheet_event DROP CONSTRAINT sheet_event_kind_check,
    ADD CONSTRAINT sheet_event_kind_check CHECK (kind IN ('targets', 'results', 'midyear'));
ALTER TABLE publication DROP CONSTRAINT publication_kind_check,
    ADD CONSTRAINT publication_kind_check CHECK (kind IN ('targets', 'results', 'midyear'));
ALTER TABLE stage_deadline DROP CONSTRAINT stage_deadline_stage_check,
    ADD CONSTRAINT stage_deadline_stage_check CHECK (stage IN ('targets', 'midyear', 'results'));

CREATE TABLE midyear_check (
    municipality_id BIGINT NOT NULL,
    fiscal_year_id  BIGINT NOT NULL,
    -- 基準日: the day the report speaks of (「令和8年9月末時点」).
    as_of           DATE NOT NULL,
    -- The progress words, in order (default 順調 / おおむね順調 / 遅れ).
    words           TEXT[] NOT NULL CHECK (cardinality(words) BETWEEN 1 AND 10),
    opened_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, fiscal_year_id),
    FOREIGN KEY (municipality_id, fiscal_year_id) REFERENCES fiscal_year (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE initiative_midyear (
    municipality_id BIGINT NOT NULL,
    initiative_id   BIGINT PRIMARY KEY,
    -- 上半期の取組状況: one item per entry, like 実績.
    performance     TEXT[] NOT NULL DEFAULT '{}',
    progress        TEXT CHECK (progress IS NULL OR (progress <> '' AND length(progress) <= 20)),
    -- 下期に向けた課題・対応: paragraphs.
    issues          TEXT[] NOT NULL DEFAULT '{}',
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (municipality_id, initiative_id) REFERENCES initiative (municipality_id, id) ON DELETE CASCADE
);

-- The head's comments: per goal, and for the department.
CREATE TABLE goal_midyear (
    municipality_id BIGINT NOT NULL,
    goal_id         BIGINT PRIMARY KEY,
    comment         TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 4000),
    FOREIGN KEY (municipality_id, goal_id) REFERENCES goal (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE department_midyear (
    municipality_id BIGINT NOT NULL,
    department_id   BIGINT PRIMARY KEY,
    comment         TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 4000),
    version         INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE
);

-- 前年度の振り返り (松阪市's 部局長の「実行宣言」): at the start of the year the head evaluates
-- the year before for the department; reviewed and published with the new targets.
CREATE TABLE last_year_review (
    municipality_id BIGINT NOT NULL,
    department_id   BIGINT PRIMARY KEY,
    text            TEXT NOT NULL DEFAULT '' CHECK (length(text) <= 4000),
    version         INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE
);
