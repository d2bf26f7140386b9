//! **Swedbank's legacy bank link** (Latvia, `HABALV22`): the hub's connector
//! and the bank's simulator. `docs/providers/swedbank-link.md` describes the
//! wire.
//!
//! Request 1002 (eight signed fields; `VK_RETURN` is sent unsigned and may
//! carry no query), answers 1101 (paid) and 1901 (not paid), `VK_VERSION`
//! 008, `VK_MAC` the base64 RSA PKCS#1 v1.5 SHA-1 signature of the
//! length-prefixed signed fields. The answers come to `VK_RETURN`: by GET
//! from the bank's server (`VK_AUTO=Y`), by POST from the payer's browser
//! (`VK_AUTO=N`). The attempt id is spread over `VK_STAMP` and `VK_REF`. No
//! status query: the hub waits for the bank's message.

use crate::banklink::vk_link::{
    self, Dialect, PaidTime, RequestService, VkLinkBank, VkLinkConnector,
};
use crate::rsa_keys::{Digest, RsaKey, TrustedKeys};
use crate::sim::Sandbox;
use maksa_app::providers::{ProviderError, Verified};
use maksa_domain::codes::ProviderCode;
use std::path::Path;
use time::OffsetDateTime;

pub use crate::banklink::vk_link::{
    VkLinkConfig as SwedbankLinkConfig, VkLinkConnector as SwedbankLinkConnector,
};
/// The attempt id as `VK_STAMP` and `VK_REF`, and back.
pub use crate::banklink::{join_attempt, split_attempt};

/// The only version: SHA-1.
pub const VERSION: &str = "008";

/// The purpose limit: `VK_MSG` takes 300 characters, but the payment's
/// purpose at Swedbank is 70.
pub const PURPOSE_LIMIT: usize = 70;

/// The demo code of the simulated bank.
pub const DEMO_CODE: &str = "SWEDLINK";

const REQUEST_1002: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_STAMP",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_REF",
    "VK_MSG",
];

const ANSWER_1101: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_REC_ID",
    "VK_STAMP",
    "VK_T_NO",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_REC_ACC",
    "VK_REC_NAME",
    "VK_SND_ACC",
    "VK_SND_NAME",
    "VK_REF",
    "VK_MSG",
    "VK_T_DATE",
];

const ANSWER_1901: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_REC_ID",
    "VK_STAMP",
    "VK_REF",
    "VK_MSG",
];

/// Swedbank's legacy link as the connector and the simulator speak it.
pub static DIALECT: Dialect = Dialect {
    bank_name: "Swedbank (bank link, simulators)",
    requests: &[RequestService {
        service: "1002",
        fields: REQUEST_1002,
    }],
    paid: "1101",
    paid_fields: ANSWER_1101,
    unpaid: "1901",
    unpaid_fields: ANSWER_1901,
    paid_time: PaidTime::Date,
    return_query: false,
    versions: &[(VERSION, Digest::Sha1)],
    purpose_limit: PURPOSE_LIMIT,
    name_limit: 70,
};

/// The hub's connector. `config.version` must stay 008.
pub fn connector(config: SwedbankLinkConfig) -> SwedbankLinkConnector {
    VkLinkConnector::new(&DIALECT, config)
}

/// The simulated bank: verifies requests with the hub's keys, signs answers
/// with `bank_key` as `bank_id`, sends its server message by GET to
/// `VK_RETURN`, once.
pub fn bank(bank_id: &str, bank_key: RsaKey, hub_keys: TrustedKeys) -> VkLinkBank {
    VkLinkBank::new(&DIALECT, bank_id, bank_key, hub_keys).server_by_get(true)
}

/// The bank's signature of an answer (tests, fuzzing).
pub fn sign_answer(bank_key: &RsaKey, fields: &[(String, String)]) -> Option<String> {
    vk_link::sign_answer(&DIALECT, bank_key, fields)
}

/// The signed fields of an answer service.
pub fn answer_fields(service: &str) -> Option<&'static [&'static str]> {
    vk_link::answer_fields(&DIALECT, service)
}

/// Reads a form body as a browser return (`server` false) or a server
/// message: what a fuzz target calls.
pub fn read_form(
    connector: &SwedbankLinkConnector,
    body: &[u8],
    server: bool,
    now: OffsetDateTime,
) -> Result<Verified, ProviderError> {
    vk_link::read_form(connector, body, server, now)
}

/// The hub's id at the simulated bank.
pub use crate::banklink::vk_link::SANDBOX_MERCHANT_ID;

/// Key files in the sandbox's directory.
pub const BANK_KEY_FILE: &str = "swedbank_link-bank.key";
pub const HUB_KEY_FILE: &str = "swedbank_link-hub.key";

/// The connector and the simulated bank wired to each other
/// ([`vk_link::sandbox`]); the bank sends its server message by GET.
pub fn sandbox(
    dir: &Path,
    code: ProviderCode,
    bank_base_url: &str,
    hub_base_url: &str,
) -> std::io::Result<Sandbox> {
    vk_link::sandbox(
        &DIALECT,
        (BANK_KEY_FILE, HUB_KEY_FILE),
        dir,
        code,
        bank_base_url,
        hub_base_url,
        |_, bank| bank.server_by_get(true),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::vk::{self, Fields};
    use maksa_app::providers::{Connector, PaymentOrder};
    use maksa_domain::attempt::{AttemptId, Outcome};
    use maksa_domain::money::{Amount, Currency};

    fn connector_with(hub: &RsaKey, bank: &RsaKey) -> SwedbankLinkConnector {
        let mut config = SwedbankLinkConfig::new(
            ProviderCode::parse("HABALV22").unwrap(),
            "MAKSA",
            hub.clone(),
            TrustedKeys::new(vec![bank.public()]).unwrap(),
            "https://ib.swedbank.lv/banklink/",
        );
        config.bank_id = Some("HP".into());
        connector(config)
    }

    fn order() -> PaymentOrder {
        PaymentOrder {
            attempt: AttemptId::from_random([9; 16]),
            amount: Amount::from_minor(5).unwrap(),
            currency: Currency::EUR,
            purpose: "RF0123456789ABCDEFGHIJKLMNOPQRSTUV Nodeva".into(),
            payee_name: "Valsts kase".into(),
            payee_iban: "LV71TREL916021001000B".into(),
            return_url: "https://hub.example/providers/HABALV22/return?language=ENG&x=1".into(),
            notify_url: "https://hub.example/providers/HABALV22/notify".into(),
            language: "LAT",
            payer_ip: None,
        }
    }

    #[test]
    fn the_1002_request_signs_eight_fields_and_sends_the_return_address_bare() {
        let hub = RsaKey::generate().unwrap();
        let bank = RsaKey::generate().unwrap();
        let c = connector_with(&hub, &bank);
        let fields = c
            .request_fields(&order(), OffsetDateTime::now_utc())
            .unwrap();
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "VK_SERVICE",
                "VK_VERSION",
                "VK_SND_ID",
                "VK_STAMP",
                "VK_AMOUNT",
                "VK_CURR",
                "VK_REF",
                "VK_MSG",
                "VK_MAC",
                "VK_RETURN",
                "VK_ENCODING",
                "VK_LANG"
            ]
        );
        assert_eq!(fields.field("VK_AMOUNT"), Some("0.05"));
        assert_eq!(
            fields.field("VK_RETURN"),
            Some("https://hub.example/providers/HABALV22/return")
        );
        let hub_keys = TrustedKeys::new(vec![hub.public()]).unwrap();
        crate::banklink::verify(&hub_keys, Digest::Sha1, REQUEST_1002, &fields, "VK_MAC").unwrap();
        assert_eq!(c.purpose_limit(), Some(70));
    }

    #[test]
    fn a_1101_is_read_with_its_date_and_a_1901_is_a_rejection() {
        let hub = RsaKey::generate().unwrap();
        let bank = RsaKey::generate().unwrap();
        let c = connector_with(&hub, &bank);
        let (stamp, reference) = crate::banklink::split_attempt(order().attempt);
        let mut paid: Vec<(String, String)> = [
            ("VK_SERVICE", "1101"),
            ("VK_VERSION", "008"),
            ("VK_SND_ID", "HP"),
            ("VK_REC_ID", "MAKSA"),
            ("VK_STAMP", stamp.as_str()),
            ("VK_T_NO", "771"),
            ("VK_AMOUNT", "0.05"),
            ("VK_CURR", "EUR"),
            ("VK_REC_ACC", "LV71TREL916021001000B"),
            ("VK_REC_NAME", "Valsts kase"),
            ("VK_SND_ACC", "LV10HABA0000000000001"),
            ("VK_SND_NAME", "Jānis Bērziņš"),
            ("VK_REF", reference.as_str()),
            ("VK_MSG", "Nodeva"),
            ("VK_T_DATE", "30.11.2026"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let mac = sign_answer(&bank, &paid).unwrap();
        paid.push(("VK_MAC".into(), mac));
        paid.push(("VK_AUTO".into(), "Y".into()));
        let now = OffsetDateTime::now_utc();
        let Verified::Message(m) = c.read_answer(paid.as_slice(), true, now).unwrap() else {
            panic!("a message");
        };
        assert_eq!(m.outcome, Outcome::Executed);
        assert_eq!(m.amount.minor(), 5);
        assert_eq!(m.attempt, order().attempt);
        assert_eq!(m.at, None);
        for name in ANSWER_1101 {
            let mut tampered = paid.clone();
            for (k, v) in tampered.iter_mut() {
                if k == name {
                    *v = match k.as_str() {
                        "VK_SERVICE" => "1901".into(),
                        _ => format!("{v}0"),
                    };
                }
            }
            let result = c.read_answer(tampered.as_slice(), true, now);
            assert!(
                matches!(
                    result,
                    Err(ProviderError::BadSignature(_) | ProviderError::Malformed(_))
                ),
                "{name}: {result:?}"
            );
            if *name != "VK_VERSION" {
                assert!(
                    matches!(result, Err(ProviderError::BadSignature(_))),
                    "{name}"
                );
            }
        }
        let mut unpaid: Vec<(String, String)> = paid
            .iter()
            .filter(|(k, _)| ANSWER_1901.contains(&k.as_str()))
            .cloned()
            .collect();
        vk::Fields::field(&unpaid, "VK_SERVICE").unwrap();
        for (k, v) in unpaid.iter_mut() {
            if k == "VK_SERVICE" {
                *v = "1901".into();
            }
        }
        let mac = sign_answer(&bank, &unpaid).unwrap();
        unpaid.push(("VK_MAC".into(), mac));
        let Verified::Outcome(o) = c.read_answer(unpaid.as_slice(), false, now).unwrap() else {
            panic!("an outcome");
        };
        assert_eq!(o.outcome, Outcome::Rejected);
    }

    /// `openssl dgst -sha1 -sign` over the same signature data gives the
    /// same bytes (PKCS#1 v1.5 is deterministic).
    #[test]
    fn known_answer_against_the_openssl_command_line() {
        let hub = RsaKey::generate().unwrap();
        let bank = RsaKey::generate().unwrap();
        let c = connector_with(&hub, &bank);
        let fields = c
            .request_fields(&order(), OffsetDateTime::now_utc())
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("key.pem");
        std::fs::write(&key_path, hub.private_pem().unwrap()).unwrap();
        let data_path = dir.path().join("data");
        std::fs::write(&data_path, vk::mac_data(REQUEST_1002, &fields).unwrap()).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["dgst", "-sha1", "-sign"])
            .arg(&key_path)
            .arg(&data_path)
            .output()
            .expect("the openssl command line is needed for this test");
        assert!(out.status.success());
        use base64::Engine as _;
        let ours = base64::engine::general_purpose::STANDARD
            .decode(fields.field("VK_MAC").unwrap())
            .unwrap();
        assert_eq!(ours, out.stdout);
    }
}
