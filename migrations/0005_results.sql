-- Year-end results: per criterion the actual value (or a short text, or "not applicable" with
-- a reason); per initiative what was done (実績, items) and the outcome (成果, paragraphs) with
-- an optional status override and its reason; per goal an optional status override; and the
-- department head's page (name, reading, 基本方針, 部の仕事, 総括).

CREATE TABLE criterion_result (
    municipality_id       BIGINT NOT NULL,
    criterion_id          BIGINT PRIMARY KEY,
    actual_value          NUMERIC(18, 4),
    actual_text           TEXT,
    not_applicable        BOOLEAN NOT NULL DEFAULT false,
    not_applicable_reason TEXT,
    CHECK (NOT not_applicable OR btrim(COALESCE(not_applicable_reason, '')) <> ''),
    FOREIGN KEY (municipality_id, criterion_id) REFERENCES criterion (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE initiative_result (
    municipality_id BIGINT NOT NULL,
    initiative_id   BIGINT PRIMARY KEY,
    -- 実績: what was done, one item per entry (may carry figures).
    performance     TEXT[] NOT NULL DEFAULT '{}',
    -- 成果: the outcome, one paragraph per entry.
    outcome         TEXT[] NOT NULL DEFAULT '{}',
    status_override TEXT CHECK (status_override IN ('achieved', 'partly_achieved', 'not_achieved', 'started', 'not_started')),
    override_reason TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (status_override IS NULL OR btrim(COALESCE(override_reason, '')) <> ''),
    FOREIGN KEY (municipality_id, initiative_id) REFERENCES initiative (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE goal_result (
    municipality_id BIGINT NOT NULL,
    goal_id         BIGINT PRIMARY KEY,
    status_override TEXT CHECK (status_override IN ('achieved', 'partly_achieved', 'not_achieved', 'started', 'not_started')),
    override_reason TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK (status_override IS NULL OR btrim(COALESCE(override_reason, '')) <> ''),
    FOREIGN KEY (municipality_id, goal_id) REFERENCES goal (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE department_profile (
    municipality_id BIGINT NOT NULL,
    department_id   BIGINT PRIMARY KEY,
    head_name       TEXT NOT NULL DEFAULT '',
    head_name_kana  TEXT NOT NULL DEFAULT '',
    basic_policy    TEXT NOT NULL DEFAULT '',
    duties          TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE
);
