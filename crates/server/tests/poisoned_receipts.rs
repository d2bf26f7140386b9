//! The receipt worker meets receipts that cannot be issued (the renderer
//! panics on one, refuses another): it parks them with their reason and issues
//! the receipts behind them, and does not try them again every second
//! (issue 11, "a background worker that meets a poisoned item parks it"). On
//! SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;
use maksa_app::clock::ManualClock;
use maksa_app::documents::{DocumentLanguage, DocumentRenderer, Documents};
use maksa_app::lifecycle::{Lifecycle, LifecycleSettings};
use maksa_app::metrics::Metrics;
use maksa_app::notifications::{Notifier, RetrySchedule};
use maksa_app::payer::{Payer, PayerSettings};
use maksa_app::providers::Connectors;
use maksa_app::store::OutcomeReport;
use maksa_app::store::prelude::*;
use maksa_app::workflows::Workflows;
use maksa_domain::attempt::Outcome;
use maksa_domain::document::JustificationDocument;
use maksa_domain::ids::PaymentRequestId;
use maksa_outbound::{OutboundClient, OutboundPolicy};
use maksa_store_tests::fixtures::{
    BASE_TIME, attempt_audit, client, creation_audit, sample_attempt, single_payment_request,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use support::{Backend, open_store};
use time::Duration;

/// The real renderer, except for the requests it is told to fail on.
struct PoisonedRenderer {
    real: maksa_documents::Renderer,
    /// Request → `true`: panic; `false`: answer an error.
    poison: HashMap<PaymentRequestId, bool>,
    /// How many times each request was rendered (PDF in Latvian).
    calls: Mutex<HashMap<PaymentRequestId, usize>>,
}

impl PoisonedRenderer {
    fn calls(&self, id: PaymentRequestId) -> usize {
        self.calls.lock().unwrap().get(&id).copied().unwrap_or(0)
    }
}

impl DocumentRenderer for PoisonedRenderer {
    fn pdf(
        &self,
        document: &JustificationDocument,
        language: DocumentLanguage,
    ) -> Result<Vec<u8>, String> {
        let id = document.request_id;
        if language == DocumentLanguage::Latvian {
            *self.calls.lock().unwrap().entry(id).or_default() += 1;
        }
        match self.poison.get(&id) {
            Some(true) => panic!(
                "the renderer has a defect (payer: {:?})",
                document.recipient
            ),
            Some(false) => Err("a glyph is missing from the font".into()),
            None => self.real.pdf(document, language),
        }
    }

    fn xml(&self, document: &JustificationDocument) -> Result<Vec<u8>, String> {
        self.real.xml(document)
    }
}

on_both_backends!(poisoned_receipts_are_parked_and_the_next_one_is_issued);

async fn poisoned_receipts_are_parked_and_the_next_one_is_issued(backend: Backend) {
    let (store, _guard) = open_store(backend).await;
    let owner = client("demo");
    // Paid in this order: the poisoned ones come first in the worker's list.
    let requests: Vec<_> = (1..=3)
        .map(|seed| single_payment_request(&owner, seed))
        .collect();
    let batch: Vec<_> = requests
        .iter()
        .map(|r| (r.clone(), creation_audit(r)))
        .collect();
    for result in store.insert_payment_requests(&batch).await.unwrap() {
        result.unwrap();
    }
    for (minutes, request) in (1_i64..).zip(&requests) {
        let at = BASE_TIME + Duration::minutes(minutes);
        let attempt = sample_attempt(request, 1, 1, at);
        let audit = attempt_audit(&attempt, "payment_attempt.started", at);
        store
            .start_attempt(&attempt, &audit)
            .await
            .unwrap()
            .unwrap();
        let report = OutcomeReport {
            attempt: attempt.id,
            outcome: Outcome::Executed,
            external_id: None,
            at,
            notifications: Vec::new(),
            receipt_due: true,
        };
        let audit = attempt_audit(&attempt, "payment_attempt.executed", at);
        store
            .record_outcome(&report, &audit)
            .await
            .unwrap()
            .unwrap();
    }
    let (panics, refuses, fine) = (requests[0].id, requests[1].id, requests[2].id);
    let renderer = Arc::new(PoisonedRenderer {
        real: maksa_documents::Renderer::new(),
        poison: HashMap::from([(panics, true), (refuses, false)]),
        calls: Mutex::new(HashMap::new()),
    });
    let lifecycle = lifecycle(&store, Arc::clone(&renderer) as Arc<dyn DocumentRenderer>);

    assert_eq!(
        lifecycle.issue_receipts_due().await.unwrap(),
        1,
        "the receipt behind the poisoned ones is issued"
    );
    assert!(
        store.receipts_due(10).await.unwrap().is_empty(),
        "the poisoned ones are parked"
    );
    // The worker's next rounds do not render them again.
    assert_eq!(lifecycle.issue_receipts_due().await.unwrap(), 0);
    assert_eq!(lifecycle.issue_receipts_due().await.unwrap(), 0);
    for id in [panics, refuses, fine] {
        assert_eq!(renderer.calls(id), 1, "{id} rendered once");
    }
    for (id, reason) in [
        (panics, "document rendering panicked"),
        (
            refuses,
            "document could not be rendered: a glyph is missing from the font",
        ),
    ] {
        let parked: Vec<_> = store
            .audit_events(id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "document.receipt_parked")
            .collect();
        assert_eq!(parked.len(), 1, "{parked:?}");
        let stored = parked[0].detail["reason"].as_str().unwrap();
        assert!(stored.contains(reason), "{stored}");
        // The panic's text (which quotes the payer) is kept out.
        assert!(!stored.contains("payer"), "{stored}");
        // Still due: nothing is lost.
        let state = store.document_state(&owner, id).await.unwrap().unwrap();
        assert!(state.receipt_due);
        assert_eq!(state.latest_version, 0);
    }
    let state = store.document_state(&owner, fine).await.unwrap().unwrap();
    assert!(!state.receipt_due);
    assert_eq!(state.latest_version, 1);
}

/// A node's lifecycle with `renderer` for its documents; nothing else of it
/// is used here.
fn lifecycle(store: &Arc<dyn Store>, renderer: Arc<dyn DocumentRenderer>) -> Lifecycle {
    let clock = Arc::new(ManualClock::new(BASE_TIME + Duration::hours(1)));
    let metrics = Arc::new(Metrics::default());
    let payer = Arc::new(Payer::new(
        Arc::clone(store),
        clock.clone(),
        Connectors::new(),
        PayerSettings {
            public_base_url: "http://127.0.0.1:1".into(),
        },
    ));
    let notifier = Notifier::new(
        Arc::clone(store),
        clock.clone(),
        Arc::new(OutboundClient::new(OutboundPolicy::default())),
        RetrySchedule::parse("1m").unwrap(),
        Arc::clone(&metrics),
        "test-node".into(),
    );
    let documents = Arc::new(Documents::new(
        Arc::clone(store),
        clock.clone(),
        renderer,
        support::test_issuer(),
        500,
    ));
    Lifecycle::new(
        Arc::clone(store),
        clock,
        notifier,
        Arc::clone(&payer),
        metrics,
        LifecycleSettings::default(),
        payer.wake_handle(),
    )
    .with_documents(documents)
}
