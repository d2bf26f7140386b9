//! A small, hardened pain.001 reader for the Treasury simulator: of a
//! customer credit transfer initiation it keeps the message id, the
//! debtor's account and, per transfer, the end-to-end id, the amount and
//! currency, the creditor's name and IBAN and the remittance text.
//!
//! What comes in is a stranger's document: no DTD, only XML's five entities
//! and character references, elements nested at most [`MAX_DEPTH`] deep, a
//! text at most [`MAX_TEXT`] bytes, at most [`MAX_TRANSFERS`] transfers,
//! amounts as whole cents. The fuzz target `pain_orders` feeds it anything.

use maksa_domain::money::{Amount, Currency};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Elements nested deeper than this are refused.
pub const MAX_DEPTH: usize = 32;
/// The longest text of one element, in bytes.
pub const MAX_TEXT: usize = 1_024;
/// Transfers in one document (pain.001 batches of the hub hold at most 10,000).
pub const MAX_TRANSFERS: usize = 10_000;
/// Characters of a bad value quoted in a refusal.
const MAX_QUOTED: usize = 200;

/// A pain.001 as the simulator needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Orders {
    pub message_id: String,
    pub debtor_iban: Option<String>,
    pub transfers: Vec<Transfer>,
}

/// One credit transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub end_to_end_id: String,
    pub amount: Amount,
    pub currency: Currency,
    pub creditor_name: String,
    pub creditor_iban: String,
    pub remittance: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payment order document is refused at <{element}>: {reason}")]
pub struct PainReadError {
    pub element: String,
    pub reason: String,
}

#[derive(Default)]
struct Partial {
    end_to_end_id: Option<String>,
    amount: Option<Amount>,
    currency: Option<Currency>,
    creditor_name: Option<String>,
    creditor_iban: Option<String>,
    remittance: String,
}

#[derive(Default)]
struct State {
    path: Vec<String>,
    text: String,
    orders: Orders,
    message_id: Option<String>,
    current: Option<Partial>,
    /// The `Ccy` of the `InstdAmt` being read.
    currency: Option<String>,
}

fn quoted(value: &str) -> String {
    maksa_domain::text::bounded(value, MAX_QUOTED).into_owned()
}

fn local(name: &[u8]) -> String {
    let local = match name.iter().rposition(|b| *b == b':') {
        Some(colon) => name.get(colon.saturating_add(1)..).unwrap_or_default(),
        None => name,
    };
    String::from_utf8_lossy(local).into_owned()
}

/// Reads a pain.001 document (.001.03 onwards).
pub fn read_pain001(document: &[u8]) -> Result<Orders, PainReadError> {
    let mut reader = Reader::from_reader(document);
    reader.config_mut().trim_text(false);
    let mut state = State::default();
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let fail = |state: &State, reason: String| PainReadError {
            element: state
                .path
                .last()
                .cloned()
                .unwrap_or_else(|| "document".into()),
            reason,
        };
        let event = reader.read_event_into(&mut buffer).map_err(|e| {
            fail(
                &state,
                format!("not well-formed XML: {}", quoted(&e.to_string())),
            )
        })?;
        match event {
            Event::Start(start) => {
                if state.path.is_empty() {
                    root(&start).map_err(|r| fail(&state, r))?;
                }
                open(&mut state, &start).map_err(|r| fail(&state, r))?;
            }
            Event::Empty(start) => {
                if state.path.is_empty() {
                    return Err(fail(&state, "the document is empty".into()));
                }
                open(&mut state, &start).map_err(|r| fail(&state, r))?;
                close(&mut state).map_err(|r| fail(&state, r))?;
            }
            Event::Text(text) => {
                let text = text
                    .decode()
                    .map_err(|e| fail(&state, format!("not UTF-8: {e}")))?;
                gather(&mut state, &text).map_err(|r| fail(&state, r))?;
            }
            Event::GeneralRef(reference) => {
                let resolved =
                    maksa_treasury::resolve_reference(&reference).map_err(|r| fail(&state, r))?;
                gather(&mut state, &resolved).map_err(|r| fail(&state, r))?;
            }
            Event::CData(data) => {
                let text = String::from_utf8_lossy(&data).into_owned();
                gather(&mut state, &text).map_err(|r| fail(&state, r))?;
            }
            Event::End(_) => close(&mut state).map_err(|r| fail(&state, r))?,
            Event::DocType(_) => return Err(fail(&state, "a DTD is not accepted".into())),
            Event::Eof => {
                if !state.path.is_empty() {
                    return Err(fail(&state, "the document ends inside an element".into()));
                }
                if state.orders.transfers.is_empty() {
                    return Err(fail(&state, "the document has no transfer".into()));
                }
                let Some(message_id) = state.message_id else {
                    return Err(fail(&state, "the document has no GrpHdr/MsgId".into()));
                };
                let mut orders = state.orders;
                orders.message_id = message_id;
                return Ok(orders);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

fn root(start: &BytesStart<'_>) -> Result<(), String> {
    if local(start.name().as_ref()) != "Document" {
        return Err("the root element is not <Document>".into());
    }
    let namespace = start
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == b"xmlns" || a.key.as_ref().starts_with(b"xmlns:"))
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        .unwrap_or_default();
    if !namespace.starts_with("urn:iso:std:iso:20022:tech:xsd:pain.001.001.") {
        return Err(format!(
            "the namespace {:?} is not pain.001",
            quoted(&namespace)
        ));
    }
    Ok(())
}

fn open(state: &mut State, start: &BytesStart<'_>) -> Result<(), String> {
    if state.path.len() >= MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    maksa_treasury::check_attributes(start)?;
    let name = local(start.name().as_ref());
    state.text.clear();
    match name.as_str() {
        "CdtTrfTxInf" => {
            if state.orders.transfers.len() >= MAX_TRANSFERS {
                return Err(format!("more than {MAX_TRANSFERS} transfers"));
            }
            state.current = Some(Partial::default());
        }
        "InstdAmt" => {
            state.currency = start
                .attributes()
                .flatten()
                .find(|a| a.key.as_ref() == b"Ccy")
                .map(|a| String::from_utf8_lossy(&a.value).into_owned());
        }
        _ => {}
    }
    state.path.push(name);
    Ok(())
}

fn gather(state: &mut State, piece: &str) -> Result<(), String> {
    if state.text.len().saturating_add(piece.len()) > MAX_TEXT {
        return Err(format!("a text longer than {MAX_TEXT} bytes"));
    }
    state.text.push_str(piece);
    Ok(())
}

/// Whether the path ends with `suffix` (element names, innermost last).
fn ends_with(path: &[String], suffix: &[&str]) -> bool {
    path.len() >= suffix.len()
        && path
            .iter()
            .rev()
            .zip(suffix.iter().rev())
            .all(|(a, b)| a == b)
}

fn close(state: &mut State) -> Result<(), String> {
    let text = std::mem::take(&mut state.text);
    let text = text.trim().to_owned();
    let path = &state.path;
    if ends_with(path, &["GrpHdr", "MsgId"]) {
        state.message_id = Some(text);
    } else if ends_with(path, &["DbtrAcct", "Id", "IBAN"]) && state.current.is_none() {
        state.orders.debtor_iban = Some(text);
    } else if let Some(current) = state.current.as_mut() {
        if ends_with(path, &["PmtId", "EndToEndId"]) {
            current.end_to_end_id = Some(text);
        } else if ends_with(path, &["Amt", "InstdAmt"]) {
            let amount =
                Amount::parse(&text).map_err(|e| format!("the amount {:?} {e}", quoted(&text)))?;
            if amount.minor() <= 0 {
                return Err(format!("the amount {:?} is not positive", quoted(&text)));
            }
            let code = state.currency.take().unwrap_or_default();
            let currency = Currency::parse(&code)
                .ok_or_else(|| format!("the currency {:?} is not one", quoted(&code)))?;
            current.amount = Some(amount);
            current.currency = Some(currency);
        } else if ends_with(path, &["Cdtr", "Nm"]) {
            current.creditor_name = Some(text);
        } else if ends_with(path, &["CdtrAcct", "Id", "IBAN"]) {
            current.creditor_iban = Some(text);
        } else if ends_with(path, &["RmtInf", "Ustrd"]) {
            if !current.remittance.is_empty() {
                current.remittance.push(' ');
            }
            if current.remittance.len().saturating_add(text.len()) > MAX_TEXT {
                return Err(format!("a remittance longer than {MAX_TEXT} bytes"));
            }
            current.remittance.push_str(&text);
        } else if path.last().is_some_and(|n| n == "CdtTrfTxInf") {
            let partial = state.current.take().unwrap_or_default();
            let transfer = Transfer {
                end_to_end_id: partial
                    .end_to_end_id
                    .filter(|id| !id.is_empty())
                    .ok_or("a transfer without PmtId/EndToEndId")?,
                amount: partial.amount.ok_or("a transfer without Amt/InstdAmt")?,
                currency: partial.currency.ok_or("a transfer without a currency")?,
                creditor_name: partial.creditor_name.unwrap_or_default(),
                creditor_iban: partial
                    .creditor_iban
                    .ok_or("a transfer without CdtrAcct/Id/IBAN")?,
                remittance: partial.remittance,
            };
            state.orders.transfers.push(transfer);
        }
    }
    state.path.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-11-30T10:00:00Z</CreDtTm><NbOfTxs>1</NbOfTxs></GrpHdr>
<PmtInf><PmtInfId>MSG-1</PmtInfId><DbtrAcct><Id><IBAN>LV44HABA0551000000001</IBAN></Id></DbtrAcct>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-1</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">12.30</InstdAmt></Amt>
<Cdtr><Nm>Jānis &amp; Co</Nm></Cdtr><CdtrAcct><Id><IBAN>LV80BANK0000435195001</IBAN></Id></CdtrAcct>
<RmtInf><Ustrd>refund</Ustrd></RmtInf></CdtTrfTxInf></PmtInf></CstmrCdtTrfInitn></Document>"#;

    #[test]
    fn reads_what_the_simulator_needs() {
        let orders = read_pain001(ORDER.as_bytes()).unwrap_or_default();
        assert_eq!(orders.message_id, "MSG-1");
        assert_eq!(orders.debtor_iban.as_deref(), Some("LV44HABA0551000000001"));
        assert_eq!(orders.transfers.len(), 1);
        let t = &orders.transfers[0];
        assert_eq!(t.end_to_end_id, "E2E-1");
        assert_eq!(t.amount.minor(), 1230);
        assert_eq!(t.currency.as_str(), "EUR");
        assert_eq!(t.creditor_name, "Jānis & Co");
        assert_eq!(t.creditor_iban, "LV80BANK0000435195001");
        assert_eq!(t.remittance, "refund");
    }

    #[test]
    fn refuses_hostile_documents() {
        let dtd = ORDER.replace("<Document", "<!DOCTYPE x [<!ENTITY a \"b\">]><Document");
        assert!(read_pain001(dtd.as_bytes()).is_err());
        let entity = ORDER.replace("refund", "&a;");
        assert!(read_pain001(entity.as_bytes()).is_err());
        let deep = format!(
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">{}",
            "<a>".repeat(100)
        );
        assert!(read_pain001(deep.as_bytes()).is_err());
        let cents = ORDER.replace("12.30", "12.305");
        assert!(read_pain001(cents.as_bytes()).is_err());
        let camt = ORDER.replace("pain.001.001.03", "camt.053.001.02");
        assert!(read_pain001(camt.as_bytes()).is_err());
        let long = ORDER.replace("refund", &"x".repeat(MAX_TEXT + 1));
        assert!(read_pain001(long.as_bytes()).is_err());
        assert!(read_pain001(&ORDER.as_bytes()[..200]).is_err());
    }
}
