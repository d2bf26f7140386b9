-- Justification documents (receipts and invoices). A document is immutable once
-- issued: its content and every file rendered from it are stored together, so a
-- download years later is byte for byte what was issued, and a backup of the
-- database is a backup of the documents. A new document for the same request is
-- a new version; the latest is served.

CREATE TABLE documents (
    -- The numeric id `createinvoice` answers.
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES payment_requests (id),
    owner      text NOT NULL,
    version    integer NOT NULL CHECK (version >= 1),
    kind       text NOT NULL CHECK (kind IN ('receipt', 'invoice')),
    -- The printed number, `MK-<request number>-<version>`.
    number     text NOT NULL UNIQUE,
    issued_at  timestamptz NOT NULL,
    -- serde_json of `JustificationDocument`: what the files say.
    content    jsonb NOT NULL,
    pdf_lv     bytea NOT NULL,
    pdf_en     bytea NOT NULL,
    xml        bytea NOT NULL,
    -- Two issuers racing for the same version: one wins, the other renders again.
    UNIQUE (request_id, version)
);

-- Set in the transaction that makes a request E (unless `NoInvoice`), cleared in
-- the one that stores its receipt: the receipt worker's to-do list, which a
-- crash between the two cannot lose.
ALTER TABLE payment_requests ADD COLUMN receipt_due boolean NOT NULL DEFAULT false;
CREATE INDEX payment_requests_receipt_due ON payment_requests (id) WHERE receipt_due;

-- Requests paid before this migration get their receipt too.
UPDATE payment_requests SET receipt_due = true
 WHERE status = 'E' AND NOT COALESCE((terms ->> 'no_invoice')::boolean, false);

-- `createinvoice` recorded orders here before documents existed; no release
-- carried this table, and a document row now holds the recipient.
DROP TABLE invoice_orders;
