-- bench/ab.sh AB_AFTER_SQL: the statistics as migration 0012 keeps them (append-only counter
-- rows, row-level triggers), back from bench/ab/stats_in_place.sql. Idempotent.
DROP TRIGGER IF EXISTS data_products_stats_insert ON data_products;
DROP TRIGGER IF EXISTS data_products_stats_update ON data_products;
DROP TRIGGER IF EXISTS data_product_versions_stats ON data_product_versions;
DROP TRIGGER IF EXISTS table_revisions_stats_insert ON table_revisions;
DROP TRIGGER IF EXISTS table_revisions_stats_update ON table_revisions;
DROP TRIGGER IF EXISTS uploads_stats_insert ON uploads;
DROP TRIGGER IF EXISTS uploads_stats_update ON uploads;
ALTER TABLE stats_products DROP CONSTRAINT IF EXISTS stats_products_pkey;
ALTER TABLE stats_catalogue DROP CONSTRAINT IF EXISTS stats_catalogue_pkey, DROP COLUMN IF EXISTS shard;
ALTER TABLE stats_column_types DROP CONSTRAINT IF EXISTS stats_column_types_pkey, DROP COLUMN IF EXISTS shard;
ALTER TABLE stats_versions_weekly DROP CONSTRAINT IF EXISTS stats_versions_weekly_pkey, DROP COLUMN IF EXISTS shard;
ALTER TABLE stats_majors DROP CONSTRAINT IF EXISTS stats_majors_pkey;
ALTER TABLE stats_last_change DROP CONSTRAINT IF EXISTS stats_last_change_pkey, DROP COLUMN IF EXISTS shard;
ALTER TABLE stats_missing DROP CONSTRAINT IF EXISTS stats_missing_pkey;
ALTER TABLE stats_uploads_daily DROP CONSTRAINT IF EXISTS stats_uploads_daily_pkey;
CREATE TRIGGER data_products_stats_insert AFTER INSERT ON data_products
    FOR EACH ROW WHEN (NEW.deleted_at IS NULL)
    EXECUTE FUNCTION stats_product_registered();

CREATE TRIGGER data_products_stats_update AFTER UPDATE ON data_products
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL)
    EXECUTE FUNCTION stats_product_updated();

CREATE TRIGGER data_product_versions_stats AFTER INSERT ON data_product_versions
    FOR EACH ROW EXECUTE FUNCTION stats_version_made();

CREATE TRIGGER table_revisions_stats_insert AFTER INSERT ON table_revisions
    FOR EACH ROW WHEN (NEW.end_seq IS NULL)
    EXECUTE FUNCTION stats_revision_inserted();

CREATE TRIGGER table_revisions_stats_update AFTER UPDATE ON table_revisions
    FOR EACH ROW WHEN (OLD.end_seq IS NULL OR NEW.end_seq IS NULL)
    EXECUTE FUNCTION stats_revision_updated();

CREATE TRIGGER uploads_stats_insert AFTER INSERT ON uploads
    FOR EACH ROW EXECUTE FUNCTION stats_upload_written();

CREATE TRIGGER uploads_stats_update AFTER UPDATE ON uploads
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION stats_upload_written();
SELECT stats_compact();
