-- A table change is counted once, as its net effect; folding is one routine for every table.
--
-- Under migration 0012 a schema change counted the table's closed revision (every column
-- taken away, by type) and then its new revision (every column added back), each with an
-- update of the product's stats_product row, a stats_catalogue row and one stats_column_types
-- row per type family of the table, and with each revision's columns JSON read twice (the
-- undescribed count, then the type histogram). A change of one column's description in a
-- table of 35 columns thus wrote about 25 counter rows that summed to nothing. Measured with
-- pgbench on a table write's own statement, the statistics triggers halved its rate
-- (docs/performance-log.md).
--
-- Now:
--
-- * stats_revision_replaced(product, old, new) counts a revision replaced by another (either
--   side may be absent) from one pass over both revisions' columns, and writes only the
--   deltas that are not zero: nothing at all when only a description changed that was not
--   blank and stays so.
-- * When one statement closes a table's open revision at version S and opens the table's
--   next revision at S (daap's table write), the close is not counted by itself: the update
--   trigger leaves a marker (a transaction-local setting naming the product, table and S)
--   and the insert trigger counts the pair as one replacement. A close with no successor in
--   its statement (a deleted table, or a successor opened by a later statement) is counted
--   on its own, as before. The no-overlap constraint makes the close always come before the
--   open in a statement, so the update trigger always fires first.
-- * A column type's family is the text before its first `(` or `<`, found without a regular
--   expression: for the canonical spellings daap stores (`decimal(10,2)`, `array<string>`,
--   `timestamp`) the same family as before, at a third of the cost (the regular expression
--   was a third of the triggers' time on a table of 35 columns).
-- * stats_compact() folds every counter table with one routine, stats_fold().
--
-- Every statement may run again (bench/ab.sh applies this file as AB_AFTER_SQL, after
-- bench/ab/stats_revisions_0012.sql put 0012's triggers back).

DROP FUNCTION IF EXISTS stats_revision_counted(bigint, integer, text, jsonb);

-- A column type's family: `decimal(10,2)` -> `decimal`, `array<string>` -> `array`.
CREATE OR REPLACE FUNCTION stats_type_name(type text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN split_part(split_part(lower(type), '(', 1), '<', 1);

-- What replacing revision `old` by revision `new` of one table changes, `NULL` columns meaning
-- "no such revision" (a created or deleted table). Counts only for a live product (one with a
-- stats_product row).
CREATE OR REPLACE FUNCTION stats_revision_replaced(p_product_id bigint,
                                        p_old_description text, p_old_columns jsonb,
                                        p_new_description text, p_new_columns jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d_tables integer := (p_new_columns IS NOT NULL)::integer
        - (p_old_columns IS NOT NULL)::integer;
    d_undescribed_table integer :=
        (p_new_columns IS NOT NULL AND stats_blank(p_new_description))::integer
        - (p_old_columns IS NOT NULL AND stats_blank(p_old_description))::integer;
    d_columns integer;
    d_undescribed_columns integer;
    d_types text[];
    d_type_columns integer[];
    d_after stats_product;
    d_tables_flag integer;
    d_columns_flag integer;
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
    IF d_tables = 0 AND d_columns = 0 AND d_undescribed_table = 0
       AND d_undescribed_columns = 0 AND d_types IS NULL THEN
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
    IF d_types IS NOT NULL THEN
        INSERT INTO stats_column_types (type_name, columns)
        SELECT * FROM unnest(d_types, d_type_columns);
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

-- The marker naming a revision closed at `seq` whose counting its successor's insert trigger
-- takes over: ' product_id/table_name/seq ' (spaces around each, so that several can be held).
CREATE OR REPLACE FUNCTION stats_replacement_marker(p_product_id bigint, p_table_name text, p_seq integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ' ' || p_product_id || '/' || p_table_name || '/' || p_seq || ' ';

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

-- Fold one counter table: every key (the columns `keys`; none for a table that is a single
-- figure) with more than one row gets one row, the sums of its `sums` columns (none when they
-- are all 0). Returns the number of rows folded away.
CREATE OR REPLACE FUNCTION stats_fold(p_table regclass, p_keys text[], p_sums text[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    d_keys text := (SELECT string_agg(format('%I', k), ', ') FROM unnest(p_keys) AS k);
    d_group_by text := COALESCE(d_keys, '()');
    d_match text := COALESCE(
        (SELECT string_agg(format('s.%1$I = k.%1$I', k), ' AND ') FROM unnest(p_keys) AS k),
        'true');
    d_columns text := concat_ws(', ', d_keys,
        (SELECT string_agg(format('%I', s), ', ') FROM unnest(p_sums) AS s));
    d_sums text := concat_ws(', ', d_keys,
        (SELECT string_agg(format('sum(%I)', s), ', ') FROM unnest(p_sums) AS s));
    d_nonzero text :=
        (SELECT string_agg(format('sum(%I) <> 0', s), ' OR ') FROM unnest(p_sums) AS s);
    d_folded bigint;
BEGIN
    EXECUTE format(
        'WITH k AS (SELECT %2$s FROM %1$s GROUP BY %3$s HAVING count(*) > 1),
              gone AS (DELETE FROM %1$s s USING k WHERE %4$s RETURNING s.*),
              folded AS (INSERT INTO %1$s (%5$s)
                         SELECT %6$s FROM gone GROUP BY %3$s HAVING %7$s)
         SELECT count(*) FROM gone',
        p_table, COALESCE(d_keys, ''), d_group_by, d_match, d_columns, d_sums, d_nonzero)
    INTO d_folded;
    RETURN d_folded;
END
$$;

-- Readers see the rows before or after, never a mix (one transaction), and the sums are the
-- same; writes inserting meanwhile are not seen and stay for the next fold. One folder at a
-- time (a second returns at once), so that two never wait on each other's rows. Returns the
-- number of rows folded away.
CREATE OR REPLACE FUNCTION stats_compact() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('daap.stats_compact', 0)) THEN
        RETURN 0;
    END IF;
    RETURN stats_fold('stats_products', '{domain,status}', '{products}')
         + stats_fold('stats_catalogue', '{}', '{tables,columns}')
         + stats_fold('stats_column_types', '{type_name}', '{columns}')
         + stats_fold('stats_versions_weekly', '{week,bump}', '{versions}')
         + stats_fold('stats_majors', '{domain}', '{versions}')
         + stats_fold('stats_last_change', '{day}', '{products}')
         + stats_fold('stats_missing', '{requirement}', '{products}')
         + stats_fold('stats_uploads_daily', '{day,status}', '{uploads}');
END
$$;
