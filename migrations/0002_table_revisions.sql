-- Table schemas, stored so that a new version costs work proportional to what changed.
--
-- A row is one revision of one table, valid for the product versions whose sequence numbers
-- fall in [first_seq, end_seq) (end_seq NULL: still current). Changing a table closes its
-- current revision and opens a new one; every other table is untouched, so a version that
-- changes one table of 500 writes two rows here, not 500. Reading the tables of any version,
-- old or latest, is one GiST index lookup: `int4range(first_seq, end_seq) @> seq`.

-- btree_gist lets one GiST index combine equality on ids and names with range containment.
-- It ships with PostgreSQL (contrib) and is a trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE table_revisions (
    product_id        bigint  NOT NULL REFERENCES data_products (id),
    table_name        text    NOT NULL CHECK (table_name ~ '^[a-z][a-z0-9_]{0,127}$'),
    first_seq         integer NOT NULL CHECK (first_seq >= 1),
    end_seq           integer CHECK (end_seq > first_seq),
    table_description text    NOT NULL,
    -- [{"name", "type" (canonical spelling), "description"}], in table order.
    columns           jsonb   NOT NULL,
    PRIMARY KEY (product_id, table_name, first_seq),
    -- Two revisions of one table never cover the same version; the index behind this
    -- constraint also answers "the tables of version N".
    CONSTRAINT table_revisions_no_overlap EXCLUDE USING gist (
        product_id WITH =,
        table_name WITH =,
        int4range(first_seq, end_seq) WITH &&
    )
);
