-- The console's operator accounts (docs/operator.md): accounts with a role,
-- an argon2id password hash (or a legacy pbkdf2-sha256 one, re-hashed at the
-- next sign-in), the TOTP secret and the last time step it accepted (a code
-- is taken once); the sessions a sign-in opens, so that signing out,
-- disabling an account, a role change or a password reset end them at once;
-- card reversals proposed by one operator and waiting for another's
-- approval (four eyes); and the activity log's read of the audit trail.
-- Times timestamptz.

CREATE TABLE operator_accounts (
    name            text PRIMARY KEY,
    role            text NOT NULL CHECK (role IN ('viewer', 'operator', 'administrator')),
    -- argon2id PHC string, or pbkdf2-sha256$… from an `[[operator]]` entry.
    password_hash   text NOT NULL,
    -- Base32, 20 random bytes; NULL until the operator enrols.
    totp_secret     text,
    -- The last RFC 6238 time step accepted: a code is never taken twice.
    totp_last_step  bigint,
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    created_by      text NOT NULL,
    updated_at      timestamptz NOT NULL,
    updated_by      text NOT NULL
);

CREATE TABLE operator_sessions (
    id          text PRIMARY KEY,
    operator    text NOT NULL REFERENCES operator_accounts (name),
    created_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator);
CREATE INDEX operator_sessions_by_expiry ON operator_sessions (expires_at);

-- A card reversal one operator proposed; another approves it (then the
-- acquirer is asked and the row goes) or it stays pending.
CREATE TABLE card_reversal_proposals (
    attempt_id   uuid PRIMARY KEY REFERENCES attempts (id),
    proposed_by  text NOT NULL,
    proposed_at  timestamptz NOT NULL
);

-- The activity log: operators' events, newest first, all or by operator.
CREATE INDEX audit_events_by_operator ON audit_events (id) WHERE left(actor, 9) = 'operator:';
CREATE INDEX audit_events_by_actor ON audit_events (actor, id);
