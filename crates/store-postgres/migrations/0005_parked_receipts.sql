-- A due receipt that cannot be issued for a reason that will not go away (its
-- document cannot be rendered or stored) is parked by the receipt worker: it
-- stays due, so nothing is lost, but the worker no longer takes it, and the
-- reason is here for the operator (and in the audit trail). Storing the
-- receipt, e.g. after a fix, clears both columns with `receipt_due`. To retry a
-- parked receipt: `UPDATE payment_requests SET receipt_parked_at = NULL,
-- receipt_parked_reason = NULL WHERE id = …`.
ALTER TABLE payment_requests ADD COLUMN receipt_parked_at timestamptz;
ALTER TABLE payment_requests ADD COLUMN receipt_parked_reason text;

DROP INDEX payment_requests_receipt_due;
CREATE INDEX payment_requests_receipt_due ON payment_requests (id)
 WHERE receipt_due AND receipt_parked_at IS NULL;
CREATE INDEX payment_requests_receipt_parked ON payment_requests (id)
 WHERE receipt_parked_at IS NOT NULL;
