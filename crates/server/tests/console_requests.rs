//! The console's payment requests (docs/console-requests.md) on both
//! databases: the search by each filter finds the right requests and not the
//! others, and pages by 50; bad filters answer 400 with a message; a request's
//! timeline lists its creation, attempt, status change, notification and
//! delivery in order; each action (re-send, ask the status, cancel, issue a
//! document) works and writes its audit event with the operator as actor; a
//! viewer is refused every action.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use maksa_app::store::prelude::*;
use maksa_app::store::{AuditEvent, DeliveryAttempt, NewNotification, NotificationKind};
use maksa_app::workflows::Workflows;
use maksa_domain::codes::ClientCode;
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::request::PaymentRequest;
use maksa_store_tests::fixtures::{
    attempt_audit, client, creation_audit, pay_first_payment, sample_attempt,
    single_payment_request,
};
use reqwest::StatusCode;
use std::sync::Arc;
use support::Backend;
use support::console::{ConsoleHub, start};
use time::Duration;

async fn insert(store: &Arc<dyn Store>, requests: &[PaymentRequest]) {
    let batch: Vec<(PaymentRequest, AuditEvent)> = requests
        .iter()
        .map(|r| (r.clone(), creation_audit(r)))
        .collect();
    for result in store.insert_payment_requests(&batch).await.unwrap() {
        result.unwrap();
    }
}

/// Three requests that differ in every filter: `a` (client pmlp, seed 1,
/// paid, attempt at HABALV22), `b` (client vid, another service and payer,
/// seed 3000 = two days later, the largest total), `c` (client pmlp, seed 6000).
async fn three(hub: &ConsoleHub) -> [PaymentRequest; 3] {
    let a = single_payment_request(&client("pmlp.epakalpojumi"), 1);
    let mut b = single_payment_request(&client("vid.eds"), 3000);
    b.terms.service_code = "VID-EDS".into();
    b.terms.service_step = "VID-EDS-2".into();
    b.terms.payer.code = Some(ClientCode::parse("328673-00679").unwrap());
    b.terms.total = maksa_domain::money::Amount::from_minor(999_999).unwrap();
    let c = single_payment_request(&client("pmlp.epakalpojumi"), 6000);
    insert(&hub.store, &[a.clone(), b.clone(), c.clone()]).await;
    let attempt = sample_attempt(&a, 1, 1, a.created_at + Duration::minutes(1));
    assert!(
        hub.store
            .start_attempt(
                &attempt,
                &attempt_audit(&attempt, "payment.attempt_started", attempt.created_at),
            )
            .await
            .unwrap()
            .is_ok()
    );
    pay_first_payment(hub.store.as_ref(), &a, a.created_at + Duration::minutes(2)).await;
    [a, b, c]
}

/// The ids of the requests a search page lists.
fn listed(page: &str) -> Vec<String> {
    page.split("<tr data-request=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

async fn search_finds_by_each_filter(backend: Backend) {
    let hub = start(backend).await;
    let [a, b, c] = three(&hub).await;
    let mut jar = hub.signed_in("vera").await;
    let (a, b, c) = (a.id.to_string(), b.id.to_string(), c.id.to_string());
    let cases: Vec<(String, Vec<&String>)> = vec![
        (String::new(), vec![&c, &b, &a]),
        ("client=vid.eds".into(), vec![&b]),
        ("client=pmlp.epakalpojumi".into(), vec![&c, &a]),
        ("status=E".into(), vec![&a]),
        ("status=p".into(), vec![&c, &b]),
        ("from=2025-03-11&till=2025-03-13".into(), vec![&b]),
        ("till=2025-03-10".into(), vec![&a]),
        ("service=VID-EDS".into(), vec![&b]),
        ("service=PMLP-PASE&step=PMLP-PASE-1".into(), vec![&c, &a]),
        ("step=VID-EDS-2".into(), vec![&b]),
        ("provider=HABALV22".into(), vec![&a]),
        ("amount_from=9000".into(), vec![&b]),
        ("amount_till=9000".into(), vec![&c, &a]),
        ("payer=32867300679".into(), vec![&b]),
        ("payer=010190-12345".into(), vec![&c, &a]),
        (format!("id={a}"), vec![&a]),
        ("payer=111111-11111".into(), vec![]),
    ];
    for (query, expected) in cases {
        let (status, page, _) = hub.get(&mut jar, &format!("/admin/requests?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        assert!(page.contains("data-state=\"requests\""), "{page}");
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(listed(&page), expected, "{query}");
    }
    // The number and the purpose id name one request.
    let stored_b = hub
        .store
        .payment_request_by_id(PaymentRequestId::parse(&b).unwrap())
        .await
        .unwrap()
        .unwrap();
    for query in [
        format!("number={}", stored_b.number.as_str().to_lowercase()),
        format!("purpose={}", stored_b.payments[0].purpose_id.as_str()),
    ] {
        let (_, page, _) = hub.get(&mut jar, &format!("/admin/requests?{query}")).await;
        assert_eq!(listed(&page), vec![b.clone()], "{query}");
    }
}

async fn search_pages_by_fifty(backend: Backend) {
    let hub = start(backend).await;
    let requests: Vec<PaymentRequest> = (1..=55)
        .map(|seed| single_payment_request(&client("paging.client"), seed))
        .collect();
    insert(&hub.store, &requests).await;
    let mut jar = hub.signed_in("vera").await;
    let (_, first, _) = hub
        .get(&mut jar, "/admin/requests?client=paging.client")
        .await;
    let first_ids = listed(&first);
    assert_eq!(first_ids.len(), 50);
    assert_eq!(first_ids[0], requests[54].id.to_string(), "newest first");
    let at = first.find("rel=\"next\"").expect("a next page");
    let href_at = first[..at].rfind("href=\"").unwrap() + "href=\"".len();
    let next = first[href_at..href_at + first[href_at..].find('"').unwrap()].replace("&amp;", "&");
    let (status, second, _) = hub.get(&mut jar, &next).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second_ids = listed(&second);
    assert_eq!(second_ids.len(), 5);
    assert_eq!(second_ids[4], requests[0].id.to_string());
    assert!(!second.contains("rel=\"next\""));
}

async fn bad_filters_answer_400_with_a_message(backend: Backend) {
    let hub = start(backend).await;
    let mut jar = hub.signed_in("vera").await;
    for (query, field) in [
        ("status=X", "status"),
        ("from=2025-02-30", "from"),
        ("from=2025-03-12&till=2025-03-10", "till"),
        ("amount_from=ten", "amount_from"),
        ("payer=12345", "payer"),
        ("id=not-a-guid", "id"),
        ("purpose=SHORT", "purpose"),
        ("provider=a%20b", "provider"),
        ("before=garbage", "before"),
        ("service=a%3Cb", "service"),
    ] {
        let (status, page, _) = hub.get(&mut jar, &format!("/admin/requests?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {page}");
        assert!(page.contains("data-notice=\"bad-filter\""), "{page}");
        assert!(
            page.contains(&format!("data-field=\"{field}\"")),
            "{query}: {page}"
        );
        assert!(!page.contains("a<b"), "nothing echoed unescaped");
    }
    let long = "9".repeat(65);
    let (status, page, _) = hub
        .get(&mut jar, &format!("/admin/requests?number={long}"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("at most 64") || page.contains("ne vairāk kā 64"),
        "{page}"
    );
}

/// The `data-what` of each timeline row, in order.
fn timeline(page: &str) -> Vec<String> {
    page.split("<tr data-what=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

async fn the_timeline_lists_everything_in_order(backend: Backend) {
    let hub = start(backend).await;
    let [a, _, _] = three(&hub).await;
    let paid_at = a.created_at + Duration::minutes(2);
    let notification = NewNotification {
        id: uuid::Uuid::new_v4(),
        kind: NotificationKind::Get,
        request_id: a.id,
        client: a.owner.clone(),
        url: format!("https://e-pakalpojumi.example.lv/api/maksa{}", a.id),
        status: maksa_domain::status::Status::Executed,
        created_at: paid_at + Duration::seconds(1),
    };
    let mut work = hub.store.begin().await.unwrap();
    work.append_notification(&notification).await.unwrap();
    work.append_delivery_attempt(
        notification.id,
        &DeliveryAttempt {
            at: paid_at + Duration::seconds(5),
            http_status: Some(503),
            latency_ms: 12,
            error: Some("HTTP 503".into()),
        },
    )
    .await
    .unwrap();
    work.commit().await.unwrap();
    let mut jar = hub.signed_in("vera").await;
    let (status, page, _) = hub
        .get(&mut jar, &format!("/admin/requests/{}", a.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"request\""));
    assert_eq!(
        timeline(&page),
        vec![
            "payment_request.created",
            "payment.attempt_started",
            "status.E",
            "notification.queued",
            "notification.delivery",
        ]
    );
    assert!(page.contains("HTTP 503"));
    // A viewer sees no action's form.
    assert!(!page.contains("data-action=\"resend\""));
    assert!(!page.contains("data-action=\"issue-invoice\""));
    let (status, _, _) = hub
        .get(
            &mut jar,
            &format!("/admin/requests/{}", uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = hub.get(&mut jar, "/admin/requests/not-an-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn kinds_by(hub: &ConsoleHub, id: PaymentRequestId, actor: &str) -> Vec<String> {
    hub.store
        .audit_events(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.actor == actor)
        .map(|e| e.kind)
        .collect()
}

/// Posts an action from the request's page; answers the notice it redirects with.
async fn act(
    hub: &ConsoleHub,
    jar: &mut support::console::Jar,
    id: PaymentRequestId,
    action: &str,
    form: &[(&str, &str)],
) -> String {
    let page = format!("/admin/requests/{id}");
    let (status, body, headers) = hub
        .post_from(jar, &page, &format!("{page}/{action}"), form)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{action}: {body}");
    let location = headers["location"].to_str().unwrap().to_owned();
    let notice = location
        .strip_prefix(&format!("{page}?notice="))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    let (status, shown, _) = hub.get(jar, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        shown.contains(&format!("role=\"status\" data-notice=\"{notice}\"")),
        "{shown}"
    );
    notice
}

async fn each_action_works_and_is_audited(backend: Backend) {
    let hub = start(backend).await;
    let [a, b, c] = three(&hub).await;
    let mut jar = hub.signed_in("berta").await;
    let actor = "operator:berta";

    // Re-send: a new pending notification of the same status.
    let original = NewNotification {
        id: uuid::Uuid::new_v4(),
        kind: NotificationKind::Get,
        request_id: a.id,
        client: a.owner.clone(),
        url: format!("https://e-pakalpojumi.example.lv/api/maksa{}", a.id),
        status: maksa_domain::status::Status::Executed,
        created_at: a.created_at + Duration::minutes(3),
    };
    let mut work = hub.store.begin().await.unwrap();
    work.append_notification(&original).await.unwrap();
    work.commit().await.unwrap();
    let event = original.id.to_string();
    assert_eq!(
        act(&hub, &mut jar, a.id, "resend", &[("notification", &event)]).await,
        "resent"
    );
    let log = hub.store.notification_log(&a.owner, a.id).await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|(n, _)| n.url == original.url && n.status == original.status)
    );
    assert_eq!(
        kinds_by(&hub, a.id, actor).await,
        vec!["notification.resent"]
    );
    let other = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        act(&hub, &mut jar, a.id, "resend", &[("notification", &other)]).await,
        "no-such-notification"
    );

    // Ask the status: an open attempt at a provider the hub has no connector for.
    let attempt = sample_attempt(&c, 1, 7, c.created_at + Duration::minutes(1));
    assert!(
        hub.store
            .start_attempt(
                &attempt,
                &attempt_audit(&attempt, "payment.attempt_started", attempt.created_at),
            )
            .await
            .unwrap()
            .is_ok()
    );
    assert_eq!(
        act(&hub, &mut jar, c.id, "status", &[]).await,
        "no-connector"
    );
    assert_eq!(
        kinds_by(&hub, c.id, actor).await,
        vec!["payment.status_asked"]
    );
    assert_eq!(
        act(&hub, &mut jar, b.id, "status", &[]).await,
        "no-open-attempt"
    );

    // Cancel: P → C, notified; a second cancel and a paid request are refused.
    assert_eq!(act(&hub, &mut jar, b.id, "cancel", &[]).await, "cancelled");
    let b_now = hub
        .store
        .payment_request_by_id(b.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b_now.status, maksa_domain::status::Status::Cancelled);
    let cancelled = hub.store.audit_events(b.id).await.unwrap();
    let event = cancelled
        .iter()
        .find(|e| e.kind == "payment_request.cancelled")
        .unwrap();
    assert_eq!(event.actor, actor);
    assert_eq!(event.detail["before"]["status"], "P");
    assert_eq!(event.detail["after"]["status"], "C");
    assert_eq!(
        act(&hub, &mut jar, b.id, "cancel", &[]).await,
        "cancel-refused"
    );
    assert_eq!(
        act(&hub, &mut jar, a.id, "cancel", &[]).await,
        "cancel-refused"
    );
    assert_eq!(
        hub.store.request_status(&a.owner, a.id).await.unwrap(),
        Some(maksa_domain::status::Status::Executed)
    );

    // Issue a document: an invoice, then it downloads; a receipt not due is refused.
    assert_eq!(
        act(&hub, &mut jar, c.id, "document", &[("kind", "invoice")]).await,
        "issued"
    );
    assert!(
        kinds_by(&hub, c.id, actor)
            .await
            .contains(&"document.invoice_issued".to_owned())
    );
    let (status, pdf, headers) = hub
        .get_bytes(&mut jar, &format!("/admin/requests/{}/document.pdf", c.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(
        act(&hub, &mut jar, c.id, "document", &[("kind", "receipt")]).await,
        "not-due"
    );
    assert_eq!(
        act(&hub, &mut jar, c.id, "document", &[("kind", "poster")]).await,
        "bad-form"
    );
}

async fn a_viewer_is_refused_every_action(backend: Backend) {
    let hub = start(backend).await;
    let [a, b, _] = three(&hub).await;
    let mut jar = hub.signed_in("vera").await;
    let before = hub.store.audit_events(b.id).await.unwrap().len();
    for (id, action, form) in [
        (
            a.id,
            "resend",
            vec![("notification", "00000000-0000-4000-8000-000000000000")],
        ),
        (a.id, "status", vec![]),
        (b.id, "cancel", vec![]),
        (b.id, "document", vec![("kind", "invoice")]),
    ] {
        let page = format!("/admin/requests/{id}");
        let (status, body, _) = hub
            .post_from(&mut jar, &page, &format!("{page}/{action}"), &form)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}: {body}");
        assert!(body.contains("data-state=\"forbidden\""), "{body}");
    }
    assert_eq!(hub.store.audit_events(b.id).await.unwrap().len(), before);
    assert_eq!(
        hub.store.request_status(&b.owner, b.id).await.unwrap(),
        Some(maksa_domain::status::Status::InProcess)
    );
}

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

on_both_databases!(
    search_finds_by_each_filter,
    search_pages_by_fifty,
    bad_filters_answer_400_with_a_message,
    the_timeline_lists_everything_in_order,
    each_action_works_and_is_audited,
    a_viewer_is_refused_every_action,
);
