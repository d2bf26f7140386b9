//! Cards through First Data ECOMM, end to end through the real hub on port 0
//! with the acquirer's simulator mounted where `maksa demo` mounts it, on
//! both databases (docs/providers/firstdata.md): the connector contract in
//! First Data's terms (its return carries only `trans_id`, the outcome comes
//! from the `c` command), a declined card followed by a bank payment through
//! the PSD2 simulator on the same request, the operator's reversal of a card
//! payment for a cancelled request, and the business day closed with totals
//! that match and with a forced mismatch.

#![allow(clippy::unwrap_used)]

mod support;
use maksa_app::cards::{Proposed, Reversed};
use maksa_app::error::AppError;
use maksa_domain::attempt::AttemptState;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::PaymentRequestId;
use reqwest::StatusCode;
use serde_json::json;
use support::payer_hub::*;

const CARD: &str = "FIRSTDATA";
const APPROVED: &str = "4111111111111111";
const DECLINED: &str = "4000000000000002";

async fn hub(postgres: bool) -> Hub {
    Hub::start_with(postgres, |base| {
        let dir = std::env::temp_dir().join("maksa-cards-keys");
        std::fs::create_dir_all(&dir).unwrap();
        let card = maksa_providers::firstdata::sandbox(
            &dir,
            ProviderCode::parse(CARD).unwrap(),
            &format!("{base}/sim/firstdata"),
            base,
            None,
        )
        .unwrap();
        let bank = maksa_providers::psd2::sandbox(
            &dir,
            ProviderCode::parse("PSD2DEMO").unwrap(),
            &format!("{base}/sim/psd2"),
            base,
            None,
        )
        .unwrap();
        vec![
            ("/sim/firstdata".to_owned(), card),
            ("/sim/psd2".to_owned(), bank),
        ]
    })
    .await
}

/// A request of one payment (1.00 EUR) that allows the card and the PSD2 bank.
async fn request(hub: &Hub) -> String {
    hub.create_with(
        "03G10",
        json!([{"Position": "2346", "ItemElementName": "Quantity", "Item": 1}]),
        json!({"AllowedBanks": [{"SwiftCode": CARD}, {"SwiftCode": "PSD2DEMO"}]}),
    )
    .await
}

/// From the request's page to the provider's page (card entry or SCA).
async fn to_provider(hub: &Hub, browser: &mut Browser, id: &str, provider: &str) -> Page {
    let page = browser
        .get(&format!("{}/Payments/?id={id}&language=ENG", hub.base))
        .await;
    assert_eq!(page.state(), "choose-provider", "{}", page.html);
    let (action, mut fields) = page.form("data-action=\"pay\"");
    set(&mut fields, "provider", provider);
    let handoff = browser.post(&absolute(hub, &action), &fields).await;
    assert_eq!(handoff.status, StatusCode::SEE_OTHER, "{}", handoff.html);
    let location = handoff.location.unwrap();
    assert!(!location.contains("notice="), "refused: {location}");
    let page = browser.get(&absolute(hub, &location)).await;
    assert_eq!(page.state(), "bank-approve", "{}", page.html);
    page
}

/// Pays on the card page with `card` (or cancels), with the tester's
/// `controls`; answers the acquirer's next page.
async fn at_the_card_page(
    hub: &Hub,
    browser: &mut Browser,
    page: &Page,
    card: Option<&str>,
    controls: &[(&str, &str)],
) -> Page {
    let (action, mut fields) = page.form("data-action=\"approve\"");
    match card {
        Some(number) => {
            set(&mut fields, "card_number", number);
            set(&mut fields, "action", "pay");
        }
        None => set(&mut fields, "action", "cancel"),
    }
    for (name, value) in controls {
        set(&mut fields, name, value);
    }
    browser.post(&absolute(hub, &action), &fields).await
}

/// The return the acquirer's page makes the browser post to the hub.
fn the_return(page: &Page) -> (String, Vec<(String, String)>) {
    assert_eq!(page.state(), "bank-return", "{}", page.html);
    page.form("data-action=\"return-to-merchant\"")
}

async fn post_return(hub: &Hub, action: &str, fields: &[(String, String)]) -> reqwest::Response {
    form(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(absolute(hub, action)),
        fields,
    )
    .send()
    .await
    .unwrap()
}

async fn attempts(hub: &Hub, id: &str) -> Vec<maksa_domain::attempt::Attempt> {
    hub.store
        .attempts_of(PaymentRequestId::parse(id).unwrap())
        .await
        .unwrap()
}

/// Approved, returned, replayed and forged: paid once, by `c`; the card's
/// masked number and approval code are in the audit trail, never the number.
async fn paid_by_card_once_whatever_comes_back(postgres: bool) {
    let hub = hub(postgres).await;
    let id = request(&hub).await;
    let mut browser = Browser::new();
    let card_page = to_provider(&hub, &mut browser, &id, CARD).await;
    let returned = at_the_card_page(&hub, &mut browser, &card_page, Some(APPROVED), &[]).await;
    let (action, fields) = the_return(&returned);
    assert!(action.contains("/providers/FIRSTDATA/return"), "{action}");

    // A forged trans_id names no attempt of ours: refused, nothing changes.
    let mut forged = fields.clone();
    let trans_id = forged
        .iter()
        .find(|(k, _)| k == "trans_id")
        .unwrap()
        .1
        .clone();
    set(
        &mut forged,
        "trans_id",
        &format!("{}A", &trans_id[..trans_id.len() - 1]),
    );
    let answer = post_return(&hub, &action, &forged).await;
    assert!(answer.status().is_client_error(), "{}", answer.status());
    assert_eq!(answer.headers()["mm-error"], "PROVIDER_MESSAGE_REFUSED");
    assert_eq!(hub.status(&id).await, "P");

    for _ in 0..3 {
        let landed = post_return(&hub, &action, &fields).await;
        assert_eq!(landed.status(), StatusCode::SEE_OTHER);
        let page = browser
            .get(&absolute(
                &hub,
                landed.headers()["location"].to_str().unwrap(),
            ))
            .await;
        assert_eq!(page.state(), "paid", "{}", page.html);
    }
    assert_eq!(hub.status(&id).await, "E");
    let all = attempts(&hub, &id).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].state, AttemptState::Executed);
    assert_eq!(all[0].external_id.as_deref(), Some(trans_id.as_str()));
    let owner = maksa_domain::ids::ClientId::parse("demo").unwrap();
    let notifications = hub
        .store
        .notification_log(&owner, PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(notifications.len(), 1, "one notification of E");
    let trail = hub
        .store
        .audit_events(PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap();
    let text = serde_json::to_string(&trail.iter().map(|e| &e.detail).collect::<Vec<_>>()).unwrap();
    assert!(text.contains("approval"), "{text}");
    assert!(
        !text.contains(APPROVED),
        "the card number reached the store: {text}"
    );
}

/// The payer closed the tab: the return never came; asking the acquirer
/// (`c`, as the status-recovery worker does) settles it.
async fn a_lost_return_is_recovered_with_c(postgres: bool) {
    let hub = hub(postgres).await;
    let id = request(&hub).await;
    let mut browser = Browser::new();
    let card_page = to_provider(&hub, &mut browser, &id, CARD).await;
    let done = at_the_card_page(
        &hub,
        &mut browser,
        &card_page,
        Some(APPROVED),
        &[("browser_return", "drop")],
    )
    .await;
    assert_eq!(done.state(), "bank-done", "{}", done.html);
    assert_eq!(hub.status(&id).await, "P");
    let page = browser
        .get(&format!("{}/Payments/?id={id}&language=ENG", hub.base))
        .await;
    assert_eq!(page.state(), "in-progress", "{}", page.html);
    let (action, fields) = page.form("data-action=\"refresh-status\"");
    let back = browser.post(&absolute(&hub, &action), &fields).await;
    let page = browser
        .get(&absolute(&hub, back.location.as_deref().unwrap()))
        .await;
    assert_eq!(page.state(), "paid", "{}", page.html);
    assert_eq!(hub.status(&id).await, "E");
}

/// A declined card leaves the payment payable; the payer then pays the same
/// request at a bank through PSD2, and it is paid once.
async fn a_declined_card_then_a_bank_payment(postgres: bool) {
    let hub = hub(postgres).await;
    let id = request(&hub).await;
    let mut browser = Browser::new();
    let card_page = to_provider(&hub, &mut browser, &id, CARD).await;
    let returned = at_the_card_page(&hub, &mut browser, &card_page, Some(DECLINED), &[]).await;
    let (action, fields) = the_return(&returned);
    let landed = post_return(&hub, &action, &fields).await;
    assert_eq!(landed.status(), StatusCode::SEE_OTHER);
    assert_eq!(hub.status(&id).await, "P");
    let all = attempts(&hub, &id).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].state, AttemptState::Rejected);

    let sca = to_provider(&hub, &mut browser, &id, "PSD2DEMO").await;
    let (action, mut fields) = sca.form("data-action=\"approve\"");
    set(&mut fields, "decision", "approve");
    let page = browser.post(&absolute(&hub, &action), &fields).await;
    assert_eq!(page.state(), "bank-return", "{}", page.html);
    let (back, back_fields) = page.form("data-action=\"return-to-merchant\"");
    let mut url = url::Url::parse(&absolute(&hub, &back)).unwrap();
    if !page.html.contains("method=\"post\"") {
        url.query_pairs_mut().extend_pairs(&back_fields);
    }
    let landed = browser.get(url.as_str()).await;
    let landed = match landed.location.as_deref() {
        Some(location) => browser.get(&absolute(&hub, location)).await,
        None => landed,
    };
    assert_eq!(landed.state(), "paid", "{}", landed.html);
    assert_eq!(hub.status(&id).await, "E");
    let all = attempts(&hub, &id).await;
    assert_eq!(
        all.iter()
            .map(|a| (a.provider.as_str().to_owned(), a.state))
            .collect::<Vec<_>>(),
        vec![
            (CARD.to_owned(), AttemptState::Rejected),
            ("PSD2DEMO".to_owned(), AttemptState::Executed)
        ]
    );
}

/// The request is cancelled while the payer is on the card page; the card
/// is then charged: the money is flagged, one operator proposes the reversal
/// and another approves it (never the proposer), once.
/// A payment the request kept cannot be reversed.
async fn a_card_payment_for_a_cancelled_request_is_reversed(postgres: bool) {
    let hub = hub(postgres).await;
    let id = request(&hub).await;
    let mut browser = Browser::new();
    let card_page = to_provider(&hub, &mut browser, &id, CARD).await;
    hub.api("cancelpaymentrequest", json!({"PaymentRequestId": id}))
        .await;
    assert_eq!(hub.status(&id).await, "C");
    let returned = at_the_card_page(&hub, &mut browser, &card_page, Some(APPROVED), &[]).await;
    let (action, fields) = the_return(&returned);
    post_return(&hub, &action, &fields).await;
    assert_eq!(
        hub.status(&id).await,
        "C",
        "a cancelled request stays cancelled"
    );
    let attempt = attempts(&hub, &id).await.remove(0);
    assert_eq!(attempt.state, AttemptState::Executed);
    assert!(attempt.refund_required);
    let due = hub.cards.refunds_due(10).await.unwrap();
    assert_eq!(
        due.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![attempt.id]
    );

    // Four eyes: anna proposes, anna cannot approve, berta approves.
    assert!(
        matches!(
            hub.cards
                .approve_reversal(attempt.id, "berta")
                .await
                .unwrap_err(),
            AppError::Conflict { .. }
        ),
        "nothing to approve before a proposal"
    );
    let proposed = hub
        .cards
        .propose_reversal(attempt.id, "anna")
        .await
        .unwrap();
    assert!(matches!(proposed, Proposed::Now(_)), "{proposed:?}");
    assert!(matches!(
        hub.cards.propose_reversal(attempt.id, "berta").await.unwrap(),
        Proposed::Already(p) if p.proposed_by == "anna"
    ));
    let own = hub
        .cards
        .approve_reversal(attempt.id, "anna")
        .await
        .unwrap_err();
    assert!(matches!(own, AppError::Forbidden { .. }), "{own:?}");
    assert!(hub.store.card_reversal(attempt.id).await.unwrap().is_none());
    let first = hub
        .cards
        .approve_reversal(attempt.id, "berta")
        .await
        .unwrap();
    let Reversed::Now(reversal) = first else {
        panic!("{first:?}")
    };
    assert_eq!(reversal.amount, attempt.amount);
    assert_eq!(reversal.approved_by, "berta");
    assert!(hub.cards.reversal_proposals(10).await.unwrap().is_empty());
    assert!(matches!(
        hub.cards
            .approve_reversal(attempt.id, "juris")
            .await
            .unwrap(),
        Reversed::Already(_)
    ));
    assert!(matches!(
        hub.cards
            .propose_reversal(attempt.id, "juris")
            .await
            .unwrap(),
        Proposed::Reversed(_)
    ));
    assert!(hub.cards.refunds_due(10).await.unwrap().is_empty());
    assert!(
        hub.audit_kinds(&id)
            .await
            .iter()
            .filter(|k| *k == "payment.card_reversed")
            .count()
            == 1
    );

    // A payment its request kept is the payee's money.
    let kept = request(&hub).await;
    let card_page = to_provider(&hub, &mut browser, &kept, CARD).await;
    let returned = at_the_card_page(&hub, &mut browser, &card_page, Some(APPROVED), &[]).await;
    let (action, fields) = the_return(&returned);
    post_return(&hub, &action, &fields).await;
    assert_eq!(hub.status(&kept).await, "E");
    let paid = attempts(&hub, &kept).await.remove(0);
    let refused = hub
        .cards
        .propose_reversal(paid.id, "anna")
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        maksa_app::error::ErrorCode::InvalidStatusTransition
    );
}

/// The day closed at the acquirer: its totals match the hub's (a payment and
/// a reversal), then a forced mismatch is recorded as one.
async fn the_day_closes_with_matching_totals_and_a_mismatch_is_reported(postgres: bool) {
    let hub = hub(postgres).await;
    let code = ProviderCode::parse(CARD).unwrap();
    let mut browser = Browser::new();
    for controls in [&[][..], &[("day_close", "mismatch")][..]] {
        let id = request(&hub).await;
        let card_page = to_provider(&hub, &mut browser, &id, CARD).await;
        let returned =
            at_the_card_page(&hub, &mut browser, &card_page, Some(APPROVED), controls).await;
        let (action, fields) = the_return(&returned);
        post_return(&hub, &action, &fields).await;
        assert_eq!(hub.status(&id).await, "E");
        let close = hub.cards.close_day(&code).await.unwrap();
        assert_eq!(close.hub.debit_count, 1, "{close:?}");
        assert_eq!(close.hub.debit_minor, 100);
        if controls.is_empty() {
            assert!(close.matches(), "{close:?}");
            assert_eq!(close.period_from, None);
        } else {
            assert!(!close.matches(), "a forced mismatch: {close:?}");
            assert_eq!(close.acquirer.debit_count, 2);
            assert!(close.period_from.is_some());
        }
    }
    let closes = hub.cards.day_closes(10).await.unwrap();
    assert_eq!(
        closes.iter().map(|c| c.matches()).collect::<Vec<_>>(),
        vec![false, true]
    );
}

/// A clock the test moves.
struct TestClock(std::sync::Mutex<time::OffsetDateTime>);

impl maksa_app::clock::Clock for TestClock {
    fn now(&self) -> time::OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// The daily close: nothing before `close_day_at` (Riga time), once after
/// it, again the next day.
async fn the_day_is_closed_once_a_day_after_its_hour(postgres: bool) {
    use time::macros::{datetime, time};
    let hub = hub(postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let acquirer = maksa_providers::firstdata::sandbox(
        dir.path(),
        ProviderCode::parse(CARD).unwrap(),
        &format!("{}/sim/firstdata", hub.base),
        &hub.base,
        None,
    )
    .unwrap();
    let mut connectors = maksa_app::providers::Connectors::new();
    connectors.register(acquirer.connector);
    // 23:00 in Riga (UTC+2 in December).
    let clock = std::sync::Arc::new(TestClock(std::sync::Mutex::new(
        datetime!(2026-12-01 21:00 UTC),
    )));
    let cards = maksa_app::cards::Cards::new(
        std::sync::Arc::clone(&hub.store),
        clock.clone(),
        connectors,
        std::sync::Arc::new(maksa_app::metrics::Metrics::default()),
        maksa_app::cards::CardSettings {
            close_day_at: time!(23:45),
            close_days: true,
        },
    );
    assert_eq!(cards.close_days_due().await.unwrap(), 0, "before 23:45");
    *clock.0.lock().unwrap() = datetime!(2026-12-01 21:50 UTC);
    assert_eq!(cards.close_days_due().await.unwrap(), 1, "after 23:45");
    *clock.0.lock().unwrap() = datetime!(2026-12-01 21:59 UTC);
    assert_eq!(cards.close_days_due().await.unwrap(), 0, "once a day");
    *clock.0.lock().unwrap() = datetime!(2026-12-02 21:00 UTC);
    assert_eq!(
        cards.close_days_due().await.unwrap(),
        0,
        "the next day, before its hour"
    );
    *clock.0.lock().unwrap() = datetime!(2026-12-02 21:46 UTC);
    assert_eq!(cards.close_days_due().await.unwrap(), 1, "the next day");
    let closes = cards.day_closes(10).await.unwrap();
    assert_eq!(
        closes.iter().map(|c| c.closed_at).collect::<Vec<_>>(),
        vec![
            datetime!(2026-12-02 21:46 UTC),
            datetime!(2026-12-01 21:50 UTC)
        ]
    );
    assert_eq!(closes[0].period_from, Some(datetime!(2026-12-01 21:50 UTC)));
}

macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario(false).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario(true).await
            }
        }
    )*};
}

on_both_databases!(
    paid_by_card_once_whatever_comes_back,
    a_lost_return_is_recovered_with_c,
    a_declined_card_then_a_bank_payment,
    a_card_payment_for_a_cancelled_request_is_reversed,
    the_day_closes_with_matching_totals_and_a_mismatch_is_reported,
    the_day_is_closed_once_a_day_after_its_hour,
);
