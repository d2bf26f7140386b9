//! The payer's page at `PaymentRequestUrl`. For now a plain summary of the
//! request; the full payment flow replaces it.

use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_app::error::AppError;
use maksa_domain::request::PaymentRequest;
use std::collections::HashMap;
use std::fmt::Write;

pub async fn payment_page(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let english = query
        .get("language")
        .is_some_and(|l| l.eq_ignore_ascii_case("ENG"));
    let id = query.get("id").map(String::as_str).unwrap_or_default();
    match state.requests.for_payer(id).await {
        Ok(request) => html(StatusCode::OK, &summary(&request, english)),
        Err(AppError::NotFound { .. } | AppError::BadInput { .. }) => {
            let text = if english {
                "Payment request not found."
            } else {
                "Maksāšanas pieprasījums nav atrasts."
            };
            html(
                StatusCode::NOT_FOUND,
                &page(
                    text,
                    &format!("<p data-state=\"not-found\">{text}</p>"),
                    english,
                ),
            )
        }
        Err(error) => {
            tracing::error!(%error, "payment page failed");
            let text = if english {
                "The service is temporarily unavailable."
            } else {
                "Pakalpojums īslaicīgi nav pieejams."
            };
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                &page(text, &format!("<p>{text}</p>"), english),
            )
        }
    }
}

fn html(status: StatusCode, body: &str) -> Response {
    let mut response = (status, body.to_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn page(title: &str, content: &str, english: bool) -> String {
    let lang = if english { "en" } else { "lv" };
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title></head><body><main>{content}</main></body></html>",
        escape(title)
    )
}

fn summary(request: &PaymentRequest, english: bool) -> String {
    let t = |lv: &'static str, en: &'static str| if english { en } else { lv };
    let terms = &request.terms;
    let mut content = String::new();
    let _ = write!(
        content,
        "<h1>{}</h1><p data-state=\"status-{}\">{}: {} · {}: {}</p><p>{}: {}</p><p>{}: {}</p>",
        t("Maksāšanas pieprasījums", "Payment request"),
        request.status.letter(),
        t("Numurs", "Number"),
        escape(request.number.as_str()),
        t("Statuss", "Status"),
        request.status.letter(),
        t("Pakalpojuma sniedzējs", "Service provider"),
        escape(&terms.service_provider_name),
        t("Pakalpojums", "Service"),
        escape(&terms.service_name),
    );
    let _ = write!(
        content,
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t("Pozīcija", "Position"),
        t("Daudzums", "Quantity"),
        t("Cena", "Unit price"),
        t("Summa", "Amount"),
    );
    for payment in &request.payments {
        for line in &payment.lines {
            let quantity = line.quantity.map(|q| q.to_string()).unwrap_or_default();
            let _ = write!(
                content,
                "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                escape(&line.position),
                escape(&line.name),
                quantity,
                line.unit_price,
                line.amount,
                payment.currency,
            );
        }
    }
    let _ = write!(
        content,
        "</tbody></table><p data-state=\"total\">{}: {} {}</p>",
        t("Kopā", "Total"),
        terms.total,
        terms.currency
    );
    page(
        t("Maksāšanas pieprasījums", "Payment request"),
        &content,
        english,
    )
}
