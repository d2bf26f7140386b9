//! The exchange worker's logic against a fake of the remote side: which
//! days it asks for, and that a refusal is logged and not asked again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use maksa_app::clock::ManualClock;
use maksa_app::store::prelude::*;
use maksa_app::treasury::{
    Download, ExchangeError, ExchangeSettings, ExchangeWorker, Treasury, TreasuryExchange,
    TreasurySettings,
};
use maksa_domain::money::{Amount, Currency};
use maksa_treasury::camt::Message;
use maksa_treasury::camt_writer::{StatementHeader, write_statement};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::Date;
use time::macros::{date, datetime};

const ACCOUNT: &str = "LV44HABA0551000000001";

#[derive(Default)]
struct FakeTreasury {
    asked: Mutex<Vec<Date>>,
    refuse_status: bool,
}

fn statement(day: Date) -> Vec<u8> {
    let header = StatementHeader {
        message: Message::Statement,
        message_id: format!("M{day}"),
        created_at: datetime!(2026-11-30 10:00 UTC),
        statement_id: format!("S{day}"),
        account_iban: ACCOUNT.into(),
        currency: Currency::parse("EUR").unwrap(),
        servicer_bic: "TRELLV22".into(),
        date: day.to_string(),
        opening: Some((Amount::from_minor(0).unwrap(), true)),
        closing: Some((Amount::from_minor(0).unwrap(), true)),
    };
    write_statement(Vec::new(), &header, Vec::new()).unwrap()
}

#[async_trait]
impl TreasuryExchange for FakeTreasury {
    async fn statement(
        &self,
        _account: &str,
        day: Date,
    ) -> Result<Option<Download>, ExchangeError> {
        self.asked.lock().unwrap().push(day);
        if day == date!(2026 - 12 - 02) {
            // A broken statement for one day.
            return Ok(Some(Download::from_bytes(b"<Document>".to_vec())));
        }
        Ok(Some(Download::from_bytes(statement(day))))
    }
    async fn open_day_report(&self, _account: &str) -> Result<Option<Download>, ExchangeError> {
        Ok(None)
    }
    async fn submit(&self, _message_id: &str, _document: &str) -> Result<(), ExchangeError> {
        Err(ExchangeError::Refused("400".into()))
    }
    async fn status(&self, _message_id: &str) -> Result<Option<Vec<u8>>, ExchangeError> {
        if self.refuse_status {
            Ok(Some(b"nonsense".to_vec()))
        } else {
            Ok(None)
        }
    }
}

#[tokio::test]
async fn the_worker_catches_up_day_by_day_and_does_not_refetch_a_refused_day() {
    let (path, _dir) = maksa_store_tests::fresh_sqlite_path();
    let store = maksa_store_sqlite::SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-30 10:00 UTC)));
    let treasury = Treasury::new(store.clone(), clock.clone(), TreasurySettings::default());
    let fake = Arc::new(FakeTreasury::default());
    let worker = ExchangeWorker::new(
        treasury,
        fake.clone(),
        ExchangeSettings {
            accounts: vec![ACCOUNT.into()],
            poll: Duration::from_secs(10),
            catch_up_days: 4,
            open_day_report: true,
        },
    );
    let asked = |fake: &FakeTreasury| std::mem::take(&mut *fake.asked.lock().unwrap());

    // The first time: yesterday only.
    let summary = worker.round().await;
    assert_eq!(asked(&fake), vec![date!(2026 - 11 - 29)]);
    assert_eq!(summary.ok, 1);
    assert_eq!(summary.empty, 1, "the open day had nothing");
    // Nothing new to ask the same day.
    worker.round().await;
    assert!(asked(&fake).is_empty());

    // Three days later: the days after the newest statement, up to yesterday;
    // 2026-12-02 is refused and not asked again.
    clock.advance(time::Duration::days(4));
    let summary = worker.round().await;
    assert_eq!(
        asked(&fake),
        vec![
            date!(2026 - 11 - 30),
            date!(2026 - 12 - 01),
            date!(2026 - 12 - 02),
            date!(2026 - 12 - 03)
        ]
    );
    assert_eq!(summary.refused, 1);
    worker.round().await;
    assert!(
        asked(&fake).is_empty(),
        "the refused day is not asked again"
    );

    // Far behind: at most `catch_up_days` days, the latest ones.
    clock.advance(time::Duration::days(20));
    worker.round().await;
    let days = asked(&fake);
    assert_eq!(days.len(), 4);
    assert_eq!(days.last(), Some(&date!(2026 - 12 - 23)));

    let log = store.exchanges(100).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.outcome == "refused" && e.subject.contains("2026-12-02"))
    );
    assert!(log.iter().all(|e| e.detail.chars().count() <= 300));
}
