-- A payment's attempts at a provider (`maksa_domain::attempt`). Same
-- conventions as 0001: times are timestamptz (UTC, whole microseconds);
-- amounts bigint minor units; ids uuid.

CREATE TABLE attempts (
    -- The random reference we give the provider.
    id              uuid PRIMARY KEY,
    request_id      uuid NOT NULL,
    sequence        integer NOT NULL CHECK (sequence BETWEEN 0 AND 65535),
    provider        text NOT NULL,
    -- What we asked the provider to take.
    amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),
    currency        text NOT NULL,
    -- `AttemptState::as_str()`; only ever moves up this order.
    state           text NOT NULL CHECK (state IN ('started', 'accepted', 'rejected', 'executed')),
    -- The provider's own id of the payment, once it told us.
    external_id     text,
    -- Money arrived that the request could not take: an operator must return it.
    refund_required boolean NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- An attempt is always of one existing payment.
    FOREIGN KEY (request_id, sequence) REFERENCES payments (request_id, sequence)
);

-- `attempts_of`: a request's attempts, oldest first.
CREATE INDEX attempts_by_request ON attempts (request_id, created_at);

-- At most one open attempt per payment: the payer may still be paying at the
-- provider, and a second one could take the money twice. `start_attempt`
-- checks this in its transaction; the index makes it hold whatever the code does.
CREATE UNIQUE INDEX attempts_one_open_per_payment ON attempts (request_id, sequence)
    WHERE state IN ('started', 'accepted');
