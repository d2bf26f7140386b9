//! The scenarios. Each takes a fresh, migrated, empty store and panics on the
//! first behaviour that differs from the `Store` contract.

use crate::fixtures::{
    BASE_TIME, LATVIAN_LETTERS, attempt_audit, client, creation_audit, currency, euros,
    operator_audit, provider, sample_attempt, sample_catalog, sample_certificate, sample_request,
    single_payment_request, truncate_to_microseconds,
};
use maksa_app::store::prelude::*;
use maksa_app::store::{
    AuditEvent, DeliveryAttempt, DeliveryResult, DocumentFileKind, DocumentState, DocumentStored,
    ExpiryCandidate, NewDocument, NewNotification, Notification, NotificationKind,
    NotificationState, OutcomeApplied, OutcomeReport, PaymentFilter, PaymentSummary, RequestFilter,
    RequestSummary, StartRefused, StatusChange, StoreError, StoredDocumentFile,
};
use maksa_app::workflows::Workflows;
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState, Outcome, Settlement};
use maksa_domain::document::{DocumentKind, JustificationDocument, Party};
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use serde_json::json;
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime, UtcOffset};

/// A limit no scenario reaches, for "all rows".
const ALL: u32 = 10_000;

// ---------------------------------------------------------------- helpers

/// A document of `request` whose files are stand-ins: the store keeps bytes,
/// whatever they are.
fn new_document(
    request: &PaymentRequest,
    kind: DocumentKind,
    version: u32,
    at: OffsetDateTime,
) -> NewDocument {
    let content = JustificationDocument::issue(
        kind,
        version,
        at,
        request,
        &sample_catalog(1),
        &Party::default(),
        None,
    );
    NewDocument {
        owner: request.owner.clone(),
        pdf_lv: format!("%PDF lv {}", content.number).into_bytes(),
        pdf_en: format!("%PDF en {}", content.number).into_bytes(),
        xml: format!("<d>{}</d>", content.number).into_bytes(),
        content,
    }
}

pub(crate) async fn insert_all(store: &dyn Store, requests: &[PaymentRequest]) {
    let batch: Vec<(PaymentRequest, AuditEvent)> = requests
        .iter()
        .map(|r| (r.clone(), creation_audit(r)))
        .collect();
    let results = store
        .insert_payment_requests(&batch)
        .await
        .expect("the batch failed as a whole");
    assert_eq!(results.len(), batch.len(), "one result per item");
    for (result, request) in results.iter().zip(requests) {
        assert!(
            result.is_ok(),
            "inserting {} failed: {result:?}",
            request.number
        );
    }
}

async fn stored(store: &dyn Store, request: &PaymentRequest) -> PaymentRequest {
    store
        .payment_request(&request.owner, request.id)
        .await
        .expect("reading a request failed")
        .unwrap_or_else(|| panic!("request {} is not stored", request.number))
}

fn status_audit(request: &PaymentRequest, kind: &str, at: OffsetDateTime) -> AuditEvent {
    AuditEvent {
        at,
        actor: request.owner.to_string(),
        request_id: Some(request.id),
        kind: kind.into(),
        detail: json!({ "number": request.number.as_str() }),
    }
}

pub(crate) fn change(
    request: &PaymentRequest,
    to: Status,
    at: OffsetDateTime,
    open_payments_to: Option<Status>,
) -> StatusChange {
    let kind = match to {
        Status::Executed => "payment_request.paid",
        Status::Cancelled => "payment_request.cancelled",
        Status::Expired => "payment_request.expired",
        _ => "payment_request.other",
    };
    StatusChange {
        owner: request.owner.clone(),
        id: request.id,
        from: request.status,
        to,
        at,
        open_payments_to,
        audit: status_audit(request, kind, at),
        notifications: Vec::new(),
    }
}

/// Applies `to` (with payments following) and asserts it was applied.
async fn apply(store: &dyn Store, request: &PaymentRequest, to: Status, at: OffsetDateTime) {
    let applied = store
        .change_request_status(&change(request, to, at, Some(to)))
        .await
        .expect("status change failed");
    assert!(
        applied,
        "status change of {} to {to} was not applied",
        request.number
    );
}

fn summary(
    request: &PaymentRequest,
    status: Status,
    paid_at: Option<OffsetDateTime>,
) -> RequestSummary {
    RequestSummary {
        id: request.id,
        number: request.number.to_string(),
        created_at: request.created_at,
        expires_at: request.terms.expires_at,
        paid_at,
        service_provider_name: request.terms.service_provider_name.clone(),
        service_name: request.terms.service_name.clone(),
        total: request.terms.total,
        currency: request.terms.currency,
        status,
    }
}

fn payment_summaries(request: &PaymentRequest) -> Vec<PaymentSummary> {
    request
        .payments
        .iter()
        .map(|p| PaymentSummary {
            request_id: request.id,
            sequence: p.sequence,
            paid_at: p.paid_at,
            external_id: p.external_id.clone(),
            service_name: request.terms.service_name.clone(),
            payee_iban: p.payee.iban.to_string(),
            purpose: p.purpose.clone(),
            amount: p.amount,
            currency: p.currency,
            status: p.status,
            settled_on: None,
            settlement_reference: None,
        })
        .collect()
}

async fn listed_ids(
    store: &dyn Store,
    owner: &ClientId,
    filter: RequestFilter,
) -> Vec<PaymentRequestId> {
    store
        .payment_requests(owner, &filter)
        .await
        .expect("listing requests failed")
        .into_iter()
        .map(|s| s.id)
        .collect()
}

async fn listed_payments(
    store: &dyn Store,
    owner: &ClientId,
    filter: PaymentFilter,
) -> Vec<(PaymentRequestId, u16)> {
    store
        .payments(owner, &filter)
        .await
        .expect("listing payments failed")
        .into_iter()
        .map(|p| (p.request_id, p.sequence))
        .collect()
}

fn ids(requests: &[&PaymentRequest]) -> Vec<PaymentRequestId> {
    requests.iter().map(|r| r.id).collect()
}

fn all_requests() -> RequestFilter {
    RequestFilter {
        limit: ALL,
        ..RequestFilter::default()
    }
}

fn all_payments() -> PaymentFilter {
    PaymentFilter {
        limit: ALL,
        ..PaymentFilter::default()
    }
}

/// `count` requests of `owner`, created an hour apart from `first_created`.
fn hourly_requests(
    owner: &ClientId,
    first_seed: u64,
    count: u64,
    first_created: OffsetDateTime,
) -> Vec<PaymentRequest> {
    (0..count)
        .map(|i| {
            let mut request = sample_request(owner, first_seed + i);
            request.created_at = first_created + Duration::hours(i64::try_from(i).unwrap());
            request.status_changed_at = request.created_at;
            request.terms.expires_at = request.created_at + Duration::days(30);
            request
        })
        .collect()
}

// -------------------------------------------------------------- scenarios

pub async fn empty_store_has_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    assert!(store.write_concurrency() >= 1);
    assert_eq!(store.load_catalog().await.unwrap(), None);
    assert!(store.client_certificates().await.unwrap().is_empty());
    assert!(
        store
            .payment_requests(&owner, &all_requests())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .payments(&owner, &all_payments())
            .await
            .unwrap()
            .is_empty()
    );
    let results = store.insert_payment_requests(&[]).await.unwrap();
    assert!(results.is_empty(), "an empty batch has no results");
}

pub async fn catalog_round_trip_and_newest_wins(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let first = sample_catalog(1);
    let second = sample_catalog(2);
    assert_ne!(first, second);

    let at = datetime!(2025-01-02 03:04:05.678901 UTC);
    let v1 = store
        .save_catalog(
            &first,
            "# katalogs r1\n",
            at,
            &operator_audit("catalog.imported", at),
        )
        .await
        .unwrap();
    assert_eq!(store.load_catalog().await.unwrap().as_ref(), Some(&first));

    let later = at + Duration::hours(1);
    let source = format!("# katalogs r2 {LATVIAN_LETTERS}\n");
    let v2 = store
        .save_catalog(
            &second,
            &source,
            later,
            &operator_audit("catalog.imported", later),
        )
        .await
        .unwrap();
    assert!(v2 > v1, "versions increase: {v1} then {v2}");
    assert_eq!(
        store.load_catalog().await.unwrap().as_ref(),
        Some(&second),
        "the newest catalogue wins"
    );

    // Importing the first again makes it the newest once more.
    let v3 = store
        .save_catalog(
            &first,
            "# katalogs r1\n",
            later,
            &operator_audit("catalog.imported", later),
        )
        .await
        .unwrap();
    assert!(v3 > v2);
    assert_eq!(store.load_catalog().await.unwrap().as_ref(), Some(&first));
}

pub async fn certificates_register_get_list_upsert_revoke(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let pmlp = client("pmlp.epakalpojumi");
    let vid = client("vid.eds");
    let first = sample_certificate(&pmlp, 1);
    let mut second = sample_certificate(&vid, 2);
    second.services = Vec::new();
    second.roles = vec!["MM_INVOICE_SERVICE".into(), "MM_REPORTS".into()];
    let at = first.registered_at;

    store
        .register_client_certificate(&first, &operator_audit("certificate.registered", at))
        .await
        .unwrap();
    store
        .register_client_certificate(&second, &operator_audit("certificate.registered", at))
        .await
        .unwrap();
    assert_eq!(
        store
            .client_certificate(&first.thumbprint)
            .await
            .unwrap()
            .as_ref(),
        Some(&first)
    );
    assert_eq!(
        store
            .client_certificate(&second.thumbprint)
            .await
            .unwrap()
            .as_ref(),
        Some(&second)
    );
    assert_eq!(
        store.client_certificate(&"0".repeat(64)).await.unwrap(),
        None
    );

    let mut listed = store.client_certificates().await.unwrap();
    listed.sort_by(|a, b| a.thumbprint.cmp(&b.thumbprint));
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort_by(|a, b| a.thumbprint.cmp(&b.thumbprint));
    assert_eq!(listed, expected);

    // Same thumbprint again: the registration is replaced, not duplicated.
    let mut replaced = first.clone();
    replaced.subject = format!("CN=pmlp.epakalpojumi,O=Pārvalde ({LATVIAN_LETTERS}),C=LV");
    replaced.roles = vec!["MM_INVOICE_SERVICE".into(), "MM_REPORTS".into()];
    replaced.services = vec!["PMLP-PASE".into(), "PMLP-ID".into()];
    replaced.not_after = first.not_after + Duration::days(365);
    replaced.registered_at = at + Duration::days(3);
    store
        .register_client_certificate(
            &replaced,
            &operator_audit("certificate.registered", replaced.registered_at),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .client_certificate(&first.thumbprint)
            .await
            .unwrap()
            .as_ref(),
        Some(&replaced)
    );
    assert_eq!(
        store.client_certificates().await.unwrap().len(),
        2,
        "an upsert does not add a row"
    );

    let revoked_at = at + Duration::days(5) + Duration::microseconds(3);
    assert!(
        store
            .revoke_client_certificate(
                &first.thumbprint,
                revoked_at,
                &operator_audit("certificate.revoked", revoked_at)
            )
            .await
            .unwrap()
    );
    let after = store
        .client_certificate(&first.thumbprint)
        .await
        .unwrap()
        .expect("still registered");
    assert_eq!(after.revoked_at, Some(revoked_at));
    let mut expected = replaced.clone();
    expected.revoked_at = Some(revoked_at);
    assert_eq!(after, expected, "revoking changes nothing else");
    assert_eq!(
        store
            .client_certificate(&second.thumbprint)
            .await
            .unwrap()
            .as_ref(),
        Some(&second),
        "the other is untouched"
    );

    // Revoking again keeps the first revocation time: it is a fact, not a setting.
    let again = revoked_at + Duration::days(1);
    assert!(
        store
            .revoke_client_certificate(
                &first.thumbprint,
                again,
                &operator_audit("certificate.revoked", again)
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .client_certificate(&first.thumbprint)
            .await
            .unwrap()
            .and_then(|c| c.revoked_at),
        Some(revoked_at)
    );

    assert!(
        !store
            .revoke_client_certificate(
                &"f".repeat(64),
                revoked_at,
                &operator_audit("certificate.revoked", revoked_at)
            )
            .await
            .unwrap(),
        "unknown thumbprint"
    );
    assert_eq!(store.client_certificates().await.unwrap().len(), 2);
}

pub async fn requests_round_trip(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let mut requests: Vec<PaymentRequest> =
        (1..=5).map(|seed| sample_request(&owner, seed)).collect();

    // A request given in Riga time comes back as the same instant.
    let riga = UtcOffset::from_hms(2, 0, 0).unwrap();
    requests[1].created_at = requests[1].created_at.to_offset(riga);
    requests[1].terms.expires_at = requests[1]
        .terms
        .expires_at
        .to_offset(UtcOffset::from_hms(3, 0, 0).unwrap());

    // A payment that already carries what a provider reports.
    let paid = &mut requests[2].payments[0];
    paid.status = Status::Executed;
    paid.provider = Some(provider("HABALV22"));
    paid.paid_at = Some(datetime!(2025-03-11 10:00:00.000001 UTC));
    paid.external_id = Some(format!("HABA-2025-000042-{LATVIAN_LETTERS}"));

    // A request without a payer or optional URLs.
    requests[3].terms.payer = Default::default();
    requests[3].terms.response_url = None;
    requests[3].terms.server_response_url = None;
    requests[3].terms.return_redirect_url = None;
    requests[3].terms.preselected_provider = None;
    requests[3].terms.invoice_issue_date = None;

    insert_all(store, &requests).await;

    for request in &requests {
        let by_owner = stored(store, request).await;
        assert_eq!(
            &by_owner, request,
            "{} reads back as inserted",
            request.number
        );
        assert_eq!(
            by_owner.created_at.offset(),
            UtcOffset::UTC,
            "times come back in UTC"
        );
        let by_id = store.payment_request_by_id(request.id).await.unwrap();
        assert_eq!(
            by_id.as_ref(),
            Some(request),
            "by id (the payer's page) too"
        );
        assert_eq!(
            store.request_status(&owner, request.id).await.unwrap(),
            Some(Status::InProcess)
        );
        assert_eq!(
            store.audit_events(request.id).await.unwrap(),
            vec![creation_audit(request)],
            "the creation audit is stored with it"
        );
        let sequences: Vec<u16> = by_owner.payments.iter().map(|p| p.sequence).collect();
        assert_eq!(
            sequences,
            vec![1, 2],
            "payments come back in sequence order"
        );
    }
    assert_eq!(
        store
            .payment_request_by_id(PaymentRequestId::from_random([7; 16]))
            .await
            .unwrap(),
        None
    );
}

pub async fn request_times_are_truncated_to_microseconds(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let mut request = sample_request(&owner, 9);
    request.created_at = datetime!(2025-05-06 07:08:09.123456789 UTC);
    request.status_changed_at = request.created_at;
    insert_all(store, std::slice::from_ref(&request)).await;

    let read = stored(store, &request).await;
    assert_eq!(
        read.created_at,
        datetime!(2025-05-06 07:08:09.123456 UTC),
        "truncated, not rounded"
    );
    assert_eq!(
        read.created_at,
        truncate_to_microseconds(request.created_at)
    );
    let listed = store
        .payment_requests(&owner, &all_requests())
        .await
        .unwrap();
    assert_eq!(
        listed[0].created_at,
        datetime!(2025-05-06 07:08:09.123456 UTC)
    );

    // A filter bound with nanoseconds compares against the stored (truncated) time.
    let from = RequestFilter {
        created_from: Some(datetime!(2025-05-06 07:08:09.123456 UTC)),
        ..all_requests()
    };
    assert_eq!(listed_ids(store, &owner, from).await, vec![request.id]);
}

pub async fn number_conflict_fails_only_that_item(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let first = sample_request(&owner, 1);
    let mut same_number = sample_request(&owner, 2);
    same_number.number = first.number.clone();
    let third = sample_request(&owner, 3);

    let batch: Vec<_> = [&first, &same_number, &third]
        .iter()
        .map(|r| ((*r).clone(), creation_audit(r)))
        .collect();
    let results = store.insert_payment_requests(&batch).await.unwrap();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(
        matches!(results[1], Err(StoreError::Conflict(_))),
        "reused number: {:?}",
        results[1]
    );
    assert!(results[2].is_ok(), "{:?}", results[2]);

    assert_eq!(stored(store, &first).await, first);
    assert_eq!(stored(store, &third).await, third);
    assert_eq!(
        store.payment_request(&owner, same_number.id).await.unwrap(),
        None,
        "nothing of the conflicting item stays"
    );
    assert_eq!(
        store.payment_request_by_id(same_number.id).await.unwrap(),
        None
    );
    assert!(
        store.audit_events(same_number.id).await.unwrap().is_empty(),
        "its audit event went with it"
    );
    let listed = listed_payments(store, &owner, all_payments()).await;
    assert!(
        listed.iter().all(|(id, _)| *id != same_number.id),
        "nor its payments"
    );
    assert_eq!(listed.len(), 4);

    // A later batch reusing a stored number conflicts too.
    let mut later = sample_request(&owner, 4);
    later.number = third.number.clone();
    let fourth = sample_request(&owner, 5);
    let results = store
        .insert_payment_requests(&[
            (later.clone(), creation_audit(&later)),
            (fourth.clone(), creation_audit(&fourth)),
        ])
        .await
        .unwrap();
    assert!(
        matches!(results[0], Err(StoreError::Conflict(_))),
        "{:?}",
        results[0]
    );
    assert!(results[1].is_ok(), "{:?}", results[1]);
    assert_eq!(stored(store, &fourth).await, fourth);
    assert_eq!(listed_ids(store, &owner, all_requests()).await.len(), 3);
}

pub async fn purpose_id_and_id_conflicts_fail_only_that_item(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let first = sample_request(&owner, 1);
    // Its request row goes in before the payment that collides: that row must be undone too.
    let mut same_purpose = sample_request(&owner, 2);
    same_purpose.payments[1].purpose_id = first.payments[0].purpose_id.clone();
    let mut same_id = sample_request(&owner, 3);
    same_id.id = first.id;
    let last = sample_request(&owner, 4);

    let batch: Vec<_> = [&first, &same_purpose, &same_id, &last]
        .iter()
        .map(|r| ((*r).clone(), creation_audit(r)))
        .collect();
    let results = store.insert_payment_requests(&batch).await.unwrap();
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(
        matches!(results[1], Err(StoreError::Conflict(_))),
        "reused purpose id: {:?}",
        results[1]
    );
    assert!(
        matches!(results[2], Err(StoreError::Conflict(_))),
        "reused request id: {:?}",
        results[2]
    );
    assert!(results[3].is_ok(), "{:?}", results[3]);

    assert_eq!(
        store
            .payment_request(&owner, same_purpose.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .audit_events(same_purpose.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stored(store, &first).await,
        first,
        "the first holder of the id is unchanged"
    );
    assert_eq!(
        store.audit_events(first.id).await.unwrap(),
        vec![creation_audit(&first)],
        "the loser's audit event is gone"
    );
    assert_eq!(stored(store, &last).await, last);
    // Newest first: seed 4 was created after seed 1.
    assert_eq!(
        listed_ids(store, &owner, all_requests()).await,
        vec![last.id, first.id]
    );
}

pub async fn owners_are_isolated(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let stranger = client("vid.eds");
    let request = sample_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::hours(1);

    assert_eq!(
        store.payment_request(&stranger, request.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.request_status(&stranger, request.id).await.unwrap(),
        None
    );
    assert!(
        store
            .payment_requests(&stranger, &all_requests())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .payments(&stranger, &all_payments())
            .await
            .unwrap()
            .is_empty()
    );
    let mut foreign = change(&request, Status::Cancelled, at, Some(Status::Cancelled));
    foreign.owner = stranger.clone();
    assert!(
        !store.change_request_status(&foreign).await.unwrap(),
        "a stranger cannot change it"
    );
    let mut foreign_document = new_document(&request, DocumentKind::Invoice, 1, at);
    foreign_document.owner = stranger.clone();
    assert_eq!(
        store
            .insert_document(
                &foreign_document,
                &status_audit(&request, "document.invoice_issued", at)
            )
            .await
            .unwrap(),
        DocumentStored::NoSuchRequest
    );
    assert_eq!(
        store.document_state(&stranger, request.id).await.unwrap(),
        None
    );

    // Nothing changed for the owner, and no audit was written for the refusals.
    assert_eq!(stored(store, &request).await, request);
    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![creation_audit(&request)]
    );
    // The payer's page is not scoped: the random id is the capability.
    assert_eq!(
        store.payment_request_by_id(request.id).await.unwrap(),
        Some(request)
    );
}

pub async fn request_status_follows_changes(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let requests: Vec<_> = (1..=4).map(|seed| sample_request(&owner, seed)).collect();
    insert_all(store, &requests).await;
    let at = BASE_TIME + Duration::days(2);
    for (request, to) in requests.iter().zip([
        Status::Executed,
        Status::Expired,
        Status::Other,
        Status::Cancelled,
    ]) {
        assert_eq!(
            store.request_status(&owner, request.id).await.unwrap(),
            Some(Status::InProcess)
        );
        apply(store, request, to, at).await;
        assert_eq!(
            store.request_status(&owner, request.id).await.unwrap(),
            Some(to)
        );
    }
    assert_eq!(
        store
            .request_status(&owner, PaymentRequestId::from_random([9; 16]))
            .await
            .unwrap(),
        None
    );
}

pub async fn request_filters_by_created_and_expiry(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let t = datetime!(2025-04-01 08:00:00.250000 UTC);
    let mut r = hourly_requests(&owner, 100, 6, t);
    // Expiry runs against creation order so the two filters cannot stand in for each other.
    for (i, request) in r.iter_mut().enumerate() {
        request.terms.expires_at =
            t + Duration::days(40) - Duration::hours(i64::try_from(i).unwrap());
    }
    insert_all(store, &r).await;
    let all = RequestFilter {
        limit: ALL,
        ..Default::default()
    };

    let from = RequestFilter {
        created_from: Some(r[2].created_at),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, from).await,
        ids(&[&r[5], &r[4], &r[3], &r[2]]),
        "created_from is inclusive"
    );
    let till = RequestFilter {
        created_till: Some(r[2].created_at),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, till).await,
        ids(&[&r[1], &r[0]]),
        "created_till is exclusive"
    );
    let between = RequestFilter {
        created_from: Some(r[1].created_at),
        created_till: Some(r[3].created_at),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, between).await,
        ids(&[&r[2], &r[1]])
    );
    let just_after = RequestFilter {
        created_from: Some(r[4].created_at + Duration::microseconds(1)),
        ..all.clone()
    };
    assert_eq!(listed_ids(store, &owner, just_after).await, ids(&[&r[5]]));

    // r[5] expires first, r[0] last.
    let expires_from = RequestFilter {
        expires_from: Some(r[3].terms.expires_at),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, expires_from).await,
        ids(&[&r[3], &r[2], &r[1], &r[0]]),
        "expires_from is inclusive"
    );
    let expires_till = RequestFilter {
        expires_till: Some(r[3].terms.expires_at),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, expires_till).await,
        ids(&[&r[5], &r[4]]),
        "expires_till is exclusive"
    );
    let both = RequestFilter {
        expires_from: Some(r[4].terms.expires_at),
        expires_till: Some(r[1].terms.expires_at),
        created_from: Some(r[3].created_at),
        ..all.clone()
    };
    assert_eq!(listed_ids(store, &owner, both).await, ids(&[&r[4], &r[3]]));

    let summaries = store.payment_requests(&owner, &all).await.unwrap();
    let expected: Vec<_> = r
        .iter()
        .rev()
        .map(|request| summary(request, Status::InProcess, None))
        .collect();
    assert_eq!(summaries, expected, "summaries carry the request's fields");
}

pub async fn request_filters_by_paid_at(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let t = datetime!(2025-04-01 08:00:00.250000 UTC);
    let r = hourly_requests(&owner, 200, 5, t);
    insert_all(store, &r).await;
    let paid_1 = t + Duration::days(3);
    let paid_3 = t + Duration::days(4);
    apply(store, &r[1], Status::Executed, paid_1).await;
    apply(store, &r[3], Status::Executed, paid_3).await;
    apply(store, &r[4], Status::Cancelled, paid_1).await; // changed, but never paid
    let all = RequestFilter {
        limit: ALL,
        ..Default::default()
    };

    let listed = store.payment_requests(&owner, &all).await.unwrap();
    assert_eq!(
        listed[1],
        summary(&r[3], Status::Executed, Some(paid_3)),
        "a paid request shows when"
    );
    assert_eq!(
        listed[0],
        summary(&r[4], Status::Cancelled, None),
        "a cancelled one has no paid_at"
    );

    let from = RequestFilter {
        paid_from: Some(paid_1),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, from).await,
        ids(&[&r[3], &r[1]]),
        "paid_from is inclusive and skips the unpaid"
    );
    let from_later = RequestFilter {
        paid_from: Some(paid_1 + Duration::microseconds(1)),
        ..all.clone()
    };
    assert_eq!(listed_ids(store, &owner, from_later).await, ids(&[&r[3]]));
    let till = RequestFilter {
        paid_till: Some(paid_3),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, till).await,
        ids(&[&r[1]]),
        "paid_till is exclusive"
    );
    let till_later = RequestFilter {
        paid_till: Some(paid_3 + Duration::microseconds(1)),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, till_later).await,
        ids(&[&r[3], &r[1]]),
        "and skips the unpaid"
    );
}

pub async fn request_filters_by_amount_currency_and_status(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let t = datetime!(2025-04-01 08:00:00.250000 UTC);
    let mut r = hourly_requests(&owner, 300, 6, t);
    // The store keeps the total it is given; round totals make the bounds readable.
    for (i, request) in r.iter_mut().enumerate() {
        request.terms.total = euros(1_000 * (i64::try_from(i).unwrap() + 1));
    }
    r[4].terms.currency = currency("USD");
    for payment in &mut r[4].payments {
        payment.currency = currency("USD");
    }
    insert_all(store, &r).await;
    apply(store, &r[1], Status::Executed, t + Duration::days(1)).await;
    apply(store, &r[3], Status::Executed, t + Duration::days(1)).await;
    apply(store, &r[5], Status::Cancelled, t + Duration::days(1)).await;
    let all = RequestFilter {
        limit: ALL,
        ..Default::default()
    };

    let from = RequestFilter {
        amount_from: Some(euros(3_000)),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, from).await,
        ids(&[&r[5], &r[4], &r[3], &r[2]]),
        "amount_from is inclusive"
    );
    let till = RequestFilter {
        amount_till: Some(euros(3_000)),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, till).await,
        ids(&[&r[2], &r[1], &r[0]]),
        "amount_till is inclusive"
    );
    let between = RequestFilter {
        amount_from: Some(euros(2_000)),
        amount_till: Some(euros(4_000)),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, between).await,
        ids(&[&r[3], &r[2], &r[1]])
    );
    let odd = RequestFilter {
        amount_from: Some(euros(2_001)),
        amount_till: Some(euros(2_999)),
        ..all.clone()
    };
    assert!(listed_ids(store, &owner, odd).await.is_empty());

    let usd = RequestFilter {
        currency: Some(currency("USD")),
        ..all.clone()
    };
    assert_eq!(listed_ids(store, &owner, usd).await, ids(&[&r[4]]));
    let eur = RequestFilter {
        currency: Some(currency("EUR")),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, eur).await,
        ids(&[&r[5], &r[3], &r[2], &r[1], &r[0]])
    );

    let not_paid = RequestFilter {
        only_not_paid: true,
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, not_paid).await,
        ids(&[&r[5], &r[4], &r[2], &r[0]]),
        "only_not_paid drops status E only"
    );
    let combined = RequestFilter {
        only_not_paid: true,
        currency: Some(currency("EUR")),
        amount_from: Some(euros(2_000)),
        ..all.clone()
    };
    assert_eq!(
        listed_ids(store, &owner, combined).await,
        ids(&[&r[5], &r[2]]),
        "filters combine with AND"
    );
}

pub async fn request_listing_order_and_limit(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let t = datetime!(2025-04-01 08:00:00.250000 UTC);
    let mut r = hourly_requests(&owner, 400, 5, t);
    // Two requests created in the same microsecond: the id breaks the tie, descending.
    r[3].created_at = r[2].created_at;
    // Inserted out of creation order, in two batches.
    insert_all(store, &[r[3].clone(), r[0].clone(), r[4].clone()]).await;
    insert_all(store, &[r[2].clone(), r[1].clone()]).await;

    let (tie_high, tie_low) = if r[2].id > r[3].id {
        (&r[2], &r[3])
    } else {
        (&r[3], &r[2])
    };
    let newest_first = ids(&[&r[4], tie_high, tie_low, &r[1], &r[0]]);
    assert_eq!(
        listed_ids(
            store,
            &owner,
            RequestFilter {
                limit: ALL,
                ..Default::default()
            }
        )
        .await,
        newest_first
    );
    assert_eq!(
        listed_ids(
            store,
            &owner,
            RequestFilter {
                limit: 2,
                ..Default::default()
            }
        )
        .await,
        newest_first[..2]
    );
    assert_eq!(
        listed_ids(
            store,
            &owner,
            RequestFilter {
                limit: 5,
                ..Default::default()
            }
        )
        .await,
        newest_first
    );
    let limited_from = RequestFilter {
        created_till: Some(r[4].created_at),
        limit: 1,
        ..Default::default()
    };
    assert_eq!(
        listed_ids(store, &owner, limited_from).await,
        newest_first[1..2],
        "the limit applies after the filters"
    );
    assert!(
        listed_ids(
            store,
            &owner,
            RequestFilter {
                limit: 0,
                ..Default::default()
            }
        )
        .await
        .is_empty(),
        "limit 0 means no rows"
    );
}

/// Three requests an hour apart, two payments each, amounts 10.00 … 60.00.
fn payment_fixture(owner: &ClientId) -> (Vec<PaymentRequest>, OffsetDateTime, OffsetDateTime) {
    let t = datetime!(2025-04-01 08:00:00.250000 UTC);
    let mut r = hourly_requests(owner, 500, 3, t);
    for (i, request) in r.iter_mut().enumerate() {
        for (j, payment) in request.payments.iter_mut().enumerate() {
            payment.amount =
                euros(1_000 * (2 * i64::try_from(i).unwrap() + i64::try_from(j).unwrap() + 1));
        }
    }
    r[2].payments[1].currency = currency("USD");
    let paid_early = t + Duration::days(1);
    let paid_late = t + Duration::days(2);
    for (i, sequence, paid_at) in [(0, 1, paid_early), (1, 2, paid_late)] {
        let payment = &mut r[i].payments[sequence - 1];
        payment.status = Status::Executed;
        payment.paid_at = Some(paid_at);
        payment.provider = Some(provider("HABALV22"));
        payment.external_id = Some(format!("HABA-{}", paid_at.unix_timestamp()));
    }
    (r, paid_early, paid_late)
}

pub async fn payment_listing_order_and_limit(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let (r, _, _) = payment_fixture(&owner);
    insert_all(store, &[r[1].clone(), r[0].clone(), r[2].clone()]).await;
    // Another client's payments never show.
    insert_all(store, &[sample_request(&client("vid.eds"), 1)]).await;

    let expected: Vec<PaymentSummary> = [&r[2], &r[1], &r[0]]
        .iter()
        .flat_map(|request| payment_summaries(request))
        .collect();
    assert_eq!(
        store.payments(&owner, &all_payments()).await.unwrap(),
        expected,
        "newest request first, then by sequence"
    );
    let limited = store
        .payments(
            &owner,
            &PaymentFilter {
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(limited, expected[..3]);
    assert!(
        store
            .payments(
                &owner,
                &PaymentFilter {
                    limit: 0,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn payment_filters(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let (r, paid_early, paid_late) = payment_fixture(&owner);
    insert_all(store, &r).await;
    let all = all_payments();
    let key = |i: usize, sequence: u16| (r[i].id, sequence);

    let from = PaymentFilter {
        paid_from: Some(paid_early),
        ..all.clone()
    };
    assert_eq!(
        listed_payments(store, &owner, from).await,
        vec![key(1, 2), key(0, 1)],
        "paid_from is inclusive and skips the unpaid"
    );
    let till = PaymentFilter {
        paid_till: Some(paid_late),
        ..all.clone()
    };
    assert_eq!(
        listed_payments(store, &owner, till).await,
        vec![key(0, 1)],
        "paid_till is exclusive and skips the unpaid"
    );
    let late = PaymentFilter {
        paid_from: Some(paid_late),
        paid_till: Some(paid_late + Duration::microseconds(1)),
        ..all.clone()
    };
    assert_eq!(listed_payments(store, &owner, late).await, vec![key(1, 2)]);

    // Amounts are per payment: r0 10/20, r1 30/40, r2 50/60.
    let amounts = PaymentFilter {
        amount_from: Some(euros(2_000)),
        amount_till: Some(euros(5_000)),
        ..all.clone()
    };
    assert_eq!(
        listed_payments(store, &owner, amounts).await,
        vec![key(2, 1), key(1, 1), key(1, 2), key(0, 2)],
        "amount bounds are inclusive"
    );
    let usd = PaymentFilter {
        currency: Some(currency("USD")),
        ..all.clone()
    };
    assert_eq!(listed_payments(store, &owner, usd).await, vec![key(2, 2)]);
    let eur_large = PaymentFilter {
        currency: Some(currency("EUR")),
        amount_from: Some(euros(4_000)),
        ..all.clone()
    };
    assert_eq!(
        listed_payments(store, &owner, eur_large).await,
        vec![key(2, 1), key(1, 2)]
    );
}

pub async fn status_change_applies_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::hours(2) + Duration::microseconds(5);
    let cancel = change(&request, Status::Cancelled, at, Some(Status::Cancelled));

    // Wrong owner, wrong `from`: nothing happens, nothing is audited.
    let mut foreign = cancel.clone();
    foreign.owner = client("vid.eds");
    assert!(!store.change_request_status(&foreign).await.unwrap());
    let mut wrong_from = cancel.clone();
    wrong_from.from = Status::Executed;
    assert!(!store.change_request_status(&wrong_from).await.unwrap());
    let mut unknown = cancel.clone();
    unknown.id = PaymentRequestId::from_random([3; 16]);
    assert!(!store.change_request_status(&unknown).await.unwrap());
    assert_eq!(stored(store, &request).await, request);
    assert_eq!(store.audit_events(request.id).await.unwrap().len(), 1);

    assert!(
        store.change_request_status(&cancel).await.unwrap(),
        "applies from P"
    );
    let after = stored(store, &request).await;
    assert_eq!(after.status, Status::Cancelled);
    assert_eq!(after.status_changed_at, at);
    assert!(
        after
            .payments
            .iter()
            .all(|p| p.status == Status::Cancelled && p.paid_at.is_none())
    );
    assert_eq!(after.terms, request.terms, "terms never change");

    let mut again = cancel.clone();
    again.at = at + Duration::minutes(1);
    assert!(
        !store.change_request_status(&again).await.unwrap(),
        "the same change a second time is refused"
    );
    let pay = change(
        &request,
        Status::Executed,
        at + Duration::minutes(2),
        Some(Status::Executed),
    );
    assert!(
        !store.change_request_status(&pay).await.unwrap(),
        "nothing leaves a final status"
    );
    assert_eq!(stored(store, &request).await, after);
    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![creation_audit(&request), cancel.audit],
        "audited exactly once"
    );
}

pub async fn status_change_moves_open_payments(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let mut partly_paid = sample_request(&owner, 1);
    let first_paid_at = partly_paid.created_at + Duration::minutes(10);
    partly_paid.payments[0].status = Status::Executed;
    partly_paid.payments[0].paid_at = Some(first_paid_at);
    partly_paid.payments[0].provider = Some(provider("HABALV22"));
    partly_paid.payments[0].external_id = Some("HABA-1".into());
    let expiring = sample_request(&owner, 2);
    let untouched = sample_request(&owner, 3);
    insert_all(
        store,
        &[partly_paid.clone(), expiring.clone(), untouched.clone()],
    )
    .await;

    let paid_at = partly_paid.created_at + Duration::hours(1) + Duration::microseconds(1);
    assert!(
        store
            .change_request_status(&change(
                &partly_paid,
                Status::Executed,
                paid_at,
                Some(Status::Executed)
            ))
            .await
            .unwrap()
    );
    let paid = stored(store, &partly_paid).await;
    assert_eq!(paid.status, Status::Executed);
    assert_eq!(paid.payments[0].status, Status::Executed);
    assert_eq!(
        paid.payments[0].paid_at,
        Some(first_paid_at),
        "an already paid payment keeps its time"
    );
    assert_eq!(
        paid.payments[1].status,
        Status::Executed,
        "the open payment follows"
    );
    assert_eq!(
        paid.payments[1].paid_at,
        Some(paid_at),
        "and is paid at the request's time"
    );
    let listed = store
        .payment_requests(&owner, &all_requests())
        .await
        .unwrap();
    let summary_of_paid = listed
        .iter()
        .find(|s| s.id == partly_paid.id)
        .expect("listed");
    assert_eq!(
        summary_of_paid.paid_at,
        Some(paid_at),
        "the request records when it was paid"
    );

    let expired_at = expiring.terms.expires_at;
    assert!(
        store
            .change_request_status(&change(
                &expiring,
                Status::Expired,
                expired_at,
                Some(Status::Expired)
            ))
            .await
            .unwrap()
    );
    let expired = stored(store, &expiring).await;
    assert!(
        expired
            .payments
            .iter()
            .all(|p| p.status == Status::Expired && p.paid_at.is_none())
    );

    // Without `open_payments_to` the payments stay as they are.
    assert!(
        store
            .change_request_status(&change(&untouched, Status::Other, paid_at, None))
            .await
            .unwrap()
    );
    let other = stored(store, &untouched).await;
    assert_eq!(other.status, Status::Other);
    assert_eq!(other.payments, untouched.payments);
}

pub async fn documents_are_versioned_and_scoped(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let first = sample_request(&owner, 1);
    let second = sample_request(&owner, 2);
    let foreign = sample_request(&client("vid.eds"), 1);
    insert_all(store, &[first.clone(), second.clone(), foreign.clone()]).await;
    let at = first.created_at + Duration::hours(1);
    let audit = |request: &PaymentRequest| status_audit(request, "document.invoice_issued", at);
    assert_eq!(
        store.document_state(&owner, first.id).await.unwrap(),
        Some(DocumentState {
            latest_version: 0,
            receipt_due: false
        })
    );
    for file in [
        DocumentFileKind::PdfLatvian,
        DocumentFileKind::PdfEnglish,
        DocumentFileKind::Xml,
    ] {
        assert_eq!(
            store.latest_document(&owner, first.id, file).await.unwrap(),
            None,
            "no document yet"
        );
    }

    let stored_id = |stored: DocumentStored| match stored {
        DocumentStored::Stored(id) => id,
        other => panic!("not stored: {other:?}"),
    };
    let one = new_document(&first, DocumentKind::Invoice, 1, at);
    let a = stored_id(store.insert_document(&one, &audit(&first)).await.unwrap());
    assert_eq!(
        store.insert_document(&one, &audit(&first)).await.unwrap(),
        DocumentStored::VersionTaken,
        "version 1 is taken"
    );
    let skipping = new_document(&first, DocumentKind::Invoice, 3, at);
    assert_eq!(
        store
            .insert_document(&skipping, &audit(&first))
            .await
            .unwrap(),
        DocumentStored::VersionTaken,
        "versions do not skip"
    );
    let two = new_document(&first, DocumentKind::Invoice, 2, at);
    let b = stored_id(store.insert_document(&two, &audit(&first)).await.unwrap());
    let c = stored_id(
        store
            .insert_document(
                &new_document(&second, DocumentKind::Invoice, 1, at),
                &audit(&second),
            )
            .await
            .unwrap(),
    );
    assert!(a > 0, "ids are positive: {a}");
    assert!(a < b && b < c, "ids increase: {a}, {b}, {c}");
    assert_eq!(
        store.document_state(&owner, first.id).await.unwrap(),
        Some(DocumentState {
            latest_version: 2,
            receipt_due: false
        })
    );
    // The latest version is served, each file as stored, byte for byte.
    for (file, bytes) in [
        (DocumentFileKind::PdfLatvian, &two.pdf_lv),
        (DocumentFileKind::PdfEnglish, &two.pdf_en),
        (DocumentFileKind::Xml, &two.xml),
    ] {
        assert_eq!(
            store.latest_document(&owner, first.id, file).await.unwrap(),
            Some(StoredDocumentFile {
                id: b,
                number: two.content.number.clone(),
                version: 2,
                kind: DocumentKind::Invoice,
                bytes: bytes.clone(),
            })
        );
    }

    let mut unknown = new_document(&first, DocumentKind::Invoice, 1, at);
    unknown.content.request_id = PaymentRequestId::from_random([5; 16]);
    assert_eq!(
        store
            .insert_document(&unknown, &audit(&first))
            .await
            .unwrap(),
        DocumentStored::NoSuchRequest
    );
    let mut foreign_document = new_document(&foreign, DocumentKind::Invoice, 1, at);
    foreign_document.owner = owner.clone();
    assert_eq!(
        store
            .insert_document(&foreign_document, &audit(&foreign))
            .await
            .unwrap(),
        DocumentStored::NoSuchRequest,
        "another client's request"
    );
    assert_eq!(
        store
            .latest_document(&owner, foreign.id, DocumentFileKind::Xml)
            .await
            .unwrap(),
        None,
        "another client's documents are not found"
    );
    assert_eq!(
        store
            .insert_document(
                &new_document(&second, DocumentKind::Receipt, 2, at),
                &audit(&second)
            )
            .await
            .unwrap(),
        DocumentStored::ReceiptNotDue,
        "an unpaid request has no receipt due"
    );
    assert_eq!(
        store.audit_events(first.id).await.unwrap(),
        vec![creation_audit(&first), audit(&first), audit(&first)],
        "one audit event per stored document, none for refusals"
    );
    assert_eq!(
        store.audit_events(foreign.id).await.unwrap(),
        vec![creation_audit(&foreign)],
        "no audit for a refused document"
    );
}

/// Paying a request makes its receipt due (when asked) in the same
/// transaction; storing the receipt clears it, once.
pub async fn paying_makes_a_receipt_due_until_it_is_stored(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let wants_receipt = single_payment_request(&owner, 1);
    let no_invoice = single_payment_request(&owner, 2);
    insert_all(store, &[wants_receipt.clone(), no_invoice.clone()]).await;
    let at = wants_receipt.created_at + Duration::minutes(5);
    for (request, due) in [(&wants_receipt, true), (&no_invoice, false)] {
        let attempt = sample_attempt(request, 1, 1, at);
        start(store, &attempt).await;
        let mut executed = report(&attempt, Outcome::Executed, None, at);
        executed.receipt_due = due;
        apply_outcome(store, &attempt, &executed).await;
        assert_eq!(
            store
                .document_state(&owner, request.id)
                .await
                .unwrap()
                .map(|s| s.receipt_due),
            Some(due)
        );
    }
    assert_eq!(
        store.receipts_due(ALL).await.unwrap(),
        vec![(owner.clone(), wants_receipt.id)]
    );
    let paid = stored(store, &wants_receipt).await;
    let receipt = new_document(&paid, DocumentKind::Receipt, 1, at);
    let audit = status_audit(&paid, "document.receipt_issued", at);
    assert!(matches!(
        store.insert_document(&receipt, &audit).await.unwrap(),
        DocumentStored::Stored(_)
    ));
    assert!(store.receipts_due(ALL).await.unwrap().is_empty());
    assert_eq!(
        store
            .insert_document(&new_document(&paid, DocumentKind::Receipt, 2, at), &audit)
            .await
            .unwrap(),
        DocumentStored::ReceiptNotDue,
        "a second receipt is not due"
    );
    // An invoice may still follow it, as the next version.
    assert!(matches!(
        store
            .insert_document(&new_document(&paid, DocumentKind::Invoice, 2, at), &audit)
            .await
            .unwrap(),
        DocumentStored::Stored(_)
    ));
}

/// Many issuers of one request's next version: exactly one stores it.
pub async fn concurrent_documents_take_each_version_once(store: Arc<dyn Store>) {
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    insert_all(store.as_ref(), std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::hours(1);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let document = new_document(&request, DocumentKind::Invoice, 1, at);
            let audit = status_audit(&request, "document.invoice_issued", at);
            store.insert_document(&document, &audit).await.unwrap()
        }));
    }
    let mut stored = 0;
    for task in tasks {
        match task.await.unwrap() {
            DocumentStored::Stored(_) => stored += 1,
            DocumentStored::VersionTaken => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(stored, 1, "version 1 is stored once");
    assert_eq!(
        store
            .document_state(&owner, request.id)
            .await
            .unwrap()
            .map(|s| s.latest_version),
        Some(1)
    );
}

pub async fn audit_trail_oldest_first(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    let other = sample_request(&owner, 2);
    insert_all(store, &[request.clone(), other.clone()]).await;

    let cancelled_at = request.created_at + Duration::hours(2);
    let ordered_at = request.created_at + Duration::hours(1);
    let cancel = change(
        &request,
        Status::Cancelled,
        cancelled_at,
        Some(Status::Cancelled),
    );
    // Written last but happened earlier: the trail is in time order.
    let invoice = AuditEvent {
        at: ordered_at,
        actor: owner.to_string(),
        request_id: Some(request.id),
        kind: "document.invoice_issued".into(),
        detail: json!({ "recipient": { "name": "Jānis Ozoliņš", "code": null }, "amount": 12.5, "big": 12345678901234567890_u64, "items": [1, "divi", true] }),
    };
    assert!(store.change_request_status(&cancel).await.unwrap());
    assert!(matches!(
        store
            .insert_document(
                &new_document(&request, DocumentKind::Invoice, 1, ordered_at),
                &invoice
            )
            .await
            .unwrap(),
        DocumentStored::Stored(_)
    ));
    store
        .save_catalog(
            &sample_catalog(1),
            "",
            ordered_at,
            &operator_audit("catalog.imported", ordered_at),
        )
        .await
        .unwrap();

    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![creation_audit(&request), invoice, cancel.audit]
    );
    assert_eq!(
        store.audit_events(other.id).await.unwrap(),
        vec![creation_audit(&other)],
        "each request its own trail"
    );
}

pub async fn concurrent_inserts_lose_nothing(store: Arc<dyn Store>) {
    const TASKS: u64 = 8;
    const PER_TASK: u64 = 50;
    const BATCH: u64 = 5;
    let owner = client("pmlp.epakalpojumi");
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        let owner = owner.clone();
        tasks.push(tokio::spawn(async move {
            let mut inserted = Vec::new();
            for batch_start in (0..PER_TASK).step_by(usize::try_from(BATCH).unwrap()) {
                let batch: Vec<_> = (batch_start..batch_start + BATCH)
                    .map(|i| {
                        let request = sample_request(&owner, 10_000 + task * PER_TASK + i);
                        let audit = creation_audit(&request);
                        (request, audit)
                    })
                    .collect();
                let results = store
                    .insert_payment_requests(&batch)
                    .await
                    .expect("batch failed");
                for (result, (request, _)) in results.into_iter().zip(batch) {
                    result.expect("item failed");
                    inserted.push(request);
                }
                // Reads interleave with other tasks' writes.
                let last = inserted.last().expect("inserted");
                assert_eq!(
                    store.request_status(&owner, last.id).await.unwrap(),
                    Some(Status::InProcess)
                );
            }
            inserted
        }));
    }
    let mut inserted = Vec::new();
    for task in tasks {
        inserted.extend(task.await.expect("task panicked"));
    }
    assert_eq!(inserted.len(), usize::try_from(TASKS * PER_TASK).unwrap());
    let listed = store
        .payment_requests(&owner, &all_requests())
        .await
        .unwrap();
    assert_eq!(listed.len(), inserted.len(), "every request is listed");
    for request in &inserted {
        assert_eq!(&stored(store.as_ref(), request).await, request);
    }
    assert_eq!(
        store.payments(&owner, &all_payments()).await.unwrap().len(),
        inserted.len() * 2
    );
}

// ---------------------------------------------------------------- attempts

fn start_audit(attempt: &Attempt) -> AuditEvent {
    attempt_audit(attempt, "payment_attempt.started", attempt.created_at)
}

/// Starts `attempt` and asserts it started.
async fn start(store: &dyn Store, attempt: &Attempt) {
    let started = store
        .start_attempt(attempt, &start_audit(attempt))
        .await
        .expect("starting an attempt failed");
    assert_eq!(started, Ok(()), "attempt {} did not start", attempt.id);
}

/// Starts `attempt` and returns why it was refused.
async fn refused(store: &dyn Store, attempt: &Attempt) -> StartRefused {
    store
        .start_attempt(attempt, &start_audit(attempt))
        .await
        .expect("starting an attempt failed")
        .expect_err("the start should have been refused")
}

/// A provider's message about `attempt`, said to have happened at `at`.
fn report(
    attempt: &Attempt,
    outcome: Outcome,
    external_id: Option<&str>,
    at: OffsetDateTime,
) -> OutcomeReport {
    OutcomeReport {
        attempt: attempt.id,
        outcome,
        external_id: external_id.map(str::to_owned),
        at,
        notifications: Vec::new(),
        receipt_due: false,
    }
}

/// The hub hears of a message a second after the provider says it happened,
/// so a scenario can tell the two times apart.
fn heard(report: &OutcomeReport) -> OffsetDateTime {
    report.at + Duration::seconds(1)
}

fn outcome_audit(attempt: &Attempt, report: &OutcomeReport) -> AuditEvent {
    let kind = match report.outcome {
        Outcome::Accepted => "payment_attempt.accepted",
        Outcome::Executed => "payment_attempt.executed",
        Outcome::Rejected => "payment_attempt.rejected",
    };
    attempt_audit(attempt, kind, heard(report))
}

/// Applies `report` and returns what the store did; the attempt must exist.
async fn apply_outcome(
    store: &dyn Store,
    attempt: &Attempt,
    report: &OutcomeReport,
) -> OutcomeApplied {
    store
        .record_outcome(report, &outcome_audit(attempt, report))
        .await
        .expect("recording an outcome failed")
        .unwrap_or_else(|| panic!("attempt {} is not stored", attempt.id))
}

/// `attempt` as the store keeps it after a message moved it.
fn moved(
    attempt: &Attempt,
    state: AttemptState,
    external_id: Option<&str>,
    refund_required: bool,
    report: &OutcomeReport,
) -> Attempt {
    Attempt {
        state,
        external_id: external_id.map(str::to_owned),
        refund_required,
        updated_at: heard(report),
        ..attempt.clone()
    }
}

async fn attempts(store: &dyn Store, request: &PaymentRequest) -> Vec<Attempt> {
    store
        .attempts_of(request.id)
        .await
        .expect("listing attempts failed")
}

async fn request_listed(store: &dyn Store, request: &PaymentRequest) -> RequestSummary {
    store
        .payment_requests(&request.owner, &all_requests())
        .await
        .expect("listing requests failed")
        .into_iter()
        .find(|s| s.id == request.id)
        .unwrap_or_else(|| panic!("request {} is not listed", request.number))
}

async fn payments_listed(store: &dyn Store, request: &PaymentRequest) -> Vec<PaymentSummary> {
    store
        .payments(&request.owner, &all_payments())
        .await
        .expect("listing payments failed")
        .into_iter()
        .filter(|p| p.request_id == request.id)
        .collect()
}

pub async fn attempts_round_trip_and_list_oldest_first(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    let other = sample_request(&owner, 2);
    insert_all(store, &[request.clone(), other.clone()]).await;
    let at = request.created_at + Duration::minutes(5);

    let first = sample_attempt(&request, 1, 1, at);
    let mut second = sample_attempt(&request, 2, 2, at + Duration::minutes(1));
    second.provider = provider("UNLALV2X");
    second.created_at += Duration::nanoseconds(789);
    second.updated_at = second.created_at;
    // Whatever the caller fills in, an attempt starts started and without a refund.
    let mut of_other = sample_attempt(&other, 1, 1, at - Duration::minutes(1));
    of_other.state = AttemptState::Executed;
    of_other.refund_required = true;
    of_other.external_id = Some(format!("ĀRĒJAIS-1 ({LATVIAN_LETTERS})"));
    // Started in reverse order of creation: the list is by creation time.
    start(store, &second).await;
    start(store, &first).await;
    start(store, &of_other).await;

    let second_stored = Attempt {
        created_at: truncate_to_microseconds(second.created_at),
        updated_at: truncate_to_microseconds(second.updated_at),
        ..second.clone()
    };
    assert_eq!(store.attempt(first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(
        store.attempt(second.id).await.unwrap(),
        Some(second_stored.clone()),
        "times are kept to the microsecond"
    );
    let other_stored = Attempt {
        state: AttemptState::Started,
        refund_required: false,
        ..of_other.clone()
    };
    assert_eq!(
        store.attempt(of_other.id).await.unwrap(),
        Some(other_stored.clone())
    );
    assert_eq!(
        store
            .attempt(AttemptId::from_random([9; 16]))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        attempts(store, &request).await,
        vec![first.clone(), second_stored.clone()]
    );
    assert_eq!(attempts(store, &other).await, vec![other_stored]);
    assert_eq!(
        store
            .attempts_of(PaymentRequestId::from_random([9; 16]))
            .await
            .unwrap(),
        Vec::new()
    );
    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![
            creation_audit(&request),
            start_audit(&first),
            start_audit(&second_stored)
        ],
        "each start is audited"
    );
    // Starting changes neither the request nor its payments.
    assert_eq!(stored(store, &request).await, request);
}

pub async fn attempt_start_refusals(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let open = sample_request(&owner, 1);
    let cancelled = sample_request(&owner, 2);
    let expired = sample_request(&owner, 3);
    let mut partly_paid = sample_request(&owner, 4);
    partly_paid.payments[0].status = Status::Executed;
    partly_paid.payments[0].paid_at = Some(partly_paid.created_at + Duration::minutes(1));
    partly_paid.payments[0].provider = Some(provider("HABALV22"));
    partly_paid.payments[0].external_id = Some("HABA-1".into());
    insert_all(
        store,
        &[
            open.clone(),
            cancelled.clone(),
            expired.clone(),
            partly_paid.clone(),
        ],
    )
    .await;
    let at = open.created_at + Duration::hours(1);
    apply(store, &cancelled, Status::Cancelled, at).await;
    apply(store, &expired, Status::Expired, at).await;

    let mut unknown = sample_request(&owner, 5);
    unknown.id = PaymentRequestId::from_random([9; 16]);
    assert_eq!(
        refused(store, &sample_attempt(&unknown, 1, 1, at)).await,
        StartRefused::NotFound,
        "unknown request"
    );
    assert_eq!(
        refused(store, &sample_attempt(&open, 3, 1, at)).await,
        StartRefused::NotFound,
        "the request has no payment 3"
    );
    assert_eq!(
        refused(store, &sample_attempt(&cancelled, 1, 1, at)).await,
        StartRefused::RequestFinal(Status::Cancelled)
    );
    assert_eq!(
        refused(store, &sample_attempt(&expired, 2, 1, at)).await,
        StartRefused::RequestFinal(Status::Expired)
    );
    assert_eq!(
        refused(store, &sample_attempt(&partly_paid, 1, 1, at)).await,
        StartRefused::PaymentPaid
    );
    start(store, &sample_attempt(&partly_paid, 2, 2, at)).await;

    let first = sample_attempt(&open, 1, 1, at);
    start(store, &first).await;
    assert_eq!(
        refused(
            store,
            &sample_attempt(&open, 1, 2, at + Duration::minutes(1))
        )
        .await,
        StartRefused::InProgress(first.clone()),
        "an open attempt blocks its payment"
    );
    // Accepted for processing is still open: the money may yet move.
    let accepted = report(
        &first,
        Outcome::Accepted,
        Some("HABA-77"),
        at + Duration::minutes(2),
    );
    apply_outcome(store, &first, &accepted).await;
    let first_accepted = moved(
        &first,
        AttemptState::Accepted,
        Some("HABA-77"),
        false,
        &accepted,
    );
    assert_eq!(
        refused(
            store,
            &sample_attempt(&open, 1, 3, at + Duration::minutes(3))
        )
        .await,
        StartRefused::InProgress(first_accepted.clone())
    );
    // Other payments of the same request are not blocked.
    let of_second = sample_attempt(&open, 2, 4, at + Duration::minutes(4));
    start(store, &of_second).await;

    // Refusals write nothing.
    assert_eq!(
        attempts(store, &open).await,
        vec![first_accepted, of_second.clone()]
    );
    for request in [&cancelled, &expired] {
        assert_eq!(attempts(store, request).await, Vec::new());
        assert_eq!(store.audit_events(request.id).await.unwrap().len(), 2);
    }
    assert_eq!(attempts(store, &partly_paid).await.len(), 1);
    assert_eq!(
        store.audit_events(open.id).await.unwrap(),
        vec![
            creation_audit(&open),
            start_audit(&first),
            outcome_audit(&first, &accepted),
            start_audit(&of_second)
        ]
    );
}

pub async fn attempt_starts_again_after_rejection(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(5);

    let first = sample_attempt(&request, 1, 1, at);
    start(store, &first).await;
    let rejected = report(&first, Outcome::Rejected, None, at + Duration::minutes(1));
    let applied = apply_outcome(store, &first, &rejected).await;
    assert_eq!(applied.attempt.state, AttemptState::Rejected);
    assert!(!applied.settlement.unchanged);
    assert!(!applied.settlement.mark_payment_paid);
    assert_eq!(
        stored(store, &request).await,
        request,
        "a rejection changes no payment"
    );

    let mut second = sample_attempt(&request, 1, 2, at + Duration::minutes(2));
    second.provider = provider("UNLALV2X");
    start(store, &second).await;
    assert_eq!(
        refused(
            store,
            &sample_attempt(&request, 1, 3, at + Duration::minutes(3))
        )
        .await,
        StartRefused::InProgress(second.clone()),
        "the new attempt is open in turn"
    );
    assert_eq!(
        attempts(store, &request).await,
        vec![applied.attempt, second]
    );
}

pub async fn concurrent_attempt_starts_one_wins(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let requests: Vec<PaymentRequest> = (1..=8).map(|seed| sample_request(&owner, seed)).collect();
    insert_all(store, &requests).await;
    for request in &requests {
        let at = request.created_at + Duration::minutes(5);
        let a = sample_attempt(request, 1, 1, at);
        let b = sample_attempt(request, 1, 2, at);
        let (audit_a, audit_b) = (start_audit(&a), start_audit(&b));
        let (result_a, result_b) = tokio::join!(
            store.start_attempt(&a, &audit_a),
            store.start_attempt(&b, &audit_b)
        );
        let (result_a, result_b) = (result_a.unwrap(), result_b.unwrap());
        let winner = match (&result_a, &result_b) {
            (Ok(()), Err(StartRefused::InProgress(open))) => {
                assert_eq!(open, &a, "the loser is told who won");
                &a
            }
            (Err(StartRefused::InProgress(open)), Ok(())) => {
                assert_eq!(open, &b, "the loser is told who won");
                &b
            }
            other => panic!("exactly one start must win: {other:?}"),
        };
        assert_eq!(attempts(store, request).await, vec![winner.clone()]);
        assert_eq!(
            store.audit_events(request.id).await.unwrap(),
            vec![creation_audit(request), start_audit(winner)],
            "only the winner is audited"
        );
    }
}

pub async fn outcome_executed_pays_a_single_payment_request(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    let untouched = single_payment_request(&owner, 2);
    insert_all(store, &[request.clone(), untouched.clone()]).await;
    let at = request.created_at + Duration::minutes(5);
    let attempt = sample_attempt(&request, 1, 1, at);
    start(store, &attempt).await;

    let paid_at = at + Duration::minutes(3) + Duration::microseconds(7);
    let executed = report(&attempt, Outcome::Executed, Some("HABA-2025-0001"), paid_at);
    let applied = apply_outcome(store, &attempt, &executed).await;
    let expected = moved(
        &attempt,
        AttemptState::Executed,
        Some("HABA-2025-0001"),
        false,
        &executed,
    );
    assert_eq!(applied.attempt, expected);
    assert_eq!(
        applied.settlement,
        Settlement {
            attempt_state: AttemptState::Executed,
            mark_payment_paid: true,
            request_to: Some(Status::Executed),
            refund_required: false,
            unchanged: false,
        }
    );
    assert_eq!(store.attempt(attempt.id).await.unwrap(), Some(expected));

    let paid = stored(store, &request).await;
    assert_eq!(paid.status, Status::Executed);
    assert_eq!(
        paid.status_changed_at, paid_at,
        "the request is paid when the provider says"
    );
    assert_eq!(paid.payments[0].status, Status::Executed);
    assert_eq!(paid.payments[0].paid_at, Some(paid_at));
    assert_eq!(paid.payments[0].provider, Some(attempt.provider.clone()));
    assert_eq!(
        paid.payments[0].external_id.as_deref(),
        Some("HABA-2025-0001")
    );
    assert_eq!(paid.terms, request.terms, "terms never change");

    let listed = request_listed(store, &request).await;
    assert_eq!(listed.status, Status::Executed);
    assert_eq!(listed.paid_at, Some(paid_at));
    let payments = payments_listed(store, &request).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].status, Status::Executed);
    assert_eq!(payments[0].paid_at, Some(paid_at));
    assert_eq!(payments[0].external_id.as_deref(), Some("HABA-2025-0001"));
    assert_eq!(
        listed_ids(
            store,
            &owner,
            RequestFilter {
                paid_from: Some(paid_at),
                paid_till: Some(paid_at + Duration::microseconds(1)),
                ..all_requests()
            }
        )
        .await,
        vec![request.id],
        "the paid-time filter finds it"
    );
    assert_eq!(
        listed_payments(
            store,
            &owner,
            PaymentFilter {
                paid_from: Some(paid_at),
                ..all_payments()
            }
        )
        .await,
        vec![(request.id, 1)]
    );
    assert_eq!(stored(store, &untouched).await, untouched);
    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![
            creation_audit(&request),
            start_audit(&attempt),
            outcome_audit(&attempt, &executed)
        ]
    );
}

pub async fn outcome_pays_a_two_payment_request_one_payment_at_a_time(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(5);
    let first = sample_attempt(&request, 1, 1, at);
    let mut second = sample_attempt(&request, 2, 2, at);
    second.provider = provider("UNLALV2X");
    start(store, &first).await;
    start(store, &second).await;

    let first_paid_at = at + Duration::minutes(1);
    let executed = report(&first, Outcome::Executed, Some("HABA-1"), first_paid_at);
    let applied = apply_outcome(store, &first, &executed).await;
    assert!(applied.settlement.mark_payment_paid);
    assert_eq!(
        applied.settlement.request_to, None,
        "one payment is still open"
    );
    let partly = stored(store, &request).await;
    assert_eq!(partly.status, Status::InProcess);
    assert_eq!(partly.status_changed_at, request.status_changed_at);
    assert_eq!(partly.payments[0].status, Status::Executed);
    assert_eq!(partly.payments[0].paid_at, Some(first_paid_at));
    assert_eq!(partly.payments[0].provider, Some(provider("HABALV22")));
    assert_eq!(partly.payments[1], request.payments[1]);
    assert_eq!(request_listed(store, &request).await.paid_at, None);
    let payments = payments_listed(store, &request).await;
    assert_eq!(payments[0].paid_at, Some(first_paid_at));
    assert_eq!(payments[1].paid_at, None);

    let second_paid_at = at + Duration::minutes(2);
    let executed = report(&second, Outcome::Executed, Some("UNLA-2"), second_paid_at);
    let applied = apply_outcome(store, &second, &executed).await;
    assert!(applied.settlement.mark_payment_paid);
    assert_eq!(applied.settlement.request_to, Some(Status::Executed));
    let paid = stored(store, &request).await;
    assert_eq!(paid.status, Status::Executed);
    assert_eq!(paid.status_changed_at, second_paid_at);
    assert_eq!(
        paid.payments[0].paid_at,
        Some(first_paid_at),
        "the first keeps its time"
    );
    assert_eq!(paid.payments[1].status, Status::Executed);
    assert_eq!(paid.payments[1].paid_at, Some(second_paid_at));
    assert_eq!(paid.payments[1].provider, Some(provider("UNLALV2X")));
    assert_eq!(paid.payments[1].external_id.as_deref(), Some("UNLA-2"));
    assert_eq!(
        request_listed(store, &request).await.paid_at,
        Some(second_paid_at)
    );
}

pub async fn repeated_outcome_changes_nothing_but_is_audited(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(5);
    let attempt = sample_attempt(&request, 1, 1, at);
    start(store, &attempt).await;
    let executed = report(
        &attempt,
        Outcome::Executed,
        Some("HABA-1"),
        at + Duration::minutes(1),
    );
    let first = apply_outcome(store, &attempt, &executed).await;
    let paid = stored(store, &request).await;

    // The same message again (the browser after the server, say), later, and
    // an overtaken rejection: nothing moves, each is still on record.
    let again = report(
        &attempt,
        Outcome::Executed,
        Some("HABA-1"),
        at + Duration::minutes(2),
    );
    let late_rejection = report(
        &attempt,
        Outcome::Rejected,
        Some("HABA-X"),
        at + Duration::minutes(3),
    );
    for message in [&again, &late_rejection] {
        let applied = apply_outcome(store, &attempt, message).await;
        assert_eq!(
            applied.settlement,
            Settlement {
                attempt_state: AttemptState::Executed,
                mark_payment_paid: false,
                request_to: None,
                refund_required: false,
                unchanged: true,
            }
        );
        assert_eq!(applied.attempt, first.attempt, "the attempt as it was");
    }
    assert_eq!(
        store.attempt(attempt.id).await.unwrap(),
        Some(first.attempt)
    );
    assert_eq!(stored(store, &request).await, paid, "paid once");
    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![
            creation_audit(&request),
            start_audit(&attempt),
            outcome_audit(&attempt, &executed),
            outcome_audit(&attempt, &again),
            outcome_audit(&attempt, &late_rejection),
        ]
    );
}

pub async fn outcomes_converge_whatever_their_order(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let rejected_first = single_payment_request(&owner, 1);
    let executed_first = single_payment_request(&owner, 2);
    insert_all(store, &[rejected_first.clone(), executed_first.clone()]).await;
    let at = rejected_first.created_at + Duration::minutes(5);
    let paid_at = at + Duration::minutes(2);

    let a = sample_attempt(&rejected_first, 1, 1, at);
    start(store, &a).await;
    let rejected = report(&a, Outcome::Rejected, None, at + Duration::minutes(1));
    let applied = apply_outcome(store, &a, &rejected).await;
    assert_eq!(applied.attempt.state, AttemptState::Rejected);
    assert_eq!(
        stored(store, &rejected_first).await.status,
        Status::InProcess
    );
    // Money that moved is a fact: a late "executed" beats the rejection.
    let executed = report(&a, Outcome::Executed, Some("HABA-1"), paid_at);
    let applied = apply_outcome(store, &a, &executed).await;
    assert_eq!(
        applied.attempt,
        moved(&a, AttemptState::Executed, Some("HABA-1"), false, &executed)
    );
    assert!(applied.settlement.mark_payment_paid);
    assert_eq!(applied.settlement.request_to, Some(Status::Executed));

    let b = sample_attempt(&executed_first, 1, 1, at);
    start(store, &b).await;
    let executed = report(&b, Outcome::Executed, Some("HABA-1"), paid_at);
    apply_outcome(store, &b, &executed).await;
    let rejected = report(&b, Outcome::Rejected, None, at + Duration::minutes(1));
    assert!(
        apply_outcome(store, &b, &rejected)
            .await
            .settlement
            .unchanged
    );

    // Both orders end in the same state.
    for (request, attempt) in [(&rejected_first, &a), (&executed_first, &b)] {
        let settled = store.attempt(attempt.id).await.unwrap().expect("stored");
        assert_eq!(settled.state, AttemptState::Executed);
        assert_eq!(settled.external_id.as_deref(), Some("HABA-1"));
        assert!(!settled.refund_required);
        let paid = stored(store, request).await;
        assert_eq!(paid.status, Status::Executed);
        assert_eq!(paid.status_changed_at, paid_at);
        assert_eq!(paid.payments[0].status, Status::Executed);
        assert_eq!(paid.payments[0].paid_at, Some(paid_at));
        assert_eq!(paid.payments[0].external_id.as_deref(), Some("HABA-1"));
    }
}

pub async fn execution_of_a_replaced_attempt_requires_refund(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(5);

    // The first attempt is rejected, the payer pays with a second one, and
    // then the first one's money arrives after all.
    let first = sample_attempt(&request, 1, 1, at);
    start(store, &first).await;
    apply_outcome(
        store,
        &first,
        &report(&first, Outcome::Rejected, None, at + Duration::minutes(1)),
    )
    .await;
    let mut second = sample_attempt(&request, 1, 2, at + Duration::minutes(2));
    second.provider = provider("UNLALV2X");
    start(store, &second).await;
    let paid_at = at + Duration::minutes(3);
    apply_outcome(
        store,
        &second,
        &report(&second, Outcome::Executed, Some("UNLA-2"), paid_at),
    )
    .await;
    let paid = stored(store, &request).await;
    assert_eq!(paid.status, Status::Executed);

    let late = report(
        &first,
        Outcome::Executed,
        Some("HABA-1"),
        at + Duration::minutes(4),
    );
    let applied = apply_outcome(store, &first, &late).await;
    assert_eq!(
        applied.attempt,
        moved(&first, AttemptState::Executed, Some("HABA-1"), true, &late)
    );
    assert!(applied.settlement.refund_required);
    assert!(!applied.settlement.mark_payment_paid);
    assert_eq!(applied.settlement.request_to, None);
    assert_eq!(
        stored(store, &request).await,
        paid,
        "the payment stays paid by the second attempt"
    );
}

pub async fn execution_for_a_final_request_requires_refund(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let cancelled = single_payment_request(&owner, 1);
    let expired = sample_request(&owner, 2);
    insert_all(store, &[cancelled.clone(), expired.clone()]).await;
    let at = cancelled.created_at + Duration::minutes(5);
    let closed_at = at + Duration::minutes(1);

    for (request, to) in [(&cancelled, Status::Cancelled), (&expired, Status::Expired)] {
        let attempt = sample_attempt(request, 1, 1, at);
        start(store, &attempt).await;
        apply(store, request, to, closed_at).await;
        let closed = stored(store, request).await;

        let executed = report(
            &attempt,
            Outcome::Executed,
            Some("HABA-9"),
            at + Duration::minutes(2),
        );
        let applied = apply_outcome(store, &attempt, &executed).await;
        assert_eq!(
            applied.settlement,
            Settlement {
                attempt_state: AttemptState::Executed,
                mark_payment_paid: false,
                request_to: None,
                refund_required: true,
                unchanged: false,
            },
            "{to}"
        );
        let flagged = moved(
            &attempt,
            AttemptState::Executed,
            Some("HABA-9"),
            true,
            &executed,
        );
        assert_eq!(applied.attempt, flagged);
        assert_eq!(
            store.attempt(attempt.id).await.unwrap(),
            Some(flagged.clone())
        );
        let after = stored(store, request).await;
        assert_eq!(
            after, closed,
            "a {to} request and its payments do not change"
        );
        assert_eq!(after.status_changed_at, closed_at);
        assert!(
            after
                .payments
                .iter()
                .all(|p| p.status == to && p.paid_at.is_none())
        );
        assert_eq!(request_listed(store, request).await.paid_at, None);

        // Told again: nothing more to do, the flag stays.
        let again = report(
            &attempt,
            Outcome::Executed,
            Some("HABA-9"),
            at + Duration::minutes(3),
        );
        let repeated = apply_outcome(store, &attempt, &again).await;
        assert!(repeated.settlement.unchanged);
        assert!(repeated.settlement.refund_required);
        assert_eq!(repeated.attempt, flagged);
        assert_eq!(store.audit_events(request.id).await.unwrap().len(), 5);
    }
}

pub async fn outcome_for_unknown_attempt_is_none(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(5);
    let never_started = sample_attempt(&request, 1, 1, at);
    let executed = report(&never_started, Outcome::Executed, Some("HABA-1"), at);
    assert_eq!(
        store
            .record_outcome(&executed, &outcome_audit(&never_started, &executed))
            .await
            .unwrap(),
        None
    );
    assert_eq!(stored(store, &request).await, request, "nothing paid");
    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![creation_audit(&request)],
        "nothing recorded: the caller decides what to record (`record_event`)"
    );
}

pub async fn recorded_events_join_the_audit_trail(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(5);

    let about_nothing = AuditEvent {
        at,
        actor: "HABALV22".into(),
        request_id: None,
        kind: "provider.message_forged".into(),
        detail: json!({ "reason": "signature does not verify", "body": format!("{LATVIAN_LETTERS}") }),
    };
    store.record_event(&about_nothing).await.unwrap();
    let about_request = AuditEvent {
        request_id: Some(request.id),
        kind: "provider.amount_mismatch".into(),
        at: at + Duration::seconds(1),
        ..about_nothing.clone()
    };
    store.record_event(&about_request).await.unwrap();
    // The trail is kept also for ids no request has (yet, or any more).
    let unknown = PaymentRequestId::from_random([9; 16]);
    let about_unknown = AuditEvent {
        request_id: Some(unknown),
        ..about_request.clone()
    };
    store.record_event(&about_unknown).await.unwrap();

    assert_eq!(
        store.audit_events(request.id).await.unwrap(),
        vec![creation_audit(&request), about_request],
        "an event without a request is in no request's trail"
    );
    assert_eq!(
        store.audit_events(unknown).await.unwrap(),
        vec![about_unknown]
    );
    assert_eq!(
        stored(store, &request).await,
        request,
        "an event changes no state"
    );
}

pub async fn concurrent_outcomes_settle_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let requests: Vec<PaymentRequest> = (1..=8)
        .map(|seed| single_payment_request(&owner, seed))
        .collect();
    insert_all(store, &requests).await;
    for (index, request) in requests.iter().enumerate() {
        let at = request.created_at + Duration::minutes(5);
        let attempt = sample_attempt(request, 1, 1, at);
        start(store, &attempt).await;
        // The browser's return and the server's message arrive together; on
        // every other request one of them is a (stale) rejection.
        let browser = report(
            &attempt,
            Outcome::Executed,
            Some("HABA-1"),
            at + Duration::minutes(1),
        );
        let server_outcome = if index % 2 == 0 {
            Outcome::Executed
        } else {
            Outcome::Rejected
        };
        let server = report(
            &attempt,
            server_outcome,
            Some("HABA-1"),
            at + Duration::minutes(2),
        );
        let (browser_audit, server_audit) = (
            outcome_audit(&attempt, &browser),
            outcome_audit(&attempt, &server),
        );
        let (by_browser, by_server) = tokio::join!(
            store.record_outcome(&browser, &browser_audit),
            store.record_outcome(&server, &server_audit)
        );
        let by_browser = by_browser.unwrap().expect("stored");
        let by_server = by_server.unwrap().expect("stored");
        let payers: Vec<&OutcomeApplied> = [&by_browser, &by_server]
            .into_iter()
            .filter(|applied| applied.settlement.mark_payment_paid)
            .collect();
        assert_eq!(payers.len(), 1, "the payment is paid exactly once");
        assert_eq!(payers[0].settlement.request_to, Some(Status::Executed));
        let settled = store.attempt(attempt.id).await.unwrap().expect("stored");
        assert_eq!(settled.state, AttemptState::Executed);
        assert!(!settled.refund_required);
        let paid = stored(store, request).await;
        assert_eq!(paid.status, Status::Executed);
        assert_eq!(paid.payments[0].status, Status::Executed);
        let paid_at =
            if server_outcome == Outcome::Executed && by_server.settlement.mark_payment_paid {
                server.at
            } else {
                browser.at
            };
        assert_eq!(paid.payments[0].paid_at, Some(paid_at));
        assert_eq!(paid.status_changed_at, paid_at);
        assert_eq!(
            store.audit_events(request.id).await.unwrap().len(),
            4,
            "both messages audited"
        );
    }
}

// ------------------------------------------------- lifecycle workers

/// The outbox row announcing `status` of `request`, created at `at`.
pub(crate) fn notice(
    request: &PaymentRequest,
    status: Status,
    at: OffsetDateTime,
) -> NewNotification {
    NewNotification {
        id: uuid::Uuid::new_v4(),
        // Both kinds pass through the same rows: cancellations as IVIS answers.
        kind: if status == Status::Cancelled {
            NotificationKind::Ivis
        } else {
            NotificationKind::Get
        },
        request_id: request.id,
        client: request.owner.clone(),
        url: format!(
            "https://e-pakalpojumi.example.lv/api/maksa?id={}",
            request.id
        ),
        status,
        created_at: at,
    }
}

/// The row `notice` becomes when inserted: pending, due at once, never tried.
fn pending(notification: &NewNotification) -> Notification {
    Notification {
        id: notification.id,
        kind: notification.kind,
        request_id: notification.request_id,
        client: notification.client.clone(),
        url: notification.url.clone(),
        status: notification.status,
        state: NotificationState::Pending,
        attempts: 0,
        next_attempt_at: notification.created_at,
        created_at: notification.created_at,
        delivered_at: None,
    }
}

pub(crate) fn delivery(
    at: OffsetDateTime,
    http_status: Option<u16>,
    error: Option<&str>,
) -> DeliveryAttempt {
    DeliveryAttempt {
        at,
        http_status,
        latency_ms: 250,
        error: error.map(str::to_owned),
    }
}

/// Cancels `request` at `at` with an outbox row; returns the row.
async fn cancel_with_notice(
    store: &dyn Store,
    request: &PaymentRequest,
    at: OffsetDateTime,
) -> NewNotification {
    let notification = notice(request, Status::Cancelled, at);
    let mut cancel = change(request, Status::Cancelled, at, Some(Status::Cancelled));
    cancel.notifications = vec![notification.clone()];
    assert!(store.change_request_status(&cancel).await.unwrap());
    notification
}

pub async fn outbox_row_commits_with_its_status_change(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::hours(1);

    // A change that does not apply (wrong `from`) leaves no outbox row.
    let mut refused = change(&request, Status::Cancelled, at, Some(Status::Cancelled));
    refused.from = Status::Executed;
    refused.notifications = vec![notice(&request, Status::Cancelled, at)];
    assert!(!store.change_request_status(&refused).await.unwrap());
    assert!(
        store
            .notification_log(&owner, request.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.notification_backlog().await.unwrap(), (0, 0));

    let notification = cancel_with_notice(store, &request, at).await;
    assert_eq!(
        store.notification_log(&owner, request.id).await.unwrap(),
        vec![(pending(&notification), Vec::new())]
    );
    assert_eq!(
        store
            .notifications_in_state(NotificationState::Pending, ALL)
            .await
            .unwrap(),
        vec![pending(&notification)]
    );
    assert_eq!(store.notification_backlog().await.unwrap(), (1, 0));

    // The same change again (the CAS fails now) adds nothing.
    let mut again = change(&request, Status::Cancelled, at, Some(Status::Cancelled));
    again.notifications = vec![notice(&request, Status::Cancelled, at)];
    assert!(!store.change_request_status(&again).await.unwrap());
    assert_eq!(store.notification_backlog().await.unwrap(), (1, 0));
}

pub async fn outcome_paying_the_request_inserts_its_notification(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(5);
    let attempt = sample_attempt(&request, 1, 1, at);
    start(store, &attempt).await;

    // Accepted does not pay: its notification is not inserted.
    let mut accepted = report(&attempt, Outcome::Accepted, None, at + Duration::minutes(1));
    accepted.notifications = vec![notice(&request, Status::Executed, heard(&accepted))];
    apply_outcome(store, &attempt, &accepted).await;
    assert!(
        store
            .notification_log(&owner, request.id)
            .await
            .unwrap()
            .is_empty()
    );

    let mut executed = report(
        &attempt,
        Outcome::Executed,
        Some("HABA-1"),
        at + Duration::minutes(2),
    );
    let notification = notice(&request, Status::Executed, heard(&executed));
    executed.notifications = vec![notification.clone()];
    let applied = apply_outcome(store, &attempt, &executed).await;
    assert_eq!(applied.settlement.request_to, Some(Status::Executed));
    assert_eq!(
        store.notification_log(&owner, request.id).await.unwrap(),
        vec![(pending(&notification), Vec::new())]
    );

    // A repeated message pays nothing more and announces nothing more.
    let mut repeated = executed.clone();
    repeated.notifications = vec![notice(&request, Status::Executed, heard(&executed))];
    apply_outcome(store, &attempt, &repeated).await;
    assert_eq!(
        store
            .notification_log(&owner, request.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.notification_backlog().await.unwrap(), (1, 0));
}

pub async fn concurrent_notification_claims_never_share_a_row(store: Arc<dyn Store>) {
    let owner = client("pmlp.epakalpojumi");
    let requests: Vec<PaymentRequest> = (1..=8).map(|seed| sample_request(&owner, seed)).collect();
    insert_all(store.as_ref(), &requests).await;
    let at = BASE_TIME + Duration::days(1);
    for request in &requests {
        cancel_with_notice(store.as_ref(), request, at).await;
    }
    let now = at + Duration::seconds(1);
    let lease = now + Duration::minutes(1);
    let (a, b) = tokio::join!(
        store.claim_notifications(now, "node-a", lease, 5),
        store.claim_notifications(now, "node-b", lease, 5),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.len() <= 5 && b.len() <= 5, "the limit holds");
    assert_eq!(a.len() + b.len(), 8, "together they take every due row");
    assert!(
        a.iter().all(|x| b.iter().all(|y| x.id != y.id)),
        "no row is claimed twice"
    );
    // Leased rows are not claimed again while the lease lasts.
    assert!(
        store
            .claim_notifications(now, "node-c", lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn expired_notification_lease_is_taken_over(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::hours(1);
    let notification = cancel_with_notice(store, &request, at).await;

    // Not due before it was created.
    assert!(
        store
            .claim_notifications(
                at - Duration::seconds(1),
                "a",
                at + Duration::minutes(1),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = store
        .claim_notifications(at, "a", at + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(claimed, vec![pending(&notification)]);
    // While a's lease lasts, b gets nothing; after, b takes it over.
    assert!(
        store
            .claim_notifications(
                at + Duration::seconds(30),
                "b",
                at + Duration::minutes(5),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    let taken = store
        .claim_notifications(
            at + Duration::minutes(2),
            "b",
            at + Duration::minutes(5),
            10,
        )
        .await
        .unwrap();
    assert_eq!(taken, vec![pending(&notification)]);

    let late = delivery(at + Duration::minutes(3), Some(200), None);
    assert!(
        !store
            .finish_delivery(notification.id, "a", &late, DeliveryResult::Delivered)
            .await
            .unwrap(),
        "a's lease was taken over"
    );
    let log = store.notification_log(&owner, request.id).await.unwrap();
    assert_eq!(log[0].0.attempts, 0, "a's late answer is not recorded");
    assert!(log[0].1.is_empty());

    let done = delivery(at + Duration::minutes(3), Some(204), None);
    assert!(
        store
            .finish_delivery(notification.id, "b", &done, DeliveryResult::Delivered)
            .await
            .unwrap()
    );
    let delivered = Notification {
        state: NotificationState::Delivered,
        attempts: 1,
        delivered_at: Some(done.at),
        ..pending(&notification)
    };
    assert_eq!(
        store.notification_log(&owner, request.id).await.unwrap(),
        vec![(delivered, vec![done.clone()])]
    );
    // Finished once: a second finish, even by b, changes nothing.
    assert!(
        !store
            .finish_delivery(notification.id, "b", &done, DeliveryResult::Delivered)
            .await
            .unwrap()
    );
    assert_eq!(store.notification_backlog().await.unwrap(), (0, 0));
}

pub async fn delivery_retry_dead_resend_cycle(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = sample_request(&owner, 1);
    let other = sample_request(&owner, 2);
    insert_all(store, &[request.clone(), other.clone()]).await;
    let at = request.created_at + Duration::hours(1);
    let notification = cancel_with_notice(store, &request, at).await;
    let lease = Duration::minutes(1);

    // First attempt: a 500, retried in ten minutes.
    let t1 = at + Duration::seconds(1);
    assert_eq!(
        store
            .claim_notifications(t1, "w", t1 + lease, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let first = delivery(t1, Some(500), Some("HTTP 500"));
    let retry_at = t1 + Duration::minutes(10);
    assert!(
        store
            .finish_delivery(
                notification.id,
                "w",
                &first,
                DeliveryResult::RetryAt(retry_at)
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_notifications(retry_at - Duration::seconds(1), "w", retry_at, 10)
            .await
            .unwrap()
            .is_empty(),
        "not due before its retry time"
    );
    let claimed = store
        .claim_notifications(retry_at, "w", retry_at + lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(claimed[0].next_attempt_at, retry_at);

    // Second attempt: no answer at all; the schedule is spent.
    let second = delivery(retry_at, None, Some("connection refused"));
    assert!(
        store
            .finish_delivery(notification.id, "w", &second, DeliveryResult::Dead)
            .await
            .unwrap()
    );
    assert_eq!(store.notification_backlog().await.unwrap(), (0, 1));
    let dead = store
        .notifications_in_state(NotificationState::Dead, ALL)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].state, NotificationState::Dead);
    assert_eq!(dead[0].attempts, 2);
    assert!(
        store
            .claim_notifications(
                retry_at + Duration::days(1),
                "w",
                retry_at + Duration::days(2),
                10
            )
            .await
            .unwrap()
            .is_empty(),
        "dead rows are not claimed"
    );

    // Resending an unknown id or a row that is not dead does nothing.
    let resend_at = retry_at + Duration::hours(1);
    let other_notice = cancel_with_notice(store, &other, at).await;
    assert_eq!(
        store
            .resend_notifications(Some(&[other_notice.id, uuid::Uuid::new_v4()]), resend_at)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .resend_notifications(Some(&[]), resend_at)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .resend_notifications(Some(&[notification.id]), resend_at)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.notification_backlog().await.unwrap(), (2, 0));
    let mut claimed = store
        .claim_notifications(resend_at, "w", resend_at + lease, 10)
        .await
        .unwrap();
    claimed.retain(|n| n.id == notification.id);
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 2, "attempts are kept");
    assert_eq!(claimed[0].next_attempt_at, resend_at, "due at once");
    let third = delivery(resend_at, Some(200), None);
    assert!(
        store
            .finish_delivery(notification.id, "w", &third, DeliveryResult::Delivered)
            .await
            .unwrap()
    );
    let delivered = Notification {
        state: NotificationState::Delivered,
        attempts: 3,
        next_attempt_at: resend_at,
        delivered_at: Some(resend_at),
        ..pending(&notification)
    };
    assert_eq!(
        store.notification_log(&owner, request.id).await.unwrap(),
        vec![(delivered, vec![first, second, third])],
        "every attempt is logged, oldest first"
    );

    // `None` resends every dead row.
    assert!(
        store
            .finish_delivery(
                other_notice.id,
                "w",
                &delivery(resend_at, None, Some("timeout")),
                DeliveryResult::Dead
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.resend_notifications(None, resend_at).await.unwrap(),
        1
    );
    assert_eq!(store.notification_backlog().await.unwrap(), (1, 0));
}

pub async fn notification_log_is_scoped_to_owner(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let stranger = client("vid.eds");
    let request = sample_request(&owner, 1);
    let theirs = sample_request(&stranger, 1);
    insert_all(store, &[request.clone(), theirs.clone()]).await;
    let at = request.created_at + Duration::hours(1);
    let mine = cancel_with_notice(store, &request, at).await;
    let their_notice = cancel_with_notice(store, &theirs, at).await;
    assert!(
        store
            .notification_log(&stranger, request.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .notification_log(&owner, theirs.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.notification_log(&owner, request.id).await.unwrap(),
        vec![(pending(&mine), Vec::new())]
    );
    assert_eq!(
        store.notification_log(&stranger, theirs.id).await.unwrap(),
        vec![(pending(&their_notice), Vec::new())]
    );
}

pub async fn expiry_candidates_respect_the_grace_rule(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let now = BASE_TIME + Duration::days(60);
    let grace_cutoff = now - Duration::hours(1);
    let with_expiry = |seed: u64, expires_at: OffsetDateTime| {
        let mut request = single_payment_request(&owner, seed);
        request.terms.expires_at = expires_at;
        request
    };
    // Expired, nobody paying: due.
    let idle = with_expiry(1, now - Duration::hours(2));
    // Expired ten minutes ago, a payer at a provider: within its grace.
    let paying = with_expiry(2, now - Duration::minutes(10));
    // Expired three hours ago, still an open attempt: the grace is over.
    let stuck = with_expiry(3, now - Duration::hours(3));
    // Not expired yet.
    let fresh = with_expiry(4, now + Duration::hours(1));
    // Expires exactly now: due (at or before `now`).
    let exact = with_expiry(5, now);
    // Expired but already cancelled.
    let cancelled = with_expiry(6, now - Duration::hours(4));
    insert_all(
        store,
        &[
            idle.clone(),
            paying.clone(),
            stuck.clone(),
            fresh.clone(),
            exact.clone(),
            cancelled.clone(),
        ],
    )
    .await;
    for (seed, request) in [(2, &paying), (3, &stuck)] {
        start(
            store,
            &sample_attempt(request, 1, seed, request.created_at + Duration::minutes(1)),
        )
        .await;
    }
    apply(
        store,
        &cancelled,
        Status::Cancelled,
        cancelled.created_at + Duration::minutes(1),
    )
    .await;

    let candidate = |request: &PaymentRequest| ExpiryCandidate {
        id: request.id,
        owner: request.owner.clone(),
        server_response_url: request.terms.server_response_url.clone(),
    };
    assert_eq!(
        store
            .requests_due_for_expiry(now, grace_cutoff, ALL)
            .await
            .unwrap(),
        vec![candidate(&stuck), candidate(&idle), candidate(&exact)],
        "oldest expiry first"
    );
    assert_eq!(
        store
            .requests_due_for_expiry(now, grace_cutoff, 1)
            .await
            .unwrap(),
        vec![candidate(&stuck)],
        "the limit holds"
    );
    // Once the grace period has passed for it too, the paying one is due.
    let later = now + Duration::hours(1);
    let due = store
        .requests_due_for_expiry(later, later - Duration::hours(1), ALL)
        .await
        .unwrap();
    assert!(due.contains(&candidate(&paying)));
    assert!(due.contains(&candidate(&fresh)));
    assert!(!due.contains(&candidate(&cancelled)));
}

pub async fn attempt_queries_claim_note_and_give_up(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    let other = single_payment_request(&owner, 2);
    insert_all(store, &[request.clone(), other.clone()]).await;
    let t = request.created_at + Duration::minutes(1);
    let attempt = sample_attempt(&request, 1, 1, t);
    start(store, &attempt).await;
    // A rejected attempt is not open: never queried.
    let rejected = sample_attempt(&other, 1, 2, t);
    start(store, &rejected).await;
    apply_outcome(
        store,
        &rejected,
        &report(&rejected, Outcome::Rejected, None, t + Duration::seconds(5)),
    )
    .await;

    let claim = |now: OffsetDateTime, lease_until: OffsetDateTime| {
        store.claim_attempts_to_query(now, lease_until, 10)
    };
    // The first query is due 5 minutes after the start.
    assert!(
        claim(t + Duration::minutes(4), t + Duration::minutes(6))
            .await
            .unwrap()
            .is_empty()
    );
    let first = claim(t + Duration::minutes(5), t + Duration::minutes(6))
        .await
        .unwrap();
    assert_eq!(first, vec![(attempt.clone(), 0)]);
    assert!(
        claim(t + Duration::minutes(5), t + Duration::minutes(6))
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    // The worker died: once its lease is over, the attempt is claimed again.
    let again = claim(t + Duration::minutes(6), t + Duration::minutes(7))
        .await
        .unwrap();
    assert_eq!(again, vec![(attempt.clone(), 0)]);

    store
        .note_attempt_query(attempt.id, Some(t + Duration::minutes(10)))
        .await
        .unwrap();
    assert!(
        claim(t + Duration::minutes(9), t + Duration::minutes(11))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        claim(t + Duration::minutes(10), t + Duration::minutes(11))
            .await
            .unwrap(),
        vec![(attempt.clone(), 1)]
    );
    assert!(store.unresolved_attempts().await.unwrap().is_empty());

    // Giving up: counted, never claimed again, listed as unresolved.
    store.note_attempt_query(attempt.id, None).await.unwrap();
    assert!(
        claim(t + Duration::days(10), t + Duration::days(11))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.unresolved_attempts().await.unwrap(),
        vec![attempt.clone()]
    );

    // Settled later after all: no longer open, so no longer unresolved.
    apply_outcome(
        store,
        &attempt,
        &report(
            &attempt,
            Outcome::Executed,
            Some("HABA-9"),
            t + Duration::hours(1),
        ),
    )
    .await;
    assert!(store.unresolved_attempts().await.unwrap().is_empty());
}

pub async fn notification_secrets_add_retire_list(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let stranger = client("vid.eds");
    let t = BASE_TIME;
    assert!(store.notification_secrets(&owner).await.unwrap().is_empty());
    store
        .add_notification_secret(
            &owner,
            "first-secret",
            t,
            &operator_audit("notification_secret.added", t),
        )
        .await
        .unwrap();
    let t2 = t + Duration::days(1);
    store
        .add_notification_secret(
            &owner,
            "second-secret",
            t2,
            &operator_audit("notification_secret.added", t2),
        )
        .await
        .unwrap();
    store
        .add_notification_secret(
            &stranger,
            "their-secret",
            t,
            &operator_audit("notification_secret.added", t),
        )
        .await
        .unwrap();
    assert_eq!(
        store.notification_secrets(&owner).await.unwrap(),
        vec!["second-secret".to_owned(), "first-secret".to_owned()],
        "newest first, only the client's own"
    );
    assert_eq!(
        store.notification_secret_times(&owner).await.unwrap(),
        vec![t2, t],
        "when each was made, newest first"
    );

    let t3 = t2 + Duration::hours(1);
    let retire = operator_audit("notification_secret.retired", t3);
    assert_eq!(
        store
            .retire_notification_secrets(&owner, t2, &retire)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.notification_secrets(&owner).await.unwrap(),
        vec!["second-secret".to_owned()]
    );
    assert_eq!(
        store.notification_secret_times(&owner).await.unwrap(),
        vec![t2]
    );
    assert_eq!(
        store
            .retire_notification_secrets(&owner, t2, &retire)
            .await
            .unwrap(),
        0,
        "already retired"
    );
    assert_eq!(
        store.notification_secrets(&stranger).await.unwrap(),
        vec!["their-secret".to_owned()],
        "another client's secrets are untouched"
    );
}

/// A receipt that cannot be issued is parked: it stays due (a download still
/// tries it, and storing it clears the mark) but leaves the worker's list, with
/// its reason and an audit event; the receipts behind it are listed.
pub async fn a_parked_receipt_leaves_the_worker_list(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let poisoned = single_payment_request(&owner, 1);
    let next = single_payment_request(&owner, 2);
    insert_all(store, &[poisoned.clone(), next.clone()]).await;
    let at = poisoned.created_at + Duration::minutes(5);
    for (request, paid_at) in [(&poisoned, at), (&next, at + Duration::minutes(1))] {
        let attempt = sample_attempt(request, 1, 1, paid_at);
        start(store, &attempt).await;
        let mut executed = report(&attempt, Outcome::Executed, None, paid_at);
        executed.receipt_due = true;
        apply_outcome(store, &attempt, &executed).await;
    }
    assert_eq!(
        store.receipts_due(1).await.unwrap(),
        vec![(owner.clone(), poisoned.id)],
        "oldest payment first"
    );
    let parked_audit = status_audit(
        &poisoned,
        "document.receipt_parked",
        at + Duration::hours(1),
    );
    let reason = "document could not be rendered: Ā is not in the font";
    // Another client's id, and an unknown one, park nothing.
    let foreign = client("vid.eds");
    for (who, id) in [
        (&foreign, poisoned.id),
        (&owner, PaymentRequestId::from_random([7; 16])),
    ] {
        assert!(
            !store
                .park_receipt(who, id, reason, &parked_audit)
                .await
                .unwrap()
        );
    }
    assert!(
        store
            .park_receipt(&owner, poisoned.id, reason, &parked_audit)
            .await
            .unwrap()
    );
    assert!(
        !store
            .park_receipt(&owner, poisoned.id, reason, &parked_audit)
            .await
            .unwrap(),
        "parked once"
    );
    assert_eq!(
        store.receipts_due(1).await.unwrap(),
        vec![(owner.clone(), next.id)],
        "the next receipt is not held up"
    );
    assert_eq!(
        store
            .document_state(&owner, poisoned.id)
            .await
            .unwrap()
            .map(|s| s.receipt_due),
        Some(true),
        "still due: nothing is lost"
    );
    let trail = store.audit_events(poisoned.id).await.unwrap();
    assert_eq!(trail.last(), Some(&parked_audit), "{trail:?}");
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.kind == "document.receipt_parked")
            .count(),
        1
    );
    // Issued after all (e.g. on download, after a fix): not due, not parked.
    let paid = stored(store, &poisoned).await;
    let receipt = new_document(&paid, DocumentKind::Receipt, 1, at);
    let issued = status_audit(&paid, "document.receipt_issued", at);
    assert!(matches!(
        store.insert_document(&receipt, &issued).await.unwrap(),
        DocumentStored::Stored(_)
    ));
    assert!(
        !store
            .park_receipt(&owner, poisoned.id, reason, &parked_audit)
            .await
            .unwrap(),
        "an issued receipt cannot be parked"
    );
    assert_eq!(
        store.receipts_due(ALL).await.unwrap(),
        vec![(owner.clone(), next.id)]
    );
}

pub async fn server_keys_are_stored_once_and_shared(store: Arc<dyn Store>) {
    let first = [1u8; 32];
    let second = [2u8; 32];
    let t = BASE_TIME;
    assert_eq!(
        store.server_key("form-key", &first, t).await.unwrap(),
        first.to_vec(),
        "the first caller's key is stored"
    );
    assert_eq!(
        store
            .server_key("form-key", &second, t + Duration::hours(1))
            .await
            .unwrap(),
        first.to_vec(),
        "later callers get the stored key, not their candidate"
    );
    assert_eq!(
        store.server_key("other-key", &second, t).await.unwrap(),
        second.to_vec(),
        "each name has its own key"
    );
    // Nodes starting at once: every one gets the same key.
    let mut tasks = Vec::new();
    for n in 0u8..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .server_key("raced-key", &[n + 10; 32], t)
                .await
                .unwrap()
        }));
    }
    let mut keys = Vec::new();
    for task in tasks {
        keys.push(task.await.unwrap());
    }
    assert!(
        keys.windows(2).all(|pair| pair[0] == pair[1]),
        "racing callers disagree: {keys:?}"
    );
}

// ---------------------------------------------------------------- unit of work

/// What a request looks like from outside: its status, its payments'
/// statuses, its attempts, its audit trail and the outbox.
async fn observed(
    store: &dyn Store,
    request: &PaymentRequest,
) -> (
    Option<Status>,
    Vec<Status>,
    Vec<Attempt>,
    Vec<AuditEvent>,
    (u64, u64),
) {
    (
        store
            .request_status(&request.owner, request.id)
            .await
            .unwrap(),
        stored(store, request)
            .await
            .payments
            .iter()
            .map(|p| p.status)
            .collect(),
        attempts(store, request).await,
        store.audit_events(request.id).await.unwrap(),
        store.notification_backlog().await.unwrap(),
    )
}

pub async fn unit_of_work_dropped_without_commit_leaves_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 1);
    insert_all(store, std::slice::from_ref(&request)).await;
    let before = observed(store, &request).await;
    let at = request.created_at + Duration::minutes(10);

    // Every kind of write, then the unit of work is dropped without commit.
    let attempt = sample_attempt(&request, 1, 1, at);
    let mut work = store.begin().await.unwrap();
    let locked = work.request_for_update(request.id).await.unwrap().unwrap();
    assert_eq!(locked.owner, owner);
    assert_eq!(locked.status, Status::InProcess);
    assert!(!locked.receipt_due);
    work.insert_attempt(&attempt, at + Duration::minutes(5))
        .await
        .unwrap();
    let paid = maksa_app::store::PaymentPaid {
        request: request.id,
        sequence: 1,
        provider: &attempt.provider,
        paid_at: at,
        external_id: Some("EXT-1"),
    };
    assert!(work.set_payment_paid(&paid).await.unwrap());
    let write = maksa_app::store::RequestStatusWrite {
        id: request.id,
        owner: &owner,
        from: Status::InProcess,
        to: Status::Executed,
        at,
        paid_at: Some(at),
        receipt_due: Some(true),
    };
    assert!(work.set_request_status(&write).await.unwrap());
    // The unit of work reads its own writes.
    assert_eq!(
        work.payment_statuses(request.id).await.unwrap(),
        vec![(1, Status::Executed)]
    );
    assert!(
        work.request_for_update(request.id)
            .await
            .unwrap()
            .unwrap()
            .receipt_due
    );
    work.append_notification(&notice(&request, Status::Executed, at))
        .await
        .unwrap();
    work.append_audit(&status_audit(&request, "payment_request.paid", at))
        .await
        .unwrap();
    drop(work);

    assert_eq!(
        observed(store, &request).await,
        before,
        "a dropped unit of work wrote"
    );
    assert!(store.receipts_due(ALL).await.unwrap().is_empty());

    // The store is usable at once, and a committed unit of work is durable.
    let mut work = store.begin().await.unwrap();
    work.append_audit(&status_audit(&request, "payment_request.viewed", at))
        .await
        .unwrap();
    work.commit().await.unwrap();
    let trail = store.audit_events(request.id).await.unwrap();
    assert_eq!(trail.len(), before.3.len() + 1);
    assert_eq!(
        trail.last().map(|event| event.kind.as_str()),
        Some("payment_request.viewed")
    );
}

pub async fn compare_and_set_that_loses_changes_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let stranger = client("vid.eds");
    let request = single_payment_request(&owner, 2);
    insert_all(store, std::slice::from_ref(&request)).await;
    let before = observed(store, &request).await;
    let at = request.created_at + Duration::minutes(10);
    let provider_code = provider("HABALV22");

    let mut work = store.begin().await.unwrap();
    let write = |owner, from, to| maksa_app::store::RequestStatusWrite {
        id: request.id,
        owner,
        from,
        to,
        at,
        paid_at: None,
        receipt_due: None,
    };
    // Not in `from`, not the owner's, no such payment, no such attempt, no
    // receipt due, no such lease: every compare-and-set answers false.
    assert!(
        !work
            .set_request_status(&write(&owner, Status::Executed, Status::Other))
            .await
            .unwrap()
    );
    assert!(
        !work
            .set_request_status(&write(&stranger, Status::InProcess, Status::Cancelled))
            .await
            .unwrap()
    );
    let paid = maksa_app::store::PaymentPaid {
        request: request.id,
        sequence: 9,
        provider: &provider_code,
        paid_at: at,
        external_id: None,
    };
    assert!(!work.set_payment_paid(&paid).await.unwrap());
    let update = maksa_app::store::AttemptUpdate {
        id: AttemptId::from_random([9; 16]),
        state: AttemptState::Executed,
        external_id: None,
        refund_required: false,
        updated_at: at,
    };
    assert_eq!(work.update_attempt(&update).await.unwrap(), None);
    assert!(
        !work
            .park_receipt(&owner, request.id, "cannot render", at)
            .await
            .unwrap()
    );
    let finish = maksa_app::store::DeliveryFinish {
        id: uuid::Uuid::new_v4(),
        worker: "node-a",
        state: NotificationState::Delivered,
        next_attempt_at: None,
        delivered_at: Some(at),
    };
    assert!(!work.finish_notification(&finish).await.unwrap());
    work.commit().await.unwrap();
    assert_eq!(
        observed(store, &request).await,
        before,
        "a losing compare-and-set wrote"
    );

    // Of two changes from P in one transaction, only the first applies.
    let mut work = store.begin().await.unwrap();
    assert!(
        work.set_request_status(&write(&owner, Status::InProcess, Status::Cancelled))
            .await
            .unwrap()
    );
    assert!(
        !work
            .set_request_status(&write(&owner, Status::InProcess, Status::Expired))
            .await
            .unwrap()
    );
    assert_eq!(
        work.set_open_payments_status(request.id, Status::Cancelled, None)
            .await
            .unwrap(),
        1
    );
    work.commit().await.unwrap();
    let after = stored(store, &request).await;
    assert_eq!(after.status, Status::Cancelled);
    assert_eq!(after.status_changed_at, truncate_to_microseconds(at));
    assert_eq!(after.payments[0].status, Status::Cancelled);
    assert_eq!(after.payments[0].paid_at, None);
}

pub async fn a_locked_request_makes_a_racing_change_wait_and_lose(store: Arc<dyn Store>) {
    let owner = client("pmlp.epakalpojumi");
    let request = single_payment_request(&owner, 3);
    insert_all(store.as_ref(), std::slice::from_ref(&request)).await;
    let at = request.created_at + Duration::minutes(10);

    let mut first = store.begin().await.unwrap();
    let locked = first.request_for_update(request.id).await.unwrap().unwrap();
    assert_eq!(locked.status, Status::InProcess);

    // A second writer's compare-and-set on the same request waits for the first…
    let racing = {
        let store = Arc::clone(&store);
        let request = request.clone();
        tokio::spawn(async move {
            let mut second = store.begin().await.unwrap();
            let write = maksa_app::store::RequestStatusWrite {
                id: request.id,
                owner: &request.owner,
                from: Status::InProcess,
                to: Status::Expired,
                at,
                paid_at: None,
                receipt_due: None,
            };
            let applied = second.set_request_status(&write).await.unwrap();
            second.commit().await.unwrap();
            applied
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!racing.is_finished(), "the second writer did not wait");

    // …and loses once the first has changed the status it expected.
    let write = maksa_app::store::RequestStatusWrite {
        id: request.id,
        owner: &owner,
        from: locked.status,
        to: Status::Cancelled,
        at,
        paid_at: None,
        receipt_due: None,
    };
    assert!(first.set_request_status(&write).await.unwrap());
    first.commit().await.unwrap();
    assert!(!racing.await.unwrap(), "both changes from P applied");
    assert_eq!(
        store.request_status(&owner, request.id).await.unwrap(),
        Some(Status::Cancelled)
    );
}

/// Card payments' bookkeeping: an attempt is found by its provider's
/// reference (at that provider only); the period totals count executed card
/// attempts and reversals by when they happened; a payment flagged for a
/// refund is due until reversed; a reversal is written once (a dropped unit of
/// work writes nothing); day closes are kept newest first, and the next
/// period starts after the last close.
pub async fn card_reversals_day_closes_and_totals(store: Arc<dyn Store>) {
    use maksa_app::store::{CardDayClose, CardReversal, CardTotals};
    let store = store.as_ref();
    let owner = client("pmlp.epakalpojumi");
    let card = provider("FIRSTDATA");
    let kept = single_payment_request(&owner, 1);
    let cancelled = single_payment_request(&owner, 2);
    insert_all(store, &[kept.clone(), cancelled.clone()]).await;
    let at = kept.created_at + Duration::minutes(5);

    let mut paid = sample_attempt(&kept, 1, 1, at);
    paid.provider = card.clone();
    start(store, &paid).await;
    apply_outcome(
        store,
        &paid,
        &report(
            &paid,
            Outcome::Executed,
            Some("TRANS+1/a="),
            at + Duration::minutes(1),
        ),
    )
    .await;
    let mut refunded = sample_attempt(&cancelled, 1, 2, at);
    refunded.provider = card.clone();
    start(store, &refunded).await;
    apply(
        store,
        &cancelled,
        Status::Cancelled,
        at + Duration::minutes(1),
    )
    .await;
    apply_outcome(
        store,
        &refunded,
        &report(
            &refunded,
            Outcome::Executed,
            Some("TRANS+2/b="),
            at + Duration::minutes(2),
        ),
    )
    .await;

    let found = store
        .attempt_by_reference(&card, "TRANS+1/a=")
        .await
        .unwrap()
        .expect("found by its reference");
    assert_eq!(found.id, paid.id);
    assert_eq!(
        store
            .attempt_by_reference(&provider("HABALV22"), "TRANS+1/a=")
            .await
            .unwrap(),
        None,
        "another provider's reference space"
    );
    assert_eq!(
        store.attempt_by_reference(&card, "TRANS+9").await.unwrap(),
        None
    );

    let both = paid.amount.minor() + refunded.amount.minor();
    let now = at + Duration::hours(1);
    assert_eq!(
        store.card_totals(&card, None, now).await.unwrap(),
        CardTotals {
            debit_count: 2,
            debit_minor: both,
            reversal_count: 0,
            reversal_minor: 0,
        }
    );
    assert_eq!(
        store
            .card_totals(&provider("HABALV22"), None, now)
            .await
            .unwrap(),
        CardTotals::default()
    );
    let due = store
        .card_refunds_due(std::slice::from_ref(&card), 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![refunded.id]
    );
    assert!(
        store
            .card_refunds_due(&[provider("HABALV22")], 10)
            .await
            .unwrap()
            .is_empty()
    );

    let reversal = CardReversal {
        attempt: refunded.id,
        provider: card.clone(),
        amount: refunded.amount,
        currency: refunded.currency,
        approved_by: "anna".into(),
        reversed_at: at + Duration::minutes(30),
    };
    let mut dropped = store.begin().await.unwrap();
    assert!(dropped.insert_card_reversal(&reversal).await.unwrap());
    drop(dropped);
    assert_eq!(store.card_reversal(refunded.id).await.unwrap(), None);
    let mut work = store.begin().await.unwrap();
    assert!(work.insert_card_reversal(&reversal).await.unwrap());
    work.commit().await.unwrap();
    let mut again = store.begin().await.unwrap();
    assert!(
        !again.insert_card_reversal(&reversal).await.unwrap(),
        "a reversal is written once"
    );
    again.commit().await.unwrap();
    assert_eq!(
        store.card_reversal(refunded.id).await.unwrap(),
        Some(reversal.clone())
    );
    assert!(
        store
            .card_refunds_due(std::slice::from_ref(&card), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let hub = store.card_totals(&card, None, now).await.unwrap();
    assert_eq!(
        (hub.reversal_count, hub.reversal_minor),
        (1, refunded.amount.minor())
    );

    let first = CardDayClose {
        provider: card.clone(),
        period_from: None,
        closed_at: now,
        acquirer: hub,
        hub,
    };
    let mut mismatch = first.clone();
    mismatch.period_from = Some(now);
    mismatch.closed_at = now + Duration::days(1);
    mismatch.acquirer.debit_count = 1;
    assert!(first.matches() && !mismatch.matches());
    for close in [&first, &mismatch] {
        let mut work = store.begin().await.unwrap();
        work.insert_card_day_close(close).await.unwrap();
        work.commit().await.unwrap();
    }
    assert_eq!(
        store.last_card_day_close(&card).await.unwrap(),
        Some(mismatch.clone())
    );
    assert_eq!(
        store.card_day_closes(10).await.unwrap(),
        vec![mismatch.clone(), first.clone()]
    );
    assert_eq!(
        store
            .last_card_day_close(&provider("HABALV22"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .card_totals(&card, Some(now), now + Duration::days(1))
            .await
            .unwrap(),
        CardTotals::default(),
        "nothing happened after the first close"
    );
}
