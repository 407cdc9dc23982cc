-- The latest version of each product, kept on its `data_products` row (the "head").
--
-- Reading the latest version is by far the most frequent request (a product page, a list page,
-- every write's starting point). With the head on the product row it is one index lookup in
-- one table, the same work as a primary-key read: no join with the history and no scan of
-- `table_revisions` for the table names. It also lets a writer lock the product and read the
-- version it builds on in a single statement: after waiting for a concurrent writer,
-- PostgreSQL re-reads the locked row itself, which now carries that writer's version.
--
-- The head is a copy: every write sets it in the same statement that appends the version it
-- copies (`store::products`), so the two never disagree. `data_product_versions` stays the
-- record of every version, latest included.

ALTER TABLE data_products
    ADD COLUMN major                                integer,
    ADD COLUMN minor                                integer,
    ADD COLUMN bump                                 version_bump,
    ADD COLUMN description                          text,
    ADD COLUMN domain                               text,
    ADD COLUMN data_product_owner                   text,
    ADD COLUMN data_product_owner_display_name      text,
    ADD COLUMN data_product_maintainer              text,
    ADD COLUMN data_product_maintainer_display_name text,
    ADD COLUMN email                                text,
    ADD COLUMN status                               product_status,
    ADD COLUMN retention_period                     integer,
    ADD COLUMN dpia_required                        boolean,
    ADD COLUMN tags                                 jsonb,
    ADD COLUMN updated_at                           timestamptz,
    ADD COLUMN updated_by                           text,
    -- Names of the latest version's tables, sorted by their bytes (COLLATE "C"), as the
    -- server sorts them. Only creating or deleting a table changes it; other writes leave the
    -- value (TOASTed when large) as it is.
    ADD COLUMN current_tables                       text[] NOT NULL DEFAULT '{}';

UPDATE data_products p
SET major = v.major,
    minor = v.minor,
    bump = v.bump,
    description = v.description,
    domain = v.domain,
    data_product_owner = v.data_product_owner,
    data_product_owner_display_name = v.data_product_owner_display_name,
    data_product_maintainer = v.data_product_maintainer,
    data_product_maintainer_display_name = v.data_product_maintainer_display_name,
    email = v.email,
    status = v.status,
    retention_period = v.retention_period,
    dpia_required = v.dpia_required,
    tags = v.tags,
    updated_at = v.created_at,
    updated_by = v.created_by,
    current_tables = COALESCE(
        (SELECT array_agg(r.table_name ORDER BY r.table_name COLLATE "C")
         FROM table_revisions r
         WHERE r.product_id = p.id AND r.end_seq IS NULL),
        '{}')
FROM data_product_versions v
WHERE v.product_id = p.id AND v.seq = p.current_seq;

ALTER TABLE data_products
    ALTER COLUMN major SET NOT NULL,
    ALTER COLUMN minor SET NOT NULL,
    ALTER COLUMN bump SET NOT NULL,
    ALTER COLUMN description SET NOT NULL,
    ALTER COLUMN domain SET NOT NULL,
    ALTER COLUMN data_product_owner SET NOT NULL,
    ALTER COLUMN data_product_owner_display_name SET NOT NULL,
    ALTER COLUMN email SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN retention_period SET NOT NULL,
    ALTER COLUMN dpia_required SET NOT NULL,
    ALTER COLUMN tags SET NOT NULL,
    ALTER COLUMN updated_at SET NOT NULL,
    ALTER COLUMN updated_by SET NOT NULL;

-- Every write updates the product row; room on its page lets PostgreSQL keep the new row
-- version there without touching the name index (a HOT update).
ALTER TABLE data_products SET (fillfactor = 85);

-- A binary from before this migration still moves `current_seq` without the copy: during a
-- rolling upgrade its writes would leave the copy behind. Every version changes the major or
-- the minor number, so a move of `current_seq` that changes neither is such a write: reject it
-- (the WHEN condition costs the writes of this version of daap nothing else).
CREATE FUNCTION reject_head_without_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'data product % moved to version sequence % without its version number: '
                    'a daap older than migration 0005 is writing; stop it', NEW.name, NEW.current_seq
        USING ERRCODE = 'object_not_in_prerequisite_state';
END
$$;

CREATE TRIGGER data_products_head_moves_with_version
    BEFORE UPDATE OF current_seq ON data_products
    FOR EACH ROW
    WHEN (NEW.current_seq <> OLD.current_seq
          AND NEW.major = OLD.major AND NEW.minor = OLD.minor)
    EXECUTE FUNCTION reject_head_without_version();
