-- A payment's attempts at a provider (`maksa_domain::attempt`). Same
-- conventions as 0001: times are INTEGER microseconds since the epoch, UTC;
-- amounts INTEGER minor units; ids the lower-case hyphenated UUID text.

CREATE TABLE attempts (
    -- The random reference we give the provider.
    id              TEXT PRIMARY KEY NOT NULL,
    request_id      TEXT NOT NULL,
    sequence        INTEGER NOT NULL CHECK (sequence BETWEEN 0 AND 65535),
    provider        TEXT NOT NULL,
    -- What we asked the provider to take.
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency        TEXT NOT NULL,
    -- `AttemptState::as_str()`; only ever moves up this order.
    state           TEXT NOT NULL CHECK (state IN ('started', 'accepted', 'rejected', 'executed')),
    -- The provider's own id of the payment, once it told us.
    external_id     TEXT,
    -- Money arrived that the request could not take: an operator must return it.
    refund_required INTEGER NOT NULL CHECK (refund_required IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- An attempt is always of one existing payment.
    FOREIGN KEY (request_id, sequence) REFERENCES payments (request_id, sequence)
) STRICT;

-- `attempts_of`: a request's attempts, oldest first.
CREATE INDEX attempts_by_request ON attempts (request_id, created_at);

-- At most one open attempt per payment: the payer may still be paying at the
-- provider, and a second one could take the money twice. `start_attempt`
-- checks this in its transaction; the index makes it hold whatever the code does.
CREATE UNIQUE INDEX attempts_one_open_per_payment ON attempts (request_id, sequence)
    WHERE state IN ('started', 'accepted');
