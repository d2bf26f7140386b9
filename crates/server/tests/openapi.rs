//! The OpenAPI document (docs/api.md) as the running server serves it: valid
//! OpenAPI 3.1, every schema in it a valid JSON Schema, every `$ref`
//! resolved; the router's API paths and the document's the same set both
//! ways; each of 004's seed bodies an example that validates against its
//! request schema; the errors the server answers valid against the error
//! schema; and the reference page at `/api/` rendered from it.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;
use maksa_app::api_method::ApiMethod;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::Backend;
use support::console::start;

/// A validator for the schema at `pointer` inside `document`, so its `$ref`s
/// into `#/components/schemas` resolve.
fn validator(document: &Value, pointer: &str) -> jsonschema::Validator {
    let mut root = document.clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["$ref"] = json!(format!("#{pointer}"));
    jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("{pointer}: {e}"))
}

fn escape(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

/// Every `$ref` in `value`.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// The operations: (path, verb, operation).
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (verb, operation) in item.as_object().unwrap() {
            all.push((path.clone(), verb.clone(), operation.clone()));
        }
    }
    all
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_matches_the_router() {
    let hub = start(Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/openapi.json", hub.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let text = response.text().await.unwrap();

    // Structurally OpenAPI 3.1: the oas3 model reads it whole.
    let spec = oas3::from_json(&text).unwrap();
    assert!(spec.openapi.starts_with("3.1."), "{}", spec.openapi);
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["mutualTLS"]["type"],
        "mutualTLS"
    );
    let mut refs = Vec::new();
    references(&document, &mut refs);
    assert!(!refs.is_empty());
    for reference in &refs {
        let pointer = reference.strip_prefix('#').unwrap();
        assert!(document.pointer(pointer).is_some(), "{reference} resolves");
    }
    // Every request and answer schema compiles as JSON Schema 2020-12, and
    // every example validates against its request schema.
    let mut seeds = 0;
    for (path, verb, operation) in operations(&document) {
        let base = format!("/paths/{}/{verb}", escape(&path));
        if operation.get("requestBody").is_some() {
            let pointer = format!("{base}/requestBody/content/application~1json/schema");
            let body = validator(&document, &pointer);
            let examples = operation["requestBody"]["content"]["application/json"]["examples"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (name, example) in examples {
                let errors: Vec<String> = body
                    .iter_errors(&example["value"])
                    .map(|e| e.to_string())
                    .collect();
                assert!(errors.is_empty(), "{path} example {name}: {errors:?}");
                if name == "004" {
                    seeds += 1;
                }
            }
        }
        for (status, answer) in operation["responses"].as_object().unwrap() {
            let answer = match answer.get("$ref").and_then(Value::as_str) {
                Some(r) => document.pointer(r.strip_prefix('#').unwrap()).unwrap(),
                None => answer,
            };
            for media in answer
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|c| c.keys())
            {
                let _ = status;
                if media == "application/json" {
                    // Compiles (the pointer may go through a component).
                    let schema = &answer["content"][media]["schema"];
                    let mut root = document.clone();
                    root["$ref"] = json!("#/x-probe");
                    root["x-probe"] = schema.clone();
                    jsonschema::validator_for(&root).unwrap();
                }
            }
        }
    }
    // The 004 examples of the wpt method appear under both its paths.
    let seed_files = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seed_examples"),
    )
    .unwrap()
    .filter(|e| {
        e.as_ref()
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "json")
    })
    .count();
    assert_eq!(seeds, seed_files + 1, "every seed body is an example");

    // The router and the document: every method name under both API
    // prefixes is served exactly when the document lists it.
    let documented = |path: &str| document["paths"].get(path).is_some();
    let error = validator(&document, "/components/schemas/Error");
    for prefix in ["/api/v1/payments/", "/api/v1/paymentrequest/"] {
        for name in ApiMethod::ALL
            .iter()
            .map(|m| m.as_str())
            .chain(["nosuchmethod", "invoices"])
        {
            let path = format!("{prefix}{name}");
            let response = http
                .post(format!("{}{path}", hub.base))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let code = response
                .headers()
                .get("mm-error")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = response.json().await.unwrap();
            assert!(error.is_valid(&body), "{path}: {body}");
            let served = status != StatusCode::NOT_FOUND;
            assert_eq!(served, documented(&path), "{path}: {status} {code:?}");
            // Over plain HTTP without the legacy mode: no certificate.
            if served {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
            }
        }
    }
    // Every documented download path is routed (answered by the door, with
    // MM-Error), and one that is not documented is not.
    let id = "a2a4b66a-a0b7-4b1d-bcc3-3d5a8d30b2b1";
    for (path, verb, _) in operations(&document) {
        if verb != "get" {
            continue;
        }
        let response = http
            .get(format!("{}{}", hub.base, path.replace("{id}", id)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(response.headers().contains_key("mm-error"), "{path}");
        assert!(error.is_valid(&response.json::<Value>().await.unwrap()));
    }
    let response = http
        .get(format!("{}/v2.0/RESTX509/Invoices/Pdf/{id}", hub.base))
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key("mm-error"));
    // Every POST under /api/v1 in the document is one of the methods.
    for (path, verb, operation) in operations(&document) {
        if path.starts_with("/api/v1/") {
            assert_eq!(verb, "post", "{path}");
            let name = path.rsplit('/').next().unwrap();
            assert!(ApiMethod::parse(name).is_some(), "{path}");
            assert!(operation["responses"].get("500").is_some(), "{path}");
        }
    }
}

#[tokio::test]
async fn the_reference_page_is_rendered_from_the_document() {
    let hub = start(Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let document: Value = http
        .get(format!("{}/openapi.json", hub.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = http.get(format!("{}/api/", hub.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = response.text().await.unwrap();
    assert!(!page.contains("<script"), "no script");
    assert!(page.contains("data-state=\"api-reference\""));
    for (path, _, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap();
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(page.contains(&path), "{path}");
    }
    for member in [
        "PaymentsDataStructure.PaymentRequest.PriceList[].ItemElementName",
        "Idempotency-Key",
        "Retry-After",
        "IDEMPOTENCY_KEY_REUSED",
        "RATE_LIMITED",
        "Paraudziņš",
    ] {
        assert!(page.contains(member), "{member}");
    }
}
