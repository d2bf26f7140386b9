//! `GET /api/`: the API reference for people, rendered on the server from the
//! same OpenAPI document `/openapi.json` serves — each operation, its fields,
//! its answers and errors, its examples. A developer's page: English only,
//! no script, the payer pages' strict CSP and stylesheet.

use super::document;
use crate::pages::html::{csp, secure_headers};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde_json::{Map, Value};

/// How deep nested members are listed (the document's own depth is 4).
const MAX_DEPTH: usize = 8;

/// One member of a request body, flattened (`PaymentsDataStructure.PaymentRequest.PriceList[].Item`).
struct Row {
    name: String,
    kind: String,
    required: bool,
    limits: String,
    description: String,
}

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap_or("")
}

/// A `$ref` of the document followed to what it names (once: the document
/// never refers to a reference).
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer))
            .unwrap_or(value),
        None => value,
    }
}

/// The variant of a `oneOf` with `null` that is not `null`.
fn not_null<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = resolve(doc, schema);
    match schema.get("oneOf").and_then(Value::as_array) {
        Some(variants) => variants
            .iter()
            .map(|v| resolve(doc, v))
            .find(|v| text(v, "type") != "null")
            .unwrap_or(schema),
        None => schema,
    }
}

fn kind_of(doc: &Value, schema: &Value) -> String {
    let schema = resolve(doc, schema);
    let mut kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => match schema.get("oneOf").and_then(Value::as_array) {
            Some(variants) => variants
                .iter()
                .map(|v| kind_of(doc, v))
                .collect::<Vec<_>>()
                .join(" or "),
            None => "any".into(),
        },
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        kind.push_str(&format!(" ({format})"));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(Value::to_string).collect();
        kind.push_str(&format!(": {}", values.join(", ")));
    }
    kind
}

fn limits_of(doc: &Value, schema: &Value) -> String {
    let schema = not_null(doc, schema);
    let mut limits = Vec::new();
    for (keyword, label) in [
        ("minLength", "at least"),
        ("maxLength", "at most"),
        ("minItems", "at least"),
        ("maxItems", "at most"),
        ("minimum", "≥"),
    ] {
        if let Some(n) = schema.get(keyword) {
            let unit = if keyword.ends_with("Length") {
                " characters"
            } else if keyword.ends_with("Items") {
                " items"
            } else {
                ""
            };
            limits.push(format!("{label} {n}{unit}"));
        }
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        limits.push(format!("matches {pattern}"));
    }
    limits.join("; ")
}

/// The members of an object schema, nested ones after their parent.
fn rows(doc: &Value, schema: &Value, prefix: &str, depth: usize, out: &mut Vec<Row>) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = not_null(doc, schema);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, member) in properties {
        let full = format!("{prefix}{name}");
        let resolved = not_null(doc, member);
        let description = match text(member, "description") {
            "" => text(resolved, "description"),
            own => own,
        };
        out.push(Row {
            name: full.clone(),
            kind: kind_of(doc, member),
            required: required.contains(&name.as_str()),
            limits: limits_of(doc, member),
            description: description.to_owned(),
        });
        rows(
            doc,
            resolved,
            &format!("{full}."),
            depth.saturating_add(1),
            out,
        );
        if let Some(items) = resolved.get("items") {
            rows(
                doc,
                items,
                &format!("{full}[]."),
                depth.saturating_add(1),
                out,
            );
        }
    }
}

fn fields_table(rows: &[Row]) -> Markup {
    html! {
        table {
            thead { tr {
                th scope="col" { "Member" }
                th scope="col" { "Type" }
                th scope="col" { "Required" }
                th scope="col" { "Limits" }
                th scope="col" { "Meaning" }
            } }
            tbody {
                @for row in rows {
                    tr {
                        th scope="row" { code { (row.name) } }
                        td { (row.kind) }
                        td { @if row.required { "yes" } @else { "no" } }
                        td { (row.limits) }
                        td { (row.description) }
                    }
                }
            }
        }
    }
}

fn responses_table(doc: &Value, responses: &Map<String, Value>) -> Markup {
    html! {
        table {
            thead { tr {
                th scope="col" { "Status" }
                th scope="col" { "Content" }
                th scope="col" { "Meaning" }
            } }
            tbody {
                @for (status, response) in responses {
                    @let response = resolve(doc, response);
                    tr {
                        th scope="row" { (status) }
                        td {
                            @if let Some(content) = response.get("content").and_then(Value::as_object) {
                                @for media in content.keys() { code { (media) } " " }
                            } @else { "none" }
                        }
                        td { (text(response, "description")) }
                    }
                }
            }
        }
    }
}

fn operation(doc: &Value, path: &str, verb: &str, op: &Value) -> Markup {
    let id = text(op, "operationId");
    let mut body_rows = Vec::new();
    let media = op.pointer("/requestBody/content/application~1json");
    if let Some(schema) = media.and_then(|m| m.get("schema")) {
        rows(doc, schema, "", 0, &mut body_rows);
    }
    let parameters: Vec<&Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|p| p.iter().map(|p| resolve(doc, p)).collect())
        .unwrap_or_default();
    let examples = media
        .and_then(|m| m.get("examples"))
        .and_then(Value::as_object);
    html! {
        section id=(id) aria-labelledby={ (id) "-title" } {
            h2 id={ (id) "-title" } { code { (verb.to_ascii_uppercase()) " " (path) } }
            p { (text(op, "summary")) }
            @if !parameters.is_empty() {
                h3 { "Parameters" }
                table {
                    thead { tr {
                        th scope="col" { "Name" }
                        th scope="col" { "In" }
                        th scope="col" { "Type" }
                        th scope="col" { "Limits" }
                        th scope="col" { "Meaning" }
                    } }
                    tbody {
                        @for p in &parameters {
                            tr {
                                th scope="row" { code { (text(p, "name")) } }
                                td { (text(p, "in")) }
                                td { @if let Some(s) = p.get("schema") { (kind_of(doc, s)) } }
                                td { @if let Some(s) = p.get("schema") { (limits_of(doc, s)) } }
                                td { (text(p, "description")) }
                            }
                        }
                    }
                }
            }
            @if !body_rows.is_empty() {
                h3 { "Body (JSON)" }
                (fields_table(&body_rows))
            }
            @if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                h3 { "Answers" }
                (responses_table(doc, responses))
            }
            @if let Some(examples) = examples {
                @for (name, example) in examples {
                    h3 { "Example: " (text(example, "summary")) }
                    @if !text(example, "description").is_empty() { p { (text(example, "description")) } }
                    pre data-example=(name) { code {
                        (example.get("value").and_then(|v| serde_json::to_string_pretty(v).ok()).unwrap_or_default())
                    } }
                }
            }
        }
    }
}

/// The page's whole body.
fn reference(doc: &Value) -> Markup {
    let info = doc.get("info").unwrap_or(&Value::Null);
    let codes: Vec<&str> = doc
        .pointer("/components/headers/MM-Error/schema/enum")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let operations: Vec<(&String, &String, &Value)> = doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(verb, op)| (path, verb, op))
        })
        .collect();
    html! {
        h1 { (text(info, "title")) " " (text(info, "version")) }
        p { (text(info, "summary")) }
        p { (text(info, "description")) }
        p {
            "The machine-readable contract is " a href="/openapi.json" { "/openapi.json" }
            " (OpenAPI 3.1); this page is rendered from it. It is in English only."
        }
        h2 { "Authentication" }
        p { (doc.pointer("/components/securitySchemes/mutualTLS/description").and_then(Value::as_str).unwrap_or("")) }
        h2 { "Errors" }
        @if let Some(responses) = doc.pointer("/components/responses").and_then(Value::as_object) {
            table {
                thead { tr {
                    th scope="col" { "Answer" }
                    th scope="col" { "Meaning" }
                } }
                tbody {
                    @for (name, response) in responses {
                        tr { th scope="row" { (name) } td { (text(response, "description")) } }
                    }
                }
            }
        }
        p { "Every error carries " code { "MM-Error" } ", one of: " }
        ul.codes { @for code in &codes { li { code { (code) } } } }
        h2 { "Operations" }
        nav aria-label="Operations" {
            ul { @for (path, verb, op) in &operations {
                li { a href={ "#" (text(op, "operationId")) } { code { (verb.to_ascii_uppercase()) " " (path) } } }
            } }
        }
        @for (path, verb, op) in &operations { (operation(doc, path, verb, op)) }
    }
}

/// `GET /api/`.
pub(crate) async fn api_reference() -> Response {
    let doc = document();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "maksa REST API reference" }
                link rel="stylesheet" href="/assets/maksa.css";
            }
            body.font-size-100 {
                main id="content" data-state="api-reference" { (reference(doc)) }
            }
        }
    };
    let mut response = (StatusCode::OK, page.into_string()).into_response();
    secure_headers(&mut response, &csp(""));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_members_are_listed_with_their_path() {
        let doc = document();
        let mut out = Vec::new();
        let schema = doc
            .pointer("/paths/~1api~1v1~1payments~1savepaymentrequest/post/requestBody/content/application~1json/schema")
            .unwrap_or(&Value::Null);
        rows(doc, schema, "", 0, &mut out);
        let names: Vec<&str> = out.iter().map(|r| r.name.as_str()).collect();
        for name in [
            "PaymentsDataStructure.PaymentRequest.ServiceStep",
            "PaymentsDataStructure.PaymentRequest.PriceList[].ItemElementName",
            "PaymentsDataStructure.PaymentRequest.ClientInfo.ClientCode",
        ] {
            assert!(names.contains(&name), "{name}: {names:?}");
        }
        let html = reference(doc).into_string();
        assert!(html.contains("IDEMPOTENCY_KEY_REUSED"));
        assert!(html.contains("id=\"invoice_pdf_original\""));
    }
}
