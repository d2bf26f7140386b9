//! Justification document downloads (004 §2.4, §2.5): `GET /Invoices/Pdf/{id}`
//! and `GET /Invoices/Xml/{id}`, also under the original's prefix
//! `/v1.0/RESTX509/`. The caller is the TLS client certificate; `{id}` is the
//! payment request id; a client only ever sees its own documents.

use crate::AppState;
use crate::tls::credentials;
use crate::wire_error::WireError;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::documents::{DocumentFormat, DocumentLanguage};
use serde_json::Map;
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
    let answer = async {
        let language = match query.get("language").map(|l| l.to_ascii_uppercase()) {
            None => DocumentLanguage::Latvian,
            Some(code) if code == "LAT" || code == "LV" => DocumentLanguage::Latvian,
            Some(code) if code == "ENG" || code == "EN" => DocumentLanguage::English,
            Some(other) => {
                return Err(WireError(maksa_app::error::AppError::BadInput {
                    code: "INVALID_FIELD",
                    message: format!(
                        "language: `{}` is not LAT or ENG",
                        other.chars().take(20).collect::<String>()
                    ),
                }));
            }
        };
        // No body on a GET: the connection's certificate is the only credential.
        let credentials = credentials(&parts.extensions, &Map::new()).await?;
        let caller = state.auth.authenticate(&credentials).await?;
        let file = state
            .documents
            .latest(&caller, &id, format, language)
            .await?;
        Ok::<_, WireError>(file)
    }
    .await;
    match answer {
        Err(error) => error.into_response(),
        Ok(file) => {
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
    }
}
