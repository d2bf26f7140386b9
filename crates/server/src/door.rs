//! Answers given before (or instead of) a door's own handler — a body declared
//! too large, a handler that panicked — in the shape of the door the path
//! belongs to: the REST door's JSON with `MM-Error`, the SOAP door's fault, or an HTML
//! page for the payer's pages.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maksa_app::error::AppError;

use crate::wire_error::status_of;
use maksa_app::error::ErrorCode;
use maksa_domain::catalog::WireProfile;

/// The door a path belongs to, as far as the shape of an error answer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Door {
    /// JSON answers with `MM-Error` (the REST API, document downloads, probes).
    Api,
    /// SOAP 1.1 faults (`*.svc`).
    Soap,
    /// The IVIS door's SOAP 1.2 answers; its messages may be up to 4 MB.
    Ivis,
    /// HTML pages: the payer's pages, the providers' returns, mounted sites.
    Page,
}

impl Door {
    pub(crate) fn of(path: &str) -> Door {
        let path = path.to_ascii_lowercase();
        if path == crate::ivis::door::PATH.to_ascii_lowercase() {
            Door::Ivis
        } else if path.ends_with(".svc") {
            Door::Soap
        } else if path.starts_with("/api/") || path.contains("/invoices/") {
            Door::Api
        } else if path.contains("/payments")
            || path.starts_with("/providers/")
            || path.starts_with("/demo-bank")
        {
            Door::Page
        } else {
            Door::Api
        }
    }

    /// `error` answered the way this door answers errors.
    pub(crate) fn error(self, error: AppError) -> Response {
        match self {
            // These answers (413, 500) are the same in every wire profile, and
            // the caller is not known yet.
            Door::Api => crate::wire_error::response(&error, WireProfile::default()),
            Door::Soap => crate::soap::fault(&error),
            Door::Ivis => crate::ivis::door::error_response(&error),
            Door::Page => error_page(&error),
        }
    }

    /// The largest body this door takes: the node's limit, or the IVIS
    /// guideline's 4 MB for the IVIS door (which checks it itself, code 19).
    fn body_limit(self, node_limit: usize) -> usize {
        match self {
            Door::Ivis => crate::ivis::read::MAX_MESSAGE_BYTES,
            Door::Api | Door::Soap | Door::Page => node_limit,
        }
    }
}

/// A plain page in both languages of the payer's pages; it says what happened
/// in general terms only (the code is for the operator's log and headers).
fn error_page(error: &AppError) -> Response {
    let status = status_of(error);
    let (lv, en) = if status.is_server_error() {
        (
            "Radās kļūda. Lūdzu, mēģiniet vēlreiz pēc brīža.",
            "Something went wrong. Please try again in a moment.",
        )
    } else if status == StatusCode::PAYLOAD_TOO_LARGE {
        ("Pieprasījums ir pārāk liels.", "The request is too large.")
    } else {
        (
            "Šo darbību nevar izpildīt.",
            "This action cannot be carried out.",
        )
    };
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"lv\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{lv}</title></head><body><main><h1>{lv}</h1>\
         <p lang=\"en\">{en}</p></main></body></html>\n"
    );
    let mut response = (status, body).into_response();
    crate::pages::secure_headers(&mut response, "default-src 'none'");
    if let Ok(code) = HeaderValue::from_str(error.code().as_str()) {
        response.headers_mut().insert("mm-error", code);
    }
    response
}

/// Refuses a request whose declared `Content-Length` exceeds the body limit
/// before a byte of the body is read: a client that declares 10 MB and sends
/// nothing gets its answer at once instead of waiting for the body timeout.
/// (Bodies without a declared length are cut off while read, by each door.)
pub(crate) async fn refuse_declared_oversize(
    State(limit): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let door = Door::of(request.uri().path());
    // The console's statement upload takes files larger than an API call.
    let limit = if request.uri().path() == crate::operator::STATEMENTS_PATH {
        crate::operator::MAX_STATEMENT_BYTES
    } else {
        door.body_limit(limit)
    };
    let limit_bytes = u64::try_from(limit).unwrap_or(u64::MAX);
    match declared {
        Some(length) if length > limit_bytes => door.error(AppError::BadInput {
            code: ErrorCode::BodyTooLarge,
            message: format!("the body is larger than {limit} bytes"),
        }),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_their_doors() {
        for (path, door) in [
            ("/api/v1/payments/savepaymentrequest", Door::Api),
            ("/api/v1/paymentrequest/createinvoice", Door::Api),
            ("/Invoices/Pdf/abc", Door::Api),
            ("/v1.0/RESTX509/Invoices/Xml/abc", Door::Api),
            ("/health", Door::Api),
            ("/v1.0/WCFX509/PaymentRequestService.svc", Door::Soap),
            ("/MMSOAP/MMService.SVC", Door::Soap),
            ("/IVIS/RequestWebService.svc", Door::Ivis),
            ("/ivis/requestwebservice.SVC", Door::Ivis),
            ("/Payments/", Door::Page),
            ("/Payments/pay", Door::Page),
            ("/MM/WebUI2/Payments/", Door::Page),
            ("/providers/DEMO0000/notify", Door::Page),
            ("/demo-bank/pay", Door::Page),
        ] {
            assert_eq!(Door::of(path), door, "{path}");
        }
    }
}
