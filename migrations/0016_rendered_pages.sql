-- The second tier of the page cache, shared by every server: a city's public pages (and the
-- compressed forms clients asked for) as rendered, so a page not in a server's memory is one
-- indexed read, not a render. A change to a city deletes its rows in the changing
-- transaction itself, and moves the city's version; a page is stored only if the version it
-- was rendered under is still the current one, read under a share lock (so a store waits for
-- a change in progress and then finds the version moved). The pages listing every city (/,
-- prefectures, open data) are not stored here: they are few and stay in memory.
CREATE TABLE page_scope (
    city    TEXT PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 1
);

-- Unlogged: a cache costs no WAL, and after a crash PostgreSQL empties it (a valid state).
CREATE UNLOGGED TABLE rendered_page (
    path     TEXT NOT NULL,
    encoding TEXT NOT NULL CHECK (encoding IN ('', 'br', 'gzip')),
    city     TEXT NOT NULL,
    headers  JSONB NOT NULL,
    body     BYTEA NOT NULL,
    PRIMARY KEY (path, encoding)
);
CREATE INDEX rendered_page_city ON rendered_page (city);

INSERT INTO page_scope (city) SELECT slug FROM municipality;

CREATE OR REPLACE FUNCTION note_public_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change public_change%ROWTYPE;
BEGIN
    INSERT INTO public_change (city)
         VALUES (NULLIF(current_setting('mokuhyo.city', true), ''))
    ON CONFLICT (txid) DO NOTHING
    RETURNING * INTO change;
    IF FOUND THEN
        -- Upserts, so that a row a server creates meanwhile waits for this transaction.
        IF change.city IS NULL THEN
            INSERT INTO page_scope (city) SELECT slug FROM municipality
            ON CONFLICT (city) DO UPDATE SET version = page_scope.version + 1;
            DELETE FROM rendered_page;
        ELSE
            INSERT INTO page_scope (city) VALUES (change.city)
            ON CONFLICT (city) DO UPDATE SET version = page_scope.version + 1;
            DELETE FROM rendered_page WHERE city = change.city;
        END IF;
        PERFORM pg_notify('mokuhyo_public', change.id || ':' || COALESCE(change.city, ''));
    END IF;
    RETURN NULL;
END $$;
