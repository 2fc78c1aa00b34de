-- An outside evaluation (佐渡市's 行政改革推進委員会, 下野市's and 木津川市's outside committees):
-- the city's own scale, defined once, and the committee's grade and comment per department,
-- published with the department's results.
CREATE TABLE outside_scale (
    municipality_id BIGINT PRIMARY KEY REFERENCES municipality (id),
    committee       TEXT NOT NULL CHECK (committee <> '' AND length(committee) <= 100),
    grades          TEXT[] NOT NULL CHECK (cardinality(grades) BETWEEN 1 AND 12),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE outside_evaluation (
    municipality_id BIGINT NOT NULL,
    department_id   BIGINT NOT NULL,
    grade           TEXT NOT NULL CHECK (grade <> '' AND length(grade) <= 20),
    comment         TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 4000),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_id, department_id),
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE
);
