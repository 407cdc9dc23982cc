-- bench/ab.sh AB_AFTER_SQL: the table-revision statistics triggers as migration 0013 defines
-- them (a table change counted once, as its net effect), back from
-- bench/ab/stats_revisions_0012.sql. Idempotent.
CREATE OR REPLACE FUNCTION stats_type_name(type text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN split_part(split_part(lower(type), '(', 1), '<', 1);
CREATE OR REPLACE FUNCTION stats_revision_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Closed, and its successor opened by this same statement (visible to an AFTER trigger):
    -- the successor's insert trigger counts both.
    IF OLD.end_seq IS NULL AND NEW.end_seq IS NOT NULL AND EXISTS (
        SELECT FROM table_revisions r
        WHERE r.product_id = NEW.product_id AND r.table_name = NEW.table_name
          AND r.first_seq = NEW.end_seq AND r.end_seq IS NULL)
    THEN
        PERFORM set_config('daap.stats_replaced',
                           COALESCE(current_setting('daap.stats_replaced', true), '')
                           || stats_replacement_marker(NEW.product_id, NEW.table_name,
                                                       NEW.end_seq),
                           true);
        RETURN NULL;
    END IF;
    PERFORM stats_revision_replaced(
        OLD.product_id,
        CASE WHEN OLD.end_seq IS NULL THEN OLD.table_description END,
        CASE WHEN OLD.end_seq IS NULL THEN OLD.columns END,
        CASE WHEN NEW.end_seq IS NULL THEN NEW.table_description END,
        CASE WHEN NEW.end_seq IS NULL THEN NEW.columns END);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION stats_revision_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_marker text := stats_replacement_marker(NEW.product_id, NEW.table_name, NEW.first_seq);
    d_markers text := current_setting('daap.stats_replaced', true);
    d_before table_revisions;
BEGIN
    IF d_markers IS NOT NULL AND strpos(d_markers, d_marker) > 0 THEN
        PERFORM set_config('daap.stats_replaced', replace(d_markers, d_marker, ''), true);
        -- The revision this one replaces: the table's latest before it (the primary key, read
        -- backwards), which its statement closed at NEW.first_seq.
        SELECT * INTO d_before
        FROM table_revisions r
        WHERE r.product_id = NEW.product_id AND r.table_name = NEW.table_name
          AND r.first_seq < NEW.first_seq
        ORDER BY r.first_seq DESC
        LIMIT 1;
        PERFORM stats_revision_replaced(NEW.product_id, d_before.table_description,
                                        d_before.columns, NEW.table_description, NEW.columns);
    ELSE
        PERFORM stats_revision_replaced(NEW.product_id, NULL, NULL, NEW.table_description,
                                        NEW.columns);
    END IF;
    RETURN NULL;
END
$$;
DROP FUNCTION IF EXISTS stats_revision_counted(bigint, integer, text, jsonb);
