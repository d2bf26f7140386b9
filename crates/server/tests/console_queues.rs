//! The console's queues and statement upload with the real server on port 0,
//! on both databases: a dead notification is listed and an operator sends it
//! again (the row pending, the audit event with the operator's name, in one
//! transaction); a viewer sees the queue but cannot act; a statement file
//! uploaded through the page is imported as `maksa treasury import` would,
//! a malformed one stores nothing, and a viewer's upload is refused unread.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use maksa_app::store::{
    AuditEvent, DeliveryAttempt, DeliveryResult, NewNotification, NotificationKind,
    NotificationState, StatusChange,
};
use maksa_app::workflows::Workflows;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use maksa_store_tests::fixtures::{client, creation_audit, single_payment_request};
use reqwest::StatusCode;
use serde_json::json;
use support::Backend;
use support::console::{ConsoleHub, Jar, csrf_of, start};
use time::Duration;

on_both_backends!(
    a_dead_notification_is_sent_again_by_an_operator,
    a_viewer_sees_the_queues_but_cannot_act,
    a_statement_is_imported_through_the_page,
);

/// A request cancelled with a notification that every retry failed to deliver.
async fn dead_notification(hub: &ConsoleHub, seed: u64) -> (PaymentRequest, uuid::Uuid) {
    let store = hub.store.as_ref();
    let request = single_payment_request(&client("pmlp.epakalpojumi"), seed);
    for result in store
        .insert_payment_requests(&[(request.clone(), creation_audit(&request))])
        .await
        .unwrap()
    {
        result.unwrap();
    }
    let at = request.created_at + Duration::hours(1);
    let notification = NewNotification {
        id: uuid::Uuid::new_v4(),
        kind: NotificationKind::Get,
        request_id: request.id,
        client: request.owner.clone(),
        url: format!("https://e-pakalpojumi.example.lv/maksa?id={}", request.id),
        status: Status::Cancelled,
        created_at: at,
    };
    let change = StatusChange {
        owner: request.owner.clone(),
        id: request.id,
        from: request.status,
        to: Status::Cancelled,
        at,
        open_payments_to: Some(Status::Cancelled),
        audit: AuditEvent {
            at,
            actor: "client:pmlp.epakalpojumi".into(),
            request_id: Some(request.id),
            kind: "payment_request.cancelled".into(),
            detail: json!({}),
        },
        notifications: vec![notification.clone()],
    };
    assert!(store.change_request_status(&change).await.unwrap());
    let claimed = store
        .claim_notifications(at, "test", at + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let attempt = DeliveryAttempt {
        at,
        http_status: Some(500),
        latency_ms: 12,
        error: Some("HTTP 500".into()),
    };
    assert!(
        store
            .finish_delivery(notification.id, "test", &attempt, DeliveryResult::Dead)
            .await
            .unwrap()
    );
    (request, notification.id)
}

async fn state_of(hub: &ConsoleHub, id: uuid::Uuid) -> NotificationState {
    for state in [NotificationState::Dead, NotificationState::Pending] {
        let rows = hub.store.notifications_in_state(state, 100).await.unwrap();
        if rows.iter().any(|n| n.id == id) {
            return state;
        }
    }
    panic!("notification {id} is neither dead nor pending");
}

async fn a_dead_notification_is_sent_again_by_an_operator(backend: Backend) {
    let hub = start(backend).await;
    let (request, id) = dead_notification(&hub, 1).await;
    let (_, other) = dead_notification(&hub, 2).await;
    let mut jar = hub.signed_in("berta").await;
    let (status, page, _) = hub.get(&mut jar, "/admin/queues").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"queues\""), "{page}");
    assert!(
        page.contains(&format!("data-notification=\"{id}\"")),
        "{page}"
    );
    assert!(
        page.contains(&request.id.to_string()),
        "the request is linked"
    );

    let (status, _, headers) = hub
        .post_from(
            &mut jar,
            "/admin/queues",
            "/admin/queues/notifications/resend",
            &[("id", &id.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers["location"],
        "/admin/queues?notice=notifications-resent&count=1"
    );
    assert_eq!(state_of(&hub, id).await, NotificationState::Pending);
    assert_eq!(
        state_of(&hub, other).await,
        NotificationState::Dead,
        "only the one named"
    );
    // The audit event (actor operator:berta, before/after) is checked on
    // the activity log's page in console.rs.
    // "Send all again" takes the rest; a second time there is nothing to do
    // and nothing is audited.
    let (_, _, headers) = hub
        .post_from(
            &mut jar,
            "/admin/queues",
            "/admin/queues/notifications/resend",
            &[("all", "yes")],
        )
        .await;
    assert_eq!(
        headers["location"],
        "/admin/queues?notice=notifications-resent&count=1"
    );
    assert_eq!(state_of(&hub, other).await, NotificationState::Pending);
    let (status, page, _) = hub
        .post_from(
            &mut jar,
            "/admin/queues",
            "/admin/queues/notifications/resend",
            &[("id", "not-a-uuid")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
}

async fn a_viewer_sees_the_queues_but_cannot_act(backend: Backend) {
    let hub = start(backend).await;
    let (_, id) = dead_notification(&hub, 3).await;
    let mut jar = hub.signed_in("vera").await;
    let (status, page, _) = hub.get(&mut jar, "/admin/queues").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&format!("data-notification=\"{id}\"")));
    assert!(
        !page.contains("data-action=\"resend-notification\""),
        "no buttons for a viewer"
    );
    // The sign-out form gives a valid token: the refusal is the role's.
    let token = csrf_of(&page);
    for path in [
        "/admin/queues/notifications/resend",
        "/admin/queues/payer-mail/resend",
    ] {
        let (status, page, _) = hub
            .post(&mut jar, path, &[("csrf", &token), ("all", "yes")])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {page}");
        assert!(page.contains("data-state=\"forbidden\""));
    }
    assert_eq!(state_of(&hub, id).await, NotificationState::Dead);
    let (status, _, _) = hub.get(&mut jar, "/admin/statements").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// POSTs a statement file through the page's form.
async fn upload(
    hub: &ConsoleHub,
    jar: &mut Jar,
    token: &str,
    name: &str,
    content: &[u8],
) -> (StatusCode, String) {
    let (status, page, _) = hub
        .upload(
            jar,
            "/admin/statements",
            &[("csrf", token)],
            "statement",
            name,
            content,
        )
        .await;
    (status, page)
}

async fn a_statement_is_imported_through_the_page(backend: Backend) {
    let hub = start(backend).await;
    let statement = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../treasury/tests/statements/camt053-two-statements.xml"),
    )
    .unwrap();
    let mut jar = hub.signed_in("berta").await;
    let (status, page, _) = hub.get(&mut jar, "/admin/statements").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = csrf_of(&page);

    // A malformed file: refused with the reason, nothing stored.
    let (status, page) = upload(&hub, &mut jar, &token, "broken.xml", b"<Document>").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("data-notice=\"refused\""), "{page}");
    // Without the form's token: refused, nothing imported.
    let (status, _) = upload(&hub, &mut jar, "00", "s.xml", &statement).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, page) = upload(&hub, &mut jar, &token, "november.xml", &statement).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"statement-imported\""), "{page}");
    assert!(page.contains("data-fact=\"statements\">2<"), "{page}");
    assert!(page.contains("data-fact=\"entries\">"), "{page}");
    // The same file again changes nothing and is not an error.
    let (status, page) = upload(&hub, &mut jar, &token, "november.xml", &statement).await;
    assert_eq!(status, StatusCode::OK, "{page}");
}
