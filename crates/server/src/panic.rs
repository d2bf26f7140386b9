//! A panic in any handler becomes an answer, never a dropped connection: 500
//! with `MM-Error: INTERNAL` in the shape of the path's door (JSON, a SOAP
//! `s:Server` fault, an HTML page), with nothing of the panic in it. The panic
//! is logged once, inside the request's span, so the line carries the request
//! id the caller sees in `X-Request-Id`.
//!
//! tower-http's catch-panic layer catches it (it sees only the panic, not the
//! request), and marks its bare answer; the layer outside it knows the path
//! and turns the marked answer into the door's error.

use std::any::Any;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use maksa_app::error::AppError;
use tower_http::catch_panic::CatchPanicLayer;

use crate::door::Door;

/// Logged characters of a panic's message: enough to find the defect; a
/// message quoting a hostile input cannot flood the log.
const LOGGED_MESSAGE_CHARS: usize = 200;

/// Marks the answer the catch-panic layer made.
#[derive(Debug, Clone, Copy)]
struct Panicked;

/// Wraps `router` so that a panic in any of its handlers is answered.
/// Put the layer that opens the request's span (with its id) outside it.
pub(crate) fn catch_panics(router: Router) -> Router {
    router
        .layer(CatchPanicLayer::custom(caught))
        .layer(axum::middleware::from_fn(answer_as_door))
}

fn caught(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)");
    let bounded: String = message.chars().take(LOGGED_MESSAGE_CHARS).collect();
    tracing::error!(panic = %bounded, "a handler panicked; answering 500 INTERNAL");
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.extensions_mut().insert(Panicked);
    response
}

async fn answer_as_door(request: Request, next: Next) -> Response {
    let door = Door::of(request.uri().path());
    let response = next.run(request).await;
    if response.extensions().get::<Panicked>().is_some() {
        door.error(AppError::Internal(
            "an unexpected error; quote the X-Request-Id header when asking the operator".into(),
        ))
    } else {
        response
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    const SECRET: &str = "secret internals of the defect";

    fn panicking_router() -> Router {
        async fn boom() -> &'static str {
            panic!("{SECRET}")
        }
        catch_panics(
            Router::new()
                .route("/api/v1/payments/{method}", post(boom))
                .route("/v1.0/WCFX509/PaymentRequestService.svc", post(boom))
                .route("/Payments/", get(boom))
                .route("/health", get(|| async { "ok" })),
        )
    }

    async fn call(method: &str, path: &str) -> (StatusCode, Option<String>, String, String) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let response = panicking_router().oneshot(request).await.unwrap();
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let code = header("mm-error");
        let content_type = header("content-type").unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(!body.contains(SECRET), "{body}");
        (status, code, content_type, body)
    }

    #[tokio::test]
    async fn an_api_panic_is_a_500_internal_in_json() {
        let (status, code, content_type, body) =
            call("POST", "/api/v1/payments/savepaymentrequest").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(code.as_deref(), Some("INTERNAL"));
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"], "INTERNAL");
    }

    #[tokio::test]
    async fn a_soap_panic_is_a_server_fault() {
        let (_, code, content_type, body) =
            call("POST", "/v1.0/WCFX509/PaymentRequestService.svc").await;
        assert_eq!(code.as_deref(), Some("INTERNAL"));
        assert!(content_type.starts_with("text/xml"), "{content_type}");
        assert!(body.contains("<faultcode>s:Server</faultcode>"), "{body}");
    }

    #[tokio::test]
    async fn a_page_panic_is_an_html_page() {
        let (status, code, content_type, body) = call("GET", "/Payments/?id=x").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(code.as_deref(), Some("INTERNAL"));
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(body.contains("<html"), "{body}");
    }

    #[tokio::test]
    async fn answers_without_a_panic_pass_unchanged() {
        let (status, code, _, body) = call("GET", "/health").await;
        assert_eq!((status, code, body.as_str()), (StatusCode::OK, None, "ok"));
    }
}
