-- Parked receipts; see the PostgreSQL migration of the same name for the why.
-- Same conventions as 0001 (times in microseconds since the epoch, UTC).
ALTER TABLE payment_requests ADD COLUMN receipt_parked_at INTEGER;
ALTER TABLE payment_requests ADD COLUMN receipt_parked_reason TEXT;

DROP INDEX payment_requests_receipt_due;
CREATE INDEX payment_requests_receipt_due ON payment_requests (id)
 WHERE receipt_due = 1 AND receipt_parked_at IS NULL;
CREATE INDEX payment_requests_receipt_parked ON payment_requests (id)
 WHERE receipt_parked_at IS NOT NULL;
