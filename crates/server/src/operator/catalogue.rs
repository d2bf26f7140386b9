//! `/admin/catalogue` (docs/console-catalogue.md): the catalogue as tables —
//! payment providers, service providers, services, steps, positions with the
//! price in force today and the changes to come, payees and contracts — and
//! the administrator's changes: a price change from a day on, a contract's
//! terms, the whole catalogue edited as TOML. Every change is a new
//! catalogue version made by `maksa_app::admin::Admin::import_catalog`, the
//! same code as `maksa catalog import`; this module only translates.

use super::catalogue_forms::{Kind, form_path, payees};
use super::frame::{self, Signed};
use crate::AppState;
use crate::labels::catalogue as label;
use crate::labels::{Text, console as console_label};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::admin::{ContractEdit, ImportError};
use maksa_app::catalog_file::{CatalogFileError, parse_day, to_toml};
use maksa_app::error::AppError;
use maksa_app::operators::Role;
use maksa_domain::catalog::{Catalog, Position, WireProfile};
use maksa_domain::ids::ClientId;
use maksa_domain::money::Amount;
use maksa_domain::text::bounded;
use maud::{Markup, html};
use std::collections::HashMap;
use time::Date;

/// The largest catalogue form: the whole catalogue as TOML, URL-encoded.
pub const CATALOGUE_FORM_LIMIT: usize = 1024 * 1024;
/// The most services, providers or origins one contract form names.
pub const MAX_CONTRACT_ITEMS: usize = 100;
/// The most characters of one error message shown.
const MESSAGE_MAX_CHARS: usize = 300;
/// The most catalogue errors listed beside the text.
const MAX_ERRORS_SHOWN: usize = 50;

/// The page for a service's failure: not found, refused, or unavailable.
pub(super) fn app_error(signed: &Signed<'_>, error: &AppError) -> Response {
    let message = bounded(&error.to_string(), MESSAGE_MAX_CHARS).into_owned();
    match error {
        AppError::NotFound { .. } => frame::notice(
            StatusCode::NOT_FOUND,
            signed,
            "not-found",
            &console_label::NOT_FOUND_TITLE,
            &message,
        ),
        AppError::Invalid(_) | AppError::BadInput { .. } => {
            refused(signed, StatusCode::BAD_REQUEST, &message)
        }
        AppError::Conflict { .. } | AppError::Forbidden { .. } => {
            refused(signed, StatusCode::CONFLICT, &message)
        }
        _ => {
            tracing::error!(%error, "a console page failed");
            frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                signed,
                "unavailable",
                &console_label::UNAVAILABLE_TITLE,
                signed.t(&console_label::UNAVAILABLE),
            )
        }
    }
}

/// A refusal on the catalogue page: nothing was changed, and why.
pub(super) fn refused(signed: &Signed<'_>, status: StatusCode, message: &str) -> Response {
    refused_back(
        signed,
        status,
        message,
        ("/admin/catalogue", &label::BACK_TO_CATALOGUE),
    )
}

/// A refusal: nothing was changed, why, and the way back.
pub(super) fn refused_back(
    signed: &Signed<'_>,
    status: StatusCode,
    message: &str,
    (back, back_text): (&str, &Text),
) -> Response {
    let title = signed.t(&label::REFUSED_TITLE);
    frame::render(
        status,
        title,
        "refused",
        signed,
        html! {
            h1 { (title) }
            p.notice role="alert" data-refusal="" { (message) " " (signed.t(&label::REFUSED_NOTHING_CHANGED)) }
            p { a href=(back) { (signed.t(back_text)) } }
        },
    )
}

fn import_refused(signed: &Signed<'_>, error: &ImportError) -> Response {
    match error {
        ImportError::Invalid(errors) => {
            let messages: Vec<String> = errors
                .0
                .iter()
                .take(MAX_ERRORS_SHOWN)
                .map(|e| bounded(&e.message, MESSAGE_MAX_CHARS).into_owned())
                .collect();
            refused(
                signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                &messages.join("; "),
            )
        }
        ImportError::Refused(message) => refused(
            signed,
            StatusCode::CONFLICT,
            &bounded(message, MESSAGE_MAX_CHARS),
        ),
        ImportError::App(error) => app_error(signed, error),
    }
}

/// After a new version: the hub's requests use it at once, then the page.
pub(super) async fn changed(state: &AppState, notice: &str) -> Response {
    if let Err(error) = state.requests.reload_catalog().await {
        // The periodic reload picks it up; the version is stored.
        tracing::warn!(%error, "the new catalogue version could not be loaded at once");
    }
    Redirect::to(&format!("/admin/catalogue?notice={notice}")).into_response()
}

fn notice_text(notice: &str) -> Option<&'static Text> {
    Some(match notice {
        "scheduled" => &label::NOTICE_SCHEDULED,
        "contract" => &label::NOTICE_CONTRACT,
        "imported" => &label::NOTICE_IMPORTED,
        "entry" => &label::NOTICE_ENTRY,
        _ => return None,
    })
}

fn yes_no(signed: &Signed<'_>, value: bool) -> &'static str {
    signed.t(if value { &label::YES } else { &label::NO })
}

/// How a form names a position: `step/code`.
pub(super) fn position_key(position: &Position) -> String {
    format!("{}/{}", position.step, position.code)
}

/// A table in a focusable scrolling region named by its heading; for the
/// administrator, the link to add an entry of `kind` beneath the heading.
fn table_section(
    id: &str,
    heading: &str,
    head: &[&str],
    rows: Markup,
    add: Option<(Kind, &str)>,
) -> Markup {
    let heading_id = format!("{id}-heading");
    html! {
        h2 id=(heading_id) { (heading) }
        @if let Some((kind, text)) = add {
            p { a href=(form_path(kind, None)) data-action={ "add-" (kind.as_str()) } { (text) } }
        }
        div.scroll role="region" aria-labelledby=(heading_id) tabindex="0" {
            table data-table=(id) {
                thead { tr { @for h in head { th scope="col" { (h) } } } }
                tbody { (rows) }
            }
        }
    }
}

/// The link to an entry's form, in its row (the administrator's).
fn change_cell(signed: &Signed<'_>, administrator: bool, kind: Kind, key: &str) -> Markup {
    html! {
        @if administrator {
            td { a href=(form_path(kind, Some(key))) data-edit=(kind.as_str()) data-key=(key) {
                (signed.t(&label::CHANGE)) " " (key)
            } }
        }
    }
}

fn tables(signed: &Signed<'_>, catalog: &Catalog, today: Date, administrator: bool) -> Markup {
    let t = |text: &Text| signed.t(text);
    let payees = payees(catalog);
    // The administrator's tables have a column of links to the forms.
    let head = |columns: &[&'static Text]| -> Vec<&'static str> {
        let mut head: Vec<&'static str> = columns.iter().map(|c| t(c)).collect();
        if administrator {
            head.push(t(&label::COL_ACTIONS));
        }
        head
    };
    let add = |kind: Kind, text: &'static Text| administrator.then_some((kind, t(text)));
    html! {
        (table_section("providers", t(&label::PROVIDERS),
            &[t(&label::COL_CODE), t(&label::COL_NAME), t(&label::COL_KIND), t(&label::COL_PURPOSE_LIMIT), t(&label::COL_REPORTED_CODE)],
            html! { @for p in &catalog.providers {
                tr { th scope="row" { (p.code) } td { (p.name) } td { (p.kind.as_str()) }
                     td.num { (p.purpose_max_length) }
                     td { (p.reported_code.as_ref().map_or("—", |c| c.as_str())) } }
            } }, None))
        (table_section("service-providers", t(&label::SERVICE_PROVIDERS),
            &head(&[&label::COL_CODE, &label::COL_NAME, &label::COL_REGISTRATION, &label::COL_ADDRESS]),
            html! { @for s in &catalog.service_providers {
                tr data-service-provider=(s.code) { th scope="row" { (s.code) } td { (s.name) } td { (s.registration_number) }
                     td { (s.address.as_deref().unwrap_or("—")) }
                     (change_cell(signed, administrator, Kind::ServiceProvider, &s.code)) }
            } }, add(Kind::ServiceProvider, &label::ADD_SERVICE_PROVIDER)))
        (table_section("services", t(&label::SERVICES),
            &head(&[&label::COL_CODE, &label::COL_NAME, &label::COL_SERVICE_PROVIDER]),
            html! { @for s in &catalog.services {
                tr data-service=(s.code) { th scope="row" { (s.code) } td { (s.name) } td { (s.service_provider) }
                     (change_cell(signed, administrator, Kind::Service, &s.code)) }
            } }, add(Kind::Service, &label::ADD_SERVICE)))
        (table_section("steps", t(&label::STEPS),
            &head(&[&label::COL_CODE, &label::COL_SERVICE, &label::COL_NAME, &label::COL_PURPOSE, &label::COL_PURPOSE_CHANGEABLE]),
            html! { @for s in &catalog.steps {
                tr data-step=(s.code) { th scope="row" { (s.code) } td { (s.service) } td { (s.name) }
                     td { (s.payment_purpose) } td { (yes_no(signed, s.purpose_changeable)) }
                     (change_cell(signed, administrator, Kind::Step, &s.code)) }
            } }, add(Kind::Step, &label::ADD_STEP)))
        (table_section("positions", t(&label::POSITIONS),
            &head(&[&label::COL_STEP, &label::COL_CODE, &label::COL_NAME, &label::COL_PRICE_TODAY,
              &label::COL_SCHEDULED, &label::COL_AMOUNT_ALLOWED, &label::COL_PAYEE]),
            html! { @for p in &catalog.positions {
                tr data-position=(position_key(p)) {
                    td { (p.step) } th scope="row" { (p.code) } td { (p.name) }
                    td.num data-price-today=(p.price_on(today)) { (p.price_on(today)) " " (p.currency) }
                    td data-scheduled="" {
                        @let upcoming: Vec<_> = p.changes_after(today).collect();
                        @if upcoming.is_empty() { (t(&label::NONE)) } @else {
                            ul { @for change in upcoming {
                                li data-from=(change.from) {
                                    (t(&label::FROM_DAY)) " " time datetime=(change.from) { (change.from) }
                                    ": " (change.unit_price) " " (p.currency)
                                }
                            } }
                        }
                    }
                    td { (yes_no(signed, p.amount_allowed)) } td { (p.payee.name) }
                    (change_cell(signed, administrator, Kind::Position, &position_key(p)))
                }
            } }, add(Kind::Position, &label::ADD_POSITION)))
        (table_section("payees", t(&label::PAYEES),
            &head(&[&label::COL_NAME, &label::COL_REGISTRATION, &label::COL_IBAN, &label::COL_BIC]),
            html! { @for p in &payees {
                tr data-payee=(p.iban) { th scope="row" { (p.name) } td { (p.registration_number) } td { (p.iban) } td { (p.bic) }
                     (change_cell(signed, administrator, Kind::Payee, p.iban.as_str())) }
            } }, None))
        (table_section("contracts", t(&label::CONTRACTS),
            &[t(&label::COL_CLIENT), t(&label::COL_SERVICES), t(&label::COL_PROVIDERS), t(&label::COL_ORIGINS),
              t(&label::COL_STRICT_CODE), t(&label::COL_NOTIFY_CANCELLED), t(&label::COL_DIRECT_TO_BANK), t(&label::COL_WIRE_PROFILE)],
            html! { @for c in &catalog.contracts {
                tr data-contract=(c.client) {
                    th scope="row" { (c.client) } td { (c.services.join(", ")) }
                    td { (c.providers.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                    td { (c.origins.join(" ")) }
                    td { (yes_no(signed, c.strict_client_code)) } td { (yes_no(signed, c.notify_cancelled)) }
                    td { (yes_no(signed, c.direct_to_bank)) } td { (c.wire_profile.as_str()) }
                }
            } }, None))
    }
}

fn schedule_form(signed: &Signed<'_>, catalog: &Catalog, today: Date) -> Markup {
    let t = |text: &Text| signed.t(text);
    let tomorrow = today.next_day().unwrap_or(today);
    html! {
        h2 id="schedule-heading" { (t(&label::SCHEDULE_TITLE)) }
        p id="schedule-hint" { (t(&label::SCHEDULE_HINT)) }
        form method="post" action="/admin/catalogue/prices" data-form="schedule-price" aria-describedby="schedule-hint" {
            (signed.csrf())
            p {
                label for="position" { (t(&label::FIELD_POSITION)) } br;
                select id="position" name="position" required {
                    @for p in &catalog.positions {
                        option value=(position_key(p)) { (p.step) " / " (p.code) " — " (p.name) " (" (p.price_on(today)) " " (p.currency) ")" }
                    }
                }
            }
            p {
                label for="from" { (t(&label::FIELD_FROM)) } br;
                input id="from" name="from" type="date" required min=(today) value=(tomorrow);
            }
            p {
                label for="unit_price" { (t(&label::FIELD_UNIT_PRICE)) } br;
                input id="unit_price" name="unit_price" type="text" inputmode="decimal" required maxlength="20" autocomplete="off";
            }
            p { button type="submit" data-action="schedule-price" { (t(&label::SCHEDULE_SUBMIT)) } }
        }
    }
}

fn contract_forms(signed: &Signed<'_>, catalog: &Catalog) -> Markup {
    let t = |text: &Text| signed.t(text);
    html! {
        @for (i, c) in catalog.contracts.iter().enumerate() {
            details data-edit-contract=(c.client) {
                summary { (t(&label::EDIT_CONTRACT)) " " (c.client) }
                form method="post" action={ "/admin/catalogue/contracts/" (c.client) } {
                    (signed.csrf())
                    @let id = |name: &str| format!("contract-{i}-{name}");
                    p {
                        label for=(id("services")) { (t(&label::FIELD_SERVICES)) } br;
                        input id=(id("services")) name="services" type="text" value=(c.services.join(", "));
                    }
                    p {
                        label for=(id("providers")) { (t(&label::FIELD_PROVIDERS)) } br;
                        input id=(id("providers")) name="providers" type="text"
                            value=(c.providers.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "));
                    }
                    p {
                        label for=(id("origins")) { (t(&label::FIELD_ORIGINS)) } br;
                        textarea id=(id("origins")) name="origins" rows="3" { (c.origins.join("\n")) }
                    }
                    p {
                        input id=(id("notify")) name="notify_cancelled" type="checkbox" value="yes" checked[c.notify_cancelled];
                        " " label for=(id("notify")) { (t(&label::COL_NOTIFY_CANCELLED)) }
                    }
                    p {
                        label for=(id("wire")) { (t(&label::COL_WIRE_PROFILE)) } br;
                        select id=(id("wire")) name="wire_profile" {
                            @for profile in [WireProfile::Original, WireProfile::Precise] {
                                option value=(profile.as_str()) selected[profile == c.wire_profile] { (profile.as_str()) }
                            }
                        }
                    }
                    p { button type="submit" data-action="save-contract" { (t(&label::SAVE_CONTRACT)) } }
                }
            }
        }
    }
}

/// `GET /admin/catalogue` (viewer).
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let catalog = match state.admin.catalog().await {
        Ok(catalog) => catalog,
        Err(error) => return app_error(&signed, &error),
    };
    let today = state.admin.today();
    let administrator = signed.may(Role::Administrator);
    let notice = query.get("notice").and_then(|n| notice_text(n));
    let title = signed.t(&label::CATALOGUE_TITLE);
    let body = html! {
        h1 { (title) }
        @if let Some(text) = notice {
            p.notice role="status" data-notice="saved" { (signed.t(text)) }
        }
        p { (signed.t(&label::CATALOGUE_INTRO)) }
        p {
            a href="/admin/catalogue.toml" data-action="export" { (signed.t(&label::EXPORT_TOML)) }
            @if administrator {
                " · " a href="/admin/catalogue/edit" data-action="edit-toml" { (signed.t(&label::EDIT_AS_TOML)) }
            }
        }
        @match &catalog {
            None => { p data-empty="" { (signed.t(&label::NO_CATALOGUE)) } }
            Some(catalog) => {
                (tables(&signed, catalog, today, administrator))
                @if administrator {
                    (schedule_form(&signed, catalog, today))
                    h2 { (signed.t(&label::CONTRACTS)) }
                    (contract_forms(&signed, catalog))
                }
            }
        }
    };
    frame::render(StatusCode::OK, title, "catalogue", &signed, body)
}

/// `GET /admin/catalogue.toml` (viewer): the current catalogue as a file.
pub async fn export(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    match state.admin.export_catalog().await {
        Ok(Some(text)) => {
            let mut response = text.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/toml; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"catalog.toml\""),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Ok(None) => frame::notice(
            StatusCode::NOT_FOUND,
            &signed,
            "not-found",
            &console_label::NOT_FOUND_TITLE,
            signed.t(&label::NO_CATALOGUE),
        ),
        Err(error) => app_error(&signed, &error),
    }
}

/// `POST /admin/catalogue/prices` (administrator): a price change for a
/// position from a day on.
pub async fn schedule_price(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (signed, form) =
        match frame::console_action(&state, &headers, body, Role::Administrator).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let Some(from) = parse_day(field("from")) else {
        return refused(&signed, StatusCode::BAD_REQUEST, signed.t(&label::BAD_DAY));
    };
    let Ok(unit_price) = Amount::parse(field("unit_price").trim()) else {
        return refused(
            &signed,
            StatusCode::BAD_REQUEST,
            signed.t(&label::BAD_PRICE),
        );
    };
    let catalog = match state.admin.catalog().await {
        Ok(catalog) => catalog.unwrap_or_default(),
        Err(error) => return app_error(&signed, &error),
    };
    let Some(position) = catalog
        .positions
        .iter()
        .find(|p| position_key(p) == field("position"))
    else {
        return refused(
            &signed,
            StatusCode::NOT_FOUND,
            signed.t(&label::NO_SUCH_POSITION),
        );
    };
    match state
        .admin
        .acting_as(signed.actor())
        .schedule_price(&position.step, &position.code, from, unit_price)
        .await
    {
        Ok(_) => changed(&state, "scheduled").await,
        Err(error) => import_refused(&signed, &error),
    }
}

/// Comma- or line-separated items, at most [`MAX_CONTRACT_ITEMS`].
fn items(text: &str) -> Option<Vec<String>> {
    let items: Vec<String> = text
        .split([',', '\n', '\r', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .take(MAX_CONTRACT_ITEMS.saturating_add(1))
        .collect();
    (items.len() <= MAX_CONTRACT_ITEMS).then_some(items)
}

/// `POST /admin/catalogue/contracts/{client}` (administrator): a contract's
/// services, providers, origins, cancellation notices and wire profile.
pub async fn edit_contract(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(client): Path<String>,
    body: Body,
) -> Response {
    let (signed, form) =
        match frame::console_action(&state, &headers, body, Role::Administrator).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let Some(client) = ClientId::parse(&client) else {
        return refused(
            &signed,
            StatusCode::NOT_FOUND,
            signed.t(&label::NO_SUCH_CONTRACT),
        );
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let (Some(services), Some(providers), Some(origins)) = (
        items(field("services")),
        items(field("providers")),
        items(field("origins")),
    ) else {
        return refused(
            &signed,
            StatusCode::BAD_REQUEST,
            signed.t(&label::TOO_MANY_ITEMS),
        );
    };
    let Some(wire_profile) = WireProfile::parse(field("wire_profile")) else {
        return refused(
            &signed,
            StatusCode::BAD_REQUEST,
            signed.t(&label::BAD_WIRE_PROFILE),
        );
    };
    let edit = ContractEdit {
        services,
        providers,
        origins,
        notify_cancelled: form.contains_key("notify_cancelled"),
        wire_profile,
    };
    match state
        .admin
        .acting_as(signed.actor())
        .edit_contract(&client, edit)
        .await
    {
        Ok(_) => changed(&state, "contract").await,
        Err(error) => import_refused(&signed, &error),
    }
}

fn edit_body(signed: &Signed<'_>, text: &str, errors: &[CatalogFileError]) -> Markup {
    let t = |label: &Text| signed.t(label);
    html! {
        h1 { (t(&label::EDIT_TITLE)) }
        p id="toml-hint" { (t(&label::EDIT_HINT)) }
        @if !errors.is_empty() {
            div.notice role="alert" id="toml-errors" data-errors=(errors.len()) {
                h2 { (t(&label::ERRORS_TITLE)) }
                ul {
                    @for error in errors.iter().take(MAX_ERRORS_SHOWN) {
                        li data-line=[error.line] {
                            @if let Some(line) = error.line { (t(&label::LINE)) " " (line) ": " }
                            (bounded(&error.message, MESSAGE_MAX_CHARS))
                        }
                    }
                }
            }
        }
        form method="post" action="/admin/catalogue/edit" data-form="edit-toml" {
            (signed.csrf())
            p {
                label for="toml" { (t(&label::FIELD_TOML)) } br;
                textarea id="toml" name="toml" rows="30" cols="100" spellcheck="false"
                    aria-describedby=(if errors.is_empty() { "toml-hint" } else { "toml-errors toml-hint" })
                    aria-invalid=[(!errors.is_empty()).then_some("true")] { (text) }
            }
            p { button type="submit" data-action="save-toml" { (t(&label::SAVE_VERSION)) } }
        }
        p { a href="/admin/catalogue" { (t(&label::BACK_TO_CATALOGUE)) } }
    }
}

/// `GET /admin/catalogue/edit` (administrator): the catalogue as TOML in a
/// text area.
pub async fn edit_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Administrator).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let text = match state.admin.catalog().await {
        Ok(catalog) => catalog.as_ref().map(to_toml).unwrap_or_default(),
        Err(error) => return app_error(&signed, &error),
    };
    let title = signed.t(&label::EDIT_TITLE);
    frame::render(
        StatusCode::OK,
        title,
        "edit-catalogue",
        &signed,
        edit_body(&signed, &text, &[]),
    )
}

/// `POST /admin/catalogue/edit` (administrator): the text, checked, stored as
/// a new version — or shown again with its errors, nothing changed.
pub async fn apply_toml(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (signed, form) = match frame::console_action_up_to(
        &state,
        &headers,
        body,
        Role::Administrator,
        CATALOGUE_FORM_LIMIT,
    )
    .await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let text = form.get("toml").map(String::as_str).unwrap_or_default();
    match state
        .admin
        .acting_as(signed.actor())
        .import_catalog(text)
        .await
    {
        Ok(_) => changed(&state, "imported").await,
        Err(ImportError::Invalid(errors)) => frame::render(
            StatusCode::UNPROCESSABLE_ENTITY,
            signed.t(&label::EDIT_TITLE),
            "invalid",
            &signed,
            edit_body(&signed, text, &errors.0),
        ),
        Err(error) => import_refused(&signed, &error),
    }
}
