//! Realistic, deterministic domain values for tests. Everything is derived from
//! an owner and a seed, so two calls with the same arguments build equal values
//! and different seeds (or owners) never collide on ids, numbers or purpose ids.
//!
//! Every time here is at whole microseconds: that is the precision both stores
//! keep, so a value read back compares equal to the one written.

use maksa_app::store::prelude::*;
use maksa_app::store::{AuditEvent, ClientCertificate};
use maksa_domain::attempt::{Attempt, AttemptId, AttemptState};
use maksa_domain::catalog::{
    Catalog, Contract, Payee, PaymentProvider, Position, ProviderKind, ScheduledPrice, Service,
    ServiceProvider, ServiceStep, WireProfile,
};
use maksa_domain::codes::{ClientCode, Iban, ProviderCode};
use maksa_domain::ids::{ClientId, PaymentRequestId, PurposeId, RequestNumber};
use maksa_domain::money::{Amount, Currency, Quantity};
use maksa_domain::request::{ItemKind, Payer, Payment, PaymentLine, PaymentRequest, RequestTerms};
use maksa_domain::status::Status;
use serde_json::json;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime, Time};

/// Every Latvian letter with a diacritic, both cases: text fields carry it so a
/// store that mangles UTF-8 fails the round trip.
pub const LATVIAN_LETTERS: &str = "āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ";

/// The creation time of seed 0; later seeds are later.
pub const BASE_TIME: OffsetDateTime = datetime!(2025-03-10 09:15:00.123456 UTC);

pub fn client(name: &str) -> ClientId {
    ClientId::parse(name).unwrap_or_else(|| panic!("`{name}` is not a client id"))
}

pub fn euros(minor: i64) -> Amount {
    Amount::from_minor(minor).unwrap()
}

pub fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|| panic!("`{code}` is not a currency"))
}

pub fn provider(code: &str) -> ProviderCode {
    ProviderCode::parse(code).unwrap_or_else(|| panic!("`{code}` is not a provider code"))
}

fn iban(text: &str) -> Iban {
    Iban::parse(text).unwrap()
}

/// `at` without its sub-microsecond part (rounded towards the past), which is
/// what a store gives back for a time it was given.
pub fn truncate_to_microseconds(at: OffsetDateTime) -> OffsetDateTime {
    let nanosecond = at.nanosecond();
    at.replace_nanosecond(nanosecond - nanosecond % 1_000)
        .unwrap()
}

/// SplitMix64: a good enough mixer to derive unrelated-looking bytes from
/// (owner, seed, purpose) without any randomness.
fn mix(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn derived_bytes<const N: usize>(owner: &ClientId, seed: u64, salt: u64) -> [u8; N] {
    // FNV-1a of the owner, so equal seeds of different owners differ.
    let owner_hash = owner
        .as_str()
        .bytes()
        .fold(0xCBF2_9CE4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
        });
    let mut state = mix(owner_hash ^ mix(seed) ^ mix(salt.wrapping_mul(0x2545_F491_4F6C_DD1D)));
    let mut bytes = [0_u8; N];
    for chunk in bytes.chunks_mut(8) {
        state = mix(state);
        let word = state.to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    bytes
}

fn small(value: u64) -> i64 {
    i64::try_from(value).unwrap()
}

pub fn passport_office() -> Payee {
    Payee {
        name: "Pilsonības un migrācijas lietu pārvalde".into(),
        registration_number: "90000024455".into(),
        iban: iban("LV44HABA0551000000001"),
        bic: provider("HABALV22"),
    }
}

pub fn treasury() -> Payee {
    Payee {
        name: "Valsts kase".into(),
        registration_number: "90000050138".into(),
        iban: iban("LV06TREL1060010000001"),
        bic: provider("TRELLV22"),
    }
}

/// A request as the hub creates it: status P, two payments to two different
/// payees, lines with a quantity and with an amount, a payer with Latvian
/// letters, times at microsecond precision. `seed` varies the id, number,
/// purpose ids, creation time (`BASE_TIME` + `seed` minutes + `seed` µs) and
/// amounts.
pub fn sample_request(owner: &ClientId, seed: u64) -> PaymentRequest {
    let created_at = BASE_TIME
        + Duration::minutes(small(seed % 1_000_000))
        + Duration::microseconds(small(seed % 997));
    let id = PaymentRequestId::from_random(derived_bytes(owner, seed, 1));
    let number = RequestNumber::from_random(derived_bytes(owner, seed, 2));

    let passport = Amount::from_minor(1_500).unwrap();
    let copies = Quantity::whole(1 + small(seed % 3)).unwrap();
    let urgency_rate = Amount::from_minor(2_000).unwrap();
    let urgency_share = Quantity::parse("1.5").unwrap();
    let office_lines = vec![
        PaymentLine {
            position: "PMLP-001".into(),
            name: "Pases izsniegšana (parastā kārtībā)".into(),
            unit_price: passport,
            quantity: Some(copies),
            amount: passport.times(copies).unwrap(),
            given_as: ItemKind::Quantity,
        },
        PaymentLine {
            position: "PMLP-017".into(),
            name: "Steidzamības piemaksa — ātrā izgatavošana".into(),
            unit_price: urgency_rate,
            quantity: Some(urgency_share),
            amount: urgency_rate.times(urgency_share).unwrap(),
            given_as: ItemKind::Quantity,
        },
    ];
    let fee = Amount::from_minor(725 + small(seed % 100)).unwrap();
    let treasury_lines = vec![PaymentLine {
        position: "VK-02".into(),
        name: "Valsts nodeva par ģerboņa ūdenszīmi".into(),
        unit_price: Amount::from_minor(725).unwrap(),
        quantity: None,
        amount: fee,
        given_as: ItemKind::Amount,
    }];

    let date = created_at.date();
    let payment = |sequence: u16, payee: Payee, lines: Vec<PaymentLine>, what: &str| {
        let purpose_id =
            PurposeId::from_random(date, derived_bytes(owner, seed, 10 + u64::from(sequence)));
        let amount = lines
            .iter()
            .try_fold(Amount::ZERO, |sum, line| sum.checked_add(line.amount))
            .unwrap();
        Payment {
            sequence,
            purpose: format!("{purpose_id} {what}, pieteikums {number}"),
            purpose_id,
            payee,
            amount,
            currency: Currency::EUR,
            lines,
            status: Status::InProcess,
            provider: None,
            paid_at: None,
            external_id: None,
        }
    };
    let payments = vec![
        payment(1, passport_office(), office_lines, "Pases izsniegšana"),
        payment(2, treasury(), treasury_lines, "Valsts nodeva"),
    ];
    let total = payments
        .iter()
        .try_fold(Amount::ZERO, |sum, p| sum.checked_add(p.amount))
        .unwrap();

    let terms = RequestTerms {
        service_step: "PMLP-PASE-1".into(),
        step_name: "Pieteikuma apmaksa".into(),
        service_code: "PMLP-PASE".into(),
        service_name: "Personu apliecinošu dokumentu izsniegšana".into(),
        service_provider_code: "PMLP".into(),
        service_provider_name: "Pilsonības un migrācijas lietu pārvalde".into(),
        payer: Payer {
            name: Some("Bērziņa-Šķēle".into()),
            first_name: Some("Ģirts Jānis".into()),
            code: Some(ClientCode::parse("010190-12345").unwrap()),
            code_check: Some(ClientCode::parse("01019012345").unwrap().check()),
            email: Some("girts.berzins@example.lv".into()),
            phone: Some("+371 20000000".into()),
            address: Some(format!(
                "Ūdeļu iela 7-ķ, Čiekurkalns, Rīga, LV-1006 ({LATVIAN_LETTERS})"
            )),
        },
        expires_at: created_at + Duration::days(30),
        invoice_issue_date: Some(created_at.replace_time(Time::MIDNIGHT)),
        no_invoice: seed % 2 == 1,
        parent_request_id: (seed % 4 == 3)
            .then(|| PaymentRequestId::from_random(derived_bytes(owner, seed, 3))),
        response_url: Some("https://e-pakalpojumi.example.lv/atbilde?valoda=lv".into()),
        server_response_url: Some("https://e-pakalpojumi.example.lv/api/maksa".into()),
        return_redirect_url: Some("https://e-pakalpojumi.example.lv/paldies".into()),
        preselected_provider: Some(provider("HABALV22")),
        allowed_providers: vec![
            provider("HABALV22"),
            provider("TRELLV22"),
            provider("UNLALV2X"),
        ],
        currency: Currency::EUR,
        total,
        ivis: None,
    };
    PaymentRequest {
        id,
        number,
        owner: owner.clone(),
        created_at,
        status: Status::InProcess,
        status_changed_at: created_at,
        terms,
        payments,
    }
}

/// [`sample_request`] with only its first payment (and the total to match):
/// executing that one payment pays the whole request.
pub fn single_payment_request(owner: &ClientId, seed: u64) -> PaymentRequest {
    let mut request = sample_request(owner, seed);
    request.payments.truncate(1);
    request.terms.total = request.payments[0].amount;
    request
}

/// A new attempt (state `Started`) of payment `sequence` of `request` at
/// provider `HABALV22`, for the payment's amount, started at `at`. `seed`
/// varies the id; attempts of different requests never share one. A sequence
/// the request does not have gets an amount of 1.00.
pub fn sample_attempt(
    request: &PaymentRequest,
    sequence: u16,
    seed: u64,
    at: OffsetDateTime,
) -> Attempt {
    let (high, low) = request.id.as_uuid().as_u64_pair();
    let payment = request.payments.iter().find(|p| p.sequence == sequence);
    Attempt {
        id: AttemptId::from_random(derived_bytes(&request.owner, mix(seed) ^ high ^ low, 30)),
        request_id: request.id,
        sequence,
        provider: provider("HABALV22"),
        amount: payment.map_or_else(|| euros(100), |p| p.amount),
        currency: payment.map_or(Currency::EUR, |p| p.currency),
        state: AttemptState::Started,
        external_id: None,
        refund_required: false,
        created_at: at,
        updated_at: at,
    }
}

/// The audit event the hub writes about an attempt, with the provider as actor.
pub fn attempt_audit(attempt: &Attempt, kind: &str, at: OffsetDateTime) -> AuditEvent {
    AuditEvent {
        at,
        actor: attempt.provider.to_string(),
        request_id: Some(attempt.request_id),
        kind: kind.into(),
        detail: json!({
            "attempt": attempt.id.to_string(),
            "sequence": attempt.sequence,
            "amount_minor": attempt.amount.minor(),
        }),
    }
}

/// The audit event the hub writes beside a new request.
pub fn creation_audit(request: &PaymentRequest) -> AuditEvent {
    AuditEvent {
        at: request.created_at,
        actor: request.owner.to_string(),
        request_id: Some(request.id),
        kind: "payment_request.created".into(),
        detail: json!({
            "number": request.number.as_str(),
            "total_minor": request.terms.total.minor(),
            "payments": request.payments.len(),
            "note": format!("izveidots ({LATVIAN_LETTERS})"),
        }),
    }
}

/// An audit event about something other than a request (catalogue, certificates).
pub fn operator_audit(kind: &str, at: OffsetDateTime) -> AuditEvent {
    AuditEvent {
        at,
        actor: "operator".into(),
        request_id: None,
        kind: kind.into(),
        detail: json!({ "by": "tests" }),
    }
}

/// A small but complete catalogue; `revision` changes names and prices so two
/// revisions differ.
pub fn sample_catalog(revision: u32) -> Catalog {
    let pmlp = client("pmlp.epakalpojumi");
    Catalog {
        providers: vec![
            PaymentProvider {
                code: provider("HABALV22"),
                name: "Swedbank".into(),
                kind: ProviderKind::Bank,
                purpose_max_length: 140,
                reported_code: Some(provider("LVHABA22")),
            },
            PaymentProvider {
                code: provider("UNLALV2X"),
                name: "SEB banka".into(),
                kind: ProviderKind::Bank,
                purpose_max_length: 105,
                reported_code: None,
            },
            PaymentProvider {
                code: provider("FIRSTDATA"),
                name: "Maksājumu karte".into(),
                kind: ProviderKind::Card,
                purpose_max_length: 140,
                reported_code: None,
            },
        ],
        service_providers: vec![ServiceProvider {
            code: "PMLP".into(),
            name: format!("Pilsonības un migrācijas lietu pārvalde (r{revision})"),
            registration_number: "90000024455".into(),
            address: Some("Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026".into()),
        }],
        services: vec![Service {
            code: "PMLP-PASE".into(),
            name: "Personu apliecinošu dokumentu izsniegšana".into(),
            service_provider: "PMLP".into(),
        }],
        steps: vec![ServiceStep {
            code: "PMLP-PASE-1".into(),
            service: "PMLP-PASE".into(),
            name: "Pieteikuma apmaksa".into(),
            payment_purpose: format!("Pases izsniegšana ({LATVIAN_LETTERS})"),
            purpose_changeable: revision % 2 == 0,
        }],
        positions: vec![Position {
            step: "PMLP-PASE-1".into(),
            code: "PMLP-001".into(),
            name: "Pases izsniegšana (parastā kārtībā)".into(),
            unit_price: euros(1_500 + i64::from(revision)),
            // A price schedule (history and a change to come) is stored too.
            prices: vec![
                ScheduledPrice {
                    from: date!(2025 - 01 - 01),
                    unit_price: euros(1_600),
                },
                ScheduledPrice {
                    from: date!(2027 - 07 - 01),
                    unit_price: euros(1_750 + i64::from(revision)),
                },
            ],
            currency: Currency::EUR,
            payee: passport_office(),
            amount_allowed: false,
        }],
        contracts: vec![Contract {
            client: pmlp,
            services: vec!["PMLP-PASE".into()],
            providers: vec![provider("HABALV22"), provider("UNLALV2X")],
            strict_client_code: true,
            origins: vec!["https://e-pakalpojumi.example.lv".into()],
            notify_cancelled: false,
            wire_profile: WireProfile::Precise,
            direct_to_bank: true,
        }],
    }
}

/// A certificate registration for `client`; `seed` varies the thumbprint and times.
pub fn sample_certificate(client: &ClientId, seed: u64) -> ClientCertificate {
    let thumbprint: String = derived_bytes::<32>(client, seed, 20)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let registered_at =
        BASE_TIME + Duration::hours(small(seed % 10_000)) + Duration::microseconds(17);
    ClientCertificate {
        client: client.clone(),
        thumbprint,
        subject: format!("CN={client},O=Valsts reģionālās attīstības aģentūra,C=LV"),
        not_before: registered_at - Duration::days(1),
        not_after: registered_at + Duration::days(730),
        revoked_at: None,
        roles: vec!["MM_INVOICE_SERVICE".into()],
        services: vec!["PMLP-PASE".into()],
        registered_at,
    }
}

/// The provider confirmed `request`'s first (only) payment at `at`: the
/// payment and the request are E, the receipt not due (the tests of the
/// Treasury loop pay requests this way, as a provider's message does,
/// without a provider).
pub async fn pay_first_payment(
    store: &dyn maksa_app::store::Store,
    request: &PaymentRequest,
    at: OffsetDateTime,
) {
    let provider = ProviderCode::parse("HABALV22").expect("a provider code");
    let mut work = store.begin().await.expect("a transaction");
    assert!(
        work.set_payment_paid(&maksa_app::store::PaymentPaid {
            request: request.id,
            sequence: 1,
            provider: &provider,
            paid_at: at,
            external_id: None,
        })
        .await
        .expect("the payment paid")
    );
    assert!(
        work.set_request_status(&maksa_app::store::RequestStatusWrite {
            id: request.id,
            owner: &request.owner,
            from: Status::InProcess,
            to: Status::Executed,
            at,
            paid_at: Some(at),
            receipt_due: Some(false),
        })
        .await
        .expect("the request paid")
    );
    work.commit().await.expect("committed");
}

/// The requests the receipt worker's list names now (its first 100).
pub async fn receipts_listed(store: &dyn Store) -> Vec<PaymentRequestId> {
    store
        .receipts_due(100)
        .await
        .expect("listing the receipts due failed")
        .into_iter()
        .map(|(_, id)| id)
        .collect()
}
