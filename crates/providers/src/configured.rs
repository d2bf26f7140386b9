//! A bank contract as the operator configures it (`[[bank]]` in the config
//! file, docs/configuration.md): which protocol, under which provider code,
//! our id at the bank, our private key, the bank's certificates (one, or two
//! during a rotation) and the bank's address. One place turns it into the
//! protocol's connector.

use crate::rsa_keys::{RsaKey, TrustedKeys};
use maksa_app::providers::Connector;
use maksa_domain::codes::ProviderCode;
use std::fmt;
use std::io;
use std::sync::Arc;

/// The protocols the hub speaks with banks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Swedbank's Payment Initiation API V3 (docs/providers/swedbank-v3.md).
    SwedbankV3,
    /// Swedbank's legacy Latvian bank link, 1002/1101/1901.
    SwedbankLink,
    /// SEB's e-Link, 0002/0003/0004.
    SebElink,
    /// Citadele's Digi::Link, FIDAVISTA XML.
    Citadele,
    /// iPizza, 1011/1012/1111/1911 (Luminor and any bank speaking it).
    Ipizza,
}

impl Protocol {
    pub const NAMES: [&'static str; 5] = [
        "swedbank-v3",
        "swedbank-link",
        "seb-elink",
        "citadele",
        "ipizza",
    ];

    pub fn parse(name: &str) -> Option<Protocol> {
        Some(match name {
            "swedbank-v3" => Protocol::SwedbankV3,
            "swedbank-link" => Protocol::SwedbankLink,
            "seb-elink" => Protocol::SebElink,
            "citadele" => Protocol::Citadele,
            "ipizza" => Protocol::Ipizza,
            _ => return None,
        })
    }
}

/// One bank contract. `Debug` never shows the key.
pub struct BankContract {
    pub protocol: Protocol,
    pub code: ProviderCode,
    /// Our id at the bank: Swedbank's merchant id, `VK_SND_ID`, `IB_SND_ID`,
    /// Citadele's `From`.
    pub merchant_id: String,
    pub hub_key: RsaKey,
    pub bank_keys: TrustedKeys,
    /// The API's base address (Swedbank V3) or where the payer's browser
    /// takes the request (the others).
    pub url: String,
    /// The bank's own id, checked on its answers (`VK_SND_ID`, `IB_SND_ID`).
    pub bank_id: Option<String>,
    /// iPizza's `VK_VERSION` of our requests: `008` (SHA-1) or `009` (SHA-512).
    pub version: Option<String>,
    /// Citadele: the payee's registration number.
    pub payee_legal_id: Option<String>,
}

impl fmt::Debug for BankContract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BankContract")
            .field("protocol", &self.protocol)
            .field("code", &self.code)
            .field("merchant_id", &self.merchant_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what)
}

impl BankContract {
    /// The protocol's connector for this contract.
    pub fn connector(self) -> io::Result<Arc<dyn Connector>> {
        let BankContract {
            protocol,
            code,
            merchant_id,
            hub_key,
            bank_keys,
            url,
            bank_id,
            version,
            payee_legal_id,
        } = self;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(invalid(format!("bank {code}: url must be http(s)")));
        }
        Ok(match protocol {
            Protocol::SwedbankV3 => Arc::new(crate::swedbank_v3::SwedbankV3Connector::new(
                crate::swedbank_v3::SwedbankV3Config::new(
                    code,
                    &merchant_id,
                    hub_key,
                    bank_keys,
                    &url,
                ),
            )),
            Protocol::SwedbankLink => {
                let mut config = crate::swedbank_link::SwedbankLinkConfig::new(
                    code,
                    merchant_id,
                    hub_key,
                    bank_keys,
                    url,
                );
                config.bank_id = bank_id;
                Arc::new(crate::swedbank_link::connector(config))
            }
            Protocol::Ipizza => {
                let mut config = crate::ipizza::IpizzaConfig::new(
                    code.clone(),
                    merchant_id,
                    hub_key,
                    bank_keys,
                    url,
                );
                config.bank_id = bank_id;
                config.version = match version.as_deref() {
                    None | Some("008") => crate::ipizza::VERSION_SHA1,
                    Some("009") => crate::ipizza::VERSION_SHA512,
                    Some(other) => {
                        return Err(invalid(format!(
                            "bank {code}: iPizza version {other}: 008 or 009"
                        )));
                    }
                };
                Arc::new(crate::ipizza::connector(config))
            }
            Protocol::SebElink => {
                let mut config = crate::seb_elink::SebElinkConfig::new(
                    code,
                    merchant_id,
                    hub_key,
                    bank_keys,
                    url,
                );
                if bank_id.is_some() {
                    config.bank_id = bank_id;
                }
                Arc::new(crate::seb_elink::SebElinkConnector::new(config))
            }
            Protocol::Citadele => {
                let payee = payee_legal_id.ok_or_else(|| {
                    invalid(format!("bank {code}: Citadele needs payee_legal_id"))
                })?;
                Arc::new(crate::citadele::CitadeleConnector::new(
                    crate::citadele::CitadeleConfig::new(
                        code,
                        merchant_id,
                        payee,
                        hub_key,
                        bank_keys,
                        url,
                    ),
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_protocol_builds_its_connector_under_the_configured_code() {
        let key = RsaKey::generate().unwrap();
        let bank = TrustedKeys::new(vec![RsaKey::generate().unwrap().public()]).unwrap();
        for name in Protocol::NAMES {
            let protocol = Protocol::parse(name).unwrap();
            let contract = BankContract {
                protocol,
                code: ProviderCode::parse("TESTLV22").unwrap(),
                merchant_id: "M1".into(),
                hub_key: key.clone(),
                bank_keys: bank.clone(),
                url: "https://bank.example/pay".into(),
                bank_id: None,
                version: None,
                payee_legal_id: Some("40000000000".into()),
            };
            assert!(!format!("{contract:?}").contains("BEGIN"));
            let connector = contract.connector().unwrap();
            assert_eq!(connector.code().as_str(), "TESTLV22", "{name}");
        }
        assert_eq!(Protocol::parse("ipizza2"), None);
    }

    #[test]
    fn bad_settings_are_refused_with_their_name() {
        let key = RsaKey::generate().unwrap();
        let bank = TrustedKeys::new(vec![key.public()]).unwrap();
        let contract =
            |protocol, url: &str, version: Option<&str>, payee: Option<&str>| BankContract {
                protocol,
                code: ProviderCode::parse("TESTLV22").unwrap(),
                merchant_id: "M1".into(),
                hub_key: key.clone(),
                bank_keys: bank.clone(),
                url: url.into(),
                bank_id: None,
                version: version.map(str::to_owned),
                payee_legal_id: payee.map(str::to_owned),
            };
        let error = |c: BankContract| c.connector().err().unwrap().to_string();
        assert!(error(contract(Protocol::Ipizza, "ftp://x", None, None)).contains("url"));
        assert!(
            error(contract(Protocol::Ipizza, "https://x", Some("007"), None))
                .contains("008 or 009")
        );
        assert!(
            error(contract(Protocol::Citadele, "https://x", None, None)).contains("payee_legal_id")
        );
    }
}
