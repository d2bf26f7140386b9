-- The console's operator accounts (docs/operator.md): accounts with a role,
-- an argon2id password hash (or a legacy pbkdf2-sha256 one, re-hashed at the
-- next sign-in), the TOTP secret and the last time step it accepted (a code
-- is taken once); the sessions a sign-in opens, so that signing out,
-- disabling an account, a role change or a password reset end them at once;
-- card reversals proposed by one operator and waiting for another's
-- approval (four eyes); and the activity log's read of the audit trail.
-- Times INTEGER microseconds, UTC.

CREATE TABLE operator_accounts (
    name            TEXT PRIMARY KEY NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'administrator')),
    -- argon2id PHC string, or pbkdf2-sha256$… from an `[[operator]]` entry.
    password_hash   TEXT NOT NULL,
    -- Base32, 20 random bytes; NULL until the operator enrols.
    totp_secret     TEXT,
    -- The last RFC 6238 time step accepted: a code is never taken twice.
    totp_last_step  INTEGER,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    updated_by      TEXT NOT NULL
) STRICT;

CREATE TABLE operator_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    operator    TEXT NOT NULL REFERENCES operator_accounts (name),
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator);
CREATE INDEX operator_sessions_by_expiry ON operator_sessions (expires_at);

-- A card reversal one operator proposed; another approves it (then the
-- acquirer is asked and the row goes) or it stays pending.
CREATE TABLE card_reversal_proposals (
    attempt_id   TEXT PRIMARY KEY NOT NULL REFERENCES attempts (id),
    proposed_by  TEXT NOT NULL,
    proposed_at  INTEGER NOT NULL
) STRICT;

-- The activity log: operators' events, newest first, all or by operator.
CREATE INDEX audit_events_by_operator ON audit_events (id) WHERE substr(actor, 1, 9) = 'operator:';
CREATE INDEX audit_events_by_actor ON audit_events (actor, id);
