-- The lifecycle workers: the notification outbox and its delivery log, the
-- signing secrets of notifications, and what the recovery of open attempts
-- needs. Same conventions as 0001: times are INTEGER microseconds since the
-- epoch, UTC; ids the lower-case hyphenated UUID text.

-- The outbox: a row is inserted in the same transaction as the status change it
-- announces, so a committed change is always announced (at least once).
CREATE TABLE notifications (
    -- The event id the client sees (`MM-Event-Id`).
    id              TEXT PRIMARY KEY NOT NULL,
    request_id      TEXT NOT NULL REFERENCES payment_requests (id),
    client          TEXT NOT NULL,
    url             TEXT NOT NULL,
    -- The status announced.
    status          TEXT NOT NULL CHECK (status IN ('P', 'E', 'R', 'O', 'C')),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    -- The worker delivering it now, and until when; both NULL when free. A
    -- worker that dies loses the row only until its lease runs out.
    lease_owner     TEXT,
    lease_until     INTEGER
) STRICT;

-- The workers' claim: pending rows by due time; delivered rows take no room.
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';
-- The delivery log of one request, and the operator's listing by state.
CREATE INDEX notifications_by_request ON notifications (request_id, created_at);
CREATE INDEX notifications_by_state ON notifications (state, created_at);

-- One row per delivery attempt, kept for the delivery log.
CREATE TABLE notification_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id TEXT NOT NULL REFERENCES notifications (id),
    at              INTEGER NOT NULL,
    -- The HTTP status answered; NULL when no answer came.
    http_status     INTEGER CHECK (http_status BETWEEN 0 AND 65535),
    latency_ms      INTEGER NOT NULL CHECK (latency_ms >= 0),
    error           TEXT
) STRICT;

CREATE INDEX notification_attempts_by_notification ON notification_attempts (notification_id, at);

-- Secrets notifications are signed with; several are active while a client
-- rotates them. Kept after retirement, as a record of what was used when.
CREATE TABLE notification_secrets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
) STRICT;

CREATE INDEX notification_secrets_by_client ON notification_secrets (client, created_at);

-- Recovery of open attempts: how often the provider was asked about it, when
-- to ask next (also the claim's lease), and whether the recovery gave up.
ALTER TABLE attempts ADD COLUMN queries_made INTEGER NOT NULL DEFAULT 0 CHECK (queries_made >= 0);
ALTER TABLE attempts ADD COLUMN next_query_at INTEGER;
ALTER TABLE attempts ADD COLUMN unresolved INTEGER NOT NULL DEFAULT 0 CHECK (unresolved IN (0, 1));

-- Attempts already open get the first query a new attempt would (5 minutes
-- after its start), so that none is left without one.
UPDATE attempts SET next_query_at = created_at + 300000000 WHERE state IN ('started', 'accepted');

CREATE INDEX attempts_to_query ON attempts (next_query_at)
    WHERE state IN ('started', 'accepted') AND unresolved = 0;

-- The expiry worker: open requests by expiry.
CREATE INDEX payment_requests_open_by_expiry ON payment_requests (expires_at) WHERE status = 'P';
