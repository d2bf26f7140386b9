//! Importing a statement document: read as a stream on a thread of its own,
//! judged in chunks, stored in ONE treasury transaction — a document that
//! turns out malformed anywhere stores nothing (docs/treasury.md).

use super::keys::{self, FallbackOrdinals, Transaction};
use super::{Treasury, TreasuryError, bounded};
use crate::store::{
    AuditEvent, EntryBooked, ImportCounts, KnownEntry, NewImport, NewPaymentOrder, NewStatement,
    NewStatementEntry, PaymentForMatching, TreasuryWork,
};
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::Amount;
use maksa_domain::payment_order::Proposer;
use maksa_domain::reconciliation::{Credit, NamedPayment, Outcome, judge};
use maksa_domain::status::Status;
use maksa_treasury::camt::{self, Entry, Message, ReadError, Summary};
use maksa_treasury::remittance::purpose_ids;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Read};
use time::{Date, OffsetDateTime};

/// Transactions judged and written together (one read of known keys, one of
/// payments, a few multi-row inserts).
const CHUNK: usize = 1000;
/// Chunks the reading thread may run ahead of the writer: memory stays flat.
const CHUNKS_AHEAD: usize = 2;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    /// `camt.053`, `camt.052`, `camt.054`.
    pub message: String,
    pub sha256: String,
    pub statements: u64,
    pub entries: u64,
    #[serde(flatten)]
    pub counts: ImportCounts,
    /// New transactions by outcome (`settled`, `unmatched`, …).
    pub outcomes: Vec<(String, u64)>,
    /// Refund orders proposed for money owed back.
    pub refunds_proposed: u64,
    pub balances: Vec<StatementBalance>,
}

/// A statement's balances and whether its entries account for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementBalance {
    pub statement_id: String,
    pub account: String,
    pub opening_minor: Option<i64>,
    pub closing_minor: Option<i64>,
    pub booked_credits: Amount,
    pub booked_debits: Amount,
    /// opening + credits − debits = closing (`None` without both balances).
    pub balanced: Option<bool>,
}

/// An entry as the reading thread hands it over: keyed, and with the
/// payment identifiers each of its booked credits names. Keying is done
/// there, beside the writer, not in its way (docs/PERFORMANCE.md, issue 14).
struct Keyed {
    entry: Entry,
    transactions: Vec<(Transaction, Vec<String>)>,
}

fn keyed(entry: Entry, ordinals: &mut FallbackOrdinals) -> Result<Keyed, Stop> {
    let transactions = keys::transactions(&entry, ordinals)
        .map_err(|e| Stop::Refused(e.to_string()))?
        .into_iter()
        .map(|transaction| {
            let ids: Vec<String> = if transaction.credit && transaction.booked {
                purpose_ids(transaction.lines.iter().map(String::as_str))
                    .into_iter()
                    .map(|id| id.as_str().to_owned())
                    .collect()
            } else {
                Vec::new()
            };
            (transaction, ids)
        })
        .collect();
    Ok(Keyed {
        entry,
        transactions,
    })
}

/// What the reading thread hands over.
enum FromReader {
    Entries(Vec<Keyed>),
    End(Summary, String),
    Failed(TreasuryError),
}

/// Counts the bytes' SHA-256 as they are read.
struct Hashing<R> {
    inner: R,
    context: ring::digest::Context,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        if let Some(read) = buffer.get(..n) {
            self.context.update(read);
        }
        Ok(n)
    }
}

/// Why the reading thread stopped before the document's end.
#[derive(Debug, thiserror::Error)]
enum Stop {
    #[error("the import was abandoned")]
    Abandoned,
    #[error("{0}")]
    Refused(String),
}

fn message_name(message: Message) -> &'static str {
    match message {
        Message::Statement => "camt.053",
        Message::Report => "camt.052",
        Message::Notification => "camt.054",
    }
}

/// A `YYYY-MM-DD` day (what the reader keeps of `Dt` and `DtTm`). Read by
/// hand: the general parser was a visible share of an import's time.
fn date(text: Option<&str>) -> Option<Date> {
    let mut parts = text?.splitn(3, '-');
    let mut number = |width: usize| {
        parts
            .next()
            .filter(|part| part.len() == width && part.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|part| part.parse::<u16>().ok())
    };
    let year = i32::from(number(4)?);
    let month = time::Month::try_from(u8::try_from(number(2)?).ok()?).ok()?;
    let day = u8::try_from(number(2)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

fn signed(balance: &camt::Balance) -> i64 {
    if balance.credit {
        balance.amount.minor()
    } else {
        balance.amount.minor().saturating_neg()
    }
}

/// The import in progress: its transaction and running counts.
struct Importing {
    work: Box<dyn TreasuryWork>,
    import_id: Option<i64>,
    source: String,
    actor: String,
    at: OffsetDateTime,
    counts: ImportCounts,
    outcomes: HashMap<Outcome, u64>,
    refunds_proposed: u64,
    /// The first booking date of each statement (its day when no balance says).
    first_days: HashMap<String, Date>,
}

impl Treasury {
    /// Imports one camt.052/053/054 document from `input`, named `source`
    /// (a file name, `ekase:<account>`), on behalf of `actor`.
    pub async fn import<R>(
        &self,
        source: &str,
        input: R,
        actor: &str,
    ) -> Result<ImportReport, TreasuryError>
    where
        R: BufRead + Send + 'static,
    {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<FromReader>(CHUNKS_AHEAD);
        // Judged chunks go back to the reading thread to be freed there, by
        // the thread that allocated them: freeing them on the writer's side
        // cost it a tenth of its time in the allocator's cross-thread paths
        // (docs/PERFORMANCE.md, issue 14).
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<Keyed>>();
        let reader = tokio::task::spawn_blocking(move || {
            let mut hashing = std::io::BufReader::new(Hashing {
                inner: input,
                context: ring::digest::Context::new(&ring::digest::SHA256),
            });
            let mut chunk: Vec<Keyed> = Vec::with_capacity(CHUNK);
            let mut ordinals = FallbackOrdinals::default();
            let result = camt::read_entries(&mut hashing, |entry| {
                chunk.push(keyed(entry, &mut ordinals)?);
                if chunk.len() >= CHUNK {
                    while let Ok(done) = recycled.try_recv() {
                        drop(done);
                    }
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    sender
                        .blocking_send(FromReader::Entries(full))
                        .map_err(|_| Stop::Abandoned)?;
                }
                Ok::<(), Stop>(())
            });
            let last = match result {
                Ok(summary) => {
                    if !chunk.is_empty()
                        && sender.blocking_send(FromReader::Entries(chunk)).is_err()
                    {
                        return;
                    }
                    let digest = hashing.into_inner().context.finish();
                    let sha: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
                    FromReader::End(summary, sha)
                }
                Err(ReadError::Document(error)) => FromReader::Failed(error.into()),
                Err(ReadError::Caller(Stop::Refused(reason))) => {
                    FromReader::Failed(TreasuryError::Refused(reason))
                }
                Err(ReadError::Caller(Stop::Abandoned)) => return,
            };
            let _ = sender.blocking_send(last);
        });

        let mut importing = Importing {
            work: self.store.begin_treasury().await?,
            import_id: None,
            source: bounded(source),
            actor: actor.to_owned(),
            at: self.clock.now(),
            counts: ImportCounts::default(),
            outcomes: HashMap::new(),
            refunds_proposed: 0,
            first_days: HashMap::new(),
        };
        let outcome = loop {
            let Some(item) = receiver.recv().await else {
                break Err(TreasuryError::Io(
                    "the document could not be read to its end".into(),
                ));
            };
            match item {
                FromReader::Entries(entries) => {
                    if let Err(error) = self.import_chunk(&mut importing, &entries).await {
                        break Err(error);
                    }
                    // After the reader's end it is gone: then this side frees.
                    let _ = recycle.send(entries);
                }
                FromReader::Failed(error) => break Err(error),
                FromReader::End(summary, sha) => break Ok((summary, sha)),
            }
        };
        // Dropping the receiver stops the reader at its next entry.
        drop(receiver);
        let _ = reader.await;
        let (summary, sha) = outcome?;
        self.finish(importing, summary, sha).await
    }

    async fn import_id(
        &self,
        importing: &mut Importing,
        message: Message,
        sha: &str,
    ) -> Result<i64, TreasuryError> {
        if let Some(id) = importing.import_id {
            return Ok(id);
        }
        let id = importing
            .work
            .insert_import(&NewImport {
                source: importing.source.clone(),
                sha256: sha.to_owned(),
                message: message_name(message).to_owned(),
                actor: importing.actor.clone(),
                at: importing.at,
            })
            .await?;
        importing.import_id = Some(id);
        Ok(id)
    }

    async fn import_chunk(
        &self,
        importing: &mut Importing,
        entries: &[Keyed],
    ) -> Result<(), TreasuryError> {
        let Some(first) = entries.first() else {
            return Ok(());
        };
        // The digest is known only at the end; `finish` stores it.
        let import_id = self.import_id(importing, first.entry.message, "").await?;
        let mut found: Vec<(&Entry, &Transaction)> = Vec::with_capacity(entries.len());
        let mut named_ids: Vec<&Vec<String>> = Vec::with_capacity(entries.len());
        // The statement whose first day is known: entries come statement by
        // statement, so the map is consulted once per statement, not per entry.
        let mut dated: Option<&str> = None;
        for keyed in entries {
            let entry = &keyed.entry;
            if dated != Some(entry.statement_id.as_str())
                && let Some(day) = date(entry.booking_date.as_deref())
            {
                if !importing.first_days.contains_key(&entry.statement_id) {
                    importing.first_days.insert(entry.statement_id.clone(), day);
                }
                dated = Some(entry.statement_id.as_str());
            }
            for (transaction, ids) in &keyed.transactions {
                found.push((entry, transaction));
                named_ids.push(ids);
            }
        }
        importing.counts.transactions = importing
            .counts
            .transactions
            .saturating_add(u64::try_from(found.len()).unwrap_or(u64::MAX));

        let keys: Vec<&str> = found.iter().map(|(_, t)| t.key.as_str()).collect();
        let known: HashMap<String, KnownEntry> = importing
            .work
            .known_entries(&keys)
            .await?
            .into_iter()
            .map(|k| (k.key.clone(), k))
            .collect();

        // Which payments the new (or newly booked) credits name.
        let wanted: HashSet<&str> = named_ids
            .iter()
            .flat_map(|ids| ids.iter().map(String::as_str))
            .collect();
        let wanted: Vec<&str> = wanted.into_iter().collect();
        let mut payments: HashMap<String, PaymentForMatching> = if wanted.is_empty() {
            HashMap::new()
        } else {
            importing
                .work
                .payments_for_matching(&wanted)
                .await?
                .into_iter()
                .map(|p| (p.purpose_id.clone(), p))
                .collect()
        };

        let mut inserts: Vec<NewStatementEntry> = Vec::new();
        let mut confirmations: Vec<i64> = Vec::new();
        let mut audits: Vec<AuditEvent> = Vec::new();
        let mut refunds: Vec<(String, Outcome, Option<Amount>)> = Vec::new();
        // Paid requests a credit settled: their receipt is issued again.
        let mut settled: Vec<PaymentRequestId> = Vec::new();
        let mut keys_this_chunk: HashSet<&str> = HashSet::new();
        for ((entry, transaction), ids) in found.iter().zip(&named_ids) {
            if !keys_this_chunk.insert(transaction.key.as_str()) {
                importing.counts.repeated = importing.counts.repeated.saturating_add(1);
                continue;
            }
            let judged = judgement(transaction, entry, ids, &mut payments);
            // A new statement's keys are all unknown: no look-up per key then.
            let stored = if known.is_empty() {
                None
            } else {
                known.get(&transaction.key)
            };
            match stored {
                Some(stored) if stored.booked || !transaction.booked => {
                    // Shown before: counted once.
                    importing.counts.repeated = importing.counts.repeated.saturating_add(1);
                    confirmations.push(stored.id);
                }
                Some(stored) => {
                    // Pending in an earlier report, booked now.
                    importing.counts.confirmed = importing.counts.confirmed.saturating_add(1);
                    importing
                        .work
                        .book_entry(&EntryBooked {
                            id: stored.id,
                            import_id,
                            booking_date: date(entry.booking_date.as_deref()),
                            outcome: judged.outcome,
                            payment: judged.payment.map(|(r, s, _)| (r, s)),
                            expected: judged.payment.map(|(_, _, a)| a),
                        })
                        .await?;
                    self.count(importing, judged.outcome);
                    settled.extend(judged.settled_paid_request());
                    audits.extend(self.audit_of(importing, transaction, entry, &judged));
                }
                None => {
                    importing.counts.new = importing.counts.new.saturating_add(1);
                    self.count(importing, judged.outcome);
                    settled.extend(judged.settled_paid_request());
                    audits.extend(self.audit_of(importing, transaction, entry, &judged));
                    if judged
                        .outcome
                        .refundable(transaction.amount, judged.expected())
                        .is_some()
                    {
                        refunds.push((transaction.key.clone(), judged.outcome, judged.expected()));
                    }
                    inserts.push(NewStatementEntry {
                        key: transaction.key.clone(),
                        import_id,
                        message: message_name(entry.message).to_owned(),
                        statement_id: bounded(&entry.statement_id),
                        account: entry.account.as_deref().map(bounded).unwrap_or_default(),
                        booked: transaction.booked,
                        credit: transaction.credit,
                        reversal: transaction.reversal,
                        amount: transaction.amount,
                        currency: transaction.currency,
                        booking_date: date(entry.booking_date.as_deref()),
                        value_date: date(entry.value_date.as_deref()),
                        account_servicer_reference: transaction
                            .account_servicer_reference
                            .as_deref()
                            .map(bounded),
                        end_to_end_id: transaction.end_to_end_id.as_deref().map(bounded),
                        remittance: bounded(&transaction.lines.join(" ")),
                        counterparty_name: transaction.counterparty_name.as_deref().map(bounded),
                        counterparty_iban: transaction.counterparty_iban.as_deref().map(bounded),
                        purpose_id: judged.purpose_id.clone(),
                        outcome: judged.outcome,
                        payment: judged.payment.map(|(r, s, _)| (r, s)),
                        expected: judged.expected(),
                        imported_at: importing.at,
                    });
                }
            }
        }
        if !inserts.is_empty() {
            importing.work.insert_entries(&inserts).await?;
        }
        if !confirmations.is_empty() {
            importing
                .work
                .confirm_entries(&confirmations, import_id)
                .await?;
        }
        if !audits.is_empty() {
            importing.work.append_audits(&audits).await?;
        }
        // A paid request's receipt is issued again, now with its settlement.
        if !settled.is_empty() {
            importing.work.mark_receipts_due(&settled).await?;
        }
        for (key, outcome, expected) in refunds {
            self.propose_refund_in(importing, &key, outcome, expected)
                .await?;
        }
        Ok(())
    }

    fn count(&self, importing: &mut Importing, outcome: Outcome) {
        let count = importing.outcomes.entry(outcome).or_insert(0);
        *count = count.saturating_add(1);
    }

    fn audit_of(
        &self,
        importing: &Importing,
        transaction: &Transaction,
        entry: &Entry,
        judged: &Judged,
    ) -> Option<AuditEvent> {
        let (request, sequence, _) = judged.payment?;
        // A plain settlement is recorded by its entry (request, payment,
        // outcome, import) and counted in the import's own event: one event
        // per settled payment would double what a statement writes
        // (docs/reconciliation.md). What needs a person is audited per payment.
        let kind = match judged.outcome {
            Outcome::RefundCandidate => "payment.money_owed_back",
            Outcome::Short | Outcome::Over | Outcome::WrongAccount | Outcome::WrongCurrency => {
                "payment.settlement_differs"
            }
            _ => return None,
        };
        Some(AuditEvent {
            at: importing.at,
            actor: importing.actor.clone(),
            request_id: Some(request),
            kind: kind.into(),
            detail: json!({
                "sequence": sequence,
                "outcome": judged.outcome.as_str(),
                "amount": transaction.amount.to_string(),
                "currency": transaction.currency.as_str(),
                "booking_date": entry.booking_date,
                "entry_key": transaction.key,
                "statement": bounded(&entry.statement_id),
            }),
        })
    }

    /// Proposes the refund of a just-stored entry, where the payer's account is known.
    async fn propose_refund_in(
        &self,
        importing: &mut Importing,
        key: &str,
        outcome: Outcome,
        expected: Option<Amount>,
    ) -> Result<(), TreasuryError> {
        let known = importing.work.known_entries(&[key]).await?;
        let Some(stored) = known.first() else {
            return Ok(());
        };
        let Some(entry) = importing.work.entry_for_update(stored.id).await? else {
            return Ok(());
        };
        let Some(amount) = outcome.refundable(entry.amount, expected) else {
            return Ok(());
        };
        let Some(order) = refund_order(&entry, amount, &Proposer::Reconciliation, importing.at)
        else {
            // No payer account on the statement: the operator enters the transfer.
            return Ok(());
        };
        if importing.work.insert_order(&order).await?.is_some() {
            importing.refunds_proposed = importing.refunds_proposed.saturating_add(1);
        }
        Ok(())
    }

    async fn finish(
        &self,
        mut importing: Importing,
        summary: Summary,
        sha: String,
    ) -> Result<ImportReport, TreasuryError> {
        let message = summary.message.unwrap_or(Message::Statement);
        let import_id = self.import_id(&mut importing, message, &sha).await?;
        let mut balances = Vec::new();
        for info in &summary.statements_info {
            let opening = info.balance("OPBD").or_else(|| info.balance("PRCD"));
            let closing = info.balance("CLBD").or_else(|| info.balance("ITBD"));
            let day = closing
                .and_then(|b| date(b.date.as_deref()))
                .or_else(|| importing.first_days.get(&info.id).copied());
            let opening_minor = opening.map(signed);
            let closing_minor = closing.map(signed);
            importing
                .work
                .insert_statement(&NewStatement {
                    import_id,
                    message: message_name(info.message).to_owned(),
                    statement_id: bounded(&info.id),
                    account: info.account.as_deref().map(bounded).unwrap_or_default(),
                    day,
                    currency: closing.or(opening).map(|b| b.currency),
                    opening_minor,
                    closing_minor,
                    entries: info.entries,
                    booked_credits: info.booked_credits,
                    booked_debits: info.booked_debits,
                })
                .await?;
            let balanced = match (opening_minor, closing_minor) {
                (Some(open), Some(close)) => Some(
                    open.checked_add(info.booked_credits.minor())
                        .and_then(|v| v.checked_sub(info.booked_debits.minor()))
                        == Some(close),
                ),
                _ => None,
            };
            balances.push(StatementBalance {
                statement_id: bounded(&info.id),
                account: info.account.as_deref().map(bounded).unwrap_or_default(),
                opening_minor,
                closing_minor,
                booked_credits: info.booked_credits,
                booked_debits: info.booked_debits,
                balanced,
            });
        }
        let mut outcomes: Vec<(String, u64)> = importing
            .outcomes
            .iter()
            .map(|(o, n)| (o.as_str().to_owned(), *n))
            .collect();
        outcomes.sort();
        importing
            .work
            .finish_import(import_id, &importing.counts, &sha, message_name(message))
            .await?;
        importing
            .work
            .append_audits(&[AuditEvent {
                at: importing.at,
                actor: importing.actor.clone(),
                request_id: None,
                kind: "treasury.statement_imported".into(),
                detail: json!({
                    "import": import_id,
                    "source": importing.source,
                    "message": message_name(message),
                    "sha256": sha,
                    "transactions": importing.counts.transactions,
                    "new": importing.counts.new,
                    "repeated": importing.counts.repeated,
                    "confirmed": importing.counts.confirmed,
                    "outcomes": outcomes,
                    "refunds_proposed": importing.refunds_proposed,
                }),
            }])
            .await?;
        let report = ImportReport {
            import_id,
            message: message_name(message).to_owned(),
            sha256: sha,
            statements: summary.statements,
            entries: summary.entries,
            counts: importing.counts,
            outcomes,
            refunds_proposed: importing.refunds_proposed,
            balances,
        };
        importing.work.commit().await?;
        Ok(report)
    }
}

/// A transaction's judgement and what it was matched with.
struct Judged {
    outcome: Outcome,
    purpose_id: Option<String>,
    payment: Option<(PaymentRequestId, u16, Amount)>,
    /// The matched payment was executed (paid at its bank).
    paid: bool,
}

impl Judged {
    /// The request of a paid payment this credit settled.
    fn settled_paid_request(&self) -> Option<PaymentRequestId> {
        match (self.outcome, self.payment) {
            (Outcome::Settled, Some((request, _, _))) if self.paid => Some(request),
            _ => None,
        }
    }

    fn expected(&self) -> Option<Amount> {
        self.payment.map(|(_, _, amount)| amount)
    }
}

/// Judges one transaction; a settlement is remembered in `payments`, so a
/// second credit for the same payment in the same document is owed back.
fn judgement(
    transaction: &Transaction,
    entry: &Entry,
    ids: &[String],
    payments: &mut HashMap<String, PaymentForMatching>,
) -> Judged {
    if !transaction.credit {
        return Judged {
            outcome: Outcome::Debit,
            purpose_id: None,
            payment: None,
            paid: false,
        };
    }
    if !transaction.booked {
        return Judged {
            outcome: Outcome::Pending,
            purpose_id: ids.first().cloned(),
            payment: None,
            paid: false,
        };
    }
    let named: Vec<&PaymentForMatching> = ids.iter().filter_map(|id| payments.get(id)).collect();
    let views: Vec<NamedPayment<'_>> = named
        .iter()
        .map(|p| NamedPayment {
            amount: p.amount,
            currency: p.currency,
            payee_iban: &p.payee_iban,
            payment_status: p.payment_status,
            already_settled: p.settled,
        })
        .collect();
    let outcome = judge(
        &Credit {
            amount: transaction.amount,
            currency: transaction.currency,
            account: entry.account.as_deref(),
        },
        &views,
    );
    let matched = match named.as_slice() {
        [one] => Some((
            one.request_id,
            one.sequence,
            one.amount,
            one.purpose_id.clone(),
        )),
        _ => None,
    };
    let paid = matches!(named.as_slice(), [one] if one.payment_status == Status::Executed);
    let purpose_id = matched
        .as_ref()
        .map(|m| m.3.clone())
        .or_else(|| ids.first().cloned());
    if outcome == Outcome::Settled
        && let Some((_, _, _, id)) = &matched
        && let Some(payment) = payments.get_mut(id)
    {
        payment.settled = true;
    }
    Judged {
        outcome,
        purpose_id,
        payment: matched.map(|(r, s, a, _)| (r, s, a)),
        paid,
    }
}

/// The refund of a stored entry's money to the account it came from; `None`
/// when the statement does not name that account.
pub(crate) fn refund_order(
    entry: &crate::store::StoredEntry,
    amount: Amount,
    proposer: &Proposer,
    at: OffsetDateTime,
) -> Option<NewPaymentOrder> {
    let creditor_iban = entry.counterparty_iban.clone()?;
    let currency = maksa_domain::money::Currency::parse(&entry.currency)?;
    let reference = entry
        .account_servicer_reference
        .clone()
        .unwrap_or_else(|| entry.key.chars().take(60).collect());
    Some(NewPaymentOrder {
        // Stable: one refund per entry, named after it.
        end_to_end_id: format!("MKREFUND{:0>12}", entry.id),
        kind: "refund".into(),
        entry_id: Some(entry.id),
        debtor_iban: entry.account.clone(),
        creditor_name: entry
            .counterparty_name
            .clone()
            .unwrap_or_else(|| "NOTPROVIDED".into()),
        creditor_iban,
        creditor_bic: None,
        amount,
        currency,
        remittance: maksa_domain::text::bounded(
            &format!(
                "Atmaksa / refund {} {}",
                entry.purpose_id.as_deref().unwrap_or_default(),
                reference
            ),
            140,
        )
        .into_owned(),
        proposed_by: proposer.as_stored().to_owned(),
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::date;
    use time::macros::date as day;

    #[test]
    fn days_are_read_as_written_and_nothing_else() {
        assert_eq!(date(Some("2026-11-30")), Some(day!(2026 - 11 - 30)));
        assert_eq!(date(Some("2024-02-29")), Some(day!(2024 - 02 - 29)));
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "26-11-30",
            "2026-11-3x",
            "2026-11-30T",
            "+026-11-30",
            "",
            "2026/11/30",
        ] {
            assert_eq!(date(Some(bad)), None, "{bad}");
        }
        assert_eq!(date(None), None);
    }
}
