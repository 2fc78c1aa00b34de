-- Multi-year management plans (加須市 第2次行政経営プラン): a plan spans fiscal years and is a
-- hierarchy whose depth and level names are data (視点 → 基本目標 → 施策 → 事業). Items
-- (取組項目) hang under the lowest level; an item listed again elsewhere (※再掲) is the same
-- item with a second place. Each item has indicators (目標値等) with a baseline and a target
-- per plan year (a number or a word such as 検討 / 実施 / —); sections record the actual value
-- or state each year, and planning staff publish a year's progress for citizens.

CREATE TABLE plan (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name            TEXT NOT NULL CHECK (btrim(name) <> ''),
    adopted         TEXT NOT NULL DEFAULT '',
    first_year      INTEGER NOT NULL,
    last_year       INTEGER NOT NULL CHECK (last_year >= first_year AND last_year - first_year < 20),
    -- Names of the hierarchy's levels, top first, e.g. {視点,基本目標,施策,事業}.
    level_names     TEXT[] NOT NULL CHECK (cardinality(level_names) BETWEEN 1 AND 6),
    item_label      TEXT NOT NULL DEFAULT '取組項目',
    UNIQUE (municipality_id, id),
    UNIQUE (municipality_id, slug)
);

CREATE TABLE plan_node (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    plan_id         BIGINT NOT NULL,
    parent_id       BIGINT,
    -- The path of positions from the top ("1.2.3"): the node's natural key in the plan.
    key             TEXT NOT NULL CHECK (key ~ '^[0-9]+(\.[0-9]+)*$'),
    depth           INTEGER NOT NULL CHECK (depth >= 0),
    position        INTEGER NOT NULL,
    label           TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL CHECK (btrim(title) <> ''),
    description     TEXT NOT NULL DEFAULT '',
    UNIQUE (municipality_id, id),
    UNIQUE (plan_id, key),
    FOREIGN KEY (municipality_id, plan_id) REFERENCES plan (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, parent_id) REFERENCES plan_node (municipality_id, id) ON DELETE CASCADE
);

CREATE TABLE plan_item (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    plan_id         BIGINT NOT NULL,
    number          INTEGER NOT NULL CHECK (number > 0),
    title           TEXT NOT NULL CHECK (btrim(title) <> ''),
    content         TEXT NOT NULL DEFAULT '',
    -- 担当課 as the plan names them (the plan outlives any one year's organization).
    sections        TEXT[] NOT NULL DEFAULT '{}',
    UNIQUE (municipality_id, id),
    UNIQUE (plan_id, number),
    FOREIGN KEY (municipality_id, plan_id) REFERENCES plan (municipality_id, id) ON DELETE CASCADE
);

-- Where an item is listed: its own place, and any 再掲 places (with the number printed there).
CREATE TABLE plan_item_place (
    municipality_id BIGINT NOT NULL,
    item_id         BIGINT NOT NULL,
    node_id         BIGINT NOT NULL,
    number          INTEGER NOT NULL,
    restated        BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (item_id, node_id),
    FOREIGN KEY (municipality_id, item_id) REFERENCES plan_item (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, node_id) REFERENCES plan_node (municipality_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX plan_item_one_home ON plan_item_place (item_id) WHERE NOT restated;

CREATE TABLE plan_indicator (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    item_id         BIGINT NOT NULL,
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL CHECK (btrim(name) <> ''),
    unit            TEXT NOT NULL DEFAULT '',
    baseline        TEXT,
    baseline_year   INTEGER,
    baseline_value  NUMERIC(18, 4),
    comparator      TEXT NOT NULL DEFAULT 'at_least' CHECK (comparator IN ('at_least', 'at_most', 'exactly')),
    UNIQUE (municipality_id, id),
    UNIQUE (item_id, position),
    FOREIGN KEY (municipality_id, item_id) REFERENCES plan_item (municipality_id, id) ON DELETE CASCADE
);

-- A target for one plan year: a number, or a word (検討, 実施, 「—」 for none that year).
CREATE TABLE plan_target (
    municipality_id BIGINT NOT NULL,
    indicator_id    BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    value           NUMERIC(18, 4),
    word            TEXT,
    -- As the plan prints it (「41.0」, 「▲554」, 「調査 研究」).
    written         TEXT NOT NULL,
    CHECK ((value IS NULL) <> (word IS NULL)),
    PRIMARY KEY (indicator_id, year),
    FOREIGN KEY (municipality_id, indicator_id) REFERENCES plan_indicator (municipality_id, id) ON DELETE CASCADE
);

-- What a year achieved: a number (for a numeric target) or a state in words, and for word
-- targets whether the target was reached.
CREATE TABLE plan_actual (
    municipality_id BIGINT NOT NULL,
    indicator_id    BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    value           NUMERIC(18, 4),
    word            TEXT,
    achieved        BOOLEAN,
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by      BIGINT,
    CHECK (value IS NOT NULL OR btrim(COALESCE(word, '')) <> ''),
    PRIMARY KEY (indicator_id, year),
    FOREIGN KEY (municipality_id, indicator_id) REFERENCES plan_indicator (municipality_id, id) ON DELETE CASCADE
);

-- Years whose progress planning staff have published to citizens.
CREATE TABLE plan_year_publication (
    municipality_id BIGINT NOT NULL,
    plan_id         BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, year),
    FOREIGN KEY (municipality_id, plan_id) REFERENCES plan (municipality_id, id) ON DELETE CASCADE
);
