//! The portal's part of the store (`KdvStore` and the unit of work's IVIS
//! writes): IVIS transactions and submissions, the payer's workspace list, and
//! the payer-message outbox.

use crate::fixtures::{BASE_TIME, client, creation_audit, single_payment_request};
use maksa_app::store::prelude::*;
use maksa_app::store::{
    IvisSubmission, IvisTransaction, PayerMessage, PayerMessageKind, PayerMessageOutcome,
    PayerMessageState, StatusChange, StoreError,
};
use maksa_app::workflows::Workflows;
use maksa_domain::codes::ClientCode;
use maksa_domain::ids::ClientId;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use std::sync::Arc;
use time::Duration;

fn addressed_request(owner: &ClientId, seed: u64, code: &str) -> PaymentRequest {
    let mut request = single_payment_request(owner, seed);
    request.terms.payer.code = Some(ClientCode::parse(code).unwrap());
    request.terms.payer.email = Some(format!("payer{seed}@example.lv"));
    request.terms.expires_at = BASE_TIME + Duration::days(10);
    request
}

fn submission(owner: &ClientId, message: &str, requests: &[&PaymentRequest]) -> IvisSubmission {
    IvisSubmission {
        correlation_id: uuid::Uuid::new_v4(),
        client: owner.clone(),
        message_id: message.into(),
        transaction_id: Some("URN:IVIS:100001:TR-1".into()),
        asynchronous: true,
        request_ids: requests.iter().map(|r| r.id).collect(),
        created_at: BASE_TIME,
        disposed_at: None,
    }
}

fn registered(request: &PaymentRequest) -> PayerMessage {
    PayerMessage {
        request_id: request.id,
        kind: PayerMessageKind::Registered,
        recipient: request.terms.payer.email.clone().unwrap(),
        language: "lv".into(),
        state: PayerMessageState::Pending,
        attempts: 0,
        created_at: BASE_TIME,
        sent_at: None,
        last_error: None,
    }
}

/// A submission, its requests and the payer's message commit together, or
/// (dropped) not at all; the submission is found by correlation id and by
/// MessageID, only by its client; a MessageID is taken once; the payer finds
/// the submitted requests naming their code, newest first, and no other.
pub async fn kdv_submission_commits_with_its_requests(store: Arc<dyn Store>) {
    let owner = client("lvp.epakalpojumi");
    let other = client("pmlp.epakalpojumi");
    let first = addressed_request(&owner, 1, "010101-10006");
    let mut second = addressed_request(&owner, 2, "01010110006");
    second.created_at = first.created_at + Duration::minutes(1);
    let someone_else = addressed_request(&owner, 3, "020202-20000");
    // Naming the same payer, but made by another door: not addressed to them.
    let mut made_elsewhere = addressed_request(&owner, 4, "010101-10006");
    made_elsewhere.created_at = second.created_at + Duration::minutes(1);
    let submitted = submission(&owner, "msg-1", &[&first, &second]);

    let mut dropped = store.begin().await.unwrap();
    dropped
        .insert_requests(&[(first.clone(), creation_audit(&first))])
        .await
        .unwrap();
    dropped.insert_ivis_submission(&submitted).await.unwrap();
    drop(dropped);
    assert!(
        store
            .ivis_submission(&owner, submitted.correlation_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .payment_request_by_id(first.id)
            .await
            .unwrap()
            .is_none()
    );

    let mut work = store.begin().await.unwrap();
    work.insert_requests(&[
        (first.clone(), creation_audit(&first)),
        (second.clone(), creation_audit(&second)),
        (someone_else.clone(), creation_audit(&someone_else)),
        (made_elsewhere.clone(), creation_audit(&made_elsewhere)),
    ])
    .await
    .unwrap();
    work.insert_ivis_submission(&submitted).await.unwrap();
    assert!(
        work.insert_payer_message(&registered(&first))
            .await
            .unwrap()
    );
    assert!(
        !work
            .insert_payer_message(&registered(&first))
            .await
            .unwrap(),
        "one message per request and kind"
    );
    work.commit().await.unwrap();

    let read = store
        .ivis_submission(&owner, submitted.correlation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, submitted);
    assert_eq!(
        store
            .ivis_submission_by_message(&owner, "msg-1")
            .await
            .unwrap(),
        Some(submitted.clone())
    );
    assert!(
        store
            .ivis_submission(&other, submitted.correlation_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .ivis_submission_by_message(&other, "msg-1")
            .await
            .unwrap()
            .is_none()
    );

    let mut again = store.begin().await.unwrap();
    let repeated = submission(&owner, "msg-1", &[&first]);
    assert!(matches!(
        again.insert_ivis_submission(&repeated).await,
        Err(StoreError::Conflict(_))
    ));
    drop(again);
    // Another client may use the same MessageID.
    let mut theirs = store.begin().await.unwrap();
    theirs
        .insert_ivis_submission(&submission(&other, "msg-1", &[]))
        .await
        .unwrap();
    theirs.commit().await.unwrap();

    let code = ClientCode::parse("010101-10006").unwrap();
    let listed: Vec<_> = store
        .requests_for_payer(&code, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        listed,
        vec![second.id, first.id],
        "newest first, only theirs"
    );
    let limited = store.requests_for_payer(&code, 1).await.unwrap();
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0], second);
    let messages = store.payer_messages(first.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].kind, PayerMessageKind::Registered);
    assert_eq!(messages[0].state, PayerMessageState::Pending);
    assert_eq!(messages[0].recipient, "payer1@example.lv");
}

/// A transaction ends once and only for its client; a submission is disposed
/// of once.
pub async fn kdv_transactions_end_and_submissions_dispose_once(store: Arc<dyn Store>) {
    let owner = client("lvp.epakalpojumi");
    let other = client("pmlp.epakalpojumi");
    let transaction = IvisTransaction {
        id: "URN:IVIS:100001:TR-7".into(),
        client: owner.clone(),
        eservice_id: "URN:IVIS:100001:EP-EP00-V1-2".into(),
        started_at: BASE_TIME,
        ended_at: None,
    };
    store.insert_ivis_transaction(&transaction).await.unwrap();
    assert_eq!(
        store
            .ivis_transaction(&owner, &transaction.id)
            .await
            .unwrap(),
        Some(transaction.clone())
    );
    assert!(
        store
            .ivis_transaction(&other, &transaction.id)
            .await
            .unwrap()
            .is_none()
    );
    let later = BASE_TIME + Duration::minutes(3);
    assert!(
        !store
            .end_ivis_transaction(&other, &transaction.id, later)
            .await
            .unwrap()
    );
    assert!(
        store
            .end_ivis_transaction(&owner, &transaction.id, later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .end_ivis_transaction(&owner, &transaction.id, later)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .ivis_transaction(&owner, &transaction.id)
            .await
            .unwrap()
            .unwrap()
            .ended_at,
        Some(later)
    );

    let submitted = submission(&owner, "msg-2", &[]);
    let mut work = store.begin().await.unwrap();
    work.insert_ivis_submission(&submitted).await.unwrap();
    work.commit().await.unwrap();
    let id = submitted.correlation_id;
    assert!(
        !store
            .dispose_ivis_submission(&other, id, later)
            .await
            .unwrap()
    );
    assert!(
        store
            .dispose_ivis_submission(&owner, id, later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .dispose_ivis_submission(&owner, id, later)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .ivis_submission(&owner, id)
            .await
            .unwrap()
            .unwrap()
            .disposed_at,
        Some(later)
    );
}

/// Payer messages are leased to one worker, retried when due, sent once; a
/// reminder is queued once for an open registered request expiring within the
/// window, and never for one that is paid, cancelled or expiring later.
pub async fn kdv_payer_messages_lease_retry_send_and_remind(store: Arc<dyn Store>) {
    let owner = client("lvp.epakalpojumi");
    let soon = addressed_request(&owner, 11, "010101-10006");
    let mut later = addressed_request(&owner, 12, "010101-10006");
    later.terms.expires_at = BASE_TIME + Duration::days(40);
    let cancelled = addressed_request(&owner, 13, "010101-10006");
    let unregistered = addressed_request(&owner, 14, "010101-10006");
    let mut work = store.begin().await.unwrap();
    work.insert_requests(&[
        (soon.clone(), creation_audit(&soon)),
        (later.clone(), creation_audit(&later)),
        (cancelled.clone(), creation_audit(&cancelled)),
        (unregistered.clone(), creation_audit(&unregistered)),
    ])
    .await
    .unwrap();
    for request in [&soon, &later, &cancelled] {
        assert!(
            work.insert_payer_message(&registered(request))
                .await
                .unwrap()
        );
    }
    work.commit().await.unwrap();

    let now = BASE_TIME + Duration::seconds(1);
    let lease = now + Duration::minutes(1);
    let claimed = store
        .claim_payer_messages(now, "node-a", lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(
        store
            .claim_payer_messages(now, "node-b", lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased rows are not claimed twice"
    );
    let retry_at = now + Duration::minutes(5);
    assert!(
        !store
            .finish_payer_message(
                soon.id,
                PayerMessageKind::Registered,
                "node-b",
                &PayerMessageOutcome::Sent,
                now
            )
            .await
            .unwrap(),
        "only the lease holder finishes"
    );
    assert!(
        store
            .finish_payer_message(
                soon.id,
                PayerMessageKind::Registered,
                "node-a",
                &PayerMessageOutcome::RetryAt(retry_at, "451 try later".into()),
                now
            )
            .await
            .unwrap()
    );
    for request in [&later, &cancelled] {
        assert!(
            store
                .finish_payer_message(
                    request.id,
                    PayerMessageKind::Registered,
                    "node-a",
                    &PayerMessageOutcome::Sent,
                    now
                )
                .await
                .unwrap()
        );
    }
    assert!(
        store
            .claim_payer_messages(retry_at - Duration::seconds(1), "node-b", lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "not due before its retry time"
    );
    let again = store
        .claim_payer_messages(retry_at, "node-b", retry_at + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_error.as_deref(), Some("451 try later"));
    assert!(
        store
            .finish_payer_message(
                soon.id,
                PayerMessageKind::Registered,
                "node-b",
                &PayerMessageOutcome::Sent,
                retry_at
            )
            .await
            .unwrap()
    );
    let sent = store.payer_messages(soon.id).await.unwrap();
    assert_eq!(sent[0].state, PayerMessageState::Sent);
    assert_eq!(sent[0].sent_at, Some(retry_at));

    assert!(
        store
            .change_request_status(&StatusChange {
                owner: owner.clone(),
                id: cancelled.id,
                from: Status::InProcess,
                to: Status::Cancelled,
                at: now,
                open_payments_to: Some(Status::Cancelled),
                audit: creation_audit(&cancelled),
                notifications: Vec::new(),
            })
            .await
            .unwrap()
    );
    let window_end = BASE_TIME + Duration::days(11);
    assert_eq!(
        store.queue_payer_reminders(now, window_end).await.unwrap(),
        1
    );
    assert_eq!(
        store.queue_payer_reminders(now, window_end).await.unwrap(),
        0,
        "a reminder is queued once"
    );
    let reminders = store.payer_messages(soon.id).await.unwrap();
    assert_eq!(reminders.len(), 2);
    assert!(
        reminders
            .iter()
            .any(|m| m.kind == PayerMessageKind::Reminder
                && m.state == PayerMessageState::Pending
                && m.recipient == "payer11@example.lv")
    );
    assert!(
        store
            .payer_messages(unregistered.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.payer_messages(later.id).await.unwrap().len(), 1);
}

/// A sign-in token (or an ended session's id) is taken once, on any node, and
/// reads as taken until it expires; once expired it is forgotten (a new
/// token with the same id would be taken again).
pub async fn kdv_sign_in_tokens_are_taken_once(store: Arc<dyn Store>) {
    let until = BASE_TIME + Duration::minutes(5);
    assert!(!store.sign_in_token_taken("_a", BASE_TIME).await.unwrap());
    assert!(
        store
            .take_sign_in_token("_a", until, BASE_TIME)
            .await
            .unwrap()
    );
    assert!(store.sign_in_token_taken("_a", BASE_TIME).await.unwrap());
    assert!(
        !store
            .take_sign_in_token("_a", until, BASE_TIME)
            .await
            .unwrap()
    );
    assert!(
        !store.sign_in_token_taken("_a", until).await.unwrap(),
        "an expired one is not taken any more"
    );
    assert!(
        store
            .take_sign_in_token("_b", until, BASE_TIME)
            .await
            .unwrap()
    );
    let later = until + Duration::seconds(1);
    assert!(
        store
            .take_sign_in_token("_a", later + Duration::minutes(5), later)
            .await
            .unwrap()
    );
}

/// A dead payer message is listed for the operator and made pending again by
/// a re-send (of its request, or of all); a sent one is never re-sent.
pub async fn kdv_dead_payer_messages_are_listed_and_resent(store: Arc<dyn Store>) {
    let owner = client("lvp.epakalpojumi");
    let dead = addressed_request(&owner, 21, "010101-10006");
    let sent = addressed_request(&owner, 22, "010101-10006");
    let mut work = store.begin().await.unwrap();
    work.insert_requests(&[
        (dead.clone(), creation_audit(&dead)),
        (sent.clone(), creation_audit(&sent)),
    ])
    .await
    .unwrap();
    for request in [&dead, &sent] {
        assert!(
            work.insert_payer_message(&registered(request))
                .await
                .unwrap()
        );
    }
    work.commit().await.unwrap();
    let now = BASE_TIME + Duration::seconds(1);
    let lease = now + Duration::minutes(1);
    assert_eq!(
        store
            .claim_payer_messages(now, "node-a", lease, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    let finish = |request, outcome| {
        let store = Arc::clone(&store);
        async move {
            store
                .finish_payer_message(
                    request,
                    PayerMessageKind::Registered,
                    "node-a",
                    &outcome,
                    now,
                )
                .await
                .unwrap()
        }
    };
    assert!(
        finish(
            dead.id,
            PayerMessageOutcome::Dead("550 no such user".into())
        )
        .await
    );
    assert!(finish(sent.id, PayerMessageOutcome::Sent).await);
    let listed = store.dead_payer_messages(10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].request_id, dead.id);
    assert_eq!(listed[0].last_error.as_deref(), Some("550 no such user"));

    let later = now + Duration::minutes(5);
    assert_eq!(
        store
            .resend_payer_messages(Some(&[sent.id]), later)
            .await
            .unwrap(),
        0,
        "a sent message is not sent again"
    );
    assert_eq!(
        store
            .resend_payer_messages(Some(&[dead.id]), later)
            .await
            .unwrap(),
        1
    );
    assert!(store.dead_payer_messages(10).await.unwrap().is_empty());
    let again = store
        .claim_payer_messages(later, "node-b", later + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].request_id, dead.id);
    assert!(
        store
            .finish_payer_message(
                dead.id,
                PayerMessageKind::Registered,
                "node-b",
                &PayerMessageOutcome::Dead("550 still".into()),
                later
            )
            .await
            .unwrap()
    );
    assert_eq!(store.resend_payer_messages(None, later).await.unwrap(), 1);
}
