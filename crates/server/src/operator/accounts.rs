//! The operators' accounts at `/admin/accounts` (administrators only):
//! the list, a new account with a role (its one-time password and TOTP
//! secret shown once), and per account: change the role, disable or enable,
//! reset the password or the second factor. They call
//! `maksa_app::operators::Operators`; this module only translates.

use super::frame::{self, Signed};
use crate::AppState;
use crate::labels::{Text, accounts as label, console};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maksa_app::operators::{AccountError, AccountRefusal, Credentials, Role, totp};
use maud::{Markup, html};
use std::collections::HashMap;

/// The texts of the roles.
pub(crate) fn role_text(role: Role) -> &'static Text {
    match role {
        Role::Viewer => &console::ROLE_VIEWER,
        Role::Operator => &console::ROLE_OPERATOR,
        Role::Administrator => &console::ROLE_ADMINISTRATOR,
    }
}

/// The role `<select>` of a form.
fn role_select(signed: &Signed<'_>, id: &str, current: Role) -> Markup {
    html! {
        select id=(id) name="role" {
            @for role in Role::ALL {
                option value=(role.as_str()) selected[role == current] { (signed.t(role_text(role))) }
            }
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let signed = match frame::console_page(&state, &headers, Role::Administrator).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let notice = query.get("notice").is_some_and(|n| n == "done");
    page(&signed, StatusCode::OK, notice, None).await
}

async fn page(
    signed: &Signed<'_>,
    status: StatusCode,
    notice: bool,
    credentials: Option<&Credentials>,
) -> Response {
    let accounts = match signed.console.operators.accounts().await {
        Ok(accounts) => accounts,
        Err(error) => {
            tracing::error!(%error, "the accounts page failed");
            return frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                signed,
                "unavailable",
                &console::UNAVAILABLE_TITLE,
                signed.t(&console::UNAVAILABLE),
            );
        }
    };
    let title = signed.t(&label::ACCOUNTS_TITLE);
    let body = html! {
        h1 { (title) }
        @if notice {
            p.notice role="status" data-notice="done" { (signed.t(&label::NOTICE_DONE)) }
        }
        @if let Some(credentials) = credentials {
            (credentials_block(signed, credentials))
        }
        div.scroll role="region" aria-label=(signed.t(&label::ACCOUNTS_CAPTION)) tabindex="0" {
            table data-table="accounts" {
                caption { (signed.t(&label::ACCOUNTS_CAPTION)) }
                thead { tr {
                    th scope="col" { (signed.t(&label::NAME)) }
                    th scope="col" { (signed.t(&label::ROLE)) }
                    th scope="col" { (signed.t(&label::STATE)) }
                    th scope="col" { (signed.t(&label::SECOND_FACTOR)) }
                    th scope="col" { (signed.t(&label::CHANGED)) }
                    th scope="col" { (signed.t(&label::ACTIONS)) }
                } }
                tbody {
                    @for (index, account) in accounts.iter().enumerate() {
                        @let base = format!("/admin/accounts/{}", urlencode(&account.name));
                        @let select_id = format!("role-{index}");
                        tr data-account=(account.name) data-role=(account.role.as_str())
                            data-disabled=(account.disabled) {
                            th scope="row" { (account.name) }
                            td { (signed.t(role_text(account.role))) }
                            td { (signed.t(if account.disabled { &label::DISABLED } else { &label::ENABLED })) }
                            td { (signed.t(if account.enrolled { &label::ENROLLED } else { &label::NOT_ENROLLED })) }
                            td { (account.updated_at.date()) " " (account.updated_by) }
                            td {
                                form.inline method="post" action={ (base) "/role" } {
                                    (signed.csrf())
                                    label for=(select_id) { (signed.t(&label::ROLE)) " " }
                                    (role_select(signed, &select_id, account.role))
                                    " "
                                    button.secondary type="submit" data-action="change-role" { (signed.t(&label::CHANGE_ROLE)) }
                                }
                                @if account.disabled {
                                    form.inline method="post" action={ (base) "/enable" } {
                                        (signed.csrf())
                                        button.secondary type="submit" data-action="enable" { (signed.t(&label::ENABLE)) }
                                    }
                                } @else {
                                    form.inline method="post" action={ (base) "/disable" } {
                                        (signed.csrf())
                                        button.secondary type="submit" data-action="disable" { (signed.t(&label::DISABLE)) }
                                    }
                                }
                                form.inline method="post" action={ (base) "/reset-password" } {
                                    (signed.csrf())
                                    button.secondary type="submit" data-action="reset-password" { (signed.t(&label::RESET_PASSWORD)) }
                                }
                                form.inline method="post" action={ (base) "/reset-second-factor" } {
                                    (signed.csrf())
                                    button.secondary type="submit" data-action="reset-second-factor" { (signed.t(&label::RESET_SECOND_FACTOR)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (signed.t(&label::CREATE_TITLE)) }
        form method="post" action="/admin/accounts" {
            (signed.csrf())
            p {
                label for="new-name" { (signed.t(&label::NAME)) } br;
                input id="new-name" name="name" required maxlength="64" autocomplete="off";
            }
            p {
                label for="new-role" { (signed.t(&label::ROLE)) } br;
                (role_select(signed, "new-role", Role::Operator))
            }
            p { button type="submit" data-action="create-account" { (signed.t(&label::CREATE)) } }
        }
    };
    frame::render(status, title, "accounts", signed, body)
}

/// The one-time sign-in details of a new account or a reset.
fn credentials_block(signed: &Signed<'_>, credentials: &Credentials) -> Markup {
    html! {
        section data-credentials=(credentials.name) aria-labelledby="credentials-title" {
            h2 id="credentials-title" { (signed.t(&label::CREDENTIALS_TITLE)) ": " (credentials.name) }
            p role="status" { (signed.t(&label::CREDENTIALS_ONCE)) }
            dl {
                @if let Some(password) = &credentials.password {
                    dt { (signed.t(&label::PASSWORD)) }
                    dd { code data-password { (password) } }
                }
                @if let Some(secret) = &credentials.totp_secret {
                    dt { (signed.t(&label::SECRET)) }
                    dd { code data-totp-secret { (secret) } }
                    dt { (signed.t(&label::URI)) }
                    dd { code data-totp-uri { (totp::uri(secret, &credentials.name)) } }
                }
            }
        }
    }
}

fn urlencode(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn refusal(signed: &Signed<'_>, error: &AccountError) -> Response {
    let text = match error {
        AccountError::Refused(refusal) => match refusal {
            AccountRefusal::BadName => &label::REFUSED_BAD_NAME,
            AccountRefusal::Exists => &label::REFUSED_EXISTS,
            AccountRefusal::NoSuchAccount => &label::REFUSED_NO_ACCOUNT,
            AccountRefusal::Yourself => &label::REFUSED_YOURSELF,
            AccountRefusal::LastAdministrator => &label::REFUSED_LAST_ADMINISTRATOR,
        },
        AccountError::App(app) => {
            tracing::error!(error = %app, "an account change failed");
            return frame::notice(
                StatusCode::SERVICE_UNAVAILABLE,
                signed,
                "unavailable",
                &console::UNAVAILABLE_TITLE,
                signed.t(&console::UNAVAILABLE),
            );
        }
    };
    let status = if matches!(error, AccountError::Refused(AccountRefusal::NoSuchAccount)) {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::CONFLICT
    };
    frame::notice(
        status,
        signed,
        "refused",
        &label::REFUSED_TITLE,
        signed.t(text),
    )
}

pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (signed, form) =
        match frame::console_action(&state, &headers, body, Role::Administrator).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let name = form.get("name").map(String::as_str).unwrap_or_default();
    let Some(role) = form.get("role").and_then(|r| Role::parse(r)) else {
        return refusal(&signed, &AccountError::Refused(AccountRefusal::BadName));
    };
    match signed
        .console
        .operators
        .create_account(&signed.session.name, name, role)
        .await
    {
        Ok(credentials) => page(&signed, StatusCode::CREATED, false, Some(&credentials)).await,
        Err(error) => refusal(&signed, &error),
    }
}

/// `POST /admin/accounts/{name}/{action}`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, action)): Path<(String, String)>,
    body: Body,
) -> Response {
    let (signed, form) =
        match frame::console_action(&state, &headers, body, Role::Administrator).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let operators = &signed.console.operators;
    let by = signed.session.name.as_str();
    let done = match action.as_str() {
        "role" => match form.get("role").and_then(|r| Role::parse(r)) {
            Some(role) => operators.set_role(by, &name, role).await,
            None => Err(AccountError::Refused(AccountRefusal::BadName)),
        },
        "disable" => operators.set_disabled(by, &name, true).await,
        "enable" => operators.set_disabled(by, &name, false).await,
        "reset-second-factor" => operators.reset_second_factor(by, &name).await,
        "reset-password" => {
            return match operators.reset_password(by, &name).await {
                Ok(credentials) => page(&signed, StatusCode::OK, true, Some(&credentials)).await,
                Err(error) => refusal(&signed, &error),
            };
        }
        _ => {
            return frame::notice(
                StatusCode::NOT_FOUND,
                &signed,
                "not-found",
                &console::NOT_FOUND_TITLE,
                signed.t(&label::REFUSED_NO_ACCOUNT),
            );
        }
    };
    match done {
        // Changing oneself ends one's own sessions too: to the sign-in page.
        Ok(()) => Redirect::to("/admin/accounts?notice=done").into_response(),
        Err(error) => refusal(&signed, &error),
    }
}
