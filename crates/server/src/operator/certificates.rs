//! `/admin/certificates` (docs/console-catalogue.md): the certificate
//! registry — client, thumbprint, subject, roles, allowed services, valid
//! until, revoked — and each client's notification secrets (how many are
//! active; a secret is shown only once, when made). The administrator
//! registers a certificate (the same checks as `maksa client add`), sets its
//! roles and allowed services, rotates a client's secret and revokes a
//! certificate after a confirmation. They call `maksa_app::admin::Admin`,
//! acting as `operator:<name>`; this module only translates.

use super::catalogue::{app_error, refused_back};
use super::frame::{self, Signed};
use crate::AppState;
use crate::labels::Text;
use crate::labels::catalogue as label;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use maksa_app::admin::NewSecret;
use maksa_app::operators::Role;
use maksa_app::store::ClientCertificate;
use maksa_domain::ids::ClientId;
use maksa_domain::text::bounded;
use maud::{Markup, html};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The largest registration form (a PEM certificate or a file with its fields).
pub const CERTIFICATE_FORM_LIMIT: usize = 64 * 1024;
/// The largest certificate file taken (a certificate is a few KiB; a PEM
/// file with its chain a few more).
pub const CERTIFICATE_FILE_LIMIT: usize = 32 * 1024;
/// The parts of the registration form.
const REGISTER_PARTS: [&str; 6] = [
    "csrf",
    "client",
    "certificate",
    "certificate_file",
    "roles",
    "services",
];

const BACK: (&str, &Text) = ("/admin/certificates", &label::BACK_TO_CERTIFICATES);

fn refused(signed: &Signed<'_>, status: StatusCode, message: &str) -> Response {
    refused_back(signed, status, message, BACK)
}

/// A thumbprint as the registry keeps it: 64 lower-case hex digits.
fn thumbprint(text: &str) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    (text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())).then_some(text)
}

/// Roles or services from a comma-separated field.
fn names(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .take(maksa_app::admin::MAX_ACCESS_NAMES.saturating_add(1))
        .collect()
}

fn day(at: OffsetDateTime) -> String {
    at.date().to_string()
}

fn notice_text(notice: &str) -> Option<&'static Text> {
    Some(match notice {
        "revoked" => &label::NOTICE_REVOKED,
        "access" => &label::NOTICE_ACCESS,
        "retired" => &label::NOTICE_RETIRED,
        _ => return None,
    })
}

fn access_text(signed: &Signed<'_>, services: &[String]) -> String {
    if services.is_empty() {
        signed.t(&label::ALL_OF_CONTRACT).to_owned()
    } else {
        services.join(", ")
    }
}

/// `GET /admin/certificates` (viewer).
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Viewer).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let certificates = match state.admin.clients().await {
        Ok(list) => list,
        Err(error) => return app_error(&signed, &error),
    };
    let mut clients: Vec<&ClientId> = certificates.iter().map(|c| &c.client).collect();
    clients.sort();
    clients.dedup();
    let mut secrets = Vec::new();
    for client in clients {
        match state.admin.notification_secret_times(client).await {
            Ok(made) => secrets.push((client, made.len(), made.first().copied())),
            Err(error) => return app_error(&signed, &error),
        }
    }
    let administrator = signed.may(Role::Administrator);
    let t = |text: &Text| signed.t(text);
    let title = t(&label::CERTIFICATES_TITLE);
    let body = html! {
        h1 { (title) }
        @if let Some(text) = query.get("notice").and_then(|n| notice_text(n)) {
            p.notice role="status" data-notice="saved" { (t(text)) }
        }
        p { (t(&label::CERTIFICATES_INTRO)) }
        @if certificates.is_empty() {
            p data-empty="" { (t(&label::NO_CERTIFICATES)) }
        } @else {
            div.scroll role="region" aria-labelledby="certificates-heading" tabindex="0" {
                table data-table="certificates" {
                    caption id="certificates-heading" { (title) }
                    thead { tr {
                        @for h in [&label::COL_CLIENT, &label::COL_THUMBPRINT, &label::COL_SUBJECT, &label::COL_ROLES,
                                   &label::COL_ALLOWED_SERVICES, &label::COL_VALID_UNTIL, &label::COL_REVOKED] {
                            th scope="col" { (t(h)) }
                        }
                    } }
                    tbody {
                        @for c in &certificates {
                            tr data-thumbprint=(c.thumbprint) data-revoked=(c.revoked_at.is_some()) {
                                th scope="row" { (c.client) }
                                td { a href={ "/admin/certificates/" (c.thumbprint) } { code { (c.thumbprint) } } }
                                td { (c.subject) }
                                td { (c.roles.join(", ")) }
                                td { (access_text(&signed, &c.services)) }
                                td { time datetime=(day(c.not_after)) { (day(c.not_after)) } }
                                td { @match c.revoked_at {
                                    Some(at) => { time datetime=(day(at)) { (day(at)) } }
                                    None => { "—" }
                                } }
                            }
                        }
                    }
                }
            }
        }
        h2 id="secrets-heading" { (t(&label::SECRETS_TITLE)) }
        p { (t(&label::SECRETS_HINT)) }
        table data-table="secrets" aria-labelledby="secrets-heading" {
            thead { tr {
                th scope="col" { (t(&label::COL_CLIENT)) }
                th scope="col" { (t(&label::COL_SECRETS)) }
                th scope="col" { (t(&label::COL_NEWEST_SECRET)) }
                @if administrator { th scope="col" { (t(&label::COL_ACTIONS)) } }
            } }
            tbody {
                @for (client, active, newest) in &secrets {
                    tr data-client=(client) {
                        th scope="row" { (client) }
                        td.num data-active=(active) { (active) }
                        td { @if let Some(at) = newest { time datetime=(day(*at)) { (day(*at)) } } @else { "—" } }
                        @if administrator {
                            td {
                                form.inline method="post" action={ "/admin/certificates/secrets/" (client) } {
                                    (signed.csrf())
                                    button.secondary type="submit" data-action="rotate-secret" data-client=(client) {
                                        (t(&label::ROTATE_SECRET)) " (" (client) ")"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if administrator { (upload_form(&signed)) }
    };
    frame::render(StatusCode::OK, title, "certificates", &signed, body)
}

fn upload_form(signed: &Signed<'_>) -> Markup {
    let t = |text: &Text| signed.t(text);
    html! {
        h2 id="upload-heading" { (t(&label::UPLOAD_TITLE)) }
        form method="post" action="/admin/certificates" enctype="multipart/form-data"
            data-form="register-certificate" aria-labelledby="upload-heading" {
            (signed.csrf())
            p {
                label for="client" { (t(&label::FIELD_CLIENT)) } br;
                input id="client" name="client" type="text" required maxlength="64" autocomplete="off";
            }
            p id="certificate-either" { (t(&label::CERTIFICATE_EITHER)) }
            p {
                label for="certificate_file" { (t(&label::FIELD_CERTIFICATE_FILE)) } br;
                input id="certificate_file" name="certificate_file" type="file" aria-describedby="certificate-either"
                    accept=".pem,.crt,.cer,.der,application/x-pem-file,application/x-x509-ca-cert,application/pkix-cert";
            }
            p {
                label for="certificate" { (t(&label::FIELD_CERTIFICATE)) } br;
                textarea id="certificate" name="certificate" rows="12" cols="70" spellcheck="false"
                    aria-describedby="certificate-either" {}
            }
            p {
                label for="roles" { (t(&label::FIELD_ROLES)) } br;
                input id="roles" name="roles" type="text" autocomplete="off";
            }
            p {
                label for="services" { (t(&label::FIELD_ALLOWED_SERVICES)) } br;
                input id="services" name="services" type="text" autocomplete="off";
            }
            p { button type="submit" data-action="register-certificate" { (t(&label::REGISTER)) } }
        }
    }
}

/// The secret, shown this once.
fn secret_block(signed: &Signed<'_>, secret: &NewSecret) -> Markup {
    html! {
        h2 { (signed.t(&label::NEW_SECRET_TITLE)) }
        p { (signed.t(&label::NEW_SECRET_ONCE)) }
        p { code data-secret="" { (secret.secret) } }
    }
}

/// The registration form's fields, from a URL-encoded form or a
/// `multipart/form-data` one with the certificate as a file (its bytes, PEM
/// or DER, base64-encoded into `certificate_file`): session, role and CSRF
/// token checked.
async fn register_form(
    state: &AppState,
    request: Request,
) -> Result<(Signed<'_>, HashMap<String, String>), Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let (parts, body) = request.into_parts();
        return frame::console_action_up_to(
            state,
            &parts.headers,
            body,
            Role::Administrator,
            CERTIFICATE_FORM_LIMIT,
        )
        .await;
    }
    // The role first: a viewer's upload is not even read.
    let headers = request.headers().clone();
    let signed = frame::console_page(state, &headers, Role::Administrator).await?;
    let unreadable = |signed: &Signed<'_>| {
        refused(
            signed,
            StatusCode::BAD_REQUEST,
            signed.t(&label::BAD_UPLOAD),
        )
    };
    let Ok(mut parts) = Multipart::from_request(request, state).await else {
        return Err(unreadable(&signed));
    };
    let mut form = HashMap::new();
    loop {
        let field = match parts.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(unreadable(&signed)),
        };
        let Some(name) = field
            .name()
            .and_then(|name| REGISTER_PARTS.into_iter().find(|part| *part == name))
        else {
            return Err(unreadable(&signed));
        };
        let Ok(bytes) = field.bytes().await else {
            return Err(unreadable(&signed));
        };
        if bytes.len() > CERTIFICATE_FILE_LIMIT || form.contains_key(name) {
            return Err(unreadable(&signed));
        }
        let value = if name == "certificate_file" {
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        form.insert(name.to_owned(), value);
    }
    let sent = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !signed
        .console
        .operators
        .check_csrf(&signed.session, sent)
        .await
        .unwrap_or(false)
    {
        return Err(super::stale_form(signed.lang));
    }
    Ok((signed, form))
}

/// `POST /admin/certificates` (administrator): registers a certificate —
/// a file (PEM or DER) or pasted PEM — as `maksa client add` does; a
/// client's first certificate gets a notification secret, shown once.
pub async fn register(State(state): State<AppState>, request: Request) -> Response {
    let (signed, form) = match register_form(&state, request).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let Some(client) = ClientId::parse(field("client").trim()) else {
        return refused(
            &signed,
            StatusCode::BAD_REQUEST,
            signed.t(&label::BAD_CLIENT),
        );
    };
    // The file when one was chosen, else the pasted text.
    let certificate = [field("certificate_file"), field("certificate")]
        .into_iter()
        .find(|text| !text.trim().is_empty());
    let Some(certificate) = certificate else {
        return refused(
            &signed,
            StatusCode::BAD_REQUEST,
            signed.t(&label::NO_CERTIFICATE_GIVEN),
        );
    };
    let info = match maksa_x509::parse_mm_cert(certificate) {
        Ok(info) => info,
        Err(error) => {
            let message = format!(
                "{}: {}",
                signed.t(&label::BAD_CERTIFICATE),
                bounded(&error.to_string(), 200)
            );
            return refused(&signed, StatusCode::BAD_REQUEST, &message);
        }
    };
    let admin = state.admin.acting_as(signed.actor());
    let record = match admin
        .register_client(
            client,
            &crate::presented(&info),
            names(field("roles")),
            names(field("services")),
        )
        .await
    {
        Ok(record) => record,
        Err(error) => return app_error(&signed, &error),
    };
    state.auth.forget_cached();
    let secret = match admin.ensure_notification_secret(&record.client).await {
        Ok(secret) => secret,
        Err(error) => return app_error(&signed, &error),
    };
    let title = signed.t(&label::REGISTERED_TITLE);
    let body = html! {
        h1 { (title) }
        (summary(&signed, &record))
        @match &secret {
            Some(secret) => { (secret_block(&signed, secret)) }
            None => { p { (signed.t(&label::HAD_SECRET)) } }
        }
        p { a href="/admin/certificates" { (signed.t(&label::BACK_TO_CERTIFICATES)) } }
    };
    frame::render(StatusCode::OK, title, "registered", &signed, body)
}

fn summary(signed: &Signed<'_>, c: &ClientCertificate) -> Markup {
    let t = |text: &Text| signed.t(text);
    html! {
        dl data-certificate=(c.thumbprint) {
            dt { (t(&label::COL_CLIENT)) } dd { (c.client) }
            dt { (t(&label::COL_THUMBPRINT)) } dd { code { (c.thumbprint) } }
            dt { (t(&label::COL_SUBJECT)) } dd { (c.subject) }
            dt { (t(&label::COL_ROLES)) } dd { (c.roles.join(", ")) }
            dt { (t(&label::COL_ALLOWED_SERVICES)) } dd { (access_text(signed, &c.services)) }
            dt { (t(&label::COL_VALID_UNTIL)) } dd { (day(c.not_after)) }
            dt { (t(&label::COL_REVOKED)) } dd data-revoked=(c.revoked_at.is_some()) {
                (c.revoked_at.map_or_else(|| "—".to_owned(), day))
            }
        }
    }
}

/// How many secrets are active and when the newest was made.
fn secrets_summary(
    signed: &Signed<'_>,
    client: Option<&ClientId>,
    made: &[OffsetDateTime],
) -> Markup {
    let t = |text: &Text| signed.t(text);
    html! {
        dl data-secrets=(made.len()) {
            @if let Some(client) = client { dt { (t(&label::COL_CLIENT)) } dd { (client) } }
            dt { (t(&label::COL_SECRETS)) } dd { (made.len()) }
            dt { (t(&label::COL_NEWEST_SECRET)) }
            dd { @if let Some(at) = made.first() { time datetime=(day(*at)) { (day(*at)) } } @else { "—" } }
        }
    }
}

/// A certificate's page: the operator with at least `needed`, and the
/// certificate the path names.
async fn certificate_page<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    text: &str,
    needed: Role,
) -> Result<(Signed<'a>, ClientCertificate), Response> {
    let signed = frame::console_page(state, headers, needed).await?;
    let certificate = find(state, &signed, text).await?;
    Ok((signed, certificate))
}

/// An administrator's action on the certificate the path names.
async fn certificate_action<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    text: &str,
    body: Body,
) -> Result<(Signed<'a>, HashMap<String, String>, ClientCertificate), Response> {
    let (signed, form) = frame::console_action(state, headers, body, Role::Administrator).await?;
    let certificate = find(state, &signed, text).await?;
    Ok((signed, form, certificate))
}

async fn find(
    state: &AppState,
    signed: &Signed<'_>,
    text: &str,
) -> Result<ClientCertificate, Response> {
    let not_found = || {
        refused(
            signed,
            StatusCode::NOT_FOUND,
            signed.t(&label::NO_SUCH_CERTIFICATE),
        )
    };
    let thumbprint = thumbprint(text).ok_or_else(not_found)?;
    match state.admin.clients().await {
        Ok(list) => list
            .into_iter()
            .find(|c| c.thumbprint == thumbprint)
            .ok_or_else(not_found),
        Err(error) => Err(app_error(signed, &error)),
    }
}

/// `GET /admin/certificates/{thumbprint}` (viewer): one certificate; for the
/// administrator its roles and services form and the way to revoke it.
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(text): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (signed, certificate) = match certificate_page(&state, &headers, &text, Role::Viewer).await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let secrets = match state
        .admin
        .notification_secret_times(&certificate.client)
        .await
    {
        Ok(made) => made,
        Err(error) => return app_error(&signed, &error),
    };
    let t = |text: &Text| signed.t(text);
    let title = t(&label::CERTIFICATES_TITLE);
    let body = html! {
        h1 { (title) }
        @if let Some(text) = query.get("notice").and_then(|n| notice_text(n)) {
            p.notice role="status" data-notice="saved" { (t(text)) }
        }
        (summary(&signed, &certificate))
        @if signed.may(Role::Administrator) && certificate.revoked_at.is_none() {
            h2 id="access-heading" { (t(&label::ACCESS_TITLE)) }
            form method="post" action={ "/admin/certificates/" (certificate.thumbprint) "/access" } aria-labelledby="access-heading" {
                (signed.csrf())
                p {
                    label for="roles" { (t(&label::FIELD_ROLES)) } br;
                    input id="roles" name="roles" type="text" value=(certificate.roles.join(", ")) autocomplete="off";
                }
                p {
                    label for="services" { (t(&label::FIELD_ALLOWED_SERVICES)) } br;
                    input id="services" name="services" type="text" value=(certificate.services.join(", ")) autocomplete="off";
                }
                p { button type="submit" data-action="save-access" { (t(&label::SAVE_ACCESS)) } }
            }
            p { a href={ "/admin/certificates/" (certificate.thumbprint) "/revoke" } data-action="revoke" { (t(&label::REVOKE)) } }
        }
        h2 id="client-secrets-heading" { (t(&label::SECRETS_TITLE)) }
        p { (t(&label::SECRETS_HINT)) }
        (secrets_summary(&signed, None, &secrets))
        @if signed.may(Role::Administrator) && secrets.len() > 1 {
            p { a href={ "/admin/certificates/" (certificate.thumbprint) "/retire-secrets" } data-action="retire-secrets" {
                (t(&label::RETIRE_SECRETS))
            } }
        }
        p { a href="/admin/certificates" { (t(&label::BACK_TO_CERTIFICATES)) } }
    };
    frame::render(StatusCode::OK, title, "certificate", &signed, body)
}

/// `POST /admin/certificates/{thumbprint}/access` (administrator).
pub async fn set_access(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(text): Path<String>,
    body: Body,
) -> Response {
    let (signed, form, certificate) = match certificate_action(&state, &headers, &text, body).await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    match state
        .admin
        .acting_as(signed.actor())
        .set_client_access(
            &certificate.thumbprint,
            names(field("roles")),
            names(field("services")),
        )
        .await
    {
        Ok(Some(_)) => {
            state.auth.forget_cached();
            Redirect::to(&format!(
                "/admin/certificates/{}?notice=access",
                certificate.thumbprint
            ))
            .into_response()
        }
        Ok(None) => refused(
            &signed,
            StatusCode::NOT_FOUND,
            signed.t(&label::NO_SUCH_CERTIFICATE),
        ),
        Err(error) => app_error(&signed, &error),
    }
}

/// `GET /admin/certificates/{thumbprint}/revoke` (administrator): the
/// confirmation step.
pub async fn confirm_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(text): Path<String>,
) -> Response {
    let (signed, certificate) =
        match certificate_page(&state, &headers, &text, Role::Administrator).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let title = signed.t(&label::REVOKE_TITLE);
    let body = html! {
        h1 { (title) }
        (summary(&signed, &certificate))
        p.notice role="alert" { (signed.t(&label::REVOKE_CONFIRM)) }
        form method="post" action={ "/admin/certificates/" (certificate.thumbprint) "/revoke" } {
            (signed.csrf())
            input type="hidden" name="confirm" value="yes";
            p {
                button type="submit" data-action="confirm-revoke" { (signed.t(&label::REVOKE_SUBMIT)) }
                " "
                a href={ "/admin/certificates/" (certificate.thumbprint) } { (signed.t(&label::CANCEL)) }
            }
        }
    };
    frame::render(StatusCode::OK, title, "confirm-revoke", &signed, body)
}

/// `POST /admin/certificates/{thumbprint}/revoke` (administrator): only with
/// the confirmation's field; otherwise back to the confirmation.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(text): Path<String>,
    body: Body,
) -> Response {
    let (signed, form, certificate) = match certificate_action(&state, &headers, &text, body).await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    if form.get("confirm").map(String::as_str) != Some("yes") {
        return Redirect::to(&format!(
            "/admin/certificates/{}/revoke",
            certificate.thumbprint
        ))
        .into_response();
    }
    match state
        .admin
        .acting_as(signed.actor())
        .revoke(&certificate.thumbprint)
        .await
    {
        Ok(_) => {
            state.auth.forget_cached();
            Redirect::to("/admin/certificates?notice=revoked").into_response()
        }
        Err(error) => app_error(&signed, &error),
    }
}

/// `POST /admin/certificates/secrets/{client}` (administrator): a new
/// notification secret, shown once; the older ones keep signing beside it.
pub async fn rotate_secret(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(client): Path<String>,
    body: Body,
) -> Response {
    let (signed, _) = match frame::console_action(&state, &headers, body, Role::Administrator).await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(client) = ClientId::parse(&client) else {
        return refused(&signed, StatusCode::NOT_FOUND, signed.t(&label::BAD_CLIENT));
    };
    match state
        .admin
        .acting_as(signed.actor())
        .add_notification_secret(&client)
        .await
    {
        Ok(secret) => {
            let title = signed.t(&label::NEW_SECRET_TITLE);
            let body = html! {
                h1 { (title) " — " (client) }
                p { (signed.t(&label::SECRETS_HINT)) }
                (secret_block(&signed, &secret))
                p { a href="/admin/certificates" { (signed.t(&label::BACK_TO_CERTIFICATES)) } }
            };
            frame::render(StatusCode::OK, title, "secret", &signed, body)
        }
        Err(error) => app_error(&signed, &error),
    }
}

/// `GET /admin/certificates/{thumbprint}/retire-secrets` (administrator):
/// the confirmation step before the certificate's client's older
/// notification secrets are retired.
pub async fn confirm_retire(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(text): Path<String>,
) -> Response {
    let (signed, certificate) =
        match certificate_page(&state, &headers, &text, Role::Administrator).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let secrets = match state
        .admin
        .notification_secret_times(&certificate.client)
        .await
    {
        Ok(made) => made,
        Err(error) => return app_error(&signed, &error),
    };
    let back = format!("/admin/certificates/{}", certificate.thumbprint);
    let t = |text: &Text| signed.t(text);
    let title = t(&label::RETIRE_TITLE);
    let body = html! {
        h1 { (title) " — " (certificate.client) }
        (secrets_summary(&signed, Some(&certificate.client), &secrets))
        @if secrets.len() > 1 {
            p.notice role="alert" { (t(&label::RETIRE_CONFIRM)) }
            form method="post" action={ (back) "/retire-secrets" } {
                (signed.csrf())
                input type="hidden" name="confirm" value="yes";
                p {
                    button type="submit" data-action="confirm-retire" { (t(&label::RETIRE_SUBMIT)) }
                    " "
                    a href=(back) { (t(&label::CANCEL)) }
                }
            }
        } @else {
            p data-nothing-to-retire="" { (t(&label::NOTHING_TO_RETIRE)) }
            p { a href=(back) { (t(&label::BACK_TO_CERTIFICATES)) } }
        }
    };
    frame::render(StatusCode::OK, title, "confirm-retire", &signed, body)
}

/// `POST /admin/certificates/{thumbprint}/retire-secrets` (administrator):
/// only with the confirmation's field, every active secret of the client
/// but the newest is retired (as `maksa secret retire` does, audited).
pub async fn retire_secrets(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(text): Path<String>,
    body: Body,
) -> Response {
    let (signed, form, certificate) = match certificate_action(&state, &headers, &text, body).await
    {
        Ok(found) => found,
        Err(response) => return response,
    };
    let back = format!("/admin/certificates/{}", certificate.thumbprint);
    if form.get("confirm").map(String::as_str) != Some("yes") {
        return Redirect::to(&format!("{back}/retire-secrets")).into_response();
    }
    match state
        .admin
        .acting_as(signed.actor())
        .retire_older_notification_secrets(&certificate.client)
        .await
    {
        Ok(_) => Redirect::to(&format!("{back}?notice=retired")).into_response(),
        Err(error) => app_error(&signed, &error),
    }
}
