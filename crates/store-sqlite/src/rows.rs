//! Rows as SQLite stores them: domain values encoded for insertion, and rows
//! decoded back into domain values (anything unreadable is `Corrupt`).

use crate::convert::{
    amount, attempt_id, attempt_id_text, attempt_state, client_id, currency, from_json, micros,
    optional_micros, optional_time_from_micros, request_id, request_id_text, status, status_letter,
    store_error, time_from_micros, to_json,
};
use maksa_app::store::{AuditEvent, ClientCertificate, PaymentSummary, RequestSummary, StoreError};
use maksa_domain::attempt::Attempt;
use maksa_domain::catalog::Payee;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::{PurposeId, RequestNumber};
use maksa_domain::request::{Payment, PaymentLine, PaymentRequest, RequestTerms};
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Row, Sqlite, Type};

pub const REQUEST_WITH_PAYMENTS_OF_OWNER: &str = "SELECT r.id, r.number, r.owner, r.status, r.created_at, \
     r.status_changed_at, r.terms, p.sequence, p.purpose_id, p.purpose, p.payee, p.amount_minor, \
     p.currency AS payment_currency, p.status AS payment_status, p.provider, p.paid_at AS payment_paid_at, \
     p.external_id, p.lines \
     FROM payment_requests r LEFT JOIN payments p ON p.request_id = r.id \
     WHERE r.id = ?1 AND r.owner = ?2 ORDER BY p.sequence";

pub const REQUEST_WITH_PAYMENTS: &str = "SELECT r.id, r.number, r.owner, r.status, r.created_at, \
     r.status_changed_at, r.terms, p.sequence, p.purpose_id, p.purpose, p.payee, p.amount_minor, \
     p.currency AS payment_currency, p.status AS payment_status, p.provider, p.paid_at AS payment_paid_at, \
     p.external_id, p.lines \
     FROM payment_requests r LEFT JOIN payments p ON p.request_id = r.id \
     WHERE r.id = ?1 ORDER BY p.sequence";

pub const CERTIFICATE_BY_THUMBPRINT: &str = "SELECT thumbprint, client_id, subject, not_before, not_after, \
     revoked_at, roles, services, registered_at FROM client_certificates WHERE thumbprint = ?1";

pub const ALL_CERTIFICATES: &str = "SELECT thumbprint, client_id, subject, not_before, not_after, \
     revoked_at, roles, services, registered_at FROM client_certificates \
     ORDER BY client_id, registered_at, thumbprint";

/// The columns [`attempt`] decodes, so that every query on attempts selects the same.
macro_rules! attempt_columns {
    () => {
        "id, request_id, sequence, provider, amount_minor, currency, state, external_id, \
         refund_required, created_at, updated_at"
    };
}
pub(crate) use attempt_columns;

/// `attempts_by_reference` (migration 0011) answers it.
pub const ATTEMPT_BY_REFERENCE: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE provider = ?1 AND external_id = ?2 ORDER BY created_at DESC, id DESC LIMIT 1"
);

pub const ATTEMPT_BY_ID: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE id = ?1"
);

/// Oldest first; the id orders attempts created in the same microsecond.
pub const ATTEMPTS_OF_REQUEST: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE request_id = ?1 ORDER BY created_at, id"
);

/// At most one row: `attempts_one_open_per_payment` sees to that.
pub const OPEN_ATTEMPT_OF_PAYMENT: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE request_id = ?1 AND sequence = ?2 AND state IN ('started', 'accepted')"
);

/// `?12` is when the recovery's first status query is due.
pub const INSERT_ATTEMPT: &str = "INSERT INTO attempts (id, request_id, sequence, provider, amount_minor, \
     currency, state, external_id, refund_required, created_at, updated_at, next_query_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

/// Sets an attempt's state and refund flag. Without an external id (NULL) it
/// keeps the one stored before.
pub const UPDATE_ATTEMPT: &str = concat!(
    "UPDATE attempts SET state = ?1, external_id = COALESCE(?2, external_id), refund_required = ?3, \
     updated_at = ?4 WHERE id = ?5 RETURNING ",
    attempt_columns!()
);

/// An attempt encoded for `attempts`.
pub struct NewAttempt {
    pub id: String,
    pub request_id: String,
    pub sequence: i64,
    pub provider: String,
    pub amount_minor: i64,
    pub currency: String,
    pub state: &'static str,
    pub external_id: Option<String>,
    pub refund_required: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl NewAttempt {
    pub fn new(attempt: &Attempt) -> Result<Self, StoreError> {
        Ok(NewAttempt {
            id: attempt_id_text(attempt.id),
            request_id: request_id_text(attempt.request_id),
            sequence: i64::from(attempt.sequence),
            provider: attempt.provider.as_str().to_owned(),
            amount_minor: attempt.amount.minor(),
            currency: attempt.currency.as_str().to_owned(),
            state: attempt.state.as_str(),
            external_id: attempt.external_id.clone(),
            refund_required: attempt.refund_required,
            created_at: micros(attempt.created_at)?,
            updated_at: micros(attempt.updated_at)?,
        })
    }
}

/// An audit event encoded for `audit_events`.
pub struct NewAudit {
    pub at: i64,
    pub actor: String,
    pub request_id: Option<String>,
    pub kind: String,
    pub detail: String,
}

impl NewAudit {
    pub fn new(audit: &AuditEvent) -> Result<Self, StoreError> {
        Ok(NewAudit {
            at: micros(audit.at)?,
            actor: audit.actor.clone(),
            request_id: audit.request_id.map(request_id_text),
            kind: audit.kind.clone(),
            detail: to_json(&audit.detail, "audit detail")?,
        })
    }
}

pub struct NewPayment {
    pub sequence: i64,
    pub purpose_id: String,
    pub purpose: String,
    pub payee_iban: String,
    pub payee: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub provider: Option<String>,
    pub paid_at: Option<i64>,
    pub external_id: Option<String>,
    pub lines: String,
}

/// A request, its payments and its creation audit event, encoded for insertion.
pub struct NewRequest {
    pub id: String,
    pub owner: String,
    pub number: String,
    pub status: String,
    pub created_at: i64,
    pub status_changed_at: i64,
    pub expires_at: i64,
    pub paid_at: Option<i64>,
    pub total_minor: i64,
    pub currency: String,
    pub service_name: String,
    pub service_provider_name: String,
    pub terms: String,
    pub payments: Vec<NewPayment>,
    pub audit: NewAudit,
}

impl NewRequest {
    pub fn new(request: &PaymentRequest, audit: &AuditEvent) -> Result<Self, StoreError> {
        let terms = &request.terms;
        let payments = request
            .payments
            .iter()
            .map(|payment| {
                Ok(NewPayment {
                    sequence: i64::from(payment.sequence),
                    purpose_id: payment.purpose_id.as_str().to_owned(),
                    purpose: payment.purpose.clone(),
                    payee_iban: payment.payee.iban.as_str().to_owned(),
                    payee: to_json(&payment.payee, "payee")?,
                    amount_minor: payment.amount.minor(),
                    currency: payment.currency.as_str().to_owned(),
                    status: status_letter(payment.status),
                    provider: payment.provider.as_ref().map(|p| p.as_str().to_owned()),
                    paid_at: optional_micros(payment.paid_at)?,
                    external_id: payment.external_id.clone(),
                    lines: to_json(&payment.lines, "payment lines")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(NewRequest {
            id: request_id_text(request.id),
            owner: request.owner.as_str().to_owned(),
            number: request.number.as_str().to_owned(),
            status: status_letter(request.status),
            created_at: micros(request.created_at)?,
            status_changed_at: micros(request.status_changed_at)?,
            expires_at: micros(terms.expires_at)?,
            // A request stored already paid was paid when its status last changed.
            paid_at: (request.status == maksa_domain::status::Status::Executed)
                .then(|| micros(request.status_changed_at))
                .transpose()?,
            total_minor: terms.total.minor(),
            currency: terms.currency.as_str().to_owned(),
            service_name: terms.service_name.clone(),
            service_provider_name: terms.service_provider_name.clone(),
            terms: to_json(terms, "request terms")?,
            payments,
            audit: NewAudit::new(audit)?,
        })
    }
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: Decode<'r, Sqlite> + Type<Sqlite>,
{
    row.try_get(column).map_err(store_error)
}

fn sequence(value: i64) -> Result<u16, StoreError> {
    u16::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("payment sequence {value} is out of range")))
}

fn provider_code(code: String) -> Result<ProviderCode, StoreError> {
    ProviderCode::parse(&code)
        .ok_or_else(|| StoreError::Corrupt(format!("stored provider `{code}` is not valid")))
}

fn provider(code: Option<String>) -> Result<Option<ProviderCode>, StoreError> {
    code.map(provider_code).transpose()
}

/// Rebuilds a request from the rows of `REQUEST_WITH_PAYMENTS…` (one per
/// payment, in sequence order; one with NULL payment columns when it has none).
pub fn assemble_request(rows: &[SqliteRow]) -> Result<Option<PaymentRequest>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let terms: RequestTerms = from_json(&get::<String>(first, "terms")?, "request terms")?;
    let mut payments = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(sequence_number) = get::<Option<i64>>(row, "sequence")? else {
            continue;
        };
        let purpose_id: String = get(row, "purpose_id")?;
        payments.push(Payment {
            sequence: sequence(sequence_number)?,
            purpose_id: PurposeId::try_from(purpose_id).map_err(StoreError::Corrupt)?,
            purpose: get(row, "purpose")?,
            payee: from_json::<Payee>(&get::<String>(row, "payee")?, "payee")?,
            amount: amount(get(row, "amount_minor")?)?,
            currency: currency(&get::<String>(row, "payment_currency")?)?,
            lines: from_json::<Vec<PaymentLine>>(&get::<String>(row, "lines")?, "payment lines")?,
            status: status(&get::<String>(row, "payment_status")?)?,
            provider: provider(get(row, "provider")?)?,
            paid_at: optional_time_from_micros(get(row, "payment_paid_at")?)?,
            external_id: get(row, "external_id")?,
        });
    }
    Ok(Some(PaymentRequest {
        id: request_id(&get::<String>(first, "id")?)?,
        number: RequestNumber::from_stored(get(first, "number")?),
        owner: client_id(&get::<String>(first, "owner")?)?,
        created_at: time_from_micros(get(first, "created_at")?)?,
        status: status(&get::<String>(first, "status")?)?,
        status_changed_at: time_from_micros(get(first, "status_changed_at")?)?,
        terms,
        payments,
    }))
}

pub fn request_summary(row: &SqliteRow) -> Result<RequestSummary, StoreError> {
    Ok(RequestSummary {
        id: request_id(&get::<String>(row, "id")?)?,
        number: get(row, "number")?,
        created_at: time_from_micros(get(row, "created_at")?)?,
        expires_at: time_from_micros(get(row, "expires_at")?)?,
        paid_at: optional_time_from_micros(get(row, "paid_at")?)?,
        service_provider_name: get(row, "service_provider_name")?,
        service_name: get(row, "service_name")?,
        total: amount(get(row, "total_minor")?)?,
        currency: currency(&get::<String>(row, "currency")?)?,
        status: status(&get::<String>(row, "status")?)?,
    })
}

pub fn payment_summary(row: &SqliteRow) -> Result<PaymentSummary, StoreError> {
    Ok(PaymentSummary {
        request_id: request_id(&get::<String>(row, "request_id")?)?,
        sequence: sequence(get(row, "sequence")?)?,
        paid_at: optional_time_from_micros(get(row, "paid_at")?)?,
        external_id: get(row, "external_id")?,
        service_name: get(row, "service_name")?,
        payee_iban: get(row, "payee_iban")?,
        purpose: get(row, "purpose")?,
        amount: amount(get(row, "amount_minor")?)?,
        currency: currency(&get::<String>(row, "currency")?)?,
        status: status(&get::<String>(row, "status")?)?,
        settled_on: crate::convert::optional_day(get(row, "settled_on")?)?,
        settlement_reference: get(row, "settlement_reference")?,
    })
}

pub fn certificate(row: &SqliteRow) -> Result<ClientCertificate, StoreError> {
    Ok(ClientCertificate {
        client: client_id(&get::<String>(row, "client_id")?)?,
        thumbprint: get(row, "thumbprint")?,
        subject: get(row, "subject")?,
        not_before: time_from_micros(get(row, "not_before")?)?,
        not_after: time_from_micros(get(row, "not_after")?)?,
        revoked_at: optional_time_from_micros(get(row, "revoked_at")?)?,
        roles: from_json(&get::<String>(row, "roles")?, "certificate roles")?,
        services: from_json(&get::<String>(row, "services")?, "certificate services")?,
        registered_at: time_from_micros(get(row, "registered_at")?)?,
    })
}

pub fn audit_event(row: &SqliteRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        at: time_from_micros(get(row, "at")?)?,
        actor: get(row, "actor")?,
        request_id: get::<Option<String>>(row, "request_id")?
            .as_deref()
            .map(request_id)
            .transpose()?,
        kind: get(row, "kind")?,
        detail: from_json(&get::<String>(row, "detail")?, "audit detail")?,
    })
}

pub fn attempt(row: &SqliteRow) -> Result<Attempt, StoreError> {
    Ok(Attempt {
        id: attempt_id(&get::<String>(row, "id")?)?,
        request_id: request_id(&get::<String>(row, "request_id")?)?,
        sequence: sequence(get(row, "sequence")?)?,
        provider: provider_code(get(row, "provider")?)?,
        amount: amount(get(row, "amount_minor")?)?,
        currency: currency(&get::<String>(row, "currency")?)?,
        state: attempt_state(&get::<String>(row, "state")?)?,
        external_id: get(row, "external_id")?,
        refund_required: get(row, "refund_required")?,
        created_at: time_from_micros(get(row, "created_at")?)?,
        updated_at: time_from_micros(get(row, "updated_at")?)?,
    })
}
