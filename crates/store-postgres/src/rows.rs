//! Rows as PostgreSQL stores them: domain values encoded for insertion, and rows
//! decoded back into domain values (anything unreadable is `Corrupt`).

use crate::convert::{
    amount, attempt_state, client_id, currency, optional_stored_time, status, status_letter,
    store_error, stored_time,
};
use maksa_app::store::{AuditEvent, ClientCertificate, PaymentSummary, RequestSummary, StoreError};
use maksa_domain::attempt::{Attempt, AttemptId};
use maksa_domain::catalog::Payee;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::{PaymentRequestId, PurposeId, RequestNumber};
use maksa_domain::request::{Payment, PaymentLine, PaymentRequest, RequestTerms};
use maksa_domain::status::Status;
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Decode, Postgres, Row, Type};
use time::OffsetDateTime;
use uuid::Uuid;

pub const REQUEST_WITH_PAYMENTS_OF_OWNER: &str = "SELECT r.id, r.number, r.owner, r.status, r.created_at, \
     r.status_changed_at, r.terms, p.sequence, p.purpose_id, p.purpose, p.payee, p.amount_minor, \
     p.currency AS payment_currency, p.status AS payment_status, p.provider, p.paid_at AS payment_paid_at, \
     p.external_id, p.lines \
     FROM payment_requests r LEFT JOIN payments p ON p.request_id = r.id \
     WHERE r.id = $1 AND r.owner = $2 ORDER BY p.sequence";

pub const REQUEST_WITH_PAYMENTS: &str = "SELECT r.id, r.number, r.owner, r.status, r.created_at, \
     r.status_changed_at, r.terms, p.sequence, p.purpose_id, p.purpose, p.payee, p.amount_minor, \
     p.currency AS payment_currency, p.status AS payment_status, p.provider, p.paid_at AS payment_paid_at, \
     p.external_id, p.lines \
     FROM payment_requests r LEFT JOIN payments p ON p.request_id = r.id \
     WHERE r.id = $1 ORDER BY p.sequence";

macro_rules! certificate_by_thumbprint {
    () => {
        "SELECT thumbprint, client_id, subject, not_before, not_after, \
         revoked_at, roles, services, registered_at FROM client_certificates WHERE thumbprint = $1"
    };
}

pub const CERTIFICATE_BY_THUMBPRINT: &str = certificate_by_thumbprint!();

/// The same, locking the row: a revocation reads and writes it under the lock.
pub const CERTIFICATE_BY_THUMBPRINT_FOR_UPDATE: &str =
    concat!(certificate_by_thumbprint!(), " FOR UPDATE");

pub const ALL_CERTIFICATES: &str = "SELECT thumbprint, client_id, subject, not_before, not_after, \
     revoked_at, roles, services, registered_at FROM client_certificates \
     ORDER BY client_id, registered_at, thumbprint";

/// Inserts any number of requests, all their payments and their audit events in
/// one statement (one round trip), each table's rows given as parallel arrays
/// (see [`BatchColumns`]). One fixed text, so it stays prepared. The foreign key
/// from payments to requests is checked at the end of the statement, when the
/// request rows exist.
pub const INSERT_REQUESTS: &str = "WITH new_requests AS ( \
       INSERT INTO payment_requests (id, owner, number, status, created_at, status_changed_at, expires_at, \
         paid_at, total_minor, currency, service_name, service_provider_name, terms) \
       SELECT r.id, r.owner, r.number, r.status, r.created_at, r.status_changed_at, r.expires_at, r.paid_at, \
         r.total_minor, r.currency, r.service_name, r.service_provider_name, r.terms::jsonb \
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], \
         $7::timestamptz[], $8::timestamptz[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[]) \
         AS r(id, owner, number, status, created_at, status_changed_at, expires_at, paid_at, total_minor, \
           currency, service_name, service_provider_name, terms) \
     ), new_payments AS ( \
       INSERT INTO payments (request_id, sequence, purpose_id, purpose, payee_iban, payee, amount_minor, \
         currency, status, provider, paid_at, external_id, lines) \
       SELECT p.request_id, p.sequence, p.purpose_id, p.purpose, p.payee_iban, p.payee::jsonb, p.amount_minor, \
         p.currency, p.status, p.provider, p.paid_at, p.external_id, p.lines::jsonb \
       FROM unnest($14::uuid[], $15::integer[], $16::text[], $17::text[], $18::text[], $19::text[], \
         $20::bigint[], $21::text[], $22::text[], $23::text[], $24::timestamptz[], $25::text[], $26::text[]) \
         AS p(request_id, sequence, purpose_id, purpose, payee_iban, payee, amount_minor, currency, status, \
           provider, paid_at, external_id, lines) \
     ) \
     INSERT INTO audit_events (at, actor, request_id, kind, detail) \
     SELECT a.at, a.actor, a.request_id, a.kind, a.detail::jsonb \
     FROM unnest($27::timestamptz[], $28::text[], $29::uuid[], $30::text[], $31::text[]) \
       AS a(at, actor, request_id, kind, detail)";

pub const INSERT_AUDIT: &str = "INSERT INTO audit_events (at, actor, request_id, kind, detail) VALUES ($1, $2, $3, $4, $5::jsonb)";

/// The columns [`attempt`] decodes, so that every query on attempts selects the same.
macro_rules! attempt_columns {
    () => {
        "id, request_id, sequence, provider, amount_minor, currency, state, external_id, \
         refund_required, created_at, updated_at"
    };
}
pub(crate) use attempt_columns;

/// Locks the attempt (`FOR UPDATE`): two messages about one attempt are
/// applied one after the other, the second seeing what the first wrote.
pub const ATTEMPT_BY_ID_FOR_UPDATE: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE id = $1 FOR UPDATE"
);

/// `attempts_by_reference` (migration 0011) answers it.
pub const ATTEMPT_BY_REFERENCE: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE provider = $1 AND external_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1"
);

pub const ATTEMPT_BY_ID: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE id = $1"
);

/// Oldest first; the id orders attempts created in the same microsecond.
pub const ATTEMPTS_OF_REQUEST: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE request_id = $1 ORDER BY created_at, id"
);

/// At most one row: `attempts_one_open_per_payment` sees to that.
pub const OPEN_ATTEMPT_OF_PAYMENT: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM attempts WHERE request_id = $1 AND sequence = $2 AND state IN ('started', 'accepted')"
);

/// `$12` is when the recovery's first status query is due.
pub const INSERT_ATTEMPT: &str = "INSERT INTO attempts (id, request_id, sequence, provider, amount_minor, \
     currency, state, external_id, refund_required, created_at, updated_at, next_query_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// Sets an attempt's state and refund flag. Without an external id (NULL) it
/// keeps the one stored before.
pub const UPDATE_ATTEMPT: &str = concat!(
    "UPDATE attempts SET state = $1, external_id = COALESCE($2, external_id), refund_required = $3, \
     updated_at = $4 WHERE id = $5 RETURNING ",
    attempt_columns!()
);

pub fn to_json<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<String, StoreError> {
    // Serialising the domain types cannot fail (no maps with non-string keys);
    // should it ever, the value could not be read back either.
    serde_json::to_string(value)
        .map_err(|error| StoreError::Corrupt(format!("cannot encode {what}: {error}")))
}

/// An attempt encoded for `attempts`.
pub struct NewAttempt {
    pub id: Uuid,
    pub request_id: Uuid,
    pub sequence: i32,
    pub provider: String,
    pub amount_minor: i64,
    pub currency: String,
    pub state: &'static str,
    pub external_id: Option<String>,
    pub refund_required: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl NewAttempt {
    pub fn new(attempt: &Attempt) -> Self {
        NewAttempt {
            id: attempt.id.as_uuid(),
            request_id: attempt.request_id.as_uuid(),
            sequence: i32::from(attempt.sequence),
            provider: attempt.provider.as_str().to_owned(),
            amount_minor: attempt.amount.minor(),
            currency: attempt.currency.as_str().to_owned(),
            state: attempt.state.as_str(),
            external_id: attempt.external_id.clone(),
            refund_required: attempt.refund_required,
            created_at: stored_time(attempt.created_at),
            updated_at: stored_time(attempt.updated_at),
        }
    }
}

/// An audit event encoded for `audit_events`.
pub struct NewAudit {
    pub at: OffsetDateTime,
    pub actor: String,
    pub request_id: Option<Uuid>,
    pub kind: String,
    pub detail: String,
}

impl NewAudit {
    pub fn new(audit: &AuditEvent) -> Result<Self, StoreError> {
        Ok(NewAudit {
            at: stored_time(audit.at),
            actor: audit.actor.clone(),
            request_id: audit.request_id.map(|id| id.as_uuid()),
            kind: audit.kind.clone(),
            detail: to_json(&audit.detail, "audit detail")?,
        })
    }
}

pub struct NewPayment {
    pub sequence: i32,
    pub purpose_id: String,
    pub purpose: String,
    pub payee_iban: String,
    pub payee: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub provider: Option<String>,
    pub paid_at: Option<OffsetDateTime>,
    pub external_id: Option<String>,
    pub lines: String,
}

/// A request, its payments and its creation audit event, encoded for insertion.
pub struct NewRequest {
    pub id: Uuid,
    pub owner: String,
    pub number: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub status_changed_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub paid_at: Option<OffsetDateTime>,
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
                    sequence: i32::from(payment.sequence),
                    purpose_id: payment.purpose_id.as_str().to_owned(),
                    purpose: payment.purpose.clone(),
                    payee_iban: payment.payee.iban.as_str().to_owned(),
                    payee: to_json(&payment.payee, "payee")?,
                    amount_minor: payment.amount.minor(),
                    currency: payment.currency.as_str().to_owned(),
                    status: status_letter(payment.status),
                    provider: payment.provider.as_ref().map(|p| p.as_str().to_owned()),
                    paid_at: optional_stored_time(payment.paid_at),
                    external_id: payment.external_id.clone(),
                    lines: to_json(&payment.lines, "payment lines")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(NewRequest {
            id: request.id.as_uuid(),
            owner: request.owner.as_str().to_owned(),
            number: request.number.as_str().to_owned(),
            status: status_letter(request.status),
            created_at: stored_time(request.created_at),
            status_changed_at: stored_time(request.status_changed_at),
            expires_at: stored_time(terms.expires_at),
            // A request stored already paid was paid when its status last changed.
            paid_at: (request.status == Status::Executed)
                .then(|| stored_time(request.status_changed_at)),
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

/// The column arrays `INSERT_REQUESTS` unnests: one element per request, per
/// payment and per audit event.
#[derive(Default)]
pub struct BatchColumns<'a> {
    pub ids: Vec<Uuid>,
    pub owners: Vec<&'a str>,
    pub numbers: Vec<&'a str>,
    pub statuses: Vec<&'a str>,
    pub created_at: Vec<OffsetDateTime>,
    pub status_changed_at: Vec<OffsetDateTime>,
    pub expires_at: Vec<OffsetDateTime>,
    pub paid_at: Vec<Option<OffsetDateTime>>,
    pub totals_minor: Vec<i64>,
    pub currencies: Vec<&'a str>,
    pub service_names: Vec<&'a str>,
    pub service_provider_names: Vec<&'a str>,
    pub terms: Vec<&'a str>,

    pub payment_request_ids: Vec<Uuid>,
    pub payment_sequences: Vec<i32>,
    pub payment_purpose_ids: Vec<&'a str>,
    pub payment_purposes: Vec<&'a str>,
    pub payment_payee_ibans: Vec<&'a str>,
    pub payment_payees: Vec<&'a str>,
    pub payment_amounts_minor: Vec<i64>,
    pub payment_currencies: Vec<&'a str>,
    pub payment_statuses: Vec<&'a str>,
    pub payment_providers: Vec<Option<&'a str>>,
    pub payment_paid_at: Vec<Option<OffsetDateTime>>,
    pub payment_external_ids: Vec<Option<&'a str>>,
    pub payment_lines: Vec<&'a str>,

    pub audit_at: Vec<OffsetDateTime>,
    pub audit_actors: Vec<&'a str>,
    pub audit_request_ids: Vec<Option<Uuid>>,
    pub audit_kinds: Vec<&'a str>,
    pub audit_details: Vec<&'a str>,
}

impl<'a> BatchColumns<'a> {
    pub fn new(requests: &[&'a NewRequest]) -> Self {
        let mut columns = BatchColumns::default();
        for request in requests {
            columns.ids.push(request.id);
            columns.owners.push(&request.owner);
            columns.numbers.push(&request.number);
            columns.statuses.push(&request.status);
            columns.created_at.push(request.created_at);
            columns.status_changed_at.push(request.status_changed_at);
            columns.expires_at.push(request.expires_at);
            columns.paid_at.push(request.paid_at);
            columns.totals_minor.push(request.total_minor);
            columns.currencies.push(&request.currency);
            columns.service_names.push(&request.service_name);
            columns
                .service_provider_names
                .push(&request.service_provider_name);
            columns.terms.push(&request.terms);
            for payment in &request.payments {
                columns.payment_request_ids.push(request.id);
                columns.payment_sequences.push(payment.sequence);
                columns.payment_purpose_ids.push(&payment.purpose_id);
                columns.payment_purposes.push(&payment.purpose);
                columns.payment_payee_ibans.push(&payment.payee_iban);
                columns.payment_payees.push(&payment.payee);
                columns.payment_amounts_minor.push(payment.amount_minor);
                columns.payment_currencies.push(&payment.currency);
                columns.payment_statuses.push(&payment.status);
                columns.payment_providers.push(payment.provider.as_deref());
                columns.payment_paid_at.push(payment.paid_at);
                columns
                    .payment_external_ids
                    .push(payment.external_id.as_deref());
                columns.payment_lines.push(&payment.lines);
            }
            let audit = &request.audit;
            columns.audit_at.push(audit.at);
            columns.audit_actors.push(&audit.actor);
            columns.audit_request_ids.push(audit.request_id);
            columns.audit_kinds.push(&audit.kind);
            columns.audit_details.push(&audit.detail);
        }
        columns
    }
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: Decode<'r, Postgres> + Type<Postgres>,
{
    row.try_get(column).map_err(store_error)
}

fn sequence(value: i32) -> Result<u16, StoreError> {
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
pub fn assemble_request(rows: &[PgRow]) -> Result<Option<PaymentRequest>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let Json(terms) = get::<Json<RequestTerms>>(first, "terms")?;
    let mut payments = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(sequence_number) = get::<Option<i32>>(row, "sequence")? else {
            continue;
        };
        let purpose_id: String = get(row, "purpose_id")?;
        payments.push(Payment {
            sequence: sequence(sequence_number)?,
            purpose_id: PurposeId::try_from(purpose_id).map_err(StoreError::Corrupt)?,
            purpose: get(row, "purpose")?,
            payee: get::<Json<Payee>>(row, "payee")?.0,
            amount: amount(get(row, "amount_minor")?)?,
            currency: currency(&get::<String>(row, "payment_currency")?)?,
            lines: get::<Json<Vec<PaymentLine>>>(row, "lines")?.0,
            status: status(&get::<String>(row, "payment_status")?)?,
            provider: provider(get(row, "provider")?)?,
            paid_at: get(row, "payment_paid_at")?,
            external_id: get(row, "external_id")?,
        });
    }
    Ok(Some(PaymentRequest {
        id: PaymentRequestId::from_uuid(get(first, "id")?),
        number: RequestNumber::from_stored(get(first, "number")?),
        owner: client_id(&get::<String>(first, "owner")?)?,
        created_at: get(first, "created_at")?,
        status: status(&get::<String>(first, "status")?)?,
        status_changed_at: get(first, "status_changed_at")?,
        terms,
        payments,
    }))
}

pub fn request_summary(row: &PgRow) -> Result<RequestSummary, StoreError> {
    Ok(RequestSummary {
        id: PaymentRequestId::from_uuid(get(row, "id")?),
        number: get(row, "number")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
        paid_at: get(row, "paid_at")?,
        service_provider_name: get(row, "service_provider_name")?,
        service_name: get(row, "service_name")?,
        total: amount(get(row, "total_minor")?)?,
        currency: currency(&get::<String>(row, "currency")?)?,
        status: status(&get::<String>(row, "status")?)?,
    })
}

pub fn payment_summary(row: &PgRow) -> Result<PaymentSummary, StoreError> {
    Ok(PaymentSummary {
        request_id: PaymentRequestId::from_uuid(get(row, "request_id")?),
        sequence: sequence(get(row, "sequence")?)?,
        paid_at: get(row, "paid_at")?,
        external_id: get(row, "external_id")?,
        service_name: get(row, "service_name")?,
        payee_iban: get(row, "payee_iban")?,
        purpose: get(row, "purpose")?,
        amount: amount(get(row, "amount_minor")?)?,
        currency: currency(&get::<String>(row, "currency")?)?,
        status: status(&get::<String>(row, "status")?)?,
        settled_on: get(row, "settled_on")?,
        settlement_reference: get(row, "settlement_reference")?,
    })
}

pub fn certificate(row: &PgRow) -> Result<ClientCertificate, StoreError> {
    Ok(ClientCertificate {
        client: client_id(&get::<String>(row, "client_id")?)?,
        thumbprint: get(row, "thumbprint")?,
        subject: get(row, "subject")?,
        not_before: get(row, "not_before")?,
        not_after: get(row, "not_after")?,
        revoked_at: get(row, "revoked_at")?,
        roles: get::<Json<Vec<String>>>(row, "roles")?.0,
        services: get::<Json<Vec<String>>>(row, "services")?.0,
        registered_at: get(row, "registered_at")?,
    })
}

pub fn audit_event(row: &PgRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        at: get(row, "at")?,
        actor: get(row, "actor")?,
        request_id: get::<Option<Uuid>>(row, "request_id")?.map(PaymentRequestId::from_uuid),
        kind: get(row, "kind")?,
        detail: get::<Json<serde_json::Value>>(row, "detail")?.0,
    })
}

pub fn attempt(row: &PgRow) -> Result<Attempt, StoreError> {
    Ok(Attempt {
        id: AttemptId::from_uuid(get(row, "id")?),
        request_id: PaymentRequestId::from_uuid(get(row, "request_id")?),
        sequence: sequence(get(row, "sequence")?)?,
        provider: provider_code(get(row, "provider")?)?,
        amount: amount(get(row, "amount_minor")?)?,
        currency: currency(&get::<String>(row, "currency")?)?,
        state: attempt_state(&get::<String>(row, "state")?)?,
        external_id: get(row, "external_id")?,
        refund_required: get(row, "refund_required")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}
