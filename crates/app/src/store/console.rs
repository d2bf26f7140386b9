//! The console's search of payment requests (docs/console-requests.md):
//! every client's requests, newest first, a page at a time (keyset paging on
//! the creation time and the id), under filters the adapters answer from
//! indexes (migration 0013).

use super::{RequestSummary, StoreError};
use async_trait::async_trait;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::money::Amount;
use maksa_domain::status::Status;
use time::OffsetDateTime;

/// What the console searches for; every field optional, all of them must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleFilter {
    pub client: Option<ClientId>,
    pub status: Option<Status>,
    /// Inclusive lower and exclusive upper bound of the creation time.
    pub created_from: Option<OffsetDateTime>,
    pub created_till: Option<OffsetDateTime>,
    /// The catalogue's service code and service step (exact).
    pub service_code: Option<String>,
    pub service_step: Option<String>,
    /// Requests with an attempt at this provider.
    pub provider: Option<ProviderCode>,
    /// Inclusive bounds on the request's total.
    pub amount_from: Option<Amount>,
    pub amount_till: Option<Amount>,
    /// The payer's personal code or registration number, 11 digits (exact).
    pub payer_code: Option<String>,
    /// The request's number (exact).
    pub number: Option<String>,
    pub id: Option<PaymentRequestId>,
    /// The 34-character payment identifier of one of its payments (exact).
    pub purpose_id: Option<String>,
    /// Keyset paging: only requests older than this (creation time, id).
    pub before: Option<(OffsetDateTime, PaymentRequestId)>,
    /// At most this many, newest first.
    pub limit: u32,
}

/// One request found, with the client that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleRequest {
    pub owner: ClientId,
    pub summary: RequestSummary,
}

/// The console's reads across every client (the doors' reads are each
/// scoped to one client).
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    /// Requests matching `filter`, newest first (creation time, then id, both
    /// descending), at most `filter.limit`.
    async fn search_requests(
        &self,
        filter: &ConsoleFilter,
    ) -> Result<Vec<ConsoleRequest>, StoreError>;
}
