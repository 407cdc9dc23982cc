-- Seed the benchmark database in bulk, writing exactly the rows the API would write.
-- Run by bench/run.sh:
--
--   psql -v products=N -v history_products=H -v history_versions=V -v wide_products=W \
--        -v wide_tables=T -v single_products=S -f bench/seed.sql
--
-- What it makes (names sort as: history_ < product_ < single_ < wide_):
--
-- * `product_NNNNNN` (N of them): registered at v1.0, then 10 tables added one `POST
--   /v1/schemas` at a time, so each is at v1.10 (current_seq 11) with 11 versions. Tables have
--   10 to 60 columns of varied types. Spread over 10 domains, 200 owners and three statuses
--   (domain and status vary independently, so combined filters select ~6 %).
-- * `history_NN` (H): registered, then V - 1 metadata updates: V versions, no tables.
-- * `wide_NN` (W): registered, then T tables added: T + 1 versions.
-- * `single_NNNN` (S): registered only: one version, no tables (the "1 version" side of the
--   history-length check).
--
-- Everything is a pure function of the product number i and table number t, so that the Lua
-- scripts (bench/lua/schema.lua) can rebuild a seeded table's schema without asking the server:
-- KEEP THE FORMULAS IN SYNC WITH bench/lua/schema.lua. bench/fidelity.py registers one product
-- through the API with the same content and compares the rows, so a drift from what the API
-- writes (a changed `changes` format, a new column) fails the run instead of skewing it.
--
-- Rows match the API's: versions with gap-free seq (major 1, minor seq-1), `changes` as
-- serde serialises ChangeSet ({} / {"metadata": [...]} / {"tables": [{"table", "kind",
-- "change": {...}}]}), table revisions valid for [first_seq, NULL) with canonical column types
-- and columns JSON [{"name", "type", "description"}], data_products.current_seq = last seq,
-- and the product row's copy of its latest version (migration 0005) filled in last.

\set ON_ERROR_STOP on
-- Durability of the seed itself does not matter (a crash means a new run); this only makes the
-- many commits of the bulk load cheaper. It changes nothing in the data.
SET synchronous_commit = off;
-- The statistics (migrations 0009, 0012) are computed once at the end by stats_rebuild(), as
-- for any bulk load: their row-level triggers, made for the API's one-product writes, would
-- otherwise run once per seeded row. The result is the same (tests/api/stats.rs compares the
-- two ways).
ALTER TABLE data_products DISABLE TRIGGER data_products_stats_insert;
ALTER TABLE data_products DISABLE TRIGGER data_products_stats_update;
ALTER TABLE data_product_versions DISABLE TRIGGER data_product_versions_stats;
ALTER TABLE table_revisions DISABLE TRIGGER table_revisions_stats_insert;
ALTER TABLE table_revisions DISABLE TRIGGER table_revisions_stats_update;

-- 10 domains x 200 owners x 3 statuses; table names sorted, so t is also the name order.
CREATE TEMP TABLE seed_const AS SELECT
    ARRAY['HMPPS', 'Probation', 'Prisons', 'Courts', 'Legal Aid', 'Youth Justice',
          'Finance', 'People', 'Estates', 'Digital'] AS domains,
    ARRAY['appointments', 'assessments', 'cases', 'contacts', 'custody_periods',
          'incidents', 'locations', 'movements', 'sentences', 'staff'] AS tables,
    -- Canonical spellings (as daap stores them), so a PUT of the same schema is no change.
    ARRAY['bigint', 'int', 'smallint', 'tinyint', 'boolean', 'double', 'float', 'string',
          'varchar(64)', 'varchar', 'char(3)', 'decimal(10,2)', 'decimal(38,0)', 'date',
          'timestamp', 'binary', 'array<string>', 'map<string,bigint>',
          'struct<code:string,value:decimal(12,2)>',
          'array<struct<role:string,age:int>>'] AS types,
    ARRAY['id', 'code', 'amount', 'at', 'flag', 'note', 'ref', 'name'] AS words;

-- The products' rows; `kind` and `i` say what to generate for each.
CREATE TEMP TABLE seed_products (
    id bigint PRIMARY KEY, kind text NOT NULL, i int NOT NULL, created_at timestamptz NOT NULL,
    table_count int NOT NULL, versions int NOT NULL
);

WITH wanted (kind, i, name, table_count, versions) AS (
    SELECT 'product', i, format('product_%s', lpad(i::text, 6, '0')), 10, 11
    FROM generate_series(1, :products) AS i
    UNION ALL
    SELECT 'history', i, format('history_%s', lpad(i::text, 2, '0')), 0, :history_versions
    FROM generate_series(1, :history_products) AS i
    UNION ALL
    SELECT 'wide', i, format('wide_%s', lpad(i::text, 2, '0')), :wide_tables, :wide_tables + 1
    FROM generate_series(1, :wide_products) AS i
    UNION ALL
    SELECT 'single', i, format('single_%s', lpad(i::text, 4, '0')), 0, 1
    FROM generate_series(1, :single_products) AS i
), inserted AS (
    -- The copy of the latest version is a placeholder here, filled in once the versions exist.
    INSERT INTO data_products (name, current_seq, created_at, created_by, major, minor, bump,
                               description, domain, data_product_owner,
                               data_product_owner_display_name, email, status,
                               retention_period, dpia_required, tags, updated_at, updated_by)
    SELECT name, versions, now() - make_interval(mins => i, days => 30), 'bench-seed', 1, 0,
           'initial', '', '', '', '', '', 'draft', 0, false, '{}', now(), 'bench-seed'
    FROM wanted
    ORDER BY name
    RETURNING id, name, created_at
)
INSERT INTO seed_products
SELECT inserted.id, w.kind, w.i, inserted.created_at, w.table_count, w.versions
FROM inserted JOIN wanted w USING (name);

-- The tables' contents, generated once per distinct shape. A regular product's columns depend
-- on its number i only through i mod 8, i mod 20 and i mod 51 (see the formulas), so products
-- i and i + 2040 have the same tables: generating 2,040 x 10 shapes instead of 10 per product
-- makes the seed several times faster. Wide products' tables are generated one by one.
CREATE TEMP TABLE seed_tables (kind text, i int, t int, name text, columns jsonb, names jsonb,
                               PRIMARY KEY (kind, i, t));
INSERT INTO seed_tables (kind, i, t, name, columns)
SELECT shape.kind, shape.i, shape.t, shape.name, cols.columns
FROM (
    SELECT 'product' AS kind, i, t, c.tables[1 + t] AS name
    FROM generate_series(1, least(:products, 2040)) AS i
    CROSS JOIN generate_series(0, 9) AS t
    CROSS JOIN seed_const c
    UNION ALL
    SELECT 'wide', i, t, format('t%s', lpad(t::text, 3, '0'))
    FROM generate_series(1, :wide_products) AS i
    CROSS JOIN generate_series(0, :wide_tables - 1) AS t
) AS shape
CROSS JOIN seed_const c
CROSS JOIN LATERAL (
    -- 10 to 60 columns; one jsonb value built from text (much cheaper than one
    -- jsonb_build_object per column). Names, types and descriptions contain no quotes.
    SELECT ('[' || string_agg(
               '{"name": "c' || lpad(k::text, 2, '0') || '_' || c.words[1 + (shape.i + k) % 8]
               || '", "type": "' || c.types[1 + (shape.i * 3 + shape.t * 5 + k) % 20]
               || '", "description": "Column ' || k || ' of ' || shape.name
               || ': synthetic, for the daap benchmark."}', ', ' ORDER BY k)
            || ']')::jsonb AS columns
    FROM generate_series(0, 9 + (shape.i * 7 + shape.t * 13) % 51) AS k
) AS cols;
UPDATE seed_tables SET names = jsonb_path_query_array(columns, '$[*].name');

-- The product's shapes: its own number for wide products, i mod 2040 for regular ones.
ALTER TABLE seed_products ADD COLUMN shape int;
UPDATE seed_products SET shape = CASE WHEN kind = 'product' THEN (i - 1) % 2040 + 1 ELSE i END;

-- Table revisions: table t (0-based) of a product is created by version seq t + 2 and never
-- changed. Regular products use the 10 named tables, wide ones t000, t001, ...
INSERT INTO table_revisions (product_id, table_name, first_seq, end_seq, table_description, columns)
SELECT p.id, st.name, st.t + 2, NULL,
       format('%s of data product %s (synthetic, for the daap benchmark).', st.name, p.i),
       st.columns
FROM seed_products p
JOIN seed_tables st ON st.kind = p.kind AND st.i = p.shape
ORDER BY p.id, st.t;

-- Versions: seq 1 registers; then each table creation is a minor version whose `changes` lists
-- the table's columns as added (TableChange::created); history products get metadata updates
-- of their description instead. Every version repeats the product's metadata, as the API does.
INSERT INTO data_product_versions (
    product_id, seq, major, minor, bump, changes, description, domain,
    data_product_owner, data_product_owner_display_name, data_product_maintainer,
    data_product_maintainer_display_name, email, status, retention_period,
    dpia_required, tags, created_at, created_by)
SELECT p.id, s.seq, 1, s.seq - 1,
       (CASE WHEN s.seq = 1 THEN 'initial' ELSE 'minor' END)::version_bump,
       CASE
           WHEN s.seq = 1 THEN '{}'::jsonb
           WHEN p.table_count > 0 THEN jsonb_build_object('tables', jsonb_build_array(
               jsonb_build_object(
                   'table', st.name,
                   'kind', 'created',
                   'change', jsonb_build_object(
                       'bump', 'minor',
                       'addedColumns', st.names,
                       'removedColumns', '[]'::jsonb,
                       'typesChanged', '[]'::jsonb,
                       'descriptionsChanged', '[]'::jsonb,
                       'tableDescriptionChanged', false,
                       'reordered', false))))
           ELSE '{"metadata": ["description"]}'::jsonb
       END,
       CASE WHEN p.kind = 'history' AND s.seq > 1
            THEN format('Synthetic data product %s with a long history, revision %s.', p.i, s.seq)
            ELSE format('Synthetic data product %s for benchmarking: daily extracts of case, '
                        'custody and appointment records, cleansed and joined for reporting '
                        'and analysis by the %s team.', p.i, d.domain)
       END,
       d.domain,
       format('owner%s@example.org', p.i % 200),
       format('Owner %s', p.i % 200),
       -- A third of the products have no maintainer, as the field is optional.
       CASE WHEN p.i % 3 <> 0 THEN format('maintainer%s@example.org', p.i % 50) END,
       CASE WHEN p.i % 3 <> 0 THEN format('Maintainer %s', p.i % 50) END,
       format('team-%s@example.org', lower(replace(d.domain, ' ', '-'))),
       -- 60 % published, 30 % draft, 10 % retired, independently of the domain (i % 10).
       (CASE WHEN p.i / 10 % 10 < 6 THEN 'published'
             WHEN p.i / 10 % 10 < 9 THEN 'draft' ELSE 'retired' END)::product_status,
       365 * (1 + p.i % 7),
       p.i % 4 = 0,
       jsonb_build_object('source', 'nomis', 'refresh', 'daily', 'tier', format('tier-%s', p.i % 3 + 1)),
       p.created_at + make_interval(secs => s.seq - 1),
       'bench-seed'
FROM seed_products p
CROSS JOIN seed_const c
CROSS JOIN LATERAL (SELECT c.domains[1 + p.i % 10] AS domain) AS d
CROSS JOIN LATERAL generate_series(1, p.versions) AS s(seq)
LEFT JOIN seed_tables st ON st.kind = p.kind AND st.i = p.shape AND st.t = s.seq - 2
ORDER BY p.id, s.seq;

-- The product rows' copy of their latest version, exactly as migration 0005 computes it.
UPDATE data_products p
SET major = v.major, minor = v.minor, bump = v.bump, description = v.description,
    domain = v.domain, data_product_owner = v.data_product_owner,
    data_product_owner_display_name = v.data_product_owner_display_name,
    data_product_maintainer = v.data_product_maintainer,
    data_product_maintainer_display_name = v.data_product_maintainer_display_name,
    email = v.email, status = v.status, retention_period = v.retention_period,
    dpia_required = v.dpia_required, tags = v.tags, updated_at = v.created_at,
    updated_by = v.created_by,
    current_tables = COALESCE(
        (SELECT array_agg(r.table_name ORDER BY r.table_name COLLATE "C")
         FROM table_revisions r
         WHERE r.product_id = p.id AND r.end_seq IS NULL),
        '{}')
FROM data_product_versions v
WHERE v.product_id = p.id AND v.seq = p.current_seq;

ALTER TABLE data_products ENABLE TRIGGER data_products_stats_insert;
ALTER TABLE data_products ENABLE TRIGGER data_products_stats_update;
ALTER TABLE data_product_versions ENABLE TRIGGER data_product_versions_stats;
ALTER TABLE table_revisions ENABLE TRIGGER table_revisions_stats_insert;
ALTER TABLE table_revisions ENABLE TRIGGER table_revisions_stats_update;
SELECT stats_rebuild();

-- Fresh tables have no planner statistics (and no visibility map) until autovacuum gets to
-- them; do its work now so that the first scenario runs with the same plans as the later ones
-- and index-only scans are possible, as in a database that has been running for a while.
-- The update above left a dead copy of every product row: compact the table again.
VACUUM FULL data_products;
VACUUM (ANALYZE) data_products, data_product_versions, table_revisions;
