-- The core model: cities, their administrative-management policy and its pillars,
-- fiscal years, the per-year organization (departments, sections), and the year's
-- goals, initiatives and criteria.
--
-- Every city-owned table carries municipality_id, and foreign keys between city-owned
-- tables include it, so a row can never point into another city (and the schema can be
-- distributed by municipality_id later without a redesign).
-- Display orders are UNIQUE per parent and DEFERRABLE so a reorder can swap positions
-- inside one transaction.

CREATE TABLE municipality (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Short romaji for URLs; names the site uses at the top level are reserved.
    slug                  TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,30}$'
                                                      AND slug NOT IN ('static', 'login', 'logout', 'staff', 'open-data', 'api')),
    name                  TEXT NOT NULL CHECK (name <> ''),
    name_kana             TEXT NOT NULL CHECK (name_kana <> ''),
    -- 全国地方公共団体コード: 6 digits including the check digit.
    local_government_code CHAR(6) NOT NULL UNIQUE CHECK (local_government_code ~ '^[0-9]{6}$'),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE policy (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality (id),
    name            TEXT NOT NULL CHECK (name <> ''),
    -- What the city calls its set of pillars, e.g. 「6つの市役所づくり」.
    pillar_set_name TEXT NOT NULL CHECK (pillar_set_name <> ''),
    UNIQUE (municipality_id, id),
    UNIQUE (municipality_id, name)
);

CREATE TABLE pillar (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    policy_id       BIGINT NOT NULL,
    number          INTEGER NOT NULL CHECK (number BETWEEN 1 AND 99),
    title           TEXT NOT NULL CHECK (title <> ''),
    -- 視点: one or more paragraphs.
    viewpoint       TEXT[] NOT NULL DEFAULT '{}',
    UNIQUE (municipality_id, id),
    UNIQUE (policy_id, number),
    FOREIGN KEY (municipality_id, policy_id) REFERENCES policy (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE fiscal_year (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    -- The western year in which the fiscal year starts (April): 2026 = 令和8年度.
    year            INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2200),
    policy_id       BIGINT NOT NULL,
    -- The booklet's title without the year, e.g. 「刈谷市組織重点目標」.
    title           TEXT NOT NULL CHECK (title <> ''),
    -- The heading above the department tables, e.g. 「各部組織重点目標（取組内容・指標）」.
    tables_title    TEXT NOT NULL CHECK (tables_title <> ''),
    UNIQUE (municipality_id, id),
    UNIQUE (municipality_id, year),
    FOREIGN KEY (municipality_id, policy_id) REFERENCES policy (municipality_id, id)
);

-- The booklet's introduction (はじめに): numbered headings with paragraphs.
CREATE TABLE booklet_section (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    fiscal_year_id  BIGINT NOT NULL,
    position        INTEGER NOT NULL CHECK (position >= 1),
    heading         TEXT NOT NULL CHECK (heading <> ''),
    paragraphs      TEXT[] NOT NULL DEFAULT '{}',
    -- Whether the policy's pillars with their 視点 are listed under this heading.
    show_pillars    BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (fiscal_year_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    FOREIGN KEY (municipality_id, fiscal_year_id) REFERENCES fiscal_year (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE department (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    fiscal_year_id  BIGINT NOT NULL,
    slug            TEXT NOT NULL CHECK (slug ~ '^[a-z][a-z0-9-]{0,40}$'),
    name            TEXT NOT NULL CHECK (name <> ''),
    position        INTEGER NOT NULL CHECK (position >= 1),
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (municipality_id, id),
    UNIQUE (fiscal_year_id, slug),
    UNIQUE (fiscal_year_id, name),
    UNIQUE (fiscal_year_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    FOREIGN KEY (municipality_id, fiscal_year_id) REFERENCES fiscal_year (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE section (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    fiscal_year_id  BIGINT NOT NULL,
    department_id   BIGINT NOT NULL,
    name            TEXT NOT NULL CHECK (name <> ''),
    position        INTEGER NOT NULL CHECK (position >= 1),
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (municipality_id, id),
    -- A section name means one section within a city's year.
    UNIQUE (fiscal_year_id, name),
    UNIQUE (department_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, fiscal_year_id) REFERENCES fiscal_year (municipality_id, id)
);

CREATE TABLE goal (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    department_id   BIGINT NOT NULL,
    position        INTEGER NOT NULL CHECK (position >= 1),
    text            TEXT NOT NULL CHECK (btrim(text) <> ''),
    -- A transcriber's or editor's remark; never shown to citizens.
    note            TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (municipality_id, id),
    UNIQUE (department_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE
);

-- A goal sits under one or more pillars (the document's group heading may name two).
CREATE TABLE goal_pillar (
    municipality_id BIGINT NOT NULL,
    goal_id         BIGINT NOT NULL,
    pillar_id       BIGINT NOT NULL,
    PRIMARY KEY (goal_id, pillar_id),
    FOREIGN KEY (municipality_id, goal_id) REFERENCES goal (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, pillar_id) REFERENCES pillar (municipality_id, id)
);
CREATE INDEX goal_pillar_pillar_idx ON goal_pillar (pillar_id);

CREATE TABLE initiative (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    goal_id         BIGINT NOT NULL,
    -- Shown as ①②③…: the number is the position, so it renumbers itself.
    position        INTEGER NOT NULL CHECK (position >= 1),
    text            TEXT NOT NULL CHECK (btrim(text) <> ''),
    note            TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (municipality_id, id),
    UNIQUE (goal_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    FOREIGN KEY (municipality_id, goal_id) REFERENCES goal (municipality_id, id) ON DELETE CASCADE
);

-- The sections responsible for an initiative (課等), in the order the document lists them.
CREATE TABLE initiative_section (
    municipality_id BIGINT NOT NULL,
    initiative_id   BIGINT NOT NULL,
    section_id      BIGINT NOT NULL,
    position        INTEGER NOT NULL CHECK (position >= 1),
    PRIMARY KEY (initiative_id, section_id),
    UNIQUE (initiative_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    FOREIGN KEY (municipality_id, initiative_id) REFERENCES initiative (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, section_id) REFERENCES section (municipality_id, id)
);
CREATE INDEX initiative_section_section_idx ON initiative_section (section_id);

CREATE TABLE criterion (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    initiative_id   BIGINT NOT NULL,
    position        INTEGER NOT NULL CHECK (position >= 1),
    -- The criterion as written.
    text            TEXT NOT NULL CHECK (btrim(text) <> ''),
    -- The measurable target parsed from the text, where it states one.
    target_value    NUMERIC(18, 4),
    unit            TEXT,
    comparator      TEXT CHECK (comparator IN ('at_least', 'at_most', 'exactly')),
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (municipality_id, id),
    UNIQUE (initiative_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    CHECK ((target_value IS NULL AND unit IS NULL AND comparator IS NULL)
        OR (target_value IS NOT NULL AND unit IS NOT NULL AND unit <> '' AND comparator IS NOT NULL)),
    FOREIGN KEY (municipality_id, initiative_id) REFERENCES initiative (municipality_id, id) ON DELETE CASCADE
);
