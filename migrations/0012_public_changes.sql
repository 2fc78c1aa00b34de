-- Public pages are rendered once and served from each server's memory. Every transaction
-- that writes a table public pages read records itself here (one row per transaction) and
-- notifies the channel `mokuhyo_public` at commit, so every server drops its rendered pages
-- within milliseconds; servers that missed a notification (a dropped listening connection)
-- notice the changed count on their periodic check. Rolled-back writes leave no trace.
CREATE TABLE public_change (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid xid8 NOT NULL UNIQUE DEFAULT pg_current_xact_id(),
    at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION note_public_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public_change DEFAULT VALUES ON CONFLICT (txid) DO NOTHING;
    PERFORM pg_notify('mokuhyo_public', '');
    RETURN NULL;
END $$;

-- Every table except those public pages never read (drafts, staff, sessions, jobs). A test
-- lists the tables without the trigger, so a new table makes its author decide.
DO $$
DECLARE t text;
BEGIN
    FOR t IN
        SELECT tablename FROM pg_tables
         WHERE schemaname = current_schema()
           AND tablename NOT IN (
               '_sqlx_migrations', 'public_change',
               'goal', 'goal_pillar', 'initiative', 'initiative_section', 'criterion',
               'criterion_result', 'initiative_result', 'goal_result', 'department_profile',
               'app_user', 'role_assignment', 'session', 'login_failure', 'audit_event',
               'sheet_event', 'import_job')
    LOOP
        EXECUTE format(
            'CREATE TRIGGER public_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                 FOR EACH STATEMENT EXECUTE FUNCTION note_public_change()', t);
    END LOOP;
END $$;

-- The address of the city's own website where a downloaded static copy of its pages is put:
-- links from the copy to pages outside it (other years, search) point there.
ALTER TABLE municipality ADD COLUMN public_base_url TEXT NOT NULL DEFAULT ''
    CHECK (public_base_url = '' OR public_base_url ~ '^https?://[^\s<>"]+$');

-- 「prefectures」 names the city list's pages.
ALTER TABLE municipality DROP CONSTRAINT municipality_slug_check;
ALTER TABLE municipality ADD CONSTRAINT municipality_slug_check CHECK (
    slug ~ '^[a-z][a-z0-9-]{1,30}$'
    AND slug NOT IN ('static', 'login', 'logout', 'staff', 'open-data', 'api', 'prefectures'));
