-- bench/ab.sh AB_BEFORE_SQL: the statistics as migrations 0009 and 0011 kept them (counter
-- rows updated in place, sharded, by statement-level triggers), on a database migrated past
-- 0012. Idempotent: applied before each "before" round; bench/ab/stats_deltas.sql goes back.
DROP TRIGGER IF EXISTS data_products_stats_insert ON data_products;
DROP TRIGGER IF EXISTS data_products_stats_update ON data_products;
DROP TRIGGER IF EXISTS data_product_versions_stats ON data_product_versions;
DROP TRIGGER IF EXISTS table_revisions_stats_insert ON table_revisions;
DROP TRIGGER IF EXISTS table_revisions_stats_update ON table_revisions;
DROP TRIGGER IF EXISTS uploads_stats_insert ON uploads;
DROP TRIGGER IF EXISTS uploads_stats_update ON uploads;
SELECT stats_compact();
ALTER TABLE stats_products DROP CONSTRAINT IF EXISTS stats_products_pkey;
ALTER TABLE stats_catalogue DROP CONSTRAINT IF EXISTS stats_catalogue_pkey;
ALTER TABLE stats_column_types DROP CONSTRAINT IF EXISTS stats_column_types_pkey;
ALTER TABLE stats_versions_weekly DROP CONSTRAINT IF EXISTS stats_versions_weekly_pkey;
ALTER TABLE stats_majors DROP CONSTRAINT IF EXISTS stats_majors_pkey;
ALTER TABLE stats_last_change DROP CONSTRAINT IF EXISTS stats_last_change_pkey;
ALTER TABLE stats_missing DROP CONSTRAINT IF EXISTS stats_missing_pkey;
ALTER TABLE stats_uploads_daily DROP CONSTRAINT IF EXISTS stats_uploads_daily_pkey;
ALTER TABLE stats_catalogue ADD COLUMN IF NOT EXISTS shard smallint NOT NULL DEFAULT 0;
ALTER TABLE stats_column_types ADD COLUMN IF NOT EXISTS shard smallint NOT NULL DEFAULT 0;
ALTER TABLE stats_versions_weekly ADD COLUMN IF NOT EXISTS shard smallint NOT NULL DEFAULT 0;
ALTER TABLE stats_last_change ADD COLUMN IF NOT EXISTS shard smallint NOT NULL DEFAULT 0;
ALTER TABLE stats_products ADD PRIMARY KEY (domain, status);
ALTER TABLE stats_catalogue ADD PRIMARY KEY (shard);
ALTER TABLE stats_column_types ADD PRIMARY KEY (type_name, shard);
ALTER TABLE stats_versions_weekly ADD PRIMARY KEY (week, bump, shard);
ALTER TABLE stats_majors ADD PRIMARY KEY (domain);
ALTER TABLE stats_last_change ADD PRIMARY KEY (day, shard);
ALTER TABLE stats_missing ADD PRIMARY KEY (requirement);
ALTER TABLE stats_uploads_daily ADD PRIMARY KEY (day, status);

CREATE OR REPLACE FUNCTION stats_shard(product_id bigint) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (product_id % 16)::smallint;

CREATE OR REPLACE FUNCTION stats_apply_products(p_ids bigint[], p_signs integer[], p_domains text[],
                                     p_statuses product_status[], p_updated timestamptz[],
                                     p_flags text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_products AS s (domain, status, products)
    SELECT u.domain, u.status, sum(u.sign)
    FROM unnest(p_domains, p_statuses, p_signs) AS u(domain, status, sign)
    GROUP BY 1, 2 HAVING sum(u.sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (domain, status) DO UPDATE SET products = s.products + EXCLUDED.products;

    INSERT INTO stats_last_change AS s (day, shard, products)
    SELECT stats_day(u.at), stats_shard(u.id), sum(u.sign)
    FROM unnest(p_ids, p_updated, p_signs) AS u(id, at, sign)
    GROUP BY 1, 2 HAVING sum(u.sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (day, shard) DO UPDATE SET products = s.products + EXCLUDED.products;

    -- `p_flags` is one comma-separated list per row.
    INSERT INTO stats_missing AS s (requirement, products)
    SELECT f.requirement, sum(u.sign)
    FROM unnest(p_flags, p_signs) AS u(list, sign),
         unnest(string_to_array(NULLIF(u.list, ''), ',')) AS f(requirement)
    GROUP BY 1 HAVING sum(u.sign) <> 0 ORDER BY 1
    ON CONFLICT (requirement) DO UPDATE SET products = s.products + EXCLUDED.products;
END
$$;

CREATE OR REPLACE FUNCTION stats_products_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_product (product_id, changes, last_change)
    SELECT id, current_seq - 1, updated_at FROM new_rows WHERE deleted_at IS NULL
    ORDER BY id;
    PERFORM stats_apply_products(array_agg(n.id), array_agg(1), array_agg(n.domain),
                                 array_agg(n.status), array_agg(n.updated_at),
                                 array_agg(array_to_string(stats_missing_flags(
                                     n.data_product_maintainer, n.dpia_required, n.tags, 0, 0),
                                     ',')))
    FROM new_rows n WHERE n.deleted_at IS NULL;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION stats_products_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Every live row before leaves its groups, every live row after joins its own; what did
    -- not move cancels out in the sums.
    PERFORM stats_apply_products(array_agg(c.id), array_agg(c.sign), array_agg(c.domain),
                                 array_agg(c.status), array_agg(c.updated_at),
                                 array_agg(c.flags))
    FROM (SELECT o.id, -1 AS sign, o.domain, o.status, o.updated_at,
                 array_to_string(stats_missing_flags(o.data_product_maintainer, o.dpia_required,
                     o.tags, s.undescribed_tables, s.undescribed_columns), ',') AS flags
          FROM old_rows o JOIN stats_product s ON s.product_id = o.id
          WHERE o.deleted_at IS NULL
          UNION ALL
          SELECT n.id, 1, n.domain, n.status, n.updated_at,
                 array_to_string(stats_missing_flags(n.data_product_maintainer, n.dpia_required,
                     n.tags, s.undescribed_tables, s.undescribed_columns), ',')
          FROM new_rows n JOIN stats_product s ON s.product_id = n.id
          WHERE n.deleted_at IS NULL) AS c;

    UPDATE stats_product s SET changes = n.current_seq - 1, last_change = n.updated_at
    FROM new_rows n
    WHERE s.product_id = n.id AND n.deleted_at IS NULL
      AND (s.changes, s.last_change) IS DISTINCT FROM (n.current_seq - 1, n.updated_at);

    -- Deleted products take their latest version's tables and columns with them.
    IF EXISTS (SELECT 1 FROM new_rows WHERE deleted_at IS NOT NULL) THEN
        INSERT INTO stats_column_types AS t (type_name, shard, columns)
        SELECT stats_type_name(c ->> 'type'), stats_shard(r.product_id), -count(*)
        FROM new_rows n
        JOIN stats_product s ON s.product_id = n.id
        JOIN table_revisions r ON r.product_id = n.id AND r.end_seq IS NULL,
             jsonb_array_elements(r.columns) AS c
        WHERE n.deleted_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (type_name, shard) DO UPDATE SET columns = t.columns + EXCLUDED.columns;

        INSERT INTO stats_catalogue AS t (shard, tables, columns)
        SELECT stats_shard(s.product_id), -sum(s.tables), -sum(s.columns)
        FROM new_rows n JOIN stats_product s ON s.product_id = n.id
        WHERE n.deleted_at IS NOT NULL
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (shard) DO UPDATE
        SET tables = t.tables + EXCLUDED.tables, columns = t.columns + EXCLUDED.columns;

        DELETE FROM stats_product s USING new_rows n
        WHERE s.product_id = n.id AND n.deleted_at IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION stats_versions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_versions_weekly AS s (week, bump, shard, versions)
    SELECT stats_week(created_at), bump, stats_shard(product_id), count(*)
    FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (week, bump, shard) DO UPDATE SET versions = s.versions + EXCLUDED.versions;

    INSERT INTO stats_majors AS s (domain, versions)
    SELECT domain, count(*) FROM new_rows WHERE bump = 'major'
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (domain) DO UPDATE SET versions = s.versions + EXCLUDED.versions;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION stats_apply_revisions(p_ids bigint[], p_tables integer[], p_columns integer[],
                                      p_undescribed_tables integer[],
                                      p_undescribed_columns integer[],
                                      p_types text[], p_shards smallint[], p_type_columns integer[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH per_product AS (
        SELECT * FROM unnest(p_ids, p_tables, p_columns, p_undescribed_tables,
                             p_undescribed_columns)
                 AS u(product_id, tables, columns, undescribed_tables, undescribed_columns)
    ), moved AS (
        UPDATE stats_product s
        SET tables = s.tables + p.tables, columns = s.columns + p.columns,
            undescribed_tables = s.undescribed_tables + p.undescribed_tables,
            undescribed_columns = s.undescribed_columns + p.undescribed_columns
        FROM per_product p
        WHERE s.product_id = p.product_id
        RETURNING s.product_id, p.tables, p.columns,
                  (s.undescribed_tables > 0)::integer
                      - (s.undescribed_tables - p.undescribed_tables > 0)::integer AS tables_flag,
                  (s.undescribed_columns > 0)::integer
                      - (s.undescribed_columns - p.undescribed_columns > 0)::integer AS columns_flag
    ), missing AS (
        INSERT INTO stats_missing AS m (requirement, products)
        SELECT requirement, sum(delta)
        FROM (SELECT 'tableDescriptions' AS requirement, tables_flag AS delta FROM moved
              UNION ALL
              SELECT 'columnDescriptions', columns_flag FROM moved) AS d
        GROUP BY 1 HAVING sum(delta) <> 0 ORDER BY 1
        ON CONFLICT (requirement) DO UPDATE SET products = m.products + EXCLUDED.products
    ), catalogue AS (
        INSERT INTO stats_catalogue AS c (shard, tables, columns)
        SELECT stats_shard(product_id), sum(tables), sum(columns)
        FROM moved GROUP BY 1 ORDER BY 1
        ON CONFLICT (shard) DO UPDATE
        SET tables = c.tables + EXCLUDED.tables, columns = c.columns + EXCLUDED.columns
    )
    INSERT INTO stats_column_types AS t (type_name, shard, columns)
    SELECT type_name, shard, columns
    FROM unnest(p_types, p_shards, p_type_columns) AS u(type_name, shard, columns)
    ORDER BY 1, 2
    ON CONFLICT (type_name, shard) DO UPDATE SET columns = t.columns + EXCLUDED.columns;
END
$$;

CREATE OR REPLACE FUNCTION stats_uploads_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stats_uploads_daily AS s (day, status, uploads)
        SELECT stats_day(created_at), status, count(*) FROM new_rows
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (day, status) DO UPDATE SET uploads = s.uploads + EXCLUDED.uploads;
    ELSE
        INSERT INTO stats_uploads_daily AS s (day, status, uploads)
        SELECT day, status, sum(sign)
        FROM (SELECT stats_day(created_at) AS day, status, -1 AS sign FROM old_rows
              UNION ALL
              SELECT stats_day(created_at), status, 1 FROM new_rows) AS c
        GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
        ON CONFLICT (day, status) DO UPDATE SET uploads = s.uploads + EXCLUDED.uploads;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION stats_revisions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- Prefixed: unprefixed, they would clash with the columns the queries name.
    d_ids bigint[]; d_tables integer[]; d_columns integer[]; d_undescribed_tables integer[];
    d_undescribed_columns integer[]; d_types text[]; d_shards smallint[];
    d_type_columns integer[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(product_id ORDER BY product_id), array_agg(n_tables ORDER BY product_id),
           array_agg(n_columns ORDER BY product_id),
           array_agg(n_undescribed_tables ORDER BY product_id),
           array_agg(n_undescribed_columns ORDER BY product_id)
    INTO d_ids, d_tables, d_columns, d_undescribed_tables, d_undescribed_columns
    FROM (SELECT r.product_id, count(*)::integer AS n_tables,
                 sum(jsonb_array_length(r.columns))::integer AS n_columns,
                 sum(stats_blank(r.table_description)::integer)::integer AS n_undescribed_tables,
                 sum(stats_undescribed_columns(r.columns))::integer AS n_undescribed_columns
          FROM new_rows r JOIN stats_product s ON s.product_id = r.product_id
          WHERE r.end_seq IS NULL
          GROUP BY r.product_id) AS p;
    SELECT array_agg(type_name), array_agg(shard), array_agg(n)
    INTO d_types, d_shards, d_type_columns
    FROM (SELECT stats_type_name(c ->> 'type') AS type_name,
                 stats_shard(r.product_id) AS shard, count(*)::integer AS n
          FROM new_rows r JOIN stats_product s ON s.product_id = r.product_id,
               jsonb_array_elements(r.columns) AS c
          WHERE r.end_seq IS NULL
          GROUP BY 1, 2) AS t;
    PERFORM stats_apply_revisions(d_ids, d_tables, d_columns, d_undescribed_tables,
                                  d_undescribed_columns, d_types, d_shards, d_type_columns);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION stats_revisions_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- Prefixed: unprefixed, they would clash with the columns the queries name.
    d_ids bigint[]; d_tables integer[]; d_columns integer[]; d_undescribed_tables integer[];
    d_undescribed_columns integer[]; d_types text[]; d_shards smallint[];
    d_type_columns integer[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(product_id ORDER BY product_id), array_agg(n_tables ORDER BY product_id),
           array_agg(n_columns ORDER BY product_id),
           array_agg(n_undescribed_tables ORDER BY product_id),
           array_agg(n_undescribed_columns ORDER BY product_id)
    INTO d_ids, d_tables, d_columns, d_undescribed_tables, d_undescribed_columns
    FROM (SELECT r.product_id, sum(r.sign)::integer AS n_tables,
                 sum(r.sign * jsonb_array_length(r.columns))::integer AS n_columns,
                 sum(r.sign * stats_blank(r.table_description)::integer)::integer
                     AS n_undescribed_tables,
                 sum(r.sign * stats_undescribed_columns(r.columns))::integer
                     AS n_undescribed_columns
          FROM (SELECT product_id, -1 AS sign, table_description, columns
                FROM old_rows WHERE end_seq IS NULL
                UNION ALL
                SELECT product_id, 1, table_description, columns
                FROM new_rows WHERE end_seq IS NULL) AS r
          JOIN stats_product s ON s.product_id = r.product_id
          GROUP BY r.product_id) AS p;
    SELECT array_agg(type_name), array_agg(shard), array_agg(n)
    INTO d_types, d_shards, d_type_columns
    FROM (SELECT stats_type_name(c ->> 'type') AS type_name,
                 stats_shard(r.product_id) AS shard, sum(r.sign)::integer AS n
          FROM (SELECT product_id, -1 AS sign, columns FROM old_rows WHERE end_seq IS NULL
                UNION ALL
                SELECT product_id, 1, columns FROM new_rows WHERE end_seq IS NULL) AS r
          JOIN stats_product s ON s.product_id = r.product_id,
               jsonb_array_elements(r.columns) AS c
          GROUP BY 1, 2 HAVING sum(r.sign) <> 0) AS t;
    PERFORM stats_apply_revisions(d_ids, d_tables, d_columns, d_undescribed_tables,
                                  d_undescribed_columns, d_types, d_shards, d_type_columns);
    RETURN NULL;
END
$$;

CREATE TRIGGER data_products_stats_insert AFTER INSERT ON data_products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_products_inserted();
CREATE TRIGGER data_products_stats_update AFTER UPDATE ON data_products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_products_updated();
CREATE TRIGGER data_product_versions_stats AFTER INSERT ON data_product_versions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_versions_inserted();
CREATE TRIGGER table_revisions_stats_insert AFTER INSERT ON table_revisions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_revisions_inserted();
CREATE TRIGGER table_revisions_stats_update AFTER UPDATE ON table_revisions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_revisions_updated();
CREATE TRIGGER uploads_stats_insert AFTER INSERT ON uploads
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_uploads_changed();
CREATE TRIGGER uploads_stats_update AFTER UPDATE ON uploads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_uploads_changed();
