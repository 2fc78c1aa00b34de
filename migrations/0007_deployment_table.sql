-- Layouts other than 刈谷市's target table. A city chooses how its sheets are laid out:
-- 'target_table' (組織目標 / 取組内容 / 課等 / 目標達成基準, grouped under pillars) or
-- 'deployment_table' (組織目標展開整理表: numbered items with 計画・方針等の分類, どの水準まで,
-- どのような方法で, いつまで, 共通/課名). The data are the same goals, initiatives and criteria,
-- with two optional attributes: a goal's category from a city-defined list, and an initiative's
-- deadline. The department's page header of a deployment table names the date it was drawn up
-- and the head's title.
ALTER TABLE municipality
    ADD COLUMN sheet_layout TEXT NOT NULL DEFAULT 'target_table'
        CHECK (sheet_layout IN ('target_table', 'deployment_table'));

CREATE TABLE goal_category (
    id              BIGSERIAL PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL CHECK (btrim(name) <> ''),
    UNIQUE (municipality_id, id),
    UNIQUE (municipality_id, name)
);

ALTER TABLE goal
    ADD COLUMN category_id BIGINT,
    ADD FOREIGN KEY (municipality_id, category_id) REFERENCES goal_category (municipality_id, id);

-- A month (「1月」), 「年度末」 or 「随時」, as validated by src/domain/deadline.rs.
ALTER TABLE initiative
    ADD COLUMN deadline TEXT CHECK (deadline IS NULL OR btrim(deadline) <> '');

ALTER TABLE department_profile
    ADD COLUMN head_title TEXT NOT NULL DEFAULT '',
    ADD COLUMN drawn_up_on DATE;
