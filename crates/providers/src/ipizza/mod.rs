//! **iPizza**, the Baltic bank link with RSA signatures (`VK_` fields), as
//! Luminor (`RIKOLV2X`) and other banks speak it: the hub's connector and the
//! bank's simulator. `docs/providers/ipizza.md` describes the wire.
//!
//! Requests 1011 (with the payee's `VK_ACC`/`VK_NAME`) or 1012 (the
//! agreement's account), answers 1111 (paid) and 1911 (not paid), `VK_MAC` the
//! base64 RSA PKCS#1 v1.5 signature of the length-prefixed signed fields —
//! SHA-1 for `VK_VERSION` 008, SHA-512 for 009. The attempt id is spread over
//! `VK_STAMP` and `VK_REF` (see `banklink::split_attempt`). No status query.

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
    VkLinkConfig as IpizzaConfig, VkLinkConnector as IpizzaConnector,
};
/// The attempt id as `VK_STAMP` and `VK_REF`, and back.
pub use crate::banklink::{join_attempt, split_attempt};

/// The versions: 008 signs with SHA-1, 009 with SHA-512.
pub const VERSION_SHA1: &str = "008";
pub const VERSION_SHA512: &str = "009";

/// The longest purpose (`VK_MSG`).
pub const PURPOSE_LIMIT: usize = 95;

const REQUEST_1012: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_STAMP",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_REF",
    "VK_MSG",
    "VK_RETURN",
    "VK_CANCEL",
    "VK_DATETIME",
];

const REQUEST_1011: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_STAMP",
    "VK_AMOUNT",
    "VK_CURR",
    "VK_ACC",
    "VK_NAME",
    "VK_REF",
    "VK_MSG",
    "VK_RETURN",
    "VK_CANCEL",
    "VK_DATETIME",
];

const ANSWER_1111: &[&str] = &[
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
    "VK_T_DATETIME",
];

const ANSWER_1911: &[&str] = &[
    "VK_SERVICE",
    "VK_VERSION",
    "VK_SND_ID",
    "VK_REC_ID",
    "VK_STAMP",
    "VK_REF",
    "VK_MSG",
];

/// iPizza as the connector and the simulator speak it.
pub static DIALECT: Dialect = Dialect {
    bank_name: "Luminor (iPizza, simulators)",
    requests: &[
        RequestService {
            service: "1012",
            fields: REQUEST_1012,
        },
        RequestService {
            service: "1011",
            fields: REQUEST_1011,
        },
    ],
    paid: "1111",
    paid_fields: ANSWER_1111,
    unpaid: "1911",
    unpaid_fields: ANSWER_1911,
    paid_time: PaidTime::DateTime,
    return_query: true,
    versions: &[
        (VERSION_SHA1, Digest::Sha1),
        (VERSION_SHA512, Digest::Sha512),
    ],
    purpose_limit: PURPOSE_LIMIT,
    name_limit: 70,
};

/// The hub's iPizza connector.
pub fn connector(config: IpizzaConfig) -> IpizzaConnector {
    VkLinkConnector::new(&DIALECT, config)
}

/// The simulated iPizza bank: verifies requests with the hub's keys, signs
/// answers with `bank_key` as `bank_id`.
pub fn bank(bank_id: &str, bank_key: RsaKey, hub_keys: TrustedKeys) -> VkLinkBank {
    VkLinkBank::new(&DIALECT, bank_id, bank_key, hub_keys)
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
    connector: &IpizzaConnector,
    body: &[u8],
    server: bool,
    now: OffsetDateTime,
) -> Result<Verified, ProviderError> {
    vk_link::read_form(connector, body, server, now)
}

/// The hub's id at the simulated bank.
pub use crate::banklink::vk_link::SANDBOX_MERCHANT_ID;

/// Key files in the sandbox's directory.
pub const BANK_KEY_FILE: &str = "ipizza-bank.key";
pub const HUB_KEY_FILE: &str = "ipizza-hub.key";

/// The connector and the simulated bank wired to each other
/// ([`vk_link::sandbox`]); the connector sends version 009 and the payee's
/// account (1011).
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
        |config, bank| {
            config.version = VERSION_SHA512;
            config.payee_in_request = true;
            bank
        },
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

    fn code() -> ProviderCode {
        ProviderCode::parse("RIKOLV2X").unwrap()
    }

    fn order() -> PaymentOrder {
        PaymentOrder {
            attempt: AttemptId::from_random([7; 16]),
            amount: Amount::from_minor(1234).unwrap(),
            currency: Currency::EUR,
            purpose: "RF0123456789ABCDEFGHIJKLMNOPQRSTUV Valsts nodeva „pase”".into(),
            payee_name: "Valsts kase".into(),
            payee_iban: "LV71TREL916021001000B".into(),
            return_url: "https://hub.example/providers/RIKOLV2X/return?language=ENG".into(),
            notify_url: "https://hub.example/providers/RIKOLV2X/notify".into(),
            language: "ENG",
            payer_ip: None,
        }
    }

    fn keys() -> (RsaKey, RsaKey) {
        (RsaKey::generate().unwrap(), RsaKey::generate().unwrap())
    }

    fn connector_with(hub: &RsaKey, bank: &RsaKey, version: &'static str) -> IpizzaConnector {
        let mut config = IpizzaConfig::new(
            code(),
            "MAKSA",
            hub.clone(),
            TrustedKeys::new(vec![bank.public()]).unwrap(),
            "https://bank.example/pay",
        );
        config.version = version;
        config.bank_id = Some("RIKOLV2X".into());
        connector(config)
    }

    #[test]
    fn a_1012_request_has_the_fields_in_order_and_verifies_with_the_hub_key() {
        let (hub, bank) = keys();
        let c = connector_with(&hub, &bank, VERSION_SHA1);
        let now = time::macros::datetime!(2026-11-30 12:00:00 UTC);
        let fields = c.request_fields(&order(), now).unwrap();
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
                "VK_RETURN",
                "VK_CANCEL",
                "VK_DATETIME",
                "VK_MAC",
                "VK_ENCODING",
                "VK_LANG"
            ]
        );
        assert_eq!(fields.field("VK_SERVICE"), Some("1012"));
        assert_eq!(fields.field("VK_AMOUNT"), Some("12.34"));
        assert_eq!(
            fields.field("VK_DATETIME"),
            Some("2026-11-30T12:00:00+0000")
        );
        assert_eq!(
            fields.field("VK_MSG"),
            Some("RF0123456789ABCDEFGHIJKLMNOPQRSTUV Valsts nodeva \"pase\"")
        );
        assert_eq!(
            fields.field("VK_RETURN"),
            Some("https://hub.example/providers/RIKOLV2X/return?language=ENG")
        );
        let hub_keys = TrustedKeys::new(vec![hub.public()]).unwrap();
        crate::banklink::verify(&hub_keys, Digest::Sha1, REQUEST_1012, &fields, "VK_MAC").unwrap();
        assert!(
            crate::banklink::verify(&hub_keys, Digest::Sha512, REQUEST_1012, &fields, "VK_MAC")
                .is_err()
        );
    }

    #[test]
    fn the_1011_request_names_the_payee() {
        let (hub, bank) = keys();
        let mut config = IpizzaConfig::new(
            code(),
            "MAKSA",
            hub.clone(),
            TrustedKeys::new(vec![bank.public()]).unwrap(),
            "https://bank.example/pay",
        );
        config.payee_in_request = true;
        config.version = VERSION_SHA512;
        let c = connector(config);
        let fields = c
            .request_fields(&order(), OffsetDateTime::now_utc())
            .unwrap();
        assert_eq!(fields.field("VK_SERVICE"), Some("1011"));
        assert_eq!(fields.field("VK_ACC"), Some("LV71TREL916021001000B"));
        assert_eq!(fields.field("VK_NAME"), Some("Valsts kase"));
        let hub_keys = TrustedKeys::new(vec![hub.public()]).unwrap();
        crate::banklink::verify(&hub_keys, Digest::Sha512, REQUEST_1011, &fields, "VK_MAC")
            .unwrap();
    }

    fn answer(bank: &RsaKey, service: &str, version: &str, at: &str) -> Vec<(String, String)> {
        let (stamp, reference) = crate::banklink::split_attempt(order().attempt);
        let mut fields: Vec<(String, String)> = [
            ("VK_SERVICE", service),
            ("VK_VERSION", version),
            ("VK_SND_ID", "RIKOLV2X"),
            ("VK_REC_ID", "MAKSA"),
            ("VK_STAMP", &stamp),
            ("VK_T_NO", "12345"),
            ("VK_AMOUNT", "12.34"),
            ("VK_CURR", "EUR"),
            ("VK_REC_ACC", "LV71TREL916021001000B"),
            ("VK_REC_NAME", "Valsts kase"),
            ("VK_SND_ACC", "LV10RIKO0000000000001"),
            ("VK_SND_NAME", "Jānis Paraugs"),
            ("VK_REF", &reference),
            ("VK_MSG", "Nodeva"),
            ("VK_T_DATETIME", at),
        ]
        .iter()
        .filter(|(k, _)| answer_fields(service).unwrap().contains(k))
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let mac = sign_answer(bank, &fields).unwrap();
        fields.push(("VK_MAC".into(), mac));
        fields.push(("VK_ENCODING".into(), "UTF-8".into()));
        fields.push(("VK_LANG".into(), "LAT".into()));
        fields.push(("VK_AUTO".into(), "N".into()));
        fields
    }

    #[test]
    fn answers_of_both_versions_are_read_and_each_signed_field_is_covered() {
        let (hub, bank) = keys();
        let c = connector_with(&hub, &bank, VERSION_SHA1);
        let now = OffsetDateTime::now_utc();
        let at = crate::banklink::format_vk_datetime(now);
        for version in [VERSION_SHA1, VERSION_SHA512] {
            let fields = answer(&bank, "1111", version, &at);
            let Verified::Message(m) = c.read_answer(fields.as_slice(), false, now).unwrap() else {
                panic!("a message");
            };
            assert_eq!(m.outcome, Outcome::Executed);
            assert_eq!(m.attempt, order().attempt);
            assert_eq!(m.amount.minor(), 1234);
            assert_eq!(m.external_id.as_deref(), Some("12345"));
            for name in ANSWER_1111 {
                let mut tampered = fields.clone();
                for (k, v) in tampered.iter_mut() {
                    if k == name {
                        // Another known service or version, else one more character.
                        *v = match (k.as_str(), v.as_str()) {
                            ("VK_SERVICE", _) => "1911".into(),
                            ("VK_VERSION", VERSION_SHA1) => VERSION_SHA512.into(),
                            ("VK_VERSION", _) => VERSION_SHA1.into(),
                            _ => format!("{v}1"),
                        };
                    }
                }
                let result = c.read_answer(tampered.as_slice(), false, now);
                assert!(
                    matches!(result, Err(ProviderError::BadSignature(_))),
                    "{version} {name}: {result:?}"
                );
            }
        }
        let fields = answer(&bank, "1911", VERSION_SHA512, &at);
        let Verified::Outcome(o) = c.read_answer(fields.as_slice(), false, now).unwrap() else {
            panic!("an outcome");
        };
        assert_eq!(o.outcome, Outcome::Rejected);
        assert_eq!(o.attempt, order().attempt);
    }

    #[test]
    fn stale_and_future_answers_are_refused() {
        let (hub, bank) = keys();
        let c = connector_with(&hub, &bank, VERSION_SHA1);
        let now = OffsetDateTime::now_utc();
        for at in [
            now - time::Duration::minutes(16),
            now + time::Duration::minutes(6),
        ] {
            let fields = answer(
                &bank,
                "1111",
                VERSION_SHA1,
                &crate::banklink::format_vk_datetime(at),
            );
            assert!(matches!(
                c.read_answer(fields.as_slice(), false, now),
                Err(ProviderError::Malformed(_))
            ));
        }
    }

    #[test]
    fn server_messages_say_vk_auto_y_and_the_answer_must_be_for_us() {
        let (hub, bank) = keys();
        let c = connector_with(&hub, &bank, VERSION_SHA1);
        let now = OffsetDateTime::now_utc();
        let at = crate::banklink::format_vk_datetime(now);
        let mut fields = answer(&bank, "1111", VERSION_SHA1, &at);
        assert!(matches!(
            c.read_answer(fields.as_slice(), true, now),
            Err(ProviderError::Malformed(_))
        ));
        fields.push(("VK_AUTO".into(), "Y".into()));
        assert!(c.read_answer(fields.as_slice(), true, now).is_ok());
        assert!(c.read_answer(fields.as_slice(), false, now).is_ok());
        // Another merchant's answer, signed by the bank, is not ours.
        let other = {
            let mut config = IpizzaConfig::new(
                code(),
                "OTHER",
                hub.clone(),
                TrustedKeys::new(vec![bank.public()]).unwrap(),
                "https://bank.example/pay",
            );
            config.version = VERSION_SHA1;
            connector(config)
        };
        assert!(matches!(
            other.read_answer(fields.as_slice(), true, now),
            Err(ProviderError::Malformed(_))
        ));
        // Signed by another key.
        let stranger = RsaKey::generate().unwrap();
        let mut forged = answer(&stranger, "1111", VERSION_SHA1, &at);
        forged.push(("VK_AUTO".into(), "Y".into()));
        assert!(matches!(
            c.read_answer(forged.as_slice(), true, now),
            Err(ProviderError::BadSignature(_))
        ));
    }

    #[test]
    fn only_utf_8_is_spoken() {
        let (hub, bank) = keys();
        let c = connector_with(&hub, &bank, VERSION_SHA1);
        let now = OffsetDateTime::now_utc();
        let at = crate::banklink::format_vk_datetime(now);
        for (name, value, ok) in [
            ("VK_CHARSET", "utf-8", true),
            ("VK_CHARSET", "ISO-8859-13", false),
            ("VK_ENCODING", "ISO-8859-13", false),
        ] {
            let mut fields = answer(&bank, "1111", VERSION_SHA1, &at);
            fields.push((name.into(), value.into()));
            assert_eq!(
                c.read_answer(fields.as_slice(), false, now).is_ok(),
                ok,
                "{name}={value}"
            );
        }
    }

    #[test]
    fn the_connector_declares_the_purpose_limit_and_has_no_query() {
        let (hub, bank) = keys();
        let c = connector_with(&hub, &bank, VERSION_SHA1);
        assert_eq!(c.purpose_limit(), Some(PURPOSE_LIMIT));
        assert_eq!(c.clean_purpose("a\u{2013}b€"), "a-b?");
    }

    /// The signature is the one `openssl dgst -sign` makes over the same
    /// signature data (PKCS#1 v1.5 is deterministic): computed independently
    /// of our RSA code.
    #[test]
    fn known_answer_against_the_openssl_command_line() {
        let Ok(status) = std::process::Command::new("openssl")
            .arg("version")
            .output()
        else {
            panic!("the openssl command line is needed for this test");
        };
        assert!(status.status.success());
        let (hub, bank) = keys();
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("key.pem");
        std::fs::write(&key_path, hub.private_pem().unwrap()).unwrap();
        for (version, flag) in [(VERSION_SHA1, "-sha1"), (VERSION_SHA512, "-sha512")] {
            let c = connector_with(&hub, &bank, version);
            let fields = c
                .request_fields(&order(), OffsetDateTime::now_utc())
                .unwrap();
            let data = vk::mac_data(REQUEST_1012, &fields).unwrap();
            let data_path = dir.path().join("data");
            std::fs::write(&data_path, data.as_bytes()).unwrap();
            let out = std::process::Command::new("openssl")
                .args(["dgst", flag, "-sign"])
                .arg(&key_path)
                .arg(&data_path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            use base64::Engine as _;
            let ours = base64::engine::general_purpose::STANDARD
                .decode(fields.field("VK_MAC").unwrap())
                .unwrap();
            assert_eq!(ours, out.stdout, "{version}");
        }
    }
}
