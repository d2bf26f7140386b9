-- Idempotency keys (docs/idempotency.md): a client's `Idempotency-Key`, the
-- method and the SHA-256 of the request it came with, and what rebuilds the
-- first answer (the request's or document's id; empty for a cancel). Written
-- in the transaction of the work; the primary key lets one call (one node)
-- win. Deleted by the lifecycle worker once older than the time they are
-- answered from (24 hours by default).
CREATE TABLE idempotency_keys (
    client      text NOT NULL,
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method      text NOT NULL,
    body_hash   text NOT NULL,
    result      text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (client, key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
