-- Deadlines of a year's stages, and e-mail through the city's own relay: the relay's setting,
-- the queue of messages (written in the transaction of the step that causes them) and the
-- lease that lets exactly one server send. None of these is read by a public page.

-- An account's e-mail address (checked by the application; NULL when it has none).
ALTER TABLE app_user ADD COLUMN email TEXT CHECK (email IS NULL OR (email <> '' AND length(email) <= 254));

-- When each stage of a year is due: 目標の入力 (targets), 実績の入力 (results).
CREATE TABLE stage_deadline (
    municipality_id BIGINT NOT NULL,
    fiscal_year_id  BIGINT NOT NULL,
    stage           TEXT NOT NULL CHECK (stage IN ('targets', 'results')),
    due_on          DATE NOT NULL,
    PRIMARY KEY (fiscal_year_id, stage),
    FOREIGN KEY (municipality_id, fiscal_year_id) REFERENCES fiscal_year (municipality_id, id) ON DELETE CASCADE
);

-- The city's mail relay. No row: the city sends no e-mail and nothing else changes.
-- The password is needed in clear to authenticate; it is never shown on a page or logged.
CREATE TABLE mail_setting (
    municipality_id BIGINT PRIMARY KEY REFERENCES municipality (id) ON DELETE CASCADE,
    host            TEXT NOT NULL CHECK (host <> ''),
    port            INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security        TEXT NOT NULL CHECK (security IN ('none', 'starttls', 'tls')),
    username        TEXT,
    password        TEXT,
    sender          TEXT NOT NULL CHECK (sender <> ''),
    -- The address staff open Mokuhyo at, for the links in messages.
    app_url         TEXT NOT NULL CHECK (app_url ~ '^https?://[^\s<>"]+$'),
    -- How many days before a deadline the one reminder goes out.
    remind_days     INTEGER NOT NULL DEFAULT 3 CHECK (remind_days BETWEEN 1 AND 30),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Messages to send and sent. A message is queued in the transaction of the step that causes
-- it (a rolled-back step leaves none); `dedupe_key` makes a reminder unique per person,
-- deadline and stage, however many servers queue it.
CREATE TABLE mail_message (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipality (id) ON DELETE CASCADE,
    user_id         BIGINT,
    recipient       TEXT NOT NULL,
    reason          TEXT NOT NULL CHECK (reason IN ('submitted', 'returned', 'approved', 'reminder', 'test')),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    dedupe_key      TEXT UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- When the sender may next take it: moved forward when taken (a claim that lapses if the
    -- server dies) and after each failure (backoff).
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TIMESTAMPTZ,
    -- Set when the relay refused the message for good, or after retrying for days.
    failed_at       TIMESTAMPTZ,
    last_error      TEXT
);
CREATE INDEX mail_message_due ON mail_message (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_message_city ON mail_message (municipality_id, id DESC);

-- Background work only one server does at a time (the mail sender): the holder renews its
-- lease; another server takes over when it lapses.
CREATE TABLE job_lease (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
