-- The statistics triggers on table revisions, made cheap for the statements that fire them on
-- every version's write (`store::products::append_version`, one statement that also closes and
-- opens a table revision):
--
-- * they leave at once when the statement changed no revision (a metadata change: its close
--   and open touch no row), instead of digesting two empty transition tables;
-- * their queries are static, so PL/pgSQL plans them once per connection: migration 0009's
--   one function for both triggers had to build them as text (an INSERT trigger has no
--   `old_rows` to name), and PostgreSQL planned both anew on every call.
--
-- Measured with track_functions = 'all': 1.7 ms of PostgreSQL's CPU per metadata write went to
-- these triggers, most of what such a write cost it (docs/performance-log.md). What they
-- compute is unchanged: the net change per product and per column type and shard, handed to
-- stats_apply_revisions (0009).

-- The revisions an INSERT added: those open (latest versions) count +1.
CREATE FUNCTION stats_revisions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- The revisions an UPDATE changed: each open one before counts -1, each open one after +1
-- (closing a revision, what daap does, is a -1).
CREATE FUNCTION stats_revisions_updated() RETURNS trigger LANGUAGE plpgsql AS $$
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

DROP TRIGGER table_revisions_stats_insert ON table_revisions;
DROP TRIGGER table_revisions_stats_update ON table_revisions;
DROP FUNCTION stats_revisions_changed();

CREATE TRIGGER table_revisions_stats_insert AFTER INSERT ON table_revisions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_revisions_inserted();
CREATE TRIGGER table_revisions_stats_update AFTER UPDATE ON table_revisions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_revisions_updated();
