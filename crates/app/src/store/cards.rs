//! The port of card payments' bookkeeping (docs/providers/firstdata.md): the
//! operator's reversals and each business day closed at the acquirer with
//! both sides' totals. A reversal and a day close are each written with their
//! audit event in one transaction (`UnitOfWork::insert_card_reversal`,
//! `insert_card_day_close`); the reads here are for the period totals and the
//! operator's lists.

use super::StoreError;
use async_trait::async_trait;
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::{Amount, Currency};
use time::OffsetDateTime;

/// A card payment given back at the acquirer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardReversal {
    pub attempt: AttemptId,
    pub provider: ProviderCode,
    pub amount: Amount,
    pub currency: Currency,
    /// The operator who approved it.
    pub approved_by: String,
    pub reversed_at: OffsetDateTime,
}

/// Counts and sums of one side's card payments and reversals, minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CardTotals {
    pub debit_count: u64,
    pub debit_minor: i64,
    pub reversal_count: u64,
    pub reversal_minor: i64,
}

/// A business day closed at the acquirer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDayClose {
    pub provider: ProviderCode,
    /// After the previous close (`None`: this is the first).
    pub period_from: Option<OffsetDateTime>,
    pub closed_at: OffsetDateTime,
    pub acquirer: CardTotals,
    pub hub: CardTotals,
}

impl CardDayClose {
    pub fn matches(&self) -> bool {
        self.acquirer == self.hub
    }
}

#[async_trait]
pub trait CardStore: Send + Sync {
    /// The hub's side of a period at `provider`: attempts executed in
    /// (`from`, `till`] (by when they became executed), and reversals made in it.
    async fn card_totals(
        &self,
        provider: &ProviderCode,
        from: Option<OffsetDateTime>,
        till: OffsetDateTime,
    ) -> Result<CardTotals, StoreError>;

    /// The newest day close at `provider`.
    async fn last_card_day_close(
        &self,
        provider: &ProviderCode,
    ) -> Result<Option<CardDayClose>, StoreError>;

    /// The newest `limit` day closes at any provider, newest first.
    async fn card_day_closes(&self, limit: u32) -> Result<Vec<CardDayClose>, StoreError>;

    /// The reversal of `attempt`, if it was reversed.
    async fn card_reversal(&self, attempt: AttemptId) -> Result<Option<CardReversal>, StoreError>;

    /// Executed attempts flagged for a refund (money for a request that could
    /// not take it) and not reversed yet, at any of `providers`, oldest
    /// first, at most `limit`.
    async fn card_refunds_due(
        &self,
        providers: &[ProviderCode],
        limit: u32,
    ) -> Result<Vec<Attempt>, StoreError>;
}
