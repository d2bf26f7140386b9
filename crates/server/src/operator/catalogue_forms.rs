//! `/admin/catalogue/entries/{kind}` (docs/console-catalogue.md): the
//! administrator's form for one entry of the catalogue — a service
//! provider, a service, a step, a price-list position, a payee — to add one
//! or change one. The form's fields are read here (a price as exact cents,
//! an IBAN with its check digits), each error shown beside its field; the
//! entry goes to `maksa_app::admin::Admin::put_entry`, which applies it to
//! the current catalogue and checks and stores the whole as a new version,
//! the same way as the TOML import. Nothing is changed on any error.

use super::catalogue::{app_error, changed, position_key};
use super::frame::{self, Signed};
use crate::AppState;
use crate::labels::Text;
use crate::labels::catalogue as label;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maksa_app::admin::{CatalogEntry, EntryChange, ImportError};
use maksa_app::operators::Role;
use maksa_domain::catalog::{Catalog, Payee, Position, Service, ServiceProvider, ServiceStep};
use maksa_domain::codes::{Iban, ProviderCode};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::text::bounded;
use maud::{Markup, html};
use std::collections::HashMap;

/// The longest code of a service provider, service, step or position.
const CODE_MAX_CHARS: usize = 64;
/// The longest name, purpose, address or registration number.
const TEXT_MAX_CHARS: usize = 500;
/// The most characters of one catalogue error shown.
const MESSAGE_MAX_CHARS: usize = 300;
/// The most catalogue errors shown above the form.
const MAX_ERRORS_SHOWN: usize = 20;
/// The payee choice that means "the fields below".
const NEW_PAYEE: &str = "new";

/// The kinds of entry with a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    ServiceProvider,
    Service,
    Step,
    Position,
    Payee,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "service-provider" => Kind::ServiceProvider,
            "service" => Kind::Service,
            "step" => Kind::Step,
            "position" => Kind::Position,
            "payee" => Kind::Payee,
            _ => return None,
        })
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Kind::ServiceProvider => "service-provider",
            Kind::Service => "service",
            Kind::Step => "step",
            Kind::Position => "position",
            Kind::Payee => "payee",
        }
    }

    fn title(self, change: EntryChange) -> &'static Text {
        match (self, change) {
            (Kind::ServiceProvider, EntryChange::Add) => &label::ADD_SERVICE_PROVIDER,
            (Kind::ServiceProvider, EntryChange::Edit) => &label::CHANGE_SERVICE_PROVIDER,
            (Kind::Service, EntryChange::Add) => &label::ADD_SERVICE,
            (Kind::Service, EntryChange::Edit) => &label::CHANGE_SERVICE,
            (Kind::Step, EntryChange::Add) => &label::ADD_STEP,
            (Kind::Step, EntryChange::Edit) => &label::CHANGE_STEP,
            (Kind::Position, EntryChange::Add) => &label::ADD_POSITION,
            (Kind::Position, EntryChange::Edit) => &label::CHANGE_POSITION,
            (Kind::Payee, _) => &label::CHANGE_PAYEE,
        }
    }
}

/// The address of an entry's form: to add one (`key` `None`) or change one.
pub(super) fn form_path(kind: Kind, key: Option<&str>) -> String {
    let path = format!("/admin/catalogue/entries/{}", kind.as_str());
    match key {
        None => path,
        Some(key) => {
            let key: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
            format!("{path}?key={key}")
        }
    }
}

/// How a field is entered.
enum Input {
    /// A line of text; `required` or not. Fixed once the entry exists when
    /// `key` (it names the entry).
    Text {
        max: usize,
        required: bool,
        key: bool,
    },
    Check,
    /// One of (value, shown).
    Choice(Vec<(String, String)>),
}

struct Field {
    name: &'static str,
    label: &'static Text,
    input: Input,
}

const fn text(name: &'static str, label: &'static Text, max: usize, required: bool) -> Field {
    Field {
        name,
        label,
        input: Input::Text {
            max,
            required,
            key: false,
        },
    }
}

const fn code(name: &'static str, label: &'static Text) -> Field {
    Field {
        name,
        label,
        input: Input::Text {
            max: CODE_MAX_CHARS,
            required: true,
            key: true,
        },
    }
}

fn choice(name: &'static str, label: &'static Text, options: Vec<(String, String)>) -> Field {
    Field {
        name,
        label,
        input: Input::Choice(options),
    }
}

/// The payees of the catalogue, each once, in the order positions name them.
pub(super) fn payees(catalog: &Catalog) -> Vec<&Payee> {
    let mut payees: Vec<&Payee> = Vec::new();
    for position in &catalog.positions {
        if !payees.contains(&&position.payee) {
            payees.push(&position.payee);
        }
    }
    payees
}

/// The payee fields: of the payee form, and of a position's new payee.
fn payee_fields(prefix: bool) -> [Field; 4] {
    let name = |plain: &'static str, prefixed: &'static str| if prefix { prefixed } else { plain };
    [
        text(
            name("name", "payee_name"),
            &label::COL_NAME,
            TEXT_MAX_CHARS,
            !prefix,
        ),
        text(
            name("registration_number", "payee_registration_number"),
            &label::COL_REGISTRATION,
            TEXT_MAX_CHARS,
            !prefix,
        ),
        text(name("iban", "payee_iban"), &label::COL_IBAN, 42, !prefix),
        text(name("bic", "payee_bic"), &label::COL_BIC, 11, !prefix),
    ]
}

/// The fields of `kind`'s form (`editing`: an entry that exists); the lists
/// to choose from are `catalog`'s.
fn fields(
    kind: Kind,
    catalog: &Catalog,
    signed: &Signed<'_>,
    editing: bool,
) -> (Vec<Field>, Vec<Field>) {
    match kind {
        Kind::ServiceProvider => (
            vec![
                code("code", &label::COL_CODE),
                text("name", &label::COL_NAME, TEXT_MAX_CHARS, true),
                text(
                    "registration_number",
                    &label::COL_REGISTRATION,
                    TEXT_MAX_CHARS,
                    true,
                ),
                text("address", &label::COL_ADDRESS, TEXT_MAX_CHARS, false),
            ],
            Vec::new(),
        ),
        Kind::Service => (
            vec![
                code("code", &label::COL_CODE),
                text("name", &label::COL_NAME, TEXT_MAX_CHARS, true),
                choice(
                    "service_provider",
                    &label::COL_SERVICE_PROVIDER,
                    catalog
                        .service_providers
                        .iter()
                        .map(|s| (s.code.clone(), format!("{} — {}", s.code, s.name)))
                        .collect(),
                ),
            ],
            Vec::new(),
        ),
        Kind::Step => (
            vec![
                code("code", &label::COL_CODE),
                choice(
                    "service",
                    &label::COL_SERVICE,
                    catalog
                        .services
                        .iter()
                        .map(|s| (s.code.clone(), format!("{} — {}", s.code, s.name)))
                        .collect(),
                ),
                text("name", &label::COL_NAME, TEXT_MAX_CHARS, true),
                text("payment_purpose", &label::COL_PURPOSE, TEXT_MAX_CHARS, true),
                Field {
                    name: "purpose_changeable",
                    label: &label::COL_PURPOSE_CHANGEABLE,
                    input: Input::Check,
                },
            ],
            Vec::new(),
        ),
        Kind::Position => {
            let mut payee_options: Vec<(String, String)> = payees(catalog)
                .into_iter()
                .map(|p| (p.iban.to_string(), format!("{} — {}", p.name, p.iban)))
                .collect();
            payee_options.push((NEW_PAYEE.to_owned(), signed.t(&label::NEW_PAYEE).to_owned()));
            // The step names the position with its code: fixed once it exists.
            let step = if editing {
                code("step", &label::COL_STEP)
            } else {
                choice(
                    "step",
                    &label::COL_STEP,
                    catalog
                        .steps
                        .iter()
                        .map(|s| (s.code.clone(), format!("{} — {}", s.code, s.name)))
                        .collect(),
                )
            };
            (
                vec![
                    step,
                    code("code", &label::COL_CODE),
                    text("name", &label::COL_NAME, TEXT_MAX_CHARS, true),
                    text("unit_price", &label::PRICE_EUR, 20, true),
                    Field {
                        name: "amount_allowed",
                        label: &label::COL_AMOUNT_ALLOWED,
                        input: Input::Check,
                    },
                    choice("payee", &label::COL_PAYEE, payee_options),
                ],
                payee_fields(true).into(),
            )
        }
        Kind::Payee => (payee_fields(false).into(), Vec::new()),
    }
}

/// The form's values for the entry `key` of `kind` as it is now.
fn values_of(kind: Kind, catalog: &Catalog, key: &str) -> Option<HashMap<String, String>> {
    let pairs: Vec<(&str, String)> = match kind {
        Kind::ServiceProvider => {
            let s = catalog.service_providers.iter().find(|s| s.code == key)?;
            vec![
                ("code", s.code.clone()),
                ("name", s.name.clone()),
                ("registration_number", s.registration_number.clone()),
                ("address", s.address.clone().unwrap_or_default()),
            ]
        }
        Kind::Service => {
            let s = catalog.services.iter().find(|s| s.code == key)?;
            vec![
                ("code", s.code.clone()),
                ("name", s.name.clone()),
                ("service_provider", s.service_provider.clone()),
            ]
        }
        Kind::Step => {
            let s = catalog.steps.iter().find(|s| s.code == key)?;
            let mut pairs = vec![
                ("code", s.code.clone()),
                ("service", s.service.clone()),
                ("name", s.name.clone()),
                ("payment_purpose", s.payment_purpose.clone()),
            ];
            if s.purpose_changeable {
                pairs.push(("purpose_changeable", "yes".to_owned()));
            }
            pairs
        }
        Kind::Position => {
            let p = catalog.positions.iter().find(|p| position_key(p) == key)?;
            let mut pairs = vec![
                ("step", p.step.clone()),
                ("code", p.code.clone()),
                ("name", p.name.clone()),
                ("unit_price", p.unit_price.to_string()),
                ("payee", p.payee.iban.to_string()),
            ];
            if p.amount_allowed {
                pairs.push(("amount_allowed", "yes".to_owned()));
            }
            pairs
        }
        Kind::Payee => {
            let p = payees(catalog)
                .into_iter()
                .find(|p| p.iban.as_str() == key)?;
            vec![
                ("name", p.name.clone()),
                ("registration_number", p.registration_number.clone()),
                ("iban", p.iban.to_string()),
                ("bic", p.bic.to_string()),
            ]
        }
    };
    Some(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// An error beside a field: (field, text).
type FieldErrors = Vec<(&'static str, &'static Text)>;

/// Reads a posted form's fields, noting each one's error.
struct Reader<'f> {
    form: &'f HashMap<String, String>,
    errors: FieldErrors,
}

impl Reader<'_> {
    fn raw(&self, name: &str) -> &str {
        self.form.get(name).map_or("", |v| v.trim())
    }

    /// A text field: required ones not empty, none longer than `max`.
    fn text(&mut self, name: &'static str, max: usize, required: bool) -> String {
        let value = self.raw(name).to_owned();
        if required && value.is_empty() {
            self.errors.push((name, &label::ERR_REQUIRED));
        } else if value.chars().count() > max {
            self.errors.push((name, &label::ERR_TOO_LONG));
        }
        value
    }

    fn check(&self, name: &str) -> bool {
        self.form.contains_key(name)
    }

    /// A price in euros as exact cents: `2.50`, `2,50` or `2`.
    fn price(&mut self, name: &'static str) -> Amount {
        let text = self.raw(name).replace(',', ".");
        Amount::parse(&text).unwrap_or_else(|_| {
            self.errors.push((name, &label::BAD_PRICE));
            Amount::ZERO
        })
    }

    fn iban(&mut self, name: &'static str) -> Option<Iban> {
        let parsed = Iban::parse(self.raw(name)).ok();
        if parsed.is_none() {
            self.errors.push((name, &label::ERR_IBAN));
        }
        parsed
    }

    fn bic(&mut self, name: &'static str) -> Option<ProviderCode> {
        let parsed = ProviderCode::parse(self.raw(name));
        if parsed.is_none() {
            self.errors.push((name, &label::ERR_BIC));
        }
        parsed
    }

    /// The payee of the form's four payee fields (`payee_…` when `prefix`).
    fn payee(&mut self, prefix: bool) -> Option<Payee> {
        let [name, registration, iban, bic] = payee_fields(prefix).map(|f| f.name);
        let name_text = self.text(name, TEXT_MAX_CHARS, true);
        let registration_text = self.text(registration, TEXT_MAX_CHARS, true);
        let iban = self.iban(iban);
        let bic = self.bic(bic);
        Some(Payee {
            name: name_text,
            registration_number: registration_text,
            iban: iban?,
            bic: bic?,
        })
    }
}

/// The entry the form describes, or the errors of its fields. When `key`
/// names an existing entry, its key fields are the entry's, whatever was sent.
fn entry_of(
    kind: Kind,
    form: &HashMap<String, String>,
    catalog: &Catalog,
    existing: Option<&HashMap<String, String>>,
) -> Result<CatalogEntry, FieldErrors> {
    let mut fixed = form.clone();
    if let Some(existing) = existing {
        for name in ["code", "step"] {
            if let Some(value) = existing.get(name).filter(|_| kind != Kind::Payee) {
                fixed.insert(name.to_owned(), value.clone());
            }
        }
    }
    let mut r = Reader {
        form: &fixed,
        errors: Vec::new(),
    };
    let entry = match kind {
        Kind::ServiceProvider => {
            let address = r.text("address", TEXT_MAX_CHARS, false);
            Some(CatalogEntry::ServiceProvider(ServiceProvider {
                code: r.text("code", CODE_MAX_CHARS, true),
                name: r.text("name", TEXT_MAX_CHARS, true),
                registration_number: r.text("registration_number", TEXT_MAX_CHARS, true),
                address: (!address.is_empty()).then_some(address),
            }))
        }
        Kind::Service => Some(CatalogEntry::Service(Service {
            code: r.text("code", CODE_MAX_CHARS, true),
            name: r.text("name", TEXT_MAX_CHARS, true),
            service_provider: r.text("service_provider", CODE_MAX_CHARS, true),
        })),
        Kind::Step => Some(CatalogEntry::Step(ServiceStep {
            code: r.text("code", CODE_MAX_CHARS, true),
            service: r.text("service", CODE_MAX_CHARS, true),
            name: r.text("name", TEXT_MAX_CHARS, true),
            payment_purpose: r.text("payment_purpose", TEXT_MAX_CHARS, true),
            purpose_changeable: r.check("purpose_changeable"),
        })),
        Kind::Position => {
            let step = r.text("step", CODE_MAX_CHARS, true);
            let code = r.text("code", CODE_MAX_CHARS, true);
            let name = r.text("name", TEXT_MAX_CHARS, true);
            let unit_price = r.price("unit_price");
            let amount_allowed = r.check("amount_allowed");
            let chosen = r.raw("payee").to_owned();
            let payee = if chosen == NEW_PAYEE {
                r.payee(true)
            } else {
                let found = payees(catalog)
                    .into_iter()
                    .find(|p| p.iban.as_str() == chosen)
                    .cloned();
                if found.is_none() {
                    r.errors.push(("payee", &label::ERR_CHOICE));
                }
                found
            };
            payee.map(|payee| {
                CatalogEntry::Position(Position {
                    step,
                    code,
                    name,
                    unit_price,
                    prices: Vec::new(),
                    currency: Currency::EUR,
                    payee,
                    amount_allowed,
                })
            })
        }
        Kind::Payee => {
            let before = existing
                .and_then(|e| e.get("iban"))
                .and_then(|iban| Iban::parse(iban).ok());
            match (before, r.payee(false)) {
                (Some(iban), Some(payee)) => Some(CatalogEntry::Payee { iban, payee }),
                _ => None,
            }
        }
    };
    match entry {
        Some(entry) if r.errors.is_empty() => Ok(entry),
        _ => Err(r.errors),
    }
}

/// What the form shows besides its values: the errors.
#[derive(Default)]
struct Shown<'e> {
    fields: FieldErrors,
    /// The catalogue's own errors, or the refusal, above the form.
    catalogue: &'e [String],
}

fn field_markup(
    signed: &Signed<'_>,
    field: &Field,
    values: &HashMap<String, String>,
    errors: &FieldErrors,
    editing: bool,
) -> Markup {
    let id = format!("entry-{}", field.name);
    let error_id = format!("{id}-error");
    let error = errors
        .iter()
        .find(|(name, _)| *name == field.name)
        .map(|(_, text)| signed.t(text));
    let value = values
        .get(field.name)
        .map(String::as_str)
        .unwrap_or_default();
    let described = error.map(|_| error_id.as_str());
    let invalid = error.map(|_| "true");
    html! {
        p data-field=(field.name) {
            @match &field.input {
                Input::Check => {
                    input id=(id) name=(field.name) type="checkbox" value="yes" checked[!value.is_empty()]
                        aria-describedby=[described] aria-invalid=[invalid];
                    " " label for=(id) { (signed.t(field.label)) }
                }
                Input::Text { max, required, key } => {
                    label for=(id) { (signed.t(field.label)) } br;
                    input id=(id) name=(field.name) type="text" value=(value) maxlength=(max)
                        required[*required] readonly[*key && editing] autocomplete="off"
                        aria-describedby=[described] aria-invalid=[invalid];
                }
                Input::Choice(options) => {
                    label for=(id) { (signed.t(field.label)) } br;
                    select id=(id) name=(field.name) required
                        aria-describedby=[described] aria-invalid=[invalid] {
                        @for (option, shown) in options {
                            option value=(option) selected[option == value] { (shown) }
                        }
                    }
                }
            }
            @if let Some(error) = error {
                br;
                span.field-error id=(error_id) data-error-for=(field.name) { (error) }
            }
        }
    }
}

fn form_page(
    status: StatusCode,
    signed: &Signed<'_>,
    catalog: &Catalog,
    kind: Kind,
    key: Option<&str>,
    values: &HashMap<String, String>,
    shown: &Shown<'_>,
) -> Response {
    let t = |text: &Text| signed.t(text);
    let change = if key.is_some() {
        EntryChange::Edit
    } else {
        EntryChange::Add
    };
    let title = t(kind.title(change));
    let editing = key.is_some();
    let (main, extra) = fields(kind, catalog, signed, editing);
    let body = html! {
        h1 { (title) @if let Some(key) = key { " " code { (key) } } }
        p id="entry-hint" { (t(&label::ENTRY_HINT)) }
        @if kind == Kind::Payee { p { (t(&label::PAYEE_HINT)) } }
        @if kind == Kind::Position && editing { p { (t(&label::PRICE_FROM_START_HINT)) } }
        @if !shown.catalogue.is_empty() {
            div.notice role="alert" id="entry-errors" data-errors=(shown.catalogue.len()) {
                h2 { (t(&label::ENTRY_REFUSED)) }
                ul { @for message in shown.catalogue.iter().take(MAX_ERRORS_SHOWN) { li { (message) } } }
            }
        }
        @if !shown.fields.is_empty() {
            p.notice role="alert" data-field-errors=(shown.fields.len()) { (t(&label::ENTRY_REFUSED)) }
        }
        form method="post" action=(form_path(kind, key)) data-form=(kind.as_str()) aria-describedby="entry-hint" {
            (signed.csrf())
            @for field in &main { (field_markup(signed, field, values, &shown.fields, editing)) }
            @if !extra.is_empty() {
                fieldset {
                    legend { (t(&label::NEW_PAYEE_LEGEND)) }
                    @for field in &extra { (field_markup(signed, field, values, &shown.fields, editing)) }
                }
            }
            p { button type="submit" data-action="save-entry" { (t(&label::SAVE_VERSION)) } }
        }
        p { a href="/admin/catalogue" { (t(&label::BACK_TO_CATALOGUE)) } }
    };
    frame::render(status, title, "entry", signed, body)
}

/// The kind, the current catalogue and — when the query names one — the
/// entry's current values; or the answer already given.
async fn resolve(
    state: &AppState,
    signed: &Signed<'_>,
    kind: &str,
    key: Option<&str>,
) -> Result<(Kind, Catalog, Option<HashMap<String, String>>), Response> {
    let not_found = || {
        frame::notice(
            StatusCode::NOT_FOUND,
            signed,
            "not-found",
            &crate::labels::console::NOT_FOUND_TITLE,
            signed.t(&label::NO_SUCH_ENTRY),
        )
    };
    let kind = Kind::parse(kind).ok_or_else(not_found)?;
    let catalog = match state.admin.catalog().await {
        Ok(Some(catalog)) => catalog,
        Ok(None) => {
            return Err(frame::notice(
                StatusCode::NOT_FOUND,
                signed,
                "not-found",
                &crate::labels::console::NOT_FOUND_TITLE,
                signed.t(&label::NO_CATALOGUE),
            ));
        }
        Err(error) => return Err(app_error(signed, &error)),
    };
    match key {
        None if kind == Kind::Payee => Err(not_found()),
        None => Ok((kind, catalog, None)),
        Some(key) => {
            let values = values_of(kind, &catalog, key).ok_or_else(not_found)?;
            Ok((kind, catalog, Some(values)))
        }
    }
}

fn key_of(query: &HashMap<String, String>) -> Option<&str> {
    query
        .get("key")
        .map(String::as_str)
        .filter(|k| !k.is_empty())
}

/// `GET /admin/catalogue/entries/{kind}[?key=…]` (administrator): the form to
/// add an entry, or to change the one `key` names.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Administrator).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let key = key_of(&query);
    let (kind, catalog, values) = match resolve(&state, &signed, &kind, key).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let values = values.unwrap_or_default();
    form_page(
        StatusCode::OK,
        &signed,
        &catalog,
        kind,
        key,
        &values,
        &Shown::default(),
    )
}

/// `POST /admin/catalogue/entries/{kind}[?key=…]` (administrator): the entry
/// stored as a new catalogue version, or the form again with its errors.
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Response {
    let (signed, form) =
        match frame::console_action(&state, &headers, body, Role::Administrator).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let key = key_of(&query);
    let (kind, catalog, existing) = match resolve(&state, &signed, &kind, key).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let change = if existing.is_some() {
        EntryChange::Edit
    } else {
        EntryChange::Add
    };
    let again = |status: StatusCode, shown: &Shown<'_>| {
        form_page(status, &signed, &catalog, kind, key, &form, shown)
    };
    let entry = match entry_of(kind, &form, &catalog, existing.as_ref()) {
        Ok(entry) => entry,
        Err(fields) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                &Shown {
                    fields,
                    catalogue: &[],
                },
            );
        }
    };
    let refused = |status: StatusCode, messages: Vec<String>| {
        again(
            status,
            &Shown {
                fields: Vec::new(),
                catalogue: &messages,
            },
        )
    };
    match state
        .admin
        .acting_as(signed.actor())
        .put_entry(change, entry)
        .await
    {
        Ok(_) => changed(&state, "entry").await,
        // The lines are the generated text's: only the messages mean anything here.
        Err(ImportError::Invalid(errors)) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .0
                .iter()
                .map(|e| bounded(&e.message, MESSAGE_MAX_CHARS).into_owned())
                .collect(),
        ),
        Err(ImportError::Refused(message)) => refused(
            StatusCode::CONFLICT,
            vec![bounded(&message, MESSAGE_MAX_CHARS).into_owned()],
        ),
        Err(ImportError::App(error)) => app_error(&signed, &error),
    }
}
