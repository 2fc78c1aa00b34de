-- Copies one city's published organization, years, publications and plans into a new city
-- (for load tests: `mokuhyo clone-city`). Created in pg_temp for the session that runs it.
--
-- Ids are shifted, not looked up: each table's rows of the source city get a block of new
-- ids (old id - the source's smallest + the block's start), and every column referring to
-- a table by its id is shifted by that table's same offset. Accounts, sessions, drafts'
-- history and jobs are not copied.
CREATE OR REPLACE FUNCTION pg_temp.mokuhyo_clone_city(source_slug text, numbers int[])
RETURNS int LANGUAGE plpgsql AS $fn$
DECLARE
    tables text[] := ARRAY[
        'policy', 'goal_category', 'pillar', 'fiscal_year', 'booklet_section', 'department',
        'section', 'goal', 'goal_pillar', 'initiative', 'initiative_section', 'criterion',
        'sheet', 'publication', 'criterion_result', 'initiative_result', 'goal_result',
        'department_profile', 'plan_item', 'plan_item_place', 'plan_indicator', 'plan_target',
        'plan_actual', 'plan_year_publication', 'plan_target_revision', 'plan_item_note',
        'plan_year_review', 'plan_item_section'];
    has_id text[] := '{}';
    statements text[] := '{}';
    src municipality%ROWTYPE;
    mid bigint;
    k int;
    i int;
    t text;
    lo bigint;
    hi bigint;
    start bigint;
    seq text;
    offsets jsonb;
    cols text;
    exprs text;
    made int := 0;
BEGIN
    SELECT * INTO src FROM municipality WHERE slug = source_slug;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no city with the slug %', source_slug;
    END IF;
    -- Each table's INSERT … SELECT, with placeholders for the offsets: %1$s is the new city,
    -- %2$s the source city, and {table} the offset of the table's ids.
    FOREACH t IN ARRAY tables LOOP
        SELECT string_agg(format('%I', c.column_name), ', ' ORDER BY c.ordinal_position),
               string_agg(
                   CASE
                       WHEN c.column_name = 'municipality_id' THEN '$1'
                       WHEN c.column_name = 'id' THEN 'id + {' || t || '}'
                       WHEN r.target IS NOT NULL THEN
                           format('%I', c.column_name) || ' + {' || r.target || '}'
                       ELSE format('%I', c.column_name)
                   END, ', ' ORDER BY c.ordinal_position)
          INTO cols, exprs
          FROM information_schema.columns c
          LEFT JOIN LATERAL (
              -- The table a column refers to by id (alone or beside municipality_id).
              SELECT f.confrelid::regclass::text AS target
                FROM pg_constraint f
                JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = ANY (f.conkey)
                JOIN pg_attribute ra ON ra.attrelid = f.confrelid
                 AND ra.attnum = f.confkey[array_position(f.conkey, a.attnum)]
               WHERE f.contype = 'f' AND f.conrelid = t::regclass
                 AND a.attname = c.column_name AND ra.attname = 'id'
               LIMIT 1) r ON true
         WHERE c.table_schema = current_schema() AND c.table_name = t
           AND c.is_generated = 'NEVER';
        statements := statements || format(
            'INSERT INTO %I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %I WHERE municipality_id = $2',
            t, cols, exprs, t);
        IF EXISTS (SELECT 1 FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = t
                      AND column_name = 'id') THEN
            has_id := has_id || t;
        END IF;
    END LOOP;
    FOREACH k IN ARRAY numbers LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM municipality WHERE slug = source_slug || '-' || k);
        INSERT INTO municipality (slug, name, name_kana, local_government_code, sheet_layout, about)
        VALUES (source_slug || '-' || k, src.name || k, src.name_kana,
                -- Spread over the 47 prefectures, numbered from 600 (no real city's code).
                lpad(((k - 1) % 47 + 1)::text, 2, '0') || lpad((600 + (k - 1) / 47)::text, 3, '0') || '0',
                src.sheet_layout, src.about)
        RETURNING id INTO mid;
        -- Reserve each table's block of ids.
        offsets := '{}';
        FOREACH t IN ARRAY tables LOOP
            IF t = ANY (has_id) THEN
                EXECUTE format('SELECT min(id), max(id) FROM %I WHERE municipality_id = $1', t)
                   INTO lo, hi USING src.id;
                IF lo IS NOT NULL THEN
                    seq := pg_get_serial_sequence(t, 'id');
                    start := nextval(seq);
                    PERFORM setval(seq, start + (hi - lo) + 1);
                    offsets := offsets || jsonb_build_object(t, start - lo);
                END IF;
            END IF;
        END LOOP;
        FOR i IN 1 .. array_length(statements, 1) LOOP
            cols := statements[i];
            FOREACH t IN ARRAY tables LOOP
                cols := replace(cols, '{' || t || '}', COALESCE(offsets ->> t, '0'));
            END LOOP;
            -- A table not copied (an account): its ids are kept.
            cols := regexp_replace(cols, '\{[a-z_]+\}', '0', 'g');
            EXECUTE cols USING mid, src.id;
        END LOOP;
        made := made + 1;
    END LOOP;
    RETURN made;
END
$fn$;
