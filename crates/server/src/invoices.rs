//! Justification document downloads (004 §2.4, §2.5): `GET /Invoices/Pdf/{id}`
//! and `GET /Invoices/Xml/{id}`, also under `/v1.0/RESTX509/` and the
//! original's full prefix `/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509/`.
//! The caller is the TLS client certificate; `{id}` is the payment request id;
//! a client only ever sees its own documents. Errors follow the caller's wire
//! profile, as the REST methods' do.

use crate::AppState;
use crate::tls::connection_credentials;
use crate::wire_error;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::documents::{DocumentFormat, DocumentLanguage};
use maksa_app::error::{AppError, ErrorCode};
use maksa_domain::catalog::WireProfile;
use maksa_domain::text::echo;
use std::collections::HashMap;

/// The query string: `language` = `LAT` (default) or `ENG`, as on the payment page.
type DocumentQuery = HashMap<String, String>;

pub async fn pdf(
    state: State<AppState>,
    id: Path<String>,
    query: Query<DocumentQuery>,
    request: Request<Body>,
) -> Response {
    download(state, id, query, request, DocumentFormat::Pdf).await
}

pub async fn xml(
    state: State<AppState>,
    id: Path<String>,
    query: Query<DocumentQuery>,
    request: Request<Body>,
) -> Response {
    download(state, id, query, request, DocumentFormat::Xml).await
}

async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<DocumentQuery>,
    request: Request<Body>,
    format: DocumentFormat,
) -> Response {
    // Only the extensions (the TLS peer) are needed; holding the body across
    // an await would make this future unsendable.
    let (parts, _body) = request.into_parts();
    // The caller first, so that every later error is answered in its profile.
    let mut profile = WireProfile::default();
    let answer = async {
        // No body on a GET: the connection's certificate is the only credential.
        let caller = state
            .auth
            .authenticate(&connection_credentials(&parts.extensions))
            .await?;
        profile = state.requests.wire_profile(&caller);
        let language = match query.get("language").map(|l| l.to_ascii_uppercase()) {
            None => DocumentLanguage::Latvian,
            Some(code) if code == "LAT" || code == "LV" => DocumentLanguage::Latvian,
            Some(code) if code == "ENG" || code == "EN" => DocumentLanguage::English,
            Some(other) => {
                return Err(AppError::BadInput {
                    code: ErrorCode::InvalidField,
                    message: format!("language: `{}` is not LAT or ENG", echo(&other)),
                });
            }
        };
        state.documents.latest(&caller, &id, format, language).await
    }
    .await;
    match answer {
        Err(error) => wire_error::response(&error, profile),
        Ok(file) => file_response(file),
    }
}

/// A document as downloaded (the clients' door and the payer's workspace):
/// its type, its file name, never cached, never sniffed.
pub(crate) fn file_response(file: maksa_app::documents::DocumentFile) -> Response {
    let mut response = (StatusCode::OK, file.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    // The number is `MK-` and A-Z0-9 and dashes: safe in a header.
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("inline; filename=\"{}\"", file.file_name))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
