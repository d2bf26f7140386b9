-- Retention and erasure of payers' personal data (docs/retention.md). Same
-- conventions as 0001: times are INTEGER microseconds since the epoch, UTC.

-- When the payer's data of a request was pseudonymised (NULL: not yet), and
-- the keyed hash its payer code became (NULL: not yet, or it named none).
ALTER TABLE payment_requests ADD COLUMN payer_erased_at INTEGER;
ALTER TABLE payment_requests ADD COLUMN payer_pseudonym TEXT;

-- The retention worker: final requests not erased yet, by when they became
-- final. Open requests and erased ones take no room in it.
CREATE INDEX payment_requests_retention_due ON payment_requests (status_changed_at)
    WHERE status <> 'P' AND payer_erased_at IS NULL;
-- A person's requests by their code (export, erasure on request); requests
-- without a payer code take no room in it.
CREATE INDEX payment_requests_by_payer_code ON payment_requests (json_extract(terms, '$.payer.code'))
    WHERE json_extract(terms, '$.payer.code') IS NOT NULL;
-- A person's requests already pseudonymised, by the keyed hash of their code.
CREATE INDEX payment_requests_by_payer_pseudonym ON payment_requests (payer_pseudonym)
    WHERE payer_pseudonym IS NOT NULL;
-- The workspace's rows of one request (rewritten by an erasure).
CREATE INDEX payer_requests_by_request ON payer_requests (request_id);

-- One row per erasure: what kind of record, which one, when, why, by whom.
-- Kept forever, like the audit trail; it holds no personal data itself.
CREATE TABLE erasure_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('payment_request')),
    record_id   TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('retention', 'request')),
    -- `hub` (the worker), `operator:<name>`, or the CLI's actor.
    actor       TEXT NOT NULL,
    -- The operator's reason; empty for the worker.
    note        TEXT NOT NULL,
    -- JSON: what else changed with it (counts of outbox and workspace rows).
    detail      TEXT NOT NULL
) STRICT;

CREATE INDEX erasure_log_by_record ON erasure_log (record_kind, record_id);
