-- Data products and their immutable versions.
--
-- `data_products` is one row per registration: the stable identity of a product and a pointer
-- to its latest version. Locking this row (SELECT ... FOR UPDATE) serialises every writer of
-- one product, so versions form a gap-free sequence without lost updates.
-- `data_product_versions` is append-only: a row, once written, never changes.

CREATE TYPE product_status AS ENUM ('draft', 'published', 'retired');
CREATE TYPE version_bump AS ENUM ('initial', 'minor', 'major');

CREATE TABLE data_products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    -- Sequence number of the latest version (1 for v1.0, 2 for the next, ...).
    current_seq integer     NOT NULL CHECK (current_seq >= 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL,
    -- Deletion is recorded, not erased: who deleted the product and when, for audit.
    deleted_at  timestamptz,
    deleted_by  text,
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);

-- A name belongs to at most one live product; a deleted product frees its name.
-- This index also serves lookups by name and the keyset pagination of the list.
CREATE UNIQUE INDEX data_products_live_name_key ON data_products (name) WHERE deleted_at IS NULL;

CREATE TABLE data_product_versions (
    product_id                        bigint       NOT NULL REFERENCES data_products (id),
    seq                               integer      NOT NULL CHECK (seq >= 1),
    major                             integer      NOT NULL CHECK (major >= 1),
    minor                             integer      NOT NULL CHECK (minor >= 0),
    bump                              version_bump NOT NULL,
    -- What this version changed relative to the previous one (see docs/architecture.md).
    changes                           jsonb        NOT NULL,
    description                       text         NOT NULL,
    domain                            text         NOT NULL,
    data_product_owner                text         NOT NULL,
    data_product_owner_display_name   text         NOT NULL,
    data_product_maintainer           text,
    data_product_maintainer_display_name text,
    email                             text         NOT NULL,
    status                            product_status NOT NULL,
    retention_period                  integer      NOT NULL CHECK (retention_period >= 0),
    dpia_required                     boolean      NOT NULL,
    tags                              jsonb        NOT NULL,
    created_at                        timestamptz  NOT NULL DEFAULT now(),
    created_by                        text         NOT NULL,
    PRIMARY KEY (product_id, seq),
    CONSTRAINT data_product_versions_number_key UNIQUE (product_id, major, minor)
);
