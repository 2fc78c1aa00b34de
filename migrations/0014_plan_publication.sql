-- A multi-year plan is public only once planning staff publish it (its head and structure;
-- each year's progress is published on its own, as before). Plans that existed before this
-- change were public already and stay so.
ALTER TABLE policy ADD COLUMN published_at TIMESTAMPTZ;
UPDATE policy SET published_at = now() WHERE slug IS NOT NULL;

-- Withdrawing a plan from the public pages is in its history.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_action_check
    CHECK (action IN ('create', 'update', 'delete', 'move', 'import', 'review', 'publish', 'withdraw'));

-- A plan item's 担当課 are linked to the sections bearing those names (so their chiefs record
-- its actuals). A section created or renamed later — by hand, by an import, by a new year's
-- carry-over — is linked here, whichever way it came.
CREATE FUNCTION link_section_to_plan_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM plan_item_section l USING plan_item i
         WHERE l.section_id = NEW.id AND i.id = l.item_id AND NOT (NEW.name = ANY (i.sections));
    END IF;
    INSERT INTO plan_item_section (municipality_id, item_id, section_id)
    SELECT NEW.municipality_id, i.id, NEW.id FROM plan_item i
     WHERE i.municipality_id = NEW.municipality_id AND NEW.name = ANY (i.sections)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER section_plan_items AFTER INSERT OR UPDATE OF name ON section
    FOR EACH ROW EXECUTE FUNCTION link_section_to_plan_items();
