-- Justification documents (receipts and invoices); see the PostgreSQL migration
-- of the same name for the why. Same conventions as 0001.

CREATE TABLE documents (
    -- AUTOINCREMENT: an id `createinvoice` answered is never reused.
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL REFERENCES payment_requests (id),
    owner      TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    kind       TEXT NOT NULL CHECK (kind IN ('receipt', 'invoice')),
    number     TEXT NOT NULL UNIQUE,
    issued_at  INTEGER NOT NULL,
    -- serde_json of `JustificationDocument`.
    content    TEXT NOT NULL,
    pdf_lv     BLOB NOT NULL,
    pdf_en     BLOB NOT NULL,
    xml        BLOB NOT NULL,
    UNIQUE (request_id, version)
) STRICT;

ALTER TABLE payment_requests ADD COLUMN receipt_due INTEGER NOT NULL DEFAULT 0 CHECK (receipt_due IN (0, 1));
CREATE INDEX payment_requests_receipt_due ON payment_requests (id) WHERE receipt_due = 1;

UPDATE payment_requests SET receipt_due = 1
 WHERE status = 'E' AND COALESCE(json_extract(terms, '$.no_invoice'), 0) = 0;

DROP TABLE invoice_orders;
