//! The hub's side of First Data ECOMM: registers the payment (`v`), sends
//! the payer to the card page, asks about the payment whenever the payer
//! comes back or the status-recovery worker asks (`c`), reverses (`r`) and
//! closes the business day (`b`). Every call is a form POST to the
//! `MerchantHandler` over mutual TLS (10 s for the whole call, no redirects).

use super::keyvalue::{self, MAX_BODY};
use super::{
    DESCRIPTION_LIMIT, EUR_NUMERIC, read_day_totals, read_registration, read_reversal, read_status,
    status_outcome, valid_trans_id,
};
use crate::mtls::MutualTls;
use crate::vk::{self, quoted};
use async_trait::async_trait;
use maksa_app::providers::{
    CardAcquirer, Connector, DayTotals, Handoff, Incoming, PaymentOrder, ProviderError,
    ProviderMessage, Reversal, Started, Verified,
};
use maksa_domain::attempt::Attempt;
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

/// The whole of one call to the acquirer.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How many payers' addresses are remembered for `c` (see [`PayerAddresses`]).
pub const REMEMBERED_ADDRESSES: usize = 10_000;
/// What `c` sends as `client_ip_addr` when the payer's address is forgotten.
pub const UNKNOWN_ADDRESS: &str = "0.0.0.0";

/// What the hub needs to speak ECOMM for one merchant contract.
#[derive(Debug, Clone)]
pub struct FirstDataConfig {
    pub code: ProviderCode,
    /// `https://secureshop.firstdata.lv:8443/ecomm/MerchantHandler`.
    pub merchant_handler_url: String,
    /// `https://secureshop.firstdata.lv/ecomm/ClientHandler`.
    pub client_handler_url: String,
    /// The hub's certificate and the acquirer's CA; `None` only for a
    /// simulator on a plain listener.
    pub tls: Option<MutualTls>,
}

/// `c` carries the payer's address, which the hub does not keep with the
/// attempt: the connector remembers the one `v` sent, by transaction id, for
/// the last [`REMEMBERED_ADDRESSES`] payments (the oldest forgotten first;
/// after a restart, all of them). A forgotten one is sent as `0.0.0.0`.
#[derive(Default)]
struct PayerAddresses {
    by_id: HashMap<String, IpAddr>,
    order: VecDeque<String>,
}

impl PayerAddresses {
    fn remember(&mut self, id: &str, address: IpAddr) {
        if self.by_id.insert(id.to_owned(), address).is_none() {
            self.order.push_back(id.to_owned());
        }
        while self.order.len() > REMEMBERED_ADDRESSES {
            if let Some(oldest) = self.order.pop_front() {
                self.by_id.remove(&oldest);
            }
        }
    }
}

/// The ECOMM connector; also the hub's [`CardAcquirer`].
pub struct FirstDataConnector {
    config: FirstDataConfig,
    http: Result<reqwest::Client, String>,
    addresses: Mutex<PayerAddresses>,
}

impl FirstDataConnector {
    pub fn new(config: FirstDataConfig) -> FirstDataConnector {
        let http = crate::mtls::http_client(config.tls.as_ref(), CALL_TIMEOUT);
        FirstDataConnector {
            config,
            http,
            addresses: Mutex::new(PayerAddresses::default()),
        }
    }

    /// The fields of `command=v` for `order`: EUR only, and the payer's
    /// address is required (the acquirer's fraud checks use it).
    pub fn registration_fields(
        &self,
        order: &PaymentOrder,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        if order.currency != Currency::EUR {
            return Err(ProviderError::Malformed(format!(
                "First Data takes EUR only, not {}",
                quoted(order.currency.as_str())
            )));
        }
        let Some(address) = order.payer_ip else {
            return Err(ProviderError::Malformed(
                "the payer's IP address is required by the acquirer".into(),
            ));
        };
        if order.amount.minor() <= 0 {
            return Err(ProviderError::Malformed(
                "the amount must be positive".into(),
            ));
        }
        let description: String = vk::clean_text(&order.purpose)
            .chars()
            .take(DESCRIPTION_LIMIT)
            .collect();
        let language = if order.language == "ENG" { "en" } else { "lv" };
        Ok([
            ("command", "v".to_owned()),
            ("msg_type", "SMS".to_owned()),
            ("amount", order.amount.minor().to_string()),
            ("currency", EUR_NUMERIC.to_owned()),
            ("client_ip_addr", address.to_string()),
            ("description", description),
            ("language", language.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    /// The payer's card page for transaction `id`.
    pub fn card_page_url(&self, id: &str) -> String {
        let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let separator = if self.config.client_handler_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}trans_id={encoded}",
            self.config.client_handler_url
        )
    }

    fn address_of(&self, id: &str) -> String {
        self.addresses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_id
            .get(id)
            .map_or_else(|| UNKNOWN_ADDRESS.to_owned(), IpAddr::to_string)
    }

    /// One call to the `MerchantHandler`: its answer's body, at most
    /// [`MAX_BODY`]. No answer, a status other than 200, or too much is
    /// `Unavailable` (the acquirer's `error:` text of a refused call quoted).
    async fn call(&self, fields: &[(String, String)]) -> Result<Vec<u8>, ProviderError> {
        let http = self
            .http
            .as_ref()
            .map_err(|e| ProviderError::Unavailable(e.clone()))?;
        let url = &self.config.merchant_handler_url;
        let mut response = http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(vk::encode_form(fields))
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("{url}: {e}")))?;
        let status = response.status();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len().saturating_add(chunk.len()) > MAX_BODY {
                        return Err(ProviderError::Unavailable(format!(
                            "{url}: the answer is larger than {MAX_BODY} bytes"
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(ProviderError::Unavailable(format!(
                        "{url}: reading the answer: {e}"
                    )));
                }
            }
        }
        if status != reqwest::StatusCode::OK {
            let first_line = String::from_utf8_lossy(&body)
                .lines()
                .next()
                .map(keyvalue::bounded)
                .unwrap_or_default();
            return Err(ProviderError::Unavailable(format!(
                "{url} answered {status} {first_line}"
            )));
        }
        Ok(body)
    }

    /// The attempt's transaction id, checked.
    fn trans_id_of(attempt: &Attempt) -> Result<&str, ProviderError> {
        let id = attempt.external_id.as_deref().ok_or_else(|| {
            ProviderError::Malformed("the attempt has no First Data transaction id".into())
        })?;
        if !valid_trans_id(id) {
            return Err(ProviderError::Malformed(format!(
                "{} is not a transaction id",
                keyvalue::shown(id)
            )));
        }
        Ok(id)
    }

    /// `command=c` about transaction `id`, its answer read.
    async fn ask(&self, id: &str) -> Result<super::CardStatus, ProviderError> {
        let fields = vec![
            ("command".to_owned(), "c".to_owned()),
            ("trans_id".to_owned(), id.to_owned()),
            ("client_ip_addr".to_owned(), self.address_of(id)),
        ];
        read_status(&self.call(&fields).await?)
    }
}

#[async_trait]
impl Connector for FirstDataConnector {
    fn code(&self) -> &ProviderCode {
        &self.config.code
    }

    fn purpose_limit(&self) -> Option<usize> {
        Some(DESCRIPTION_LIMIT)
    }

    async fn start(&self, order: &PaymentOrder) -> Result<Started, ProviderError> {
        let fields = self.registration_fields(order)?;
        let id = read_registration(&self.call(&fields).await?)?;
        if let Some(address) = order.payer_ip {
            self.addresses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remember(&id, address);
        }
        Ok(Started {
            handoff: Handoff::Redirect(self.card_page_url(&id)),
            provider_reference: Some(id),
        })
    }

    /// The return carries only `trans_id` (and, to the fail address, an
    /// `error` text, which proves nothing): the hub finds the attempt by it
    /// and asks the acquirer.
    fn browser_return(&self, incoming: &Incoming) -> Result<Verified, ProviderError> {
        let id = incoming
            .field("trans_id")
            .ok_or_else(|| ProviderError::Malformed("trans_id is missing".into()))?;
        if !valid_trans_id(id) {
            return Err(ProviderError::Malformed(format!(
                "trans_id {} is not a transaction id",
                keyvalue::shown(id)
            )));
        }
        Ok(Verified::AskProviderAbout(id.to_owned()))
    }

    fn server_message(&self, _incoming: &Incoming) -> Result<Verified, ProviderError> {
        Err(ProviderError::Malformed(
            "First Data ECOMM sends no server-to-server messages".into(),
        ))
    }

    /// `c` answers about the transaction our `v` created and restates no
    /// amount: the message carries the attempt's own amount and currency.
    async fn query(&self, attempt: &Attempt) -> Result<Option<ProviderMessage>, ProviderError> {
        let id = Self::trans_id_of(attempt)?;
        let status = self.ask(id).await?;
        let Some(outcome) = status_outcome(&status)? else {
            return Ok(None);
        };
        Ok(Some(ProviderMessage {
            attempt: attempt.id,
            outcome,
            amount: attempt.amount,
            currency: attempt.currency,
            external_id: Some(id.to_owned()),
            at: None,
            evidence: Some(status.evidence()),
        }))
    }

    fn card_acquirer(&self) -> Option<&dyn CardAcquirer> {
        Some(self)
    }
}

#[async_trait]
impl CardAcquirer for FirstDataConnector {
    /// `r` for the whole amount. Anything but `RESULT: OK` + `RESULT_CODE:
    /// 400` is checked with `c`: a transaction the acquirer reports
    /// `REVERSED` (or `AUTOREVERSED`) is reversed, however the repeated `r`
    /// was answered, so a reversal repeated after a lost answer converges.
    async fn reverse(&self, attempt: &Attempt) -> Result<Reversal, ProviderError> {
        let id = Self::trans_id_of(attempt)?;
        let fields = vec![
            ("command".to_owned(), "r".to_owned()),
            ("trans_id".to_owned(), id.to_owned()),
            ("amount".to_owned(), attempt.amount.minor().to_string()),
        ];
        let refused = match read_reversal(&self.call(&fields).await?)? {
            Reversal::Reversed => return Ok(Reversal::Reversed),
            Reversal::Refused(reason) => reason,
        };
        match self.ask(id).await {
            Ok(status) if matches!(status.result.as_str(), "REVERSED" | "AUTOREVERSED") => {
                Ok(Reversal::Reversed)
            }
            _ => Ok(Reversal::Refused(refused)),
        }
    }

    async fn close_day(&self) -> Result<DayTotals, ProviderError> {
        let fields = vec![("command".to_owned(), "b".to_owned())];
        read_day_totals(&self.call(&fields).await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use maksa_domain::attempt::AttemptId;
    use maksa_domain::money::Amount;

    fn connector() -> FirstDataConnector {
        FirstDataConnector::new(FirstDataConfig {
            code: ProviderCode::parse("FIRSTDATA").unwrap(),
            merchant_handler_url: "http://acquirer/ecomm/MerchantHandler".into(),
            client_handler_url: "https://acquirer/ecomm/ClientHandler".into(),
            tls: None,
        })
    }

    fn order() -> PaymentOrder {
        PaymentOrder {
            attempt: AttemptId::from_random([0x21; 16]),
            amount: Amount::from_minor(1234).unwrap(),
            currency: Currency::EUR,
            purpose: format!("ABC\nRīga {}", "x".repeat(200)),
            payee_name: "Valsts kase".into(),
            payee_iban: "LV71TREL916021001000B".into(),
            return_url: "https://hub/providers/FIRSTDATA/return".into(),
            notify_url: "https://hub/providers/FIRSTDATA/notify".into(),
            language: "ENG",
            payer_ip: Some("192.0.2.7".parse().unwrap()),
        }
    }

    #[test]
    fn the_registration_has_the_fields_the_acquirer_takes() {
        let fields = connector().registration_fields(&order()).unwrap();
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("command"), "v");
        assert_eq!(get("amount"), "1234");
        assert_eq!(get("currency"), "978");
        assert_eq!(get("client_ip_addr"), "192.0.2.7");
        assert_eq!(get("language"), "en");
        let description = get("description");
        assert_eq!(description.chars().count(), DESCRIPTION_LIMIT);
        assert!(description.starts_with("ABC Rīga x"));
        assert_eq!(connector().purpose_limit(), Some(DESCRIPTION_LIMIT));
    }

    #[test]
    fn other_currencies_and_unknown_payers_are_refused() {
        let mut usd = order();
        usd.currency = Currency::parse("USD").unwrap();
        let mut nobody = order();
        nobody.payer_ip = None;
        for order in [usd, nobody] {
            assert!(matches!(
                connector().registration_fields(&order),
                Err(ProviderError::Malformed(_))
            ));
        }
    }

    #[test]
    fn the_card_page_carries_the_id_encoded() {
        assert_eq!(
            connector().card_page_url("a+b/c="),
            "https://acquirer/ecomm/ClientHandler?trans_id=a%2Bb%2Fc%3D"
        );
    }

    #[test]
    fn addresses_are_remembered_within_a_bound() {
        let c = connector();
        assert_eq!(c.address_of("x"), UNKNOWN_ADDRESS);
        let mut addresses = c.addresses.lock().unwrap();
        for i in 0..=REMEMBERED_ADDRESSES {
            addresses.remember(&format!("id{i}"), "192.0.2.1".parse().unwrap());
        }
        assert_eq!(addresses.by_id.len(), REMEMBERED_ADDRESSES);
        assert!(!addresses.by_id.contains_key("id0"));
        assert!(addresses.by_id.contains_key("id1"));
        drop(addresses);
        assert_eq!(c.address_of("id1"), "192.0.2.1");
    }

    #[test]
    fn the_return_names_the_transaction_and_nothing_else_counts() {
        let c = connector();
        let incoming = |fields: &[(&str, &str)]| Incoming {
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            method: "POST".into(),
            ..Incoming::default()
        };
        assert_eq!(
            c.browser_return(&incoming(&[("trans_id", "a+b/c=")]))
                .unwrap(),
            Verified::AskProviderAbout("a+b/c=".into())
        );
        for bad in [&[][..], &[("trans_id", "a b")], &[("trans_id", "")]] {
            assert!(matches!(
                c.browser_return(&incoming(bad)),
                Err(ProviderError::Malformed(_))
            ));
        }
        assert!(matches!(
            c.server_message(&incoming(&[("trans_id", "abc")])),
            Err(ProviderError::Malformed(_))
        ));
        assert!(c.card_acquirer().is_some());
    }
}
