//! Retention and erasure of payers' data (docs/retention.md), through the
//! app's `Retention` service over the store: only final requests past the
//! period are pseudonymised, the money record stays, the personal fields and
//! the workspace's and outbox's copies are replaced, once.

use crate::fixtures::{BASE_TIME, client, creation_audit, single_payment_request};
use maksa_app::clock::{Clock, ManualClock};
use maksa_app::error::AppError;
use maksa_app::retention::{MARKER, Retention, RetentionSettings, pseudonymised};
use maksa_app::store::prelude::*;
use maksa_app::store::{
    ErasureReason, IvisSubmission, PayerErasure, PayerMessage, PayerMessageKind, PayerMessageState,
    StatusChange,
};
use maksa_app::workflows::Workflows;
use maksa_domain::codes::ClientCode;
use maksa_domain::ids::ClientId;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use serde_json::json;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

const CODE: &str = "010101-10006";

fn addressed(owner: &ClientId, seed: u64, code: &str) -> PaymentRequest {
    let mut request = single_payment_request(owner, seed);
    request.terms.payer.code = Some(ClientCode::parse(code).unwrap());
    request.terms.payer.email = Some(format!("payer{seed}@example.lv"));
    request.terms.expires_at = BASE_TIME + Duration::days(10);
    request
}

fn cancel(request: &PaymentRequest, at: OffsetDateTime) -> StatusChange {
    StatusChange {
        owner: request.owner.clone(),
        id: request.id,
        from: Status::InProcess,
        to: Status::Cancelled,
        at,
        open_payments_to: Some(Status::Cancelled),
        audit: maksa_app::store::AuditEvent {
            at,
            actor: request.owner.to_string(),
            request_id: Some(request.id),
            kind: "payment_request.cancelled".into(),
            detail: json!({}),
        },
        notifications: Vec::new(),
    }
}

async fn read(store: &dyn Store, request: &PaymentRequest) -> PaymentRequest {
    store
        .payment_request_by_id(request.id)
        .await
        .unwrap()
        .unwrap()
}

async fn erased_events(store: &dyn Store, request: &PaymentRequest) -> usize {
    store
        .audit_events(request.id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == "payer_data.erased")
        .count()
}

pub async fn retention_pseudonymises_final_requests_past_the_period_once(store: Arc<dyn Store>) {
    let owner = client("lvp.epakalpojumi");
    let old = addressed(&owner, 1, CODE);
    let young = addressed(&owner, 2, CODE);
    let open = addressed(&owner, 3, CODE);
    let someone_else = addressed(&owner, 4, "020202-20000");
    let all = [&old, &young, &open, &someone_else];

    let mut work = store.begin().await.unwrap();
    work.insert_requests(
        &all.iter()
            .map(|r| ((*r).clone(), creation_audit(r)))
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    work.insert_ivis_submission(&IvisSubmission {
        correlation_id: uuid::Uuid::new_v4(),
        client: owner.clone(),
        message_id: "msg-retention".into(),
        transaction_id: None,
        asynchronous: true,
        request_ids: all.iter().map(|r| r.id).collect(),
        created_at: BASE_TIME,
        disposed_at: None,
    })
    .await
    .unwrap();
    for request in all {
        work.insert_payer_message(&PayerMessage {
            request_id: request.id,
            kind: PayerMessageKind::Registered,
            recipient: request.terms.payer.email.clone().unwrap(),
            language: "lv".into(),
            state: PayerMessageState::Pending,
            attempts: 0,
            created_at: BASE_TIME,
            sent_at: None,
            last_error: None,
        })
        .await
        .unwrap();
    }
    work.commit().await.unwrap();

    let final_at = BASE_TIME + Duration::days(1);
    for request in [&old, &someone_else] {
        assert!(
            store
                .change_request_status(&cancel(request, final_at))
                .await
                .unwrap()
        );
    }
    let young_final = BASE_TIME + Duration::days(200);
    assert!(
        store
            .change_request_status(&cancel(&young, young_final))
            .await
            .unwrap()
    );
    let before_old = read(store.as_ref(), &old).await;

    // A day before the period ends: nothing.
    let clock = Arc::new(ManualClock::new(final_at + Duration::days(364)));
    let retention = Retention::new(store.clone(), clock.clone(), RetentionSettings::default());
    assert_eq!(retention.erase_due(100).await.unwrap(), 0);
    assert!(store.erasure_log(None, 10).await.unwrap().is_empty());

    // After it: the two requests final for a year, not the younger, not the open one.
    clock.advance(Duration::days(2));
    assert_eq!(retention.erase_due(100).await.unwrap(), 2);
    let after_old = read(store.as_ref(), &old).await;
    assert_eq!(after_old.terms, pseudonymised(&before_old.terms));
    let payer = &after_old.terms.payer;
    assert_eq!(payer.name.as_deref(), Some(MARKER));
    assert_eq!(payer.first_name.as_deref(), Some(MARKER));
    assert_eq!(payer.email.as_deref(), Some(MARKER));
    assert_eq!(payer.phone.as_deref(), Some(MARKER));
    assert_eq!(payer.address.as_deref(), Some(MARKER));
    assert_eq!(payer.code, None);
    // The money record stays.
    assert_eq!(after_old.payments, before_old.payments);
    assert_eq!(after_old.status, Status::Cancelled);
    assert_eq!(after_old.status_changed_at, before_old.status_changed_at);
    assert_eq!(after_old.number, before_old.number);
    assert_eq!(after_old.created_at, before_old.created_at);
    assert_eq!(after_old.terms.total, before_old.terms.total);
    assert_eq!(after_old.terms.service_step, before_old.terms.service_step);
    assert_eq!(after_old.terms.expires_at, before_old.terms.expires_at);
    assert_eq!(
        store.request_status(&owner, old.id).await.unwrap(),
        Some(Status::Cancelled)
    );
    // Untouched: the younger final request and the open one.
    assert_eq!(read(store.as_ref(), &young).await.terms, young.terms);
    assert_eq!(read(store.as_ref(), &open).await.terms, open.terms);

    // The outbox's copy is replaced, and no longer sent.
    let messages = store.payer_messages(old.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].recipient, MARKER);
    assert_eq!(messages[0].state, PayerMessageState::Dead);
    assert_eq!(
        store.payer_messages(open.id).await.unwrap()[0].recipient,
        open.terms.payer.email.clone().unwrap()
    );
    // The workspace no longer lists it under the code.
    let listed: Vec<_> = store
        .requests_for_payer(&ClientCode::parse(CODE).unwrap(), 10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert!(!listed.contains(&old.id) && listed.contains(&young.id) && listed.contains(&open.id));

    // Logged and audited once, naming no code.
    let log = store.erasures_of(old.id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].reason, ErasureReason::Retention);
    assert_eq!(log[0].actor, "hub");
    assert_eq!(log[0].record_kind, "payment_request");
    assert_eq!(log[0].record_id, old.id.to_string());
    assert_eq!(
        log[0].detail,
        json!({ "payer_messages": 1, "workspace_rows": 1 })
    );
    assert_eq!(erased_events(store.as_ref(), &old).await, 1);
    let trail = serde_json::to_string(&store.audit_events(old.id).await.unwrap()).unwrap();
    assert!(!trail.contains("01010110006") && !trail.contains("payer1@example.lv"));

    // Idempotent: again, nothing more changes, nothing more is logged.
    assert_eq!(retention.erase_due(100).await.unwrap(), 0);
    let mut work = store.begin().await.unwrap();
    let again = PayerErasure {
        request: old.id,
        terms: pseudonymised(&after_old.terms),
        pseudonym: Some("x".into()),
        marker: MARKER.into(),
        reason: ErasureReason::Request,
        actor: "test".into(),
        note: String::new(),
        at: clock.now(),
    };
    assert!(!work.erase_payer_data(&again).await.unwrap());
    work.commit().await.unwrap();
    assert_eq!(store.erasure_log(None, 10).await.unwrap().len(), 2);
    assert_eq!(erased_events(store.as_ref(), &old).await, 1);
    assert_eq!(read(store.as_ref(), &old).await, after_old);

    // Still linkable by the keyed hash of the code, not readable.
    let pseudonym = retention
        .pseudonym(&ClientCode::parse(CODE).unwrap())
        .await
        .unwrap();
    assert_eq!(pseudonym.len(), 64);
    assert_eq!(
        store.requests_of_pseudonym(&pseudonym, 10).await.unwrap(),
        vec![old.id]
    );
    let mut of_payer = store.requests_of_payer("01010110006", 10).await.unwrap();
    of_payer.sort_by_key(|id| id.to_string());
    let mut expected = vec![young.id, open.id];
    expected.sort_by_key(|id| id.to_string());
    assert_eq!(of_payer, expected);

    // The export: the requests naming the code, and those already pseudonymised.
    let export = retention.export(CODE).await.unwrap();
    assert_eq!(export["requests"].as_array().unwrap().len(), 2);
    assert_eq!(
        export["pseudonymised_requests"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        export["pseudonymised_requests"][0]["id"],
        json!(old.id.to_string())
    );

    // On request: refused while one is open, nothing changed.
    let refused = retention
        .erase(CODE, "operator:berta", "asked 2026-11-30")
        .await;
    assert!(
        matches!(refused, Err(AppError::Conflict { .. })),
        "{refused:?}"
    );
    assert_eq!(store.erasure_log(None, 10).await.unwrap().len(), 2);
    assert!(matches!(
        retention.erase("12345", "operator:berta", "asked").await,
        Err(AppError::BadInput { .. })
    ));
    assert!(matches!(
        retention.erase(CODE, "operator:berta", "  ").await,
        Err(AppError::BadInput { .. })
    ));
    assert!(
        store
            .change_request_status(&cancel(&open, young_final))
            .await
            .unwrap()
    );
    let summary = retention
        .erase(CODE, "operator:berta", "asked 2026-11-30")
        .await
        .unwrap();
    assert_eq!(summary.erased, 2);
    let log = store.erasure_log(None, 10).await.unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].reason, ErasureReason::Request);
    assert_eq!(log[0].actor, "operator:berta");
    assert_eq!(log[0].note, "asked 2026-11-30");
    // Paged, newest first.
    let older = store.erasure_log(Some(log[1].id), 10).await.unwrap();
    assert_eq!(older.len(), 2);
    assert!(older.iter().all(|r| r.id < log[1].id));
    assert!(
        store
            .requests_of_payer("01010110006", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .requests_of_pseudonym(&pseudonym, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    // Someone else's request was erased by the period, under their own pseudonym.
    assert_eq!(
        read(store.as_ref(), &someone_else).await.terms.payer.code,
        None
    );
}
