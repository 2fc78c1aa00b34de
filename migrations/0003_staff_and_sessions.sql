-- Staff accounts, their roles, sign-in sessions, sign-in throttling and the audit trail.

CREATE TABLE app_user (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality (id),
    -- Sign-in names are unique across the deployment: /login asks for no city.
    username        TEXT NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9._-]{3,40}$'),
    display_name    TEXT NOT NULL CHECK (display_name <> ''),
    -- argon2id in PHC string format.
    password_hash   TEXT NOT NULL,
    disabled        BOOLEAN NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (municipality_id, id)
);

-- What a person may do. A person may hold several roles. Heads and chiefs hold their role
-- for one department or section, which belongs to one fiscal year.
CREATE TABLE role_assignment (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'department_head', 'section_chief', 'viewer')),
    department_id   BIGINT,
    section_id      BIGINT,
    CHECK (
        (role IN ('admin', 'viewer') AND department_id IS NULL AND section_id IS NULL)
        OR (role = 'department_head' AND department_id IS NOT NULL AND section_id IS NULL)
        OR (role = 'section_chief' AND section_id IS NOT NULL AND department_id IS NULL)
    ),
    UNIQUE NULLS NOT DISTINCT (user_id, role, department_id, section_id),
    FOREIGN KEY (municipality_id, user_id) REFERENCES app_user (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, department_id) REFERENCES department (municipality_id, id) ON DELETE CASCADE,
    FOREIGN KEY (municipality_id, section_id) REFERENCES section (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX role_assignment_user_idx ON role_assignment (user_id);

-- Sign-in sessions, shared by every server process. Only a hash of the session id is stored,
-- so the table's contents cannot be replayed as cookies.
CREATE TABLE session (
    id_hash         TEXT PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    -- The synchronizer token every state-changing form of this session must carry.
    csrf_token      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (municipality_id, user_id) REFERENCES app_user (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX session_user_idx ON session (user_id);

-- Failed sign-ins, for throttling by client address (not by account, so an attacker cannot
-- lock a real user out).
CREATE TABLE login_failure (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_addr  TEXT NOT NULL,
    username     TEXT NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failure_addr_idx ON login_failure (client_addr, attempted_at);

-- Every change made by staff: who, when, what, before and after.
CREATE TABLE audit_event (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality (id),
    user_id         BIGINT,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    action          TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'move')),
    entity          TEXT NOT NULL,
    entity_id       BIGINT NOT NULL,
    -- For filtering: the department and goal the change belongs to (kept as plain numbers so
    -- history outlives deleted rows).
    department_id   BIGINT,
    goal_id         BIGINT,
    before          JSONB,
    after           JSONB
);
CREATE INDEX audit_event_department_idx ON audit_event (municipality_id, department_id, at DESC);
CREATE INDEX audit_event_goal_idx ON audit_event (municipality_id, goal_id, at DESC);
