-- The revision triggers and the marker function as migration 0013 left them, for bench/ab.sh's
-- before side (AB_BEFORE_SQL) against migration 0014 as its after side (AB_AFTER_SQL; it may
-- run again): every table write counted by the triggers from the revisions' JSON, with an
-- IMMUTABLE marker function that PostgreSQL cannot inline. See docs/performance-log.md.
CREATE OR REPLACE FUNCTION stats_replacement_marker(p_product_id bigint, p_table_name text,
                                                    p_seq integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ' ' || p_product_id || '/' || p_table_name || '/' || p_seq || ' ';

DROP TRIGGER IF EXISTS table_revisions_stats_insert ON table_revisions;
DROP TRIGGER IF EXISTS table_revisions_stats_update ON table_revisions;
CREATE TRIGGER table_revisions_stats_insert AFTER INSERT ON table_revisions
    FOR EACH ROW EXECUTE FUNCTION stats_revision_inserted();
CREATE TRIGGER table_revisions_stats_update AFTER UPDATE ON table_revisions
    FOR EACH ROW EXECUTE FUNCTION stats_revision_updated();
