-- Cards (docs/providers/firstdata.md): a card acquirer's return names only its
-- own transaction id, which the hub finds its attempt by; the operator's
-- reversals of card payments; and each business day closed at the acquirer
-- with both sides' totals.

CREATE INDEX attempts_by_reference ON attempts (provider, external_id)
    WHERE external_id IS NOT NULL;

-- A card payment given back at the acquirer (First Data's `r`), once per
-- attempt; approved by an operator. Times INTEGER microseconds, UTC.
CREATE TABLE card_reversals (
    attempt_id    TEXT PRIMARY KEY NOT NULL REFERENCES attempts (id),
    provider      TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency      TEXT NOT NULL,
    approved_by   TEXT NOT NULL,
    reversed_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX card_reversals_by_time ON card_reversals (provider, reversed_at);

-- A business day closed at the acquirer (`b`): its totals beside the hub's
-- own for the same period, and whether they matched.
CREATE TABLE card_day_closes (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    provider                 TEXT NOT NULL,
    -- The period closed: after the previous close (NULL: the first), up to closed_at.
    period_from              INTEGER,
    closed_at                INTEGER NOT NULL,
    acquirer_debit_count     INTEGER NOT NULL,
    acquirer_debit_minor     INTEGER NOT NULL,
    acquirer_reversal_count  INTEGER NOT NULL,
    acquirer_reversal_minor  INTEGER NOT NULL,
    hub_debit_count          INTEGER NOT NULL,
    hub_debit_minor          INTEGER NOT NULL,
    hub_reversal_count       INTEGER NOT NULL,
    hub_reversal_minor       INTEGER NOT NULL,
    matches                  INTEGER NOT NULL CHECK (matches IN (0, 1))
) STRICT;

CREATE INDEX card_day_closes_by_provider ON card_day_closes (provider, closed_at);
-- The hub's card payments of a period: executed attempts by when they were.
CREATE INDEX attempts_executed_by_provider ON attempts (provider, updated_at)
    WHERE state = 'executed';
