//! The Treasury loop's use cases (docs/treasury.md, docs/reconciliation.md):
//! importing statements and judging their credits against payments
//! (`import`), the operator's report (`report`), and payment orders with
//! their pain.001 batches and pain.002 answers (`orders`). The CLI, the
//! operator's pages and the eKase exchange worker all call these.

pub mod exchange;
mod import;
mod keys;
mod orders;
mod report;

pub use exchange::{
    Download, ExchangeError, ExchangeSettings, ExchangeWorker, RoundSummary, TreasuryExchange,
};
pub use import::{ImportReport, StatementBalance};
pub use orders::{BatchToSend, StatusApplied};
pub use report::{DayReport, GroupTotals, Report, ReportTotals};

use crate::clock::Clock;
use crate::store::StoreError;
use crate::store::prelude::*;
use maksa_treasury::camt::CamtError;
use maksa_treasury::pain::PainVersion;
use std::sync::Arc;

/// What the operator configures (`[treasury]`, docs/configuration.md).
#[derive(Debug, Clone)]
pub struct TreasurySettings {
    /// A paid payment whose money has not arrived after this many business
    /// days is reported (docs/reconciliation.md).
    pub settle_within_business_days: u32,
    /// The hub's name as the payment orders' initiating party and debtor.
    pub initiating_party: String,
    /// Which pain.001 version orders are written in (eKase takes .001.03).
    pub pain_version: PainVersion,
}

impl Default for TreasurySettings {
    fn default() -> Self {
        TreasurySettings {
            settle_within_business_days: 3,
            initiating_party: "maksa".into(),
            pain_version: PainVersion::V03,
        }
    }
}

/// The errors of the Treasury's use cases.
#[derive(Debug, thiserror::Error)]
pub enum TreasuryError {
    /// The document is not a statement the hub reads; nothing of it was stored.
    #[error("the document is refused: {0}")]
    Document(#[from] CamtError),
    /// A pain.002 that cannot be read or names nothing of ours.
    #[error("the status report is refused: {0}")]
    StatusReport(String),
    #[error("reading the document failed: {0}")]
    Io(String),
    #[error("{0}")]
    NotFound(String),
    /// The action is not allowed in the order's or entry's state, or by this person.
    #[error("{0}")]
    Refused(String),
    #[error("writing a payment order document failed: {0}")]
    Pain(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The Treasury loop's service; cheap to clone.
#[derive(Clone)]
pub struct Treasury {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Arc<TreasurySettings>,
}

impl Treasury {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: TreasurySettings) -> Self {
        Treasury {
            store,
            clock,
            settings: Arc::new(settings),
        }
    }

    pub fn settings(&self) -> &TreasurySettings {
        &self.settings
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// Texts from outside kept in a column: at most this many characters.
pub(crate) const MAX_STORED_TEXT: usize = 500;

pub(crate) fn bounded(text: &str) -> String {
    maksa_domain::text::bounded(text, MAX_STORED_TEXT).into_owned()
}
