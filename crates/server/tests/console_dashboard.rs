//! The console's dashboard and reports (docs/dashboard.md) on both
//! databases: the numbers on `/admin/` are what the seeded requests imply
//! (counted in Riga days), the payments report's CSV and XLSX hold the same
//! rows, its totals equal the Treasury report's "expected" for the same
//! payments, a viewer may read all of it, and a bad range is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use maksa_app::store::AuditEvent;
use maksa_app::store::prelude::*;
use maksa_domain::attempt::AttemptState;
use maksa_domain::request::PaymentRequest;
use maksa_store_tests::fixtures::{
    client, creation_audit, pay_first_payment, sample_attempt, single_payment_request,
};
use reqwest::StatusCode;
use std::io::Read;
use std::sync::Arc;
use support::Backend;
use support::console::start;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

/// A request with one payment created at `at`.
async fn request(store: &Arc<dyn Store>, seed: u64, at: OffsetDateTime) -> PaymentRequest {
    let mut request = single_payment_request(&client("pmlp.epakalpojumi"), seed);
    request.created_at = at;
    request.status_changed_at = at;
    request.terms.expires_at = at + Duration::days(30);
    let batch: Vec<(PaymentRequest, AuditEvent)> =
        vec![(request.clone(), creation_audit(&request))];
    for result in store.insert_payment_requests(&batch).await.unwrap() {
        result.unwrap();
    }
    request
}

/// An attempt at HABALV22 started at `at`, in `state`, last changed `after` later.
async fn attempt(
    store: &Arc<dyn Store>,
    request: &PaymentRequest,
    seed: u64,
    at: OffsetDateTime,
    state: AttemptState,
    after: Duration,
) {
    let mut attempt = sample_attempt(request, 1, seed, at);
    attempt.state = state;
    attempt.updated_at = at + after;
    let mut work = store.begin().await.unwrap();
    work.insert_attempt(&attempt, at + Duration::minutes(5))
        .await
        .unwrap();
    work.commit().await.unwrap();
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// The cells after the first `marker` on `page`, up to the row's end.
fn row_after<'a>(page: &'a str, marker: &str) -> &'a str {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {page}"));
    let rest = &page[at..];
    &rest[..rest.find("</tr>").unwrap()]
}

async fn the_dashboard_and_reports_show_the_seeded_payments(backend: Backend) {
    let c = start(backend).await;
    // The hub's clock is 2026-11-30 20:00 UTC: the default range is the Riga
    // days 2026-11-01 to 2026-11-30.
    let mut paid_minor = 0;
    let mut paid = Vec::new();
    for (seed, day, seconds) in [(1u64, 10u8, 30i64), (2, 12, 60), (3, 20, 90)] {
        let created = OffsetDateTime::new_utc(
            time::Date::from_calendar_date(2026, time::Month::November, day).unwrap(),
            time::macros::time!(10:00),
        );
        let r = request(&c.store, seed, created).await;
        attempt(
            &c.store,
            &r,
            seed,
            created,
            AttemptState::Executed,
            Duration::seconds(seconds),
        )
        .await;
        pay_first_payment(c.store.as_ref(), &r, created + Duration::hours(2)).await;
        paid_minor += r.payments[0].amount.minor();
        paid.push(r);
    }
    // Unpaid: one refused at the bank, one whose Riga day (00:30 on 1
    // November) is in the range though its UTC day is not.
    let refused = request(&c.store, 4, datetime!(2026-11-15 09:00 UTC)).await;
    attempt(
        &c.store,
        &refused,
        4,
        datetime!(2026-11-15 09:00 UTC),
        AttemptState::Rejected,
        Duration::seconds(5),
    )
    .await;
    request(&c.store, 5, datetime!(2026-10-31 22:30 UTC)).await;
    // Out of the range: 23:30 on 31 October in Riga.
    request(&c.store, 6, datetime!(2026-10-31 21:30 UTC)).await;

    let mut vera = c.signed_in("vera").await;
    let (status, page, headers) = c.get(&mut vera, "/admin/").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"dashboard\""), "{page}");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(!page.contains("<script"));
    // The range and the share of requests paid.
    assert!(page.contains("value=\"2026-11-01\"") && page.contains("value=\"2026-11-30\""));
    assert!(page.contains("data-share=\"3/5\""), "{page}");
    assert!(page.contains("(60.0%)"), "{page}");
    // The share per day: the request of 00:30 on 1 November counts on that day.
    let first_day = row_after(&page, "<th scope=\"row\">2026-11-01</th>");
    assert!(
        first_day.contains("<td class=\"num\">1</td><td class=\"num\">0</td>"),
        "{first_day}"
    );
    // The provider: 3 executed of 4 started, confirmations after 30, 60 and 90 s.
    let provider = row_after(&page, "data-provider=\"HABALV22\"");
    for cell in [
        "data-started>4<",
        "data-executed>3<",
        "data-rejected>1<",
        "data-open>0<",
        "data-success>75.0%<",
        "data-median>0:01:00<",
        "data-p90>0:01:30<",
    ] {
        assert!(provider.contains(cell), "{cell} in {provider}");
    }
    // Money per provider and per service: the three payments.
    let by_provider = row_after(&page, "data-total=\"provider-HABALV22-EUR\"");
    assert!(by_provider.contains("data-count>3<"), "{by_provider}");
    assert!(
        by_provider.contains(&format!("data-money>{}<", money(paid_minor))),
        "{by_provider}"
    );
    let service = &paid[0].terms.service_name;
    let by_service = row_after(&page, &format!("data-total=\"service-{service}-EUR\""));
    assert!(by_service.contains("data-count>3<"), "{by_service}");
    assert!(
        by_service.contains(&format!("data-money>{}<", money(paid_minor))),
        "{by_service}"
    );
    // Charts: images with a title and a description, and their tables.
    assert!(page.contains("<svg class=\"chart\" role=\"img\""), "{page}");
    assert!(page.contains("data-chart=\"requests-paid\""));
    assert!(page.contains("data-chart=\"by-provider-EUR\""));
    assert!(page.contains("data-table=\"by-provider-EUR\""));
    assert!(page.contains("<title id=\"by-provider-EUR-title\">"));
    // The queues link to their pages.
    assert!(page.contains("href=\"/admin/entries?outcome=refund_candidate\""));
    assert!(
        page.contains("data-count=\"dead-notifications\">0<"),
        "{page}"
    );
    // Latvian too.
    vera.0.insert("maksa_admin_lang".into(), "lv".into());
    let (status, page, _) = c.get(&mut vera, "/admin/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"lv\">") && page.contains("Apmaksāto pieprasījumu daļa"));
    vera.0.insert("maksa_admin_lang".into(), "en".into());

    // A bad range is refused with the form.
    let (status, page, _) = c
        .get(&mut vera, "/admin/?from=2026-12-01&to=2026-11-01")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("before the start") && page.contains("data-notice=\"range\""),
        "{page}"
    );
    let (status, _, _) = c
        .get(&mut vera, "/admin/?from=2025-01-01&to=2026-11-01")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The payments report per month: one row, the same total as the
    // Treasury report's expected money for the same days.
    let query = "from=2026-11-01&to=2026-11-30&period=month";
    let (status, page, _) = c.get(&mut vera, &format!("/admin/reports?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"reports\""));
    let total_row = row_after(&page, "data-total=\"EUR\"");
    assert!(total_row.contains("data-count>3<"), "{total_row}");
    assert!(
        total_row.contains(&format!("data-money>{}<", money(paid_minor))),
        "{total_row}"
    );
    let treasury = c
        .treasury
        .report(date!(2026 - 11 - 01), date!(2026 - 11 - 30))
        .await
        .unwrap();
    let expected: i64 = treasury
        .days
        .iter()
        .map(|d| d.expected.amount.minor())
        .sum();
    let expected_count: u64 = treasury.days.iter().map(|d| d.expected.count).sum();
    assert_eq!(
        (expected, expected_count),
        (paid_minor, 3),
        "the Treasury report's expected money"
    );

    let (status, csv, headers) = c
        .get(&mut vera, &format!("/admin/reports.csv?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let payee = &paid[0].payments[0].payee;
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "period,service,payee,payee_iban,currency,payments,amount"
    );
    let quote = |text: &str| {
        if text.contains(',') {
            format!("\"{text}\"")
        } else {
            text.to_owned()
        }
    };
    assert_eq!(
        lines[1],
        format!(
            "2026-11,{},{},{},EUR,3,{}",
            quote(service),
            quote(&payee.name),
            payee.iban.as_str(),
            money(paid_minor)
        )
    );
    assert_eq!(lines[2], "", "CRLF after the last row");
    assert_eq!(lines.len(), 3);

    // Per day: a row per day paid.
    let (_, csv, _) = c
        .get(
            &mut vera,
            "/admin/reports.csv?from=2026-11-01&to=2026-11-30&period=day",
        )
        .await;
    let days: Vec<&str> = csv.lines().skip(1).map(|l| &l[..10]).collect();
    assert_eq!(days, ["2026-11-10", "2026-11-12", "2026-11-20"]);

    let (status, bytes, headers) = c
        .get_bytes(&mut vera, &format!("/admin/reports.xlsx?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let strings = read("xl/sharedStrings.xml");
    let amount: f64 = money(paid_minor).parse().unwrap();
    assert!(sheet.contains(&format!("<v>{amount}</v>")), "{sheet}");
    assert!(sheet.contains("<v>3</v>"), "{sheet}");
    for text in ["Period", "Amount", "2026-11", payee.iban.as_str(), "EUR"] {
        assert!(strings.contains(text), "{text} in {strings}");
    }
    assert!(read("xl/styles.xml").contains("formatCode=\"0.00\""));

    // A period that is neither a day nor a month is refused.
    let (status, _, _) = c.get(&mut vera, "/admin/reports?period=year").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without a session: to the sign-in page.
    let mut nobody = support::console::Jar::default();
    for path in [
        "/admin/",
        "/admin/reports",
        "/admin/reports.csv",
        "/admin/reports.xlsx",
    ] {
        let (status, _, headers) = c.get(&mut nobody, path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(headers["location"], "/admin/sign-in");
    }
}

async fn an_empty_hub_shows_an_empty_dashboard(backend: Backend) {
    let c = start(backend).await;
    let mut vera = c.signed_in("vera").await;
    let (status, page, _) = c
        .get(&mut vera, "/admin/?from=2026-03-01&to=2026-03-31")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-share=\"0/0\""));
    assert!(page.contains("data-empty=\"provider\"") && page.contains("data-empty=\"providers\""));
    // Summer time starts on 29 March: still 31 days, each once.
    assert!(
        page.contains("<th scope=\"row\">2026-03-29</th>")
            && page.contains("<th scope=\"row\">2026-03-31</th>")
    );
    let (status, page, _) = c.get(&mut vera, "/admin/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-empty=\"report\""));
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
    the_dashboard_and_reports_show_the_seeded_payments,
    an_empty_hub_shows_an_empty_dashboard,
);
