-- Responses to POSTs, kept so that a retried request is answered with the first response
-- instead of being executed twice. A record is written in the same transaction as the change
-- it describes: only committed work is remembered, and every replica sees it.

CREATE TABLE idempotency_records (
    -- `key:<Idempotency-Key>` for a key the client sent, `derived:<hex sha-256>` for one daap
    -- derived from the request itself.
    key           text        PRIMARY KEY,
    -- SHA-256 of the method, path and canonical JSON body: the same key with another request
    -- is refused instead of replaying an unrelated response.
    request_hash  bytea       NOT NULL,
    derived       boolean     NOT NULL,
    -- The resource the request created (`dp:<name>` or `dp:<name>:<table>`): deleting it
    -- forgets derived records, so re-sending the same body after a delete creates it again.
    resource      text        NOT NULL,
    status        smallint    NOT NULL,
    headers       jsonb       NOT NULL,
    body          bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);

CREATE INDEX idempotency_records_expiry ON idempotency_records (expires_at);
CREATE INDEX idempotency_records_resource ON idempotency_records (resource) WHERE derived;
