//! The REST API as an OpenAPI 3.1 document (docs/api.md), built from the code
//! the door runs so that the two cannot drift apart: one operation per
//! `ApiMethod`, the field names of the filters and of a payment request read
//! back from `fields.rs` itself (a lookup that records what the parser asks
//! for), the limits from `CreationRules`, the `MM-Error` codes from
//! `ErrorCode::ALL`, and the examples from 004's seed bodies
//! (`tests/seed_examples/`, repaired). Served at `GET /openapi.json`, and
//! rendered for people at `GET /api/` (`page.rs`).

mod examples;
pub(crate) mod page;

use crate::fields::{self, Lookup, RequestParts};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maksa_app::api_method::ApiMethod;
use maksa_app::error::{AppError, ErrorCode};
use maksa_domain::request::{CreationRules, PriceListItemInput};
use maksa_domain::status::Status;
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::sync::OnceLock;

/// Codes the wire answers with that `ErrorCode::ALL` does not list yet: the
/// rate limit's and the idempotency keys' (issue 17, added beside this).
/// Listed once in the document whatever `ErrorCode::ALL` holds.
const CODES_BEING_ADDED: [&str; 2] = ["RATE_LIMITED", "IDEMPOTENCY_KEY_REUSED"];

/// The methods that take an `Idempotency-Key`.
const IDEMPOTENT: [ApiMethod; 3] = [
    ApiMethod::SavePaymentRequest,
    ApiMethod::CreateInvoice,
    ApiMethod::CancelPaymentRequest,
];

/// Where the document downloads are served: 004's short path, and the
/// original's two longer addresses (lib.rs routes each).
pub(crate) const DOCUMENT_PREFIXES: [&str; 3] = [
    "",
    "/v1.0/RESTX509",
    "/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509",
];

/// The document, built once.
pub(crate) fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| build(&CreationRules::default()))
}

/// `GET /openapi.json`: no authentication; the same for every caller until
/// the binary changes.
pub(crate) async fn openapi_json() -> Response {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(|| document().to_string());
    let mut response = text.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The names a reader of `fields.rs` asks its lookup for, in order.
fn names_read(read: impl FnOnce(&Lookup<'_>)) -> Vec<String> {
    let seen = RefCell::new(Vec::<String>::new());
    {
        let record = |name: &str| -> Result<Option<String>, AppError> {
            let mut seen = seen.borrow_mut();
            if !seen.iter().any(|n| n == name) {
                seen.push(name.to_owned());
            }
            Ok(None)
        };
        read(&record);
    }
    seen.into_inner()
}

/// Sets a member of a JSON object (nothing for any other value).
fn set(object: &mut Value, name: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(name.to_owned(), value);
    }
}

/// A reference to a component.
fn component(kind: &str, name: &str) -> Value {
    json!({ "$ref": format!("#/components/{kind}/{name}") })
}

fn schema_ref(name: &str) -> Value {
    component("schemas", name)
}

/// What a text member of a request means, by its name (the names come from
/// the parser; a name this does not know is documented as plain text).
fn describe(name: &str) -> &'static str {
    match name {
        "ServiceStep" => "The catalogue's service step the request is for (e.g. `03G10`).",
        "ParentPaymentRequestID" => "A linked, earlier payment request.",
        "PaymentObject" => {
            "The payment purpose, used only if the step lets the caller change it; the hub \
             prefixes a 34-character payment identifier and a space."
        }
        "ResponseUrl" => "Where the payer's browser returns: this URL + the request id.",
        "ServerResponseUrl" => {
            "Notified with `GET` this URL + the request id when the request reaches a final \
             status; absent: no notification."
        }
        "ReturnRedirectUrl" => "Where the payer is sent after the last payment (a countdown).",
        "SwiftCode" => "The provider preselected on the payment page.",
        "ClientName" => "The payer's surname, or a company's name.",
        "ClientFirstName" => "The payer's first name.",
        "ClientCode" => {
            "A personal code (11 digits, `DDMMYY-NNNNN` allowed) or a registration number."
        }
        "ClientEMail" => "The payer's e-mail address.",
        "ClientPhone" => "The payer's phone number.",
        "ClientAddress" => "The payer's address.",
        "CreatedDateFrom" | "PaymentDateFrom" | "ExpirationDateFrom" => {
            "From this time on (inclusive)."
        }
        "CreatedDateTill" | "PaymentDateTill" | "ExpirationDateTill" => {
            "Until this time; a bare date includes that whole day (Riga time)."
        }
        "AmountFrom" => "At least this amount.",
        "AmountTill" => "At most this amount.",
        "Currency" => "Only this currency (ISO 4217, e.g. `EUR`).",
        _ => "",
    }
}

/// ISO 8601 as the originals send it: a date-time with a zone (a one-digit
/// hour offset too), or a bare date, which is a calendar day in Riga.
fn date_schema(description: &str) -> Value {
    json!({
        "type": ["string", "null"],
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{1,2}(:?[0-9]{2})?)?)?$",
        "examples": ["2030-09-30T14:00:00+3:00", "2030-09-30"],
        "description": format!("{description} ISO 8601: a date-time with a zone (`+3:00` is accepted), or a bare date (a calendar day in Riga); only the years 2000–2200."),
    })
}

/// An amount: a decimal number, or the same as a string; never more than
/// two decimals (money is exact).
fn amount_schema(description: &str) -> Value {
    json!({
        "type": ["string", "number", "null"],
        "pattern": "^[0-9]{1,13}([.][0-9]{1,2})?$",
        "minimum": 0,
        "examples": ["7.99", 12.5],
        "description": format!("{description} A decimal number or a decimal string, at most two decimals."),
    })
}

/// The schema of a text member named `name`, from its name's kind.
fn text_field(name: &str, rules: &CreationRules) -> Value {
    let description = describe(name);
    let lower = name.to_ascii_lowercase();
    if lower.contains("date") {
        return date_schema(description);
    }
    if lower.starts_with("amount") {
        return amount_schema(description);
    }
    let mut schema = json!({ "type": ["string", "null"], "description": description });
    let limit = if lower.ends_with("url") {
        set(&mut schema, "format", json!("uri"));
        set(
            &mut schema,
            "description",
            json!(format!("{description} An http(s) URL.")),
        );
        rules.url_max_length
    } else if name == "PaymentObject" {
        // The hub prefixes the 34-character identifier and a space.
        rules.purpose_max_length.saturating_sub(35)
    } else {
        rules.field_max_length
    };
    set(&mut schema, "maxLength", json!(limit));
    match name {
        "Currency" => set(&mut schema, "pattern", json!("^[A-Za-z]{3}$")),
        "ClientEMail" => set(&mut schema, "format", json!("email")),
        _ => {}
    }
    schema
}

/// An object of text members, all optional.
fn text_object(names: &[String], rules: &CreationRules) -> Map<String, Value> {
    names
        .iter()
        .map(|name| (name.clone(), text_field(name, rules)))
        .collect()
}

/// Every member of a body may also carry `MM_Cert`; all share this.
fn body_schema(mut properties: Map<String, Value>, required: &[&str], description: &str) -> Value {
    properties.insert("MM_Cert".into(), schema_ref("MmCert"));
    json!({
        "type": "object",
        "description": format!("{description} Member names match in any letter case; members the method does not read are ignored."),
        "properties": properties,
        "required": required,
    })
}

fn id_property() -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert("PaymentRequestId".into(), schema_ref("PaymentRequestId"));
    properties
}

/// The request body of `method`.
fn request_schema(method: ApiMethod, rules: &CreationRules) -> Value {
    match method {
        ApiMethod::SavePaymentRequest => {
            let mut properties = Map::new();
            properties.insert(
                "PaymentsDataStructure".into(),
                json!({
                    "type": "object",
                    "properties": { "PaymentRequest": schema_ref("PaymentRequest") },
                    "required": ["PaymentRequest"],
                }),
            );
            body_schema(
                properties,
                &["PaymentsDataStructure"],
                "A new payment request (`PaymentRequest` may also stand at the top level).",
            )
        }
        ApiMethod::CheckPaymentRequestStatus
        | ApiMethod::CheckPaymentRequestStatusWpt
        | ApiMethod::CancelPaymentRequest
        | ApiMethod::GetNotifications => {
            body_schema(id_property(), &["PaymentRequestId"], "One payment request.")
        }
        ApiMethod::CheckPaymentStatus => {
            let mut properties = id_property();
            properties.insert("Position".into(), schema_ref("Position"));
            body_schema(
                properties,
                &["PaymentRequestId", "Position"],
                "The payment of one request that carries a price-list position.",
            )
        }
        ApiMethod::GetPaymentRequests => {
            let names = names_read(|field| {
                let _ = fields::request_filter(field, false);
            });
            let mut properties = text_object(&names, rules);
            properties.insert(
                "OnlyNotPayed".into(),
                json!({
                    "type": ["boolean", "string", "null"],
                    "enum": [true, false, "true", "false", "", null],
                    "description": "Only requests not paid yet (`true`/`false`, also as strings).",
                }),
            );
            body_schema(properties, &[], "Filters, all optional.")
        }
        ApiMethod::GetPayments => {
            let names = names_read(|field| {
                let _ = fields::payment_filter(field);
            });
            body_schema(text_object(&names, rules), &[], "Filters, all optional.")
        }
        ApiMethod::CreateInvoice => {
            let mut properties = Map::new();
            properties.insert("Id".into(), schema_ref("PaymentRequestId"));
            for (name, what) in [
                ("Name", "The invoice's recipient; absent: the payer."),
                (
                    "Code",
                    "The recipient's personal code or registration number.",
                ),
                ("Address", "The recipient's address."),
            ] {
                properties.insert(
                    name.into(),
                    json!({ "type": ["string", "null"], "maxLength": rules.field_max_length, "description": what }),
                );
            }
            body_schema(
                properties,
                &["Id"],
                "Issues an invoice document for a request.",
            )
        }
    }
}

/// The `PaymentRequest` of `savepaymentrequest`: the text members as
/// `fields::payment_request` reads them, and the parts the door reads itself.
fn payment_request_schema(rules: &CreationRules) -> Value {
    let names = names_read(|field| {
        // Every part is named here, so a new part fails to compile until
        // this document says what it is.
        let _ = fields::payment_request(
            field,
            RequestParts {
                price_list: Vec::new(),
                allowed_banks: Vec::new(),
                client_info: None,
                expiry_date: None,
                invoice_issue_date: None,
                no_invoice: false,
            },
        );
    });
    let mut properties = text_object(&names, rules);
    properties.insert(
        "PriceList".into(),
        json!({
            "type": "array",
            "items": schema_ref("PriceListItem"),
            "minItems": 1,
            "maxItems": rules.max_positions,
            "description": "The positions to pay for.",
        }),
    );
    properties.insert(
        "AllowedBanks".into(),
        json!({
            "type": ["array", "null"],
            "items": { "oneOf": [
                { "type": "object", "properties": { "SwiftCode": { "type": "string", "maxLength": rules.field_max_length } } },
                { "type": "string", "maxLength": rules.field_max_length },
            ] },
            "maxItems": rules.max_positions,
            "description": "The providers the payer may choose (`{\"SwiftCode\": …}` or the bare code); absent: every provider of the client's contract except cards.",
        }),
    );
    properties.insert(
        "ClientInfo".into(),
        json!({
            "oneOf": [{ "$ref": "#/components/schemas/ClientInfo" }, { "type": "null" }],
            "description": "The payer.",
        }),
    );
    properties.insert(
        "ExpiryDate".into(),
        date_schema("Payable until then; absent: 30 days."),
    );
    properties.insert(
        "InvoiceIssueDate".into(),
        date_schema("The invoice's date."),
    );
    properties.insert(
        "NoInvoice".into(),
        json!({
            "type": ["boolean", "string", "null"],
            "enum": [true, false, "true", "false", "", null],
            "description": "No invoice is offered to the payer.",
        }),
    );
    json!({
        "type": "object",
        "properties": properties,
        "required": ["ServiceStep", "PriceList"],
    })
}

/// One position of a price list.
fn price_list_item_schema(rules: &CreationRules) -> Value {
    // Named field by field, so a new member fails to compile until this
    // document says what it is.
    let PriceListItemInput {
        position: _,
        item: _,
        item_element_name: _,
    } = PriceListItemInput::default();
    json!({
        "type": "object",
        "properties": {
            "Position": schema_ref("Position"),
            "Item": {
                "type": ["number", "string"],
                "pattern": "^[0-9]{1,13}([.][0-9]{1,6})?$",
                "minimum": 0,
                "description": "A quantity (× the position's unit price) or, with `ItemElementName` `Amount`, the amount.",
            },
            "ItemElementName": {
                "type": ["string", "null"],
                "enum": ["Quantity", "Amount", null],
                "description": "What `Item` is; absent: `Quantity`.",
            },
        },
        "required": ["Position", "Item"],
        "description": format!("At most {} positions.", rules.max_positions),
    })
}

/// The status letters, with their meaning.
fn status_schema() -> Value {
    let all = [
        Status::InProcess,
        Status::Executed,
        Status::Expired,
        Status::Other,
        Status::Cancelled,
    ];
    let letters: Vec<String> = all.iter().map(|s| s.letter().to_string()).collect();
    json!({
        "type": "string",
        "enum": letters,
        "description": "P in process, E paid, R expired unpaid, O expired or cancelled after some payments, C cancelled.",
    })
}

fn nullable(schema: Value) -> Value {
    json!({ "oneOf": [schema, { "type": "null" }] })
}

fn calendar_date() -> Value {
    json!({ "type": "string", "format": "date", "description": "A calendar day in Riga." })
}

fn money() -> Value {
    json!({ "type": "number", "minimum": 0, "description": "Exact, two decimals." })
}

fn closed_object(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// What `method` answers with 200, as `rest.rs` writes it.
fn success(method: ApiMethod) -> Value {
    let text = json!({ "type": "string" });
    let text_or_null = json!({ "type": ["string", "null"] });
    let json_body = |schema: Value, description: &str| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    match method {
        ApiMethod::SavePaymentRequest => json_body(
            closed_object(json!({
                "PaymentRequestId": schema_ref("PaymentRequestId"),
                "paymentRequestUrl": { "type": "string", "format": "uri", "description": "The payer's page (a lower-case p, as 004 prints it)." },
            })),
            "Created; the request is stored.",
        ),
        ApiMethod::CheckPaymentRequestStatus => json!({
            "description": "The status letter.",
            "content": { "text/plain": { "schema": schema_ref("Status") } },
        }),
        ApiMethod::GetPaymentRequests => json_body(
            json!({ "type": "array", "items": closed_object(json!({
                "PaymentRequestUniqueId": schema_ref("PaymentRequestId"),
                "Number": text,
                "StartDate": nullable(calendar_date()),
                "ExpirationDate": nullable(calendar_date()),
                "PaymentDate": nullable(calendar_date()),
                "ServiceProviderName": text,
                "ServiceName": text,
                "TotalAmount": money(),
                "Currency": text,
                "UsageStatus": text,
                "Status": schema_ref("Status"),
            })) }),
            "The caller's requests that match.",
        ),
        ApiMethod::GetPayments => json_body(
            json!({ "type": "array", "items": closed_object(json!({
                "PaymentRequestUniqueId": schema_ref("PaymentRequestId"),
                "PaymentDate": nullable(calendar_date()),
                "ExternalId": text_or_null,
                "ServiceName": text,
                "PayeeAccountNumber": text,
                "BankInfo": text,
                "Amount": money(),
                "Currency": text,
                "StatusCode": schema_ref("Status"),
                "SettlementDate": nullable(calendar_date()),
                "SettlementReference": text_or_null,
            })) }),
            "The caller's payments that match.",
        ),
        ApiMethod::CheckPaymentStatus => json_body(
            closed_object(json!({
                "RequestStatus": schema_ref("Status"),
                "PaymentProvider": text_or_null,
            })),
            "The status of the payment that carries the position, and its provider.",
        ),
        ApiMethod::CheckPaymentRequestStatusWpt => json_body(
            closed_object(json!({
                "RequestStatus": schema_ref("Status"),
                "PaymentProviders": { "type": "string", "description": "The providers that took payments, `;`-joined." },
            })),
            "The status and the providers that took payments.",
        ),
        ApiMethod::CreateInvoice => json_body(
            closed_object(
                json!({ "id": { "type": "integer", "description": "The stored invoice document's id." } }),
            ),
            "Issued; download it from `/Invoices/Pdf/{id}` with the request id.",
        ),
        ApiMethod::CancelPaymentRequest => json!({
            "description": "Cancelled (also when it already was). No body.",
        }),
        ApiMethod::GetNotifications => json_body(
            closed_object(
                json!({ "Notifications": { "type": "array", "items": closed_object(json!({
                "EventId": text,
                "Kind": { "type": "string", "enum": ["GET", "IVIS"] },
                "Url": text,
                "Status": schema_ref("Status"),
                "State": text,
                "Attempts": { "type": "array", "items": closed_object(json!({
                    "At": { "type": ["string", "null"], "format": "date-time" },
                    "HttpStatus": { "type": ["integer", "null"] },
                    "LatencyMs": { "type": "integer" },
                    "Error": text_or_null,
                })) },
                "NextAttemptAt": { "type": ["string", "null"], "format": "date-time" },
            })) } }),
            ),
            "The delivery log of the request's notifications.",
        ),
    }
}

/// What each method is, in a line.
fn summary(method: ApiMethod) -> &'static str {
    match method {
        ApiMethod::SavePaymentRequest => "Create a payment request",
        ApiMethod::CheckPaymentRequestStatus => "A request's status letter",
        ApiMethod::GetPaymentRequests => "List the caller's payment requests",
        ApiMethod::GetPayments => "List the caller's payments",
        ApiMethod::CheckPaymentStatus => "The status of the payment carrying a position",
        ApiMethod::CheckPaymentRequestStatusWpt => "A request's status and its providers",
        ApiMethod::CreateInvoice => "Issue an invoice document",
        ApiMethod::CancelPaymentRequest => "Cancel a payment request",
        ApiMethod::GetNotifications => "A request's notification deliveries (ours)",
    }
}

/// Whether `method` names one request (and so may answer 404).
fn names_a_request(method: ApiMethod) -> bool {
    !matches!(
        method,
        ApiMethod::GetPaymentRequests | ApiMethod::GetPayments
    )
}

/// The error answers every operation shares, plus 404 where an id is named.
fn error_responses(responses: &mut Map<String, Value>, not_found: bool) {
    responses.insert("401".into(), component("responses", "Unauthenticated"));
    if not_found {
        responses.insert("404".into(), component("responses", "NotFound"));
    }
    responses.insert("429".into(), component("responses", "RateLimited"));
    responses.insert("500".into(), component("responses", "ProcessingError"));
    responses.insert("503".into(), component("responses", "Unavailable"));
}

fn method_operation(method: ApiMethod, operation_id: &str, rules: &CreationRules) -> Value {
    let mut responses = Map::new();
    let mut ok = success(method);
    let idempotent = IDEMPOTENT.contains(&method);
    if idempotent {
        set(
            &mut ok,
            "headers",
            json!({ "Idempotent-Replayed": component("headers", "Idempotent-Replayed") }),
        );
    }
    responses.insert("200".into(), ok);
    responses.insert("413".into(), component("responses", "TooLarge"));
    error_responses(&mut responses, names_a_request(method));
    let media = json!({ "schema": request_schema(method, rules) });
    let mut operation = json!({
        "operationId": operation_id,
        "summary": summary(method),
        "tags": ["payment requests"],
        "requestBody": { "required": true, "content": { "application/json": media } },
        "responses": responses,
    });
    if idempotent {
        set(
            &mut operation,
            "parameters",
            json!([component("parameters", "Idempotency-Key")]),
        );
    }
    operation
}

fn document_operation(format: &str, prefix: &str) -> Value {
    let (content_type, what) = match format {
        "Pdf" => ("application/pdf", "PDF"),
        _ => ("text/xml", "XML (docs/schemas/justification-document.xsd)"),
    };
    let suffix = match prefix {
        "" => "",
        "/v1.0/RESTX509" => "_restx509",
        _ => "_original",
    };
    let mut content = Map::new();
    content.insert(
        content_type.to_owned(),
        json!({ "schema": { "type": "string", "contentMediaType": content_type } }),
    );
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({
            "description": format!("The latest justification document of the request as {what}."),
            "content": content,
        }),
    );
    error_responses(&mut responses, true);
    json!({
        "operationId": format!("invoice_{}{suffix}", format.to_ascii_lowercase()),
        "summary": format!("Download a request's document as {what}"),
        "tags": ["documents"],
        "parameters": [
            { "name": "id", "in": "path", "required": true, "schema": schema_ref("PaymentRequestId"), "description": "The payment request id." },
            { "name": "language", "in": "query", "required": false,
              "schema": { "type": "string", "enum": ["LAT", "ENG", "LV", "EN"] },
              "description": "The document's language: `LAT` (default) or `ENG`, any case." },
        ],
        "responses": responses,
    })
}

/// Every `MM-Error` code, once.
fn error_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    for code in CODES_BEING_ADDED {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {
            "MM-Error": component("headers", "MM-Error"),
            "MM-ErrorMessage": component("headers", "MM-ErrorMessage"),
        },
        "content": { "application/json": { "schema": schema_ref("Error") } },
    })
}

fn components(rules: &CreationRules) -> Value {
    let mut rate_limited = error_response(
        "Too many calls of this method by this client (`RATE_LIMITED`); try again after `Retry-After` seconds.",
    );
    if let Some(headers) = rate_limited.get_mut("headers") {
        set(headers, "Retry-After", component("headers", "Retry-After"));
    }
    let mut unavailable = error_response(
        "The database is unreachable (`UNAVAILABLE`), its disk is full (`STORAGE_FULL`) or this node's storage failed and it refuses writes until restarted (`STORAGE_FAILED`); nothing was changed. Retry after `Retry-After` seconds.",
    );
    if let Some(headers) = unavailable.get_mut("headers") {
        set(headers, "Retry-After", component("headers", "Retry-After"));
    }
    json!({
        "securitySchemes": {
            "mutualTLS": {
                "type": "mutualTLS",
                "description": "The client's TLS certificate, registered with the hub, names the caller. A body's `MM_Cert` may only repeat it. (Over plain HTTP, `MM_Cert` alone, if the operator enabled the legacy mode.)",
            },
        },
        "headers": {
            "MM-Error": {
                "required": true,
                "description": "The error's code (docs/errors.md): what a client branches on.",
                "schema": { "type": "string", "enum": error_codes() },
            },
            "MM-ErrorMessage": {
                "description": "The explanation, URL-encoded UTF-8, at most 2,048 bytes.",
                "schema": { "type": "string", "maxLength": 2048 },
            },
            "Retry-After": {
                "required": true,
                "description": "Seconds until the method may be called again.",
                "schema": { "type": "integer", "minimum": 0 },
            },
            "Idempotent-Replayed": {
                "description": "`true` when this is the stored answer to an earlier call with the same `Idempotency-Key` and body.",
                "schema": { "type": "string", "enum": ["true"] },
            },
        },
        "parameters": {
            "Idempotency-Key": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes a retry safe: the same key with the same body answers the first answer again for 24 hours, without doing the work twice; the same key with another body is refused with `IDEMPOTENCY_KEY_REUSED`.",
                "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]{1,255}$" },
            },
        },
        "responses": {
            "ProcessingError": error_response(
                "An error in processing (004's `HTTP 500 – kļūda pieprasījuma apstrādē`): reading the request, a payment request rule, a missing right, a state that does not allow it; `MM-Error` says which. Only `INTERNAL` is a defect of the hub. (A client with the `precise` wire profile gets 400, 403, 409 instead.)",
            ),
            "NotFound": error_response("No such request, position or document for this client (`NOT_FOUND`)."),
            "Unauthenticated": error_response("No usable client certificate (`TLS_REQUIRED`, `CERT_*`)."),
            "TooLarge": error_response("The body is larger than the hub's limit (`BODY_TOO_LARGE`)."),
            "RateLimited": rate_limited,
            "Unavailable": unavailable,
        },
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": { "type": "string", "enum": error_codes() },
                    "message": { "type": "string", "maxLength": 1000 },
                    "details": { "type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "field": { "type": "string" },
                            "code": { "type": "string", "enum": error_codes() },
                            "message": { "type": "string" },
                        },
                        "required": ["field", "code", "message"],
                    } },
                },
                "required": ["error", "message", "details"],
                "additionalProperties": false,
            },
            "MmCert": {
                "type": ["string", "null"],
                "description": "The client certificate, base64 (DER X.509, PEM or PKCS#12). Over HTTPS optional: if present it must be the connection's certificate.",
            },
            "PaymentRequestId": {
                "type": "string",
                "format": "uuid",
                "description": "A payment request's id (a GUID).",
            },
            "Position": {
                "type": ["string", "integer"],
                "pattern": "^[0-9A-Za-z_-]{1,40}$",
                "description": "A price-list position's code (a string or a number).",
            },
            "Status": status_schema(),
            "PaymentRequest": payment_request_schema(rules),
            "PriceListItem": price_list_item_schema(rules),
            "ClientInfo": {
                "type": "object",
                "properties": text_object(&names_read(|field| { let _ = fields::client_info(field); }), rules),
            },
        },
    })
}

/// Every member name the document's schemas know.
fn property_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                for name in properties.keys() {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
            for member in map.values() {
                property_names(member, names);
            }
        }
        Value::Array(items) => {
            for item in items {
                property_names(item, names);
            }
        }
        _ => {}
    }
}

/// The JSON pointer of a path's operation's request body.
fn request_media_pointer(path: &str, verb: &str) -> String {
    format!(
        "/paths/{}/{verb}/requestBody/content/application~1json",
        path.replace('~', "~0").replace('/', "~1")
    )
}

/// The API methods' paths: one per method, and 004's second address of
/// `checkpaymentrequeststatuswpt` (rest.rs serves both).
pub(crate) fn method_paths() -> Vec<(ApiMethod, String, String)> {
    let mut paths: Vec<(ApiMethod, String, String)> = ApiMethod::ALL
        .into_iter()
        .map(|method| {
            (
                method,
                format!("/api/v1/payments/{}", method.as_str()),
                method.as_str().to_owned(),
            )
        })
        .collect();
    let wpt = ApiMethod::CheckPaymentRequestStatusWpt;
    paths.push((
        wpt,
        format!("/api/v1/paymentrequest/{}", wpt.as_str()),
        format!("paymentrequest_{}", wpt.as_str()),
    ));
    paths
}

/// The whole document for a hub with `rules`.
pub(crate) fn build(rules: &CreationRules) -> Value {
    let mut paths = Map::new();
    for (method, path, operation_id) in method_paths() {
        paths.insert(
            path,
            json!({ "post": method_operation(method, &operation_id, rules) }),
        );
    }
    for prefix in DOCUMENT_PREFIXES {
        for format in ["Pdf", "Xml"] {
            paths.insert(
                format!("{prefix}/Invoices/{format}/{{id}}"),
                json!({ "get": document_operation(format, prefix) }),
            );
        }
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "maksa REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "The payment hub's REST/JSON API (VRAA 004 §2.1, §2.4–2.5) and its additions.",
            "description": "Every method is a `POST` of a JSON object; member names match in any letter case. The caller is the TLS client certificate. An error answers with `MM-Error` (a code from docs/errors.md), `MM-ErrorMessage` (URL-encoded) and a JSON body repeating both. The status codes here are those of the default `original` wire profile, as 004 documents them: 500 for every processing error, 404 for an unknown id; a client set to `precise` gets 400, 403, 409 instead of those 500s.",
            "license": { "name": "EUPL-1.2", "identifier": "EUPL-1.2" },
        },
        "security": [{ "mutualTLS": [] }],
        "tags": [
            { "name": "payment requests", "description": "004 §2.1: create, ask, list, cancel." },
            { "name": "documents", "description": "004 §2.4–2.5: the justification documents." },
        ],
        "paths": paths,
        "components": components(rules),
    });
    let mut names = Vec::new();
    property_names(&document, &mut names);
    for (method, path, _) in method_paths() {
        if let (Some(examples), Some(media)) = (
            examples::of(method, &names),
            document.pointer_mut(&request_media_pointer(&path, "post")),
        ) {
            set(media, "examples", examples);
        }
    }
    document
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn names_come_from_the_parser() {
        let document = build(&CreationRules::default());
        let filters = &document["paths"]["/api/v1/payments/getpaymentrequests"]["post"]["requestBody"]
            ["content"]["application/json"]["schema"]["properties"];
        for name in [
            "CreatedDateFrom",
            "ExpirationDateTill",
            "AmountFrom",
            "Currency",
            "OnlyNotPayed",
            "MM_Cert",
        ] {
            assert!(filters.get(name).is_some(), "{name}: {filters}");
        }
        let request = &document["components"]["schemas"]["PaymentRequest"]["properties"];
        for name in [
            "ServiceStep",
            "PaymentObject",
            "ReturnRedirectUrl",
            "PriceList",
            "AllowedBanks",
            "NoInvoice",
        ] {
            assert!(request.get(name).is_some(), "{name}");
        }
        assert_eq!(request["PaymentObject"]["maxLength"], 105);
        let client = &document["components"]["schemas"]["ClientInfo"]["properties"];
        assert!(client.get("ClientEMail").is_some(), "{client}");
    }

    #[test]
    fn one_path_per_method_and_the_documents_at_three_addresses() {
        let document = build(&CreationRules::default());
        let paths = document["paths"].as_object().unwrap();
        assert_eq!(paths.len(), ApiMethod::ALL.len() + 1 + 6);
        for method in ApiMethod::ALL {
            assert!(paths.contains_key(&format!("/api/v1/payments/{}", method.as_str())));
        }
        assert!(
            paths.contains_key("/services/VRAA.VISS2.MM.Endpoint/v1.0/RESTX509/Invoices/Xml/{id}")
        );
        let codes = error_codes();
        assert!(codes.contains(&"INTERNAL") && codes.contains(&"RATE_LIMITED"));
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }
}
