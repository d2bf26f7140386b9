//! The FIDAVISTA documents of Digi::Link with the `Amai` extension: the
//! payment request PMTREQ (hub → bank), the payment response PMTRESP (bank →
//! hub through the payer's browser) and the payment status PMTSTATRESP (bank →
//! hub, server to server). Builders write them unsigned with
//! [`super::dsig::PLACEHOLDER`]; readers take the tree of a verified document.

use super::dsig::PLACEHOLDER;
use super::xml::{Element, escape_text};
use maksa_domain::datetime::riga_offset_at as riga_offset;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The FIDAVISTA namespaces the bank writes (v1-1 in requests and status
/// messages, v1-2 in newer answers).
pub const FIDAVISTA_V1_1: &str = "http://ivis.eps.gov.lv/XMLSchemas/100017/fidavista/v1-1";
const FIDAVISTA_PREFIX: &str = "http://ivis.eps.gov.lv/XMLSchemas/100017/fidavista/";
/// The Amai extension's namespace, and the older one of Parex times (2016).
pub const AMAI: &str = "http://online.citadele.lv/XMLSchemas/amai/";
const AMAI_PAREX: &str = "http://digi.parex.lv/XMLSchemas/amai/";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

pub const PMTREQ: &str = "PMTREQ";
pub const PMTRESP: &str = "PMTRESP";
pub const PMTSTATRESP: &str = "PMTSTATRESP";
/// The protocol version the hub writes.
pub const VERSION: &str = "5.0";
/// The longest text a reader takes from one element.
pub const MAX_TEXT_CHARS: usize = 512;

/// A payment request's values, as the hub signs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub timestamp: String,
    pub from: String,
    pub request_uid: String,
    pub language: String,
    pub return_url: String,
    pub ext_id: String,
    pub doc_no: String,
    pub currency: String,
    pub purpose: String,
    pub amount: String,
    pub payee_account: String,
    pub payee_name: String,
    pub payee_legal_id: String,
    pub payee_country: String,
}

fn header(timestamp: &str, from: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FIDAVISTA xmlns=\"{FIDAVISTA_V1_1}\" \
         xmlns:xsi=\"{XSI}\" xsi:schemaLocation=\"{FIDAVISTA_V1_1} {FIDAVISTA_V1_1}/fidavista.xsd\">\
         <Header><Timestamp>{}</Timestamp><From>{}</From><Extension>\
         <Amai xmlns=\"{AMAI}\" xsi:schemaLocation=\"{AMAI} {AMAI}amai.xsd\">",
        escape_text(timestamp),
        escape_text(from)
    )
}

fn element(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape_text(text))
}

impl PaymentRequest {
    /// The unsigned document.
    pub fn unsigned(&self) -> String {
        let mut xml = header(&self.timestamp, &self.from);
        xml.push_str(&element("Request", PMTREQ));
        xml.push_str(&element("RequestUID", &self.request_uid));
        xml.push_str(&element("Version", VERSION));
        xml.push_str(&element("Language", &self.language));
        xml.push_str(&element("ReturnURL", &self.return_url));
        xml.push_str(PLACEHOLDER);
        xml.push_str("<PaymentRequest>");
        xml.push_str(&element("ExtId", &self.ext_id));
        xml.push_str(&element("DocNo", &self.doc_no));
        xml.push_str(&element("TaxPmtFlg", "N"));
        xml.push_str(&element("Ccy", &self.currency));
        xml.push_str(&element("PmtInfo", &self.purpose));
        xml.push_str("<BenSet>");
        xml.push_str(&element("Priority", "N"));
        xml.push_str(&element("Comm", "OUR"));
        xml.push_str(&element("Amt", &self.amount));
        xml.push_str(&element("BenAccNo", &self.payee_account));
        xml.push_str(&element("BenName", &self.payee_name));
        xml.push_str(&element("BenLegalId", &self.payee_legal_id));
        xml.push_str(&element("BenCountry", &self.payee_country));
        xml.push_str("</BenSet></PaymentRequest></Amai></Extension></Header></FIDAVISTA>");
        xml
    }

    /// Reads a verified PMTREQ (the simulator's side).
    pub fn read(root: &Element) -> Result<PaymentRequest, String> {
        let document = Document::of(root)?;
        if document.request != PMTREQ {
            return Err(format!(
                "Request {} is not PMTREQ",
                crate::vk::quoted(&document.request)
            ));
        }
        let amai = document.amai;
        let request = child(amai, document.amai_namespace, "PaymentRequest")?;
        let benset = child(request, document.amai_namespace, "BenSet")?;
        let field = |parent: &Element, name: &str| text(parent, document.amai_namespace, name);
        Ok(PaymentRequest {
            timestamp: document.timestamp,
            from: document.from,
            request_uid: field(amai, "RequestUID")?,
            language: field(amai, "Language")?,
            return_url: field(amai, "ReturnURL")?,
            ext_id: field(request, "ExtId")?,
            doc_no: field(request, "DocNo")?,
            currency: field(request, "Ccy")?,
            purpose: field(request, "PmtInfo")?,
            amount: field(benset, "Amt")?,
            payee_account: field(benset, "BenAccNo")?,
            payee_name: field(benset, "BenName")?,
            payee_legal_id: field(benset, "BenLegalId")?,
            payee_country: field(benset, "BenCountry")?,
        })
    }
}

/// What the bank answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// PMTRESP: `Code` 100 (the payer confirmed; the payment went to the
    /// bank's processing), 200 (the payer cancelled), 300 (an error, with
    /// `Message`).
    Response {
        timestamp: String,
        from: String,
        request_uid: String,
        code: String,
        message: Option<String>,
    },
    /// PMTSTATRESP: `StatCode` E (executed) or R (rejected) of the payment
    /// `ExtId`.
    Status {
        timestamp: String,
        from: String,
        ext_id: String,
        doc_no: String,
        stat_code: String,
        book_date: Option<String>,
    },
}

impl Answer {
    pub fn timestamp(&self) -> &str {
        match self {
            Answer::Response { timestamp, .. } | Answer::Status { timestamp, .. } => timestamp,
        }
    }

    pub fn from(&self) -> &str {
        match self {
            Answer::Response { from, .. } | Answer::Status { from, .. } => from,
        }
    }

    /// Reads a verified PMTRESP or PMTSTATRESP.
    pub fn read(root: &Element) -> Result<Answer, String> {
        let document = Document::of(root)?;
        let amai_field = |name: &str| text(document.amai, document.amai_namespace, name);
        match document.request.as_str() {
            PMTRESP => Ok(Answer::Response {
                request_uid: amai_field("RequestUID")?,
                code: amai_field("Code")?,
                message: optional_text(document.amai, document.amai_namespace, "Message")?,
                timestamp: document.timestamp,
                from: document.from,
            }),
            PMTSTATRESP => {
                let status = child(root, document.namespace, "PmtStat")?;
                let field = |name: &str| text(status, document.namespace, name);
                Ok(Answer::Status {
                    ext_id: field("ExtId")?,
                    doc_no: field("DocNo")?,
                    stat_code: field("StatCode")?,
                    book_date: optional_text(status, document.namespace, "BookDate")?,
                    timestamp: document.timestamp,
                    from: document.from,
                })
            }
            other => Err(format!(
                "Request {} is neither PMTRESP nor PMTSTATRESP",
                crate::vk::quoted(other)
            )),
        }
    }

    /// The unsigned document (the simulator's side).
    pub fn unsigned(&self) -> String {
        match self {
            Answer::Response {
                timestamp,
                from,
                request_uid,
                code,
                message,
            } => {
                let mut xml = header(timestamp, from);
                xml.push_str(&element("Request", PMTRESP));
                xml.push_str(&element("RequestUID", request_uid));
                xml.push_str(&element("Version", VERSION));
                xml.push_str(&element("Code", code));
                if let Some(message) = message {
                    xml.push_str(&element("Message", message));
                }
                xml.push_str(PLACEHOLDER);
                xml.push_str("</Amai></Extension></Header></FIDAVISTA>");
                xml
            }
            Answer::Status {
                timestamp,
                from,
                ext_id,
                doc_no,
                stat_code,
                book_date,
            } => {
                let mut xml = header(timestamp, from);
                xml.push_str(&element("Request", PMTSTATRESP));
                xml.push_str(&element("Version", VERSION));
                xml.push_str(PLACEHOLDER);
                xml.push_str("</Amai></Extension></Header><PmtStat>");
                xml.push_str(&element("ExtId", ext_id));
                xml.push_str(&element("DocNo", doc_no));
                xml.push_str(&element("StatCode", stat_code));
                if let Some(date) = book_date {
                    xml.push_str(&element("BookDate", date));
                }
                xml.push_str("</PmtStat></FIDAVISTA>");
                xml
            }
        }
    }
}

/// The parts every document has.
struct Document<'a> {
    namespace: &'a str,
    amai_namespace: &'a str,
    amai: &'a Element,
    timestamp: String,
    from: String,
    request: String,
}

impl<'a> Document<'a> {
    fn of(root: &'a Element) -> Result<Document<'a>, String> {
        let namespace = root
            .namespace
            .as_deref()
            .filter(|ns| ns.starts_with(FIDAVISTA_PREFIX) && root.local == "FIDAVISTA")
            .ok_or("the document is not FIDAVISTA")?;
        let header = child(root, namespace, "Header")?;
        let extension = child(header, namespace, "Extension")?;
        let amai = [AMAI, AMAI_PAREX]
            .iter()
            .find_map(|ns| extension.only_child(ns, "Amai"))
            .ok_or("Header/Extension has no Amai")?;
        let amai_namespace = amai.namespace.as_deref().unwrap_or(AMAI);
        Ok(Document {
            namespace,
            amai_namespace,
            amai,
            timestamp: text(header, namespace, "Timestamp")?,
            from: text(header, namespace, "From")?,
            request: text(amai, amai_namespace, "Request")?,
        })
    }
}

fn child<'a>(parent: &'a Element, namespace: &str, name: &str) -> Result<&'a Element, String> {
    parent
        .only_child(namespace, name)
        .ok_or_else(|| format!("{} must have exactly one {name}", parent.local))
}

fn text(parent: &Element, namespace: &str, name: &str) -> Result<String, String> {
    optional_text(parent, namespace, name)?.ok_or_else(|| format!("{name} is missing"))
}

fn optional_text(parent: &Element, namespace: &str, name: &str) -> Result<Option<String>, String> {
    let mut found = parent.children_named(namespace, name);
    let Some(element) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(format!("{name} is repeated"));
    }
    if element.elements().next().is_some() {
        return Err(format!("{name} has elements inside"));
    }
    let value = element.text();
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("{name} is longer than {MAX_TEXT_CHARS} characters"));
    }
    Ok(Some(value))
}

/// `YYYYMMDDHHMMSSsss` in Riga's local time, as Digi::Link writes times.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let local = at.to_offset(riga_offset(at));
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:03}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        local.millisecond()
    )
}

/// Reads what [`format_timestamp`] writes: exactly 17 digits, Riga time.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if text.len() != 17 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u16>().ok();
    let year = i32::from(number(0..4)?);
    let month = Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    let hour = u8::try_from(number(8..10)?).ok()?;
    let minute = u8::try_from(number(10..12)?).ok()?;
    let second = u8::try_from(number(12..14)?).ok()?;
    let milli = number(14..17)?;
    let local = PrimitiveDateTime::new(
        Date::from_calendar_date(year, month, day).ok()?,
        Time::from_hms_milli(hour, minute, second, milli).ok()?,
    );
    // Summer time first; if that instant is not in summer, it was winter.
    let summer = local.assume_offset(UtcOffset::from_hms(3, 0, 0).ok()?);
    if riga_offset(summer) == summer.offset() {
        Some(summer.to_offset(UtcOffset::UTC))
    } else {
        Some(
            local
                .assume_offset(UtcOffset::from_hms(2, 0, 0).ok()?)
                .to_offset(UtcOffset::UTC),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_riga_time_in_17_digits() {
        assert_eq!(
            format_timestamp(datetime!(2026-11-30 11:48:55.123 UTC)),
            "20261130134855123"
        );
        assert_eq!(
            format_timestamp(datetime!(2026-07-01 00:00:00 UTC)),
            "20260701030000000"
        );
        // The switches: 2026-03-29 and 2026-10-25, 01:00 UTC.
        assert_eq!(
            format_timestamp(datetime!(2026-03-29 00:59:59 UTC)),
            "20260329025959000"
        );
        assert_eq!(
            format_timestamp(datetime!(2026-03-29 01:00:00 UTC)),
            "20260329040000000"
        );
        for at in [
            datetime!(2026-11-30 11:48:55.123 UTC),
            datetime!(2026-07-01 00:00:00 UTC),
            datetime!(2026-03-29 01:00:00 UTC),
            datetime!(2026-10-25 00:30:00 UTC),
        ] {
            assert_eq!(parse_timestamp(&format_timestamp(at)), Some(at));
        }
        for bad in [
            "",
            "2026113013485512",
            "2026113013485512x",
            "20261330134855123",
            "２０２６",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_request_reads_back() {
        let request = PaymentRequest {
            timestamp: "20261130134855123".into(),
            from: "10000".into(),
            request_uid: "0123456789abcdef0123456789abcdef".into(),
            language: "LV".into(),
            return_url: "https://hub/return?a=1&b=2".into(),
            ext_id: "0123456789abcdef0123456789abcdef".into(),
            doc_no: "0123456789".into(),
            currency: "EUR".into(),
            purpose: "Nodeva <a> & ā".into(),
            amount: "12.34".into(),
            payee_account: "LV71TREL916021001000B".into(),
            payee_name: "Valsts kase".into(),
            payee_legal_id: "90000050138".into(),
            payee_country: "LV".into(),
        };
        let xml = request.unsigned();
        let root = super::super::xml::parse(xml.as_bytes()).unwrap();
        assert_eq!(PaymentRequest::read(&root).unwrap(), request);
        assert!(Answer::read(&root).is_err());
    }

    #[test]
    fn answers_read_back() {
        for answer in [
            Answer::Response {
                timestamp: "20261130134855123".into(),
                from: "10000".into(),
                request_uid: "abc".into(),
                code: "300".into(),
                message: Some("kļūda <x>".into()),
            },
            Answer::Status {
                timestamp: "20261130134855123".into(),
                from: "10000".into(),
                ext_id: "abc".into(),
                doc_no: "a".into(),
                stat_code: "E".into(),
                book_date: Some("2026-11-30".into()),
            },
        ] {
            let root = super::super::xml::parse(answer.unsigned().as_bytes()).unwrap();
            assert_eq!(Answer::read(&root).unwrap(), answer);
        }
    }

    #[test]
    fn answers_missing_a_part_or_of_another_kind_are_refused() {
        let genuine = Answer::Status {
            timestamp: "20261130134855123".into(),
            from: "10000".into(),
            ext_id: "abc".into(),
            doc_no: "a".into(),
            stat_code: "E".into(),
            book_date: None,
        }
        .unsigned();
        let hostile = [
            genuine.replace("<ExtId>abc</ExtId>", ""),
            genuine.replace("PMTSTATRESP", "PMTREQ"),
            genuine.replace("PMTSTATRESP", &"X".repeat(500)),
            genuine.replace(
                "<StatCode>E</StatCode>",
                "<StatCode>E</StatCode><StatCode>R</StatCode>",
            ),
        ];
        for document in hostile {
            // A reader refusal is fine too; what parses must not be read.
            if let Ok(root) = super::super::xml::parse(document.as_bytes()) {
                let refused = Answer::read(&root).unwrap_err();
                assert!(refused.chars().count() < 200, "{refused}");
            }
        }
    }
}
