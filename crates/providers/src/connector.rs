//! The hub's side of the demo bank link: builds signed 1012 requests and 1017
//! queries with the hub's key, and reads the bank's 1111/1112/1911 answers,
//! verified with the bank's public key.

use crate::keys::DemoKeys;
use crate::vk::{self, Fields};
use async_trait::async_trait;
use maksa_app::providers::{
    Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage, Started, Verified,
};
use maksa_domain::attempt::{Attempt, AttemptId, Outcome};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use ring::signature::Ed25519KeyPair;
use std::sync::Arc;

/// `VK_AUTO`: `Y` on server messages, `N` on browser returns.
const AUTO_SERVER: &str = "Y";
const AUTO_BROWSER: &str = "N";

const ANSWERS: &[&str] = &[
    vk::SERVICE_EXECUTED,
    vk::SERVICE_ACCEPTED,
    vk::SERVICE_NOT_EXECUTED,
];

/// The DEMO0000 connector. Build it with [`crate::DemoBank::connector`], or
/// with [`DemoConnector::new`] when the bank runs elsewhere.
pub struct DemoConnector {
    code: ProviderCode,
    pay_url: String,
    query_url: String,
    hub_key: Arc<Ed25519KeyPair>,
    bank_public_key: Vec<u8>,
    /// Kept as a result so that a construction failure (which cannot happen
    /// with the fixed configuration) surfaces as `Unavailable`, not a panic.
    http: Result<reqwest::Client, String>,
}

impl DemoConnector {
    /// `bank_base_url` without a trailing slash, e.g.
    /// `http://127.0.0.1:8080/demo-bank`.
    pub fn new(keys: &DemoKeys, bank_base_url: &str) -> Self {
        let base = bank_base_url.trim_end_matches('/');
        DemoConnector {
            code: demo_code(),
            pay_url: format!("{base}/pay"),
            query_url: format!("{base}/query"),
            hub_key: keys.hub().clone(),
            bank_public_key: keys.bank_public_key().to_vec(),
            http: vk::http_client(),
        }
    }

    fn sign(&self, fields: &mut Vec<(String, String)>) -> Result<(), ProviderError> {
        let mac = vk::sign(&self.hub_key, fields)?;
        fields.push(("VK_MAC".into(), mac));
        Ok(())
    }

    /// Verifies and reads an answer that came by the channel `auto` names.
    fn read_answer<F: Fields + ?Sized>(
        &self,
        fields: &F,
        auto: &str,
    ) -> Result<ProviderMessage, ProviderError> {
        let service = vk::verify(&self.bank_public_key, ANSWERS, fields)?;
        // Only signed fields are read below, so everything that decides the
        // outcome was vouched for by the bank.
        vk::expect_value(fields, "VK_VERSION", vk::VERSION)?;
        vk::expect_value(fields, "VK_SND_ID", vk::BANK_ID)?;
        vk::expect_value(fields, "VK_REC_ID", vk::HUB_ID)?;
        vk::check_encoding(fields)?;
        let sent_auto = vk::required(fields, "VK_AUTO")?;
        if sent_auto != auto {
            return Err(ProviderError::Malformed(match auto {
                AUTO_SERVER => "a browser return (VK_AUTO=N) is not a server message".into(),
                _ => "a server message (VK_AUTO=Y) is not a browser return".into(),
            }));
        }
        let stamp = vk::required(fields, "VK_STAMP")?;
        let attempt = parse_stamp(stamp).ok_or_else(|| {
            ProviderError::Malformed(format!("VK_STAMP {} is not ours", vk::quoted(stamp)))
        })?;
        let amount = vk::parsed(fields, "VK_AMOUNT", "an amount", vk::parse_amount)?;
        let currency = vk::parsed(fields, "VK_CURR", "a currency", Currency::parse)?;
        let at = vk::parsed(fields, "VK_T_DATETIME", "RFC 3339", vk::parse_time)?;
        let (outcome, external_id) = match service {
            vk::SERVICE_EXECUTED | vk::SERVICE_ACCEPTED => {
                let t_no = vk::required(fields, "VK_T_NO")?;
                if t_no.is_empty() {
                    return Err(ProviderError::Malformed("VK_T_NO is empty".into()));
                }
                let outcome = if service == vk::SERVICE_EXECUTED {
                    Outcome::Executed
                } else {
                    Outcome::Accepted
                };
                (outcome, Some(t_no.to_owned()))
            }
            _ => {
                let reason = vk::required(fields, "VK_REASON")?;
                if reason != "rejected" && reason != "cancelled" {
                    return Err(ProviderError::Malformed(format!(
                        "VK_REASON {} is neither rejected nor cancelled",
                        vk::quoted(reason)
                    )));
                }
                (Outcome::Rejected, None)
            }
        };
        Ok(ProviderMessage {
            attempt,
            outcome,
            amount,
            currency,
            external_id,
            at: Some(at),
            evidence: None,
        })
    }
}

/// The stamp is exactly what [`AttemptId::simple`] writes: 32 lower-case hex
/// digits. Anything else was never sent by the hub.
fn parse_stamp(stamp: &str) -> Option<AttemptId> {
    let simple = stamp.len() == 32
        && stamp
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if simple {
        AttemptId::parse(stamp)
    } else {
        None
    }
}

pub(crate) fn demo_code() -> ProviderCode {
    ProviderCode::parse(crate::DEMO_BANK_CODE)
        .unwrap_or_else(|| unreachable!("DEMO0000 is a valid provider code (unit-tested)"))
}

fn field_value(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

#[async_trait]
impl Connector for DemoConnector {
    fn code(&self) -> &ProviderCode {
        &self.code
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        let language = if order.language == "ENG" {
            "ENG"
        } else {
            "LAT"
        };
        let mut fields = vec![
            field_value("VK_SERVICE", vk::SERVICE_PAYMENT),
            field_value("VK_VERSION", vk::VERSION),
            field_value("VK_SND_ID", vk::HUB_ID),
            field_value("VK_STAMP", &order.attempt.simple()),
            field_value("VK_AMOUNT", &vk::format_amount(order.amount)),
            field_value("VK_CURR", order.currency.as_str()),
            field_value("VK_ACC", &vk::clean_text(&order.payee_iban)),
            field_value("VK_NAME", &vk::clean_text(&order.payee_name)),
            field_value("VK_REF", ""),
            field_value("VK_MSG", &vk::clean_text(&order.purpose)),
            field_value("VK_RETURN", &order.return_url),
            field_value("VK_NOTIFY", &order.notify_url),
            field_value("VK_DATETIME", &vk::now_text()),
        ];
        self.sign(&mut fields)?;
        fields.push(field_value("VK_ENCODING", vk::ENCODING));
        fields.push(field_value("VK_LANG", language));
        Ok(Handoff::Form {
            action: self.pay_url.clone(),
            method: "POST",
            fields,
        }
        .into())
    }

    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read_answer(incoming, AUTO_BROWSER)
            .map(Verified::Message)
    }

    fn server_message(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        self.read_answer(incoming, AUTO_SERVER)
            .map(Verified::Message)
    }

    async fn query(&self, attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        let http = self
            .http
            .as_ref()
            .map_err(|e| ProviderError::Unavailable(e.clone()))?;
        let stamp = attempt.id.simple();
        let mut fields = vec![
            field_value("VK_SERVICE", vk::SERVICE_QUERY),
            field_value("VK_VERSION", vk::VERSION),
            field_value("VK_SND_ID", vk::HUB_ID),
            field_value("VK_STAMP", &stamp),
            field_value("VK_DATETIME", &vk::now_text()),
        ];
        self.sign(&mut fields)?;
        fields.push(field_value("VK_ENCODING", vk::ENCODING));
        let response = http
            .post(&self.query_url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(vk::encode_form(&fields))
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("{}: {e}", self.query_url)))?;
        match response.status() {
            reqwest::StatusCode::NO_CONTENT => Ok(None),
            reqwest::StatusCode::OK => {
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| ProviderError::Unavailable(format!("reading the answer: {e}")))?;
                let answer = vk::decode_form(&body);
                let message = self.read_answer(&answer, AUTO_SERVER)?;
                if message.attempt != attempt.id {
                    return Err(ProviderError::Malformed(format!(
                        "the answer is about {}, not {}",
                        message.attempt, attempt.id
                    )));
                }
                Ok(Some(message))
            }
            status => Err(ProviderError::Unavailable(format!(
                "{} answered {status}",
                self.query_url
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_demo_code_is_valid() {
        assert_eq!(demo_code().as_str(), "DEMO0000");
    }

    #[test]
    fn stamps_are_32_lower_case_hex_digits() {
        let id = AttemptId::from_random([0xab; 16]);
        assert_eq!(parse_stamp(&id.simple()), Some(id));
        assert_eq!(parse_stamp(&id.to_string()), None);
        assert_eq!(parse_stamp(&id.simple().to_uppercase()), None);
        assert_eq!(parse_stamp(""), None);
    }
}
