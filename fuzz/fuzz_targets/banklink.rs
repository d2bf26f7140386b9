//! The length-prefixed RSA bank links on the hub's side (`crates/providers`):
//! iPizza, Swedbank's legacy link and SEB e-Link. Form decoding as the door
//! does it, the signature check and the reading of the banks' answers for
//! both channels. Messages start from a complete answer of one of the three,
//! may be signed with the bank's real key (so the reading after the check is
//! reached), and are then changed field by field; only what the bank signed,
//! unchanged, may ever be believed.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_app::providers::{Connector, Incoming, Verified};
use maksa_domain::attempt::AttemptId;
use maksa_domain::codes::ProviderCode;
use maksa_fuzz::{Input, NOW, Shape, date_text, free_text, number_text};
use maksa_providers::rsa_keys::{RsaKey, TrustedKeys};
use maksa_providers::{ipizza, seb_elink, swedbank_link, vk};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Ipizza,
    Swedbank,
    Seb,
}

const PROTOCOLS: [Protocol; 3] = [Protocol::Ipizza, Protocol::Swedbank, Protocol::Seb];

impl Protocol {
    fn services(self) -> &'static [&'static str] {
        match self {
            Protocol::Ipizza => &["1111", "1911"],
            Protocol::Swedbank => &["1101", "1901"],
            Protocol::Seb => &["0003", "0004"],
        }
    }

    fn signed(self, service: &str) -> Option<&'static [&'static str]> {
        match self {
            Protocol::Ipizza => ipizza::answer_fields(service),
            Protocol::Swedbank => swedbank_link::answer_fields(service),
            Protocol::Seb => seb_elink::signed_fields(service),
        }
    }

    fn unsigned(self) -> &'static [&'static str] {
        match self {
            Protocol::Seb => &["IB_CRC", "IB_LANG", "IB_FROM_SERVER"],
            _ => &["VK_MAC", "VK_ENCODING", "VK_LANG", "VK_AUTO"],
        }
    }

    fn mac(self) -> &'static str {
        if self == Protocol::Seb {
            "IB_CRC"
        } else {
            "VK_MAC"
        }
    }

    fn service_field(self) -> &'static str {
        if self == Protocol::Seb {
            "IB_SERVICE"
        } else {
            "VK_SERVICE"
        }
    }

    fn sign(self, key: &RsaKey, fields: &[(String, String)]) -> Option<String> {
        match self {
            Protocol::Ipizza => ipizza::sign_answer(key, fields),
            Protocol::Swedbank => swedbank_link::sign_answer(key, fields),
            Protocol::Seb => seb_elink::sign_answer(key, fields),
        }
    }
}

/// A value for `name`: mostly what the bank writes, sometimes anything.
fn field_value(u: &mut Unstructured<'_>, name: &str, ids: &Ids) -> Result<String> {
    if u.ratio(1, 8)? {
        return free_text(u);
    }
    Ok(match name {
        "VK_SERVICE" | "IB_SERVICE" => (*u.choose(&[
            "1111", "1911", "1101", "1901", "0003", "0004", "1012", "0002", "",
        ])?)
        .to_owned(),
        "VK_VERSION" => (*u.choose(&["008", "009", "001", "8"])?).to_owned(),
        "IB_VERSION" => (*u.choose(&["001", "002", "008"])?).to_owned(),
        "VK_SND_ID" | "IB_SND_ID" => (*u.choose(&["SEBUB", "RIKOLV2X", "HP", "MAKSA"])?).to_owned(),
        "VK_REC_ID" | "IB_REC_ID" => (*u.choose(&["MAKSA", "maksa", "SEBUB"])?).to_owned(),
        "VK_STAMP" => ids.stamp.clone(),
        "VK_REF" => ids.reference.clone(),
        "IB_PAYMENT_ID" => ids.payment_id.clone(),
        "IB_PAYMENT_DESC" | "VK_MSG" => {
            if u.arbitrary()? {
                format!("RF0123456789ABCDEFGHIJKLMNOPQRSTUV Nodeva{}", ids.tail)
            } else {
                free_text(u)?
            }
        }
        "VK_AMOUNT" | "IB_AMOUNT" => {
            if u.ratio(1, 2)? {
                (*u.choose(&["12.34", "0.01", "12,34", "12", "12.3", "999999999999999.99"])?)
                    .to_owned()
            } else {
                number_text(u)?
            }
        }
        "VK_CURR" | "IB_CURR" => (*u.choose(&["EUR", "eur", "USD", "€", ""])?).to_owned(),
        "VK_T_DATETIME" => {
            if u.ratio(1, 2)? {
                (*u.choose(&[
                    "2026-11-30T06:00:00+0000",
                    "2026-11-30T08:05:00+0200",
                    "2026-11-30T05:50:00Z",
                    "2026-11-29T06:00:00+0000",
                ])?)
                .to_owned()
            } else {
                date_text(u)?
            }
        }
        "VK_T_DATE" | "IB_PAYMENT_DATE" => {
            (*u.choose(&["30.11.2026", "31.02.2026", "1.1.2026", ""])?).to_owned()
        }
        "IB_PAYMENT_TIME" => (*u.choose(&["08:00:00", "24:00:00", "8:0:0"])?).to_owned(),
        "IB_STATUS" => {
            (*u.choose(&["ACCOMPLISHED", "CANCELLED", "CANCELED", "accomplished", ""])?).to_owned()
        }
        "VK_AUTO" | "IB_FROM_SERVER" => (*u.choose(&["Y", "N", "y", ""])?).to_owned(),
        "VK_ENCODING" => (*u.choose(&["UTF-8", "utf-8", "ISO-8859-13"])?).to_owned(),
        "VK_T_NO" => (*u.choose(&["1", "", "123456789"])?).to_owned(),
        _ => free_text(u)?,
    })
}

/// The attempt's spellings in each protocol.
struct Ids {
    stamp: String,
    reference: String,
    payment_id: String,
    tail: String,
}

#[derive(Debug)]
struct Message {
    protocol: Protocol,
    fields: Vec<(String, String)>,
    signed: bool,
    changes: Vec<(String, String)>,
    server: bool,
    as_form: bool,
}

#[derive(Debug)]
enum Case {
    Form(Vec<u8>),
    Message(Message),
}

impl Shape for Case {
    type Value = Case;

    fn raw(bytes: &[u8]) -> Case {
        Case::Form(bytes.to_vec())
    }

    fn shaped(u: &mut Unstructured<'_>) -> Result<Case> {
        let protocol = *u.choose(&PROTOCOLS)?;
        let attempt = AttemptId::from_random(u.arbitrary()?);
        let (stamp, reference) = ipizza::split_attempt(attempt);
        let (payment_id, tail) = seb_elink::split_attempt(attempt);
        let ids = Ids {
            stamp,
            reference,
            payment_id,
            tail,
        };
        let service = *u.choose(protocol.services())?;
        let mut fields = Vec::new();
        for &name in protocol.signed(service).unwrap_or_default() {
            if u.ratio(31, 32)? {
                let value = if name == protocol.service_field() && u.ratio(7, 8)? {
                    service.to_owned()
                } else {
                    field_value(u, name, &ids)?
                };
                fields.push((name.to_owned(), value));
            }
        }
        for &name in protocol.unsigned() {
            if name != protocol.mac() && u.ratio(3, 4)? {
                fields.push((name.to_owned(), field_value(u, name, &ids)?));
            }
        }
        let mut changes = Vec::new();
        for _ in 0..u.int_in_range(0..=2)? {
            let names = protocol.signed(service).unwrap_or_default();
            let name = if u.ratio(3, 4)? && !names.is_empty() {
                (*u.choose(names)?).to_owned()
            } else {
                (*u.choose(protocol.unsigned())?).to_owned()
            };
            let value = field_value(u, &name, &ids)?;
            changes.push((name, value));
        }
        Ok(Case::Message(Message {
            protocol,
            fields,
            signed: u.ratio(3, 4)?,
            changes,
            server: u.arbitrary()?,
            as_form: u.arbitrary()?,
        }))
    }
}

struct Setup {
    bank: RsaKey,
    ipizza: ipizza::IpizzaConnector,
    swedbank: swedbank_link::SwedbankLinkConnector,
    seb: seb_elink::SebElinkConnector,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let bank = RsaKey::generate().unwrap_or_else(|e| panic!("bank key: {e}"));
        let hub = RsaKey::generate().unwrap_or_else(|e| panic!("hub key: {e}"));
        let trusted = TrustedKeys::new(vec![bank.public()]).unwrap_or_else(|e| panic!("{e}"));
        let code = |c: &str| ProviderCode::parse(c).unwrap_or_else(|| panic!("{c}"));
        let url = "http://127.0.0.1:9/sim/pay";
        let ipizza = ipizza::connector(ipizza::IpizzaConfig::new(
            code("RIKOLV2X"),
            "MAKSA",
            hub.clone(),
            trusted.clone(),
            url,
        ));
        let swedbank = swedbank_link::connector(swedbank_link::SwedbankLinkConfig::new(
            code("HABALV22"),
            "MAKSA",
            hub.clone(),
            trusted.clone(),
            url,
        ));
        let seb = seb_elink::SebElinkConnector::new(seb_elink::SebElinkConfig::new(
            code("UNLALV2X"),
            "MAKSA",
            hub,
            trusted,
            url,
        ));
        Setup {
            bank,
            ipizza,
            swedbank,
            seb,
        }
    })
}

fn read(s: &Setup, protocol: Protocol, body: &[u8], server: bool) -> Option<Verified> {
    match protocol {
        Protocol::Ipizza => ipizza::read_form(&s.ipizza, body, server, NOW).ok(),
        Protocol::Swedbank => swedbank_link::read_form(&s.swedbank, body, server, NOW).ok(),
        Protocol::Seb => seb_elink::read_form(&s.seb, body, server).ok(),
    }
}

// The keys are made before the first input (libFuzzer's initialisation is
// not timed): an RSA key generated under AddressSanitizer can take longer
// than the 30 s a single input is allowed.
fuzz_target!(init: { setup(); }, |case: Input<Case>| {
    let s = setup();
    let input = match case.0 {
        Case::Message(input) => input,
        Case::Form(body) => {
            // Nobody but the bank's key can sign: a form as it came is never believed.
            for protocol in PROTOCOLS {
                for server in [false, true] {
                    assert!(read(s, protocol, &body, server).is_none());
                }
            }
            // The Connector doors too (their clock is the real one).
            let incoming = Incoming {
                fields: vk::decode_form(&body),
                body,
                content_type: Some("application/x-www-form-urlencoded".to_owned()),
                ..Incoming::default()
            };
            assert!(s.ipizza.browser_return(&incoming).is_err());
            assert!(s.seb.server_message(&incoming).is_err());
            return;
        }
    };
    let protocol = input.protocol;
    let mut fields = input.fields;
    let mut signed = false;
    if input.signed
        && let Some(mac) = protocol.sign(&s.bank, &fields)
    {
        fields.push((protocol.mac().to_owned(), mac));
        signed = true;
    }
    let mut changed_signed_field = false;
    for (name, value) in input.changes {
        let before = vk::Fields::field(&fields, &name).map(str::to_owned);
        if before.as_deref() != Some(value.as_str()) {
            let service = vk::Fields::field(&fields, protocol.service_field()).unwrap_or_default();
            changed_signed_field |= name == protocol.mac()
                || protocol
                    .signed(service)
                    .is_some_and(|names| names.contains(&name.as_str()));
        }
        fields.push((name, value));
    }
    let body = vk::encode_form(&fields);
    let result = if input.as_form {
        read(s, protocol, body.as_bytes(), input.server)
    } else {
        let given = fields.as_slice();
        match protocol {
            Protocol::Ipizza => s.ipizza.read_answer(given, input.server, NOW).ok(),
            Protocol::Swedbank => s.swedbank.read_answer(given, input.server, NOW).ok(),
            Protocol::Seb => s.seb.read_answer(given, input.server).ok(),
        }
    };
    let Some(verified) = result else {
        return;
    };
    assert!(signed, "an unsigned message was accepted: {fields:?}");
    assert!(
        !changed_signed_field,
        "a changed signed field was accepted: {fields:?}"
    );
    if let Verified::Message(message) = verified {
        let amount = match protocol {
            Protocol::Seb => {
                vk::Fields::field(&fields, "IB_AMOUNT").and_then(seb_elink::parse_amount)
            }
            _ => vk::Fields::field(&fields, "VK_AMOUNT").and_then(vk::parse_amount),
        };
        assert_eq!(amount, Some(message.amount));
    }
});
