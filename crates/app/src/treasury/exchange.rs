//! The eKase exchange (docs/treasury.md, "The eKase exchange"): the port
//! to the Treasury's online exchange and the worker that, round after round,
//! fetches the closed days' statements and the open day's report of each
//! configured account, hands the approved batches over and fetches their
//! status reports.
//!
//! The worker never holds a database transaction across a network call:
//! each service method it calls commits on its own, between the calls.

use super::{Treasury, TreasuryError};
use crate::store::ExchangeRecord;
use async_trait::async_trait;
use std::collections::HashSet;
use std::io::BufRead;
use std::sync::Arc;
use std::time::Duration;
use time::Date;

/// Rows of the exchange log kept (the oldest go).
pub const KEEP_EXCHANGES: u32 = 10_000;
/// Characters of an exchange's detail kept in the log.
pub const MAX_DETAIL: usize = 300;
/// The first wait after a failed round; it doubles per failed round, up to
/// the poll interval.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Closed days fetched per account in one round when catching up.
pub const DEFAULT_CATCH_UP_DAYS: u32 = 10;
/// Refused statements remembered (so that they are not fetched again).
const MAX_REMEMBERED_REFUSALS: usize = 10_000;

/// Who the worker's imports and audit events name.
pub const EXCHANGE_ACTOR: &str = "ekase";

/// Why an exchange did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The exchange could not be reached or failed (connection, timeout,
    /// a server error): tried again after a backoff.
    #[error("the exchange is unavailable: {0}")]
    Unavailable(String),
    /// The exchange answered that it will not take or give this (a client
    /// error, an answer too large): logged as refused, not retried at once.
    #[error("the exchange refused: {0}")]
    Refused(String),
}

/// A downloaded document, read as a stream by the importer: the adapter
/// decides where it lies (a spooled temporary file for statements).
pub struct Download {
    reader: Box<dyn BufRead + Send + 'static>,
    /// Its size in bytes.
    pub bytes: u64,
}

impl Download {
    /// A document held in memory (small ones, tests).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Download {
            reader: Box::new(std::io::Cursor::new(bytes)),
            bytes: len,
        }
    }

    /// A document spooled to a file (rewound to its start).
    pub fn from_reader(reader: Box<dyn BufRead + Send + 'static>, bytes: u64) -> Self {
        Download { reader, bytes }
    }

    pub fn into_reader(self) -> Box<dyn BufRead + Send + 'static> {
        self.reader
    }
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("bytes", &self.bytes)
            .finish()
    }
}

/// The Treasury's online exchange, as the hub uses it.
#[async_trait]
pub trait TreasuryExchange: Send + Sync {
    /// The end-of-day statement (camt.053) of `account` for `day`;
    /// `Ok(None)` when the day is not closed or has none.
    async fn statement(&self, account: &str, day: Date) -> Result<Option<Download>, ExchangeError>;
    /// The open day's report (camt.052).
    async fn open_day_report(&self, account: &str) -> Result<Option<Download>, ExchangeError>;
    /// Hands a pain.001 batch over; `Ok` also when the Treasury already has
    /// this message id.
    async fn submit(&self, message_id: &str, document: &str) -> Result<(), ExchangeError>;
    /// The batch's pain.002 status report, `Ok(None)` while there is none.
    async fn status(&self, message_id: &str) -> Result<Option<Vec<u8>>, ExchangeError>;
}

/// What the worker is configured with.
#[derive(Debug, Clone)]
pub struct ExchangeSettings {
    /// The hub's accounts (IBAN) whose statements are fetched.
    pub accounts: Vec<String>,
    /// Between rounds; also the longest backoff.
    pub poll: Duration,
    /// Closed days fetched per account in one round.
    pub catch_up_days: u32,
    /// Whether the open day's report is fetched each round.
    pub open_day_report: bool,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        ExchangeSettings {
            accounts: Vec::new(),
            poll: Duration::from_secs(300),
            catch_up_days: DEFAULT_CATCH_UP_DAYS,
            open_day_report: true,
        }
    }
}

/// What one round did, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundSummary {
    pub ok: u32,
    pub empty: u32,
    pub failed: u32,
    pub refused: u32,
}

/// Runs the exchange round after round (see the module).
pub struct ExchangeWorker {
    treasury: Treasury,
    exchange: Arc<dyn TreasuryExchange>,
    settings: ExchangeSettings,
    /// Statements (account, day) the hub refused: not fetched again.
    refused: std::sync::Mutex<HashSet<(String, Date)>>,
}

enum Outcome {
    Ok,
    Empty,
    Failed,
    Refused,
}

impl Outcome {
    fn as_str(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Empty => "empty",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
        }
    }
}

impl ExchangeWorker {
    pub fn new(
        treasury: Treasury,
        exchange: Arc<dyn TreasuryExchange>,
        settings: ExchangeSettings,
    ) -> Self {
        ExchangeWorker {
            treasury,
            exchange,
            settings,
            refused: std::sync::Mutex::new(HashSet::new()),
        }
    }

    /// Runs rounds until the task is dropped: after a round with a failure
    /// the wait doubles from [`FIRST_BACKOFF`] up to the poll interval,
    /// after a clean round it is the poll interval.
    pub async fn run(self) {
        let mut failed_rounds: u32 = 0;
        loop {
            let summary = self.round().await;
            let wait = if summary.failed > 0 {
                failed_rounds = failed_rounds.saturating_add(1);
                backoff(failed_rounds, self.settings.poll)
            } else {
                failed_rounds = 0;
                self.settings.poll
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One round: statements and the open day per account, then batches,
    /// then their status reports. Never fails: each exchange's outcome is
    /// logged and counted.
    pub async fn round(&self) -> RoundSummary {
        let mut summary = RoundSummary::default();
        for account in &self.settings.accounts {
            self.statements(account, &mut summary).await;
            if self.settings.open_day_report {
                self.open_day(account, &mut summary).await;
            }
        }
        self.submit_batches(&mut summary).await;
        self.fetch_statuses(&mut summary).await;
        summary
    }

    /// The closed days of `account` to fetch, oldest first: each day after
    /// the newest camt.053 already imported, up to yesterday, at most
    /// `catch_up_days` of them; the first time, yesterday.
    pub async fn days_to_fetch(&self, account: &str) -> Result<Vec<Date>, TreasuryError> {
        let today = self.treasury.clock.now().date();
        let Some(yesterday) = today.previous_day() else {
            return Ok(Vec::new());
        };
        let span = i64::from(self.settings.catch_up_days.max(1));
        let earliest = yesterday
            .checked_sub(time::Duration::days(span.saturating_sub(1)))
            .unwrap_or(yesterday);
        // Look back further than the window: the newest statement may be older.
        let look_from = earliest
            .checked_sub(time::Duration::days(366))
            .unwrap_or(earliest);
        let newest = self
            .treasury
            .store
            .statements(look_from, yesterday)
            .await?
            .into_iter()
            .filter(|s| s.message == "camt.053" && s.account == account)
            .filter_map(|s| s.day)
            .max();
        let refused = self.refused.lock().map(|r| r.clone()).unwrap_or_default();
        let first = match newest {
            None => yesterday,
            Some(day) => match day.next_day() {
                Some(next) => next.max(earliest),
                None => return Ok(Vec::new()),
            },
        };
        let mut days = Vec::new();
        let mut day = first;
        while day <= yesterday {
            if !refused.contains(&(account.to_owned(), day)) {
                days.push(day);
            }
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(days)
    }

    async fn statements(&self, account: &str, summary: &mut RoundSummary) {
        let days = match self.days_to_fetch(account).await {
            Ok(days) => days,
            Err(error) => {
                self.log(
                    summary,
                    "statement",
                    account,
                    Outcome::Failed,
                    &error.to_string(),
                )
                .await;
                return;
            }
        };
        for day in days {
            let subject = format!("{account} {day}");
            match self.exchange.statement(account, day).await {
                Ok(None) => {
                    self.log(summary, "statement", &subject, Outcome::Empty, "none yet")
                        .await;
                }
                Ok(Some(download)) => {
                    let source = format!("ekase:{account}:{day}");
                    let refused = self
                        .import(summary, "statement", &subject, &source, download)
                        .await;
                    if refused
                        && let Ok(mut set) = self.refused.lock()
                        && set.len() < MAX_REMEMBERED_REFUSALS
                    {
                        set.insert((account.to_owned(), day));
                    }
                }
                Err(error) => {
                    let outcome = outcome_of(&error);
                    self.log(summary, "statement", &subject, outcome, &error.to_string())
                        .await;
                    // The exchange is down: the later days can wait for the next round.
                    if matches!(error, ExchangeError::Unavailable(_)) {
                        return;
                    }
                }
            }
        }
    }

    async fn open_day(&self, account: &str, summary: &mut RoundSummary) {
        match self.exchange.open_day_report(account).await {
            Ok(None) => {
                self.log(summary, "report", account, Outcome::Empty, "none")
                    .await;
            }
            Ok(Some(download)) => {
                let source = format!("ekase:{account}:open-day");
                self.import(summary, "report", account, &source, download)
                    .await;
            }
            Err(error) => {
                self.log(
                    summary,
                    "report",
                    account,
                    outcome_of(&error),
                    &error.to_string(),
                )
                .await;
            }
        }
    }

    /// Imports a download; answers whether the hub refused the document.
    async fn import(
        &self,
        summary: &mut RoundSummary,
        operation: &str,
        subject: &str,
        source: &str,
        download: Download,
    ) -> bool {
        let bytes = download.bytes;
        match self
            .treasury
            .import(source, download.into_reader(), EXCHANGE_ACTOR)
            .await
        {
            Ok(report) => {
                let detail = format!(
                    "{} {} bytes: {} transactions, {} new, {} repeated, {} confirmed",
                    report.message,
                    bytes,
                    report.counts.transactions,
                    report.counts.new,
                    report.counts.repeated,
                    report.counts.confirmed
                );
                self.log(summary, operation, subject, Outcome::Ok, &detail)
                    .await;
                false
            }
            Err(TreasuryError::Document(error)) => {
                self.log(
                    summary,
                    operation,
                    subject,
                    Outcome::Refused,
                    &error.to_string(),
                )
                .await;
                true
            }
            Err(error) => {
                self.log(
                    summary,
                    operation,
                    subject,
                    Outcome::Failed,
                    &error.to_string(),
                )
                .await;
                false
            }
        }
    }

    async fn submit_batches(&self, summary: &mut RoundSummary) {
        let batches = match self.treasury.batches_to_send().await {
            Ok(batches) => batches,
            Err(error) => {
                self.log(summary, "submit", "", Outcome::Failed, &error.to_string())
                    .await;
                return;
            }
        };
        for batch in batches {
            match self
                .exchange
                .submit(&batch.message_id, &batch.document)
                .await
            {
                Ok(()) => {
                    match self
                        .treasury
                        .batch_submitted(&batch.message_id, EXCHANGE_ACTOR)
                        .await
                    {
                        Ok(()) => {
                            let detail = format!("{} bytes taken", batch.document.len());
                            self.log(summary, "submit", &batch.message_id, Outcome::Ok, &detail)
                                .await;
                        }
                        Err(error) => {
                            // Sent again next round: the Treasury knows the message id.
                            self.log(
                                summary,
                                "submit",
                                &batch.message_id,
                                Outcome::Failed,
                                &format!("taken, but not recorded: {error}"),
                            )
                            .await;
                        }
                    }
                }
                Err(error) => {
                    let down = matches!(error, ExchangeError::Unavailable(_));
                    self.log(
                        summary,
                        "submit",
                        &batch.message_id,
                        outcome_of(&error),
                        &error.to_string(),
                    )
                    .await;
                    if down {
                        return;
                    }
                }
            }
        }
    }

    async fn fetch_statuses(&self, summary: &mut RoundSummary) {
        let awaiting = match self.treasury.batches_awaiting_status().await {
            Ok(awaiting) => awaiting,
            Err(error) => {
                self.log(summary, "status", "", Outcome::Failed, &error.to_string())
                    .await;
                return;
            }
        };
        for message_id in awaiting {
            match self.exchange.status(&message_id).await {
                Ok(None) => {
                    self.log(
                        summary,
                        "status",
                        &message_id,
                        Outcome::Empty,
                        "no report yet",
                    )
                    .await;
                }
                Ok(Some(document)) => {
                    match self
                        .treasury
                        .apply_status_report(&document, EXCHANGE_ACTOR)
                        .await
                    {
                        Ok(applied) => {
                            let moved: Vec<String> = applied
                                .moved
                                .iter()
                                .map(|(id, state)| format!("{id}→{state}"))
                                .collect();
                            let detail = format!(
                                "moved [{}], unchanged {}, unknown {}",
                                moved.join(", "),
                                applied.unchanged,
                                applied.unknown.len()
                            );
                            self.log(summary, "status", &message_id, Outcome::Ok, &detail)
                                .await;
                        }
                        Err(TreasuryError::StatusReport(reason)) => {
                            self.log(summary, "status", &message_id, Outcome::Refused, &reason)
                                .await;
                        }
                        Err(error) => {
                            self.log(
                                summary,
                                "status",
                                &message_id,
                                Outcome::Failed,
                                &error.to_string(),
                            )
                            .await;
                        }
                    }
                }
                Err(error) => {
                    let down = matches!(error, ExchangeError::Unavailable(_));
                    self.log(
                        summary,
                        "status",
                        &message_id,
                        outcome_of(&error),
                        &error.to_string(),
                    )
                    .await;
                    if down {
                        return;
                    }
                }
            }
        }
    }

    async fn log(
        &self,
        summary: &mut RoundSummary,
        operation: &str,
        subject: &str,
        outcome: Outcome,
        detail: &str,
    ) {
        let counter = match outcome {
            Outcome::Ok => &mut summary.ok,
            Outcome::Empty => &mut summary.empty,
            Outcome::Failed => &mut summary.failed,
            Outcome::Refused => &mut summary.refused,
        };
        *counter = counter.saturating_add(1);
        let detail = maksa_domain::text::bounded(detail, MAX_DETAIL).into_owned();
        match outcome {
            Outcome::Failed => {
                tracing::warn!(operation, subject, %detail, "treasury exchange failed")
            }
            Outcome::Refused => {
                tracing::warn!(operation, subject, %detail, "treasury exchange refused")
            }
            _ => {
                tracing::debug!(operation, subject, outcome = outcome.as_str(), %detail, "treasury exchange")
            }
        }
        let record = ExchangeRecord {
            at: self.treasury.clock.now(),
            operation: operation.to_owned(),
            subject: maksa_domain::text::bounded(subject, 100).into_owned(),
            outcome: outcome.as_str().to_owned(),
            detail,
        };
        if let Err(error) = self
            .treasury
            .store
            .log_exchange(&record, KEEP_EXCHANGES)
            .await
        {
            tracing::warn!(%error, "the exchange log could not be written");
        }
    }
}

fn outcome_of(error: &ExchangeError) -> Outcome {
    match error {
        ExchangeError::Unavailable(_) => Outcome::Failed,
        ExchangeError::Refused(_) => Outcome::Refused,
    }
}

/// The wait after the `failed_rounds`-th failed round in a row.
pub fn backoff(failed_rounds: u32, poll: Duration) -> Duration {
    let factor = 1u32
        .checked_shl(failed_rounds.saturating_sub(1).min(20))
        .unwrap_or(u32::MAX);
    FIRST_BACKOFF.saturating_mul(factor).min(poll)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_poll_interval() {
        let poll = Duration::from_secs(60);
        assert_eq!(backoff(1, poll), Duration::from_secs(1));
        assert_eq!(backoff(2, poll), Duration::from_secs(2));
        assert_eq!(backoff(5, poll), Duration::from_secs(16));
        assert_eq!(backoff(7, poll), Duration::from_secs(60));
        assert_eq!(backoff(u32::MAX, poll), Duration::from_secs(60));
    }

    #[test]
    fn a_download_reads_back() {
        let mut download = Download::from_bytes(b"<Document/>".to_vec()).into_reader();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut download, &mut text).unwrap_or_default();
        assert_eq!(text, "<Document/>");
    }
}
