//! The demo bank's `VK_` messages on the hub's side (`crates/providers`):
//! form decoding as the door does it, signature verification and the reading
//! of 1111/1112/1911 answers by the DEMO0000 connector, for both channels
//! (browser return, server message). Messages start from a complete answer,
//! may be signed with the bank's real key (so the reading after the signature
//! check is reached), and are then changed field by field.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_app::providers::{Connector, Incoming};
use maksa_fuzz::{Input, Shape, cased, date_text, free_text, number_text};
use maksa_providers::{DemoConnector, DemoKeys, vk};
use std::sync::OnceLock;

/// Every field of the bank's answers, in the order it writes them: the signed
/// fields of 1111 and 1911 (vk.rs is the one list), then the unsigned ones.
fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = Vec::new();
        for service in [vk::SERVICE_EXECUTED, vk::SERVICE_NOT_EXECUTED] {
            for &name in vk::signed_fields(service).unwrap_or_default() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names.extend(["VK_MAC", "VK_ENCODING", "VK_LANG"]);
        names
    })
}

#[derive(Debug)]
struct Message {
    fields: Vec<(String, String)>,
    signed: bool,
    /// Changes after signing, which must make the message fail unless they
    /// only touch unsigned fields.
    changes: Vec<(String, String)>,
    server: bool,
    /// Go through `application/x-www-form-urlencoded` as the door does.
    as_form: bool,
}

fn field_value(u: &mut Unstructured<'_>, name: &str) -> Result<String> {
    Ok(match name {
        "VK_SERVICE" => {
            (*u.choose(&["1111", "1112", "1911", "1012", "1017", "111", ""])?).to_owned()
        }
        "VK_AMOUNT" => {
            if u.ratio(1, 2)? {
                (*u.choose(&["12.34", "0.01", "0.00", "999999999999999.99", "00.50"])?).to_owned()
            } else {
                number_text(u)?
            }
        }
        "VK_T_DATETIME" => date_text(u)?,
        "VK_STAMP" => {
            if u.ratio(3, 4)? {
                let mut stamp = String::new();
                for _ in 0..32 {
                    stamp.push(*u.choose(&['0', '1', '9', 'a', 'f', 'F', 'g'])?);
                }
                stamp
            } else {
                free_text(u)?
            }
        }
        "VK_CURR" => (*u.choose(&["EUR", "eur", "USD", "€", ""])?).to_owned(),
        "VK_REASON" => (*u.choose(&["rejected", "cancelled", "Rejected", ""])?).to_owned(),
        "VK_AUTO" => (*u.choose(&["Y", "N", "y", ""])?).to_owned(),
        "VK_VERSION" => (*u.choose(&["009", "008", "9"])?).to_owned(),
        "VK_SND_ID" => (*u.choose(&["DEMO0000", "MAKSA", "HABALV22"])?).to_owned(),
        "VK_REC_ID" => (*u.choose(&["MAKSA", "DEMO0000", "maksa"])?).to_owned(),
        "VK_ENCODING" => (*u.choose(&["UTF-8", "utf-8", "ISO-8859-1"])?).to_owned(),
        _ => free_text(u)?,
    })
}

/// A form body as it came (seeds, libFuzzer's mutations), or a message built
/// from a complete answer.
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
        Message::build(u).map(Case::Message)
    }
}

impl Message {
    fn build(u: &mut Unstructured<'_>) -> Result<Self> {
        let mut fields = Vec::new();
        // A complete answer first, in the order the bank writes it.
        for name in names() {
            if *name != "VK_MAC" && u.ratio(15, 16)? {
                fields.push(((*name).to_owned(), field_value(u, name)?));
            }
        }
        for _ in 0..u.int_in_range(0..=3)? {
            let name = if u.ratio(3, 4)? {
                let name = *u.choose(names())?;
                cased(u, name)?
            } else {
                u.arbitrary()?
            };
            let value = field_value(u, &name)?;
            if u.arbitrary()? && !fields.is_empty() {
                let at = u.choose_index(fields.len())?;
                fields.remove(at);
            }
            fields.push((name, value));
        }
        let signed = u.ratio(3, 4)?;
        let mut changes = Vec::new();
        if u.ratio(1, 4)? {
            let name = (*u.choose(names())?).to_owned();
            let value = field_value(u, &name)?;
            changes.push((name, value));
        }
        Ok(Message {
            fields,
            signed,
            changes,
            server: u.arbitrary()?,
            as_form: u.arbitrary()?,
        })
    }
}

fn setup() -> &'static (DemoKeys, DemoConnector) {
    static SETUP: OnceLock<(DemoKeys, DemoConnector)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let keys = DemoKeys::generate().unwrap_or_else(|e| panic!("demo keys: {e}"));
        let connector = DemoConnector::new(&keys, "http://127.0.0.1:9/demo-bank");
        (keys, connector)
    })
}

// The keys are made before the first input (libFuzzer's initialisation is
// not timed): an RSA key generated under AddressSanitizer can take longer
// than the 30 s a single input is allowed.
fuzz_target!(init: { setup(); }, |case: Input<Case>| {
    let (keys, connector) = setup();
    let input = match case.0 {
        Case::Message(input) => input,
        Case::Form(body) => {
            // Nobody but the bank's key can sign: a form as it came is never believed.
            let incoming = Incoming {
                fields: vk::decode_form(&body),
                body,
                content_type: Some("application/x-www-form-urlencoded".to_owned()),
                ..Default::default()
            };
            assert!(connector.server_message(&incoming).is_err());
            assert!(connector.browser_return(&incoming).is_err());
            return;
        }
    };
    let mut fields = input.fields;
    let mut signed = false;
    if input.signed
        && let Ok(mac) = keys.sign_as_bank(&fields)
    {
        fields.push(("VK_MAC".to_owned(), mac));
        signed = true;
    }
    let mut changed_signed_field = false;
    for (name, value) in input.changes {
        let before = vk::Fields::field(&fields, &name).map(str::to_owned);
        if before.as_deref() != Some(value.as_str()) {
            let service = vk::Fields::field(&fields, "VK_SERVICE").unwrap_or_default();
            changed_signed_field |= name == "VK_MAC"
                || vk::signed_fields(service).is_some_and(|names| names.contains(&name.as_str()));
        }
        fields.push((name, value));
    }
    let incoming = if input.as_form {
        let body = vk::encode_form(&fields);
        Incoming {
            fields: vk::decode_form(body.as_bytes()),
            body: body.into_bytes(),
            content_type: Some("application/x-www-form-urlencoded".to_owned()),
            ..Default::default()
        }
    } else {
        Incoming {
            fields,
            body: Vec::new(),
            content_type: None,
            ..Default::default()
        }
    };
    let result = if input.server {
        connector.server_message(&incoming)
    } else {
        connector.browser_return(&incoming)
    };
    if let Ok(verified) = result {
        // The demo bank's answers always restate the amount.
        let message = verified
            .into_message()
            .expect("a verified demo bank answer carries its amount");
        // Only what the bank signed, unchanged, is ever believed.
        assert!(signed, "an unsigned message was accepted: {incoming:?}");
        assert!(
            !changed_signed_field,
            "a changed signed field was accepted: {incoming:?}"
        );
        let amount = incoming.field("VK_AMOUNT").and_then(vk::parse_amount);
        assert_eq!(amount, Some(message.amount));
    }
});
