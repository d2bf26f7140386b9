//! Payment status reports (pain.002, customer payment status report),
//! versions .001.03 onwards — the Treasury's answer to the hub's pain.001:
//! the group's status and each transfer's, by its end-to-end id — and the
//! writer of .001.10 reports the Treasury simulator sends back.
//!
//! The reader is hardened as the statement reader ([`crate::camt`]): no
//! DTD, only XML's five entities and character references, at most
//! [`MAX_DEPTH`] levels, [`MAX_TEXT`] bytes of text per element and
//! [`MAX_TRANSACTIONS`] transaction statuses; refusals name the line and the
//! element. Elements are matched by local name; the root's namespace must be
//! pain.002 .001.03 or later.
//!
//! A transaction without its own `TxSts` (optional from .001.05 on) takes
//! its payment information's `PmtInfSts`, else the group's `GrpSts`; one
//! without any status, or without `OrgnlEndToEndId`, is refused: the hub
//! could not tell which payment it is about or what happened to it.

use crate::camt::{CamtError, Lines, MAX_DEPTH, MAX_TEXT, local};
use crate::pain::{PainError, text};
use crate::xml::{date_time, quoted};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::fmt::Write as _;
use std::io::BufRead;
use time::OffsetDateTime;

/// Most transaction statuses in one report (ten full pain.001 batches).
pub const MAX_TRANSACTIONS: usize = 100_000;
/// Longest status code kept (`ExternalPaymentTransactionStatus1Code` is 4;
/// proprietary codes get room, not more).
pub const MAX_CODE: usize = 35;
/// Longest reason kept (`AddtlInf` is `Max105Text`); longer ones are cut.
pub const MAX_REASON: usize = 105;
/// The message the written reports answer (`OrgnlMsgNmId`).
pub const ORIGINAL_MESSAGE_NAME: &str = "pain.001.001.03";

const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.";

/// What a status report says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// `GrpHdr/MsgId` of the report itself.
    pub message_id: String,
    /// `OrgnlGrpInfAndSts/OrgnlMsgId`: the pain.001 it answers.
    pub original_message_id: String,
    /// `OrgnlGrpInfAndSts/GrpSts`: ACCP, ACTC, PART, RJCT…
    pub group_status: Option<String>,
    pub transactions: Vec<TransactionStatus>,
}

/// One `TxInfAndSts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionStatus {
    pub original_end_to_end_id: String,
    pub original_instruction_id: Option<String>,
    /// `TxSts`: ACTC ACCP ACSP ACSC ACWC PDNG RJCT…
    pub status: String,
    /// `StsRsnInf/Rsn/Cd` (or `Prtry`), else the first `AddtlInf`.
    pub reason: Option<String>,
}

#[derive(Default)]
struct Building {
    end_to_end_id: Option<String>,
    instruction_id: Option<String>,
    status: Option<String>,
    reason: Option<String>,
}

#[derive(Default)]
struct State {
    path: Vec<String>,
    text: String,
    message_id: Option<String>,
    original_message_id: Option<String>,
    group_status: Option<String>,
    payment_status: Option<String>,
    transaction: Option<Building>,
    transactions: Vec<TransactionStatus>,
}

impl State {
    fn parent(&self, up: usize) -> Option<&str> {
        self.path
            .len()
            .checked_sub(up.saturating_add(1))
            .and_then(|i| self.path.get(i))
            .map(String::as_str)
    }
}

/// Reads one pain.002 document.
pub fn read_pain002<R: BufRead>(input: R) -> Result<StatusReport, CamtError> {
    let mut reader = Reader::from_reader(Lines {
        inner: input,
        line: 1,
    });
    reader.config_mut().trim_text(false);
    let mut state = State::default();
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let line = reader.get_ref().line;
        let fail = |state: &State, reason: String| CamtError {
            line,
            element: state
                .path
                .last()
                .cloned()
                .unwrap_or_else(|| "document".into()),
            reason,
        };
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|e| fail(&state, format!("not well-formed XML: {e}")))?;
        if let Event::Start(start) | Event::Empty(start) = &event {
            crate::xml::check_attributes(start).map_err(|r| fail(&state, r))?;
        }
        match event {
            Event::Start(start) if state.path.is_empty() => {
                root(&start).map_err(|r| fail(&state, r))?;
                state.path.push(local(start.name().as_ref()));
            }
            Event::Empty(start) if state.path.is_empty() => {
                root(&start).map_err(|r| fail(&state, r))?;
                return Err(fail(&state, "the report is empty".into()));
            }
            Event::Start(start) => {
                if state.path.len() >= MAX_DEPTH {
                    return Err(fail(&state, format!("nested deeper than {MAX_DEPTH}")));
                }
                state.path.push(local(start.name().as_ref()));
                state.text.clear();
                opened(&mut state).map_err(|r| fail(&state, r))?;
            }
            Event::Empty(start) => {
                if state.path.len() >= MAX_DEPTH {
                    return Err(fail(&state, format!("nested deeper than {MAX_DEPTH}")));
                }
                state.path.push(local(start.name().as_ref()));
                state.text.clear();
                opened(&mut state).map_err(|r| fail(&state, r))?;
                closed(&mut state).map_err(|r| fail(&state, r))?;
                state.path.pop();
            }
            Event::Text(text) => {
                let text = text
                    .decode()
                    .map_err(|e| fail(&state, format!("not UTF-8: {e}")))?;
                gather(&mut state, &text).map_err(|r| fail(&state, r))?;
            }
            Event::GeneralRef(reference) => {
                let resolved =
                    crate::xml::resolve_reference(&reference).map_err(|r| fail(&state, r))?;
                gather(&mut state, &resolved).map_err(|r| fail(&state, r))?;
            }
            Event::CData(data) => {
                let text = String::from_utf8_lossy(&data).into_owned();
                gather(&mut state, &text).map_err(|r| fail(&state, r))?;
            }
            Event::End(_) => {
                let text = std::mem::take(&mut state.text);
                let text = text.trim();
                if !text.is_empty() {
                    text_of(&mut state, text).map_err(|r| fail(&state, r))?;
                }
                closed(&mut state).map_err(|r| fail(&state, r))?;
                state.path.pop();
            }
            Event::DocType(_) => return Err(fail(&state, "a DTD is not accepted".into())),
            Event::Eof => {
                if !state.path.is_empty() {
                    return Err(fail(&state, "the document ends inside an element".into()));
                }
                let (Some(message_id), Some(original_message_id)) =
                    (state.message_id, state.original_message_id)
                else {
                    let missing = CamtError {
                        line,
                        element: "document".into(),
                        reason: "the report has no GrpHdr/MsgId or no OrgnlGrpInfAndSts/OrgnlMsgId"
                            .into(),
                    };
                    return Err(missing);
                };
                return Ok(StatusReport {
                    message_id,
                    original_message_id,
                    group_status: state.group_status,
                    transactions: state.transactions,
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

/// The root must be `Document` in a pain.002 namespace of .001.03 onwards.
fn root(start: &quick_xml::events::BytesStart<'_>) -> Result<(), String> {
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
    let Some(version) = namespace.strip_prefix(NAMESPACE) else {
        return Err(format!(
            "the namespace {:?} is not pain.002",
            quoted(&namespace)
        ));
    };
    let ok = version.len() == 2
        && version.bytes().all(|b| b.is_ascii_digit())
        && version.parse::<u32>().is_ok_and(|v| v >= 3);
    if !ok {
        return Err(format!(
            "the namespace {:?}: versions .001.03 onwards are read",
            quoted(&namespace)
        ));
    }
    Ok(())
}

fn gather(state: &mut State, piece: &str) -> Result<(), String> {
    if state.text.len().saturating_add(piece.len()) > MAX_TEXT {
        return Err(format!("a text longer than {MAX_TEXT} bytes"));
    }
    state.text.push_str(piece);
    Ok(())
}

fn opened(state: &mut State) -> Result<(), String> {
    match state.path.last().map(String::as_str) {
        Some("OrgnlPmtInfAndSts") => state.payment_status = None,
        Some("TxInfAndSts") => {
            if state.transaction.is_some() {
                return Err("a TxInfAndSts inside another".into());
            }
            if state.transactions.len() >= MAX_TRANSACTIONS {
                return Err(format!("more than {MAX_TRANSACTIONS} transaction statuses"));
            }
            state.transaction = Some(Building::default());
        }
        _ => {}
    }
    Ok(())
}

/// A status code: at most [`MAX_CODE`] characters, no spaces.
fn code(text: &str) -> Result<String, String> {
    if text.chars().count() > MAX_CODE || text.chars().any(char::is_whitespace) {
        return Err(format!("{:?} is not a status code", quoted(text)));
    }
    Ok(text.to_owned())
}

fn text_of(state: &mut State, text: &str) -> Result<(), String> {
    let name = state.path.last().cloned().unwrap_or_default();
    let up1 = state.parent(1).map(str::to_owned);
    let up2 = state.parent(2).map(str::to_owned);
    let up3 = state.parent(3).map(str::to_owned);
    let id = |text: &str| -> Result<String, String> {
        if text.chars().count() > crate::pain::MAX_ID {
            return Err(format!("{:?} is longer than 35", quoted(text)));
        }
        Ok(text.to_owned())
    };
    match (name.as_str(), up1.as_deref()) {
        ("MsgId", Some("GrpHdr")) => state.message_id = Some(id(text)?),
        ("OrgnlMsgId", Some("OrgnlGrpInfAndSts")) => state.original_message_id = Some(id(text)?),
        ("GrpSts", Some("OrgnlGrpInfAndSts")) => state.group_status = Some(code(text)?),
        ("PmtInfSts", Some("OrgnlPmtInfAndSts")) => state.payment_status = Some(code(text)?),
        _ => {}
    }
    let Some(transaction) = state.transaction.as_mut() else {
        return Ok(());
    };
    let in_reason = |at: Option<&str>| at == Some("StsRsnInf");
    match (name.as_str(), up1.as_deref()) {
        ("OrgnlEndToEndId", Some("TxInfAndSts")) => transaction.end_to_end_id = Some(id(text)?),
        ("OrgnlInstrId", Some("TxInfAndSts")) => transaction.instruction_id = Some(id(text)?),
        ("TxSts", Some("TxInfAndSts")) => transaction.status = Some(code(text)?),
        ("Cd" | "Prtry", Some("Rsn"))
            if in_reason(up2.as_deref())
                && up3.as_deref() == Some("TxInfAndSts")
                && transaction.reason.is_none() =>
        {
            transaction.reason = Some(code(text)?);
        }
        ("AddtlInf", Some("StsRsnInf"))
            if up2.as_deref() == Some("TxInfAndSts") && transaction.reason.is_none() =>
        {
            transaction.reason = Some(text.chars().take(MAX_REASON).collect());
        }
        _ => {}
    }
    Ok(())
}

fn closed(state: &mut State) -> Result<(), String> {
    if state.path.last().map(String::as_str) != Some("TxInfAndSts") {
        return Ok(());
    }
    let Some(building) = state.transaction.take() else {
        return Ok(());
    };
    let original_end_to_end_id = building
        .end_to_end_id
        .filter(|id| !id.is_empty())
        .ok_or("the transaction status has no OrgnlEndToEndId")?;
    let status = building
        .status
        .or_else(|| state.payment_status.clone())
        .or_else(|| state.group_status.clone())
        .ok_or("the transaction has no TxSts, and its payment and group no status either")?;
    state.transactions.push(TransactionStatus {
        original_end_to_end_id,
        original_instruction_id: building.instruction_id,
        status,
        reason: building.reason,
    });
    Ok(())
}

/// An external status code as the .001.10 schema takes it: 1 to 4 characters.
fn external_code(field: &'static str, value: &str) -> Result<String, PainError> {
    let ok = (1..=4).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ok {
        return Err(PainError::invalid(
            field,
            value,
            "is not a code of 1 to 4 capitals or digits",
        ));
    }
    Ok(value.to_owned())
}

/// Writes `report` as a pain.002.001.10 document, as the Treasury would
/// answer a pain.001.001.03 ([`ORIGINAL_MESSAGE_NAME`]). The report has no
/// payment information id of its own: the original message id stands for it
/// (`OrgnlPmtInfId`), as the hub writes one payment information block per
/// message. A reason of up to four capitals or digits is written as
/// `Rsn/Cd`, any other as `AddtlInf`.
pub fn write_pain002(
    report: &StatusReport,
    created_at: OffsetDateTime,
) -> Result<String, PainError> {
    if report.transactions.len() > MAX_TRANSACTIONS {
        return Err(PainError::TooMany {
            count: report.transactions.len(),
        });
    }
    let message_id = text("MsgId", &report.message_id, crate::pain::MAX_ID)?;
    let original = text(
        "OrgnlMsgId",
        &report.original_message_id,
        crate::pain::MAX_ID,
    )?;
    let created = date_time(created_at).ok_or_else(|| {
        PainError::invalid("CreDtTm", &created_at.to_string(), "cannot be written")
    })?;
    let mut out = String::with_capacity(
        512usize.saturating_add(report.transactions.len().saturating_mul(200)),
    );
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<Document xmlns=\"{NAMESPACE}10\">");
    out.push_str("<CstmrPmtStsRpt>\n");
    let _ = writeln!(
        out,
        "<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>"
    );
    let _ = write!(
        out,
        "<OrgnlGrpInfAndSts><OrgnlMsgId>{original}</OrgnlMsgId><OrgnlMsgNmId>{ORIGINAL_MESSAGE_NAME}</OrgnlMsgNmId>"
    );
    if let Some(status) = &report.group_status {
        let _ = write!(out, "<GrpSts>{}</GrpSts>", external_code("GrpSts", status)?);
    }
    out.push_str("</OrgnlGrpInfAndSts>\n");
    if !report.transactions.is_empty() {
        let _ = writeln!(
            out,
            "<OrgnlPmtInfAndSts><OrgnlPmtInfId>{original}</OrgnlPmtInfId>"
        );
        for transaction in &report.transactions {
            out.push_str("<TxInfAndSts>");
            if let Some(instruction) = &transaction.original_instruction_id {
                let instruction = text("OrgnlInstrId", instruction, crate::pain::MAX_ID)?;
                let _ = write!(out, "<OrgnlInstrId>{instruction}</OrgnlInstrId>");
            }
            let end_to_end = text(
                "OrgnlEndToEndId",
                &transaction.original_end_to_end_id,
                crate::pain::MAX_ID,
            )?;
            let status = external_code("TxSts", &transaction.status)?;
            let _ = write!(
                out,
                "<OrgnlEndToEndId>{end_to_end}</OrgnlEndToEndId><TxSts>{status}</TxSts>"
            );
            match &transaction.reason {
                Some(reason) if external_code("Cd", reason).is_ok() => {
                    let _ = write!(out, "<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>");
                }
                Some(reason) => {
                    let reason = text("AddtlInf", reason, MAX_REASON)?;
                    let _ = write!(out, "<StsRsnInf><AddtlInf>{reason}</AddtlInf></StsRsnInf>");
                }
                None => {}
            }
            out.push_str("</TxInfAndSts>\n");
        }
        out.push_str("</OrgnlPmtInfAndSts>\n");
    }
    out.push_str("</CstmrPmtStsRpt>\n</Document>\n");
    Ok(out)
}
