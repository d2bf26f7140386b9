-- The dashboard's roll-up (docs/dashboard.md, "Speed"): counters the
-- console's dashboard reads instead of aggregating every row of its range.
-- Kept by the triggers below on every INSERT and UPDATE of the rows they
-- count, in the transaction that changes the row: no workflow writes them,
-- so no code path can miss them. An UPDATE that moves a row from one counter
-- to another takes 1 from the old and adds 1 to the new, and only when a
-- counted column really changed (IS DISTINCT FROM), so a repeated message
-- counts nothing twice and "by their state now" stays exact. Rows of the
-- counted tables are never deleted (retention pseudonymises,
-- docs/retention.md).
--
-- Grains: `hour` is the UTC hour since 1970; a Riga day at either offset is
-- a sum of whole hours. `piece` cuts each day at UTC+3 into its first hour
-- and the 23 after: piece 2d starts at 21:00 UTC (a Riga midnight in
-- summer), 2d + 1 at 22:00 UTC (one in winter), so a range of Riga days is a
-- range of pieces.
--
-- `shard` (the writing backend's pid mod 8) spreads the counters of one hour
-- over up to eight rows, so concurrent transactions do not queue on one hot
-- row's lock until they commit; readers sum the shards. A row may be taken
-- from in another shard than it was added to: a shard's `n` can be negative,
-- only the sum over the shards means anything.

CREATE TABLE dashboard_requests (
    hour   bigint NOT NULL,
    status text NOT NULL,
    shard  smallint NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (hour, status, shard)
);

CREATE TABLE dashboard_paid_requests (
    hour         bigint NOT NULL,
    service_name text NOT NULL,
    currency     text NOT NULL,
    shard        smallint NOT NULL,
    n            bigint NOT NULL,
    minor        bigint NOT NULL,
    PRIMARY KEY (hour, service_name, currency, shard)
);

CREATE TABLE dashboard_paid_payments (
    hour     bigint NOT NULL,
    provider text NOT NULL,
    currency text NOT NULL,
    shard    smallint NOT NULL,
    n        bigint NOT NULL,
    minor    bigint NOT NULL,
    PRIMARY KEY (hour, provider, currency, shard)
);

CREATE TABLE dashboard_attempts (
    piece    bigint NOT NULL,
    provider text NOT NULL,
    state    text NOT NULL,
    seconds  bigint NOT NULL,
    shard    smallint NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (piece, provider, state, seconds, shard)
);

CREATE TABLE dashboard_notifications (
    piece bigint NOT NULL,
    state text NOT NULL,
    tried boolean NOT NULL,
    shard smallint NOT NULL,
    n     bigint NOT NULL,
    PRIMARY KEY (piece, state, tried, shard)
);

CREATE FUNCTION dashboard_hour(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(extract(epoch FROM t) / 3600)::bigint
$$;

CREATE FUNCTION dashboard_piece(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (s + 10800) / 86400 * 2 + CASE WHEN (s + 10800) % 86400 >= 3600 THEN 1 ELSE 0 END
    FROM (SELECT floor(extract(epoch FROM t))::bigint AS s) AS x
$$;

-- `maksa_app::store::confirmation_bucket` of an executed attempt's whole
-- seconds from start to confirmation; 0 for the other states.
CREATE FUNCTION dashboard_seconds(state text, created timestamptz, updated timestamptz)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN state <> 'executed' THEN 0
                WHEN s < 60 THEN s
                WHEN s < 600 THEN s - s % 10
                WHEN s < 3600 THEN s - s % 60
                WHEN s < 86400 THEN s - s % 900
                WHEN s < 604800 THEN s - s % 3600
                ELSE 604800 END
    FROM (SELECT LEAST(GREATEST(floor(extract(epoch FROM (updated - created)))::bigint, 0),
                       604800) AS s) AS x
$$;

-- payment_requests ----------------------------------------------------------

CREATE FUNCTION dashboard_add_request(p_hour bigint, p_status text, p_n bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dashboard_requests AS d (hour, status, shard, n)
    VALUES (p_hour, p_status, pg_backend_pid() % 8, p_n)
    ON CONFLICT (hour, status, shard) DO UPDATE SET n = d.n + EXCLUDED.n
$$;

CREATE FUNCTION dashboard_add_paid_request(p_hour bigint, p_service text, p_currency text,
                                           p_n bigint, p_minor bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dashboard_paid_requests AS d (hour, service_name, currency, shard, n, minor)
    VALUES (p_hour, p_service, p_currency, pg_backend_pid() % 8, p_n, p_minor)
    ON CONFLICT (hour, service_name, currency, shard)
    DO UPDATE SET n = d.n + EXCLUDED.n, minor = d.minor + EXCLUDED.minor
$$;

CREATE FUNCTION dashboard_count_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_add_request(dashboard_hour(NEW.created_at), NEW.status, 1);
        IF NEW.paid_at IS NOT NULL THEN
            PERFORM dashboard_add_paid_request(dashboard_hour(NEW.paid_at), NEW.service_name,
                                               NEW.currency, 1, NEW.total_minor);
        END IF;
        RETURN NULL;
    END IF;
    IF OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at THEN
        PERFORM dashboard_add_request(dashboard_hour(OLD.created_at), OLD.status, -1);
        PERFORM dashboard_add_request(dashboard_hour(NEW.created_at), NEW.status, 1);
    END IF;
    IF (OLD.paid_at, OLD.service_name, OLD.currency, OLD.total_minor)
       IS DISTINCT FROM (NEW.paid_at, NEW.service_name, NEW.currency, NEW.total_minor) THEN
        IF OLD.paid_at IS NOT NULL THEN
            PERFORM dashboard_add_paid_request(dashboard_hour(OLD.paid_at), OLD.service_name,
                                               OLD.currency, -1, -OLD.total_minor);
        END IF;
        IF NEW.paid_at IS NOT NULL THEN
            PERFORM dashboard_add_paid_request(dashboard_hour(NEW.paid_at), NEW.service_name,
                                               NEW.currency, 1, NEW.total_minor);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_requests_insert AFTER INSERT ON payment_requests
    FOR EACH ROW EXECUTE FUNCTION dashboard_count_request();
CREATE TRIGGER dashboard_requests_update
    AFTER UPDATE OF status, created_at, paid_at, service_name, currency, total_minor
    ON payment_requests FOR EACH ROW
    WHEN ((OLD.status, OLD.created_at, OLD.paid_at, OLD.service_name, OLD.currency,
           OLD.total_minor)
          IS DISTINCT FROM (NEW.status, NEW.created_at, NEW.paid_at, NEW.service_name,
                            NEW.currency, NEW.total_minor))
    EXECUTE FUNCTION dashboard_count_request();

-- payments ------------------------------------------------------------------

CREATE FUNCTION dashboard_add_paid_payment(p_hour bigint, p_provider text, p_currency text,
                                           p_n bigint, p_minor bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dashboard_paid_payments AS d (hour, provider, currency, shard, n, minor)
    VALUES (p_hour, COALESCE(p_provider, ''), p_currency, pg_backend_pid() % 8, p_n, p_minor)
    ON CONFLICT (hour, provider, currency, shard)
    DO UPDATE SET n = d.n + EXCLUDED.n, minor = d.minor + EXCLUDED.minor
$$;

CREATE FUNCTION dashboard_count_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'E' AND OLD.paid_at IS NOT NULL THEN
            PERFORM dashboard_add_paid_payment(dashboard_hour(OLD.paid_at), OLD.provider,
                                               OLD.currency, -1, -OLD.amount_minor);
        END IF;
    END IF;
    IF NEW.status = 'E' AND NEW.paid_at IS NOT NULL THEN
        PERFORM dashboard_add_paid_payment(dashboard_hour(NEW.paid_at), NEW.provider,
                                           NEW.currency, 1, NEW.amount_minor);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_payments_insert AFTER INSERT ON payments
    FOR EACH ROW WHEN (NEW.status = 'E' AND NEW.paid_at IS NOT NULL)
    EXECUTE FUNCTION dashboard_count_payment();
CREATE TRIGGER dashboard_payments_update
    AFTER UPDATE OF status, paid_at, provider, currency, amount_minor ON payments FOR EACH ROW
    WHEN ((OLD.status, OLD.paid_at, OLD.provider, OLD.currency, OLD.amount_minor)
          IS DISTINCT FROM (NEW.status, NEW.paid_at, NEW.provider, NEW.currency,
                            NEW.amount_minor))
    EXECUTE FUNCTION dashboard_count_payment();

-- attempts ------------------------------------------------------------------

CREATE FUNCTION dashboard_add_attempt(p_piece bigint, p_provider text, p_state text,
                                      p_seconds bigint, p_n bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dashboard_attempts AS d (piece, provider, state, seconds, shard, n)
    VALUES (p_piece, p_provider, p_state, p_seconds, pg_backend_pid() % 8, p_n)
    ON CONFLICT (piece, provider, state, seconds, shard) DO UPDATE SET n = d.n + EXCLUDED.n
$$;

CREATE FUNCTION dashboard_count_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM dashboard_add_attempt(dashboard_piece(OLD.created_at), OLD.provider, OLD.state,
            dashboard_seconds(OLD.state, OLD.created_at, OLD.updated_at), -1);
    END IF;
    PERFORM dashboard_add_attempt(dashboard_piece(NEW.created_at), NEW.provider, NEW.state,
        dashboard_seconds(NEW.state, NEW.created_at, NEW.updated_at), 1);
    RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_attempts_insert AFTER INSERT ON attempts
    FOR EACH ROW EXECUTE FUNCTION dashboard_count_attempt();
CREATE TRIGGER dashboard_attempts_update
    AFTER UPDATE OF provider, state, created_at, updated_at ON attempts FOR EACH ROW
    WHEN ((OLD.provider, OLD.state, OLD.created_at) IS DISTINCT FROM
          (NEW.provider, NEW.state, NEW.created_at)
          OR (NEW.state = 'executed' AND OLD.updated_at IS DISTINCT FROM NEW.updated_at))
    EXECUTE FUNCTION dashboard_count_attempt();

-- notifications -------------------------------------------------------------

CREATE FUNCTION dashboard_add_notification(p_piece bigint, p_state text, p_tried boolean,
                                           p_n bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dashboard_notifications AS d (piece, state, tried, shard, n)
    VALUES (p_piece, p_state, p_tried, pg_backend_pid() % 8, p_n)
    ON CONFLICT (piece, state, tried, shard) DO UPDATE SET n = d.n + EXCLUDED.n
$$;

CREATE FUNCTION dashboard_count_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM dashboard_add_notification(dashboard_piece(OLD.created_at), OLD.state,
                                           OLD.attempts > 0, -1);
    END IF;
    PERFORM dashboard_add_notification(dashboard_piece(NEW.created_at), NEW.state,
                                       NEW.attempts > 0, 1);
    RETURN NULL;
END
$$;

CREATE TRIGGER dashboard_notifications_insert AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION dashboard_count_notification();
CREATE TRIGGER dashboard_notifications_update
    AFTER UPDATE OF state, attempts, created_at ON notifications FOR EACH ROW
    WHEN ((OLD.state, OLD.attempts > 0, OLD.created_at) IS DISTINCT FROM
          (NEW.state, NEW.attempts > 0, NEW.created_at))
    EXECUTE FUNCTION dashboard_count_notification();

-- The rows already there (in shard 0).

INSERT INTO dashboard_requests (hour, status, shard, n)
    SELECT dashboard_hour(created_at), status, 0, COUNT(*) FROM payment_requests
    GROUP BY 1, 2;
INSERT INTO dashboard_paid_requests (hour, service_name, currency, shard, n, minor)
    SELECT dashboard_hour(paid_at), service_name, currency, 0, COUNT(*), SUM(total_minor)
    FROM payment_requests WHERE paid_at IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO dashboard_paid_payments (hour, provider, currency, shard, n, minor)
    SELECT dashboard_hour(paid_at), COALESCE(provider, ''), currency, 0, COUNT(*),
           SUM(amount_minor)
    FROM payments WHERE status = 'E' AND paid_at IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO dashboard_attempts (piece, provider, state, seconds, shard, n)
    SELECT dashboard_piece(created_at), provider, state,
           dashboard_seconds(state, created_at, updated_at), 0, COUNT(*)
    FROM attempts GROUP BY 1, 2, 3, 4;
INSERT INTO dashboard_notifications (piece, state, tried, shard, n)
    SELECT dashboard_piece(created_at), state, attempts > 0, 0, COUNT(*)
    FROM notifications GROUP BY 1, 2, 3;
