-- The IVIS door and the payer's workspace (docs/ivis.md,
-- docs/payer-workspace.md, docs/payer-notifications.md). Same conventions as
-- 0001.

-- How a notification reaches the client: the original's GET, or an IVIS
-- message POSTed to a submission's ResponseEndPoint.
ALTER TABLE notifications ADD COLUMN kind text NOT NULL DEFAULT 'get' CHECK (kind IN ('get', 'ivis'));

-- Business transactions e-services open with StartTransaction.
CREATE TABLE ivis_transactions (
    -- The URN answered.
    id          text PRIMARY KEY,
    client      text NOT NULL,
    eservice_id text NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz
);

-- One row per Submit / SubmitSync; a repeated MessageID is answered from it.
CREATE TABLE ivis_submissions (
    correlation_id uuid PRIMARY KEY,
    client         text NOT NULL,
    message_id     text NOT NULL,
    transaction_id text,
    asynchronous   boolean NOT NULL,
    request_ids    uuid[] NOT NULL,
    created_at     timestamptz NOT NULL,
    disposed_at    timestamptz,
    UNIQUE (client, message_id)
);

-- The payer-message outbox: written in the transaction that registers the
-- request (or by the reminder sweep); one row per request and kind, so no
-- event is announced twice.
CREATE TABLE payer_messages (
    request_id      uuid NOT NULL REFERENCES payment_requests (id),
    kind            text NOT NULL CHECK (kind IN ('registered', 'reminder')),
    recipient       text NOT NULL,
    language        text NOT NULL CHECK (language IN ('lv', 'en')),
    state           text NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    last_error      text,
    lease_owner     text,
    lease_until     timestamptz,
    PRIMARY KEY (request_id, kind)
);

CREATE INDEX payer_messages_due ON payer_messages (next_attempt_at) WHERE state = 'pending';

-- The workspace: the requests the portal's e-services addressed to a payer
-- (IVIS submissions), by personal code, newest first. Written with the
-- submission, so the other doors' create path is not touched.
CREATE TABLE payer_requests (
    payer_code text NOT NULL,
    created_at timestamptz NOT NULL,
    request_id uuid NOT NULL REFERENCES payment_requests (id),
    PRIMARY KEY (payer_code, created_at, request_id)
);

-- Sign-in tokens already taken (their AssertionID), until they expire: a
-- token signs in once, on any node, also after a restart. Only tokens whose
-- signature verified are written, and expired ones are deleted as new ones come.
-- Payer sessions signed out are kept here too (`session:<id>`), until they
-- would have expired: a copy of the cookie is refused after sign-out.
CREATE TABLE sign_in_tokens (
    assertion_id text PRIMARY KEY,
    expires_at   timestamptz NOT NULL
);
