//! The catalogue the hub keeps: payment providers, service providers, services,
//! their steps and price-list positions, and each client's contract.

use crate::codes::{Iban, ProviderCode};
use crate::ids::ClientId;
use crate::money::{Amount, Currency};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Bank,
    Card,
    Demo,
}

impl ProviderKind {
    /// The catalogue file's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Bank => "bank",
            ProviderKind::Card => "card",
            ProviderKind::Demo => "demo",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentProvider {
    pub code: ProviderCode,
    pub name: String,
    pub kind: ProviderKind,
    /// The longest payment purpose this provider carries, identifier included.
    pub purpose_max_length: usize,
    /// The code the original module reports for this provider in answers
    /// (`PaymentProvider`, `PaymentProviders`), when it differs from `code`:
    /// 004's examples answer `LVHABA22` for a payment at Swedbank.
    #[serde(default)]
    pub reported_code: Option<ProviderCode>,
}

impl PaymentProvider {
    /// The code answers carry for this provider.
    pub fn reported(&self) -> &ProviderCode {
        self.reported_code.as_ref().unwrap_or(&self.code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceProvider {
    pub code: String,
    pub name: String,
    pub registration_number: String,
    /// Printed on justification documents.
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub service_provider: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStep {
    pub code: String,
    pub service: String,
    pub name: String,
    pub payment_purpose: String,
    /// Whether the caller's `PaymentObject` replaces the step's purpose.
    pub purpose_changeable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Payee {
    pub name: String,
    pub registration_number: String,
    pub iban: Iban,
    pub bic: ProviderCode,
}

/// A later price of a position: in force from `from` (a calendar day in
/// Riga) on, in the position's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledPrice {
    pub from: Date,
    pub unit_price: Amount,
}

/// Why a price change cannot be scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleRefusal {
    #[error("the date is in the past")]
    InThePast,
    #[error("the date is not after the last scheduled price change")]
    NotAfterLast,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub step: String,
    pub code: String,
    pub name: String,
    /// The price in force from the beginning until the first of `prices`.
    pub unit_price: Amount,
    /// Later prices, their days strictly increasing; each is in force from
    /// its day until the next one's. Past entries stay: they are the history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<ScheduledPrice>,
    pub currency: Currency,
    pub payee: Payee,
    /// Whether the caller may give an amount instead of a quantity.
    pub amount_allowed: bool,
}

impl Position {
    /// The unit price in force on `day` (a calendar day in Riga).
    pub fn price_on(&self, day: Date) -> Amount {
        self.prices
            .iter()
            .rev()
            .find(|p| p.from <= day)
            .map_or(self.unit_price, |p| p.unit_price)
    }

    /// The price changes that take effect after `day`, in order.
    pub fn changes_after(&self, day: Date) -> impl Iterator<Item = &ScheduledPrice> {
        self.prices.iter().filter(move |p| p.from > day)
    }

    /// Adds a price change from `change.from` on: refused for a day before
    /// `today`, or one not after the last change already scheduled.
    pub fn schedule(&mut self, change: ScheduledPrice, today: Date) -> Result<(), ScheduleRefusal> {
        if change.from < today {
            return Err(ScheduleRefusal::InThePast);
        }
        if self
            .prices
            .last()
            .is_some_and(|last| change.from <= last.from)
        {
            return Err(ScheduleRefusal::NotAfterLast);
        }
        self.prices.push(change);
        Ok(())
    }
}

/// Whether the days of a schedule strictly increase.
pub fn schedule_in_order(prices: &[ScheduledPrice]) -> bool {
    prices.is_sorted_by(|a, b| a.from < b.from)
}

/// How a client's errors are put on the wire (docs/errors.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireProfile {
    /// As 004 documents the original: every processing error is HTTP 500 (the
    /// code in `MM-Error`), an unknown or foreign id 404.
    #[default]
    Original,
    /// A status per kind of error: 400, 403, 404, 409.
    Precise,
}

impl WireProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            WireProfile::Original => "original",
            WireProfile::Precise => "precise",
        }
    }

    pub fn parse(text: &str) -> Option<WireProfile> {
        match text {
            "original" => Some(WireProfile::Original),
            "precise" => Some(WireProfile::Precise),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub client: ClientId,
    /// Service codes this client may bill for.
    pub services: Vec<String>,
    /// Providers the client's payers may use (cards only when listed here).
    pub providers: Vec<ProviderCode>,
    /// Refuse payer codes whose check digits fail, instead of recording the failure.
    pub strict_client_code: bool,
    /// Origins (`https://host[:port]`) the client's return URLs must lie within.
    pub origins: Vec<String>,
    /// Notify `ServerResponseUrl` of cancellations (C) too; E and R always are.
    #[serde(default)]
    pub notify_cancelled: bool,
    /// The HTTP status codes of this client's errors.
    #[serde(default)]
    pub wire_profile: WireProfile,
    /// A request naming a bank (`SwiftCode`) sends the payer straight to it,
    /// without the hub's choice page (002, the payer's step 2a).
    #[serde(default)]
    pub direct_to_bank: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub providers: Vec<PaymentProvider>,
    pub service_providers: Vec<ServiceProvider>,
    pub services: Vec<Service>,
    pub steps: Vec<ServiceStep>,
    pub positions: Vec<Position>,
    pub contracts: Vec<Contract>,
}

impl Catalog {
    pub fn provider(&self, code: &ProviderCode) -> Option<&PaymentProvider> {
        self.providers.iter().find(|p| &p.code == code)
    }

    pub fn step(&self, code: &str) -> Option<&ServiceStep> {
        self.steps
            .iter()
            .find(|s| s.code.eq_ignore_ascii_case(code))
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    pub fn service_provider(&self, code: &str) -> Option<&ServiceProvider> {
        self.service_providers.iter().find(|s| s.code == code)
    }

    pub fn position(&self, step: &str, code: &str) -> Option<&Position> {
        self.positions
            .iter()
            .find(|p| p.step.eq_ignore_ascii_case(step) && p.code == code)
    }

    pub fn position_anywhere(&self, code: &str) -> bool {
        self.positions.iter().any(|p| p.code == code)
    }

    pub fn contract(&self, client: &ClientId) -> Option<&Contract> {
        self.contracts.iter().find(|c| &c.client == client)
    }

    /// The client's wire profile; the default for a client without a contract.
    pub fn wire_profile(&self, client: &ClientId) -> WireProfile {
        self.contract(client)
            .map(|c| c.wire_profile)
            .unwrap_or_default()
    }

    /// The code answers report for a provider: its `reported_code`, or itself.
    pub fn reported_code(&self, code: &ProviderCode) -> ProviderCode {
        self.provider(code)
            .map(|p| p.reported().clone())
            .unwrap_or_else(|| code.clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    fn position(prices: &[(Date, i64)]) -> Position {
        Position {
            step: "DEM11".into(),
            code: "1".into(),
            name: "Pos".into(),
            unit_price: Amount::from_minor(150).unwrap(),
            prices: prices
                .iter()
                .map(|(from, minor)| ScheduledPrice {
                    from: *from,
                    unit_price: Amount::from_minor(*minor).unwrap(),
                })
                .collect(),
            currency: Currency::EUR,
            payee: Payee {
                name: "VDAA".into(),
                registration_number: "90000036859".into(),
                iban: Iban::parse("LV80BANK0000435195001").unwrap(),
                bic: ProviderCode::parse("TRELLV22").unwrap(),
            },
            amount_allowed: false,
        }
    }

    #[test]
    fn the_price_in_force_is_the_last_one_started() {
        let p = position(&[(date!(2027 - 01 - 01), 250), (date!(2027 - 07 - 01), 300)]);
        assert_eq!(p.price_on(date!(2026 - 12 - 31)).minor(), 150);
        assert_eq!(p.price_on(date!(2027 - 01 - 01)).minor(), 250);
        assert_eq!(p.price_on(date!(2027 - 06 - 30)).minor(), 250);
        assert_eq!(p.price_on(date!(2027 - 07 - 01)).minor(), 300);
        assert_eq!(p.price_on(date!(2100 - 01 - 01)).minor(), 300);
        let upcoming: Vec<_> = p.changes_after(date!(2027 - 01 - 01)).collect();
        assert_eq!(upcoming.len(), 1);
        assert_eq!(upcoming[0].from, date!(2027 - 07 - 01));
    }

    #[test]
    fn without_a_schedule_the_unit_price_holds() {
        let p = position(&[]);
        assert_eq!(p.price_on(date!(2000 - 01 - 01)).minor(), 150);
        assert_eq!(p.changes_after(date!(2000 - 01 - 01)).count(), 0);
    }

    #[test]
    fn scheduling_refuses_the_past_and_out_of_order_days() {
        let mut p = position(&[(date!(2027 - 01 - 01), 250)]);
        let change = |from, minor| ScheduledPrice {
            from,
            unit_price: Amount::from_minor(minor).unwrap(),
        };
        let today = date!(2026 - 12 - 01);
        assert_eq!(
            p.schedule(change(date!(2026 - 11 - 30), 9), today),
            Err(ScheduleRefusal::InThePast)
        );
        assert_eq!(
            p.schedule(change(date!(2027 - 01 - 01), 9), today),
            Err(ScheduleRefusal::NotAfterLast)
        );
        assert_eq!(p.prices.len(), 1);
        p.schedule(change(date!(2027 - 02 - 01), 275), today)
            .unwrap();
        assert_eq!(p.price_on(date!(2027 - 02 - 01)).minor(), 275);
        assert!(schedule_in_order(&p.prices));
        let mut fresh = position(&[]);
        fresh.schedule(change(today, 160), today).unwrap();
        assert_eq!(fresh.price_on(today).minor(), 160);
    }

    #[test]
    fn a_schedule_must_strictly_increase() {
        let p = position(&[(date!(2027 - 01 - 01), 250), (date!(2027 - 01 - 01), 300)]);
        assert!(!schedule_in_order(&p.prices));
        assert!(schedule_in_order(&position(&[]).prices));
    }
}
