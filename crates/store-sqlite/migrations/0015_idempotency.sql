-- Idempotency keys (docs/idempotency.md): a client's `Idempotency-Key`, the
-- method and the SHA-256 of the request it came with, and what rebuilds the
-- first answer (the request's or document's id; empty for a cancel). Written
-- in the transaction of the work; the primary key lets one call win.
-- Times INTEGER microseconds, UTC. Deleted by the lifecycle worker once
-- older than the time they are answered from (24 hours by default).
CREATE TABLE idempotency_keys (
    client      TEXT NOT NULL,
    key         TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method      TEXT NOT NULL,
    body_hash   TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (client, key)
) STRICT;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
