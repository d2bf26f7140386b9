//! The one place where application errors become HTTP answers: a status code,
//! `MM-Error` (a code from docs/errors.md), `MM-ErrorMessage` (URL-encoded text,
//! as the originals do) and a JSON body repeating both for humans.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::error::AppError;
use serde_json::json;

pub struct WireError(pub AppError);

impl From<AppError> for WireError {
    fn from(error: AppError) -> Self {
        WireError(error)
    }
}

pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::BadInput {
            code: "BODY_TOO_LARGE",
            ..
        } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Invalid(_) | AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
        AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for WireError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status = status_of(&error);
        if status.is_server_error() {
            tracing::error!(code = error.code(), error = %error, "request failed on our side");
        }
        let details: Vec<_> = match &error {
            AppError::Invalid(errors) => errors
                .all()
                .iter()
                .map(|e| json!({ "field": e.field, "code": e.code.as_str(), "message": e.message }))
                .collect(),
            _ => Vec::new(),
        };
        let message = error.to_string();
        let body = json!({ "error": error.code(), "message": message, "details": details });
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if let Ok(code) = HeaderValue::from_str(error.code()) {
            headers.insert(HeaderName::from_static("mm-error"), code);
        }
        if let Ok(text) = HeaderValue::from_str(&url_encode(&message)) {
            headers.insert(HeaderName::from_static("mm-errormessage"), text);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters; spaces as %20.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_latvian_text() {
        assert_eq!(url_encode("ā b"), "%C4%81%20b");
        assert_eq!(url_encode("a-Z_0.~"), "a-Z_0.~");
    }
}
