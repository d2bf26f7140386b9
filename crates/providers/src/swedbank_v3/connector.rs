//! The hub's side of Swedbank's Payment Initiation API V3: creates the
//! transaction server to server, signs with the hub's key, verifies the
//! bank's answers with the bank's certificates, and asks the bank for the
//! outcome whenever the payer comes back or a notification arrives.

use super::jws::{self, Header};
use super::{
    ATTEMPT_PARAM, BODY_LIMIT, CREATE_PATH, DESCRIPTION_LIMIT, IAT_SKEW_SECONDS, STATUS_PREFIX,
    STATUS_SUFFIX, SWEDBANK_LV_BIC, URL_LIMIT, attempt_of, check_iat, read_notification,
    read_status_answer, valid_transaction_id, with_param,
};
use crate::rsa_keys::{RsaKey, TrustedKeys};
use crate::vk::{self, quoted};
use async_trait::async_trait;
use maksa_app::providers::{
    Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage, Started, Verified,
};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// What the hub needs to speak V3 for one merchant agreement.
#[derive(Debug, Clone)]
pub struct SwedbankV3Config {
    pub code: ProviderCode,
    /// The merchant id of the agreement (the `kid` is `<country>:<merchant id>`).
    pub merchant_id: String,
    /// The agreement's country: `LV`.
    pub country: String,
    /// The payer's bank (`HABALV22`, the Latvian Swedbank).
    pub provider_bic: String,
    /// The hub's key; its certificate is registered with the bank.
    pub hub_key: RsaKey,
    /// The bank's certificates (one, or two during a rotation).
    pub bank_keys: TrustedKeys,
    /// The API's origin and base path, without a trailing slash
    /// (`https://pi.swedbank.com`, or a simulator's `http://127.0.0.1:8080/sim/swedbank-v3`).
    pub api_base_url: String,
}

impl SwedbankV3Config {
    /// An agreement in Latvia, paid from the Latvian Swedbank (`HABALV22`).
    pub fn new(
        code: ProviderCode,
        merchant_id: &str,
        hub_key: RsaKey,
        bank_keys: TrustedKeys,
        api_base_url: &str,
    ) -> SwedbankV3Config {
        SwedbankV3Config {
            code,
            merchant_id: merchant_id.to_owned(),
            country: "LV".to_owned(),
            provider_bic: SWEDBANK_LV_BIC.to_owned(),
            hub_key,
            bank_keys,
            api_base_url: api_base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The same agreement with another payer's bank (a BIC from the bank's
    /// list of providers).
    pub fn with_provider_bic(mut self, bic: &str) -> SwedbankV3Config {
        self.provider_bic = bic.to_owned();
        self
    }
}

/// The V3 connector. `start` and `query` go over the network (5 s timeout,
/// no redirects followed).
pub struct SwedbankV3Connector {
    config: SwedbankV3Config,
    kid: String,
    http: Result<reqwest::Client, String>,
}

impl SwedbankV3Connector {
    pub fn new(config: SwedbankV3Config) -> SwedbankV3Connector {
        let kid = format!("{}:{}", config.country, config.merchant_id);
        SwedbankV3Connector {
            config,
            kid,
            http: vk::http_client(),
        }
    }

    fn http(&self) -> Result<&reqwest::Client, ProviderError> {
        self.http
            .as_ref()
            .map_err(|e| ProviderError::Unavailable(e.clone()))
    }

    /// The `x-jws-signature` of a request to `url` carrying `body`, made now.
    pub fn signature(&self, url: &str, body: &[u8]) -> Result<String, ProviderError> {
        let header = Header::new(
            OffsetDateTime::now_utc().unix_timestamp(),
            Some(url.to_owned()),
            Some(self.kid.clone()),
        );
        jws::sign(&self.config.hub_key, &header, body)
            .map_err(|e| ProviderError::Unavailable(format!("signing: {e}")))
    }

    /// The request body of a transaction for `order`, as sent.
    pub fn creation_body(&self, order: &PaymentOrder) -> Result<Vec<u8>, ProviderError> {
        if order.currency != Currency::EUR {
            return Err(ProviderError::Malformed(format!(
                "Swedbank V3 takes EUR only, not {}",
                quoted(order.currency.as_str())
            )));
        }
        let attempt = order.attempt.simple();
        let redirect = with_param(&order.return_url, ATTEMPT_PARAM, &attempt);
        let notification = with_param(&order.notify_url, ATTEMPT_PARAM, &attempt);
        if redirect.len() > URL_LIMIT || notification.len() > URL_LIMIT {
            return Err(ProviderError::Malformed(format!(
                "the return and notification URLs must be at most {URL_LIMIT} characters"
            )));
        }
        let description: String = vk::clean_text(&order.purpose)
            .chars()
            .take(DESCRIPTION_LIMIT)
            .collect();
        let locale = if order.language == "ENG" { "en" } else { "lv" };
        let body = json!({
            "amount": vk::format_amount(order.amount),
            "currency": order.currency.as_str(),
            "description": description,
            "redirectUrl": redirect,
            "notificationUrl": notification,
            "locale": locale,
        });
        serde_json::to_vec(&body).map_err(|e| ProviderError::Malformed(e.to_string()))
    }

    fn create_url(&self) -> String {
        format!(
            "{}{CREATE_PATH}{}",
            self.config.api_base_url, self.config.provider_bic
        )
    }

    fn status_url(&self, transaction_id: &str) -> String {
        format!(
            "{}{STATUS_PREFIX}{transaction_id}{STATUS_SUFFIX}",
            self.config.api_base_url
        )
    }

    /// Reads the bank's answer to a transaction creation: verified with the
    /// bank's keys, its id and redirect URL checked.
    pub fn read_creation_answer(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Started, ProviderError> {
        let signature = signature
            .ok_or_else(|| ProviderError::BadSignature(format!("{} is missing", jws::HEADER)))?;
        let header = jws::verify(&self.config.bank_keys, signature, body)
            .map_err(|e| ProviderError::BadSignature(e.to_string()))?;
        check_iat(header.iat, OffsetDateTime::now_utc(), IAT_SKEW_SECONDS)?;
        let answer: Value = serde_json::from_slice(body)
            .map_err(|e| ProviderError::Malformed(format!("the answer is not JSON: {e}")))?;
        let id = answer
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Malformed("id is missing".into()))?;
        if !valid_transaction_id(id) {
            return Err(ProviderError::Malformed(format!(
                "id {} is not a transaction id",
                quoted(id)
            )));
        }
        let redirect = answer
            .get("urls")
            .and_then(|u| u.get("redirect"))
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Malformed("urls.redirect is missing".into()))?;
        let parsed = url::Url::parse(redirect).ok().filter(|u| {
            redirect.len() <= URL_LIMIT && matches!(u.scheme(), "https" | "http") && u.has_host()
        });
        if parsed.is_none() {
            return Err(ProviderError::Malformed(format!(
                "urls.redirect {} is not a web address",
                quoted(redirect)
            )));
        }
        Ok(Started {
            handoff: Handoff::Redirect(redirect.to_owned()),
            provider_reference: Some(id.to_owned()),
        })
    }

    /// Reads a status answer for `transaction_id` (see
    /// [`super::read_status_answer`]), signed at most [`IAT_SKEW_SECONDS`] ago.
    pub fn read_status(
        &self,
        signature: Option<&str>,
        body: &[u8],
        transaction_id: &str,
        attempt: AttemptId,
    ) -> Result<Option<ProviderMessage>, ProviderError> {
        read_status_answer(
            &self.config.bank_keys,
            signature,
            body,
            transaction_id,
            attempt,
            OffsetDateTime::now_utc(),
            IAT_SKEW_SECONDS,
        )
    }
}

/// The `x-jws-signature` of an answer and its body, at most [`BODY_LIMIT`].
async fn signed_body(
    response: reqwest::Response,
) -> Result<(Option<String>, Vec<u8>), ProviderError> {
    let signature = response
        .headers()
        .get(jws::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if response
        .content_length()
        .is_some_and(|n| u64::try_from(BODY_LIMIT).is_ok_and(|limit| n > limit))
    {
        return Err(ProviderError::Unavailable(
            "the answer is too large".to_owned(),
        ));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| ProviderError::Unavailable(format!("reading the answer: {e}")))?;
    if body.len() > BODY_LIMIT {
        return Err(ProviderError::Unavailable(
            "the answer is too large".to_owned(),
        ));
    }
    Ok((signature, body.to_vec()))
}

/// The first error message of an error answer
/// (`{"errorMessages":{"general":[{"message":…}]}}`), quoted, if any.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/errorMessages/general/0/message")
                .and_then(Value::as_str)
                .map(quoted)
        })
        .unwrap_or_default()
}

#[async_trait]
impl Connector for SwedbankV3Connector {
    fn code(&self) -> &ProviderCode {
        &self.config.code
    }

    fn purpose_limit(&self) -> Option<usize> {
        Some(DESCRIPTION_LIMIT)
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        let body = self.creation_body(order)?;
        let url = self.create_url();
        let signature = self.signature(&url, &body)?;
        let response = self
            .http()?
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .header(jws::HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("{url}: {e}")))?;
        let status = response.status();
        let (signature, body) = signed_body(response).await?;
        if status != reqwest::StatusCode::CREATED && status != reqwest::StatusCode::OK {
            return Err(ProviderError::Unavailable(format!(
                "{url} answered {status} {}",
                error_message(&body)
            )));
        }
        self.read_creation_answer(signature.as_deref(), &body)
    }

    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        attempt_of(incoming).map(Verified::AskProvider)
    }

    fn server_message(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        read_notification(&self.config.bank_keys, incoming, OffsetDateTime::now_utc())
    }

    async fn query(&self, attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        let transaction_id = attempt.external_id.as_deref().ok_or_else(|| {
            ProviderError::Malformed("the attempt has no Swedbank transaction id".into())
        })?;
        if !valid_transaction_id(transaction_id) {
            return Err(ProviderError::Malformed(format!(
                "{} is not a transaction id",
                quoted(transaction_id)
            )));
        }
        let url = self.status_url(transaction_id);
        let signature = self.signature(&url, b"")?;
        let response = self
            .http()?
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(jws::HEADER, signature)
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("{url}: {e}")))?;
        let status = response.status();
        let (signature, body) = signed_body(response).await?;
        if status != reqwest::StatusCode::OK {
            return Err(ProviderError::Unavailable(format!(
                "{url} answered {status} {}",
                error_message(&body)
            )));
        }
        self.read_status(signature.as_deref(), &body, transaction_id, attempt.id)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rsa_keys::public_key_pem;
    use maksa_domain::money::Amount;

    fn connector() -> SwedbankV3Connector {
        let hub = RsaKey::generate().unwrap();
        let bank = TrustedKeys::from_pems(&[public_key_pem(&hub.public()).unwrap()]).unwrap();
        SwedbankV3Connector::new(SwedbankV3Config::new(
            ProviderCode::parse("HABALV22").unwrap(),
            "MERCHANT",
            hub,
            bank,
            "https://pi.example/",
        ))
    }

    fn order() -> PaymentOrder {
        PaymentOrder {
            attempt: AttemptId::from_random([0x11; 16]),
            amount: Amount::from_minor(1234).unwrap(),
            currency: Currency::EUR,
            purpose: format!("ABC\nRīga {}", "x".repeat(200)),
            payee_name: "Valsts kase".into(),
            payee_iban: "LV71TREL916021001000B".into(),
            return_url: "https://hub/providers/HABALV22/return?language=ENG".into(),
            notify_url: "https://hub/providers/HABALV22/notify".into(),
            language: "ENG",
            payer_ip: None,
        }
    }

    #[test]
    fn the_creation_body_has_the_fields_the_api_takes() {
        let c = connector();
        let order = order();
        let body: Value = serde_json::from_slice(&c.creation_body(&order).unwrap()).unwrap();
        let id = order.attempt.simple();
        assert_eq!(body["amount"], "12.34");
        assert_eq!(body["currency"], "EUR");
        assert_eq!(body["locale"], "en");
        assert_eq!(
            body["redirectUrl"],
            format!("https://hub/providers/HABALV22/return?language=ENG&maksa_attempt={id}")
        );
        assert_eq!(
            body["notificationUrl"],
            format!("https://hub/providers/HABALV22/notify?maksa_attempt={id}")
        );
        let description = body["description"].as_str().unwrap();
        assert_eq!(description.chars().count(), DESCRIPTION_LIMIT);
        assert!(description.starts_with("ABC Rīga x"));
        assert!(body.get("reference").is_none());
        assert_eq!(
            c.create_url(),
            "https://pi.example/public/api/v3/transactions/providers/HABALV22"
        );
        assert_eq!(
            c.status_url("abc"),
            "https://pi.example/public/api/v3/transactions/abc/status"
        );
        assert_eq!(c.purpose_limit(), Some(140));
    }

    #[test]
    fn other_currencies_are_refused() {
        let mut order = order();
        order.currency = Currency::parse("USD").unwrap();
        assert!(matches!(
            connector().creation_body(&order),
            Err(ProviderError::Malformed(_))
        ));
    }

    #[test]
    fn the_request_signature_names_the_url_and_the_merchant() {
        let c = connector();
        let value = c.signature("https://pi.example/x", b"{}").unwrap();
        let header = jws::verify(&c.config.bank_keys, &value, b"{}").unwrap();
        assert_eq!(header.url.as_deref(), Some("https://pi.example/x"));
        assert_eq!(header.kid.as_deref(), Some("LV:MERCHANT"));
        assert_eq!(header.alg, "RS512");
        assert!(!header.b64);
        assert!((OffsetDateTime::now_utc().unix_timestamp() - header.iat).abs() < 60);
    }

    #[test]
    fn a_creation_answer_is_verified_and_checked() {
        let c = connector();
        let sign = |body: &[u8]| {
            jws::sign(
                &c.config.hub_key,
                &Header::new(OffsetDateTime::now_utc().unix_timestamp(), None, None),
                body,
            )
            .unwrap()
        };
        let good = br#"{"id":"c625052f07004261aee27a8e069b0a5drg23","urls":{"redirect":"https://pi.example/LV/HABALV22/main?packetId=x","status":"https://pi.example/s"}}"#;
        let started = c.read_creation_answer(Some(&sign(good)), good).unwrap();
        assert_eq!(
            started.provider_reference.as_deref(),
            Some("c625052f07004261aee27a8e069b0a5drg23")
        );
        assert_eq!(
            started.handoff,
            Handoff::Redirect("https://pi.example/LV/HABALV22/main?packetId=x".into())
        );
        assert!(matches!(
            c.read_creation_answer(None, good),
            Err(ProviderError::BadSignature(_))
        ));
        let other = br#"{"id":"evil","urls":{"redirect":"https://evil.example/"}}"#;
        assert!(matches!(
            c.read_creation_answer(Some(&sign(good)), other),
            Err(ProviderError::BadSignature(_))
        ));
        for bad in [
            &br#"{"id":"../x","urls":{"redirect":"https://pi.example/"}}"#[..],
            br#"{"id":"x","urls":{"redirect":"javascript:alert(1)"}}"#,
            br#"{"id":"x"}"#,
            br#"{"urls":{"redirect":"https://pi.example/"}}"#,
            b"not json",
        ] {
            assert!(
                matches!(
                    c.read_creation_answer(Some(&sign(bad)), bad),
                    Err(ProviderError::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn error_answers_are_quoted_briefly() {
        let body = format!(
            r#"{{"errorMessages":{{"general":[{{"message":"{}"}}]}}}}"#,
            "x".repeat(500)
        );
        let shown = error_message(body.as_bytes());
        assert!(shown.starts_with("`xxx"));
        assert!(shown.chars().count() < 50);
        assert_eq!(error_message(b"<html>"), "");
    }
}
