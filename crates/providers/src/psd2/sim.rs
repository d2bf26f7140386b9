//! A simulated NextGenPSD2 ASPSP, for the sandbox (`/sim/psd2`): the API
//! (the payment's creation and status, `X-Request-ID` checked and echoed,
//! errors as `tppMessages`; with mutual TLS, only the hub's registered
//! certificate is let in) and the payer's SCA page through the common
//! [`Simulator`] (approve / reject / cancel, the demo bank's test hooks), with
//! a tester control choosing the path of statuses the payment goes through,
//! so that every status of the framework can be produced.

use super::json::web_address;
use super::{
    BODY_LIMIT, CREDITOR_NAME_LIMIT, PAYMENTS_PATH, REMITTANCE_LIMIT, URL_LIMIT, valid_payment_id,
};
use crate::mtls::{check_caller, thumbprint_of};
use crate::psd2::connector::{Psd2Config, Psd2Connector, ScaApproach};
use crate::sandboxes::SandboxTls;
use crate::sim::{
    BrowserReturn, Decision, Sandbox, SimControl, SimOrder, SimProtocol, SimState, Simulator,
    WireMessage,
};
use crate::vk::quoted;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maksa_app::providers::Incoming;
use maksa_domain::codes::ProviderCode;
use maksa_domain::money::Currency;
use maksa_x509::TlsPeer;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The tester control (`<select name="status_path" data-control="status-path">`)
/// choosing what the status query answers after the payer approves.
pub const STATUS_PATH: &str = "status_path";

/// The status paths, each the statuses the ASPSP answers to successive
/// queries after the payer approved (the last one repeated), with its
/// Latvian and English text. Before the payer decides the status is `RCVD`;
/// a rejection or a cancellation on the SCA page answers `RJCT` or `CANC`
/// whatever the path. `XXXX` is a misbehaving ASPSP's status.
pub const STATUS_PATHS: &[(&str, &str, &str)] = &[
    ("ACSC", "izpildīts uzreiz (ACSC)", "executed at once (ACSC)"),
    (
        "ACCC",
        "izpildīts, ieskaitīts saņēmējam (ACCC)",
        "executed, credited to the creditor (ACCC)",
    ),
    (
        "ACTC-ACSP-ACSC",
        "pieņemts, izpildīts vēlāk (ACTC → ACSP → ACSC)",
        "accepted, executed later (ACTC → ACSP → ACSC)",
    ),
    (
        "ACTC",
        "pieņemts un tāds paliek (ACTC)",
        "accepted and stays (ACTC)",
    ),
    (
        "ACSP",
        "pieņemts un tāds paliek (ACSP)",
        "accepted and stays (ACSP)",
    ),
    (
        "ACCP",
        "pieņemts un tāds paliek (ACCP)",
        "accepted and stays (ACCP)",
    ),
    (
        "ACFC",
        "pieņemts un tāds paliek (ACFC)",
        "accepted and stays (ACFC)",
    ),
    (
        "ACWC",
        "pieņemts un tāds paliek (ACWC)",
        "accepted and stays (ACWC)",
    ),
    (
        "ACWP",
        "pieņemts un tāds paliek (ACWP)",
        "accepted and stays (ACWP)",
    ),
    ("PDNG", "vēl gaida (PDNG)", "still pending (PDNG)"),
    (
        "PATC",
        "daļēji autorizēts (PATC)",
        "partially authorised (PATC)",
    ),
    (
        "PART",
        "daļēji pieņemts (PART)",
        "partially accepted (PART)",
    ),
    (
        "RJCT",
        "banka noraida pēc autorizācijas (RJCT)",
        "rejected by the bank after SCA (RJCT)",
    ),
    (
        "CANC",
        "atcelts pēc autorizācijas (CANC)",
        "cancelled after SCA (CANC)",
    ),
    (
        "XXXX",
        "nezināms statuss (kļūdaina banka)",
        "an unknown status (a misbehaving bank)",
    ),
];

const CONTROLS: &[SimControl] = &[SimControl {
    name: STATUS_PATH,
    hook: "status-path",
    label: ("Statusu ceļš", "Status path"),
    choices: STATUS_PATHS,
}];

/// Queries counted per payment (for the multi-step paths); forgotten when
/// this many payments were asked about.
const COUNTED_PAYMENTS: usize = 10_000;

/// The simulated ASPSP's side of the API.
#[derive(Clone)]
pub struct Psd2Sim {
    inner: Arc<Inner>,
}

struct Inner {
    /// Where the payer's browser reaches the simulator (the SCA page), no
    /// trailing slash.
    public_base: String,
    /// The only client certificate let into the API (its SHA-256
    /// thumbprint); `None` on a plain listener.
    thumbprint: Option<String>,
    /// Status queries answered per approved payment.
    queries: Mutex<HashMap<String, usize>>,
}

impl Psd2Sim {
    /// `public_base` is where the payer's browser reaches the simulator;
    /// `thumbprint` the hub's certificate the API requires (`None`: any
    /// caller, on a plain listener).
    pub fn new(public_base: &str, thumbprint: Option<String>) -> Psd2Sim {
        Psd2Sim {
            inner: Arc::new(Inner {
                public_base: public_base.trim_end_matches('/').to_owned(),
                thumbprint,
                queries: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl Inner {
    /// The number of this query about an approved payment: 0 for the first.
    fn count_query(&self, payment_id: &str) -> usize {
        // Every update is a single insert, so a poisoned lock is usable.
        let mut queries = self.queries.lock().unwrap_or_else(|e| e.into_inner());
        if queries.len() >= COUNTED_PAYMENTS && !queries.contains_key(payment_id) {
            queries.clear();
        }
        let n = queries.entry(payment_id.to_owned()).or_insert(0);
        let this = *n;
        *n = n.saturating_add(1);
        this
    }
}

/// The status of a payment as the simulated ASPSP answers the `query`-th
/// (0-based) query after the decision, on `path`.
pub(super) fn status_for(state: Option<&SimState>, path: &str, query: usize) -> String {
    let Some(state) = state else {
        return "RCVD".into();
    };
    match state.decision {
        Decision::Reject => "RJCT".into(),
        Decision::Cancel => "CANC".into(),
        // The common "processing" outcome mode: settlement in process until
        // the simulator books it.
        Decision::Approve if state.executed_at.is_none() => "ACSP".into(),
        Decision::Approve => {
            let steps: Vec<&str> = path.split('-').collect();
            steps
                .get(query)
                .or(steps.last())
                .map_or("ACSC", |s| *s)
                .to_owned()
        }
    }
}

/// `{"tppMessages":[{category, code, text}]}` with `status`, the request's
/// id echoed.
fn tpp_error(status: StatusCode, request_id: Option<&str>, code: &str, text: &str) -> Response {
    let body = json!({
        "tppMessages": [ { "category": "ERROR", "code": code, "text": text } ]
    });
    json_answer(status, request_id, &body, &[])
}

fn json_answer(
    status: StatusCode,
    request_id: Option<&str>,
    body: &Value,
    extra: &[(&'static str, String)],
) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let echoed = request_id.map(|id| ("x-request-id", id.to_owned()));
    for (name, value) in extra.iter().cloned().chain(echoed) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    (
        status,
        headers,
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The caller's certificate and `X-Request-ID` (a UUID, as the framework
/// has it), checked before anything else; answers the request's id.
fn admit(
    inner: &Inner,
    peer: Option<&Extension<TlsPeer>>,
    headers: &HeaderMap,
) -> Result<String, Box<Response>> {
    let request_id = header_text(headers, "x-request-id")
        .filter(|id| id.len() == 36 && uuid_like(id))
        .map(str::to_owned);
    if let Err(e) = check_caller(peer, inner.thumbprint.as_deref()) {
        tracing::info!("the simulated PSD2 ASPSP refused a caller: {e}");
        return Err(Box::new(tpp_error(
            StatusCode::UNAUTHORIZED,
            request_id.as_deref(),
            "CERTIFICATE_INVALID",
            e,
        )));
    }
    request_id.ok_or_else(|| {
        Box::new(tpp_error(
            StatusCode::BAD_REQUEST,
            None,
            "FORMAT_ERROR",
            "X-Request-ID is missing or not a UUID",
        ))
    })
}

/// 8-4-4-4-12 hexadecimal digits.
fn uuid_like(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An IBAN's shape: a country's two letters, two check digits, then 11 to
/// 30 upper-case letters and digits. The check digits are not verified here:
/// the sandbox's catalogue has made-up accounts (a real ASPSP refuses those
/// with `FORMAT_ERROR`).
fn iban_shaped(text: &str) -> bool {
    let bytes = text.as_bytes();
    (15..=34).contains(&bytes.len())
        && bytes.iter().take(2).all(u8::is_ascii_uppercase)
        && bytes.iter().skip(2).take(2).all(u8::is_ascii_digit)
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A random id: 32 hexadecimal digits.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    maksa_domain::request::Entropy::fill(&mut maksa_app::clock::OsEntropy, &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a creation request (headers and body) into an order, or the
/// `FORMAT_ERROR` text.
fn order_of(headers: &HeaderMap, body: &[u8], payment_id: &str) -> Result<SimOrder, String> {
    let content_type = header_text(headers, "content-type").unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "Content-Type {} is not application/json",
            quoted(content_type)
        ));
    }
    let ip = header_text(headers, "psu-ip-address").unwrap_or_default();
    if ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!(
            "PSU-IP-Address {} is not an IP address",
            quoted(ip)
        ));
    }
    let redirect = |name: &str| -> Result<Option<String>, String> {
        match header_text(headers, name) {
            None => Ok(None),
            Some(uri) if web_address(uri) => Ok(Some(uri.to_owned())),
            Some(uri) => Err(format!("{name} {} is not a web address", quoted(uri))),
        }
    };
    let ok = redirect("tpp-redirect-uri")?
        .ok_or("TPP-Redirect-URI is missing (only the redirect approach is offered)")?;
    let nok = redirect("tpp-nok-redirect-uri")?.unwrap_or_else(|| ok.clone());
    if body.len() > BODY_LIMIT {
        return Err("the body is too large".into());
    }
    let request: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let text = |pointer: &str| request.pointer(pointer).and_then(Value::as_str);
    let currency = text("/instructedAmount/currency").unwrap_or_default();
    if currency != "EUR" {
        return Err(format!(
            "instructedAmount.currency {} is not EUR",
            quoted(currency)
        ));
    }
    let amount = text("/instructedAmount/amount")
        .and_then(crate::vk::parse_amount)
        .filter(|a| a.minor() > 0)
        .ok_or("instructedAmount.amount must be a positive amount written 12.34")?;
    let iban_text = text("/creditorAccount/iban").unwrap_or_default();
    if !iban_shaped(iban_text) {
        return Err(format!(
            "creditorAccount.iban {} is not an IBAN",
            quoted(iban_text)
        ));
    }
    let creditor = text("/creditorName").unwrap_or_default();
    if creditor.is_empty() || creditor.chars().count() > CREDITOR_NAME_LIMIT {
        return Err(format!(
            "creditorName must be 1 to {CREDITOR_NAME_LIMIT} characters"
        ));
    }
    let remittance = text("/remittanceInformationUnstructured").unwrap_or_default();
    if remittance.chars().count() > REMITTANCE_LIMIT {
        return Err(format!(
            "remittanceInformationUnstructured is longer than {REMITTANCE_LIMIT} characters"
        ));
    }
    let english = header_text(headers, "psu-accept-language")
        .is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("en"));
    Ok(SimOrder {
        reference: payment_id.to_owned(),
        amount,
        currency: Currency::EUR,
        payee_account: iban_text.to_owned(),
        payee_name: creditor.to_owned(),
        description: remittance.to_owned(),
        return_url: ok,
        notify_url: None,
        english,
        echo: vec![
            ("nok".to_owned(), nok),
            ("psu_ip".to_owned(), ip.to_owned()),
        ],
    })
}

type RouteState = (Arc<Inner>, Arc<Simulator>);

async fn create(
    State((inner, sim)): State<RouteState>,
    peer: Option<Extension<TlsPeer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = match admit(&inner, peer.as_ref(), &headers) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let id = random_id();
    let order = match order_of(&headers, &body, &id) {
        Ok(order) => order,
        Err(e) => {
            return tpp_error(
                StatusCode::BAD_REQUEST,
                Some(&request_id),
                "FORMAT_ERROR",
                &e,
            );
        }
    };
    let key = match sim.open(order) {
        Ok(key) => key,
        Err(e) => {
            return tpp_error(
                StatusCode::BAD_REQUEST,
                Some(&request_id),
                "FORMAT_ERROR",
                &e,
            );
        }
    };
    let own = format!("{PAYMENTS_PATH}/{id}");
    let answer = json!({
        "transactionStatus": "RCVD",
        "paymentId": id,
        "_links": {
            "scaRedirect": { "href": format!("{}/order/{key}", inner.public_base) },
            "self": { "href": own },
            "status": { "href": format!("{own}/status") },
            "scaStatus": { "href": format!("{own}/authorisations/{key}") },
        },
    });
    json_answer(
        StatusCode::CREATED,
        Some(&request_id),
        &answer,
        &[
            ("location", own.clone()),
            ("aspsp-sca-approach", "REDIRECT".to_owned()),
        ],
    )
}

/// The order behind a `paymentId`, or the framework's `RESOURCE_UNKNOWN`
/// (`403`: the resource is addressed in the path).
fn known(
    sim: &Simulator,
    id: &str,
    request_id: &str,
) -> Result<(SimOrder, Option<SimState>), Box<Response>> {
    let unknown = || {
        Box::new(tpp_error(
            StatusCode::FORBIDDEN,
            Some(request_id),
            "RESOURCE_UNKNOWN",
            "no such payment",
        ))
    };
    if !valid_payment_id(id) {
        return Err(unknown());
    }
    match sim.state_of(id) {
        // A misbehaving ASPSP ("another order") has forgotten the payment.
        Some((order, state)) if order.reference == id => Ok((order, state)),
        _ => Err(unknown()),
    }
}

async fn status(
    State((inner, sim)): State<RouteState>,
    peer: Option<Extension<TlsPeer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let request_id = match admit(&inner, peer.as_ref(), &headers) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let (_, state) = match known(&sim, &id, &request_id) {
        Ok(found) => found,
        Err(refused) => return *refused,
    };
    // Only the queries about a booked approval walk the path: while the
    // common "processing" mode holds the booking, the answer is ACSP.
    let booked = state
        .as_ref()
        .is_some_and(|s| s.decision == Decision::Approve && s.executed_at.is_some());
    let query = if booked { inner.count_query(&id) } else { 0 };
    let path = sim.chosen(&id, STATUS_PATH).unwrap_or("ACSC");
    let answer = json!({ "transactionStatus": status_for(state.as_ref(), path, query) });
    json_answer(StatusCode::OK, Some(&request_id), &answer, &[])
}

/// The SCA status of the payment's (one, implicit) authorisation.
async fn sca_status(
    State((inner, sim)): State<RouteState>,
    peer: Option<Extension<TlsPeer>>,
    Path((id, _authorisation)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let request_id = match admit(&inner, peer.as_ref(), &headers) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let (_, state) = match known(&sim, &id, &request_id) {
        Ok(found) => found,
        Err(refused) => return *refused,
    };
    let sca = match state.map(|s| s.decision) {
        None => "received",
        Some(Decision::Approve) => "finalised",
        Some(Decision::Reject | Decision::Cancel) => "failed",
    };
    json_answer(
        StatusCode::OK,
        Some(&request_id),
        &json!({ "scaStatus": sca }),
        &[],
    )
}

impl SimProtocol for Psd2Sim {
    fn bank_name(&self) -> &'static str {
        "PSD2 ASPSP (Berlin Group NextGenPSD2, simulators)"
    }

    fn payment_request(&self, _incoming: &Incoming) -> Result<SimOrder, String> {
        Err(format!(
            "NextGenPSD2 payments are created server to server (POST {PAYMENTS_PATH}); \
             the payer comes to the scaRedirect page /order/{{key}}"
        ))
    }

    /// The payer's browser goes to `TPP-Redirect-URI` after an approval, to
    /// `TPP-Nok-Redirect-URI` after a rejection or a cancellation, by a plain
    /// GET with the URI's own query: the ASPSP adds nothing.
    fn browser_return(&self, order: &SimOrder, state: &SimState) -> Result<BrowserReturn, String> {
        let target = match state.decision {
            Decision::Approve => order.return_url.as_str(),
            Decision::Reject | Decision::Cancel => order.echoed("nok").unwrap_or(&order.return_url),
        };
        if target.len() > URL_LIMIT {
            return Err("the redirect URI is too long".into());
        }
        BrowserReturn::redirect_to(target)
            .map_err(|e| format!("the redirect URI does not parse: {e}"))
    }

    /// The API sends none: the TPP asks for the status.
    fn server_message(
        &self,
        _order: &SimOrder,
        _state: &SimState,
    ) -> Result<Option<WireMessage>, String> {
        Ok(None)
    }

    fn retry_schedule(&self) -> Vec<Duration> {
        Vec::new()
    }

    fn routes(&self, sim: &Arc<Simulator>) -> Router {
        Router::new()
            .route(PAYMENTS_PATH, post(create))
            .route(&format!("{PAYMENTS_PATH}/{{id}}/status"), get(status))
            .route(
                &format!("{PAYMENTS_PATH}/{{id}}/authorisations/{{authorisation}}"),
                get(sca_status),
            )
            .with_state((Arc::clone(&self.inner), Arc::clone(sim)))
    }

    fn controls(&self) -> &'static [SimControl] {
        CONTROLS
    }

    fn sends_server_messages(&self) -> bool {
        false
    }
}

/// The simulated ASPSP at `sim_base_url` (its SCA page, for the payer's
/// browser) and a connector for provider `code` pointing at its API: over
/// plain HTTP at `sim_base_url` without `tls`; with it, at
/// `{tls.https_base_url}{path of sim_base_url}` over mutual TLS with the
/// hub's certificate `tls.hub`, the only one the simulated API lets in.
/// Nothing is kept in `dir` (the ASPSP signs nothing).
pub fn sandbox(
    _dir: &std::path::Path,
    code: ProviderCode,
    sim_base_url: &str,
    hub_base_url: &str,
    tls: Option<&SandboxTls>,
) -> io::Result<Sandbox> {
    let base = sim_base_url.trim_end_matches('/');
    let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
    let (api_base, hub_tls, thumbprint) = match tls {
        None => (base.to_owned(), None, None),
        Some(tls) => {
            let path = url::Url::parse(base)
                .map_err(|e| invalid(format!("{base}: {e}")))?
                .path()
                .trim_end_matches('/')
                .to_owned();
            let thumbprint = thumbprint_of(&tls.hub.certificate_pem).map_err(invalid)?;
            (
                format!("{}{path}", tls.https_base_url.trim_end_matches('/')),
                Some(tls.hub.clone()),
                Some(thumbprint),
            )
        }
    };
    let connector = Psd2Connector::new(Psd2Config {
        code,
        api_base_url: api_base,
        tls: hub_tls,
        sca_approach: ScaApproach::Redirect,
    })
    .map_err(invalid)?;
    let protocol = Psd2Sim::new(base, thumbprint);
    Ok(Sandbox {
        connector: Arc::new(connector),
        simulator: Simulator::new(Arc::new(protocol), base, hub_base_url),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::OffsetDateTime;

    fn state(decision: Decision, executed: bool) -> SimState {
        let at = OffsetDateTime::now_utc();
        SimState {
            decision,
            bank_reference: None,
            decided_at: at,
            executed_at: executed.then_some(at),
        }
    }

    #[test]
    fn paths_are_followed_query_by_query() {
        let approved = state(Decision::Approve, true);
        assert_eq!(status_for(None, "ACSC", 0), "RCVD");
        let steps: Vec<String> = (0..5)
            .map(|n| status_for(Some(&approved), "ACTC-ACSP-ACSC", n))
            .collect();
        assert_eq!(steps, ["ACTC", "ACSP", "ACSC", "ACSC", "ACSC"]);
        assert_eq!(status_for(Some(&approved), "PDNG", 3), "PDNG");
        assert_eq!(
            status_for(Some(&state(Decision::Approve, false)), "ACSC", 0),
            "ACSP"
        );
        assert_eq!(
            status_for(Some(&state(Decision::Reject, false)), "ACSC", 0),
            "RJCT"
        );
        assert_eq!(
            status_for(Some(&state(Decision::Cancel, false)), "ACSC", 0),
            "CANC"
        );
    }

    #[test]
    fn every_status_of_the_framework_can_be_produced() {
        let approved = state(Decision::Approve, true);
        let mut produced: Vec<String> = vec![status_for(None, "ACSC", 0)];
        for (path, _, _) in STATUS_PATHS {
            for n in 0..3 {
                produced.push(status_for(Some(&approved), path, n));
            }
        }
        for status in super::super::STATUSES {
            assert!(produced.iter().any(|p| p == status), "{status}");
        }
        for (path, lv, en) in STATUS_PATHS {
            assert!(!lv.is_empty() && !en.is_empty());
            assert!(path.split('-').all(|s| s.len() == 4), "{path}");
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    const GOOD: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("psu-ip-address", "192.0.2.7"),
        ("tpp-redirect-uri", "https://hub/r?maksa_attempt=1"),
        (
            "tpp-nok-redirect-uri",
            "https://hub/r?maksa_attempt=1&maksa_result=nok",
        ),
        ("psu-accept-language", "en"),
    ];

    fn body(extra: Value) -> Vec<u8> {
        let mut body = json!({
            "instructedAmount": {"currency": "EUR", "amount": "12.34"},
            "creditorAccount": {"iban": "LV71TREL916021001000B"},
            "creditorName": "Valsts kase",
            "remittanceInformationUnstructured": "Nodeva",
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        serde_json::to_vec(&body).unwrap()
    }

    #[test]
    fn a_request_becomes_an_order_and_returns_go_by_the_decision() {
        let order = order_of(&headers(GOOD), &body(json!({})), "p1").unwrap();
        assert_eq!(order.amount.minor(), 1234);
        assert_eq!(order.reference, "p1");
        assert!(order.english);
        let sim = Psd2Sim::new("http://bank/sim/psd2", None);
        let ok = sim
            .browser_return(&order, &state(Decision::Approve, true))
            .unwrap();
        assert_eq!(ok.action, "https://hub/r");
        assert_eq!(
            ok.fields,
            vec![("maksa_attempt".to_owned(), "1".to_owned())]
        );
        for decision in [Decision::Reject, Decision::Cancel] {
            let nok = sim.browser_return(&order, &state(decision, false)).unwrap();
            assert_eq!(nok.fields.len(), 2);
            assert_eq!(nok.fields[1], ("maksa_result".to_owned(), "nok".to_owned()));
        }
        assert_eq!(
            sim.server_message(&order, &state(Decision::Approve, true))
                .unwrap(),
            None
        );
    }

    #[test]
    fn bad_requests_are_format_errors() {
        for extra in [
            json!({"instructedAmount": {"currency": "USD", "amount": "12.34"}}),
            json!({"instructedAmount": {"currency": "EUR", "amount": "12.345"}}),
            json!({"instructedAmount": {"currency": "EUR", "amount": 12.34}}),
            json!({"instructedAmount": {"currency": "EUR", "amount": "0.00"}}),
            json!({"creditorAccount": {"iban": "LV71 TREL 9160 2100 1000 B"}}),
            json!({"creditorAccount": {"iban": "71LVTREL916021001000B"}}),
            json!({"creditorAccount": {"iban": "LV71TREL"}}),
            json!({"creditorName": "x".repeat(71)}),
            json!({"creditorName": ""}),
            json!({"remittanceInformationUnstructured": "x".repeat(141)}),
        ] {
            assert!(
                order_of(&headers(GOOD), &body(extra.clone()), "p1").is_err(),
                "{extra}"
            );
        }
        for missing in ["content-type", "psu-ip-address", "tpp-redirect-uri"] {
            let pairs: Vec<_> = GOOD
                .iter()
                .filter(|(k, _)| *k != missing)
                .cloned()
                .collect();
            assert!(
                order_of(&headers(&pairs), &body(json!({})), "p1").is_err(),
                "{missing}"
            );
        }
        let mut bad_ip: Vec<_> = GOOD.to_vec();
        bad_ip[1] = ("psu-ip-address", "localhost");
        assert!(order_of(&headers(&bad_ip), &body(json!({})), "p1").is_err());
        assert!(uuid_like("123e4567-e89b-42d3-a456-426614174000"));
        assert!(!uuid_like("123e4567e89b42d3a456426614174000"));
        assert!(!uuid_like("123e4567-e89b-42d3-a456-42661417400g"));
    }
}
