//! Retention and erasure of payers' data (docs/retention.md) on the running
//! hub, on both databases: past the period (a moved clock) the retention
//! worker pseudonymises a final request and the REST door still answers it
//! with its money; the export names the person's requests; the console's
//! erasure works for an operator, is audited, and a viewer is refused.

#![allow(clippy::unwrap_used)]

mod support;

use maksa_app::clock::ManualClock;
use maksa_app::retention::{MARKER, Retention, RetentionSettings};
use maksa_app::workflows::Workflows;
use maksa_domain::ids::PaymentRequestId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use support::Backend;
use support::console;
use support::payer_hub::Hub;
use time::{Duration, OffsetDateTime};

const CODE: &str = "311299-00000";

fn client_info() -> Value {
    json!({ "ClientInfo": {
        "ClientCode": CODE, "ClientFirstName": "Ernests", "ClientName": "Paraudziņš",
        "ClientEMail": "e@p.lv", "ClientPhone": "26620000",
        "ClientAddress": "Rātslaukums 1, LV-1050, Rīga"
    }})
}

async fn the_worker_erases_after_the_period_and_the_money_stays(postgres: bool) {
    let hub = Hub::start(postgres).await;
    let lines = json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]);
    let id = hub.create_with("03G10", lines.clone(), client_info()).await;
    let open = hub.create_with("03G10", lines, client_info()).await;
    hub.api("cancelpaymentrequest", json!({ "PaymentRequestId": id }))
        .await;
    let listed = |all: &Value, id: &str| {
        all.as_array()
            .unwrap()
            .iter()
            // Whatever the listing calls the id field: the row holding the id.
            .find(|r| r.as_object().unwrap().values().any(|v| v == &json!(id)))
            .cloned()
            .unwrap()
    };
    let before: Value =
        serde_json::from_str(&hub.api("getpaymentrequests", json!({})).await).unwrap();
    let before = listed(&before, &id);
    let status_before = hub.status(&id).await;

    // The worker's step, at a clock moved past the period.
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let retention = Retention::new(
        Arc::clone(&hub.store),
        clock.clone(),
        RetentionSettings::default(),
    );
    assert_eq!(retention.erase_all_due(100, 10).await.unwrap(), 0);
    clock.advance(Duration::days(366));
    assert_eq!(retention.erase_all_due(100, 10).await.unwrap(), 1);

    // The status query and the listing still answer it, with its money.
    assert_eq!(hub.status(&id).await, status_before);
    let after: Value =
        serde_json::from_str(&hub.api("getpaymentrequests", json!({})).await).unwrap();
    let after = listed(&after, &id);
    for field in [
        "TotalAmount",
        "RequestStatus",
        "PaymentRequestNumber",
        "CreatedAt",
    ] {
        assert_eq!(after[field], before[field], "{field}");
    }
    let stored = hub
        .store
        .payment_request_by_id(PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.terms.payer.name.as_deref(), Some(MARKER));
    assert_eq!(stored.terms.payer.code, None);
    assert!(!after.to_string().contains("Paraudzi"), "{after}");
    assert!(
        hub.audit_kinds(&id)
            .await
            .contains(&"payer_data.erased".to_owned())
    );

    // The export names the open request in full and the erased one by id.
    let export = retention.export(CODE).await.unwrap();
    assert_eq!(export["requests"][0]["id"], json!(open));
    assert_eq!(export["requests"][0]["payer"]["name"], json!("Paraudziņš"));
    assert_eq!(export["pseudonymised_requests"][0]["id"], json!(id));
}

async fn the_console_erases_for_an_operator_only(backend: Backend) {
    let hub = console::start(backend).await;
    let owner = maksa_domain::ids::ClientId::parse("pmlp.epakalpojumi").unwrap();
    let mut request = maksa_store_tests::fixtures::single_payment_request(&owner, 7);
    request.terms.payer.code = Some(maksa_domain::codes::ClientCode::parse(CODE).unwrap());
    let mut work = hub.store.begin().await.unwrap();
    work.insert_requests(&[(
        request.clone(),
        maksa_store_tests::fixtures::creation_audit(&request),
    )])
    .await
    .unwrap();
    work.commit().await.unwrap();
    let cancel = maksa_app::store::StatusChange {
        owner: owner.clone(),
        id: request.id,
        from: maksa_domain::status::Status::InProcess,
        to: maksa_domain::status::Status::Cancelled,
        at: request.created_at,
        open_payments_to: Some(maksa_domain::status::Status::Cancelled),
        audit: maksa_store_tests::fixtures::operator_audit(
            "payment_request.cancelled",
            request.created_at,
        ),
        notifications: Vec::new(),
    };
    assert!(hub.store.change_request_status(&cancel).await.unwrap());

    // A viewer may not even look.
    let mut viewer = hub.signed_in("vera").await;
    let (status, _, _) = hub.get(&mut viewer, "/admin/privacy").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut berta = hub.signed_in("berta").await;
    let (status, page, _) = hub.get(&mut berta, "/admin/privacy").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"ready\""));

    // A bad code: refused, clearly.
    let (status, page, _) = hub
        .post_from(
            &mut berta,
            "/admin/privacy",
            "/admin/privacy/look-up",
            &[("code", "123")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("data-state=\"refused\""));

    let (status, page, _) = hub
        .post_from(
            &mut berta,
            "/admin/privacy",
            "/admin/privacy/look-up",
            &[("code", CODE)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"found\""));
    assert!(page.contains(request.number.as_str()));

    let (status, json_text, headers) = hub
        .post_from(
            &mut berta,
            "/admin/privacy",
            "/admin/privacy/export",
            &[("code", CODE)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let export: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(export["requests"][0]["id"], json!(request.id.to_string()));

    // The confirmation step changes nothing.
    let (status, page, _) = hub
        .post_from(
            &mut berta,
            "/admin/privacy",
            "/admin/privacy/erase",
            &[("code", CODE), ("reason", "asked on 2026-11-30")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"confirm\""));
    assert!(hub.store.erasures_of(request.id).await.unwrap().is_empty());

    let (status, page, _) = hub
        .post_from(
            &mut berta,
            "/admin/privacy",
            "/admin/privacy/erase",
            &[
                ("code", CODE),
                ("reason", "asked on 2026-11-30"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"erased\""), "{page}");
    let log = hub.store.erasures_of(request.id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor, "operator:berta");
    let audit = hub.store.audit_events(request.id).await.unwrap();
    let erased = audit
        .iter()
        .find(|e| e.kind == "payer_data.erased")
        .expect("audited");
    assert_eq!(erased.actor, "operator:berta");
    assert!(erased.detail.get("before").is_some() && erased.detail.get("after").is_some());
    assert!(!erased.detail.to_string().contains("31129900000"));
    // The log on the page shows it.
    let (_, page, _) = hub.get(&mut berta, "/admin/privacy").await;
    assert!(page.contains(&request.id.to_string()));

    // A viewer's POST (with a valid CSRF token) is refused too.
    let (status, page, _) = hub
        .post_from(
            &mut viewer,
            "/admin/",
            "/admin/privacy/erase",
            &[("code", CODE), ("reason", "x"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_erases_after_the_period_and_the_money_stays_sqlite() {
    the_worker_erases_after_the_period_and_the_money_stays(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_erases_after_the_period_and_the_money_stays_postgres() {
    the_worker_erases_after_the_period_and_the_money_stays(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_erases_for_an_operator_only_sqlite() {
    the_console_erases_for_an_operator_only(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_erases_for_an_operator_only_postgres() {
    the_console_erases_for_an_operator_only(Backend::Postgres).await;
}
