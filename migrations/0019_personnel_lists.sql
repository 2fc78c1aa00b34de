-- April's transfers from the personnel list (職員名簿) a city exports from its HR system.

-- The person's staff number (職員番号) in the city: how a list's row finds its account.
ALTER TABLE app_user ADD COLUMN employee_number TEXT
    CHECK (employee_number IS NULL OR (employee_number <> '' AND length(employee_number) <= 40));
CREATE UNIQUE INDEX app_user_employee_number_idx ON app_user (municipality_id, employee_number)
    WHERE employee_number IS NOT NULL;

-- A list uploaded for a year, read and previewed, written only when confirmed.
CREATE TABLE personnel_upload (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality (id),
    year            INTEGER NOT NULL,
    created_by      BIGINT NOT NULL,
    filename        TEXT NOT NULL,
    -- The rows as read (number, name, kana, department, section, title, mail, row).
    rows            JSONB NOT NULL,
    -- What the accounts and roles looked like when previewed: confirming a preview of
    -- something that changed since is refused.
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'previewed' CHECK (state IN ('previewed', 'applied', 'stale')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (municipality_id, created_by) REFERENCES app_user (municipality_id, id) ON DELETE CASCADE
);

-- A one-time sign-in link: the person sets their own password with it (no password is ever in
-- a file). Only its hash is kept; it works once, until it expires.
CREATE TABLE sign_in_link (
    token_hash      TEXT PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (municipality_id, user_id) REFERENCES app_user (municipality_id, id) ON DELETE CASCADE
);
CREATE INDEX sign_in_link_user_idx ON sign_in_link (user_id);

-- A one-time link is e-mailed to its person where the city's relay is set up.
ALTER TABLE mail_message DROP CONSTRAINT mail_message_reason_check;
ALTER TABLE mail_message ADD CONSTRAINT mail_message_reason_check
    CHECK (reason IN ('submitted', 'returned', 'approved', 'reminder', 'test', 'welcome'));
