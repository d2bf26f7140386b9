//! The catalogue as operators write it: a TOML file (see `docs/catalog.md` and
//! `demo/catalog.toml`). Parsing checks everything a later request would trip
//! over, and every error names the line it is about.

use maksa_domain::catalog::{
    Catalog, Contract, Payee, PaymentProvider, Position, ProviderKind, ScheduledPrice, Service,
    ServiceProvider, ServiceStep, WireProfile,
};
use maksa_domain::codes::{Iban, ProviderCode};
use maksa_domain::ids::ClientId;
use maksa_domain::money::{Amount, Currency};
use maksa_domain::text::echo;
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt::{self, Write};
use time::Date;
use toml::Spanned;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFileError {
    /// 1-based line in the file, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for CatalogFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// All problems of one file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFileErrors(pub Vec<CatalogFileError>);

impl fmt::Display for CatalogFileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogFileErrors {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    provider: Vec<ProviderEntry>,
    #[serde(default)]
    service_provider: Vec<ServiceProviderEntry>,
    #[serde(default)]
    service: Vec<ServiceEntry>,
    #[serde(default)]
    step: Vec<StepEntry>,
    #[serde(default)]
    position: Vec<PositionEntry>,
    #[serde(default)]
    contract: Vec<ContractEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderEntry {
    code: Spanned<String>,
    name: String,
    kind: Spanned<String>,
    purpose_max_length: Option<usize>,
    reported_code: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceProviderEntry {
    code: Spanned<String>,
    name: String,
    registration_number: String,
    address: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    code: Spanned<String>,
    name: String,
    service_provider: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepEntry {
    code: Spanned<String>,
    service: Spanned<String>,
    name: String,
    payment_purpose: Spanned<String>,
    #[serde(default)]
    purpose_changeable: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionEntry {
    step: Spanned<String>,
    code: Spanned<String>,
    name: String,
    unit_price: Spanned<String>,
    /// Later prices: `{ from = "2027-01-01", unit_price = "2.50" }`.
    #[serde(default)]
    prices: Vec<PriceEntry>,
    #[serde(default = "default_currency")]
    currency: Spanned<String>,
    #[serde(default)]
    amount_allowed: bool,
    payee: PayeeEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceEntry {
    from: Spanned<String>,
    unit_price: Spanned<String>,
}

/// A price's first day, `YYYY-MM-DD`, in the years every date of the hub
/// lies in (2000–2200).
pub fn parse_day(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .ok()
        .filter(|d| (2000..=2200).contains(&d.year()))
}

fn default_currency() -> Spanned<String> {
    Spanned::new(0..0, "EUR".to_owned())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayeeEntry {
    name: String,
    registration_number: String,
    iban: Spanned<String>,
    bic: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractEntry {
    client: Spanned<String>,
    services: Vec<Spanned<String>>,
    providers: Vec<Spanned<String>>,
    #[serde(default)]
    strict_client_code: bool,
    #[serde(default)]
    origins: Vec<Spanned<String>>,
    #[serde(default)]
    notify_cancelled: bool,
    #[serde(default)]
    direct_to_bank: bool,
    wire_profile: Option<Spanned<String>>,
}

/// The default purpose limit, and the originals' shorter ones (INTERFACE.md §6).
fn default_purpose_limit(code: &str) -> usize {
    match code {
        "HABALV22" => 70,
        "UNLALV2X" => 100,
        _ => 140,
    }
}

struct Checker<'s> {
    source: &'s str,
    errors: Vec<CatalogFileError>,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> Option<usize> {
        (offset > 0 || !self.source.is_empty()).then(|| line_at(self.source, offset))
    }

    fn fail<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        let line = (at.span().end > 0)
            .then(|| self.line_of(at.span().start))
            .flatten();
        self.errors.push(CatalogFileError {
            line,
            message: message.into(),
        });
    }

    fn unique<'a>(
        &mut self,
        kind: &str,
        codes: impl Iterator<Item = &'a Spanned<String>>,
    ) -> HashSet<String> {
        let mut seen = HashSet::new();
        for code in codes {
            if !seen.insert(code.get_ref().clone()) {
                self.fail(code, format!("duplicate {kind} code `{}`", code.get_ref()));
            }
        }
        seen
    }
}

/// The 1-based line of a byte offset (an offset past the end: the last line).
fn line_at(source: &str, offset: usize) -> usize {
    source
        .bytes()
        .take(offset)
        .filter(|b| *b == b'\n')
        .count()
        .saturating_add(1)
}

/// Parses and validates a catalogue file.
pub fn parse_catalog(source: &str) -> Result<Catalog, CatalogFileErrors> {
    let file: File = toml::from_str(source).map_err(|e| {
        let line = e.span().map(|span| line_at(source, span.start));
        CatalogFileErrors(vec![CatalogFileError {
            line,
            message: e.message().to_owned(),
        }])
    })?;
    let mut c = Checker {
        source,
        errors: Vec::new(),
    };
    let mut catalog = Catalog::default();

    let provider_codes = c.unique("provider", file.provider.iter().map(|p| &p.code));
    for entry in &file.provider {
        let Some(code) = ProviderCode::parse(entry.code.get_ref()) else {
            c.fail(
                &entry.code,
                format!(
                    "`{}` is not a provider code (4-11 letters or digits)",
                    entry.code.get_ref()
                ),
            );
            continue;
        };
        let kind = match entry.kind.get_ref().as_str() {
            "bank" => ProviderKind::Bank,
            "card" => ProviderKind::Card,
            "demo" => ProviderKind::Demo,
            other => {
                c.fail(
                    &entry.kind,
                    format!("provider kind `{other}` is not one of bank, card, demo"),
                );
                continue;
            }
        };
        let purpose_max_length = entry
            .purpose_max_length
            .unwrap_or_else(|| default_purpose_limit(code.as_str()));
        if purpose_max_length < 35 + 1 {
            c.fail(&entry.code, "purpose_max_length must leave room for the 34-character identifier, a space and some text");
        }
        let reported_code = match &entry.reported_code {
            None => None,
            Some(text) => {
                let parsed = ProviderCode::parse(text.get_ref());
                if parsed.is_none() {
                    c.fail(
                        text,
                        format!(
                            "reported_code `{}` is not a provider code (4-11 letters or digits)",
                            text.get_ref()
                        ),
                    );
                }
                parsed
            }
        };
        catalog.providers.push(PaymentProvider {
            code,
            name: entry.name.clone(),
            kind,
            purpose_max_length,
            reported_code,
        });
    }

    let service_provider_codes = c.unique(
        "service provider",
        file.service_provider.iter().map(|s| &s.code),
    );
    catalog.service_providers = file
        .service_provider
        .iter()
        .map(|s| ServiceProvider {
            code: s.code.get_ref().clone(),
            name: s.name.clone(),
            registration_number: s.registration_number.clone(),
            address: s.address.clone(),
        })
        .collect();

    let service_codes = c.unique("service", file.service.iter().map(|s| &s.code));
    for entry in &file.service {
        if !service_provider_codes.contains(entry.service_provider.get_ref()) {
            c.fail(
                &entry.service_provider,
                format!(
                    "unknown service provider `{}`",
                    entry.service_provider.get_ref()
                ),
            );
        }
        catalog.services.push(Service {
            code: entry.code.get_ref().clone(),
            name: entry.name.clone(),
            service_provider: entry.service_provider.get_ref().clone(),
        });
    }

    let step_codes = c.unique("step", file.step.iter().map(|s| &s.code));
    for entry in &file.step {
        if !service_codes.contains(entry.service.get_ref()) {
            c.fail(
                &entry.service,
                format!("unknown service `{}`", entry.service.get_ref()),
            );
        }
        if entry.payment_purpose.get_ref().trim().is_empty() {
            c.fail(&entry.payment_purpose, "payment_purpose must not be empty");
        }
        catalog.steps.push(ServiceStep {
            code: entry.code.get_ref().clone(),
            service: entry.service.get_ref().clone(),
            name: entry.name.clone(),
            payment_purpose: entry.payment_purpose.get_ref().clone(),
            purpose_changeable: entry.purpose_changeable,
        });
    }

    let mut position_keys = HashSet::new();
    for entry in &file.position {
        if !step_codes.contains(entry.step.get_ref()) {
            c.fail(
                &entry.step,
                format!("unknown step `{}`", entry.step.get_ref()),
            );
        }
        if !position_keys.insert((entry.step.get_ref().clone(), entry.code.get_ref().clone())) {
            c.fail(
                &entry.code,
                format!(
                    "duplicate position `{}` in step `{}`",
                    entry.code.get_ref(),
                    entry.step.get_ref()
                ),
            );
        }
        let unit_price = match Amount::parse(entry.unit_price.get_ref()) {
            Ok(price) => price,
            Err(e) => {
                c.fail(
                    &entry.unit_price,
                    format!("unit_price `{}` {e}", entry.unit_price.get_ref()),
                );
                continue;
            }
        };
        let mut prices: Vec<ScheduledPrice> = Vec::new();
        for price in &entry.prices {
            let Some(from) = parse_day(price.from.get_ref()) else {
                c.fail(
                    &price.from,
                    format!(
                        "price date `{}` is not a day like 2027-01-01",
                        echo(price.from.get_ref())
                    ),
                );
                continue;
            };
            let unit_price = match Amount::parse(price.unit_price.get_ref()) {
                Ok(amount) => amount,
                Err(e) => {
                    c.fail(
                        &price.unit_price,
                        format!("unit_price `{}` {e}", echo(price.unit_price.get_ref())),
                    );
                    continue;
                }
            };
            if prices.last().is_some_and(|last| last.from >= from) {
                c.fail(
                    &price.from,
                    format!(
                        "price date {from} is not after the one before it: the dates of `prices` must increase"
                    ),
                );
                continue;
            }
            prices.push(ScheduledPrice { from, unit_price });
        }
        let Some(currency) = Currency::parse(entry.currency.get_ref()) else {
            c.fail(
                &entry.currency,
                format!("`{}` is not a currency code", entry.currency.get_ref()),
            );
            continue;
        };
        let iban = match Iban::parse(entry.payee.iban.get_ref()) {
            Ok(iban) => iban,
            Err(e) => {
                c.fail(
                    &entry.payee.iban,
                    format!("payee IBAN `{}` {e}", entry.payee.iban.get_ref()),
                );
                continue;
            }
        };
        let Some(bic) = ProviderCode::parse(entry.payee.bic.get_ref()) else {
            c.fail(
                &entry.payee.bic,
                format!("payee BIC `{}` is not a BIC", entry.payee.bic.get_ref()),
            );
            continue;
        };
        catalog.positions.push(Position {
            step: entry.step.get_ref().clone(),
            code: entry.code.get_ref().clone(),
            name: entry.name.clone(),
            unit_price,
            prices,
            currency,
            payee: Payee {
                name: entry.payee.name.clone(),
                registration_number: entry.payee.registration_number.clone(),
                iban,
                bic,
            },
            amount_allowed: entry.amount_allowed,
        });
    }

    let mut clients = HashSet::new();
    for entry in &file.contract {
        let Some(client) = ClientId::parse(entry.client.get_ref()) else {
            c.fail(
                &entry.client,
                format!(
                    "`{}` is not a client id (1-64 of a-z, 0-9, '.', '_', '-')",
                    entry.client.get_ref()
                ),
            );
            continue;
        };
        if !clients.insert(client.clone()) {
            c.fail(
                &entry.client,
                format!("duplicate contract for client `{client}`"),
            );
        }
        for service in &entry.services {
            if service.get_ref() != "*" && !service_codes.contains(service.get_ref()) {
                c.fail(service, format!("unknown service `{}`", service.get_ref()));
            }
        }
        let mut providers = Vec::new();
        for provider in &entry.providers {
            match ProviderCode::parse(provider.get_ref())
                .filter(|p| provider_codes.contains(p.as_str()))
            {
                Some(code) => providers.push(code),
                None => c.fail(
                    provider,
                    format!("unknown provider `{}`", provider.get_ref()),
                ),
            }
        }
        let mut origins = Vec::new();
        for origin in &entry.origins {
            match normalise_origin(origin.get_ref()) {
                Some(o) => origins.push(o),
                None => c.fail(
                    origin,
                    format!(
                        "`{}` is not an origin like https://example.lv or http://host:8080",
                        origin.get_ref()
                    ),
                ),
            }
        }
        let wire_profile = match &entry.wire_profile {
            None => WireProfile::default(),
            Some(text) => WireProfile::parse(text.get_ref()).unwrap_or_else(|| {
                c.fail(
                    text,
                    format!(
                        "wire_profile `{}` is not one of original, precise",
                        text.get_ref()
                    ),
                );
                WireProfile::default()
            }),
        };
        catalog.contracts.push(Contract {
            client,
            services: entry.services.iter().map(|s| s.get_ref().clone()).collect(),
            providers,
            strict_client_code: entry.strict_client_code,
            origins,
            notify_cancelled: entry.notify_cancelled,
            direct_to_bank: entry.direct_to_bank,
            wire_profile,
        });
    }

    if c.errors.is_empty() {
        Ok(catalog)
    } else {
        c.errors.sort_by_key(|e| e.line);
        Err(CatalogFileErrors(c.errors))
    }
}

/// A TOML basic string: quoted, with backslashes, quotes and control characters escaped.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len().saturating_add(2));
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn quoted_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(quoted).collect();
    format!("[{}]", items.join(", "))
}

/// The catalogue as a file [`parse_catalog`] reads back to the same catalogue
/// (the console's "Edit as TOML" and `GET /admin/catalogue.toml`). Every
/// field is written out, defaults included.
pub fn to_toml(catalog: &Catalog) -> String {
    let mut out = String::from("# The hub's catalogue, exported (format: docs/catalog.md).\n");
    for p in &catalog.providers {
        let _ = write!(
            out,
            "\n[[provider]]\ncode = {}\nname = {}\nkind = {}\npurpose_max_length = {}\n",
            quoted(p.code.as_str()),
            quoted(&p.name),
            quoted(p.kind.as_str()),
            p.purpose_max_length
        );
        if let Some(reported) = &p.reported_code {
            let _ = writeln!(out, "reported_code = {}", quoted(reported.as_str()));
        }
    }
    for sp in &catalog.service_providers {
        let _ = write!(
            out,
            "\n[[service_provider]]\ncode = {}\nname = {}\nregistration_number = {}\n",
            quoted(&sp.code),
            quoted(&sp.name),
            quoted(&sp.registration_number)
        );
        if let Some(address) = &sp.address {
            let _ = writeln!(out, "address = {}", quoted(address));
        }
    }
    for s in &catalog.services {
        let _ = write!(
            out,
            "\n[[service]]\ncode = {}\nname = {}\nservice_provider = {}\n",
            quoted(&s.code),
            quoted(&s.name),
            quoted(&s.service_provider)
        );
    }
    for s in &catalog.steps {
        let _ = write!(
            out,
            "\n[[step]]\ncode = {}\nservice = {}\nname = {}\npayment_purpose = {}\npurpose_changeable = {}\n",
            quoted(&s.code),
            quoted(&s.service),
            quoted(&s.name),
            quoted(&s.payment_purpose),
            s.purpose_changeable
        );
    }
    for p in &catalog.positions {
        let _ = write!(
            out,
            "\n[[position]]\nstep = {}\ncode = {}\nname = {}\nunit_price = {}\n",
            quoted(&p.step),
            quoted(&p.code),
            quoted(&p.name),
            quoted(&p.unit_price.to_string())
        );
        if !p.prices.is_empty() {
            out.push_str("prices = [\n");
            for price in &p.prices {
                let _ = writeln!(
                    out,
                    "    {{ from = {}, unit_price = {} }},",
                    quoted(&price.from.to_string()),
                    quoted(&price.unit_price.to_string())
                );
            }
            out.push_str("]\n");
        }
        let _ = write!(
            out,
            "currency = {}\namount_allowed = {}\npayee = {{ name = {}, registration_number = {}, iban = {}, bic = {} }}\n",
            quoted(p.currency.as_str()),
            p.amount_allowed,
            quoted(&p.payee.name),
            quoted(&p.payee.registration_number),
            quoted(p.payee.iban.as_str()),
            quoted(p.payee.bic.as_str())
        );
    }
    for c in &catalog.contracts {
        let _ = write!(
            out,
            "\n[[contract]]\nclient = {}\nservices = {}\nproviders = {}\nstrict_client_code = {}\norigins = {}\nnotify_cancelled = {}\ndirect_to_bank = {}\nwire_profile = {}\n",
            quoted(c.client.as_str()),
            quoted_list(c.services.iter().map(String::as_str)),
            quoted_list(c.providers.iter().map(ProviderCode::as_str)),
            c.strict_client_code,
            quoted_list(c.origins.iter().map(String::as_str)),
            c.notify_cancelled,
            c.direct_to_bank,
            quoted(c.wire_profile.as_str())
        );
    }
    out
}

/// `scheme://host[:port]`, lower case, no path, default port dropped: the form
/// `Url::origin` produces, which is what request URLs are compared with.
fn normalise_origin(text: &str) -> Option<String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let scheme = if text.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let authority = authority.to_ascii_lowercase();
    // The default port is not part of an origin's text form.
    let authority = match (
        scheme,
        authority.strip_suffix(":443"),
        authority.strip_suffix(":80"),
    ) {
        ("https", Some(host), _) | ("http", _, Some(host)) => host.to_owned(),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SMALL: &str = r#"
[[provider]]
code = "DEMO0000"
name = "Demo"
kind = "demo"

[[service_provider]]
code = "VDAA"
name = "VDAA"
registration_number = "90000036859"

[[service]]
code = "S1"
name = "Service"
service_provider = "VDAA"

[[step]]
code = "DEM11"
service = "S1"
name = "Step"
payment_purpose = "Fee"

[[position]]
step = "DEM11"
code = "1"
name = "Pos"
unit_price = "1.50"
payee = { name = "VDAA", registration_number = "90000036859", iban = "LV80BANK0000435195001", bic = "TRELLV22" }

[[contract]]
client = "demo"
services = ["S1"]
providers = ["DEMO0000"]
origins = ["https://Example.lv:443/"]
"#;

    #[test]
    fn a_valid_file_parses() {
        let catalog = parse_catalog(SMALL).unwrap();
        assert_eq!(catalog.positions[0].unit_price.minor(), 150);
        assert_eq!(
            catalog.contracts[0].origins,
            vec!["https://example.lv".to_owned()]
        );
        assert_eq!(catalog.providers[0].purpose_max_length, 140);
    }

    #[test]
    fn errors_name_the_line() {
        let broken = SMALL.replace("LV80BANK0000435195001", "LV81BANK0000435195001");
        let errors = parse_catalog(&broken).unwrap_err();
        let line = SMALL.lines().position(|l| l.contains("LV80BANK")).unwrap() + 1;
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].line, Some(line));
        assert!(
            errors.0[0].message.contains("check digits"),
            "{}",
            errors.0[0].message
        );
    }

    #[test]
    fn duplicates_and_unknown_references_are_reported() {
        let broken = format!(
            "{SMALL}\n[[step]]\ncode = \"DEM11\"\nservice = \"NOPE\"\nname = \"x\"\npayment_purpose = \"y\"\n"
        );
        let errors = parse_catalog(&broken).unwrap_err();
        let text = errors.to_string();
        assert!(text.contains("duplicate step code `DEM11`"), "{text}");
        assert!(text.contains("unknown service `NOPE`"), "{text}");
        assert!(errors.0.iter().all(|e| e.line.is_some()));
    }

    #[test]
    fn wire_profiles_and_reported_codes_are_read() {
        let catalog = parse_catalog(SMALL).unwrap();
        assert_eq!(catalog.contracts[0].wire_profile, WireProfile::Original);
        assert_eq!(catalog.providers[0].reported_code, None);
        let configured = SMALL
            .replace(
                "origins = [\"https://Example.lv:443/\"]",
                "origins = [\"https://Example.lv:443/\"]\nwire_profile = \"precise\"",
            )
            .replace(
                "kind = \"demo\"",
                "kind = \"demo\"\nreported_code = \"LVDEMO00\"",
            );
        let catalog = parse_catalog(&configured).unwrap();
        assert_eq!(catalog.contracts[0].wire_profile, WireProfile::Precise);
        assert_eq!(catalog.providers[0].reported().as_str(), "LVDEMO00");
        let broken = configured.replace("\"precise\"", "\"exact\"");
        let errors = parse_catalog(&broken).unwrap_err();
        let line = broken.lines().position(|l| l.contains("exact")).unwrap() + 1;
        assert_eq!(errors.0[0].line, Some(line));
        assert!(
            errors.0[0].message.contains("original, precise"),
            "{errors}"
        );
    }

    const PRICED: &str = "unit_price = \"1.50\"\nprices = [\n  { from = \"2027-01-01\", unit_price = \"2.50\" },\n  { from = \"2027-07-01\", unit_price = \"3\" },\n]";

    #[test]
    fn price_schedules_are_read() {
        let catalog = parse_catalog(&SMALL.replace("unit_price = \"1.50\"", PRICED)).unwrap();
        let position = &catalog.positions[0];
        assert_eq!(position.prices.len(), 2);
        assert_eq!(position.prices[0].from.to_string(), "2027-01-01");
        assert_eq!(position.prices[1].unit_price.minor(), 300);
        let day = parse_day("2027-03-15").unwrap();
        assert_eq!(position.price_on(day).minor(), 250);
    }

    #[test]
    fn price_schedule_errors_name_the_line() {
        for (wrong, right, what) in [
            ("2027-07-01", "2026-07-01", "must increase"),
            ("2027-07-01", "2027-01-01", "must increase"),
            ("2027-07-01", "2027-13-01", "not a day"),
            ("2027-07-01", "1. jūlijs", "not a day"),
            ("\"3\"", "\"3.001\"", "unit_price `3.001`"),
            ("\"3\"", "\"-3\"", "unit_price `-3`"),
            ("\"3\" }", "\"3\", currency = \"USD\" }", "currency"),
        ] {
            let broken = SMALL.replace("unit_price = \"1.50\"", &PRICED.replace(wrong, right));
            let errors = parse_catalog(&broken).unwrap_err();
            let lines: Vec<&str> = broken.lines().collect();
            let line = lines.iter().rposition(|l| l.contains(right)).unwrap() + 1;
            assert_eq!(errors.0.len(), 1, "{right}: {errors}");
            assert_eq!(errors.0[0].line, Some(line), "{right}: {errors}");
            assert!(errors.0[0].message.contains(what), "{right}: {errors}");
        }
    }

    #[test]
    fn the_export_reads_back_to_the_same_catalogue() {
        let sources = [
            SMALL.replace("unit_price = \"1.50\"", PRICED),
            include_str!("../../../demo/catalog.toml").to_owned(),
            // Text that needs escaping survives.
            SMALL.replace(
                "name = \"Pos\"",
                "name = \"Ā \\\"quoted\\\" \\\\ back\\tslash\\u0001\"",
            ),
        ];
        for source in sources {
            let catalog = parse_catalog(&source).unwrap();
            let exported = to_toml(&catalog);
            let again = parse_catalog(&exported).unwrap_or_else(|e| panic!("{e}\n{exported}"));
            assert_eq!(again, catalog);
            assert_eq!(to_toml(&again), exported);
        }
    }

    #[test]
    fn the_stored_form_of_a_position_keeps_its_schedule() {
        let catalog = parse_catalog(&SMALL.replace("unit_price = \"1.50\"", PRICED)).unwrap();
        let json = serde_json::to_string(&catalog).unwrap();
        let back: Catalog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, catalog);
        // A catalogue stored before schedules existed still loads.
        let plain = parse_catalog(SMALL).unwrap();
        let json = serde_json::to_value(&plain).unwrap();
        assert!(json["positions"][0].get("prices").is_none());
        assert_eq!(serde_json::from_value::<Catalog>(json).unwrap(), plain);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let errors = parse_catalog("[[provider]]\ncode = \"X\nname = 1").unwrap_err();
        assert_eq!(errors.0[0].line, Some(2));
    }
}
