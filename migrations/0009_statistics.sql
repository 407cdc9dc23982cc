-- Platform statistics (`GET /v1/stats`, the dashboard): summary rows kept exact by the
-- statements that write products, versions, table revisions and uploads, so that every figure
-- is read in O(groups), never by scanning the catalogue. See docs/dashboard.md.
--
-- Why triggers, when the sync outbox is written by the store's own statements: the counters
-- must follow *every* statement that writes these tables, in its transaction, including
-- the statements of a daap older than this migration that keeps writing during a rolling
-- upgrade (it knows nothing of these tables, so counters kept by the new binary's statements
-- alone would drift for good), and the benchmark's bulk seed. A trigger is the one place that
-- sees them all. They are statement-level triggers over transition tables: one set-based
-- update per statement and counter table, whatever the number of rows, with every counter
-- row touched in key order (no deadlock between two writers touching the same rows).
--
-- Hot counters (touched by every version or table write) are split into 16 shards by product
-- id, so that concurrent writers of different products rarely wait for the same row; a read
-- sums the shards.

-- Day and ISO week (Monday) of an instant, in UTC.
CREATE FUNCTION stats_day(at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (at AT TIME ZONE 'UTC')::date;

CREATE FUNCTION stats_week(at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_trunc('week', at AT TIME ZONE 'UTC')::date;

-- A column type's family: `decimal(10,2)` -> `decimal`, `array<string>` -> `array`.
CREATE FUNCTION stats_type_name(type text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN COALESCE(substring(lower(type) FROM '^[a-z_]+'), lower(type));

CREATE FUNCTION stats_shard(product_id bigint) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (product_id % 16)::smallint;

-- Whether a description counts as missing.
CREATE FUNCTION stats_blank(text text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN COALESCE(btrim(text), '') = '';

-- The columns of a revision without a description.
CREATE FUNCTION stats_undescribed_columns(columns jsonb) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (SELECT count(*)::integer FROM jsonb_array_elements(columns) c
            WHERE stats_blank(c ->> 'description'));

-- What the platform requires that a live product lacks. A DPIA decision is recorded as the tag
-- `dpiaLocation` (the platform's name for where the assessment lives).
CREATE FUNCTION stats_missing_flags(maintainer text, dpia_required boolean, tags jsonb,
                                    undescribed_tables integer, undescribed_columns integer)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_remove(ARRAY[
        CASE WHEN stats_blank(maintainer) THEN 'maintainer' END,
        CASE WHEN dpia_required AND NOT (tags ? 'dpiaLocation') THEN 'dpiaDecision' END,
        CASE WHEN undescribed_tables > 0 THEN 'tableDescriptions' END,
        CASE WHEN undescribed_columns > 0 THEN 'columnDescriptions' END], NULL);

-- One row per live product (deleted with the product): what it contributes to the counters
-- below, and its activity, indexed for "changed most often" and "stalest".
CREATE TABLE stats_product (
    product_id          bigint      PRIMARY KEY REFERENCES data_products (id),
    -- Versions after the first (current_seq - 1) and when the latest was made.
    changes             integer     NOT NULL,
    last_change         timestamptz NOT NULL,
    -- Of the latest version: tables, columns, and those without a description.
    tables              integer     NOT NULL DEFAULT 0,
    columns             integer     NOT NULL DEFAULT 0,
    undescribed_tables  integer     NOT NULL DEFAULT 0,
    undescribed_columns integer     NOT NULL DEFAULT 0
);
CREATE INDEX stats_product_most_changed ON stats_product (changes DESC, product_id);
CREATE INDEX stats_product_stalest ON stats_product (last_change, product_id);

-- Live products by domain and status.
CREATE TABLE stats_products (
    domain   text           NOT NULL,
    status   product_status NOT NULL,
    products bigint         NOT NULL,
    PRIMARY KEY (domain, status)
);

-- Tables and columns of the live products' latest versions.
CREATE TABLE stats_catalogue (
    shard   smallint PRIMARY KEY,
    tables  bigint   NOT NULL,
    columns bigint   NOT NULL
);

-- Columns of the live products' latest versions by type family.
CREATE TABLE stats_column_types (
    type_name text     NOT NULL,
    shard     smallint NOT NULL,
    columns   bigint   NOT NULL,
    PRIMARY KEY (type_name, shard)
);

-- Versions made per ISO week (UTC) and kind, including those of products deleted since.
CREATE TABLE stats_versions_weekly (
    week     date         NOT NULL,
    bump     version_bump NOT NULL,
    shard    smallint     NOT NULL,
    versions bigint       NOT NULL,
    PRIMARY KEY (week, bump, shard)
);

-- Major (breaking) versions per domain (the domain of the version).
CREATE TABLE stats_majors (
    domain   text   PRIMARY KEY,
    versions bigint NOT NULL
);

-- Live products by the day (UTC) of their latest version: staleness for any threshold.
CREATE TABLE stats_last_change (
    day      date     NOT NULL,
    shard    smallint NOT NULL,
    products bigint   NOT NULL,
    PRIMARY KEY (day, shard)
);

-- Live products lacking each requirement (see stats_missing_flags).
CREATE TABLE stats_missing (
    requirement text   PRIMARY KEY,
    products    bigint NOT NULL
);

-- Uploads by the day (UTC) they were issued and their status now.
CREATE TABLE stats_uploads_daily (
    day     date   NOT NULL,
    status  text   NOT NULL,
    uploads bigint NOT NULL,
    PRIMARY KEY (day, status)
);

-- The sync health figures count only rows with a backlog: keep them O(backlog).
CREATE INDEX sync_state_pending ON sync_state (target)
    INCLUDE (pending_since, attempts, parked)
    WHERE wanted_seq > synced_seq;

-- Add deltas to the product-level counters: one row per (product, sign) of a product entering
-- (+1) or leaving (-1) the live set or changing what it contributes.
CREATE FUNCTION stats_apply_products(p_ids bigint[], p_signs integer[], p_domains text[],
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

CREATE FUNCTION stats_products_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE FUNCTION stats_products_updated() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER data_products_stats_insert AFTER INSERT ON data_products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_products_inserted();
CREATE TRIGGER data_products_stats_update AFTER UPDATE ON data_products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_products_updated();

CREATE FUNCTION stats_versions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER data_product_versions_stats AFTER INSERT ON data_product_versions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_versions_inserted();

-- Add or remove table revisions of the latest versions of live products (those with a
-- stats_product row; a deleted product's revisions no longer count), given as the net change
-- per product (p_ids ... p_undescribed_columns) and per column type and shard (p_types ...).
-- The triggers below digest their transition tables into these small arrays: passing the
-- revisions' columns themselves would overflow an array (1 GB) on a bulk insert of a million
-- revisions.
CREATE FUNCTION stats_apply_revisions(p_ids bigint[], p_tables integer[], p_columns integer[],
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

-- The trigger on table revisions: the net change of the statement's revisions of live
-- products, digested for stats_apply_revisions. Dynamic SQL only to name the transition
-- tables this operation has (an INSERT has no old_rows); both queries run in the trigger
-- function itself, where the transition tables are visible.
CREATE FUNCTION stats_revisions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    source text := CASE TG_OP
        WHEN 'INSERT' THEN
            'SELECT product_id, 1 AS sign, table_description, columns
             FROM new_rows WHERE end_seq IS NULL'
        ELSE
            'SELECT product_id, -1 AS sign, table_description, columns
             FROM old_rows WHERE end_seq IS NULL
             UNION ALL
             SELECT product_id, 1, table_description, columns
             FROM new_rows WHERE end_seq IS NULL'
    END;
    ids bigint[]; tables integer[]; columns integer[]; undescribed_tables integer[];
    undescribed_columns integer[]; types text[]; shards smallint[]; type_columns integer[];
BEGIN
    EXECUTE format($q$
        SELECT array_agg(product_id ORDER BY product_id), array_agg(tables ORDER BY product_id),
               array_agg(columns ORDER BY product_id),
               array_agg(undescribed_tables ORDER BY product_id),
               array_agg(undescribed_columns ORDER BY product_id)
        FROM (SELECT r.product_id, sum(r.sign)::integer AS tables,
                     sum(r.sign * jsonb_array_length(r.columns))::integer AS columns,
                     sum(r.sign * stats_blank(r.table_description)::integer)::integer
                         AS undescribed_tables,
                     sum(r.sign * stats_undescribed_columns(r.columns))::integer
                         AS undescribed_columns
              FROM (%s) AS r JOIN stats_product s ON s.product_id = r.product_id
              GROUP BY r.product_id) AS p $q$, source)
    INTO ids, tables, columns, undescribed_tables, undescribed_columns;
    EXECUTE format($q$
        SELECT array_agg(type_name), array_agg(shard), array_agg(n)
        FROM (SELECT stats_type_name(c ->> 'type') AS type_name,
                     stats_shard(r.product_id) AS shard, sum(r.sign)::integer AS n
              FROM (%s) AS r JOIN stats_product s ON s.product_id = r.product_id,
                   jsonb_array_elements(r.columns) AS c
              GROUP BY 1, 2 HAVING sum(r.sign) <> 0) AS t $q$, source)
    INTO types, shards, type_columns;
    PERFORM stats_apply_revisions(ids, tables, columns, undescribed_tables, undescribed_columns,
                                  types, shards, type_columns);
    RETURN NULL;
END
$$;

CREATE TRIGGER table_revisions_stats_insert AFTER INSERT ON table_revisions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_revisions_changed();
CREATE TRIGGER table_revisions_stats_update AFTER UPDATE ON table_revisions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_revisions_changed();

CREATE FUNCTION stats_uploads_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER uploads_stats_insert AFTER INSERT ON uploads
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_uploads_changed();
CREATE TRIGGER uploads_stats_update AFTER UPDATE ON uploads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_uploads_changed();

-- Every counter computed from scratch. The back-fill below, and what tests compare the
-- counters kept by the triggers with. Takes the locks it needs: run it with writes stopped.
CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
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

    INSERT INTO stats_catalogue (shard, tables, columns)
    SELECT stats_shard(product_id), sum(tables), sum(columns) FROM stats_product GROUP BY 1;

    INSERT INTO stats_column_types (type_name, shard, columns)
    SELECT stats_type_name(c ->> 'type'), stats_shard(r.product_id), count(*)
    FROM table_revisions r JOIN stats_product s ON s.product_id = r.product_id,
         jsonb_array_elements(r.columns) AS c
    WHERE r.end_seq IS NULL
    GROUP BY 1, 2;

    INSERT INTO stats_versions_weekly (week, bump, shard, versions)
    SELECT stats_week(created_at), bump, stats_shard(product_id), count(*)
    FROM data_product_versions GROUP BY 1, 2, 3;

    INSERT INTO stats_majors (domain, versions)
    SELECT domain, count(*) FROM data_product_versions WHERE bump = 'major' GROUP BY 1;

    INSERT INTO stats_last_change (day, shard, products)
    SELECT stats_day(last_change), stats_shard(product_id), count(*)
    FROM stats_product GROUP BY 1, 2;

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

SELECT stats_rebuild();
