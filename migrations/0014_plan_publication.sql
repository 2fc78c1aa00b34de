-- A multi-year plan is public only once planning staff publish it (its head and structure;
-- each year's progress is published on its own, as before). Plans that existed before this
-- change were public already and stay so.
ALTER TABLE policy ADD COLUMN published_at TIMESTAMPTZ;
UPDATE policy SET published_at = now() WHERE slug IS NOT NULL;

-- Withdrawing a plan from the public pages is in its history.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_action_check
    CHECK (action IN ('create', 'update', 'delete', 'move', 'import', 'review', 'publish', 'withdraw'));
