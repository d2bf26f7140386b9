-- Requests whose receipt is to be issued again because a Treasury statement
-- settled one of their payments. A statement's import only queues them here
-- (a narrow row each); the receipt worker's list turns them into
-- `payment_requests.receipt_due` marks in small batches of its own, so the
-- import does not rewrite a wide request row per settled payment
-- (docs/PERFORMANCE.md, issue 14).
CREATE TABLE receipt_reissues (
    request_id TEXT PRIMARY KEY NOT NULL
) STRICT, WITHOUT ROWID;
