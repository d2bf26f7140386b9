-- The console's search of payment requests (docs/console-requests.md):
-- every client's requests, newest first, a page at a time, under filters an
-- index answers, so that a database of a million requests stays fast. Tables
-- do not change. Each index, and the search it is kept for:
-- * (created_at, id): the search without a client, newest first, and its
--   keyset paging (the owner's own listing index serves a client's).
-- * (status, created_at, id): the search by status.
-- * the payer code: exact match, on 0016's payment_requests_by_payer_code.
-- * (json_extract(terms, '$.service_code'), created_at): the search by
--   service, newest first.
-- The request number, the purpose id and the id have their unique indexes
-- already. A new request writes these three too (docs/PERFORMANCE.md).
CREATE INDEX payment_requests_by_created_id ON payment_requests (created_at, id);
CREATE INDEX payment_requests_by_status_created ON payment_requests (status, created_at, id);
CREATE INDEX payment_requests_by_service_created
    ON payment_requests (json_extract(terms, '$.service_code'), created_at);
