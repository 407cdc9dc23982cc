-- A table write counts its own change: the revision triggers step aside for it.
--
-- Under migration 0013 the triggers on table_revisions counted every table write from the
-- revisions' JSON: fetch the replaced revision again, decompress both column lists, walk them
-- element by element. Through daap that was a quarter of a table write's PostgreSQL time (with
-- the two triggers disabled, 1.27x the table writes per second; docs/performance-log.md),
-- although daap holds both schemas, parsed, for the diff it makes anyway.
--
-- Now daap's table-write statement (store::products::append_version) marks its change as
-- counted (stats_mark_counted, in the RETURNING of the statement's update of the product row,
-- which every row it writes in table_revisions waits for) and applies the counter deltas it
-- computed from the two schemas (store::table_counts, the rules of stats_revision_replaced)
-- with stats_apply_table_deltas, only when one is not zero. The revision triggers now have a
-- WHEN condition that skips a marked change without entering PL/pgSQL (for an AFTER trigger
-- it is evaluated as the row is written, after the mark). Any change nobody marked is counted
-- by the triggers as before: a statement other than daap's (an operator's repair), or a daap
-- from before this migration during a rolling upgrade.
--
-- The mark is the transaction-local setting daap.stats_counted, a list of
-- stats_replacement_marker(product, table, version) (0013's spelling): the version that ends a
-- table's revision is the one that opens its successor, so one mark covers both rows of a
-- replacement.
--
-- stats_replacement_marker becomes STABLE: the text cast of a bigint is only stable to the
-- planner, and an IMMUTABLE SQL function over a stable expression is never inlined, so each
-- call ran the SQL-function executor (about 40 us, measured with pgbench), twice per table
-- write in 0013's triggers.

CREATE OR REPLACE FUNCTION stats_replacement_marker(p_product_id bigint, p_table_name text,
                                                    p_seq integer)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
RETURN ' ' || p_product_id || '/' || p_table_name || '/' || p_seq || ' ';

-- Mark the change of table `p_table_name` made by version `p_seq` as counted by its writer.
CREATE OR REPLACE FUNCTION stats_mark_counted(p_product_id bigint, p_table_name text,
                                              p_seq integer)
RETURNS text LANGUAGE sql VOLATILE
RETURN set_config('daap.stats_counted',
                  COALESCE(current_setting('daap.stats_counted', true), '')
                  || stats_replacement_marker(p_product_id, p_table_name, p_seq),
                  true);

-- Apply the deltas of one table change to the counters of a live product (one with a
-- stats_product row; none for a deleted product). `p_types` and `p_type_columns` are parallel
-- arrays of column-type families and their changes in column count, without zeros.
CREATE OR REPLACE FUNCTION stats_apply_table_deltas(p_product_id bigint, d_tables integer,
                                                    d_columns integer,
                                                    d_undescribed_table integer,
                                                    d_undescribed_columns integer,
                                                    p_types text[], p_type_columns integer[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d_after stats_product;
    d_tables_flag integer;
    d_columns_flag integer;
BEGIN
    IF d_tables = 0 AND d_columns = 0 AND d_undescribed_table = 0
       AND d_undescribed_columns = 0 AND COALESCE(cardinality(p_types), 0) = 0 THEN
        RETURN;
    END IF;
    UPDATE stats_product
    SET tables = tables + d_tables, columns = columns + d_columns,
        undescribed_tables = undescribed_tables + d_undescribed_table,
        undescribed_columns = undescribed_columns + d_undescribed_columns
    WHERE product_id = p_product_id
    RETURNING * INTO d_after;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF d_tables <> 0 OR d_columns <> 0 THEN
        INSERT INTO stats_catalogue (tables, columns) VALUES (d_tables, d_columns);
    END IF;
    IF cardinality(p_types) > 0 THEN
        INSERT INTO stats_column_types (type_name, columns)
        SELECT * FROM unnest(p_types, p_type_columns);
    END IF;
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

-- 0013's counting from the revisions' JSON, now computing the deltas and leaving their
-- application to stats_apply_table_deltas (the same statements as before).
CREATE OR REPLACE FUNCTION stats_revision_replaced(p_product_id bigint,
                                        p_old_description text, p_old_columns jsonb,
                                        p_new_description text, p_new_columns jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d_columns integer;
    d_undescribed_columns integer;
    d_types text[];
    d_type_columns integer[];
BEGIN
    -- One pass over both column lists: the old revision's columns count -1, the new one's +1.
    SELECT COALESCE(sum(g.columns), 0), COALESCE(sum(g.undescribed), 0),
           array_agg(g.type_name) FILTER (WHERE g.columns <> 0),
           array_agg(g.columns) FILTER (WHERE g.columns <> 0)
    INTO d_columns, d_undescribed_columns, d_types, d_type_columns
    FROM (SELECT stats_type_name(e.c ->> 'type') AS type_name, sum(e.sign)::integer AS columns,
                 COALESCE(sum(e.sign) FILTER (WHERE stats_blank(e.c ->> 'description')), 0)::integer
                     AS undescribed
          FROM (SELECT -1 AS sign, c FROM jsonb_array_elements(p_old_columns) AS c
                UNION ALL
                SELECT 1, c FROM jsonb_array_elements(p_new_columns) AS c) AS e
          GROUP BY 1) AS g;
    PERFORM stats_apply_table_deltas(
        p_product_id,
        (p_new_columns IS NOT NULL)::integer - (p_old_columns IS NOT NULL)::integer,
        d_columns,
        (p_new_columns IS NOT NULL AND stats_blank(p_new_description))::integer
            - (p_old_columns IS NOT NULL AND stats_blank(p_old_description))::integer,
        d_undescribed_columns,
        d_types,
        d_type_columns);
END
$$;

-- The triggers of 0011 (functions of 0013), skipping a change its writer marked as counted.
DROP TRIGGER IF EXISTS table_revisions_stats_insert ON table_revisions;
DROP TRIGGER IF EXISTS table_revisions_stats_update ON table_revisions;
CREATE TRIGGER table_revisions_stats_insert AFTER INSERT ON table_revisions
    FOR EACH ROW
    WHEN (strpos(COALESCE(current_setting('daap.stats_counted', true), ''),
                 stats_replacement_marker(NEW.product_id, NEW.table_name, NEW.first_seq)) = 0)
    EXECUTE FUNCTION stats_revision_inserted();
CREATE TRIGGER table_revisions_stats_update AFTER UPDATE ON table_revisions
    FOR EACH ROW
    WHEN (OLD.end_seq IS NOT NULL OR NEW.end_seq IS NULL
          OR strpos(COALESCE(current_setting('daap.stats_counted', true), ''),
                    stats_replacement_marker(NEW.product_id, NEW.table_name, NEW.end_seq)) = 0)
    EXECUTE FUNCTION stats_revision_updated();
