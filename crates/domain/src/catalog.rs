//! The catalogue the hub keeps: payment providers, service providers, services,
//! their steps and price-list positions, and each client's contract.

use crate::codes::{Iban, ProviderCode};
use crate::ids::ClientId;
use crate::money::{Amount, Currency};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Bank,
    Card,
    Demo,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub step: String,
    pub code: String,
    pub name: String,
    pub unit_price: Amount,
    pub currency: Currency,
    pub payee: Payee,
    /// Whether the caller may give an amount instead of a quantity.
    pub amount_allowed: bool,
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
