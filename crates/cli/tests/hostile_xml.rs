//! Every reader of XML from outside, fed the classic attacks: an external
//! entity (XXE), a parameter entity, exponential entity expansion ("billion
//! laughs"), an undeclared entity, nesting 100,000 deep and one element with
//! 100,000 attributes. Each is refused — none is expanded, fetched or read
//! through — and the refusal quotes nothing the entity would have pulled in.
//! The readers: the SOAP 1.1 door, the IVIS door (SOAP 1.2), Citadele's
//! Digi::Link answers, the portal's sign-in tokens, the Treasury's camt
//! statements and pain.002 status reports, and the Treasury simulator's pain.001
//! orders. (docs/RELIABILITY.md, "Security cases".)

#![allow(clippy::unwrap_used)]

use maksa_identity::{RelyingParty, SimulatedIdentityProvider};
use time::macros::datetime;

/// A reader's call: `Err` with its reason when it refuses the document.
type Read = Box<dyn Fn(&[u8]) -> Result<(), String>>;

/// A reader: the document's opening and closing around the attack, and the call.
struct XmlReader {
    name: &'static str,
    open: &'static str,
    close: &'static str,
    read: Read,
}

fn readers() -> Vec<XmlReader> {
    let portal = SimulatedIdentityProvider::generate().unwrap();
    let relying_party = RelyingParty::new("urn:maksa:payer", portal.trusted().unwrap());
    vec![
        XmlReader {
            name: "SOAP 1.1 door",
            open: r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><CheckPaymentRequestStatus xmlns="http://tempuri.org/"><paymentRequestId>"#,
            close: "</paymentRequestId></CheckPaymentRequestStatus></s:Body></s:Envelope>",
            read: Box::new(|bytes| {
                maksa_server::fuzzing::soap_call(bytes)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        },
        XmlReader {
            name: "IVIS door",
            open: r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetStatus xmlns="http://ivis.eps.gov.lv/2014/03/mm"><MessageID>"#,
            close: "</MessageID></GetStatus></s:Body></s:Envelope>",
            read: Box::new(|bytes| {
                maksa_server::fuzzing::ivis_envelope(bytes)
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}"))
            }),
        },
        XmlReader {
            name: "Citadele Digi::Link",
            open: r#"<FIDAVISTA xmlns="http://ivis.eps.gov.lv/XMLSchemas/100017/fidavista/v1-1"><Header><Timestamp>"#,
            close: "</Timestamp></Header></FIDAVISTA>",
            read: Box::new(|bytes| {
                maksa_providers::citadele::xml::parse(bytes)
                    .map(|_| ())
                    .map_err(|e| e.0.to_string())
            }),
        },
        XmlReader {
            name: "sign-in token",
            open: r#"<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"><t:Lifetime>"#,
            close: "</t:Lifetime></t:RequestSecurityTokenResponse>",
            read: Box::new(move |bytes| {
                let text = String::from_utf8_lossy(bytes);
                maksa_identity::read_sign_in(&relying_party, &text, datetime!(2026-12-01 12:00 UTC))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        },
        XmlReader {
            name: "camt statement",
            open: r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>"#,
            close: "</MsgId></GrpHdr></BkToCstmrStmt></Document>",
            read: Box::new(|bytes| {
                maksa_treasury::camt::read_entries(bytes, |_| Ok::<(), std::io::Error>(()))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        },
        XmlReader {
            name: "pain.002 status report",
            open: r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>"#,
            close: "</MsgId></GrpHdr></CstmrPmtStsRpt></Document>",
            read: Box::new(|bytes| {
                maksa_treasury::pain_status::read_pain002(bytes)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        },
        XmlReader {
            name: "pain.001 orders (Treasury simulator)",
            open: r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr><MsgId>"#,
            close: "</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>",
            read: Box::new(|bytes| {
                maksa_ekase::pain_orders::read_pain001(bytes)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        },
    ]
}

/// What an attack puts before the root element, and inside it.
struct Attack {
    name: &'static str,
    prolog: String,
    inside: String,
}

fn attacks() -> Vec<Attack> {
    let mut laughs = String::from("<!ENTITY lol0 \"lol\">");
    for level in 1..10 {
        let previous = format!("&lol{};", level - 1);
        laughs.push_str(&format!("<!ENTITY lol{level} \"{}\">", previous.repeat(10)));
    }
    let attributes: String = (0..100_000).map(|i| format!(" a{i}=\"\"")).collect();
    vec![
        Attack {
            name: "external entity",
            prolog: "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>".into(),
            inside: "&xxe;".into(),
        },
        Attack {
            name: "parameter entity",
            prolog:
                "<!DOCTYPE r [<!ENTITY % remote SYSTEM \"http://127.0.0.1:9/x.dtd\"> %remote;]>"
                    .into(),
            inside: "x".into(),
        },
        Attack {
            name: "entity expansion",
            prolog: format!("<!DOCTYPE r [{laughs}]>"),
            inside: "&lol9;".into(),
        },
        Attack {
            name: "undeclared entity",
            prolog: String::new(),
            inside: "&xxe;".into(),
        },
        Attack {
            name: "deep nesting",
            prolog: String::new(),
            inside: format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000)),
        },
        Attack {
            name: "attribute flood",
            prolog: String::new(),
            inside: format!("<a{attributes}/>"),
        },
    ]
}

#[test]
fn every_xml_reader_refuses_entities_depth_and_attribute_floods() {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let first_line = passwd.lines().next().unwrap_or("root:x:0:0").to_owned();
    let mut refused = 0;
    for reader in readers() {
        for attack in attacks() {
            let document = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}{}{}{}",
                attack.prolog, reader.open, attack.inside, reader.close
            );
            match (reader.read)(document.as_bytes()) {
                Ok(()) => panic!("{}: {} was accepted", reader.name, attack.name),
                Err(reason) => {
                    assert!(
                        !reason.contains(&first_line) && !reason.contains("lollollol"),
                        "{}: {}: the refusal quotes what the entity holds: {reason}",
                        reader.name,
                        attack.name
                    );
                    assert!(
                        reason.len() <= 2_000,
                        "{}: {}: {} characters",
                        reader.name,
                        attack.name,
                        reason.len()
                    );
                    refused += 1;
                }
            }
        }
        // The same shell without an attack is read further (or refused for what
        // it lacks, not for its form): the attack, not the shell, is what is refused.
        let plain = format!("<?xml version=\"1.0\"?>{}x{}", reader.open, reader.close);
        if let Err(reason) = (reader.read)(plain.as_bytes()) {
            for word in ["DTD", "entity", "entities", "deep", "attributes"] {
                assert!(
                    !reason.contains(word),
                    "{}: a plain document is refused for `{word}`: {reason}",
                    reader.name
                );
            }
        }
    }
    assert_eq!(refused, 7 * 6);
}
