-- bench/ab.sh AB_BEFORE_SQL: the table-revision statistics triggers as migration 0012 defined
-- them (a close and an open counted separately, the type family found with a regular
-- expression), on a database at migration 0013; migrations/0013_stats_net_table_changes.sql,
-- which may run again, puts 0013's back. Idempotent. Only with daap builds from before
-- migration 0014: its triggers have no WHEN condition, so a later daap's table writes, which
-- count their own change, would be counted twice (bench/ab/stats_triggers_0013.sql is 0014's
-- counterpart).
CREATE OR REPLACE FUNCTION stats_type_name(type text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN COALESCE(substring(lower(type) FROM '^[a-z_]+'), lower(type));
CREATE OR REPLACE FUNCTION stats_revision_counted(p_product_id bigint, p_sign integer,
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
CREATE OR REPLACE FUNCTION stats_revision_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_revision_counted(NEW.product_id, 1, NEW.table_description, NEW.columns);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION stats_revision_updated() RETURNS trigger LANGUAGE plpgsql AS $$
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
