-- The lifecycle workers: the notification outbox and its delivery log, the
-- signing secrets of notifications, and what the recovery of open attempts
-- needs. Same conventions as 0001: times are timestamptz (UTC, whole
-- microseconds); ids uuid.

-- The outbox: a row is inserted in the same transaction as the status change it
-- announces, so a committed change is always announced (at least once).
CREATE TABLE notifications (
    -- The event id the client sees (`MM-Event-Id`).
    id              uuid PRIMARY KEY,
    request_id      uuid NOT NULL REFERENCES payment_requests (id),
    client          text NOT NULL,
    url             text NOT NULL,
    -- The status announced.
    status          text NOT NULL CHECK (status IN ('P', 'E', 'R', 'O', 'C')),
    state           text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz,
    -- The worker delivering it now, and until when; both NULL when free. A
    -- node that dies loses the row only until its lease runs out.
    lease_owner     text,
    lease_until     timestamptz
);

-- The workers' claim: pending rows by due time; delivered rows take no room.
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';
-- The delivery log of one request, and the operator's listing by state.
CREATE INDEX notifications_by_request ON notifications (request_id, created_at);
CREATE INDEX notifications_by_state ON notifications (state, created_at);

-- One row per delivery attempt, kept for the delivery log.
CREATE TABLE notification_attempts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id uuid NOT NULL REFERENCES notifications (id),
    at              timestamptz NOT NULL,
    -- The HTTP status answered; NULL when no answer came.
    http_status     integer CHECK (http_status BETWEEN 0 AND 65535),
    -- bigint: a u32 does not fit integer.
    latency_ms      bigint NOT NULL CHECK (latency_ms >= 0),
    error           text
);

CREATE INDEX notification_attempts_by_notification ON notification_attempts (notification_id, at);

-- Secrets notifications are signed with; several are active while a client
-- rotates them. Kept after retirement, as a record of what was used when.
CREATE TABLE notification_secrets (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client     text NOT NULL,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL,
    retired_at timestamptz
);

CREATE INDEX notification_secrets_by_client ON notification_secrets (client, created_at);

-- Recovery of open attempts: how often the provider was asked about it, when
-- to ask next (also the claim's lease), and whether the recovery gave up.
ALTER TABLE attempts
    ADD COLUMN queries_made integer NOT NULL DEFAULT 0 CHECK (queries_made >= 0),
    ADD COLUMN next_query_at timestamptz,
    ADD COLUMN unresolved boolean NOT NULL DEFAULT false;

-- Attempts already open get the first query a new attempt would (5 minutes
-- after its start), so that none is left without one.
UPDATE attempts SET next_query_at = created_at + interval '5 minutes' WHERE state IN ('started', 'accepted');

CREATE INDEX attempts_to_query ON attempts (next_query_at)
    WHERE state IN ('started', 'accepted') AND NOT unresolved;

-- The expiry worker: open requests by expiry.
CREATE INDEX payment_requests_open_by_expiry ON payment_requests (expires_at) WHERE status = 'P';
