-- The IVIS door and the payer's workspace (docs/ivis.md,
-- docs/payer-workspace.md, docs/payer-notifications.md). Same conventions as
-- 0001: times are INTEGER microseconds since the epoch, UTC.

-- How a notification reaches the client: the original's GET, or an IVIS
-- message POSTed to a submission's ResponseEndPoint.
ALTER TABLE notifications ADD COLUMN kind TEXT NOT NULL DEFAULT 'get' CHECK (kind IN ('get', 'ivis'));

-- Business transactions e-services open with StartTransaction.
CREATE TABLE ivis_transactions (
    -- The URN answered.
    id          TEXT PRIMARY KEY NOT NULL,
    client      TEXT NOT NULL,
    eservice_id TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER
) STRICT;

-- One row per Submit / SubmitSync; a repeated MessageID is answered from it.
CREATE TABLE ivis_submissions (
    correlation_id TEXT PRIMARY KEY NOT NULL,
    client         TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    transaction_id TEXT,
    asynchronous   INTEGER NOT NULL CHECK (asynchronous IN (0, 1)),
    -- JSON array of the request ids it created.
    request_ids    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    disposed_at    INTEGER,
    UNIQUE (client, message_id)
) STRICT;

-- The payer-message outbox: written in the transaction that registers the
-- request (or by the reminder sweep); one row per request and kind, so no
-- event is announced twice.
CREATE TABLE payer_messages (
    request_id      TEXT NOT NULL REFERENCES payment_requests (id),
    kind            TEXT NOT NULL CHECK (kind IN ('registered', 'reminder')),
    recipient       TEXT NOT NULL,
    language        TEXT NOT NULL CHECK (language IN ('lv', 'en')),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER,
    PRIMARY KEY (request_id, kind)
) STRICT;

CREATE INDEX payer_messages_due ON payer_messages (next_attempt_at) WHERE state = 'pending';

-- The workspace: the requests the portal's e-services addressed to a payer
-- (IVIS submissions), by personal code, newest first. Written with the
-- submission, so the other doors' create path is not touched.
CREATE TABLE payer_requests (
    payer_code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    request_id TEXT NOT NULL REFERENCES payment_requests (id),
    PRIMARY KEY (payer_code, created_at, request_id)
) STRICT, WITHOUT ROWID;

-- Sign-in tokens already taken (their AssertionID), until they expire: a
-- token signs in once, on any node, also after a restart. Only tokens whose
-- signature verified are written, and expired ones are deleted as new ones come.
-- Payer sessions signed out are kept here too (`session:<id>`), until they
-- would have expired: a copy of the cookie is refused after sign-out.
CREATE TABLE sign_in_tokens (
    assertion_id TEXT PRIMARY KEY NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
