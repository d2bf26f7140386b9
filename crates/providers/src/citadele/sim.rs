//! Citadele's side of Digi::Link for the simulator kernel: it verifies the
//! hub's PMTREQ with the hub's certificate and signs PMTRESP and PMTSTATRESP
//! with the bank's key. The status message goes to the address the bank has
//! configured for the merchant (the request does not name one).

use super::dsig;
use super::message::{self, Answer, PaymentRequest};
use crate::rsa_keys::{RsaKey, TrustedKeys};
use crate::sim::{BrowserReturn, Decision, Shown, SimOrder, SimProtocol, SimState, WireMessage};
use maksa_app::providers::Incoming;
use maksa_domain::money::Currency;
use std::time::Duration;
use time::OffsetDateTime;

/// Pauses between deliveries of a status message the hub did not take:
/// hourly, for three days.
const RETRIES: usize = 72;

pub struct CitadeleSimulator {
    bank_key: RsaKey,
    bank_certificate: String,
    hub_keys: TrustedKeys,
    merchant_id: String,
    notify_url: String,
}

impl CitadeleSimulator {
    pub fn new(
        bank_key: RsaKey,
        bank_certificate: String,
        hub_keys: TrustedKeys,
        merchant_id: impl Into<String>,
        notify_url: impl Into<String>,
    ) -> Self {
        CitadeleSimulator {
            bank_key,
            bank_certificate,
            hub_keys,
            merchant_id: merchant_id.into(),
            notify_url: notify_url.into(),
        }
    }

    fn sign(&self, answer: &Answer) -> Result<String, String> {
        dsig::sign(
            &answer.unsigned(),
            &self.bank_key,
            Some(&self.bank_certificate),
        )
    }
}

fn echoed(order: &SimOrder, name: &str) -> String {
    order.echoed(name).unwrap_or_default().to_owned()
}

impl SimProtocol for CitadeleSimulator {
    fn bank_name(&self) -> &'static str {
        "Citadele banka (simulators)"
    }

    fn payment_request(&self, incoming: &Incoming) -> Result<SimOrder, String> {
        let xmldata = incoming.field("xmldata").ok_or("xmldata is missing")?;
        let root = dsig::verify(xmldata.as_bytes(), &self.hub_keys).map_err(|e| match e {
            dsig::DsigError::Malformed(m) => m,
            dsig::DsigError::BadSignature(m) => format!("signature: {m}"),
        })?;
        let request = PaymentRequest::read(&root)?;
        if request.from != self.merchant_id {
            return Err(format!(
                "From {} is not a contract of this bank",
                crate::vk::quoted(&request.from)
            ));
        }
        let at = message::parse_timestamp(&request.timestamp)
            .ok_or("Timestamp is not YYYYMMDDHHMMSSsss")?;
        let now = OffsetDateTime::now_utc();
        if at > now.saturating_add(super::MAX_SKEW) || at < now.saturating_sub(super::MAX_SKEW) {
            return Err("Timestamp is more than 15 minutes from the bank's clock".into());
        }
        let amount = crate::vk::parse_amount(&request.amount)
            .filter(|a| a.minor() > 0 && a.minor() <= super::MAX_AMOUNT_MINOR)
            .ok_or_else(|| {
                format!(
                    "Amt {} is not an amount",
                    crate::vk::quoted(&request.amount)
                )
            })?;
        let currency = Currency::parse(&request.currency)
            .filter(|c| *c == Currency::EUR)
            .ok_or_else(|| format!("Ccy {} is not EUR", crate::vk::quoted(&request.currency)))?;
        if request.ext_id.is_empty() || request.ext_id.chars().count() > 64 {
            return Err("ExtId is empty or too long".into());
        }
        if request.request_uid.is_empty() || request.return_url.is_empty() {
            return Err("RequestUID and ReturnURL are required".into());
        }
        if request.purpose.trim().is_empty() {
            return Err("PmtInfo is required".into());
        }
        Ok(SimOrder {
            reference: request.ext_id.clone(),
            amount,
            currency,
            payee_account: request.payee_account,
            payee_name: request.payee_name,
            description: request.purpose,
            return_url: request.return_url,
            notify_url: Some(self.notify_url.clone()),
            english: request.language == "EN",
            echo: vec![
                ("RequestUID".into(), request.request_uid),
                ("DocNo".into(), request.doc_no),
                ("ExtId".into(), request.ext_id),
            ],
        })
    }

    fn browser_return(&self, order: &SimOrder, state: &SimState) -> Result<BrowserReturn, String> {
        let (code, message) = match state.decision {
            Decision::Approve => ("100", None),
            Decision::Cancel => ("200", None),
            Decision::Reject => ("300", Some("Maksājums noraidīts".to_owned())),
        };
        // A bank made to answer about another order (the tester's control)
        // names that order instead of the request it was sent.
        let request_uid = if order.reference == echoed(order, "ExtId") {
            echoed(order, "RequestUID")
        } else {
            order.reference.clone()
        };
        let answer = Answer::Response {
            timestamp: message::format_timestamp(OffsetDateTime::now_utc()),
            from: self.merchant_id.clone(),
            request_uid,
            code: code.into(),
            message,
        };
        Ok(BrowserReturn {
            method: "POST",
            action: order.return_url.clone(),
            fields: vec![("xmldata".into(), self.sign(&answer)?)],
        })
    }

    fn server_message(
        &self,
        order: &SimOrder,
        state: &SimState,
    ) -> Result<Option<WireMessage>, String> {
        let (stat_code, booked) = match state.shown() {
            Shown::Executed => ("E", state.executed_at),
            // Still being processed: the status comes when it is final.
            Shown::Accepted => return Ok(None),
            Shown::Rejected | Shown::Cancelled => ("R", None),
        };
        let answer = Answer::Status {
            timestamp: message::format_timestamp(OffsetDateTime::now_utc()),
            from: self.merchant_id.clone(),
            ext_id: order.reference.clone(),
            doc_no: echoed(order, "DocNo"),
            stat_code: stat_code.into(),
            book_date: booked.map(|at| {
                let date = at.date();
                format!(
                    "{:04}-{:02}-{:02}",
                    date.year(),
                    u8::from(date.month()),
                    date.day()
                )
            }),
        };
        let fields = vec![("xmldata".to_owned(), self.sign(&answer)?)];
        Ok(Some(WireMessage {
            method: "POST",
            url: self.notify_url.clone(),
            content_type: Some("application/x-www-form-urlencoded".into()),
            headers: Vec::new(),
            body: crate::vk::encode_form(&fields).into_bytes(),
        }))
    }

    fn retry_schedule(&self) -> Vec<Duration> {
        vec![Duration::from_secs(60 * 60); RETRIES]
    }
}
