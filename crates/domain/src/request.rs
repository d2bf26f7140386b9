//! Payment requests: validation of what a client sends, and the aggregate the hub
//! keeps (a request with one payment per payee).

use crate::catalog::{Catalog, Contract, Payee, Position, ProviderKind};
use crate::codes::{ClientCode, CodeCheck, ProviderCode};
use crate::datetime::{parse_lenient, riga_date};
use crate::error::{FieldError, ValidationCode as Code, ValidationErrors};
use crate::ids::{ClientId, PaymentRequestId, PurposeId, RequestNumber};
use crate::money::{Amount, Currency, Decimal, Quantity};
use crate::status::{RequestEvent, Status, TransitionRefused, next_status};
use crate::text::echo;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

/// A payment request as a door received it: text, not yet trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentRequestInput {
    pub service_step: Option<String>,
    pub price_list: Vec<PriceListItemInput>,
    pub client_info: Option<ClientInfoInput>,
    pub expiry_date: Option<String>,
    pub invoice_issue_date: Option<String>,
    pub no_invoice: bool,
    pub parent_payment_request_id: Option<String>,
    pub payment_object: Option<String>,
    pub response_url: Option<String>,
    pub server_response_url: Option<String>,
    pub return_redirect_url: Option<String>,
    pub swift_code: Option<String>,
    pub allowed_banks: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceListItemInput {
    pub position: Option<String>,
    /// Decimal text exactly as sent (`12.00`, `"7.99"`).
    pub item: Option<String>,
    /// `Quantity` (the default) or `Amount`.
    pub item_element_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfoInput {
    pub client_name: Option<String>,
    pub client_first_name: Option<String>,
    pub client_code: Option<String>,
    pub client_email: Option<String>,
    pub client_phone: Option<String>,
    pub client_address: Option<String>,
}

/// The payer (ClientInfo).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub code: Option<ClientCode>,
    /// The check-digit verdict, kept when a lenient client sent a failing code.
    pub code_check: Option<CodeCheck>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    Quantity,
    Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    pub position: String,
    pub name: String,
    pub unit_price: Amount,
    /// Present when the client gave a quantity; an amount-line has none.
    pub quantity: Option<Quantity>,
    pub amount: Amount,
    pub given_as: ItemKind,
}

/// One money transfer to one payee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// 1-based order in which the payer is walked through the payments.
    pub sequence: u16,
    pub purpose_id: PurposeId,
    /// The identifier, a space, and the purpose text: at most 140 characters.
    pub purpose: String,
    pub payee: Payee,
    pub amount: Amount,
    pub currency: Currency,
    pub lines: Vec<PaymentLine>,
    pub status: Status,
    pub provider: Option<ProviderCode>,
    pub paid_at: Option<OffsetDateTime>,
    pub external_id: Option<String>,
}

impl Payment {
    /// The purpose as a provider with a shorter limit must receive it. The
    /// identifier comes first, so it always survives the cut.
    pub fn purpose_within(&self, max_chars: usize) -> String {
        self.purpose.chars().take(max_chars).collect()
    }
}

/// What the client fixed when creating the request; never changes afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestTerms {
    pub service_step: String,
    pub step_name: String,
    pub service_code: String,
    pub service_name: String,
    pub service_provider_code: String,
    pub service_provider_name: String,
    pub payer: Payer,
    pub expires_at: OffsetDateTime,
    pub invoice_issue_date: Option<OffsetDateTime>,
    pub no_invoice: bool,
    pub parent_request_id: Option<PaymentRequestId>,
    pub response_url: Option<String>,
    pub server_response_url: Option<String>,
    pub return_redirect_url: Option<String>,
    /// `SwiftCode`: the bank the payer signed in with; preselected on the page.
    pub preselected_provider: Option<ProviderCode>,
    /// The providers the payer may choose from (AllowedBanks, or the contract's
    /// providers except cards when none were given).
    pub allowed_providers: Vec<ProviderCode>,
    pub currency: Currency,
    pub total: Amount,
    /// Set when the request came through the IVIS door: where and how the
    /// e-service wants the final status answered (docs/ivis.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ivis: Option<IvisRoute>,
}

/// What an IVIS submission fixed about the answer the hub owes the e-service:
/// the `ResponseEndPoint` message after the final status carries these back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IvisRoute {
    /// The submission's `MessageID`; the answer's `CorrelationID`.
    pub message_id: String,
    /// The correlation id the hub answered `Submit`/`SubmitSync` with.
    pub correlation_id: uuid::Uuid,
    pub transaction_id: Option<String>,
    pub response_endpoint: String,
    pub milestone_id: Option<String>,
    pub next_milestone_id: Option<String>,
    pub eservice_id: Option<String>,
    pub service_instance_id: Option<String>,
    pub test: bool,
    /// Submitted with `Submit` (the payer pays later in the workspace) rather
    /// than `SubmitSync` (the payer is handed to the payment page now).
    pub asynchronous: bool,
    /// `IVISServiceDataEx`: a migrated e-service.
    pub migrated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    pub id: PaymentRequestId,
    pub number: RequestNumber,
    pub owner: ClientId,
    pub created_at: OffsetDateTime,
    pub status: Status,
    pub status_changed_at: OffsetDateTime,
    pub terms: RequestTerms,
    pub payments: Vec<Payment>,
}

impl PaymentRequest {
    /// The request's new status after `event`, or why it cannot happen.
    ///
    /// A request that expires or is cancelled after some, but not all, of its
    /// payments were executed ends in O ("Cits"): part of the money moved, so it
    /// is neither paid (E) nor unpaid (R, C). Its open payments still take R or
    /// C ([`PaymentRequest::open_payments_after`]).
    pub fn after(&self, event: RequestEvent) -> Result<Status, TransitionRefused> {
        let to = next_status(self.status, event)?;
        let partly_paid = self.payments.iter().any(|p| p.status == Status::Executed);
        Ok(match to {
            Status::Expired | Status::Cancelled if partly_paid => Status::Other,
            other => other,
        })
    }

    /// The status the payments still open take when `event` ends the request:
    /// R or C even when the request itself ends in O.
    pub fn open_payments_after(&self, event: RequestEvent) -> Result<Status, TransitionRefused> {
        next_status(self.status, event)
    }

    /// The payment carrying a price-list position (the first, if several do).
    pub fn payment_with_position(&self, position: &str) -> Option<&Payment> {
        self.payments
            .iter()
            .find(|p| p.lines.iter().any(|l| l.position == position))
    }

    /// Providers that took payments, in payment order, without repeats.
    pub fn providers_used(&self) -> Vec<ProviderCode> {
        let mut used: Vec<ProviderCode> = Vec::new();
        for provider in self.payments.iter().filter_map(|p| p.provider.clone()) {
            if !used.contains(&provider) {
                used.push(provider);
            }
        }
        used
    }
}

/// The hub's limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct CreationRules {
    /// Expiry when the client gives none.
    pub default_validity: Duration,
    pub purpose_max_length: usize,
    pub field_max_length: usize,
    pub url_max_length: usize,
    pub max_positions: usize,
}

impl Default for CreationRules {
    fn default() -> Self {
        CreationRules {
            default_validity: Duration::days(30),
            purpose_max_length: 140,
            field_max_length: 500,
            url_max_length: 2048,
            max_positions: 100,
        }
    }
}

/// Source of randomness for identifiers, injected so that tests are repeatable.
pub trait Entropy {
    fn fill(&mut self, buffer: &mut [u8]);
}

/// Validates `input` for `client` against the catalogue and builds the request.
/// Collects every problem rather than stopping at the first.
pub fn create_payment_request(
    input: &PaymentRequestInput,
    client: &ClientId,
    catalog: &Catalog,
    rules: &CreationRules,
    now: OffsetDateTime,
    entropy: &mut dyn Entropy,
) -> Result<PaymentRequest, ValidationErrors> {
    let mut v = Validator::default();
    let contract = catalog.contract(client);
    if contract.is_none() {
        v.fail(
            Code::ServiceNotContracted,
            "ServiceStep",
            format!("client `{client}` has no contract in the catalogue"),
        );
    }

    let step = match input.service_step.as_deref().map(str::trim) {
        None | Some("") => {
            v.fail(Code::MissingField, "ServiceStep", "is required");
            None
        }
        Some(code) => match catalog.step(code) {
            None => {
                v.fail(
                    Code::UnknownServiceStep,
                    "ServiceStep",
                    format!("`{}` is not a service step in the catalogue", echo(code)),
                );
                None
            }
            Some(step) => Some(step),
        },
    };
    let service = step.and_then(|s| catalog.service(&s.service));
    let service_provider = service.and_then(|s| catalog.service_provider(&s.service_provider));
    if let (Some(service), Some(contract)) = (service, contract)
        && !contract
            .services
            .iter()
            .any(|c| c == "*" || c == &service.code)
    {
        v.fail(
            Code::ServiceNotContracted,
            "ServiceStep",
            format!("service `{}` is not in your contract", service.code),
        );
    }

    let lines = step
        .map(|step| v.price_list(input, &step.code, catalog, rules, riga_date(now)))
        .unwrap_or_default();
    let payer = v.payer(input.client_info.as_ref(), contract, rules);
    let expires_at = v.expiry(input.expiry_date.as_deref(), now, rules);
    let invoice_issue_date =
        v.optional_date("InvoiceIssueDate", input.invoice_issue_date.as_deref());
    let parent_request_id = v.parent(input.parent_payment_request_id.as_deref());
    let response_url = v.return_url(
        "ResponseUrl",
        input.response_url.as_deref(),
        contract,
        rules,
    );
    let return_redirect_url = v.return_url(
        "ReturnRedirectUrl",
        input.return_redirect_url.as_deref(),
        contract,
        rules,
    );
    let server_response_url = v.url(
        "ServerResponseUrl",
        input.server_response_url.as_deref(),
        rules,
    );
    let allowed_providers = v.allowed_providers(&input.allowed_banks, catalog, contract);
    let preselected_provider = v.preselected(input.swift_code.as_deref());
    let purpose_text = step.map(|step| {
        let given = input
            .payment_object
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match given {
            Some(text) if step.purpose_changeable => text.to_owned(),
            _ => step.payment_purpose.clone(),
        }
    });
    if let Some(text) = &purpose_text {
        let room = rules
            .purpose_max_length
            .saturating_sub(PurposeId::LENGTH + 1);
        if text.chars().count() > room {
            v.fail(Code::PaymentObjectTooLong, "PaymentObject", format!("is longer than {room} characters (the hub adds a 34-character identifier and a space; {} in all)", rules.purpose_max_length));
        }
        if text.chars().any(char::is_control) {
            v.fail(
                Code::InvalidField,
                "PaymentObject",
                "contains control characters",
            );
        }
    }

    let currency = lines.first().map(|(_, position)| position.currency);
    if let Some(currency) = currency
        && lines.iter().any(|(_, p)| p.currency != currency)
    {
        v.fail(
            Code::MixedCurrencies,
            "PriceList",
            "positions in one request must share one currency",
        );
    }

    if let Some(errors) = ValidationErrors::from_list(v.errors) {
        return Err(errors);
    }
    // Every Option below is Some when no error was recorded; the fallbacks are
    // unreachable but keep this function free of panics.
    let (Some(step), Some(service), Some(service_provider), Some(purpose_text), Some(currency)) =
        (step, service, service_provider, purpose_text, currency)
    else {
        return Err(ValidationErrors::new(FieldError {
            code: Code::InvalidField,
            field: "ServiceStep".into(),
            message: "the catalogue entry for this step is incomplete".into(),
        }));
    };

    let payments = group_into_payments(lines, &purpose_text, currency, now, entropy)?;
    let mut total = Amount::ZERO;
    for payment in &payments {
        total = total
            .checked_add(payment.amount)
            .ok_or_else(|| too_large("PriceList"))?;
    }
    // Time-ordered ids: indexes keyed by them grow at their end (see `ids`).
    let mut id_bytes = [0_u8; 10];
    entropy.fill(&mut id_bytes);
    let mut number_bytes = [0_u8; 8];
    entropy.fill(&mut number_bytes);

    Ok(PaymentRequest {
        id: PaymentRequestId::time_ordered(now, id_bytes),
        number: RequestNumber::from_random(number_bytes),
        owner: client.clone(),
        created_at: now,
        status: Status::InProcess,
        status_changed_at: now,
        terms: RequestTerms {
            service_step: step.code.clone(),
            step_name: step.name.clone(),
            service_code: service.code.clone(),
            service_name: service.name.clone(),
            service_provider_code: service_provider.code.clone(),
            service_provider_name: service_provider.name.clone(),
            payer,
            expires_at,
            invoice_issue_date,
            no_invoice: input.no_invoice,
            parent_request_id,
            response_url,
            server_response_url,
            return_redirect_url,
            preselected_provider,
            allowed_providers,
            currency,
            total,
            ivis: None,
        },
        payments,
    })
}

fn too_large(field: &str) -> ValidationErrors {
    ValidationErrors::new(FieldError {
        code: Code::InvalidField,
        field: field.into(),
        message: "the total is too large".into(),
    })
}

/// Positions with the same payee account make one payment, in the order their
/// payees first appear.
fn group_into_payments(
    lines: Vec<(PaymentLine, &Position)>,
    purpose_text: &str,
    currency: Currency,
    now: OffsetDateTime,
    entropy: &mut dyn Entropy,
) -> Result<Vec<Payment>, ValidationErrors> {
    let mut payments: Vec<Payment> = Vec::new();
    for (line, position) in lines {
        let existing = payments
            .iter_mut()
            .find(|p| p.payee.iban == position.payee.iban);
        let payment = match existing {
            Some(payment) => payment,
            None => {
                let mut random = [0_u8; 18];
                entropy.fill(&mut random);
                let purpose_id = PurposeId::time_ordered(now, random);
                let sequence = u16::try_from(payments.len().saturating_add(1))
                    .map_err(|_| too_large("PriceList"))?;
                payments.push(Payment {
                    sequence,
                    purpose: format!("{purpose_id} {purpose_text}"),
                    purpose_id,
                    payee: position.payee.clone(),
                    amount: Amount::ZERO,
                    currency,
                    lines: Vec::new(),
                    status: Status::InProcess,
                    provider: None,
                    paid_at: None,
                    external_id: None,
                });
                payments.last_mut().ok_or_else(|| too_large("PriceList"))?
            }
        };
        payment.amount = payment
            .amount
            .checked_add(line.amount)
            .ok_or_else(|| too_large("PriceList"))?;
        payment.lines.push(line);
    }
    for payment in &payments {
        if payment.amount == Amount::ZERO {
            return Err(ValidationErrors::new(FieldError {
                code: Code::ZeroAmount,
                field: "PriceList".into(),
                message: format!("the payment to {} would be 0.00", payment.payee.name),
            }));
        }
    }
    Ok(payments)
}

#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn fail(&mut self, code: Code, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            code,
            field: field.into(),
            message: message.into(),
        });
    }

    fn price_list<'c>(
        &mut self,
        input: &PaymentRequestInput,
        step: &str,
        catalog: &'c Catalog,
        rules: &CreationRules,
        // The price in force on the request's day (Riga) is the one it keeps.
        day: Date,
    ) -> Vec<(PaymentLine, &'c Position)> {
        if input.price_list.is_empty() {
            self.fail(
                Code::MissingField,
                "PriceList",
                "must hold at least one position",
            );
        }
        if input.price_list.len() > rules.max_positions {
            self.fail(
                Code::InvalidField,
                "PriceList",
                format!("may hold at most {} positions", rules.max_positions),
            );
            return Vec::new();
        }
        let mut lines = Vec::new();
        for (i, item) in input.price_list.iter().enumerate() {
            let field = |name: &str| format!("PriceList[{i}].{name}");
            let Some(code) = item
                .position
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            else {
                self.fail(Code::MissingField, field("Position"), "is required");
                continue;
            };
            let Some(position) = catalog.position(step, code) else {
                let why = if catalog.position_anywhere(code) {
                    format!(
                        "position `{}` does not belong to service step `{step}`",
                        echo(code)
                    )
                } else {
                    format!("`{}` is not a price-list position", echo(code))
                };
                self.fail(Code::UnknownPosition, field("Position"), why);
                continue;
            };
            let unit_price = position.price_on(day);
            let kind = match item.item_element_name.as_deref().map(str::trim) {
                None | Some("") => ItemKind::Quantity,
                Some(name) if name.eq_ignore_ascii_case("quantity") => ItemKind::Quantity,
                Some(name) if name.eq_ignore_ascii_case("amount") => ItemKind::Amount,
                Some(other) => {
                    self.fail(
                        Code::InvalidField,
                        field("ItemElementName"),
                        format!("`{}` is neither `Quantity` nor `Amount`", echo(other)),
                    );
                    continue;
                }
            };
            let Some(text) = item.item.as_deref() else {
                self.fail(Code::MissingField, field("Item"), "is required");
                continue;
            };
            let decimal = match Decimal::parse(text) {
                Ok(d) => d,
                Err(e) => {
                    self.fail(
                        Code::InvalidField,
                        field("Item"),
                        format!("`{}` {e}", echo(text)),
                    );
                    continue;
                }
            };
            let line = match kind {
                ItemKind::Quantity => match Quantity::from_decimal(decimal) {
                    Err(e) => {
                        self.fail(
                            Code::InvalidField,
                            field("Item"),
                            format!("quantity `{}` {e}", echo(text)),
                        );
                        continue;
                    }
                    Ok(quantity) => match unit_price.times(quantity) {
                        None => {
                            self.fail(
                                Code::InvalidField,
                                field("Item"),
                                "quantity × price is too large",
                            );
                            continue;
                        }
                        Some(amount) => PaymentLine {
                            position: position.code.clone(),
                            name: position.name.clone(),
                            unit_price,
                            quantity: Some(quantity),
                            amount,
                            given_as: kind,
                        },
                    },
                },
                ItemKind::Amount => {
                    if !position.amount_allowed {
                        self.fail(Code::AmountNotAllowed, field("ItemElementName"), format!("position `{}` takes a quantity; it does not allow the caller to give an amount", echo(code)));
                        continue;
                    }
                    match Amount::from_decimal(decimal) {
                        Err(e) => {
                            self.fail(
                                Code::InvalidField,
                                field("Item"),
                                format!("amount `{}` {e}", echo(text)),
                            );
                            continue;
                        }
                        Ok(amount) if amount == Amount::ZERO => {
                            self.fail(
                                Code::ZeroAmount,
                                field("Item"),
                                "amount must be greater than zero",
                            );
                            continue;
                        }
                        Ok(amount) => PaymentLine {
                            position: position.code.clone(),
                            name: position.name.clone(),
                            unit_price,
                            quantity: None,
                            amount,
                            given_as: kind,
                        },
                    }
                }
            };
            lines.push((line, position));
        }
        lines
    }

    fn text(&mut self, field: &str, value: Option<&str>, rules: &CreationRules) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        if value.chars().count() > rules.field_max_length {
            self.fail(
                Code::InvalidField,
                field,
                format!("is longer than {} characters", rules.field_max_length),
            );
            return None;
        }
        if value.chars().any(char::is_control) {
            self.fail(Code::InvalidField, field, "contains control characters");
            return None;
        }
        Some(value.to_owned())
    }

    fn payer(
        &mut self,
        info: Option<&ClientInfoInput>,
        contract: Option<&Contract>,
        rules: &CreationRules,
    ) -> Payer {
        let Some(info) = info else {
            return Payer::default();
        };
        let mut payer = Payer {
            name: self.text("ClientInfo.ClientName", info.client_name.as_deref(), rules),
            first_name: self.text(
                "ClientInfo.ClientFirstName",
                info.client_first_name.as_deref(),
                rules,
            ),
            code: None,
            code_check: None,
            email: self.text(
                "ClientInfo.ClientEMail",
                info.client_email.as_deref(),
                rules,
            ),
            phone: self.text(
                "ClientInfo.ClientPhone",
                info.client_phone.as_deref(),
                rules,
            ),
            address: self.text(
                "ClientInfo.ClientAddress",
                info.client_address.as_deref(),
                rules,
            ),
        };
        if let Some(email) = &payer.email
            && !plausible_email(email)
        {
            self.fail(
                Code::InvalidField,
                "ClientInfo.ClientEMail",
                format!("`{}` is not an e-mail address", echo(email)),
            );
        }
        if let Some(text) = info
            .client_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match ClientCode::parse(text) {
                Err(e) => self.fail(
                    Code::InvalidClientCode,
                    "ClientInfo.ClientCode",
                    e.to_string(),
                ),
                Ok(code) => {
                    let check = code.check();
                    let strict = contract.is_some_and(|c| c.strict_client_code);
                    if strict && check == CodeCheck::CheckDigitMismatch {
                        self.fail(
                            Code::InvalidClientCode,
                            "ClientInfo.ClientCode",
                            "check digit does not match (strict validation is on for this client)",
                        );
                    }
                    payer.code = Some(code);
                    payer.code_check = Some(check);
                }
            }
        }
        payer
    }

    fn expiry(
        &mut self,
        text: Option<&str>,
        now: OffsetDateTime,
        rules: &CreationRules,
    ) -> OffsetDateTime {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return now.saturating_add(rules.default_validity);
        };
        match parse_lenient(text) {
            Err(e) => {
                self.fail(
                    Code::InvalidField,
                    "ExpiryDate",
                    format!("`{}` {e}", echo(text)),
                );
                now
            }
            Ok(value) => {
                // A bare date means "payable through that day": its last microsecond,
                // so that the request also lists under that date.
                let expires_at = value.last_instant();
                if expires_at <= now {
                    self.fail(
                        Code::ExpiryInPast,
                        "ExpiryDate",
                        format!("`{}` is not in the future", echo(text)),
                    );
                }
                expires_at
            }
        }
    }

    fn optional_date(&mut self, field: &str, text: Option<&str>) -> Option<OffsetDateTime> {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        match parse_lenient(text) {
            Ok(value) => Some(value.start()),
            Err(e) => {
                self.fail(Code::InvalidField, field, format!("`{}` {e}", echo(text)));
                None
            }
        }
    }

    fn parent(&mut self, text: Option<&str>) -> Option<PaymentRequestId> {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        let id = PaymentRequestId::parse(text);
        if id.is_none() {
            self.fail(
                Code::InvalidField,
                "ParentPaymentRequestID",
                format!("`{}` is not a GUID", echo(text)),
            );
        }
        id
    }

    fn url(&mut self, field: &str, text: Option<&str>, rules: &CreationRules) -> Option<String> {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        if text.len() > rules.url_max_length {
            self.fail(
                Code::InvalidField,
                field,
                format!("is longer than {} characters", rules.url_max_length),
            );
            return None;
        }
        match url::Url::parse(text) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some_and(|h| !h.is_empty()) =>
            {
                Some(text.to_owned())
            }
            _ => {
                self.fail(
                    Code::InvalidField,
                    field,
                    format!("`{}` is not an absolute http(s) URL", echo(text)),
                );
                None
            }
        }
    }

    /// A URL the payer's browser is sent to must lie within an origin registered
    /// for the client: anything else would make the hub an open redirect.
    fn return_url(
        &mut self,
        field: &str,
        text: Option<&str>,
        contract: Option<&Contract>,
        rules: &CreationRules,
    ) -> Option<String> {
        let checked = self.url(field, text, rules)?;
        let origin = url::Url::parse(&checked)
            .ok()
            .map(|u| u.origin().ascii_serialization());
        let registered = contract.is_some_and(|c| {
            c.origins
                .iter()
                .any(|o| Some(o.trim_end_matches('/').to_ascii_lowercase()) == origin)
        });
        if !registered {
            self.fail(
                Code::UrlNotRegistered,
                field,
                format!(
                    "origin `{}` is not registered for this client",
                    echo(&origin.unwrap_or_default())
                ),
            );
            return None;
        }
        Some(checked)
    }

    fn allowed_providers(
        &mut self,
        banks: &[String],
        catalog: &Catalog,
        contract: Option<&Contract>,
    ) -> Vec<ProviderCode> {
        let Some(contract) = contract else {
            return Vec::new();
        };
        if banks.is_empty() {
            // None given: every contracted provider except cards (INTERFACE.md §4).
            return contract
                .providers
                .iter()
                .filter(|code| {
                    catalog
                        .provider(code)
                        .is_some_and(|p| p.kind != ProviderKind::Card)
                })
                .cloned()
                .collect();
        }
        let mut chosen = Vec::new();
        for (i, text) in banks.iter().enumerate() {
            let field = format!("AllowedBanks[{i}].SwiftCode");
            let Some(code) = ProviderCode::parse(text) else {
                self.fail(
                    Code::UnknownBank,
                    field,
                    format!("`{}` is not a SWIFT code", echo(text)),
                );
                continue;
            };
            if catalog.provider(&code).is_none() {
                self.fail(
                    Code::UnknownBank,
                    field,
                    format!("`{code}` is not a payment provider of this hub"),
                );
            } else if !contract.providers.contains(&code) {
                self.fail(
                    Code::BankNotContracted,
                    field,
                    format!("`{code}` is not in your contract"),
                );
            } else if !chosen.contains(&code) {
                chosen.push(code);
            }
        }
        chosen
    }

    fn preselected(&mut self, text: Option<&str>) -> Option<ProviderCode> {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        let code = ProviderCode::parse(text);
        if code.is_none() {
            self.fail(
                Code::InvalidField,
                "SwiftCode",
                format!("`{}` is not a SWIFT code", echo(text)),
            );
        }
        code
    }
}

fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';')
}
