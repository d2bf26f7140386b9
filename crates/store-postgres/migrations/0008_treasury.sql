-- The Treasury loop (docs/treasury.md, docs/reconciliation.md). Same
-- conventions as 0001: times timestamptz, amounts bigint minor units, request
-- ids uuid; days are `date`; signed balances bigint (a debit balance below zero).

-- One import of one document.
CREATE TABLE treasury_imports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       text NOT NULL,
    sha256       text NOT NULL,
    message      text NOT NULL,
    actor        text NOT NULL,
    imported_at  timestamptz NOT NULL,
    -- `ImportCounts`, set when the import commits.
    transactions bigint NOT NULL DEFAULT 0,
    new_entries  bigint NOT NULL DEFAULT 0,
    repeated     bigint NOT NULL DEFAULT 0,
    confirmed    bigint NOT NULL DEFAULT 0
);

-- A statement's (report's, notification's) balances, once per account,
-- message and statement id.
CREATE TABLE treasury_statements (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id      bigint NOT NULL REFERENCES treasury_imports (id),
    message        text NOT NULL,
    statement_id   text NOT NULL,
    account        text NOT NULL,
    day            date,
    currency       text,
    opening_minor  bigint,
    closing_minor  bigint,
    entries        bigint NOT NULL,
    credits_minor  bigint NOT NULL CHECK (credits_minor >= 0),
    debits_minor   bigint NOT NULL CHECK (debits_minor >= 0),
    imported_at    timestamptz NOT NULL,
    UNIQUE (account, message, statement_id)
);

CREATE INDEX treasury_statements_by_day ON treasury_statements (day, account);

-- One transaction of a statement (an entry, or one of its details), stored
-- once under its key, with its judgement (`reconciliation::Outcome`).
CREATE TABLE statement_entries (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_key           text NOT NULL UNIQUE,
    import_id           bigint NOT NULL REFERENCES treasury_imports (id),
    confirmed_import_id bigint REFERENCES treasury_imports (id),
    message             text NOT NULL,
    statement_id        text NOT NULL,
    account             text NOT NULL,
    booked              boolean NOT NULL,
    credit              boolean NOT NULL,
    reversal            boolean NOT NULL,
    amount_minor        bigint NOT NULL CHECK (amount_minor >= 0),
    currency            text NOT NULL,
    booking_date        date,
    value_date          date,
    acct_svcr_ref       text,
    end_to_end_id       text,
    remittance          text NOT NULL,
    counterparty_name   text,
    counterparty_iban   text,
    purpose_id          text,
    outcome             text NOT NULL CHECK (outcome IN ('pending', 'settled', 'short', 'over',
                            'wrong_account', 'wrong_currency', 'unmatched', 'refund_candidate', 'debit')),
    request_id          uuid,
    sequence            integer,
    expected_minor      bigint,
    imported_at         timestamptz NOT NULL,
    FOREIGN KEY (request_id, sequence) REFERENCES payments (request_id, sequence)
);

-- A payment is settled by one entry at most; a second credit for it is a
-- refund candidate. The app checks this first; the index makes it hold.
CREATE UNIQUE INDEX statement_entries_one_settlement ON statement_entries (request_id, sequence)
    WHERE outcome = 'settled';
-- The report and the drill-down go by day (and account, outcome). A payment's
-- own entries are few and rarely asked for: the settled one is found by the
-- unique index above; the rest by a scan of the day's rows.
CREATE INDEX statement_entries_by_day ON statement_entries (booking_date, account, outcome);

-- A pain.001 document of approved orders.
CREATE TABLE payment_batches (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    text NOT NULL UNIQUE,
    version       text NOT NULL,
    document      text NOT NULL,
    orders        bigint NOT NULL,
    control_minor bigint NOT NULL CHECK (control_minor >= 0),
    state         text NOT NULL CHECK (state IN ('ready', 'submitted', 'answered')),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    submitted_at  timestamptz,
    answered_at   timestamptz
);

-- A payment order (`payment_order::OrderState`); its state only moves forward.
CREATE TABLE payment_orders (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    end_to_end_id  text NOT NULL UNIQUE,
    kind           text NOT NULL CHECK (kind IN ('refund', 'transfer')),
    -- A refund returns one entry's money, once.
    entry_id       bigint UNIQUE REFERENCES statement_entries (id),
    debtor_iban    text NOT NULL,
    creditor_name  text NOT NULL,
    creditor_iban  text NOT NULL,
    creditor_bic   text,
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    currency       text NOT NULL,
    remittance     text NOT NULL,
    state          text NOT NULL CHECK (state IN ('proposed', 'approved', 'submitted', 'accepted',
                       'executed', 'rejected', 'cancelled')),
    proposed_by    text NOT NULL,
    proposed_at    timestamptz NOT NULL,
    approved_by    text,
    approved_at    timestamptz,
    batch_id       bigint REFERENCES payment_batches (id),
    status_code    text,
    status_reason  text,
    updated_at     timestamptz NOT NULL
);

CREATE INDEX payment_orders_by_state ON payment_orders (state, id);
CREATE INDEX payment_orders_by_batch ON payment_orders (batch_id);

-- Every exchange with the Treasury, newest kept (the store prunes the oldest).
CREATE TABLE treasury_exchanges (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    operation text NOT NULL,
    subject   text NOT NULL,
    outcome   text NOT NULL,
    detail    text NOT NULL
);
