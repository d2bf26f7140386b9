//! The SOAP 1.1 door (INTERFACE.md §5, §7; docs/soap.md): the originals' WCF
//! services at their original paths, for clients generated from the WSDL or
//! using PHP's `SoapClient`. Translation only: every operation calls the same
//! application service as its REST twin, so a request created here is the
//! same request over REST.
//!
//! - `/v1.0/WCFX509/PaymentRequestService.svc`: the seven payment request
//!   operations.
//! - `/v1.0/MMSOAP/MMService.svc`: `GetInvoice` for any registered certificate
//!   (004 §2.8, whose PHP example calls this path).
//! - `/Invoice.SOAP/MMService.svc`: `GetInvoice` for certificates with the role
//!   `MM_INVOICE_SERVICE` (004 §2.6–§2.7).
//!
//! Each is also served under the originals' full path (004's examples:
//! `/services/VRAA.VISS2.MM.Endpoint/v1.0/…`, `/services/MM2/Invoice.SOAP/…`),
//! so a client that only changes the host works.
//!
//! `GET …?singleWsdl` (or `?wsdl`) serves the committed WSDL with its
//! `soap:address` set to where it was asked for. Callers are identified by
//! their TLS client certificate, as basicHttpBinding with transport security
//! and `clientCredentialType="Certificate"` does; in legacy mode
//! (`legacy_body_auth`) a plain-HTTP message may carry `MM_Cert` instead, as
//! REST bodies do.

pub(crate) mod payment_request;
mod write;

pub(crate) use write::fault;
pub mod xml;

use crate::AppState;
use crate::fields;
use crate::tls::{connection_credentials, credentials};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use maksa_app::auth::{Caller, Channel};
use maksa_app::documents::{DocumentFormat, DocumentLanguage};
use maksa_app::error::{AppError, ErrorCode};
use maksa_app::store::InvoiceRecipient;
use payment_request::{flag, member, missing, payment_request_input, text};
use write::{Members, contract_result, empty_result, simple_result};
use xml::Element;

/// The service contracts' namespace: WCF's default, which the originals kept.
pub const SERVICE: &str = "http://tempuri.org/";
/// The data contracts' namespace (`PaymentsDataStructure`, `PaymentRequestFault`, …).
pub const DATA: &str = "http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint";
const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

pub const PAYMENT_REQUEST_SERVICE_PATH: &str = "/v1.0/WCFX509/PaymentRequestService.svc";
pub const INVOICE_BY_CERTIFICATE_PATH: &str = "/v1.0/MMSOAP/MMService.svc";
pub const INVOICE_WITH_ROLE_PATH: &str = "/Invoice.SOAP/MMService.svc";
/// The same services at the originals' full paths (004 §2.2.1's PHP example,
/// §2.8's .NET configuration).
pub const ORIGINAL_PAYMENT_REQUEST_SERVICE_PATH: &str =
    "/services/VRAA.VISS2.MM.Endpoint/v1.0/WCFX509/PaymentRequestService.svc";
pub const ORIGINAL_INVOICE_BY_CERTIFICATE_PATH: &str =
    "/services/VRAA.VISS2.MM.Endpoint/v1.0/MMSOAP/MMService.svc";
pub const ORIGINAL_INVOICE_WITH_ROLE_PATH: &str = "/services/MM2/Invoice.SOAP/MMService.svc";

/// Every path the door answers at, and the service behind it.
const ROUTES: [(&str, Service); 6] = [
    (PAYMENT_REQUEST_SERVICE_PATH, Service::PaymentRequests),
    (INVOICE_BY_CERTIFICATE_PATH, Service::InvoiceByCertificate),
    (INVOICE_WITH_ROLE_PATH, Service::InvoiceWithRole),
    (
        ORIGINAL_PAYMENT_REQUEST_SERVICE_PATH,
        Service::PaymentRequests,
    ),
    (
        ORIGINAL_INVOICE_BY_CERTIFICATE_PATH,
        Service::InvoiceByCertificate,
    ),
    (ORIGINAL_INVOICE_WITH_ROLE_PATH, Service::InvoiceWithRole),
];

/// The committed WSDLs; their `soap:address` is [`TEMPLATE_BASE`] + the path.
const PAYMENT_REQUEST_WSDL: &str = include_str!("PaymentRequestService.wsdl");
const MM_WSDL: &str = include_str!("MMService.wsdl");
pub const TEMPLATE_BASE: &str = "https://localhost:8443";

/// The role 004 §2.6–§2.7 require for `/Invoice.SOAP/MMService.svc`.
pub const INVOICE_ROLE: &str = "MM_INVOICE_SERVICE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    PaymentRequests,
    InvoiceByCertificate,
    InvoiceWithRole,
}

const PAYMENT_REQUEST_OPERATIONS: [&str; 7] = [
    "SavePaymentRequest",
    "CheckPaymentRequestStatus",
    "GetPaymentRequests",
    "GetPayments",
    "CheckPaymentStatus",
    "CreateInvoice",
    "CancelPaymentRequest",
];
const MM_OPERATIONS: [&str; 1] = ["GetInvoice"];

impl Service {
    fn wsdl(self) -> &'static str {
        match self {
            Service::PaymentRequests => PAYMENT_REQUEST_WSDL,
            Service::InvoiceByCertificate | Service::InvoiceWithRole => MM_WSDL,
        }
    }

    /// The path the committed WSDL's `soap:address` names.
    fn template_path(self) -> &'static str {
        match self {
            Service::PaymentRequests => PAYMENT_REQUEST_SERVICE_PATH,
            Service::InvoiceByCertificate | Service::InvoiceWithRole => INVOICE_BY_CERTIFICATE_PATH,
        }
    }

    fn operations(self) -> &'static [&'static str] {
        match self {
            Service::PaymentRequests => &PAYMENT_REQUEST_OPERATIONS,
            Service::InvoiceByCertificate | Service::InvoiceWithRole => &MM_OPERATIONS,
        }
    }
}

/// The services' routes, at every path of [`ROUTES`]: `GET` for the WSDL,
/// `POST` for envelopes.
pub fn routes() -> Router<AppState> {
    ROUTES
        .into_iter()
        .fold(Router::new(), |router, (path, service)| {
            router.route(
                path,
                get(move |request: Request<Body>| async move { describe(service, path, &request) })
                    .post(
                        move |State(state): State<AppState>, request: Request<Body>| async move {
                            call(&state, service, path, request).await
                        },
                    ),
            )
        })
}

/// The WSDL as served at `path` for `base` (scheme and authority, no trailing
/// slash). The committed file is exactly what is served for [`TEMPLATE_BASE`]
/// at the template's path (the drift test holds the two together).
fn wsdl_for(service: Service, base: &str, path: &str) -> String {
    let template = format!("{TEMPLATE_BASE}{}", service.template_path());
    service.wsdl().replace(&template, &format!("{base}{path}"))
}

/// Whether a `GET` asks for the service description (`?wsdl`, `?singleWsdl`).
pub(crate) fn asks_for_wsdl(request: &Request<Body>) -> bool {
    request.uri().query().is_some_and(|query| {
        query.split('&').any(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            key.eq_ignore_ascii_case("wsdl") || key.eq_ignore_ascii_case("singleWsdl")
        })
    })
}

/// `GET`: the WSDL for `?wsdl`/`?singleWsdl`, a pointer to it otherwise.
fn describe(service: Service, path: &str, request: &Request<Body>) -> Response {
    if !asks_for_wsdl(request) {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "This is a SOAP 1.1 service: POST envelopes here with your TLS client certificate. Its description: {path}?singleWsdl\n"
            ),
        )
            .into_response();
    }
    let base = base_url(request);
    let mut response = (StatusCode::OK, wsdl_for(service, &base, path)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    response
}

/// Where the caller reached us: the scheme of the listener the request came
/// through and the `Host` it asked for, if that is a plausible host name
/// (it ends up inside the WSDL, so nothing else is copied there).
pub(crate) fn base_url(request: &Request<Body>) -> String {
    let scheme = if request.extensions().get::<maksa_x509::TlsPeer>().is_some() {
        "https"
    } else {
        "http"
    };
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .filter(|host| {
            !host.is_empty()
                && host.len() <= 255
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
                && host.parse::<Uri>().is_ok()
        })
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// `POST`: one envelope, one answer or fault.
async fn call(state: &AppState, service: Service, path: &str, request: Request<Body>) -> Response {
    match run(state, service, path, request).await {
        Ok(Outcome::Answer(body, replayed)) => {
            let mut response = write::answer(&body);
            if replayed {
                response.headers_mut().insert(
                    header::HeaderName::from_static(maksa_app::idempotency::REPLAYED_HEADER),
                    HeaderValue::from_static("true"),
                );
            }
            response
        }
        Ok(Outcome::Limited(wait)) => {
            let seconds = crate::rate_limits::retry_after_seconds(wait);
            let mut response = write::fault(&AppError::BadInput {
                code: ErrorCode::RateLimited,
                message: format!("too many calls: retry after {seconds} s"),
            });
            crate::rate_limits::mark_refusal(&mut response, wait);
            response
        }
        Err(error) => write::fault(&error),
    }
}

/// What a call came to: an answer (and whether it was replayed under an
/// `Idempotency-Key`), or a refusal over the client's rate limit.
enum Outcome {
    Answer(String, bool),
    Limited(std::time::Duration),
}

/// The operations that change something: an `Idempotency-Key` applies, and
/// the `create` rate limit (docs/idempotency.md, docs/rate-limits.md).
const CHANGING: [&str; 3] = [
    "SavePaymentRequest",
    "CreateInvoice",
    "CancelPaymentRequest",
];

fn too_large(limit: usize) -> AppError {
    AppError::BadInput {
        code: ErrorCode::BodyTooLarge,
        message: format!("the message is larger than {limit} bytes"),
    }
}

fn invalid_xml(message: String) -> AppError {
    AppError::BadInput {
        code: ErrorCode::InvalidXml,
        message,
    }
}

async fn run(
    state: &AppState,
    service: Service,
    path: &str,
    request: Request<Body>,
) -> Result<Outcome, AppError> {
    let (parts, body) = request.into_parts();
    let limit = state.body_limit;
    // A declared length over the limit is refused before a byte is read; an
    // undeclared one is cut off while reading.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(too_large(limit));
    }
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large(limit))?;
    // The connection decides before the message is read, except in legacy
    // mode over plain HTTP, where only the message's MM_Cert can identify.
    let connection = connection_credentials(&parts.extensions);
    let by_connection = match connection.channel {
        Channel::Plain if state.auth.legacy_body_auth() => None,
        _ => Some(state.auth.authenticate(&connection).await?),
    };
    let envelope = xml::parse(&bytes).map_err(|e| invalid_xml(e.0))?;
    let operation = operation(&envelope)?;
    let caller = match (message_certificate(&envelope, operation)?, by_connection) {
        (None, Some(caller)) => caller,
        (None, None) => state.auth.authenticate(&connection).await?,
        // As REST: over TLS, MM_Cert may only repeat the connection's certificate.
        (Some(certificate), _) => {
            let body = serde_json::Map::from_iter([(
                "MM_Cert".to_owned(),
                serde_json::Value::String(certificate),
            )]);
            state
                .auth
                .authenticate(&credentials(&parts.extensions, &body).await?)
                .await?
        }
    };
    if service == Service::InvoiceWithRole && !caller.has_role(INVOICE_ROLE) {
        return Err(AppError::Forbidden {
            code: ErrorCode::RoleRequired,
            message: format!(
                "{path} requires the role {INVOICE_ROLE}; certificates without it use {INVOICE_BY_CERTIFICATE_PATH} (or {ORIGINAL_INVOICE_BY_CERTIFICATE_PATH})"
            ),
        });
    }
    let name = service
        .operations()
        .iter()
        .copied()
        .find(|name| operation.is(SERVICE, name))
        .ok_or_else(|| unknown_operation(service, path, operation))?;
    let changing = CHANGING.contains(&name);
    let class = if changing {
        crate::rate_limits::Class::Create
    } else {
        crate::rate_limits::Class::Query
    };
    if let Err(wait) = crate::rate_limits::by_client(state, &caller.client, "soap", name, class) {
        return Ok(Outcome::Limited(wait));
    }
    let key = if changing {
        crate::rest::idempotency_key(&parts.headers)?
    } else {
        None
    };
    let mut replayed = false;
    let body = dispatch(state, &caller, name, operation, key, &mut replayed).await?;
    Ok(Outcome::Answer(body, replayed))
}

/// Legacy clients' `MM_Cert` (the certificate, base64, as in REST bodies): a
/// SOAP header `<MM_Cert>` or a parameter of the operation, in any namespace
/// and letter case. Empty or `xsi:nil` is absent.
fn message_certificate(
    envelope: &Element,
    operation: &Element,
) -> Result<Option<String>, AppError> {
    let holder = match envelope.children.iter().find(|c| c.is(SOAP11, "Header")) {
        Some(header) if member(header, "MM_Cert").is_some() => header,
        _ => operation,
    };
    Ok(text(holder, "MM_Cert")?.filter(|value| !value.is_empty()))
}

/// The Body's first element: the operation (document/literal wrapped).
pub(crate) fn operation(envelope: &Element) -> Result<&Element, AppError> {
    if !envelope.is(SOAP11, "Envelope") {
        return Err(invalid_xml(format!(
            "the message is not a SOAP 1.1 envelope (expected <Envelope xmlns=\"{SOAP11}\">, found `<{}>` in `{}`)",
            envelope.name,
            envelope.namespace.as_deref().unwrap_or("no namespace")
        )));
    }
    let body = envelope
        .children
        .iter()
        .find(|c| c.is(SOAP11, "Body"))
        .ok_or_else(|| invalid_xml("the envelope has no Body".into()))?;
    body.children
        .first()
        .ok_or_else(|| invalid_xml("the Body is empty: it must hold one operation".into()))
}

/// (The names are echoed as the caller sent them; the fault mapping bounds
/// every quoted value.)
fn unknown_operation(service: Service, path: &str, operation: &Element) -> AppError {
    AppError::BadInput {
        code: ErrorCode::UnknownOperation,
        message: format!(
            "{path} has no operation `{}` in namespace `{}`; its operations are {} in {SERVICE}",
            operation.name,
            operation.namespace.as_deref().unwrap_or("(none)"),
            service.operations().join(", ")
        ),
    }
}

fn required(operation: &Element, name: &str) -> Result<String, AppError> {
    text(operation, name)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing(name))
}

/// A money amount as `xs:decimal` text with two decimals.
fn decimal(amount: maksa_domain::money::Amount) -> String {
    amount.to_string()
}

async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &'static str,
    operation: &Element,
    key: Option<maksa_app::idempotency::IdempotencyKey>,
    replayed: &mut bool,
) -> Result<String, AppError> {
    let requests = &state.requests;
    let idempotency = &state.idempotency;
    let lookup = |field: &str| text(operation, field);
    Ok(match name {
        "SavePaymentRequest" => {
            let parameter = payment_request::member(operation, "paymentRequest")
                .ok_or_else(|| missing("paymentRequest"))?;
            let input = payment_request_input(parameter)?;
            let answered = requests
                .save_keyed(idempotency, caller, &input, key)
                .await?;
            *replayed = answered.replayed;
            let created = answered.value;
            contract_result(
                name,
                Members::default()
                    .value("PaymentRequestId", Some(&created.id.to_string()))
                    .value("PaymentRequestUrl", Some(&created.url)),
            )
        }
        "CheckPaymentRequestStatus" => {
            let status = requests
                .status(caller, &required(operation, "paymentRequestId")?)
                .await?;
            simple_result(name, &status.letter().to_string())
        }
        "GetPaymentRequests" => {
            let filter = fields::request_filter(&lookup, flag(operation, "onlyNotPayed")?)?;
            let mut items = Members::default();
            for r in requests.list(caller, filter).await? {
                items = items.nested(
                    "PaymentRequestInfoStructure",
                    Members::default()
                        .value("Currency", Some(r.currency.as_str()))
                        .value("ExpirationDate", fields::rfc3339(r.expires_at).as_deref())
                        .value("Number", Some(&r.number))
                        .value(
                            "PaymentDate",
                            r.paid_at.and_then(fields::rfc3339).as_deref(),
                        )
                        .value("PaymentRequestUniqueId", Some(&r.id.to_string()))
                        .value("ServiceName", Some(&r.service_name))
                        .value("ServiceProviderName", Some(&r.service_provider_name))
                        .value("StartDate", fields::rfc3339(r.created_at).as_deref())
                        .value("Status", Some(&r.status.letter().to_string()))
                        .value("TotalAmount", Some(&decimal(r.total)))
                        .value("UsageStatus", Some(r.status.usage_text())),
                );
            }
            contract_result(name, items)
        }
        "GetPayments" => {
            let filter = fields::payment_filter(&lookup)?;
            let mut items = Members::default();
            for p in requests.payments(caller, filter).await? {
                items = items.nested(
                    "PaymentInfoStructure",
                    Members::default()
                        .value("Amount", Some(&decimal(p.amount)))
                        .value("BankInfo", Some(&p.purpose))
                        .value("Currency", Some(p.currency.as_str()))
                        .value("ExternalId", p.external_id.as_deref())
                        .value("PayeeAccountNumber", Some(&p.payee_iban))
                        .value(
                            "PaymentDate",
                            p.paid_at.and_then(fields::rfc3339).as_deref(),
                        )
                        .value("PaymentRequestUniqueId", Some(&p.request_id.to_string()))
                        .value("ServiceName", Some(&p.service_name))
                        .value("StatusCode", Some(&p.status.letter().to_string())),
                );
            }
            contract_result(name, items)
        }
        "CheckPaymentStatus" => {
            let answer = requests
                .payment_status(
                    caller,
                    &required(operation, "paymentRequestId")?,
                    &required(operation, "position")?,
                )
                .await?;
            simple_result(name, &answer.status.letter().to_string())
        }
        "CreateInvoice" => {
            let recipient = InvoiceRecipient {
                name: text(operation, "name")?,
                code: text(operation, "code")?,
                address: text(operation, "address")?,
            };
            let answered = state
                .documents
                .create_invoice_keyed(
                    idempotency,
                    caller,
                    &required(operation, "id")?,
                    recipient,
                    key,
                )
                .await?;
            *replayed = answered.replayed;
            simple_result(name, &answered.value.to_string())
        }
        "CancelPaymentRequest" => {
            let answered = requests
                .cancel_keyed(
                    idempotency,
                    caller,
                    &required(operation, "paymentRequestId")?,
                    key,
                )
                .await?;
            *replayed = answered.replayed;
            empty_result(name)
        }
        "GetInvoice" => {
            let format = if flag(operation, "xmlFormat")? {
                DocumentFormat::Xml
            } else {
                DocumentFormat::Pdf
            };
            let file = state
                .documents
                .latest(
                    caller,
                    &required(operation, "paymentRequestId")?,
                    format,
                    DocumentLanguage::Latvian,
                )
                .await?;
            let data = base64::engine::general_purpose::STANDARD.encode(&file.bytes);
            contract_result(
                name,
                Members::default()
                    .value("ContentType", Some(file.content_type))
                    .value("Data", Some(&data))
                    .value("Name", Some(&file.file_name)),
            )
        }
        other => {
            return Err(AppError::Internal(format!(
                "SOAP operation {other} is listed but has no handler"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn named<'a>(root: &'a Element, namespace: &str, name: &str, out: &mut Vec<&'a Element>) {
        if root.is(namespace, name) {
            out.push(root);
        }
        for child in &root.children {
            named(child, namespace, name, out);
        }
    }

    const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
    const WSDL_SOAP: &str = "http://schemas.xmlsoap.org/wsdl/soap/";

    /// The committed WSDLs describe exactly the operations this door
    /// dispatches, with the SOAPActions WCF derives from their names, and
    /// one address each, which serving replaces.
    #[test]
    fn the_wsdls_describe_exactly_the_dispatched_operations() {
        for (service, contract) in [
            (Service::PaymentRequests, "IPaymentRequestService"),
            (Service::InvoiceWithRole, "MMService"),
        ] {
            let root = xml::parse(service.wsdl().as_bytes()).unwrap();
            let mut port_types = Vec::new();
            named(&root, WSDL, "portType", &mut port_types);
            assert_eq!(port_types.len(), 1);
            assert_eq!(port_types[0].attribute("name"), Some(contract));
            let described: Vec<&str> = port_types[0]
                .children
                .iter()
                .filter_map(|op| op.attribute("name"))
                .collect();
            assert_eq!(described, service.operations());
            let mut actions = Vec::new();
            named(&root, WSDL_SOAP, "operation", &mut actions);
            let actions: Vec<&str> = actions
                .iter()
                .filter_map(|a| a.attribute("soapAction"))
                .collect();
            let expected: Vec<String> = service
                .operations()
                .iter()
                .map(|op| format!("{SERVICE}{contract}/{op}"))
                .collect();
            assert_eq!(actions, expected);
            let mut addresses = Vec::new();
            named(&root, WSDL_SOAP, "address", &mut addresses);
            assert_eq!(addresses.len(), 1);
            assert_eq!(
                addresses[0].attribute("location"),
                Some(format!("{TEMPLATE_BASE}{}", service.template_path()).as_str())
            );
            // Served for the template's own base at the template's path, the
            // WSDL is the committed file byte for byte.
            assert_eq!(
                wsdl_for(service, TEMPLATE_BASE, service.template_path()),
                service.wsdl()
            );
        }
        // At every path, the WSDL names the address it was fetched from.
        for (path, service) in ROUTES {
            let served = wsdl_for(service, "https://hub.example:9443", path);
            assert!(served.contains(&format!("location=\"https://hub.example:9443{path}\"")));
            assert!(!served.contains(TEMPLATE_BASE));
        }
    }
}
