-- The initial schema of maksa on SQLite.
--
-- Conventions (the PostgreSQL schema has the same logical shape):
-- * Times are INTEGER microseconds since 1970-01-01T00:00:00 UTC, always UTC,
--   truncated towards the past to whole microseconds. Integers compare and
--   range-scan correctly and round-trip exactly.
-- * Amounts are INTEGER minor units (cents) of the row's currency.
-- * Request ids are TEXT: the lower-case hyphenated UUID. That form sorts in the
--   same order as the UUID's bytes (PostgreSQL's uuid order).
-- * Statuses are the one-letter codes of `Status::letter()`.
-- * The columns catalog, roles, services, terms, payee, lines and detail are
--   TEXT holding the serde_json of the domain type; everything a query filters
--   or sorts on is a column of its own.
-- * STRICT tables: SQLite refuses a value of the wrong type instead of keeping it.

CREATE TABLE catalog_versions (
    version     INTEGER PRIMARY KEY AUTOINCREMENT,
    imported_at INTEGER NOT NULL,
    -- The text the catalogue was imported from, kept to show what was loaded.
    source      TEXT NOT NULL,
    -- serde_json of `Catalog`.
    catalog     TEXT NOT NULL
) STRICT;

CREATE TABLE client_certificates (
    -- Lower-case hex SHA-256 of the certificate's DER.
    thumbprint    TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    not_before    INTEGER NOT NULL,
    not_after     INTEGER NOT NULL,
    revoked_at    INTEGER,
    -- JSON arrays of strings.
    roles         TEXT NOT NULL,
    services      TEXT NOT NULL,
    registered_at INTEGER NOT NULL
) STRICT;

CREATE TABLE payment_requests (
    id                    TEXT PRIMARY KEY NOT NULL,
    owner                 TEXT NOT NULL,
    number                TEXT NOT NULL UNIQUE,
    status                TEXT NOT NULL CHECK (status IN ('P', 'E', 'R', 'O', 'C')),
    created_at            INTEGER NOT NULL,
    status_changed_at     INTEGER NOT NULL,
    -- Copied from the terms so listings can filter on it.
    expires_at            INTEGER NOT NULL,
    -- When the request became E; NULL while it is not paid.
    paid_at               INTEGER,
    total_minor           INTEGER NOT NULL CHECK (total_minor >= 0),
    currency              TEXT NOT NULL,
    service_name          TEXT NOT NULL,
    service_provider_name TEXT NOT NULL,
    -- serde_json of `RequestTerms`: what the client fixed; never changes.
    terms                 TEXT NOT NULL
) STRICT;

-- Every listing is one client's, newest first, optionally bounded by one of these times.
CREATE INDEX payment_requests_by_owner_created ON payment_requests (owner, created_at);
CREATE INDEX payment_requests_by_owner_expires ON payment_requests (owner, expires_at);
CREATE INDEX payment_requests_by_owner_paid ON payment_requests (owner, paid_at);

CREATE TABLE payments (
    request_id   TEXT NOT NULL REFERENCES payment_requests (id),
    sequence     INTEGER NOT NULL CHECK (sequence BETWEEN 0 AND 65535),
    -- The 34-character identifier bank statement lines are matched with.
    purpose_id   TEXT NOT NULL UNIQUE,
    purpose      TEXT NOT NULL,
    payee_iban   TEXT NOT NULL,
    -- serde_json of `Payee`.
    payee        TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('P', 'E', 'R', 'O', 'C')),
    provider     TEXT,
    paid_at      INTEGER,
    external_id  TEXT,
    -- serde_json of `Vec<PaymentLine>`.
    lines        TEXT NOT NULL,
    -- Also the index "payments of a request, in sequence order".
    PRIMARY KEY (request_id, sequence)
) STRICT;

-- For getpayments bounded by payment time; unpaid payments take no room in it.
CREATE INDEX payments_by_paid_at ON payments (paid_at) WHERE paid_at IS NOT NULL;

CREATE TABLE invoice_orders (
    -- AUTOINCREMENT: an id is never reused, even after the newest row is gone.
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id        TEXT NOT NULL REFERENCES payment_requests (id),
    owner             TEXT NOT NULL,
    recipient_name    TEXT,
    recipient_code    TEXT,
    recipient_address TEXT,
    created_at        INTEGER NOT NULL
    -- The invoice document itself is added by a later migration.
) STRICT;

CREATE INDEX invoice_orders_by_request ON invoice_orders (request_id);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    -- A client id, `operator`, or a provider code.
    actor      TEXT NOT NULL,
    -- No foreign key on purpose: the audit trail is kept forever, also about
    -- requests that may one day be archived away.
    request_id TEXT,
    kind       TEXT NOT NULL,
    -- Any JSON value.
    detail     TEXT NOT NULL
) STRICT;

CREATE INDEX audit_events_by_request ON audit_events (request_id, at);
