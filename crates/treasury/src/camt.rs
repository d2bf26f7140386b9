//! The streaming reader of ISO 20022 cash management messages: account
//! statements (camt.053, `BkToCstmrStmt/Stmt`), account reports (camt.052,
//! `BkToCstmrAcctRpt/Rpt`, the open day) and debit/credit notifications
//! (camt.054, `BkToCstmrDbtCdtNtfctn/Ntfctn`), versions .001.02 onwards.
//!
//! What the hub needs of each entry (`Ntry`) is read and handed to the
//! caller as soon as the entry ends; nothing else of the document is kept.
//! Elements are matched by local name (any namespace prefix), and the
//! root's namespace must be one of the three messages. Both forms of the
//! status are read: `<Sts>BOOK</Sts>` (.02) and `<Sts><Cd>BOOK</Cd></Sts>`
//! (later versions).
//!
//! Refused, with the line and the element: a DTD or an entity other than
//! XML's five, elements nested deeper than [`MAX_DEPTH`] or with more than
//! [`crate::xml::MAX_ATTRIBUTES`] attributes, a text longer than
//! [`MAX_TEXT`] bytes, an entry with more than [`MAX_DETAILS`] transaction
//! details or [`MAX_REMITTANCE_LINES`] remittance lines, an amount that is
//! not a decimal of whole cents (trailing zeros beyond the cents are
//! accepted: `12.34000`), a currency that is not three capital letters, an
//! entry without amount, currency, credit/debit indicator or status.

use maksa_domain::money::{Amount, Currency};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::BufRead;

/// Deepest element nesting read (a camt.053 entry is about 12 deep).
pub const MAX_DEPTH: usize = 64;
/// Longest text of one element (remittance lines are at most 140).
pub const MAX_TEXT: usize = 4096;
/// Most transaction details of one entry (a batch booking).
pub const MAX_DETAILS: usize = 100_000;
/// Most remittance lines kept of one entry.
pub const MAX_REMITTANCE_LINES: usize = 10_000;
/// Most statements (reports, notifications) in one document.
pub const MAX_STATEMENTS: usize = 10_000;
/// Most balances of one statement (a statement has a handful: opening,
/// closing, available…).
pub const MAX_BALANCES: usize = 100;
/// Longest balance type code kept (`Cd` is 4, `Prtry` `Max35Text`) and
/// longest `CreDtTm` kept.
pub const MAX_CODE: usize = 35;

/// Which message a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// camt.052: intraday report (the open day).
    Report,
    /// camt.053: end-of-day statement.
    Statement,
    /// camt.054: debit/credit notification.
    Notification,
}

/// The entry's status (`Sts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Booked,
    Pending,
    Information,
    Other(String),
}

/// One `TxDtls` of an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub end_to_end_id: Option<String>,
    pub account_servicer_reference: Option<String>,
    /// The detail's own amount, where it gives one (`AmtDtls/TxAmt/Amt`
    /// or `Amt`), with its currency.
    pub amount: Option<(Amount, Currency)>,
    /// `RmtInf/Ustrd` lines, in order.
    pub unstructured: Vec<String>,
    /// `RmtInf/Strd/CdtrRefInf/Ref` references.
    pub references: Vec<String>,
    /// `RltdPties/Dbtr/Nm` and `RltdPties/DbtrAcct/Id/IBAN`: who paid (of a credit).
    pub debtor_name: Option<String>,
    pub debtor_iban: Option<String>,
    /// `RltdPties/Cdtr/Nm` and `RltdPties/CdtrAcct/Id/IBAN`: who was paid (of a debit).
    pub creditor_name: Option<String>,
    pub creditor_iban: Option<String>,
}

/// One entry (`Ntry`) as the statement states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub message: Message,
    /// The statement's, report's or notification's `Id`.
    pub statement_id: String,
    /// `Acct/Id/IBAN` of the statement.
    pub account: Option<String>,
    /// `NtryRef`.
    pub entry_reference: Option<String>,
    /// `AcctSvcrRef` of the entry: the bank's own reference.
    pub account_servicer_reference: Option<String>,
    pub amount: Amount,
    pub currency: Currency,
    /// `CdtDbtInd` is `CRDT`.
    pub credit: bool,
    /// `RvslInd` is true: the entry reverses an earlier one.
    pub reversal: bool,
    pub status: Status,
    /// `BookgDt` and `ValDt` as written (`Dt`, or the date of `DtTm`).
    pub booking_date: Option<String>,
    pub value_date: Option<String>,
    pub details: Vec<Details>,
}

impl Entry {
    /// Every remittance line of the entry, in order (its details' together).
    pub fn remittance_lines(&self) -> impl Iterator<Item = &str> {
        self.details.iter().flat_map(|d| {
            d.unstructured
                .iter()
                .chain(d.references.iter())
                .map(String::as_str)
        })
    }
}

/// One balance (`Bal`) of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// `Tp/CdOrPrtry/Cd` or `Prtry`: OPBD, CLBD, ITBD, CLAV, PRCD, OPAV…
    /// (at most [`MAX_CODE`] characters kept).
    pub kind: String,
    pub amount: Amount,
    pub currency: Currency,
    /// `CdtDbtInd` is `CRDT`: the account holds money (a debit balance is
    /// an overdraft).
    pub credit: bool,
    /// `Dt/Dt`, or the date of `Dt/DtTm`.
    pub date: Option<String>,
}

impl Balance {
    /// The balance in cents, negative when it is a debit balance.
    pub fn signed_minor(&self) -> i64 {
        let minor = self.amount.minor();
        // An Amount is never negative, so its negation cannot overflow.
        if self.credit {
            minor
        } else {
            0i64.saturating_sub(minor)
        }
    }
}

/// What one statement (`Stmt`, `Rpt` or `Ntfctn`) held, besides its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementInfo {
    pub message: Message,
    /// Its `Id`.
    pub id: String,
    /// `Acct/Id/IBAN`.
    pub account: Option<String>,
    /// `CreDtTm` as written (at most [`MAX_CODE`] characters kept).
    pub created_at: Option<String>,
    pub balances: Vec<Balance>,
    pub entries: u64,
    /// The sum of its booked (`BOOK`) credit entries. Entries are summed by
    /// their `CdtDbtInd` alone: a reversal of a credit is a booked debit
    /// (`RvslInd` true with `DBIT`) and counts among the debits, which is
    /// how it moves the balance.
    pub booked_credits: Amount,
    /// The sum of its booked debit entries (reversals of credits included).
    pub booked_debits: Amount,
}

impl StatementInfo {
    /// The first balance of `kind` (`OPBD`, `CLBD`…), if the statement has one.
    pub fn balance(&self, kind: &str) -> Option<&Balance> {
        self.balances.iter().find(|b| b.kind == kind)
    }
}

/// What a whole document held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub message: Option<Message>,
    pub statements: u64,
    pub entries: u64,
    /// One per statement, report or notification, in order (at most
    /// [`MAX_STATEMENTS`]).
    pub statements_info: Vec<StatementInfo>,
}

/// Why a document was refused: the line (1-based) and the element.
#[derive(Debug, thiserror::Error)]
#[error("line {line}, <{element}>: {reason}")]
pub struct CamtError {
    pub line: u64,
    pub element: String,
    pub reason: String,
}

/// What [`read_entries`] answers: the document's error, or the caller's.
#[derive(Debug, thiserror::Error)]
pub enum ReadError<E: std::error::Error> {
    #[error(transparent)]
    Document(#[from] CamtError),
    #[error("{0}")]
    Caller(E),
}

/// A reader that counts the line it has reached.
pub(crate) struct Lines<R> {
    pub(crate) inner: R,
    pub(crate) line: u64,
}

impl<R: std::io::Read> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let newlines = buf
            .get(..n)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        self.line = self
            .line
            .saturating_add(u64::try_from(newlines).unwrap_or(u64::MAX));
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        if let Ok(buffer) = self.inner.fill_buf() {
            let newlines = buffer
                .get(..amount)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
            self.line = self
                .line
                .saturating_add(u64::try_from(newlines).unwrap_or(u64::MAX));
        }
        self.inner.consume(amount);
    }
}

/// The entry being read, and where in it the reader is.
#[derive(Default)]
struct Building {
    entry_reference: Option<String>,
    account_servicer_reference: Option<String>,
    amount: Option<(Amount, Currency)>,
    credit: Option<bool>,
    reversal: bool,
    status: Option<Status>,
    booking_date: Option<String>,
    value_date: Option<String>,
    details: Vec<Details>,
    remittance_lines: usize,
}

/// The balance being read.
#[derive(Default)]
struct BalanceBuilding {
    kind: Option<String>,
    amount: Option<(Amount, Currency)>,
    credit: Option<bool>,
    date: Option<String>,
}

/// The elements the reader tells apart, named once as each opens (any
/// other element is `Other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Other,
    /// `Stmt`, `Rpt` or `Ntfctn`: the statement-level element of each message.
    Statement,
    Acct,
    AcctSvcrRef,
    Amt,
    Bal,
    BookgDt,
    Cd,
    CdOrPrtry,
    CdtDbtInd,
    Cdtr,
    CdtrAcct,
    CdtrRefInf,
    CreDtTm,
    Dbtr,
    DbtrAcct,
    Dt,
    DtTm,
    EndToEndId,
    Iban,
    Id,
    Nm,
    Ntry,
    NtryRef,
    Prtry,
    Pty,
    Ref,
    Refs,
    RltdPties,
    RmtInf,
    RvslInd,
    Sts,
    Tp,
    TxAmt,
    TxDtls,
    Ustrd,
    ValDt,
}

/// The tag of a local name.
#[inline]
fn tag(name: &[u8]) -> Tag {
    match name {
        b"Stmt" | b"Rpt" | b"Ntfctn" => Tag::Statement,
        b"Acct" => Tag::Acct,
        b"AcctSvcrRef" => Tag::AcctSvcrRef,
        b"Amt" => Tag::Amt,
        b"Bal" => Tag::Bal,
        b"BookgDt" => Tag::BookgDt,
        b"Cd" => Tag::Cd,
        b"CdOrPrtry" => Tag::CdOrPrtry,
        b"CdtDbtInd" => Tag::CdtDbtInd,
        b"Cdtr" => Tag::Cdtr,
        b"CdtrAcct" => Tag::CdtrAcct,
        b"CdtrRefInf" => Tag::CdtrRefInf,
        b"CreDtTm" => Tag::CreDtTm,
        b"Dbtr" => Tag::Dbtr,
        b"DbtrAcct" => Tag::DbtrAcct,
        b"Dt" => Tag::Dt,
        b"DtTm" => Tag::DtTm,
        b"EndToEndId" => Tag::EndToEndId,
        b"IBAN" => Tag::Iban,
        b"Id" => Tag::Id,
        b"Nm" => Tag::Nm,
        b"Ntry" => Tag::Ntry,
        b"NtryRef" => Tag::NtryRef,
        b"Prtry" => Tag::Prtry,
        b"Pty" => Tag::Pty,
        b"Ref" => Tag::Ref,
        b"Refs" => Tag::Refs,
        b"RltdPties" => Tag::RltdPties,
        b"RmtInf" => Tag::RmtInf,
        b"RvslInd" => Tag::RvslInd,
        b"Sts" => Tag::Sts,
        b"Tp" => Tag::Tp,
        b"TxAmt" => Tag::TxAmt,
        b"TxDtls" => Tag::TxDtls,
        b"Ustrd" => Tag::Ustrd,
        b"ValDt" => Tag::ValDt,
        _ => Tag::Other,
    }
}

/// The open elements, innermost last: their tags, and their local names
/// kept in one buffer for an error to name its element (decoded lossily,
/// should a name not be UTF-8). Once grown to the document's depth, opening
/// an element allocates nothing.
#[derive(Default)]
struct Path {
    tags: Vec<Tag>,
    names: Vec<u8>,
    /// Where each open element's name ends in `names`.
    ends: Vec<usize>,
}

impl Path {
    #[inline]
    fn len(&self) -> usize {
        self.tags.len()
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// Opens the element of local name `name`.
    #[inline]
    fn push(&mut self, name: &[u8]) {
        self.tags.push(tag(name));
        self.names.extend_from_slice(name);
        self.ends.push(self.names.len());
    }

    #[inline]
    fn pop(&mut self) {
        self.tags.pop();
        self.ends.pop();
        self.names.truncate(self.ends.last().copied().unwrap_or(0));
    }

    /// The tag of the element `depth_from_top` levels above the innermost
    /// (0 is the innermost itself).
    #[inline]
    fn tag(&self, depth_from_top: usize) -> Option<Tag> {
        self.len()
            .checked_sub(depth_from_top.saturating_add(1))
            .and_then(|i| self.tags.get(i))
            .copied()
    }

    /// Whether an open element is `tag`.
    #[inline]
    fn contains(&self, tag: Tag) -> bool {
        self.tags.contains(&tag)
    }

    /// The innermost open element's name, for an error.
    fn element(&self) -> String {
        let end = self.ends.last().copied().unwrap_or(0);
        let start = match self.ends.len().checked_sub(2) {
            Some(before) => self.ends.get(before).copied().unwrap_or(0),
            None => 0,
        };
        match self.names.get(start..end) {
            Some(name) if !self.is_empty() => String::from_utf8_lossy(name).into_owned(),
            _ => "document".into(),
        }
    }
}

struct State {
    message: Option<Message>,
    balance: Option<BalanceBuilding>,
    path: Path,
    statement_id: String,
    account: Option<String>,
    entry: Option<Building>,
    /// The currency of the `Amt` element being read, if `currency_given`
    /// (the buffer is kept from one amount to the next).
    currency: String,
    currency_given: bool,
    /// The text of the element being read, gathered from its pieces (text,
    /// references, CDATA) and read when the element ends.
    text: String,
    summary: Summary,
}

/// Reads `input` and calls `on_entry` with each entry as soon as it ends.
/// Stops at the first error of the document or of the caller.
pub fn read_entries<R: BufRead, E: std::error::Error>(
    input: R,
    mut on_entry: impl FnMut(Entry) -> Result<(), E>,
) -> Result<Summary, ReadError<E>> {
    let mut reader = Reader::from_reader(Lines {
        inner: input,
        line: 1,
    });
    // Texts are trimmed once whole: a reference inside a text splits it
    // into pieces, and the spaces around it belong to the text.
    reader.config_mut().trim_text(false);
    let mut state = State {
        message: None,
        balance: None,
        path: Path::default(),
        statement_id: String::new(),
        account: None,
        entry: None,
        currency: String::new(),
        currency_given: false,
        text: String::new(),
        summary: Summary::default(),
    };
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let line = reader.get_ref().line;
        let fail = |state: &State, reason: String| CamtError {
            line,
            element: state.path.element(),
            reason,
        };
        // Matched in place: moving the event out of the result first costs
        // a measurable share of the reader's time.
        match reader.read_event_into(&mut buffer) {
            Err(e) => {
                return Err(fail(&state, format!("not well-formed XML: {e}")).into());
            }
            Ok(Event::Start(start)) => {
                if state.path.len() >= MAX_DEPTH {
                    return Err(fail(&state, format!("nested deeper than {MAX_DEPTH}")).into());
                }
                crate::xml::check_attributes(&start).map_err(|r| fail(&state, r))?;
                if state.path.is_empty() {
                    state.message = Some(root_message(&start).map_err(|r| fail(&state, r))?);
                    state.summary.message = state.message;
                }
                let qualified = start.name();
                let name = local_bytes(qualified.as_ref());
                if name == b"Amt" {
                    let currency = start
                        .attributes()
                        .flatten()
                        .find(|a| local_bytes(a.key.as_ref()) == b"Ccy");
                    state.currency.clear();
                    state.currency_given = currency.is_some();
                    if let Some(currency) = currency {
                        state
                            .currency
                            .push_str(&String::from_utf8_lossy(&currency.value));
                    }
                }
                state.path.push(name);
                state.text.clear();
                opened(&mut state).map_err(|r| fail(&state, r))?;
            }
            Ok(Event::Empty(start)) => {
                if state.path.is_empty() {
                    return Err(fail(&state, "the document is empty".into()).into());
                }
                crate::xml::check_attributes(&start).map_err(|r| fail(&state, r))?;
                state.path.push(local_bytes(start.name().as_ref()));
                state.text.clear();
                opened(&mut state).map_err(|r| fail(&state, r))?;
                closed(&mut state, &mut on_entry).map_err(|e| match e {
                    Closed::Document(r) => ReadError::Document(fail(&state, r)),
                    Closed::Caller(e) => ReadError::Caller(e),
                })?;
                state.path.pop();
            }
            Ok(Event::Text(text)) => {
                let text = text
                    .decode()
                    .map_err(|e| fail(&state, format!("not UTF-8: {e}")))?;
                gather(&mut state, &text).map_err(|r| fail(&state, r))?;
            }
            Ok(Event::GeneralRef(reference)) => {
                let resolved =
                    crate::xml::resolve_reference(&reference).map_err(|r| fail(&state, r))?;
                gather(&mut state, &resolved).map_err(|r| fail(&state, r))?;
            }
            Ok(Event::CData(data)) => {
                let text = String::from_utf8_lossy(&data);
                gather(&mut state, &text).map_err(|r| fail(&state, r))?;
            }
            Ok(Event::End(_)) => {
                // The text is taken out to be read beside the state, and
                // put back emptied: its capacity serves the next element.
                let mut text = std::mem::take(&mut state.text);
                let trimmed = text.trim();
                if !trimmed.is_empty() {
                    text_of(&mut state, trimmed).map_err(|r| fail(&state, r))?;
                }
                text.clear();
                state.text = text;
                closed(&mut state, &mut on_entry).map_err(|e| match e {
                    Closed::Document(r) => ReadError::Document(fail(&state, r)),
                    Closed::Caller(e) => ReadError::Caller(e),
                })?;
                state.path.pop();
            }
            Ok(Event::DocType(_)) => {
                return Err(fail(&state, "a DTD is not accepted".into()).into());
            }
            Ok(Event::Eof) => {
                if state.message.is_none() {
                    return Err(fail(&state, "the document is empty".into()).into());
                }
                if !state.path.is_empty() {
                    return Err(fail(&state, "the document ends inside an element".into()).into());
                }
                return Ok(state.summary);
            }
            Ok(Event::Decl(_) | Event::PI(_) | Event::Comment(_)) => {}
        }
    }
}

/// Adds a piece of the current element's text, within [`MAX_TEXT`].
fn gather(state: &mut State, piece: &str) -> Result<(), String> {
    if state.text.len().saturating_add(piece.len()) > MAX_TEXT {
        return Err(format!("a text longer than {MAX_TEXT} bytes"));
    }
    state.text.push_str(piece);
    Ok(())
}

enum Closed<E> {
    Document(String),
    Caller(E),
}

/// The local part of a qualified name.
pub(crate) fn local(name: &[u8]) -> String {
    String::from_utf8_lossy(local_bytes(name)).into_owned()
}

/// The local part of a qualified name, as bytes: what follows its last `:`.
/// (A `:` never belongs to a multi-byte UTF-8 sequence, so decoding this
/// part alone reads it as decoding the whole name would.)
#[inline]
fn local_bytes(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(colon) => name.get(colon.saturating_add(1)..).unwrap_or_default(),
        None => name,
    }
}

/// The first `chars` characters of `text`.
fn prefix(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

/// The message a root `Document` element names by its namespace.
fn root_message(start: &quick_xml::events::BytesStart<'_>) -> Result<Message, String> {
    if local(start.name().as_ref()) != "Document" {
        return Err("the root element is not <Document>".into());
    }
    let namespace = start
        .attributes()
        .flatten()
        .find(|a| {
            let key = a.key.as_ref();
            key == b"xmlns" || key.starts_with(b"xmlns:")
        })
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        .unwrap_or_default();
    let Some(rest) = namespace.strip_prefix("urn:iso:std:iso:20022:tech:xsd:camt.") else {
        return Err(format!(
            "the namespace {namespace:?} is not camt.052, camt.053 or camt.054"
        ));
    };
    let (kind, version) = rest.split_once(".001.").unwrap_or((rest, ""));
    let version: u32 = version.parse().unwrap_or(0);
    if version < 2 {
        return Err(format!(
            "the namespace {namespace:?}: versions .001.02 onwards are read"
        ));
    }
    match kind {
        "052" => Ok(Message::Report),
        "053" => Ok(Message::Statement),
        "054" => Ok(Message::Notification),
        _ => Err(format!(
            "the namespace {namespace:?} is not camt.052, camt.053 or camt.054"
        )),
    }
}

/// The statement-level element of each message.
#[inline]
fn is_statement(tag: Tag) -> bool {
    tag == Tag::Statement
}

fn opened(state: &mut State) -> Result<(), String> {
    let name = state.path.tag(0).unwrap_or(Tag::Other);
    if is_statement(name) {
        if state.summary.statements_info.len() >= MAX_STATEMENTS {
            return Err(format!(
                "more than {MAX_STATEMENTS} statements in one document"
            ));
        }
        state.statement_id.clear();
        state.account = None;
        state.summary.statements = state.summary.statements.saturating_add(1);
        state.summary.statements_info.push(StatementInfo {
            message: state.message.unwrap_or(Message::Statement),
            id: String::new(),
            account: None,
            created_at: None,
            balances: Vec::new(),
            entries: 0,
            booked_credits: Amount::ZERO,
            booked_debits: Amount::ZERO,
        });
    } else if name == Tag::Bal
        && state.path.tag(1).is_some_and(is_statement)
        && state.entry.is_none()
    {
        let full = state
            .summary
            .statements_info
            .last()
            .is_some_and(|info| info.balances.len() >= MAX_BALANCES);
        if full {
            return Err(format!(
                "more than {MAX_BALANCES} balances in one statement"
            ));
        }
        state.balance = Some(BalanceBuilding::default());
    } else if name == Tag::Ntry && state.path.tag(1).is_some_and(is_statement) {
        state.entry = Some(Building::default());
    } else if name == Tag::TxDtls
        && let Some(entry) = state.entry.as_mut()
    {
        if entry.details.len() >= MAX_DETAILS {
            return Err(format!(
                "more than {MAX_DETAILS} transaction details in one entry"
            ));
        }
        entry.details.push(Details::default());
    }
    Ok(())
}

fn text_of(state: &mut State, text: &str) -> Result<(), String> {
    // The path is read (borrowed) while the entry, balance and statement,
    // other fields of the state, are written: nothing of it is copied.
    let path = &state.path;
    let name = path.tag(0).unwrap_or(Tag::Other);
    let up1 = path.tag(1);
    let up2 = path.tag(2);
    let in_statement_directly = up1.is_some_and(is_statement);
    if state.entry.is_none() {
        if name == Tag::Id && in_statement_directly {
            state.statement_id.push_str(text);
        } else if name == Tag::Iban
            && matches!(up1, Some(Tag::Id))
            && matches!(up2, Some(Tag::Acct))
        {
            state.account = Some(text.to_owned());
        } else if name == Tag::CreDtTm && in_statement_directly {
            if let Some(info) = state.summary.statements_info.last_mut() {
                info.created_at = Some(prefix(text, MAX_CODE).to_owned());
            }
        } else if let Some(balance) = state.balance.as_mut() {
            match (name, up1) {
                (Tag::Cd | Tag::Prtry, Some(Tag::CdOrPrtry)) if matches!(up2, Some(Tag::Tp)) => {
                    balance.kind = Some(prefix(text, MAX_CODE).to_owned());
                }
                (Tag::Amt, Some(Tag::Bal)) => {
                    let currency = state.currency_given.then_some(state.currency.as_str());
                    balance.amount = Some(amount(text, currency)?);
                }
                (Tag::CdtDbtInd, Some(Tag::Bal)) => balance.credit = Some(credit_debit(text)?),
                (Tag::Dt | Tag::DtTm, Some(Tag::Dt)) if matches!(up2, Some(Tag::Bal)) => {
                    balance.date = Some(prefix(text, 10).to_owned());
                }
                _ => {}
            }
        }
        return Ok(());
    }
    let currency = state.currency_given.then_some(state.currency.as_str());
    let Some(entry) = state.entry.as_mut() else {
        return Ok(());
    };
    let entry_level = matches!(up1, Some(Tag::Ntry));
    let in_details = || path.contains(Tag::TxDtls);
    match name {
        Tag::Amt if entry_level => entry.amount = Some(amount(text, currency)?),
        Tag::Amt if in_details() => {
            // The detail's own amount: `AmtDtls/TxAmt/Amt`, or `Amt` (later versions).
            let ok = matches!(up1, Some(Tag::TxDtls)) || matches!(up1, Some(Tag::TxAmt));
            if ok && let Some(detail) = entry.details.last_mut() {
                detail.amount = Some(amount(text, currency)?);
            }
        }
        Tag::CdtDbtInd if entry_level => entry.credit = Some(credit_debit(text)?),
        Tag::RvslInd if entry_level => entry.reversal = text == "true" || text == "1",
        Tag::Sts if entry_level => entry.status = Some(status(text)),
        Tag::Cd if matches!(up1, Some(Tag::Sts)) && matches!(up2, Some(Tag::Ntry)) => {
            entry.status = Some(status(text));
        }
        Tag::NtryRef if entry_level => entry.entry_reference = Some(text.to_owned()),
        Tag::AcctSvcrRef if entry_level => entry.account_servicer_reference = Some(text.to_owned()),
        Tag::Dt | Tag::DtTm if matches!(up2, Some(Tag::Ntry)) => {
            let date = prefix(text, 10).to_owned();
            match up1 {
                Some(Tag::BookgDt) => entry.booking_date = Some(date),
                Some(Tag::ValDt) => entry.value_date = Some(date),
                _ => {}
            }
        }
        Tag::Nm if in_details() && path.contains(Tag::RltdPties) => {
            // .001.08 onwards wrap the party: `Dbtr/Pty/Nm`.
            let party = match up1 {
                Some(Tag::Pty) => up2,
                other => other,
            };
            if let Some(detail) = entry.details.last_mut() {
                match party {
                    Some(Tag::Dbtr) => detail.debtor_name = Some(text.to_owned()),
                    Some(Tag::Cdtr) => detail.creditor_name = Some(text.to_owned()),
                    _ => {}
                }
            }
        }
        Tag::Iban if in_details() && matches!(up1, Some(Tag::Id)) => {
            if let Some(detail) = entry.details.last_mut() {
                match up2 {
                    Some(Tag::DbtrAcct) => detail.debtor_iban = Some(text.to_owned()),
                    Some(Tag::CdtrAcct) => detail.creditor_iban = Some(text.to_owned()),
                    _ => {}
                }
            }
        }
        Tag::EndToEndId if in_details() => {
            if let Some(detail) = entry.details.last_mut() {
                detail.end_to_end_id = Some(text.to_owned());
            }
        }
        Tag::AcctSvcrRef if in_details() && matches!(up1, Some(Tag::Refs)) => {
            if let Some(detail) = entry.details.last_mut() {
                detail.account_servicer_reference = Some(text.to_owned());
            }
        }
        Tag::Ustrd | Tag::Ref if in_details() => {
            let remittance = path.contains(Tag::RmtInf);
            let structured = name == Tag::Ref && matches!(up1, Some(Tag::CdtrRefInf));
            if remittance && (name == Tag::Ustrd || structured) {
                if entry.remittance_lines >= MAX_REMITTANCE_LINES {
                    return Err(format!(
                        "more than {MAX_REMITTANCE_LINES} remittance lines in one entry"
                    ));
                }
                entry.remittance_lines = entry.remittance_lines.saturating_add(1);
                if let Some(detail) = entry.details.last_mut() {
                    if structured {
                        detail.references.push(text.to_owned());
                    } else {
                        detail.unstructured.push(text.to_owned());
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn closed<E>(
    state: &mut State,
    on_entry: &mut impl FnMut(Entry) -> Result<(), E>,
) -> Result<(), Closed<E>> {
    let name = state.path.tag(0).unwrap_or(Tag::Other);
    if name == Tag::Amt {
        state.currency_given = false;
    }
    if is_statement(name) {
        let id = state.statement_id.clone();
        let account = state.account.clone();
        if let Some(info) = state.summary.statements_info.last_mut() {
            info.id = id;
            info.account = account;
        }
        return Ok(());
    }
    if name == Tag::Bal && state.entry.is_none() {
        let Some(building) = state.balance.take() else {
            return Ok(());
        };
        let missing = |what: &str| Closed::Document(format!("the balance has no {what}"));
        let (amount, currency) = building.amount.ok_or_else(|| missing("Amt"))?;
        let balance = Balance {
            kind: building.kind.ok_or_else(|| missing("Tp/CdOrPrtry"))?,
            amount,
            currency,
            credit: building.credit.ok_or_else(|| missing("CdtDbtInd"))?,
            date: building.date,
        };
        if let Some(info) = state.summary.statements_info.last_mut() {
            info.balances.push(balance);
        }
        return Ok(());
    }
    if name != Tag::Ntry || !state.path.tag(1).is_some_and(is_statement) {
        return Ok(());
    }
    let Some(building) = state.entry.take() else {
        return Ok(());
    };
    let missing = |what: &str| Closed::Document(format!("the entry has no {what}"));
    let (amount, currency) = building.amount.ok_or_else(|| missing("Amt"))?;
    let entry = Entry {
        message: state.message.unwrap_or(Message::Statement),
        statement_id: state.statement_id.clone(),
        account: state.account.clone(),
        entry_reference: building.entry_reference,
        account_servicer_reference: building.account_servicer_reference,
        amount,
        currency,
        credit: building.credit.ok_or_else(|| missing("CdtDbtInd"))?,
        reversal: building.reversal,
        status: building.status.ok_or_else(|| missing("Sts"))?,
        booking_date: building.booking_date,
        value_date: building.value_date,
        details: building.details,
    };
    state.summary.entries = state.summary.entries.saturating_add(1);
    if let Some(info) = state.summary.statements_info.last_mut() {
        info.entries = info.entries.saturating_add(1);
        if entry.status == Status::Booked {
            let sum = if entry.credit {
                &mut info.booked_credits
            } else {
                &mut info.booked_debits
            };
            *sum = sum.checked_add(entry.amount).ok_or_else(|| {
                Closed::Document("the sum of the statement's booked entries overflows".into())
            })?;
        }
    }
    on_entry(entry).map_err(Closed::Caller)
}

fn credit_debit(text: &str) -> Result<bool, String> {
    match text {
        "CRDT" => Ok(true),
        "DBIT" => Ok(false),
        other => Err(format!(
            "CdtDbtInd {:?} is neither CRDT nor DBIT",
            other.chars().take(40).collect::<String>()
        )),
    }
}

fn status(text: &str) -> Status {
    match text {
        "BOOK" => Status::Booked,
        "PDNG" => Status::Pending,
        "INFO" => Status::Information,
        other => Status::Other(prefix(other, 35).to_owned()),
    }
}

/// An amount of whole cents: digits, optionally a point and up to five
/// decimals of which those beyond the cents are zeros.
fn amount(text: &str, currency: Option<&str>) -> Result<(Amount, Currency), String> {
    let currency = currency.ok_or("the amount has no Ccy")?;
    let currency = Currency::parse(currency)
        .filter(|c| c.as_str() == currency)
        .ok_or_else(|| format!("Ccy {currency:?} is not a currency code"))?;
    // The text quoted (bounded) in an error, built only for one.
    let quoted = || text.chars().take(40).collect::<String>();
    let not_an_amount = || format!("{:?} is not an amount", quoted());
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 15
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > 5
    {
        return Err(not_an_amount());
    }
    let (cents, rest) = fraction.split_at(fraction.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(format!("{:?} is not a whole number of cents", quoted()));
    }
    // At most 15 digits and two decimals: the cents (below 10^17) fit an i64,
    // checked all the same.
    let mut minor: i64 = 0;
    for b in whole
        .bytes()
        .chain(cents.bytes().chain(b"00".iter().copied()).take(2))
    {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b.saturating_sub(b'0'))))
            .ok_or_else(not_an_amount)?;
    }
    let amount = Amount::from_minor(minor).map_err(|_| not_an_amount())?;
    Ok((amount, currency))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(xml: &str) -> Result<(Summary, Vec<Entry>), String> {
        let mut entries = Vec::new();
        let summary = read_entries(xml.as_bytes(), |e| {
            entries.push(e);
            Ok::<(), std::io::Error>(())
        })
        .map_err(|e| e.to_string())?;
        Ok((summary, entries))
    }

    #[test]
    fn amounts_are_whole_cents_with_zeros_beyond() {
        let eur = Some("EUR");
        assert_eq!(amount("12.34000", eur).unwrap().0.minor(), 1234);
        assert_eq!(amount("12.3", eur).unwrap().0.minor(), 1230);
        assert_eq!(amount("12", eur).unwrap().0.minor(), 1200);
        assert_eq!(amount("0.01", eur).unwrap().0.minor(), 1);
        for bad in ["12.345", "12,34", "-1", "", ".5", "1e3", "12.340001", " 1"] {
            assert!(amount(bad, eur).is_err(), "{bad}");
        }
        assert!(amount("1", None).is_err());
        assert!(amount("1", Some("eur")).is_err());
    }

    #[test]
    fn amounts_are_read_digit_by_digit() {
        let eur = Some("EUR");
        let largest = amount("999999999999999.99000", eur).unwrap().0;
        assert_eq!(largest.minor(), 99_999_999_999_999_999);
        assert_eq!(amount("007.5", eur).unwrap().0.minor(), 750);
        assert_eq!(amount("0", eur).unwrap().0.minor(), 0);
        let error = amount("1234567890123456", eur).unwrap_err();
        assert_eq!(error, "\"1234567890123456\" is not an amount");
        let error = amount("1.001", eur).unwrap_err();
        assert_eq!(error, "\"1.001\" is not a whole number of cents");
    }

    #[test]
    fn an_element_name_that_is_not_utf8_is_named_lossily() {
        let open = b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\
                     <BkToCstmrStmt><p:Stmt><Id>S</Id><x:\xffA\xfe>";
        let error = read_entries(&open[..], |_| Ok::<(), std::io::Error>(())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 1, <\u{fffd}A\u{fffd}>: the document ends inside an element"
        );
        let mut closed = open.to_vec();
        closed.extend_from_slice(b"</x:\xffA\xfe></p:Stmt></BkToCstmrStmt>");
        let error = read_entries(&closed[..], |_| Ok::<(), std::io::Error>(())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 1, <Document>: the document ends inside an element"
        );
    }

    #[test]
    fn errors_name_the_line_and_the_element() {
        let xml = "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
                   <BkToCstmrStmt><Stmt><Id>S1</Id>\n<Ntry><Amt Ccy=\"EUR\">1.001</Amt>\n\
                   <CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt></BkToCstmrStmt></Document>";
        let error = read(xml).unwrap_err();
        assert!(error.starts_with("line 4, <Amt>:"), "{error}");
        assert!(error.contains("whole number of cents"), "{error}");
    }

    #[test]
    fn dtds_foreign_namespaces_and_old_versions_are_refused() {
        let dtd = "<?xml version=\"1.0\"?><!DOCTYPE Document [<!ENTITY x \"y\">]>\
                   <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"/>";
        assert!(read(dtd).unwrap_err().contains("DTD"));
        let pain = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\"></Document>";
        assert!(read(pain).unwrap_err().contains("not camt"));
        let old = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.01\"></Document>";
        assert!(read(old).unwrap_err().contains("onwards"));
        assert!(read("").unwrap_err().contains("empty"));
        let unknown =
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">&x;</Document>";
        assert!(read(unknown).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut xml =
            String::from("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">");
        xml.push_str(&"<a>".repeat(MAX_DEPTH + 1));
        assert!(read(&xml).unwrap_err().contains("deeper"));
    }

    #[test]
    fn an_oversized_text_and_an_incomplete_entry_are_refused() {
        let head = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>S</Id>";
        let long = format!(
            "{head}<Ntry><AddtlNtryInf>{}</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>",
            "x".repeat(MAX_TEXT + 1)
        );
        assert!(read(&long).unwrap_err().contains("longer than"));
        // The text of one element split by references still counts whole.
        let pieces = format!(
            "{head}<Ntry><AddtlNtryInf>{}</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>",
            "x&amp;".repeat(MAX_TEXT / 2 + 1)
        );
        assert!(read(&pieces).unwrap_err().contains("longer than"));
        let no_status = format!(
            "{head}<Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>"
        );
        assert!(read(&no_status).unwrap_err().contains("no Sts"));
        let neither = format!(
            "{head}<Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>BOTH</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt></BkToCstmrStmt></Document>"
        );
        assert!(
            read(&neither)
                .unwrap_err()
                .contains("neither CRDT nor DBIT")
        );
        let truncated = format!("{head}<Ntry><Amt Ccy=\"EUR\">1.00</Amt>");
        assert!(read(&truncated).is_err());
    }
}
