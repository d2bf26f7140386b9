-- The console's dashboard and reports (docs/dashboard.md): each panel is one
-- aggregate query over a range of time; these indexes let each read only its
-- range, and cover the columns it sums, so the dashboard of a database of a
-- million requests answers in milliseconds (docs/PERFORMANCE.md).

-- Requests created per day, and how many are paid.
CREATE INDEX payment_requests_by_created ON payment_requests (created_at, status);

-- Paid requests per day and service.
CREATE INDEX payment_requests_paid_by_service ON payment_requests
    (paid_at, service_name, currency, total_minor) WHERE paid_at IS NOT NULL;

-- Paid payments per day and provider (the Treasury report's "expected" too).
CREATE INDEX payments_paid_by_provider ON payments
    (paid_at, status, provider, currency, amount_minor) WHERE paid_at IS NOT NULL;

-- Attempts started per provider and state, and their time to confirmation.
CREATE INDEX attempts_by_created ON attempts (created_at, provider, state, updated_at);

-- The queue of attempts the status recovery gave up on.
CREATE INDEX attempts_unresolved ON attempts (created_at) WHERE unresolved;

-- The queue of refund candidates.
CREATE INDEX statement_entries_by_outcome ON statement_entries (outcome, id);
