-- The dashboard's roll-up (docs/dashboard.md, "Speed"): counters the
-- console's dashboard reads instead of aggregating every row of its range.
-- Kept by the triggers below on every INSERT and UPDATE of the rows they
-- count, in the transaction that changes the row: no workflow writes them,
-- so no code path can miss them. An UPDATE that moves a row from one counter
-- to another takes 1 from the old and adds 1 to the new, and only when a
-- counted column really changed, so a repeated message counts nothing twice
-- and "by their state now" stays exact. Rows of the counted tables are never
-- deleted (retention pseudonymises, docs/retention.md).
--
-- Grains: `hour` is the UTC hour (time / 3,600,000,000 microseconds); a Riga
-- day at either offset is a sum of whole hours. `piece` cuts each day at
-- UTC+3 into its first hour and the 23 after: piece 2d starts at 21:00 UTC
-- (a Riga midnight in summer), 2d + 1 at 22:00 UTC (one in winter), so a
-- range of Riga days is a range of pieces, and a piece holds a day's rows.

-- Requests by the hour they were created and their status now.
CREATE TABLE dashboard_requests (
    hour   INTEGER NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (hour, status)
) STRICT, WITHOUT ROWID;

-- Requests with a `paid_at`, by its hour, service and currency: how many,
-- and their totals.
CREATE TABLE dashboard_paid_requests (
    hour         INTEGER NOT NULL,
    service_name TEXT NOT NULL,
    currency     TEXT NOT NULL,
    n            INTEGER NOT NULL,
    minor        INTEGER NOT NULL,
    PRIMARY KEY (hour, service_name, currency)
) STRICT, WITHOUT ROWID;

-- Payments with status E and a `paid_at`, by its hour, provider ('' when
-- none) and currency.
CREATE TABLE dashboard_paid_payments (
    hour     INTEGER NOT NULL,
    provider TEXT NOT NULL,
    currency TEXT NOT NULL,
    n        INTEGER NOT NULL,
    minor    INTEGER NOT NULL,
    PRIMARY KEY (hour, provider, currency)
) STRICT, WITHOUT ROWID;

-- Attempts by the piece they were started in, provider and state now; for
-- executed ones also the bucket of their time to confirmation
-- (`maksa_app::store::confirmation_bucket`; 0 for the other states).
CREATE TABLE dashboard_attempts (
    piece    INTEGER NOT NULL,
    provider TEXT NOT NULL,
    state    TEXT NOT NULL,
    seconds  INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (piece, provider, state, seconds)
) STRICT, WITHOUT ROWID;

-- Notifications by the piece they were created in, state now, and whether
-- a delivery was tried (attempts > 0).
CREATE TABLE dashboard_notifications (
    piece INTEGER NOT NULL,
    state TEXT NOT NULL,
    tried INTEGER NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (piece, state, tried)
) STRICT, WITHOUT ROWID;

-- payment_requests ----------------------------------------------------------

CREATE TRIGGER dashboard_requests_insert AFTER INSERT ON payment_requests
BEGIN
    INSERT INTO dashboard_requests (hour, status, n)
        VALUES (NEW.created_at / 3600000000, NEW.status, 1)
        ON CONFLICT (hour, status) DO UPDATE SET n = n + 1;
    INSERT INTO dashboard_paid_requests (hour, service_name, currency, n, minor)
        SELECT NEW.paid_at / 3600000000, NEW.service_name, NEW.currency, 1, NEW.total_minor
        WHERE NEW.paid_at IS NOT NULL
        ON CONFLICT (hour, service_name, currency)
        DO UPDATE SET n = n + 1, minor = minor + excluded.minor;
END;

CREATE TRIGGER dashboard_requests_status AFTER UPDATE OF status, created_at ON payment_requests
WHEN OLD.status IS NOT NEW.status OR OLD.created_at IS NOT NEW.created_at
BEGIN
    UPDATE dashboard_requests SET n = n - 1
        WHERE hour = OLD.created_at / 3600000000 AND status = OLD.status;
    INSERT INTO dashboard_requests (hour, status, n)
        VALUES (NEW.created_at / 3600000000, NEW.status, 1)
        ON CONFLICT (hour, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER dashboard_requests_paid
AFTER UPDATE OF paid_at, service_name, currency, total_minor ON payment_requests
WHEN OLD.paid_at IS NOT NEW.paid_at OR OLD.service_name IS NOT NEW.service_name
    OR OLD.currency IS NOT NEW.currency OR OLD.total_minor IS NOT NEW.total_minor
BEGIN
    UPDATE dashboard_paid_requests SET n = n - 1, minor = minor - OLD.total_minor
        WHERE OLD.paid_at IS NOT NULL AND hour = OLD.paid_at / 3600000000
        AND service_name = OLD.service_name AND currency = OLD.currency;
    INSERT INTO dashboard_paid_requests (hour, service_name, currency, n, minor)
        SELECT NEW.paid_at / 3600000000, NEW.service_name, NEW.currency, 1, NEW.total_minor
        WHERE NEW.paid_at IS NOT NULL
        ON CONFLICT (hour, service_name, currency)
        DO UPDATE SET n = n + 1, minor = minor + excluded.minor;
END;

-- payments ------------------------------------------------------------------

CREATE TRIGGER dashboard_payments_insert AFTER INSERT ON payments
WHEN NEW.status = 'E' AND NEW.paid_at IS NOT NULL
BEGIN
    INSERT INTO dashboard_paid_payments (hour, provider, currency, n, minor)
        VALUES (NEW.paid_at / 3600000000, COALESCE(NEW.provider, ''), NEW.currency, 1,
                NEW.amount_minor)
        ON CONFLICT (hour, provider, currency)
        DO UPDATE SET n = n + 1, minor = minor + excluded.minor;
END;

CREATE TRIGGER dashboard_payments_update
AFTER UPDATE OF status, paid_at, provider, currency, amount_minor ON payments
WHEN OLD.status IS NOT NEW.status OR OLD.paid_at IS NOT NEW.paid_at
    OR OLD.provider IS NOT NEW.provider OR OLD.currency IS NOT NEW.currency
    OR OLD.amount_minor IS NOT NEW.amount_minor
BEGIN
    UPDATE dashboard_paid_payments SET n = n - 1, minor = minor - OLD.amount_minor
        WHERE OLD.status = 'E' AND OLD.paid_at IS NOT NULL
        AND hour = OLD.paid_at / 3600000000 AND provider = COALESCE(OLD.provider, '')
        AND currency = OLD.currency;
    INSERT INTO dashboard_paid_payments (hour, provider, currency, n, minor)
        SELECT NEW.paid_at / 3600000000, COALESCE(NEW.provider, ''), NEW.currency, 1,
               NEW.amount_minor
        WHERE NEW.status = 'E' AND NEW.paid_at IS NOT NULL
        ON CONFLICT (hour, provider, currency)
        DO UPDATE SET n = n + 1, minor = minor + excluded.minor;
END;

-- attempts ------------------------------------------------------------------
-- The piece of `created_at`, and the confirmation bucket of an executed one
-- (whole seconds from start to `updated_at`, capped at a week).

CREATE TRIGGER dashboard_attempts_insert AFTER INSERT ON attempts
BEGIN
    INSERT INTO dashboard_attempts (piece, provider, state, seconds, n)
        SELECT (NEW.created_at + 10800000000) / 86400000000 * 2
                   + ((NEW.created_at + 10800000000) % 86400000000 >= 3600000000),
               NEW.provider, NEW.state,
               CASE WHEN NEW.state <> 'executed' THEN 0
                    WHEN s < 60 THEN s
                    WHEN s < 600 THEN s - s % 10
                    WHEN s < 3600 THEN s - s % 60
                    WHEN s < 86400 THEN s - s % 900
                    WHEN s < 604800 THEN s - s % 3600
                    ELSE 604800 END,
               1
        FROM (SELECT MIN(MAX((NEW.updated_at - NEW.created_at) / 1000000, 0), 604800) AS s)
        WHERE true
        ON CONFLICT (piece, provider, state, seconds) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER dashboard_attempts_update
AFTER UPDATE OF provider, state, created_at, updated_at ON attempts
WHEN OLD.provider IS NOT NEW.provider OR OLD.state IS NOT NEW.state
    OR OLD.created_at IS NOT NEW.created_at
    OR (NEW.state = 'executed' AND OLD.updated_at IS NOT NEW.updated_at)
BEGIN
    UPDATE dashboard_attempts SET n = n - 1
        WHERE piece = (OLD.created_at + 10800000000) / 86400000000 * 2
                   + ((OLD.created_at + 10800000000) % 86400000000 >= 3600000000)
        AND provider = OLD.provider AND state = OLD.state
        AND seconds = (SELECT CASE WHEN OLD.state <> 'executed' THEN 0
                    WHEN s < 60 THEN s
                    WHEN s < 600 THEN s - s % 10
                    WHEN s < 3600 THEN s - s % 60
                    WHEN s < 86400 THEN s - s % 900
                    WHEN s < 604800 THEN s - s % 3600
                    ELSE 604800 END
            FROM (SELECT MIN(MAX((OLD.updated_at - OLD.created_at) / 1000000, 0), 604800) AS s));
    INSERT INTO dashboard_attempts (piece, provider, state, seconds, n)
        SELECT (NEW.created_at + 10800000000) / 86400000000 * 2
                   + ((NEW.created_at + 10800000000) % 86400000000 >= 3600000000),
               NEW.provider, NEW.state,
               CASE WHEN NEW.state <> 'executed' THEN 0
                    WHEN s < 60 THEN s
                    WHEN s < 600 THEN s - s % 10
                    WHEN s < 3600 THEN s - s % 60
                    WHEN s < 86400 THEN s - s % 900
                    WHEN s < 604800 THEN s - s % 3600
                    ELSE 604800 END,
               1
        FROM (SELECT MIN(MAX((NEW.updated_at - NEW.created_at) / 1000000, 0), 604800) AS s)
        WHERE true
        ON CONFLICT (piece, provider, state, seconds) DO UPDATE SET n = n + 1;
END;

-- notifications -------------------------------------------------------------

CREATE TRIGGER dashboard_notifications_insert AFTER INSERT ON notifications
BEGIN
    INSERT INTO dashboard_notifications (piece, state, tried, n)
        VALUES ((NEW.created_at + 10800000000) / 86400000000 * 2
                    + ((NEW.created_at + 10800000000) % 86400000000 >= 3600000000),
                NEW.state, NEW.attempts > 0, 1)
        ON CONFLICT (piece, state, tried) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER dashboard_notifications_update
AFTER UPDATE OF state, attempts, created_at ON notifications
WHEN OLD.state IS NOT NEW.state OR (OLD.attempts > 0) IS NOT (NEW.attempts > 0)
    OR OLD.created_at IS NOT NEW.created_at
BEGIN
    UPDATE dashboard_notifications SET n = n - 1
        WHERE piece = (OLD.created_at + 10800000000) / 86400000000 * 2
                   + ((OLD.created_at + 10800000000) % 86400000000 >= 3600000000)
        AND state = OLD.state AND tried = (OLD.attempts > 0);
    INSERT INTO dashboard_notifications (piece, state, tried, n)
        VALUES ((NEW.created_at + 10800000000) / 86400000000 * 2
                    + ((NEW.created_at + 10800000000) % 86400000000 >= 3600000000),
                NEW.state, NEW.attempts > 0, 1)
        ON CONFLICT (piece, state, tried) DO UPDATE SET n = n + 1;
END;

-- The rows already there.

INSERT INTO dashboard_requests (hour, status, n)
    SELECT created_at / 3600000000, status, COUNT(*) FROM payment_requests
    GROUP BY 1, 2;
INSERT INTO dashboard_paid_requests (hour, service_name, currency, n, minor)
    SELECT paid_at / 3600000000, service_name, currency, COUNT(*), SUM(total_minor)
    FROM payment_requests WHERE paid_at IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO dashboard_paid_payments (hour, provider, currency, n, minor)
    SELECT paid_at / 3600000000, COALESCE(provider, ''), currency, COUNT(*), SUM(amount_minor)
    FROM payments WHERE status = 'E' AND paid_at IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO dashboard_attempts (piece, provider, state, seconds, n)
    SELECT (created_at + 10800000000) / 86400000000 * 2
               + ((created_at + 10800000000) % 86400000000 >= 3600000000),
           provider, state,
           CASE WHEN state <> 'executed' THEN 0
                WHEN s < 60 THEN s
                WHEN s < 600 THEN s - s % 10
                WHEN s < 3600 THEN s - s % 60
                WHEN s < 86400 THEN s - s % 900
                WHEN s < 604800 THEN s - s % 3600
                ELSE 604800 END,
           COUNT(*)
    FROM (SELECT created_at, provider, state,
                 MIN(MAX((updated_at - created_at) / 1000000, 0), 604800) AS s FROM attempts)
    GROUP BY 1, 2, 3, 4;
INSERT INTO dashboard_notifications (piece, state, tried, n)
    SELECT (created_at + 10800000000) / 86400000000 * 2
               + ((created_at + 10800000000) % 86400000000 >= 3600000000),
           state, attempts > 0, COUNT(*)
    FROM notifications GROUP BY 1, 2, 3;
