-- The product list's statistics filters (`GET /v1/data-products?staleDays=&missing=`, the
-- dashboard's "Needs attention" tiles): the products behind `staleProducts` and each
-- `missing` count of `GET /v1/stats`, by the same definitions, read through indexes so that a
-- page never scans the catalogue. See docs/api.md ("Pagination") and docs/dashboard.md.

-- The instant a product's latest version must precede for the product to be stale after
-- `days` days: the first UTC midnight that is not stale. `last_change < stats_stale_before(n)`
-- is `stats_day(last_change) <= stats_day(now()) - n`, the definition `staleProducts` sums
-- over the day histogram (stats_last_change), in the form an index range on
-- stats_product (last_change) can use.
CREATE FUNCTION stats_stale_before(days integer) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (stats_day(now()) - days + 1)::timestamp AT TIME ZONE 'UTC';

-- Live products lacking a maintainer, or a DPIA decision they need, in name order (the
-- conditions of stats_missing_flags): the list walks one of these from its cursor and reads
-- only the products it returns.
CREATE INDEX data_products_missing_maintainer ON data_products (name)
    WHERE deleted_at IS NULL AND stats_blank(data_product_maintainer);
CREATE INDEX data_products_missing_dpia_decision ON data_products (name)
    WHERE deleted_at IS NULL AND dpia_required AND NOT (tags ? 'dpiaLocation');

-- Live products with an undescribed table, or column, in their latest version (stats_product
-- holds live products only). Where few products lack descriptions the list starts from these;
-- where many do, it walks the name index and probes stats_product by key (the planner picks,
-- from the statistics of these columns).
CREATE INDEX stats_product_undescribed_tables ON stats_product (product_id)
    WHERE undescribed_tables > 0;
CREATE INDEX stats_product_undescribed_columns ON stats_product (product_id)
    WHERE undescribed_columns > 0;
