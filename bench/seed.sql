-- Seed :products data products (default 10,000), each at v1.0, in one statement.
-- Run by bench/run.sh with: psql -v products=N -f bench/seed.sql
--
-- The rows mirror what `POST /v1/data-products` writes (see migrations/0001_data_products.sql
-- and store::products::insert_product): a product row with current_seq = 1 plus its initial
-- version with `changes = '{}'`. Values vary across 10 domains, 200 owners and three statuses
-- so that rows and JSON responses have a realistic size, not one repeated tiny row.

\set ON_ERROR_STOP on

WITH product AS (
    INSERT INTO data_products (name, current_seq, created_at, created_by)
    SELECT format('product_%s', lpad(i::text, 5, '0')),
           1,
           now() - make_interval(mins => i),
           'bench-seed'
    FROM generate_series(1, :products) AS i
    RETURNING id, name, created_at
), numbered AS (
    SELECT id, created_at, substr(name, 9)::int AS i FROM product
)
INSERT INTO data_product_versions (
    product_id, seq, major, minor, bump, changes, description, domain,
    data_product_owner, data_product_owner_display_name, data_product_maintainer,
    data_product_maintainer_display_name, email, status, retention_period,
    dpia_required, tags, created_at, created_by)
SELECT id, 1, 1, 0, 'initial', '{}',
       format('Synthetic data product %s for benchmarking: daily extracts of case, '
              'custody and appointment records, cleansed and joined for reporting '
              'and analysis by the %s team.', i, domain),
       domain,
       format('owner%s@example.org', i % 200),
       format('Owner %s', i % 200),
       -- A third of the products have no maintainer, as the field is optional.
       CASE WHEN i % 3 <> 0 THEN format('maintainer%s@example.org', i % 50) END,
       CASE WHEN i % 3 <> 0 THEN format('Maintainer %s', i % 50) END,
       format('team-%s@example.org', lower(replace(domain, ' ', '-'))),
       -- 60 % published, 30 % draft, 10 % retired.
       (CASE WHEN i % 10 < 6 THEN 'published' WHEN i % 10 < 9 THEN 'draft' ELSE 'retired' END)::product_status,
       365 * (1 + i % 7),
       i % 4 = 0,
       jsonb_build_object('source', 'nomis', 'refresh', 'daily',
                          'tier', format('tier-%s', i % 3 + 1)),
       created_at,
       'bench-seed'
FROM numbered
CROSS JOIN LATERAL (
    SELECT (ARRAY['HMPPS', 'Probation', 'Prisons', 'Courts', 'Legal Aid', 'Youth Justice',
                  'Finance', 'People', 'Estates', 'Digital'])[1 + i % 10] AS domain
) AS d;

-- Fresh tables have no planner statistics until autovacuum gets to them; gather them now so
-- the first scenario does not run with different plans than the later ones.
ANALYZE data_products;
ANALYZE data_product_versions;
