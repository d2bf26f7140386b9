//! The hub's side of a NextGenPSD2 ASPSP: creates the SEPA credit transfer
//! server to server over mutual TLS, hands the payer to the ASPSP's
//! `scaRedirect`, and asks the payment's status whenever the payer comes back
//! (the return carries nothing signed) or the status-recovery worker asks.

use super::json::{self, Created};
use super::{
    ATTEMPT_PARAM, BODY_LIMIT, CREDITOR_NAME_LIMIT, PAYMENTS_PATH, REMITTANCE_LIMIT, RESULT_PARAM,
    URL_LIMIT, valid_payment_id,
};
use crate::mtls::MutualTls;
use crate::swedbank_v3::{attempt_of, with_param};
use crate::vk::{self, quoted};
use async_trait::async_trait;
use maksa_app::providers::{
    Connector, Handoff, Incoming, PaymentOrder, ProviderError, ProviderMessage, Started, Verified,
};
use maksa_domain::attempt::Attempt;
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;
use std::time::Duration;

/// How long one call to the ASPSP may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The framework's SCA approaches. Only [`ScaApproach::Redirect`] is
/// supported: the payer authorises on the ASPSP's own page, and the hub never
/// sees their credentials (the embedded approach would have the hub relay
/// them; the decoupled one needs a polling the hub does not do; OAuth2 a
/// token exchange it does not do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaApproach {
    Redirect,
    Embedded,
    Decoupled,
    OAuth,
}

impl ScaApproach {
    /// The framework's spelling (`REDIRECT`, `EMBEDDED`, `DECOUPLED`, `OAUTH`),
    /// in any case.
    pub fn parse(text: &str) -> Option<ScaApproach> {
        match text.trim().to_ascii_uppercase().as_str() {
            "REDIRECT" => Some(ScaApproach::Redirect),
            "EMBEDDED" => Some(ScaApproach::Embedded),
            "DECOUPLED" => Some(ScaApproach::Decoupled),
            "OAUTH" => Some(ScaApproach::OAuth),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScaApproach::Redirect => "REDIRECT",
            ScaApproach::Embedded => "EMBEDDED",
            ScaApproach::Decoupled => "DECOUPLED",
            ScaApproach::OAuth => "OAUTH",
        }
    }
}

/// What the hub needs to initiate payments at one ASPSP.
#[derive(Debug, Clone)]
pub struct Psd2Config {
    pub code: ProviderCode,
    /// The API's origin and base path, without a trailing slash
    /// (`https://api.bank.example/psd2`, or a simulator's
    /// `http://127.0.0.1:8080/sim/psd2`); the framework's paths (`/v1/…`)
    /// follow it.
    pub api_base_url: String,
    /// The hub's certificate (an eIDAS QWAC in production) and the CA of the
    /// ASPSP's server certificate; `None` only for a simulator on a plain
    /// listener.
    pub tls: Option<MutualTls>,
    pub sca_approach: ScaApproach,
}

/// The PSD2 connector. `start` and `query` go over the network (10 s for a
/// whole call, no redirects followed).
pub struct Psd2Connector {
    config: Psd2Config,
    http: reqwest::Client,
}

impl Psd2Connector {
    /// Refuses an SCA approach other than `REDIRECT`, and a TLS identity that
    /// does not load.
    pub fn new(mut config: Psd2Config) -> Result<Psd2Connector, String> {
        if config.sca_approach != ScaApproach::Redirect {
            return Err(format!(
                "{}: the SCA approach {} is not supported, only REDIRECT \
                 (the payer authorises on the ASPSP's own page)",
                config.code,
                config.sca_approach.as_str()
            ));
        }
        config.api_base_url = config.api_base_url.trim_end_matches('/').to_owned();
        let http = crate::mtls::http_client(config.tls.as_ref(), TIMEOUT)
            .map_err(|e| format!("{}: {e}", config.code))?;
        Ok(Psd2Connector { config, http })
    }

    /// `POST` address of a payment's creation.
    pub fn create_url(&self) -> String {
        format!("{}{PAYMENTS_PATH}", self.config.api_base_url)
    }

    /// `GET` address of a payment's status.
    pub fn status_url(&self, payment_id: &str) -> String {
        format!(
            "{}{PAYMENTS_PATH}/{payment_id}/status",
            self.config.api_base_url
        )
    }

    /// The creation request's body for `order`, as sent.
    pub fn creation_body(order: &PaymentOrder) -> Result<Vec<u8>, ProviderError> {
        if order.currency != Currency::EUR {
            return Err(ProviderError::Malformed(format!(
                "a SEPA credit transfer is in EUR, not {}",
                quoted(order.currency.as_str())
            )));
        }
        let iban: String = order
            .payee_iban
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let creditor: String = vk::clean_text(&order.payee_name)
            .chars()
            .take(CREDITOR_NAME_LIMIT)
            .collect();
        let remittance: String = vk::clean_text(&order.purpose)
            .chars()
            .take(REMITTANCE_LIMIT)
            .collect();
        // debtorAccount is left out: the payer chooses the account on the
        // ASPSP's page (the framework allows it for the redirect approach).
        let body = json!({
            "instructedAmount": {
                "currency": order.currency.as_str(),
                "amount": vk::format_amount(order.amount),
            },
            "creditorAccount": { "iban": iban },
            "creditorName": creditor.trim(),
            "remittanceInformationUnstructured": remittance.trim(),
        });
        serde_json::to_vec(&body).map_err(|e| ProviderError::Malformed(e.to_string()))
    }

    /// The creation request's headers for `order`, with `request_id` as the
    /// `X-Request-ID`.
    pub fn creation_headers(
        order: &PaymentOrder,
        request_id: &str,
    ) -> Result<HeaderMap, ProviderError> {
        let ip = order.payer_ip.ok_or_else(|| {
            ProviderError::Malformed(
                "the payer's IP address is unknown, and PSU-IP-Address is mandatory".into(),
            )
        })?;
        let attempt = order.attempt.simple();
        let ok = with_param(&order.return_url, ATTEMPT_PARAM, &attempt);
        let nok = with_param(&ok, RESULT_PARAM, "nok");
        if nok.len() > URL_LIMIT {
            return Err(ProviderError::Malformed(format!(
                "the redirect URIs must be at most {URL_LIMIT} characters"
            )));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("x-request-id", request_id.to_owned()),
            ("psu-ip-address", ip.to_string()),
            ("tpp-redirect-uri", ok),
            ("tpp-nok-redirect-uri", nok),
            ("tpp-redirect-preferred", "true".to_owned()),
            // The language of the ASPSP's SCA page, where it has ours.
            (
                "psu-accept-language",
                if order.language == "ENG" { "en" } else { "lv" }.to_owned(),
            ),
            ("content-type", "application/json".to_owned()),
            ("accept", "application/json".to_owned()),
        ] {
            let value = HeaderValue::from_str(&value).map_err(|_| {
                ProviderError::Malformed(format!("{name} {} is not a header value", quoted(&value)))
            })?;
            headers.insert(HeaderName::from_static(name), value);
        }
        Ok(headers)
    }

    async fn call(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
        request_id: &str,
        expected: reqwest::StatusCode,
    ) -> Result<Vec<u8>, ProviderError> {
        let response = request.send().await.map_err(|e| {
            ProviderError::Unavailable(format!("{url}: {}", json::bounded(&e.to_string())))
        })?;
        let status = response.status();
        let echoed = response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let body = bounded_body(response).await?;
        if status != expected {
            return Err(json::error_of(status.as_u16(), &body));
        }
        // The framework has the ASPSP echo the request's id: another one is
        // an answer to another request.
        if let Some(echoed) = echoed
            && echoed != request_id
        {
            return Err(ProviderError::Unavailable(format!(
                "{url} answered X-Request-ID {}, not {request_id}",
                quoted(&echoed)
            )));
        }
        Ok(body)
    }
}

/// A new `X-Request-ID`: a random (version 4) UUID.
pub fn request_id() -> String {
    let mut b = [0u8; 16];
    maksa_domain::request::Entropy::fill(&mut maksa_app::clock::OsEntropy, &mut b);
    // Version 4, variant RFC 4122: the bits the UUID's text says it is random by.
    if let Some(x) = b.get_mut(6) {
        *x = (*x & 0x0f) | 0x40;
    }
    if let Some(x) = b.get_mut(8) {
        *x = (*x & 0x3f) | 0x80;
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or_default();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// The answer's body, read chunk by chunk, at most [`BODY_LIMIT`] bytes.
async fn bounded_body(mut response: reqwest::Response) -> Result<Vec<u8>, ProviderError> {
    let too_large = || ProviderError::Unavailable("the answer is too large".to_owned());
    if response
        .content_length()
        .is_some_and(|n| u64::try_from(BODY_LIMIT).is_ok_and(|limit| n > limit))
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProviderError::Unavailable(format!("reading the answer: {e}")))?
    {
        if body.len().saturating_add(chunk.len()) > BODY_LIMIT {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[async_trait]
impl Connector for Psd2Connector {
    fn code(&self) -> &ProviderCode {
        &self.config.code
    }

    fn purpose_limit(&self) -> Option<usize> {
        Some(REMITTANCE_LIMIT)
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        let body = Self::creation_body(order)?;
        let id = request_id();
        let headers = Self::creation_headers(order, &id)?;
        let url = self.create_url();
        let request = self.http.post(&url).headers(headers).body(body);
        let answer = self
            .call(request, &url, &id, reqwest::StatusCode::CREATED)
            .await?;
        let Created {
            payment_id,
            sca_redirect,
            ..
        } = json::read_creation(&answer)?;
        Ok(Started {
            handoff: Handoff::Redirect(sca_redirect),
            provider_reference: Some(payment_id),
        })
    }

    /// Nothing in the return is signed: it names the attempt, the hub asks.
    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        attempt_of(incoming).map(Verified::AskProvider)
    }

    fn server_message(&self, _incoming: &Incoming) -> Result<Verified, ProviderError> {
        Err(ProviderError::Malformed(
            "a NextGenPSD2 ASPSP sends no server-to-server message".into(),
        ))
    }

    async fn query(&self, attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        let payment_id = attempt
            .external_id
            .as_deref()
            .ok_or_else(|| ProviderError::Malformed("the attempt has no paymentId".into()))?;
        if !valid_payment_id(payment_id) {
            return Err(ProviderError::Malformed(format!(
                "{} is not a paymentId",
                quoted(payment_id)
            )));
        }
        let id = request_id();
        let url = self.status_url(payment_id);
        let request = self
            .http
            .get(&url)
            .header("x-request-id", &id)
            .header("accept", "application/json");
        let answer = self
            .call(request, &url, &id, reqwest::StatusCode::OK)
            .await?;
        json::read_status_answer(&answer, attempt)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use maksa_domain::attempt::AttemptId;
    use maksa_domain::money::Amount;
    use serde_json::Value;

    fn config(approach: ScaApproach) -> Psd2Config {
        Psd2Config {
            code: ProviderCode::parse("PSD2DEMO").unwrap(),
            api_base_url: "https://aspsp.example/psd2/".into(),
            tls: None,
            sca_approach: approach,
        }
    }

    fn order() -> PaymentOrder {
        PaymentOrder {
            attempt: AttemptId::from_random([0x11; 16]),
            amount: Amount::from_minor(123_456).unwrap(),
            currency: Currency::EUR,
            purpose: format!("ABC\nRīga {}", "x".repeat(200)),
            payee_name: format!("Valsts kase {}", "y".repeat(100)),
            payee_iban: "lv71 trel 9160 2100 1000 b".into(),
            return_url: "https://hub/providers/PSD2DEMO/return?language=ENG".into(),
            notify_url: "https://hub/providers/PSD2DEMO/notify".into(),
            language: "ENG",
            payer_ip: Some("192.0.2.7".parse().unwrap()),
        }
    }

    #[test]
    fn only_the_redirect_approach_is_taken() {
        for approach in ["EMBEDDED", "decoupled", "OAUTH"] {
            let approach = ScaApproach::parse(approach).unwrap();
            let e = Psd2Connector::new(config(approach)).err().unwrap();
            assert!(e.contains("only REDIRECT"), "{e}");
        }
        assert_eq!(ScaApproach::parse("nope"), None);
        let c = Psd2Connector::new(config(ScaApproach::parse(" redirect ").unwrap())).unwrap();
        assert_eq!(
            c.create_url(),
            "https://aspsp.example/psd2/v1/payments/sepa-credit-transfers"
        );
        assert_eq!(
            c.status_url("p1"),
            "https://aspsp.example/psd2/v1/payments/sepa-credit-transfers/p1/status"
        );
        assert_eq!(c.purpose_limit(), Some(140));
    }

    #[test]
    fn the_body_has_the_frameworks_fields_within_their_limits() {
        let body: Value =
            serde_json::from_slice(&Psd2Connector::creation_body(&order()).unwrap()).unwrap();
        assert_eq!(body["instructedAmount"]["amount"], "1234.56");
        assert_eq!(body["instructedAmount"]["currency"], "EUR");
        assert_eq!(body["creditorAccount"]["iban"], "LV71TREL916021001000B");
        assert!(body.get("debtorAccount").is_none());
        let name = body["creditorName"].as_str().unwrap();
        assert_eq!(name.chars().count(), CREDITOR_NAME_LIMIT);
        let remittance = body["remittanceInformationUnstructured"].as_str().unwrap();
        assert_eq!(remittance.chars().count(), REMITTANCE_LIMIT);
        assert!(remittance.starts_with("ABC Rīga x"));
        let mut usd = order();
        usd.currency = Currency::parse("USD").unwrap();
        assert!(matches!(
            Psd2Connector::creation_body(&usd),
            Err(ProviderError::Malformed(_))
        ));
    }

    #[test]
    fn the_headers_name_the_payer_and_both_returns() {
        let order = order();
        let headers = Psd2Connector::creation_headers(&order, "id-1").unwrap();
        let get = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
        let attempt = order.attempt.simple();
        assert_eq!(get("x-request-id"), "id-1");
        assert_eq!(get("psu-ip-address"), "192.0.2.7");
        assert_eq!(
            get("tpp-redirect-uri"),
            format!("https://hub/providers/PSD2DEMO/return?language=ENG&maksa_attempt={attempt}")
        );
        assert_eq!(
            get("tpp-nok-redirect-uri"),
            format!(
                "https://hub/providers/PSD2DEMO/return?language=ENG&maksa_attempt={attempt}&maksa_result=nok"
            )
        );
        assert_eq!(get("tpp-redirect-preferred"), "true");
        assert_eq!(get("psu-accept-language"), "en");
        assert_eq!(get("content-type"), "application/json");
        let mut unknown = order.clone();
        unknown.payer_ip = None;
        assert!(matches!(
            Psd2Connector::creation_headers(&unknown, "id-1"),
            Err(ProviderError::Malformed(_))
        ));
        let mut long = order;
        long.return_url = format!("https://hub/{}", "a".repeat(URL_LIMIT));
        assert!(matches!(
            Psd2Connector::creation_headers(&long, "id-1"),
            Err(ProviderError::Malformed(_))
        ));
    }

    #[test]
    fn request_ids_are_fresh_version_4_uuids() {
        let a = request_id();
        let b = request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().nth(14), Some('4'));
        assert!(matches!(a.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
        assert!(AttemptId::parse(&a).is_some());
    }

    #[test]
    fn no_server_message_is_believed() {
        let c = Psd2Connector::new(config(ScaApproach::Redirect)).unwrap();
        assert!(matches!(
            c.server_message(&Incoming::default()),
            Err(ProviderError::Malformed(_))
        ));
    }
}
