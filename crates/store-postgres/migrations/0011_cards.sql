-- Cards (docs/providers/firstdata.md): a card acquirer's return names only its
-- own transaction id, which the hub finds its attempt by; the operator's
-- reversals of card payments; and each business day closed at the acquirer
-- with both sides' totals.

CREATE INDEX attempts_by_reference ON attempts (provider, external_id)
    WHERE external_id IS NOT NULL;

-- A card payment given back at the acquirer (First Data's `r`), once per
-- attempt; approved by an operator.
CREATE TABLE card_reversals (
    attempt_id    uuid PRIMARY KEY REFERENCES attempts (id),
    provider      text NOT NULL,
    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
    currency      text NOT NULL,
    approved_by   text NOT NULL,
    reversed_at   timestamptz NOT NULL
);

CREATE INDEX card_reversals_by_time ON card_reversals (provider, reversed_at);

-- A business day closed at the acquirer (`b`): its totals beside the hub's
-- own for the same period, and whether they matched.
CREATE TABLE card_day_closes (
    id                       bigserial PRIMARY KEY,
    provider                 text NOT NULL,
    -- The period closed: after the previous close (NULL: the first), up to closed_at.
    period_from              timestamptz,
    closed_at                timestamptz NOT NULL,
    acquirer_debit_count     bigint NOT NULL,
    acquirer_debit_minor     bigint NOT NULL,
    acquirer_reversal_count  bigint NOT NULL,
    acquirer_reversal_minor  bigint NOT NULL,
    hub_debit_count          bigint NOT NULL,
    hub_debit_minor          bigint NOT NULL,
    hub_reversal_count       bigint NOT NULL,
    hub_reversal_minor       bigint NOT NULL,
    matches                  boolean NOT NULL
);

CREATE INDEX card_day_closes_by_provider ON card_day_closes (provider, closed_at);
-- The hub's card payments of a period: executed attempts by when they were.
CREATE INDEX attempts_executed_by_provider ON attempts (provider, updated_at)
    WHERE state = 'executed';
