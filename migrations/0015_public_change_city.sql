-- A public change names the city it belongs to, so that a publication in one city does not
-- empty every other city's rendered pages. A transaction that writes one city's data says so
-- first (`SELECT set_config('mokuhyo.city', slug, true)`, see db::public::scope_changes_to);
-- one that says nothing (a command, a change to several cities) names no city, and every
-- server forgets everything, as before. The notification carries `id:slug` (slug empty when
-- no city is named), so a server knows which change it heard.
ALTER TABLE public_change ADD COLUMN city TEXT;

CREATE OR REPLACE FUNCTION note_public_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change public_change%ROWTYPE;
BEGIN
    INSERT INTO public_change (city)
         VALUES (NULLIF(current_setting('mokuhyo.city', true), ''))
    ON CONFLICT (txid) DO NOTHING
    RETURNING * INTO change;
    IF FOUND THEN
        PERFORM pg_notify('mokuhyo_public', change.id || ':' || COALESCE(change.city, ''));
    END IF;
    RETURN NULL;
END $$;

-- The periodic check reads the changes of transactions that may have ended since its last
-- look (by transaction id).
CREATE INDEX public_change_txid ON public_change (txid);
