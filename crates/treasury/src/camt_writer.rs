//! The writer of ISO 20022 cash management messages, version .001.02:
//! end-of-day statements (camt.053), intraday reports (camt.052) and
//! debit/credit notifications (camt.054) — for the Treasury simulator, the
//! benchmark generator and tests. Entries are taken from an iterator and
//! written one by one to the output, so a statement of a million entries
//! never sits in memory.
//!
//! Every text is checked against the schema's length and pattern before it
//! is written and refused with [`WriteError`] otherwise: the output is valid
//! against the schemas or not written at all (an error mid-way leaves a
//! partial file, which the caller discards).
//!
//! Balances: a camt.053 statement writes its opening as `OPBD` and its
//! closing as `CLBD` and must have at least one (the schema requires a
//! balance). A camt.052 report, of a day not yet closed, writes the opening
//! as `OPBD` and the current balance ("closing") as `ITBD` (interim booked),
//! as banks report the open day; none is required. A camt.054 notification
//! has no balances in the schema, and one given is refused.

use crate::camt::{MAX_REMITTANCE_LINES, Message};
use crate::xml::{check_text, date_time, escape, is_bic, is_date, is_iban, quoted};
use maksa_domain::money::{Amount, Currency};
use std::io::{BufWriter, Write};
use time::OffsetDateTime;

/// `Max35Text`: ids and references.
pub const MAX_ID: usize = 35;
/// `Max140Text`: a remittance line, a counterparty's name.
pub const MAX_LINE: usize = 140;
/// Largest amount written, 999,999,999,999,999.99: what the reader takes
/// back (15 digits before the point), within the schema's 18 digits.
pub const MAX_AMOUNT_MINOR: i64 = 99_999_999_999_999_999;

/// The statement (report, notification) to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementHeader {
    pub message: Message,
    /// `GrpHdr/MsgId` when written alone ([`write_statement`]).
    pub message_id: String,
    pub created_at: OffsetDateTime,
    pub statement_id: String,
    pub account_iban: String,
    pub currency: Currency,
    /// The account's bank, e.g. `TRELLV22`.
    pub servicer_bic: String,
    /// `YYYY-MM-DD`, the statement's day.
    pub date: String,
    /// Amount and whether it is a credit balance; see the module's
    /// documentation for the codes written.
    pub opening: Option<(Amount, bool)>,
    pub closing: Option<(Amount, bool)>,
}

/// One entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryToWrite {
    pub amount: Amount,
    pub currency: Currency,
    pub credit: bool,
    pub reversal: bool,
    /// `BOOK`, else `PDNG`.
    pub booked: bool,
    pub booking_date: String,
    pub value_date: String,
    pub account_servicer_reference: Option<String>,
    pub entry_reference: Option<String>,
    pub end_to_end_id: Option<String>,
    /// `Ustrd` lines, each at most 140 characters.
    pub remittance: Vec<String>,
    /// `Strd/CdtrRefInf/Ref`.
    pub structured_reference: Option<String>,
    /// The payer of a credit, the payee of a debit.
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
}

/// Why a document was not (wholly) written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("writing failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("{field} {value:?} {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("a document holds statements of one message; {0:?} follows {1:?}")]
    MixedMessages(Message, Message),
    #[error("a document needs at least one statement")]
    NoStatements,
    #[error("{0}")]
    Balances(&'static str),
}

fn invalid(field: &'static str, value: &str, reason: &'static str) -> WriteError {
    WriteError::Invalid {
        field,
        value: quoted(value),
        reason,
    }
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, WriteError> {
    check_text(value, max).map_err(|reason| invalid(field, value, reason))?;
    Ok(escape(value))
}

fn iban<'a>(field: &'static str, value: &'a str) -> Result<&'a str, WriteError> {
    if is_iban(value) {
        Ok(value)
    } else {
        Err(invalid(field, value, "is not an IBAN"))
    }
}

fn date(field: &'static str, value: &str) -> Result<(), WriteError> {
    if is_date(value) {
        Ok(())
    } else {
        Err(invalid(field, value, "is not a date YYYY-MM-DD"))
    }
}

fn amount(field: &'static str, value: Amount) -> Result<Amount, WriteError> {
    if value.minor() > MAX_AMOUNT_MINOR {
        return Err(invalid(
            field,
            &value.to_string(),
            "is larger than the reader takes",
        ));
    }
    Ok(value)
}

fn created(value: OffsetDateTime) -> Result<String, WriteError> {
    date_time(value).ok_or_else(|| invalid("CreDtTm", &value.to_string(), "cannot be written"))
}

/// The document element and statement element of each message.
fn names(message: Message) -> (&'static str, &'static str, &'static str) {
    match message {
        Message::Statement => ("053", "BkToCstmrStmt", "Stmt"),
        Message::Report => ("052", "BkToCstmrAcctRpt", "Rpt"),
        Message::Notification => ("054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    }
}

fn head<W: Write>(
    out: &mut W,
    message: Message,
    message_id: &str,
    at: OffsetDateTime,
) -> Result<(), WriteError> {
    let (number, root, _) = names(message);
    let message_id = text("MsgId", message_id, MAX_ID)?;
    let at = created(at)?;
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.{number}.001.02\">"
    )?;
    writeln!(out, "<{root}>")?;
    writeln!(
        out,
        "<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{at}</CreDtTm></GrpHdr>"
    )?;
    Ok(())
}

fn tail<W: Write>(out: &mut W, message: Message) -> Result<(), WriteError> {
    let (_, root, _) = names(message);
    writeln!(out, "</{root}>\n</Document>")?;
    Ok(())
}

fn balance<W: Write>(
    out: &mut W,
    code: &str,
    (value, credit): (Amount, bool),
    header: &StatementHeader,
) -> Result<(), WriteError> {
    let value = amount("Bal/Amt", value)?;
    writeln!(
        out,
        "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{}\">{value}</Amt><CdtDbtInd>{}</CdtDbtInd><Dt><Dt>{}</Dt></Dt></Bal>",
        header.currency,
        if credit { "CRDT" } else { "DBIT" },
        header.date
    )?;
    Ok(())
}

fn statement<W: Write>(
    out: &mut W,
    header: &StatementHeader,
    entries: impl IntoIterator<Item = EntryToWrite>,
) -> Result<(), WriteError> {
    let (_, _, element) = names(header.message);
    let id = text("Stmt/Id", &header.statement_id, MAX_ID)?;
    let at = created(header.created_at)?;
    let account = iban("Acct/Id/IBAN", &header.account_iban)?;
    if !is_bic(&header.servicer_bic) {
        return Err(invalid("Svcr/BIC", &header.servicer_bic, "is not a BIC"));
    }
    date("the statement's date", &header.date)?;
    let has_balance = header.opening.is_some() || header.closing.is_some();
    match header.message {
        Message::Statement if !has_balance => {
            return Err(WriteError::Balances(
                "a camt.053 statement needs an opening or a closing balance",
            ));
        }
        Message::Notification if has_balance => {
            return Err(WriteError::Balances(
                "a camt.054 notification has no balances",
            ));
        }
        _ => {}
    }
    writeln!(out, "<{element}>")?;
    writeln!(out, "<Id>{id}</Id>\n<CreDtTm>{at}</CreDtTm>")?;
    writeln!(
        out,
        "<FrToDt><FrDtTm>{0}T00:00:00</FrDtTm><ToDtTm>{0}T23:59:59</ToDtTm></FrToDt>",
        header.date
    )?;
    writeln!(
        out,
        "<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>{}</Ccy><Svcr><FinInstnId><BIC>{}</BIC></FinInstnId></Svcr></Acct>",
        header.currency, header.servicer_bic
    )?;
    let closing_code = match header.message {
        Message::Report => "ITBD",
        _ => "CLBD",
    };
    if let Some(opening) = header.opening {
        balance(out, "OPBD", opening, header)?;
    }
    if let Some(closing) = header.closing {
        balance(out, closing_code, closing, header)?;
    }
    for entry in entries {
        write_entry(out, &entry)?;
    }
    writeln!(out, "</{element}>")?;
    Ok(())
}

fn write_entry<W: Write>(out: &mut W, entry: &EntryToWrite) -> Result<(), WriteError> {
    let value = amount("Ntry/Amt", entry.amount)?;
    date("BookgDt", &entry.booking_date)?;
    date("ValDt", &entry.value_date)?;
    out.write_all(b"<Ntry>")?;
    if let Some(reference) = &entry.entry_reference {
        write!(
            out,
            "<NtryRef>{}</NtryRef>",
            text("NtryRef", reference, MAX_ID)?
        )?;
    }
    write!(
        out,
        "<Amt Ccy=\"{}\">{value}</Amt><CdtDbtInd>{}</CdtDbtInd>",
        entry.currency,
        if entry.credit { "CRDT" } else { "DBIT" }
    )?;
    if entry.reversal {
        out.write_all(b"<RvslInd>true</RvslInd>")?;
    }
    write!(
        out,
        "<Sts>{}</Sts><BookgDt><Dt>{}</Dt></BookgDt><ValDt><Dt>{}</Dt></ValDt>",
        if entry.booked { "BOOK" } else { "PDNG" },
        entry.booking_date,
        entry.value_date
    )?;
    if let Some(reference) = &entry.account_servicer_reference {
        write!(
            out,
            "<AcctSvcrRef>{}</AcctSvcrRef>",
            text("AcctSvcrRef", reference, MAX_ID)?
        )?;
    }
    // Received or issued SEPA credit transfers.
    write!(
        out,
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>",
        if entry.credit { "RCDT" } else { "ICDT" }
    )?;
    let has_details = entry.end_to_end_id.is_some()
        || !entry.remittance.is_empty()
        || entry.structured_reference.is_some()
        || entry.counterparty_name.is_some()
        || entry.counterparty_iban.is_some();
    if has_details {
        out.write_all(b"<NtryDtls><TxDtls>")?;
        if let Some(id) = &entry.end_to_end_id {
            write!(
                out,
                "<Refs><EndToEndId>{}</EndToEndId></Refs>",
                text("EndToEndId", id, MAX_ID)?
            )?;
        }
        write!(
            out,
            "<AmtDtls><TxAmt><Amt Ccy=\"{}\">{value}</Amt></TxAmt></AmtDtls>",
            entry.currency
        )?;
        if entry.counterparty_name.is_some() || entry.counterparty_iban.is_some() {
            let (party, account) = if entry.credit {
                ("Dbtr", "DbtrAcct")
            } else {
                ("Cdtr", "CdtrAcct")
            };
            out.write_all(b"<RltdPties>")?;
            match &entry.counterparty_name {
                Some(name) => write!(
                    out,
                    "<{party}><Nm>{}</Nm></{party}>",
                    text("RltdPties/Nm", name, MAX_LINE)?
                )?,
                // The schema wants the party before its account.
                None => write!(out, "<{party}/>")?,
            }
            if let Some(counterparty) = &entry.counterparty_iban {
                let counterparty = iban("RltdPties/IBAN", counterparty)?;
                write!(
                    out,
                    "<{account}><Id><IBAN>{counterparty}</IBAN></Id></{account}>"
                )?;
            }
            out.write_all(b"</RltdPties>")?;
        }
        if !entry.remittance.is_empty() || entry.structured_reference.is_some() {
            if entry.remittance.len() > MAX_REMITTANCE_LINES {
                return Err(invalid(
                    "RmtInf/Ustrd",
                    &entry.remittance.len().to_string(),
                    "lines are more than the reader takes",
                ));
            }
            out.write_all(b"<RmtInf>")?;
            for line in &entry.remittance {
                write!(out, "<Ustrd>{}</Ustrd>", text("Ustrd", line, MAX_LINE)?)?;
            }
            if let Some(reference) = &entry.structured_reference {
                write!(
                    out,
                    "<Strd><CdtrRefInf><Ref>{}</Ref></CdtrRefInf></Strd>",
                    text("CdtrRefInf/Ref", reference, MAX_ID)?
                )?;
            }
            out.write_all(b"</RmtInf>")?;
        }
        out.write_all(b"</TxDtls></NtryDtls>")?;
    }
    out.write_all(b"</Ntry>\n")?;
    Ok(())
}

/// Writes one statement as a whole document, its entries taken one by one
/// from `entries`. Answers the output back, flushed.
pub fn write_statement<W: Write>(
    out: W,
    header: &StatementHeader,
    entries: impl IntoIterator<Item = EntryToWrite>,
) -> Result<W, WriteError> {
    let mut out = BufWriter::new(out);
    head(
        &mut out,
        header.message,
        &header.message_id,
        header.created_at,
    )?;
    statement(&mut out, header, entries)?;
    tail(&mut out, header.message)?;
    out.into_inner().map_err(|e| WriteError::Io(e.into_error()))
}

/// Writes several statements of one message (all camt.053, say) in one
/// document, under one group header.
pub fn write_document<W: Write>(
    out: W,
    message_id: &str,
    created_at: OffsetDateTime,
    statements: impl IntoIterator<Item = (StatementHeader, Vec<EntryToWrite>)>,
) -> Result<W, WriteError> {
    let mut statements = statements.into_iter().peekable();
    let message = statements
        .peek()
        .map(|(header, _)| header.message)
        .ok_or(WriteError::NoStatements)?;
    let mut out = BufWriter::new(out);
    head(&mut out, message, message_id, created_at)?;
    for (header, entries) in statements {
        if header.message != message {
            return Err(WriteError::MixedMessages(header.message, message));
        }
        statement(&mut out, &header, entries)?;
    }
    tail(&mut out, message)?;
    out.into_inner().map_err(|e| WriteError::Io(e.into_error()))
}
