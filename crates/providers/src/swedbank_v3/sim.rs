//! Swedbank's side of the Payment Initiation API V3, for the simulators: the
//! server-side API (transaction creation and status, the hub's signatures
//! verified with the hub's key, answers signed with the bank's key), the
//! payer's return (a plain redirect to the URL the hub gave) and the signed
//! notification. The kernel ([`crate::sim`]) does the rest.

use super::jws::{self, Header};
use super::{
    BODY_LIMIT, CREATE_PATH, DESCRIPTION_LIMIT, IAT_SKEW_SECONDS, STATUS_PREFIX, STATUS_SUFFIX,
    URL_LIMIT, amount_of,
};
use crate::rsa_keys::{RsaKey, TrustedKeys};
use crate::sim::{
    BrowserReturn, Decision, SimOrder, SimProtocol, SimState, Simulator, WireMessage,
};
use crate::vk::quoted;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maksa_app::providers::Incoming;
use maksa_domain::money::Currency;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The merchant id of the sandbox's agreement.
pub(super) const SANDBOX_MERCHANT: &str = "SIMULATOR";
/// The agreement's account and holder, shown on the approve page (V3 requests
/// name no payee: the bank takes it from the agreement).
const CREDITOR_ACCOUNT: &str = "LV71TREL916021001000B";
const CREDITOR_NAME: &str = "Maksa (Swedbank V3 agreement)";
/// The payer the simulated bank reports on approved payments.
const DEBTOR_ACCOUNT: &str = "LV80HABA0551000000001";
const DEBTOR_NAME: &str = "Jānis Bērziņš";
/// The longest structured reference (RF creditor reference) the API takes.
const REFERENCE_LIMIT: usize = 25;
const LOCALES: &[&str] = &["lv", "en", "et", "lt", "ru"];

/// The simulated bank's side of V3.
#[derive(Clone)]
pub struct SwedbankV3Sim {
    inner: Arc<Inner>,
}

struct Inner {
    bank_key: RsaKey,
    hub_keys: TrustedKeys,
    /// Where the simulator is mounted, without a trailing slash: the request
    /// URLs the hub signs begin with it.
    base_url: String,
    /// The only `kid` accepted: `LV:<merchant id>`.
    kid: String,
}

impl SwedbankV3Sim {
    pub fn new(
        bank_key: RsaKey,
        hub_keys: TrustedKeys,
        base_url: &str,
        merchant_id: &str,
    ) -> SwedbankV3Sim {
        SwedbankV3Sim {
            inner: Arc::new(Inner {
                bank_key,
                hub_keys,
                base_url: base_url.trim_end_matches('/').to_owned(),
                kid: format!("LV:{merchant_id}"),
            }),
        }
    }
}

impl Inner {
    /// The bank's `x-jws-signature` for `body`, made now.
    fn sign(&self, body: &[u8]) -> Result<String, String> {
        let header = Header::new(OffsetDateTime::now_utc().unix_timestamp(), None, None);
        jws::sign(&self.bank_key, &header, body).map_err(|e| e.to_string())
    }

    /// Checks the hub's signature of a request to `url` carrying `body`.
    fn verify_request(&self, headers: &HeaderMap, url: &str, body: &[u8]) -> Result<(), String> {
        let value = headers
            .get(jws::HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("{} is missing", jws::HEADER))?;
        let header = jws::verify(&self.hub_keys, value, body).map_err(|e| e.to_string())?;
        if header.url.as_deref() != Some(url) {
            return Err(format!(
                "the signature is for {}, not {}",
                quoted(header.url.as_deref().unwrap_or_default()),
                quoted(url)
            ));
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(format!(
                "kid {} is not {}",
                quoted(header.kid.as_deref().unwrap_or_default()),
                quoted(&self.kid)
            ));
        }
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if now.saturating_sub(header.iat).saturating_abs() > IAT_SKEW_SECONDS {
            return Err(format!("iat {} is too far from now ({now})", header.iat));
        }
        Ok(())
    }

    /// Reads a creation request's body into an order.
    fn order(&self, bic: &str, body: &[u8]) -> Result<SimOrder, String> {
        let request: Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
        let text = |name: &str| request.get(name).and_then(Value::as_str);
        let amount = request
            .get("amount")
            .and_then(amount_of)
            .filter(|a| a.minor() > 0)
            .ok_or("amount must be a positive amount with at most two decimals")?;
        let currency = text("currency").unwrap_or_default();
        if currency != "EUR" {
            return Err(format!("currency {} is not EUR", quoted(currency)));
        }
        let url = |name: &str| -> Result<String, String> {
            let value = text(name).ok_or_else(|| format!("{name} is missing"))?;
            let parsed = url::Url::parse(value).ok().filter(|u| {
                value.len() <= URL_LIMIT && matches!(u.scheme(), "https" | "http") && u.has_host()
            });
            parsed
                .map(|_| value.to_owned())
                .ok_or_else(|| format!("{name} {} is not a web address", quoted(value)))
        };
        let redirect = url("redirectUrl")?;
        let notification = url("notificationUrl")?;
        let locale = text("locale").unwrap_or("lv").to_ascii_lowercase();
        if !LOCALES.contains(&locale.as_str()) {
            return Err(format!(
                "locale {} is not one of lv, en, et, lt, ru",
                quoted(&locale)
            ));
        }
        let description = text("description").filter(|d| !d.is_empty());
        let reference = text("reference").filter(|r| !r.is_empty());
        let shown = match (description, reference) {
            (Some(_), Some(_)) => {
                return Err("give a description or a reference, not both".into());
            }
            (None, None) => return Err("a description or a reference is required".into()),
            (Some(d), None) if d.chars().count() > DESCRIPTION_LIMIT => {
                return Err(format!(
                    "description is longer than {DESCRIPTION_LIMIT} characters"
                ));
            }
            (None, Some(r)) if r.chars().count() > REFERENCE_LIMIT => {
                return Err(format!(
                    "reference is longer than {REFERENCE_LIMIT} characters"
                ));
            }
            (Some(d), None) => d,
            (None, Some(r)) => r,
        };
        Ok(SimOrder {
            reference: transaction_id(),
            amount,
            currency: Currency::EUR,
            payee_account: CREDITOR_ACCOUNT.to_owned(),
            payee_name: CREDITOR_NAME.to_owned(),
            description: shown.to_owned(),
            return_url: redirect,
            notify_url: Some(notification),
            english: locale == "en",
            echo: vec![
                ("bic".to_owned(), bic.to_owned()),
                ("locale".to_owned(), locale),
            ],
        })
    }
}

/// A new transaction id: 32 random hex digits.
fn transaction_id() -> String {
    let mut bytes = [0u8; 16];
    maksa_domain::request::Entropy::fill(&mut maksa_app::clock::OsEntropy, &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The V3 status of an order in the simulated bank.
pub(super) fn status_text(state: Option<&SimState>) -> &'static str {
    match state {
        None => "NOT_INITIATED",
        Some(state) => match (state.decision, state.executed_at) {
            (Decision::Approve, Some(_)) => "EXECUTED",
            (Decision::Approve, None) => "IN_PROGRESS",
            (Decision::Reject, _) => "FAILED",
            (Decision::Cancel, _) => "CANCELLED_BY_USER",
        },
    }
}

/// `2026-02-11T10:05:00+0000`, as the bank writes times.
fn bank_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The status answer's body (also the notification's).
pub(super) fn status_body(order: &SimOrder, state: Option<&SimState>) -> Vec<u8> {
    let now = OffsetDateTime::now_utc();
    let updated = state
        .map(|s| s.executed_at.unwrap_or(s.decided_at))
        .unwrap_or(now);
    let approved = state.is_some_and(|s| s.decision == Decision::Approve);
    let mut body = json!({
        "transactionId": order.reference,
        "status": status_text(state),
        "statusCheckedAt": bank_time(now),
        "statusUpdatedAt": bank_time(updated),
        "amount": crate::vk::format_amount(order.amount),
        "currency": order.currency.as_str(),
        "debtorBic": order.echoed("bic").unwrap_or_default(),
        "creditorAccount": order.payee_account,
        "creditor": order.payee_name,
        "description": order.description,
        "paymentType": "sepa",
    });
    if approved && let Some(map) = body.as_object_mut() {
        map.insert("debtor".into(), json!(DEBTOR_NAME));
        map.insert("debtorAccount".into(), json!(DEBTOR_ACCOUNT));
    }
    serde_json::to_vec(&body).unwrap_or_default()
}

fn json_answer(status: StatusCode, signature: Option<String>, body: Vec<u8>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(value) = signature.and_then(|s| HeaderValue::from_str(&s).ok()) {
        headers.insert(jws::HEADER, value);
    }
    (status, headers, body).into_response()
}

/// `{"errorMessages":{"general":[{"message":…}]}}`, as the API reports errors.
fn error_answer(status: StatusCode, message: &str) -> Response {
    let body = json!({ "errorMessages": { "general": [ { "message": message } ] } });
    json_answer(status, None, serde_json::to_vec(&body).unwrap_or_default())
}

type RouteState = (Arc<Inner>, Arc<Simulator>);

async fn create(
    State((inner, sim)): State<RouteState>,
    Path(bic): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bic_ok = (8..=11).contains(&bic.len()) && bic.bytes().all(|b| b.is_ascii_alphanumeric());
    if !bic_ok {
        return error_answer(
            StatusCode::BAD_REQUEST,
            &format!("{} is not a BIC", quoted(&bic)),
        );
    }
    let url = format!("{}{CREATE_PATH}{bic}", inner.base_url);
    if let Err(e) = inner.verify_request(&headers, &url, &body) {
        tracing::info!("simulated Swedbank V3 refused a signature: {e}");
        return error_answer(StatusCode::UNAUTHORIZED, &e);
    }
    if body.len() > BODY_LIMIT {
        return error_answer(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large");
    }
    let order = match inner.order(&bic, &body) {
        Ok(order) => order,
        Err(e) => return error_answer(StatusCode::BAD_REQUEST, &e),
    };
    let id = order.reference.clone();
    let key = match sim.open(order) {
        Ok(key) => key,
        Err(e) => return error_answer(StatusCode::CONFLICT, &e),
    };
    let answer = json!({
        "id": id,
        "urls": {
            "redirect": format!("{}/order/{key}", inner.base_url),
            "status": format!("{}{STATUS_PREFIX}{id}{STATUS_SUFFIX}", inner.base_url),
        },
    });
    let body = serde_json::to_vec(&answer).unwrap_or_default();
    match inner.sign(&body) {
        Ok(signature) => json_answer(StatusCode::CREATED, Some(signature), body),
        Err(e) => error_answer(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn status(
    State((inner, sim)): State<RouteState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !super::valid_transaction_id(&id) {
        return error_answer(StatusCode::NOT_FOUND, "no such transaction");
    }
    let url = format!("{}{STATUS_PREFIX}{id}{STATUS_SUFFIX}", inner.base_url);
    if let Err(e) = inner.verify_request(&headers, &url, &body) {
        tracing::info!("simulated Swedbank V3 refused a signature: {e}");
        return error_answer(StatusCode::UNAUTHORIZED, &e);
    }
    let Some((order, state)) = sim.state_of(&id) else {
        return error_answer(StatusCode::NOT_FOUND, "no such transaction");
    };
    let body = status_body(&order, state.as_ref());
    match inner.sign(&body) {
        Ok(signature) => json_answer(StatusCode::OK, Some(signature), body),
        Err(e) => error_answer(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

impl SimProtocol for SwedbankV3Sim {
    fn bank_name(&self) -> &'static str {
        "Swedbank (Payment Initiation API V3, simulators)"
    }

    fn payment_request(&self, _incoming: &Incoming) -> Result<SimOrder, String> {
        Err(
            "Payment Initiation API V3 transactions are created server to server \
             (POST /public/api/v3/transactions/providers/{bic}); the payer comes to /order/{key}"
                .into(),
        )
    }

    /// A plain redirect to the URL the hub gave (with its query): the bank
    /// adds nothing, the hub asks for the status.
    fn browser_return(&self, order: &SimOrder, _state: &SimState) -> Result<BrowserReturn, String> {
        BrowserReturn::redirect_to(&order.return_url)
            .map_err(|e| format!("the return URL does not parse: {e}"))
    }

    /// A POST of the status body, signed, to the notification URL.
    fn server_message(
        &self,
        order: &SimOrder,
        state: &SimState,
    ) -> Result<Option<WireMessage>, String> {
        let Some(url) = &order.notify_url else {
            return Ok(None);
        };
        let body = status_body(order, Some(state));
        let signature = self.inner.sign(&body)?;
        Ok(Some(WireMessage {
            method: "POST",
            url: url.clone(),
            content_type: Some("application/json".into()),
            headers: vec![(jws::HEADER.to_owned(), signature)],
            body,
        }))
    }

    /// Chosen (the bank's own rule is not published): 1, 5, 15 and 30
    /// minutes, then hourly, up to a day after the first try.
    fn retry_schedule(&self) -> Vec<Duration> {
        let mut pauses: Vec<Duration> = [60, 5 * 60, 15 * 60, 30 * 60]
            .into_iter()
            .map(Duration::from_secs)
            .collect();
        pauses.extend(std::iter::repeat_n(Duration::from_secs(60 * 60), 23));
        pauses
    }

    fn routes(&self, sim: &Arc<Simulator>) -> Router {
        Router::new()
            .route(&format!("{CREATE_PATH}{{bic}}"), post(create))
            .route(
                &format!("{STATUS_PREFIX}{{id}}{STATUS_SUFFIX}"),
                get(status),
            )
            .with_state((Arc::clone(&self.inner), Arc::clone(sim)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rsa_keys::public_key_pem;

    fn sim() -> SwedbankV3Sim {
        let key = RsaKey::generate().unwrap();
        let trusted = TrustedKeys::from_pems(&[public_key_pem(&key.public()).unwrap()]).unwrap();
        SwedbankV3Sim::new(key, trusted, "http://bank/sim/swedbank-v3/", "M1")
    }

    fn request(extra: Value) -> Vec<u8> {
        let mut body = json!({
            "amount": "12.34",
            "currency": "EUR",
            "description": "Nodeva",
            "redirectUrl": "https://hub/r?language=ENG&maksa_attempt=1",
            "notificationUrl": "https://hub/n?maksa_attempt=1",
            "locale": "en",
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        serde_json::to_vec(&body).unwrap()
    }

    #[test]
    fn a_request_becomes_an_order() {
        let s = sim();
        let order = s.inner.order("HABALV22", &request(json!({}))).unwrap();
        assert_eq!(order.amount.minor(), 1234);
        assert_eq!(order.description, "Nodeva");
        assert!(order.english);
        assert_eq!(order.reference.len(), 32);
        assert_eq!(order.echoed("bic"), Some("HABALV22"));
        let reference = s
            .inner
            .order(
                "HABALV22",
                &request(json!({"description": null, "reference": "RF18539007547034"})),
            )
            .unwrap();
        assert_eq!(reference.description, "RF18539007547034");
        let latvian = s
            .inner
            .order("HABALV22", &request(json!({"locale": "LV"})))
            .unwrap();
        assert!(!latvian.english);
        assert_eq!(
            s.inner
                .order("HABALV22", &request(json!({"amount": 5})))
                .unwrap()
                .amount
                .minor(),
            500
        );
    }

    #[test]
    fn bad_requests_are_refused() {
        let s = sim();
        for extra in [
            json!({"amount": "0.00"}),
            json!({"amount": "1.234"}),
            json!({"currency": "USD"}),
            json!({"redirectUrl": "javascript:alert(1)"}),
            json!({"notificationUrl": null}),
            json!({"locale": "de"}),
            json!({"description": "x".repeat(141)}),
            json!({"reference": "RF18539007547034"}),
            json!({"description": null}),
            json!({"description": null, "reference": "R".repeat(26)}),
        ] {
            assert!(
                s.inner.order("HABALV22", &request(extra.clone())).is_err(),
                "{extra}"
            );
        }
        assert!(s.inner.order("HABALV22", b"[").is_err());
    }

    #[test]
    fn the_return_goes_to_the_hubs_url_with_its_query() {
        let s = sim();
        let order = s.inner.order("HABALV22", &request(json!({}))).unwrap();
        let state = SimState {
            decision: Decision::Approve,
            bank_reference: Some("1".into()),
            decided_at: OffsetDateTime::now_utc(),
            executed_at: Some(OffsetDateTime::now_utc()),
        };
        let answer = s.browser_return(&order, &state).unwrap();
        assert_eq!(answer.method, "GET");
        assert_eq!(answer.action, "https://hub/r");
        assert_eq!(
            answer.fields,
            vec![
                ("language".to_owned(), "ENG".to_owned()),
                ("maksa_attempt".to_owned(), "1".to_owned())
            ]
        );
        let message = s.server_message(&order, &state).unwrap().unwrap();
        assert_eq!(message.url, "https://hub/n?maksa_attempt=1");
        assert_eq!(message.headers[0].0, "x-jws-signature");
        let body: Value = serde_json::from_slice(&message.body).unwrap();
        assert_eq!(body["status"], "EXECUTED");
        assert_eq!(body["amount"], "12.34");
        assert_eq!(body["transactionId"], order.reference.as_str());
    }

    #[test]
    fn statuses_follow_the_decision() {
        let at = OffsetDateTime::now_utc();
        let state = |decision, executed: bool| SimState {
            decision,
            bank_reference: None,
            decided_at: at,
            executed_at: executed.then_some(at),
        };
        assert_eq!(status_text(None), "NOT_INITIATED");
        assert_eq!(
            status_text(Some(&state(Decision::Approve, true))),
            "EXECUTED"
        );
        assert_eq!(
            status_text(Some(&state(Decision::Approve, false))),
            "IN_PROGRESS"
        );
        assert_eq!(status_text(Some(&state(Decision::Reject, false))), "FAILED");
        assert_eq!(
            status_text(Some(&state(Decision::Cancel, false))),
            "CANCELLED_BY_USER"
        );
        assert!(super::super::time_of(&bank_time(at)).is_some());
    }

    #[test]
    fn notifications_are_retried_for_about_a_day() {
        let total: Duration = sim().retry_schedule().into_iter().sum();
        assert!(total <= Duration::from_secs(24 * 60 * 60), "{total:?}");
        assert!(total >= Duration::from_secs(23 * 60 * 60), "{total:?}");
    }
}
