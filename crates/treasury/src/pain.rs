//! The writer of payment orders: ISO 20022 customer credit transfer
//! initiation (pain.001), version .001.001.03 (what the Treasury's eKase
//! takes) and .001.001.09. One batch is one payment information block: one
//! debtor account, one requested execution date, its transfers.
//!
//! Nothing is written that the schema would refuse: every text is checked
//! against its length and characters first and refused with
//! [`PainError`]; `NbOfTxs` and `CtrlSum` are counted here, never taken
//! from the caller.

use crate::xml::{check_text, date_time, escape, is_bic, is_date, is_iban, quoted};
use maksa_domain::money::{Amount, Currency};
use std::collections::HashSet;
use std::fmt::Write as _;

/// Most transfers in one batch (the Treasury's file limit).
pub const MAX_TRANSFERS: usize = 10_000;
/// Largest amount of one transfer: 999,999,999.99, SEPA's ceiling; also
/// keeps `CtrlSum` within the schema's 18 digits.
pub const MAX_TRANSFER_MINOR: i64 = 99_999_999_999;
/// `Max35Text`: message, payment information, instruction and end-to-end ids.
pub const MAX_ID: usize = 35;
/// Names of parties (SEPA's restriction of the schema's 140).
pub const MAX_NAME: usize = 70;
/// One unstructured remittance line (`Ustrd`, `Max140Text`).
pub const MAX_REMITTANCE: usize = 140;

/// Which pain.001 version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PainVersion {
    /// pain.001.001.03 (2009): `ReqdExctnDt` is a date, BICs are `BIC`.
    V03,
    /// pain.001.001.09 (2019): `ReqdExctnDt/Dt`, BICs are `BICFI`.
    V09,
}

impl PainVersion {
    fn namespace(self) -> &'static str {
        match self {
            PainVersion::V03 => "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
            PainVersion::V09 => "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
        }
    }
}

/// A debtor or creditor: name, account, and the bank when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub iban: String,
    pub bic: Option<String>,
}

/// One transfer (`CdtTrfTxInf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditTransfer {
    /// `[A-Za-z0-9-]`, at most 35: it comes back in the statement and in
    /// the status report, and is how the hub finds its payment again.
    pub end_to_end_id: String,
    pub instruction_id: Option<String>,
    pub amount: Amount,
    pub currency: Currency,
    pub creditor: Party,
    /// One `Ustrd` line.
    pub remittance: String,
}

/// One file: one debtor, one execution date, its transfers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub message_id: String,
    pub created_at: time::OffsetDateTime,
    pub initiating_party: String,
    pub payment_information_id: String,
    /// `YYYY-MM-DD`.
    pub requested_execution_date: String,
    pub debtor: Party,
    pub transfers: Vec<CreditTransfer>,
}

/// Why a pain file was not written (and, for the status report writer, a
/// pain.002).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PainError {
    #[error("the batch has no transfers")]
    Empty,
    #[error("{count} transfers: at most {MAX_TRANSFERS} in one batch")]
    TooMany { count: usize },
    #[error("the end-to-end id {0:?} is used twice in one batch")]
    DuplicateEndToEndId(String),
    #[error("transfers in {first} and {other}: one batch is in one currency")]
    MixedCurrencies { first: Currency, other: Currency },
    #[error("the sum of the amounts overflows")]
    Overflow,
    #[error("{field} {value:?} {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
}

impl PainError {
    pub(crate) fn invalid(field: &'static str, value: &str, reason: &'static str) -> Self {
        PainError::Invalid {
            field,
            value: quoted(value),
            reason,
        }
    }
}

/// `value` checked as a text of at most `max` characters.
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<String, PainError> {
    check_text(value, max).map_err(|reason| PainError::invalid(field, value, reason))?;
    Ok(escape(value))
}

fn end_to_end_id(value: &str) -> Result<String, PainError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok {
        return Err(PainError::invalid(
            "EndToEndId",
            value,
            "is not 1 to 35 of A-Z, a-z, 0-9 and -",
        ));
    }
    Ok(value.to_owned())
}

fn iban(field: &'static str, value: &str) -> Result<String, PainError> {
    if !is_iban(value) {
        return Err(PainError::invalid(field, value, "is not an IBAN"));
    }
    Ok(value.to_owned())
}

/// `FinInstnId` of a party's bank: its BIC, or `Othr/Id NOTPROVIDED`.
fn agent(
    out: &mut String,
    element: &str,
    party: &Party,
    version: PainVersion,
) -> Result<(), PainError> {
    let bic_element = match version {
        PainVersion::V03 => "BIC",
        PainVersion::V09 => "BICFI",
    };
    let _ = write!(out, "<{element}><FinInstnId>");
    match &party.bic {
        Some(bic) if is_bic(bic) => {
            let _ = write!(out, "<{bic_element}>{bic}</{bic_element}>");
        }
        Some(bic) => return Err(PainError::invalid(bic_element, bic, "is not a BIC")),
        None => out.push_str("<Othr><Id>NOTPROVIDED</Id></Othr>"),
    }
    let _ = writeln!(out, "</FinInstnId></{element}>");
    Ok(())
}

/// Writes `batch` as one pain.001 document of `version`.
pub fn write_pain001(batch: &Batch, version: PainVersion) -> Result<String, PainError> {
    let count = batch.transfers.len();
    if count == 0 {
        return Err(PainError::Empty);
    }
    if count > MAX_TRANSFERS {
        return Err(PainError::TooMany { count });
    }
    let mut seen = HashSet::with_capacity(count);
    let mut total = Amount::ZERO;
    let currency = batch
        .transfers
        .first()
        .map_or(Currency::EUR, |t| t.currency);
    for transfer in &batch.transfers {
        if !seen.insert(transfer.end_to_end_id.as_str()) {
            return Err(PainError::DuplicateEndToEndId(quoted(
                &transfer.end_to_end_id,
            )));
        }
        if transfer.currency != currency {
            return Err(PainError::MixedCurrencies {
                first: currency,
                other: transfer.currency,
            });
        }
        let minor = transfer.amount.minor();
        if minor <= 0 || minor > MAX_TRANSFER_MINOR {
            return Err(PainError::invalid(
                "InstdAmt",
                &transfer.amount.to_string(),
                "is not between 0.01 and 999999999.99",
            ));
        }
        total = total
            .checked_add(transfer.amount)
            .ok_or(PainError::Overflow)?;
    }
    let message_id = text("MsgId", &batch.message_id, MAX_ID)?;
    let created_at = date_time(batch.created_at).ok_or_else(|| {
        PainError::invalid(
            "CreDtTm",
            &batch.created_at.to_string(),
            "cannot be written",
        )
    })?;
    let initiating_party = text("InitgPty/Nm", &batch.initiating_party, MAX_NAME)?;
    let payment_information_id = text("PmtInfId", &batch.payment_information_id, MAX_ID)?;
    if !is_date(&batch.requested_execution_date) {
        return Err(PainError::invalid(
            "ReqdExctnDt",
            &batch.requested_execution_date,
            "is not a date YYYY-MM-DD",
        ));
    }
    let debtor_name = text("Dbtr/Nm", &batch.debtor.name, MAX_NAME)?;
    let debtor_iban = iban("DbtrAcct", &batch.debtor.iban)?;

    let mut out = String::with_capacity(1024usize.saturating_add(count.saturating_mul(700)));
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(out, "<Document xmlns=\"{}\">", version.namespace());
    out.push_str("<CstmrCdtTrfInitn>\n<GrpHdr>\n");
    let _ = writeln!(out, "<MsgId>{message_id}</MsgId>");
    let _ = writeln!(out, "<CreDtTm>{created_at}</CreDtTm>");
    let _ = writeln!(out, "<NbOfTxs>{count}</NbOfTxs>");
    let _ = writeln!(out, "<CtrlSum>{total}</CtrlSum>");
    let _ = writeln!(out, "<InitgPty><Nm>{initiating_party}</Nm></InitgPty>");
    out.push_str("</GrpHdr>\n<PmtInf>\n");
    let _ = writeln!(out, "<PmtInfId>{payment_information_id}</PmtInfId>");
    out.push_str("<PmtMtd>TRF</PmtMtd>\n");
    let _ = writeln!(out, "<NbOfTxs>{count}</NbOfTxs>");
    let _ = writeln!(out, "<CtrlSum>{total}</CtrlSum>");
    // SEPA (and its charge bearer SLEV) is a euro scheme: other currencies
    // leave the service level and the charges to the bank's defaults.
    let sepa = currency == Currency::EUR;
    if sepa {
        out.push_str("<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>\n");
    }
    match version {
        PainVersion::V03 => {
            let _ = writeln!(
                out,
                "<ReqdExctnDt>{}</ReqdExctnDt>",
                batch.requested_execution_date
            );
        }
        PainVersion::V09 => {
            let _ = writeln!(
                out,
                "<ReqdExctnDt><Dt>{}</Dt></ReqdExctnDt>",
                batch.requested_execution_date
            );
        }
    }
    let _ = writeln!(out, "<Dbtr><Nm>{debtor_name}</Nm></Dbtr>");
    let _ = writeln!(
        out,
        "<DbtrAcct><Id><IBAN>{debtor_iban}</IBAN></Id></DbtrAcct>"
    );
    agent(&mut out, "DbtrAgt", &batch.debtor, version)?;
    if sepa {
        out.push_str("<ChrgBr>SLEV</ChrgBr>\n");
    }
    for transfer in &batch.transfers {
        let end_to_end = end_to_end_id(&transfer.end_to_end_id)?;
        out.push_str("<CdtTrfTxInf>\n<PmtId>");
        if let Some(instruction) = &transfer.instruction_id {
            let instruction = text("InstrId", instruction, MAX_ID)?;
            let _ = write!(out, "<InstrId>{instruction}</InstrId>");
        }
        let _ = writeln!(out, "<EndToEndId>{end_to_end}</EndToEndId></PmtId>");
        let _ = writeln!(
            out,
            "<Amt><InstdAmt Ccy=\"{}\">{}</InstdAmt></Amt>",
            transfer.currency, transfer.amount
        );
        if transfer.creditor.bic.is_some() {
            agent(&mut out, "CdtrAgt", &transfer.creditor, version)?;
        }
        let name = text("Cdtr/Nm", &transfer.creditor.name, MAX_NAME)?;
        let _ = writeln!(out, "<Cdtr><Nm>{name}</Nm></Cdtr>");
        let account = iban("CdtrAcct", &transfer.creditor.iban)?;
        let _ = writeln!(out, "<CdtrAcct><Id><IBAN>{account}</IBAN></Id></CdtrAcct>");
        let remittance = text("Ustrd", &transfer.remittance, MAX_REMITTANCE)?;
        let _ = writeln!(out, "<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>");
        out.push_str("</CdtTrfTxInf>\n");
    }
    out.push_str("</PmtInf>\n</CstmrCdtTrfInitn>\n</Document>\n");
    Ok(out)
}
