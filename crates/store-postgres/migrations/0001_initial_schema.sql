-- The initial schema of maksa on PostgreSQL.
--
-- Conventions (the SQLite schema has the same logical shape):
-- * Times are timestamptz (UTC instants). The store truncates every time to
--   whole microseconds (towards the past) before writing, which is exactly what
--   timestamptz keeps.
-- * Amounts are bigint minor units (cents) of the row's currency.
-- * Request ids are uuid: 16 bytes, compared and sorted as bytes. Client ids,
--   request numbers and purpose ids are text.
-- * Statuses are the one-letter codes of `Status::letter()`.
-- * The columns catalog, roles, services, terms, payee, lines and detail are
--   jsonb holding the serde_json of the domain type; everything a query filters
--   or sorts on is a column of its own.

CREATE TABLE catalog_versions (
    version     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    imported_at timestamptz NOT NULL,
    -- The text the catalogue was imported from, kept to show what was loaded.
    source      text NOT NULL,
    -- serde_json of `Catalog`.
    catalog     jsonb NOT NULL
);

CREATE TABLE client_certificates (
    -- Lower-case hex SHA-256 of the certificate's DER.
    thumbprint    text PRIMARY KEY,
    client_id     text NOT NULL,
    subject       text NOT NULL,
    not_before    timestamptz NOT NULL,
    not_after     timestamptz NOT NULL,
    revoked_at    timestamptz,
    -- JSON arrays of strings.
    roles         jsonb NOT NULL,
    services      jsonb NOT NULL,
    registered_at timestamptz NOT NULL
);

CREATE TABLE payment_requests (
    id                    uuid PRIMARY KEY,
    owner                 text NOT NULL,
    number                text NOT NULL UNIQUE,
    status                text NOT NULL CHECK (status IN ('P', 'E', 'R', 'O', 'C')),
    created_at            timestamptz NOT NULL,
    status_changed_at     timestamptz NOT NULL,
    -- Copied from the terms so listings can filter on it.
    expires_at            timestamptz NOT NULL,
    -- When the request became E; NULL while it is not paid.
    paid_at               timestamptz,
    total_minor           bigint NOT NULL CHECK (total_minor >= 0),
    currency              text NOT NULL,
    service_name          text NOT NULL,
    service_provider_name text NOT NULL,
    -- serde_json of `RequestTerms`: what the client fixed; never changes.
    terms                 jsonb NOT NULL
);

-- Every listing is one client's, newest first, optionally bounded by one of these times.
CREATE INDEX payment_requests_by_owner_created ON payment_requests (owner, created_at);
CREATE INDEX payment_requests_by_owner_expires ON payment_requests (owner, expires_at);
CREATE INDEX payment_requests_by_owner_paid ON payment_requests (owner, paid_at);

CREATE TABLE payments (
    request_id   uuid NOT NULL REFERENCES payment_requests (id),
    sequence     integer NOT NULL CHECK (sequence BETWEEN 0 AND 65535),
    -- The 34-character identifier bank statement lines are matched with.
    purpose_id   text NOT NULL UNIQUE,
    purpose      text NOT NULL,
    payee_iban   text NOT NULL,
    -- serde_json of `Payee`.
    payee        jsonb NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    currency     text NOT NULL,
    status       text NOT NULL CHECK (status IN ('P', 'E', 'R', 'O', 'C')),
    provider     text,
    paid_at      timestamptz,
    external_id  text,
    -- serde_json of `Vec<PaymentLine>`.
    lines        jsonb NOT NULL,
    -- Also the index "payments of a request, in sequence order".
    PRIMARY KEY (request_id, sequence)
);

-- For getpayments bounded by payment time; unpaid payments take no room in it.
CREATE INDEX payments_by_paid_at ON payments (paid_at) WHERE paid_at IS NOT NULL;

CREATE TABLE invoice_orders (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id        uuid NOT NULL REFERENCES payment_requests (id),
    owner             text NOT NULL,
    recipient_name    text,
    recipient_code    text,
    recipient_address text,
    created_at        timestamptz NOT NULL
    -- The invoice document itself is added by a later migration.
);

CREATE INDEX invoice_orders_by_request ON invoice_orders (request_id);

CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    -- A client id, `operator`, or a provider code.
    actor      text NOT NULL,
    -- No foreign key on purpose: the audit trail is kept forever, also about
    -- requests that may one day be archived away.
    request_id uuid,
    kind       text NOT NULL,
    -- Any JSON value.
    detail     jsonb NOT NULL
);

CREATE INDEX audit_events_by_request ON audit_events (request_id, at);
