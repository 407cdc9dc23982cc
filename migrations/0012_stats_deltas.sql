-- The statistics counters become append-only, and their triggers row-level.
--
-- Before this migration every write updated shared counter rows in place (INSERT ... ON
-- CONFLICT DO UPDATE): the row of its product's domain and status, of today's day, of each
-- requirement it lacked, of this week's versions. Concurrent writers of different products
-- therefore queued on the same few rows, each holding the row until its commit (its WAL
-- flush), and the statement-level triggers spent most of a metadata write's PostgreSQL CPU
-- digesting transition tables to find that most deltas cancel out. Measured with pgbench on
-- the write's own statement, 16 clients: the statistics triggers cut a metadata write's rate
-- by 2x to 4.5x (docs/performance-log.md).
--
-- Now:
--
-- * A counter table holds *deltas*: any number of rows per key, the figure being their sum.
--   A write only inserts rows (never updates one another writer may touch), so writers never
--   wait for each other here, and shards are no longer needed.
-- * The triggers are row-level, and do only what the row's change implies: a metadata write
--   that keeps the product's domain, status, day and flags updates its own stats_product row
--   and inserts one row for this week's versions; statements that write no row (the table
--   revision parts of a metadata write) fire nothing. daap writes one product per statement.
-- * stats_compact() folds each key's rows into one (daap runs it every few seconds, see
--   src/store/stats.rs), so that reads stay O(groups + recent writes). Reads sum per key and
--   are exact whether or not compaction has run.
--
-- stats_product (one row per live product) stays a row per product, updated in place by that
-- product's writes only (which its row lock already serialises): the product list's filters
-- and the "most changed"/"stalest" lists read it through its indexes.

-- 1. Counter tables: no unique key and no shard; rows are deltas.
ALTER TABLE stats_products DROP CONSTRAINT stats_products_pkey;
ALTER TABLE stats_catalogue DROP CONSTRAINT stats_catalogue_pkey, DROP COLUMN shard;
ALTER TABLE stats_column_types DROP CONSTRAINT stats_column_types_pkey, DROP COLUMN shard;
ALTER TABLE stats_versions_weekly DROP CONSTRAINT stats_versions_weekly_pkey, DROP COLUMN shard;
ALTER TABLE stats_majors DROP CONSTRAINT stats_majors_pkey;
ALTER TABLE stats_last_change DROP CONSTRAINT stats_last_change_pkey, DROP COLUMN shard;
ALTER TABLE stats_missing DROP CONSTRAINT stats_missing_pkey;
ALTER TABLE stats_uploads_daily DROP CONSTRAINT stats_uploads_daily_pkey;

-- 2. The old triggers and their functions.
DROP TRIGGER data_products_stats_insert ON data_products;
DROP TRIGGER data_products_stats_update ON data_products;
DROP TRIGGER data_product_versions_stats ON data_product_versions;
DROP TRIGGER table_revisions_stats_insert ON table_revisions;
DROP TRIGGER table_revisions_stats_update ON table_revisions;
DROP TRIGGER uploads_stats_insert ON uploads;
DROP TRIGGER uploads_stats_update ON uploads;
DROP FUNCTION stats_products_inserted();
DROP FUNCTION stats_products_updated();
DROP FUNCTION stats_apply_products(bigint[], integer[], text[], product_status[],
                                   timestamptz[], text[]);
DROP FUNCTION stats_versions_inserted();
DROP FUNCTION stats_revisions_inserted();
DROP FUNCTION stats_revisions_updated();
DROP FUNCTION stats_apply_revisions(bigint[], integer[], integer[], integer[], integer[], text[],
                                    smallint[], integer[]);
DROP FUNCTION stats_uploads_changed();
DROP FUNCTION stats_shard(bigint);

-- 3. Products. A registration joins its groups; an update of a live product moves it between
-- groups only where its domain and status, the day of its latest version or its flags
-- changed; a deletion takes it, its tables and its columns out of every figure.
CREATE FUNCTION stats_product_registered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_product (product_id, changes, last_change)
    VALUES (NEW.id, NEW.current_seq - 1, NEW.updated_at);
    INSERT INTO stats_products (domain, status, products) VALUES (NEW.domain, NEW.status, 1);
    INSERT INTO stats_last_change (day, products) VALUES (stats_day(NEW.updated_at), 1);
    INSERT INTO stats_missing (requirement, products)
    SELECT requirement, 1
    FROM unnest(stats_missing_flags(NEW.data_product_maintainer, NEW.dpia_required, NEW.tags,
                                    0, 0)) AS requirement;
    RETURN NULL;
END
$$;

CREATE FUNCTION stats_product_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_before stats_product;
    d_old_flags text[];
    d_new_flags text[];
BEGIN
    IF NEW.deleted_at IS NOT NULL THEN
        DELETE FROM stats_product WHERE product_id = OLD.id RETURNING * INTO d_before;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        INSERT INTO stats_products (domain, status, products) VALUES (OLD.domain, OLD.status, -1);
        INSERT INTO stats_last_change (day, products) VALUES (stats_day(OLD.updated_at), -1);
        INSERT INTO stats_missing (requirement, products)
        SELECT requirement, -1
        FROM unnest(stats_missing_flags(OLD.data_product_maintainer, OLD.dpia_required, OLD.tags,
                                        d_before.undescribed_tables,
                                        d_before.undescribed_columns)) AS requirement;
        IF d_before.tables <> 0 THEN
            INSERT INTO stats_catalogue (tables, columns)
            VALUES (-d_before.tables, -d_before.columns);
            INSERT INTO stats_column_types (type_name, columns)
            SELECT stats_type_name(c ->> 'type'), -count(*)
            FROM table_revisions r, jsonb_array_elements(r.columns) AS c
            WHERE r.product_id = OLD.id AND r.end_seq IS NULL
            GROUP BY 1;
        END IF;
        RETURN NULL;
    END IF;

    UPDATE stats_product SET changes = NEW.current_seq - 1, last_change = NEW.updated_at
    WHERE product_id = NEW.id
      AND (changes, last_change) IS DISTINCT FROM (NEW.current_seq - 1, NEW.updated_at);
    IF (OLD.domain, OLD.status) IS DISTINCT FROM (NEW.domain, NEW.status) THEN
        INSERT INTO stats_products (domain, status, products)
        VALUES (OLD.domain, OLD.status, -1), (NEW.domain, NEW.status, 1);
    END IF;
    IF stats_day(OLD.updated_at) <> stats_day(NEW.updated_at) THEN
        INSERT INTO stats_last_change (day, products)
        VALUES (stats_day(OLD.updated_at), -1), (stats_day(NEW.updated_at), 1);
    END IF;
    -- The description flags follow stats_product's counts, which a change of the product row
    -- leaves as they are: only the flags read from the row itself can move.
    d_old_flags := stats_missing_flags(OLD.data_product_maintainer, OLD.dpia_required, OLD.tags,
                                       0, 0);
    d_new_flags := stats_missing_flags(NEW.data_product_maintainer, NEW.dpia_required, NEW.tags,
                                       0, 0);
    IF d_old_flags <> d_new_flags THEN
        INSERT INTO stats_missing (requirement, products)
        SELECT requirement, -1 FROM unnest(d_old_flags) AS requirement
        WHERE requirement <> ALL (d_new_flags)
        UNION ALL
        SELECT requirement, 1 FROM unnest(d_new_flags) AS requirement
        WHERE requirement <> ALL (d_old_flags);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER data_products_stats_insert AFTER INSERT ON data_products
    FOR EACH ROW WHEN (NEW.deleted_at IS NULL)
    EXECUTE FUNCTION stats_product_registered();
-- A deleted product is never written again, and counts for nothing.
CREATE TRIGGER data_products_stats_update AFTER UPDATE ON data_products
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL)
    EXECUTE FUNCTION stats_product_updated();

-- 4. Versions: made this week, and breaking ones by domain (versions of products deleted
-- since still count as made).
CREATE FUNCTION stats_version_made() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_versions_weekly (week, bump, versions)
    VALUES (stats_week(NEW.created_at), NEW.bump, 1);
    IF NEW.bump = 'major' THEN
        INSERT INTO stats_majors (domain, versions) VALUES (NEW.domain, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER data_product_versions_stats AFTER INSERT ON data_product_versions
    FOR EACH ROW EXECUTE FUNCTION stats_version_made();

-- 5. Table revisions. An open revision (end_seq NULL) of a live product (one with a
-- stats_product row) counts; opening one adds it (`sign` 1), closing one takes it away (-1).
CREATE FUNCTION stats_revision_counted(p_product_id bigint, p_sign integer,
                                       p_description text, p_columns jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d_columns integer := p_sign * jsonb_array_length(p_columns);
    d_undescribed_table integer := p_sign * stats_blank(p_description)::integer;
    d_undescribed_columns integer := p_sign * stats_undescribed_columns(p_columns);
    d_after stats_product;
    d_tables_flag integer;
    d_columns_flag integer;
BEGIN
    UPDATE stats_product
    SET tables = tables + p_sign, columns = columns + d_columns,
        undescribed_tables = undescribed_tables + d_undescribed_table,
        undescribed_columns = undescribed_columns + d_undescribed_columns
    WHERE product_id = p_product_id
    RETURNING * INTO d_after;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO stats_catalogue (tables, columns) VALUES (p_sign, d_columns);
    INSERT INTO stats_column_types (type_name, columns)
    SELECT stats_type_name(c ->> 'type'), p_sign * count(*)
    FROM jsonb_array_elements(p_columns) AS c
    GROUP BY 1;
    -- Whether the product started or stopped lacking descriptions.
    d_tables_flag := (d_after.undescribed_tables > 0)::integer
        - (d_after.undescribed_tables - d_undescribed_table > 0)::integer;
    d_columns_flag := (d_after.undescribed_columns > 0)::integer
        - (d_after.undescribed_columns - d_undescribed_columns > 0)::integer;
    IF d_tables_flag <> 0 OR d_columns_flag <> 0 THEN
        INSERT INTO stats_missing (requirement, products)
        SELECT requirement, delta
        FROM (VALUES ('tableDescriptions', d_tables_flag),
                     ('columnDescriptions', d_columns_flag)) AS m(requirement, delta)
        WHERE delta <> 0;
    END IF;
END
$$;

CREATE FUNCTION stats_revision_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_revision_counted(NEW.product_id, 1, NEW.table_description, NEW.columns);
    RETURN NULL;
END
$$;

CREATE FUNCTION stats_revision_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.end_seq IS NULL THEN
        PERFORM stats_revision_counted(OLD.product_id, -1, OLD.table_description, OLD.columns);
    END IF;
    IF NEW.end_seq IS NULL THEN
        PERFORM stats_revision_counted(NEW.product_id, 1, NEW.table_description, NEW.columns);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER table_revisions_stats_insert AFTER INSERT ON table_revisions
    FOR EACH ROW WHEN (NEW.end_seq IS NULL)
    EXECUTE FUNCTION stats_revision_inserted();
CREATE TRIGGER table_revisions_stats_update AFTER UPDATE ON table_revisions
    FOR EACH ROW WHEN (OLD.end_seq IS NULL OR NEW.end_seq IS NULL)
    EXECUTE FUNCTION stats_revision_updated();

-- 6. Uploads by the day they were issued and their status now.
CREATE FUNCTION stats_upload_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO stats_uploads_daily (day, status, uploads)
        VALUES (stats_day(OLD.created_at), OLD.status, -1);
    END IF;
    INSERT INTO stats_uploads_daily (day, status, uploads)
    VALUES (stats_day(NEW.created_at), NEW.status, 1);
    RETURN NULL;
END
$$;

CREATE TRIGGER uploads_stats_insert AFTER INSERT ON uploads
    FOR EACH ROW EXECUTE FUNCTION stats_upload_written();
CREATE TRIGGER uploads_stats_update AFTER UPDATE ON uploads
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION stats_upload_written();

-- 7. Folding: every key with more than one row gets one row, their sum (none when it is 0).
-- Readers see the rows before or after, never a mix (one transaction), and the sums are the
-- same; writes inserting meanwhile are not seen and stay for the next fold. One folder at a
-- time (a second returns at once), so that two never wait on each other's rows. Returns the
-- number of rows folded away.
CREATE FUNCTION stats_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    d_folded bigint := 0;
    d_rows bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('daap.stats_compact', 0)) THEN
        RETURN 0;
    END IF;

    WITH gone AS (
        DELETE FROM stats_products s
        USING (SELECT domain, status FROM stats_products GROUP BY 1, 2 HAVING count(*) > 1) k
        WHERE s.domain = k.domain AND s.status = k.status
        RETURNING s.domain, s.status, s.products
    ), folded AS (
        INSERT INTO stats_products (domain, status, products)
        SELECT domain, status, sum(products) FROM gone GROUP BY 1, 2 HAVING sum(products) <> 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    WITH gone AS (
        DELETE FROM stats_catalogue s
        WHERE (SELECT count(*) FROM stats_catalogue) > 1
        RETURNING s.tables, s.columns
    ), folded AS (
        INSERT INTO stats_catalogue (tables, columns)
        SELECT sum(tables), sum(columns) FROM gone HAVING count(*) > 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    WITH gone AS (
        DELETE FROM stats_column_types s
        USING (SELECT type_name FROM stats_column_types GROUP BY 1 HAVING count(*) > 1) k
        WHERE s.type_name = k.type_name
        RETURNING s.type_name, s.columns
    ), folded AS (
        INSERT INTO stats_column_types (type_name, columns)
        SELECT type_name, sum(columns) FROM gone GROUP BY 1 HAVING sum(columns) <> 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    WITH gone AS (
        DELETE FROM stats_versions_weekly s
        USING (SELECT week, bump FROM stats_versions_weekly GROUP BY 1, 2 HAVING count(*) > 1) k
        WHERE s.week = k.week AND s.bump = k.bump
        RETURNING s.week, s.bump, s.versions
    ), folded AS (
        INSERT INTO stats_versions_weekly (week, bump, versions)
        SELECT week, bump, sum(versions) FROM gone GROUP BY 1, 2 HAVING sum(versions) <> 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    WITH gone AS (
        DELETE FROM stats_majors s
        USING (SELECT domain FROM stats_majors GROUP BY 1 HAVING count(*) > 1) k
        WHERE s.domain = k.domain
        RETURNING s.domain, s.versions
    ), folded AS (
        INSERT INTO stats_majors (domain, versions)
        SELECT domain, sum(versions) FROM gone GROUP BY 1 HAVING sum(versions) <> 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    WITH gone AS (
        DELETE FROM stats_last_change s
        USING (SELECT day FROM stats_last_change GROUP BY 1 HAVING count(*) > 1) k
        WHERE s.day = k.day
        RETURNING s.day, s.products
    ), folded AS (
        INSERT INTO stats_last_change (day, products)
        SELECT day, sum(products) FROM gone GROUP BY 1 HAVING sum(products) <> 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    WITH gone AS (
        DELETE FROM stats_missing s
        USING (SELECT requirement FROM stats_missing GROUP BY 1 HAVING count(*) > 1) k
        WHERE s.requirement = k.requirement
        RETURNING s.requirement, s.products
    ), folded AS (
        INSERT INTO stats_missing (requirement, products)
        SELECT requirement, sum(products) FROM gone GROUP BY 1 HAVING sum(products) <> 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    WITH gone AS (
        DELETE FROM stats_uploads_daily s
        USING (SELECT day, status FROM stats_uploads_daily GROUP BY 1, 2 HAVING count(*) > 1) k
        WHERE s.day = k.day AND s.status = k.status
        RETURNING s.day, s.status, s.uploads
    ), folded AS (
        INSERT INTO stats_uploads_daily (day, status, uploads)
        SELECT day, status, sum(uploads) FROM gone GROUP BY 1, 2 HAVING sum(uploads) <> 0
    )
    SELECT count(*) INTO d_rows FROM gone;
    d_folded := d_folded + d_rows;

    RETURN d_folded;
END
$$;

-- 8. Every counter from scratch, in the new shapes (as in 0009: run it with writes stopped).
CREATE OR REPLACE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE stats_product, stats_products, stats_catalogue, stats_column_types,
             stats_versions_weekly, stats_majors, stats_last_change, stats_missing,
             stats_uploads_daily;

    INSERT INTO stats_product (product_id, changes, last_change, tables, columns,
                               undescribed_tables, undescribed_columns)
    SELECT p.id, p.current_seq - 1, p.updated_at, t.tables, t.columns,
           t.undescribed_tables, t.undescribed_columns
    FROM data_products p,
         LATERAL (SELECT count(*)::integer AS tables,
                         COALESCE(sum(jsonb_array_length(r.columns)), 0)::integer AS columns,
                         count(*) FILTER (WHERE stats_blank(r.table_description))::integer
                             AS undescribed_tables,
                         COALESCE(sum(stats_undescribed_columns(r.columns)), 0)::integer
                             AS undescribed_columns
                  FROM table_revisions r
                  WHERE r.product_id = p.id AND r.end_seq IS NULL) AS t
    WHERE p.deleted_at IS NULL;

    INSERT INTO stats_products (domain, status, products)
    SELECT domain, status, count(*) FROM data_products WHERE deleted_at IS NULL GROUP BY 1, 2;

    INSERT INTO stats_catalogue (tables, columns)
    SELECT sum(tables), sum(columns) FROM stats_product HAVING count(*) > 0;

    INSERT INTO stats_column_types (type_name, columns)
    SELECT stats_type_name(c ->> 'type'), count(*)
    FROM table_revisions r JOIN stats_product s ON s.product_id = r.product_id,
         jsonb_array_elements(r.columns) AS c
    WHERE r.end_seq IS NULL
    GROUP BY 1;

    INSERT INTO stats_versions_weekly (week, bump, versions)
    SELECT stats_week(created_at), bump, count(*) FROM data_product_versions GROUP BY 1, 2;

    INSERT INTO stats_majors (domain, versions)
    SELECT domain, count(*) FROM data_product_versions WHERE bump = 'major' GROUP BY 1;

    INSERT INTO stats_last_change (day, products)
    SELECT stats_day(last_change), count(*) FROM stats_product GROUP BY 1;

    INSERT INTO stats_missing (requirement, products)
    SELECT f.requirement, count(*)
    FROM data_products p JOIN stats_product s ON s.product_id = p.id,
         unnest(stats_missing_flags(p.data_product_maintainer, p.dpia_required, p.tags,
                                    s.undescribed_tables, s.undescribed_columns))
             AS f(requirement)
    GROUP BY 1;

    INSERT INTO stats_uploads_daily (day, status, uploads)
    SELECT stats_day(created_at), status, count(*) FROM uploads GROUP BY 1, 2;
END
$$;

-- The shards' rows of one key become one row.
SELECT stats_compact();
