-- Catalogue sync: what each product should look like in each catalogue (Glue, DataHub), and
-- how far delivery has got. See src/sync/ and docs/catalogue-sync.md.
--
-- This is the transactional outbox, kept as one row per (product, target) rather than one
-- row per change: targets are sent *state*, never deltas, so a backlog of changes to one
-- product collapses to its latest version by construction, and a target can never be sent an
-- older state after a newer one. The statement that writes a version also raises
-- `wanted_seq` here, in the same transaction; workers deliver until `synced_seq` catches up.
CREATE TABLE sync_state (
    product_id      bigint      NOT NULL REFERENCES data_products (id),
    target          text        NOT NULL CHECK (target IN ('glue', 'datahub')),
    -- The product's name, so that work for a deleted product and for a later product that
    -- reuses its name is delivered in registration order (they share catalogue names).
    name            text        NOT NULL,
    -- The version (sequence number) the target should show, or, when `remove`, one past the
    -- product's last version: the product was deleted and must go.
    wanted_seq      integer     NOT NULL,
    remove          boolean     NOT NULL DEFAULT false,
    -- The last state the target acknowledged (0: nothing yet).
    synced_seq      integer     NOT NULL DEFAULT 0,
    synced_at       timestamptz,
    -- When `wanted_seq` first got ahead of `synced_seq`: the age of the oldest pending change.
    pending_since   timestamptz,
    -- Delivery attempts of the current backlog; reset by success and by a new change.
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- Parked after too many failed attempts: visible, and retried only when asked to (or when
    -- a new change arrives).
    parked          boolean     NOT NULL DEFAULT false,
    last_error      text,
    last_error_at   timestamptz,
    -- A worker delivering this row holds it until `lease_until`; a crashed worker's lease
    -- simply runs out.
    lease_owner     text,
    lease_until     timestamptz,
    PRIMARY KEY (product_id, target)
);

-- What workers look for: rows with a backlog that are due.
CREATE INDEX sync_state_due ON sync_state (next_attempt_at)
    WHERE wanted_seq > synced_seq AND NOT parked;
-- Ordering between registrations that share a name.
CREATE INDEX sync_state_name ON sync_state (name, target, product_id);
