-- Multi-year management plans (加須市 第2次行政経営プラン), as a generalization of the policy
-- and its pillars rather than a parallel model: a policy owns a hierarchy whose top level is
-- what the city calls its pillars (`pillar_set_name`: 「6つの市役所づくり」, 「視点」) and whose
-- deeper levels are named in `sublevel_names` (基本目標, 施策, 事業). 刈谷市's pillars are a
-- one-level hierarchy (no sublevels); a plan's nodes are pillar rows with a parent.
--
-- A policy with a slug is a plan citizens can open: it spans fiscal years, and its items
-- (取組項目) hang under its nodes; an item listed again elsewhere (※再掲) is the same item with
-- a second place. Each item has indicators (目標値等) with a baseline and a target per plan year
-- (a number or a word such as 検討 / 実施 / —); sections record each year's actual, and
-- planning staff publish a year's progress.

ALTER TABLE policy
    ADD COLUMN slug           TEXT CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    ADD COLUMN adopted        TEXT NOT NULL DEFAULT '',
    ADD COLUMN first_year     INTEGER,
    ADD COLUMN last_year      INTEGER,
    ADD COLUMN sublevel_names TEXT[] NOT NULL DEFAULT '{}' CHECK (cardinality(sublevel_names) <= 5),
    ADD COLUMN item_label     TEXT NOT NULL DEFAULT '取組項目',
    ADD CONSTRAINT policy_plan_years CHECK (
        (first_year IS NULL) = (last_year IS NULL)
        AND (slug IS NULL OR first_year IS NOT NULL)
        AND (last_year IS NULL OR (last_year >= first_year AND last_year - first_year < 20))),
    ADD CONSTRAINT policy_slug_unique UNIQUE (municipality_id, slug);

ALTER TABLE pillar
    ADD COLUMN parent_id   BIGINT,
    ADD COLUMN depth       INTEGER NOT NULL DEFAULT 0 CHECK (depth >= 0),
    -- As the document prints the node's number: 「1」, 「(1)」, 「①」 (pillars: empty, shown 「(n)」).
    ADD COLUMN label       TEXT NOT NULL DEFAULT '',
    ADD COLUMN description TEXT NOT NULL DEFAULT '',
    ADD CONSTRAINT pillar_parent_fk FOREIGN KEY (municipality_id, parent_id)
        REFERENCES pillar (municipality_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT pillar_top_level CHECK ((parent_id IS NULL) = (depth = 0));
-- Numbers are unique among siblings (top-level pillars as before).
ALTER TABLE pillar DROP CONSTRAINT pillar_policy_id_number_key;
CREATE UNIQUE INDEX pillar_number_among_siblings ON pillar (policy_id, (COALESCE(parent_id, 0)), number);

CREATE TABLE plan_item (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    policy_id       BIGINT NOT NULL,
    number          INTEGER NOT NULL CHECK (number > 0),
    title           TEXT NOT NULL CHECK (btrim(title) <> ''),
    content         TEXT NOT NULL DEFAULT '',
    -- 担当課 as the plan names them (the plan outlives any one year's organization).
    sections        TEXT[] NOT NULL DEFAULT '{}',
    UNIQUE (municipality_id, id),
    UNIQUE (policy_id, number),
    FOREIGN KEY (municipality_id, policy_id) REFERENCES policy (municipality_id, id) ON DELETE CASCADE
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
    FOREIGN KEY (municipality_id, node_id) REFERENCES pillar (municipality_id, id) ON DELETE CASCADE
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
    -- As the plan prints it (「41.0」, 「▲554」, 「1,000」).
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
    policy_id       BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (policy_id, year),
    FOREIGN KEY (municipality_id, policy_id) REFERENCES policy (municipality_id, id) ON DELETE CASCADE
);
