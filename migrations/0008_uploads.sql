-- Uploads of data files: one row per upload daap issued (a presigned S3 POST, an S3 multipart
-- upload, or the same through daap's own local store), written in the transaction that stores
-- the request's idempotency record. See src/uploads/ and docs/uploads.md.
--
-- A row records who asked, when, where the file goes and what it must be (size and MD5), and
-- which schema version it will be checked against. Its status only moves forward:
-- `issued` -> `received` (the object exists) | `expired` (never arrived) | `aborted`.
CREATE TABLE uploads (
    id               uuid        PRIMARY KEY,
    product_id       bigint      NOT NULL REFERENCES data_products (id),
    table_name       text        NOT NULL,
    -- The latest version when the upload was issued: the schema the file is checked against.
    major            integer     NOT NULL,
    minor            integer     NOT NULL,
    -- The client's name for the file, for people; the key is what the pipeline reads.
    filename         text        NOT NULL,
    -- landing/<name>/v<major>/<table>/load_timestamp=<YYYYMMDDTHHMMSSZ>/<id>.csv: unique
    -- because it ends in the id, so it needs no index of its own.
    object_key       text        NOT NULL,
    -- 's3' (the bucket named) or 'local' (under daap's data directory).
    store            text        NOT NULL CHECK (store IN ('s3', 'local')),
    bucket           text,
    content_md5      bytea       NOT NULL CHECK (length(content_md5) = 16),
    -- Declared size; NULL when the client did not say (a single POST of at most 5 GiB).
    content_length   bigint      CHECK (content_length > 0),
    -- Multipart uploads: the part size and count daap chose, and S3's id of the upload.
    part_size        bigint      CHECK (part_size > 0),
    part_count       integer     CHECK (part_count BETWEEN 1 AND 10000),
    s3_upload_id     text,
    status           text        NOT NULL DEFAULT 'issued'
                                 CHECK (status IN ('issued', 'received', 'expired', 'aborted')),
    -- A single POST: when its policy expires. A multipart upload: when daap stops issuing part
    -- URLs and counts it as expired unless completed.
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    created_by       text        NOT NULL,
    created_by_name  text,
    received_at      timestamptz,
    received_length  bigint,
    CHECK ((part_size IS NULL) = (part_count IS NULL)),
    CHECK ((store = 's3') = (bucket IS NOT NULL)),
    CHECK ((status = 'received') = (received_at IS NOT NULL))
);

-- The uploads of one table, newest first: the list and its keyset pagination.
CREATE INDEX uploads_by_table ON uploads (product_id, table_name, created_at DESC, id DESC);
