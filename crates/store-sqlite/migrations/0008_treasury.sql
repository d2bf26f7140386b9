-- The Treasury loop (docs/treasury.md, docs/reconciliation.md). Same
-- conventions as 0001; days are TEXT `YYYY-MM-DD` (they sort and compare as
-- dates); signed balances are INTEGER minor units (a debit balance below zero).

-- One import of one document.
CREATE TABLE treasury_imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    message     TEXT NOT NULL,
    actor       TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    -- `ImportCounts`, set when the import commits.
    transactions INTEGER NOT NULL DEFAULT 0,
    new_entries  INTEGER NOT NULL DEFAULT 0,
    repeated     INTEGER NOT NULL DEFAULT 0,
    confirmed    INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A statement's (report's, notification's) balances, once per account,
-- message and statement id.
CREATE TABLE treasury_statements (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id      INTEGER NOT NULL REFERENCES treasury_imports (id),
    message        TEXT NOT NULL,
    statement_id   TEXT NOT NULL,
    account        TEXT NOT NULL,
    day            TEXT,
    currency       TEXT,
    opening_minor  INTEGER,
    closing_minor  INTEGER,
    entries        INTEGER NOT NULL,
    credits_minor  INTEGER NOT NULL CHECK (credits_minor >= 0),
    debits_minor   INTEGER NOT NULL CHECK (debits_minor >= 0),
    imported_at    INTEGER NOT NULL,
    UNIQUE (account, message, statement_id)
) STRICT;

CREATE INDEX treasury_statements_by_day ON treasury_statements (day, account);

-- One transaction of a statement (an entry, or one of its details), stored
-- once under its key, with its judgement (`reconciliation::Outcome`).
CREATE TABLE statement_entries (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_key           TEXT NOT NULL UNIQUE,
    import_id           INTEGER NOT NULL REFERENCES treasury_imports (id),
    confirmed_import_id INTEGER REFERENCES treasury_imports (id),
    message             TEXT NOT NULL,
    statement_id        TEXT NOT NULL,
    account             TEXT NOT NULL,
    booked              INTEGER NOT NULL CHECK (booked IN (0, 1)),
    credit              INTEGER NOT NULL CHECK (credit IN (0, 1)),
    reversal            INTEGER NOT NULL CHECK (reversal IN (0, 1)),
    amount_minor        INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency            TEXT NOT NULL,
    booking_date        TEXT,
    value_date          TEXT,
    acct_svcr_ref       TEXT,
    end_to_end_id       TEXT,
    remittance          TEXT NOT NULL,
    counterparty_name   TEXT,
    counterparty_iban   TEXT,
    purpose_id          TEXT,
    outcome             TEXT NOT NULL CHECK (outcome IN ('pending', 'settled', 'short', 'over',
                            'wrong_account', 'wrong_currency', 'unmatched', 'refund_candidate', 'debit')),
    request_id          TEXT,
    sequence            INTEGER,
    expected_minor      INTEGER,
    imported_at         INTEGER NOT NULL,
    FOREIGN KEY (request_id, sequence) REFERENCES payments (request_id, sequence)
) STRICT;

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
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id    TEXT NOT NULL UNIQUE,
    version       TEXT NOT NULL,
    document      TEXT NOT NULL,
    orders        INTEGER NOT NULL,
    control_minor INTEGER NOT NULL CHECK (control_minor >= 0),
    state         TEXT NOT NULL CHECK (state IN ('ready', 'submitted', 'answered')),
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    submitted_at  INTEGER,
    answered_at   INTEGER
) STRICT;

-- A payment order (`payment_order::OrderState`); its state only moves forward.
CREATE TABLE payment_orders (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    end_to_end_id  TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('refund', 'transfer')),
    -- A refund returns one entry's money, once.
    entry_id       INTEGER UNIQUE REFERENCES statement_entries (id),
    debtor_iban    TEXT NOT NULL,
    creditor_name  TEXT NOT NULL,
    creditor_iban  TEXT NOT NULL,
    creditor_bic   TEXT,
    amount_minor   INTEGER NOT NULL CHECK (amount_minor > 0),
    currency       TEXT NOT NULL,
    remittance     TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('proposed', 'approved', 'submitted', 'accepted',
                       'executed', 'rejected', 'cancelled')),
    proposed_by    TEXT NOT NULL,
    proposed_at    INTEGER NOT NULL,
    approved_by    TEXT,
    approved_at    INTEGER,
    batch_id       INTEGER REFERENCES payment_batches (id),
    status_code    TEXT,
    status_reason  TEXT,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX payment_orders_by_state ON payment_orders (state, id);
CREATE INDEX payment_orders_by_batch ON payment_orders (batch_id);

-- Every exchange with the Treasury, newest kept (the store prunes the oldest).
CREATE TABLE treasury_exchanges (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    operation TEXT NOT NULL,
    subject   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL
) STRICT;
