//! The one place where application errors become HTTP answers: a status code
//! (per the client's wire profile), `MM-Error` (a code from docs/errors.md),
//! `MM-ErrorMessage` (URL-encoded text, as the originals do) and a JSON body
//! repeating both for humans. Every message is bounded here, whatever built it.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::error::{AppError, ErrorCode};
use maksa_domain::catalog::WireProfile;
use maksa_domain::text::{bounded, bounded_message};
use serde_json::json;

/// The longest message an answer carries (body, SOAP fault), in characters —
/// the `maxLength` of `message` in the OpenAPI document. Echoed values are
/// already cut to 200 where messages are built; this also bounds a message
/// that lists many problems.
const MESSAGE_MAX_CHARS: usize = 1000;
/// How much of a longer message is kept: the cut mark after it (`… (cut: N
/// characters)`, at most 40 characters with a 20-digit N) must fit within
/// [`MESSAGE_MAX_CHARS`] too. (schemathesis's coverage phase found a message
/// listing a hundred refused banks that was 1,000 characters plus the mark.)
const MESSAGE_KEPT_CHARS: usize = 960;

/// The longest `MM-ErrorMessage` header value, in bytes after URL-encoding:
/// far below the 8 KB header lines proxies and clients accept.
const HEADER_MAX_BYTES: usize = 2048;

/// The HTTP status of an error for a caller with `profile` — the only mapping
/// of `AppError` to a status code, for the REST methods, the document
/// downloads and the payer's pages.
///
/// `Precise` gives each kind of error its own status. `Original` answers as 004
/// documents the original: `HTTP 500 – kļūda pieprasījuma apstrādē` for every
/// processing error (validation, business rule, state), `404` for an unknown
/// id. Where 004 is silent — authentication, an oversized body, our own
/// failures — both profiles answer the same.
pub(crate) fn http_status(error: &AppError, profile: WireProfile) -> StatusCode {
    let precise = match error {
        AppError::BadInput {
            code: ErrorCode::BodyTooLarge,
            ..
        } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Conflict {
            code: ErrorCode::IdempotencyKeyReused,
            ..
        } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Invalid(_) | AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
        AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Unavailable(_) | AppError::StorageFull(_) | AppError::StorageFailed(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    match profile {
        WireProfile::Precise => precise,
        WireProfile::Original => match precise {
            StatusCode::BAD_REQUEST
            | StatusCode::FORBIDDEN
            | StatusCode::CONFLICT
            | StatusCode::UNPROCESSABLE_ENTITY => StatusCode::INTERNAL_SERVER_ERROR,
            same => same,
        },
    }
}

/// `Retry-After` of a `503`, in seconds: when trying again may help. A lost
/// database or a full disk may come back within seconds; a node whose storage
/// failed refuses writes until its operator restarts it, so a caller should
/// rather wait long (or go to another node).
pub fn retry_after_seconds(error: &AppError) -> Option<u32> {
    match error {
        AppError::Unavailable(_) => Some(2),
        AppError::StorageFull(_) => Some(10),
        AppError::StorageFailed(_) => Some(60),
        _ => None,
    }
}

/// Adds `Retry-After` to an answer of `error` when it has one.
pub fn with_retry_after(mut response: Response, error: &AppError) -> Response {
    if let Some(seconds) = retry_after_seconds(error) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The status of the `precise` profile (the providers' endpoints, which have
/// no client and no original to imitate).
pub fn status_of(error: &AppError) -> StatusCode {
    http_status(error, WireProfile::Precise)
}

/// The error's message as answers carry it: each quoted value cut to 200
/// characters, the whole, with its cut mark, to at most `MESSAGE_MAX_CHARS`.
pub(crate) fn message_of(error: &AppError) -> String {
    bounded_message(&error.to_string(), MESSAGE_KEPT_CHARS)
}

/// The answer to a failed REST call or document download by a caller with
/// `profile`.
pub(crate) fn response(error: &AppError, profile: WireProfile) -> Response {
    let status = http_status(error, profile);
    let code = error.code().as_str();
    if error.is_unavailable() || matches!(error, AppError::Internal(_)) {
        tracing::error!(code, error = %message_of(error), "request failed on our side");
    }
    let details: Vec<_> = match error {
        AppError::Invalid(errors) => errors
            .all()
            .iter()
            .map(|e| {
                json!({
                    "field": bounded(&e.field, MESSAGE_MAX_CHARS),
                    "code": e.code.as_str(),
                    "message": bounded(&e.message, MESSAGE_MAX_CHARS),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let message = message_of(error);
    let header_text = url_encode_bounded(&message, HEADER_MAX_BYTES);
    let body = json!({ "error": code, "message": message, "details": details });
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("mm-error"),
        HeaderValue::from_static(code),
    );
    if let Ok(text) = HeaderValue::from_str(&header_text) {
        headers.insert(HeaderName::from_static("mm-errormessage"), text);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    with_retry_after(response, error)
}

/// Percent-encodes everything but RFC 3986's unreserved characters (spaces as
/// `%20`), cut on a character boundary so the result stays within `max_bytes`
/// (a cut is marked with an encoded `…`).
fn url_encode_bounded(text: &str, max_bytes: usize) -> String {
    const CUT: &str = "%E2%80%A6";
    let mut out = String::with_capacity(text.len().min(max_bytes));
    let mut buffer = [0u8; 4];
    for ch in text.chars() {
        let before = out.len();
        for byte in ch.encode_utf8(&mut buffer).bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        if out.len() > max_bytes.saturating_sub(CUT.len()) {
            out.truncate(before);
            out.push_str(CUT);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_message_listing_many_problems_stays_within_its_documented_length() {
        let errors = maksa_domain::error::ValidationErrors::from_list(
            (0..100)
                .map(|index| maksa_domain::error::FieldError {
                    code: maksa_domain::error::ValidationCode::UnknownBank,
                    field: format!("AllowedBanks[{index}].SwiftCode"),
                    message: "`` is not a SWIFT code".to_owned(),
                })
                .collect(),
        )
        .unwrap();
        let message = message_of(&AppError::Invalid(errors));
        let length = message.chars().count();
        assert!(length <= MESSAGE_MAX_CHARS, "{length}: {message}");
        assert!(length > MESSAGE_KEPT_CHARS, "cut, not emptied: {length}");
        assert!(maksa_domain::text::is_cut(&message), "{message}");
    }

    #[test]
    fn encodes_latvian_text() {
        assert_eq!(url_encode_bounded("ā b", usize::MAX), "%C4%81%20b");
        assert_eq!(url_encode_bounded("a-Z_0.~", usize::MAX), "a-Z_0.~");
    }

    #[test]
    fn a_long_header_is_cut_between_characters() {
        let encoded = url_encode_bounded(&"ā".repeat(1000), 100);
        assert!(encoded.len() <= 100, "{}", encoded.len());
        assert!(encoded.ends_with("%C4%81%E2%80%A6"), "{encoded}");
        assert_eq!(url_encode_bounded("short", 100), "short");
    }

    #[test]
    fn the_original_profile_answers_500_for_processing_errors() {
        let bad = AppError::BadInput {
            code: ErrorCode::InvalidId,
            message: String::new(),
        };
        let conflict = AppError::Conflict {
            code: ErrorCode::InvalidStatusTransition,
            message: String::new(),
        };
        let too_large = AppError::BadInput {
            code: ErrorCode::BodyTooLarge,
            message: String::new(),
        };
        let unknown = AppError::not_found_request();
        let refused = AppError::Unauthenticated {
            code: ErrorCode::CertUnknown,
            message: String::new(),
        };
        let original = WireProfile::Original;
        let precise = WireProfile::Precise;
        assert_eq!(http_status(&bad, original), 500);
        assert_eq!(http_status(&conflict, original), 500);
        assert_eq!(http_status(&bad, precise), 400);
        assert_eq!(http_status(&conflict, precise), 409);
        for profile in [original, precise] {
            assert_eq!(http_status(&too_large, profile), 413);
            assert_eq!(http_status(&unknown, profile), 404);
            assert_eq!(http_status(&refused, profile), 401);
        }
    }

    #[test]
    fn storage_failures_are_503_with_their_own_code_and_a_retry_hint() {
        for (error, code, retry) in [
            (AppError::Unavailable("down".into()), "UNAVAILABLE", "2"),
            (AppError::StorageFull("full".into()), "STORAGE_FULL", "10"),
            (
                AppError::StorageFailed("fsync".into()),
                "STORAGE_FAILED",
                "60",
            ),
        ] {
            for profile in [WireProfile::Original, WireProfile::Precise] {
                let answer = response(&error, profile);
                assert_eq!(answer.status(), 503, "{code}");
                assert_eq!(answer.headers()["mm-error"], code);
                assert_eq!(answer.headers()["retry-after"], retry, "{code}");
            }
        }
        let other = response(&AppError::Internal("bug".into()), WireProfile::Precise);
        assert!(other.headers().get("retry-after").is_none());
    }
}
