//! The rules of creating a payment request, run against the demo catalogue (the
//! steps and positions of the originals' examples).

#![allow(clippy::unwrap_used)]

use maksa_app::catalog_file::parse_catalog;
use maksa_domain::catalog::Catalog;
use maksa_domain::codes::CodeCheck;
use maksa_domain::error::ValidationCode;
use maksa_domain::ids::ClientId;
use maksa_domain::request::{
    ClientInfoInput, CreationRules, Entropy, PaymentRequest, PaymentRequestInput,
    PriceListItemInput, create_payment_request,
};
use maksa_domain::status::Status;
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2020-09-01 12:00:00 UTC);

/// Deterministic "randomness": a counter, so every test is repeatable.
struct Counter(u8);
impl Entropy for Counter {
    fn fill(&mut self, buffer: &mut [u8]) {
        for b in buffer {
            self.0 = self.0.wrapping_add(37);
            *b = self.0;
        }
    }
}

fn catalog() -> Catalog {
    parse_catalog(include_str!("../../../demo/catalog.toml")).unwrap()
}

fn demo() -> ClientId {
    ClientId::parse("demo").unwrap()
}

fn item(position: &str, item: &str, kind: &str) -> PriceListItemInput {
    PriceListItemInput {
        position: Some(position.into()),
        item: Some(item.into()),
        item_element_name: Some(kind.into()),
    }
}

/// The body of 004 §2.1.1.1 (with its missing comma fixed and a future expiry).
fn rest_example() -> PaymentRequestInput {
    PaymentRequestInput {
        service_step: Some("03G10".into()),
        price_list: vec![item("2346", "12.00", "Quantity")],
        client_info: Some(ClientInfoInput {
            client_name: Some("Paraudziņš".into()),
            client_first_name: Some("Ernests".into()),
            client_code: Some("07018710513".into()),
            client_email: Some("e@p.lv".into()),
            client_phone: Some("26620000".into()),
            client_address: Some("Rātslaukums 1, LV-1050, Rīga".into()),
        }),
        expiry_date: Some("2020-09-30T14:00:00+03:00".into()),
        no_invoice: true,
        payment_object: Some("DEM11 payment".into()),
        response_url: Some("https://tv-vraa.zzdats.lv/MMTests/S2S/?id=".into()),
        server_response_url: Some("https://tv-vraa.zzdats.lv/MMTests/S2S/ok1?id=".into()),
        return_redirect_url: Some("https://latvija.lv/EP21/".into()),
        swift_code: Some("DEMO0000".into()),
        allowed_banks: vec!["DEMO0000".into(), "FIRSTDATA".into(), "HABALV22".into()],
        ..Default::default()
    }
}

fn create(
    input: &PaymentRequestInput,
) -> Result<PaymentRequest, maksa_domain::error::ValidationErrors> {
    create_payment_request(
        input,
        &demo(),
        &catalog(),
        &CreationRules::default(),
        NOW,
        &mut Counter(0),
    )
}

fn codes_of(input: &PaymentRequestInput) -> Vec<(ValidationCode, String)> {
    create(input)
        .unwrap_err()
        .all()
        .iter()
        .map(|e| (e.code, e.field.clone()))
        .collect()
}

#[test]
fn the_rest_example_creates_one_payment() {
    let request = create(&rest_example()).unwrap();
    assert_eq!(request.status, Status::InProcess);
    assert_eq!(request.terms.total.minor(), 1200);
    assert_eq!(request.payments.len(), 1);
    let payment = &request.payments[0];
    assert_eq!(payment.purpose_id.as_str().len(), 34);
    assert!(
        payment
            .purpose_id
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    assert_eq!(
        payment.purpose,
        format!("{} DEM11 payment", payment.purpose_id)
    );
    assert_eq!(request.terms.expires_at, datetime!(2020-09-30 11:00:00 UTC));
    assert_eq!(
        request.terms.payer.code_check,
        Some(CodeCheck::PersonalCodeValid)
    );
    let allowed: Vec<&str> = request
        .terms
        .allowed_providers
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(allowed, ["DEMO0000", "FIRSTDATA", "HABALV22"]);
    assert_eq!(
        request
            .terms
            .preselected_provider
            .as_ref()
            .map(|p| p.as_str()),
        Some("DEMO0000")
    );
    assert_eq!(request.number.as_str().len(), 9);
}

#[test]
fn the_dotnet_example_mixes_quantity_and_amount() {
    let input = PaymentRequestInput {
        service_step: Some("DEM11".into()),
        price_list: vec![item("1", "4.56", "Quantity"), item("2", "0.54", "Amount")],
        client_info: Some(ClientInfoInput {
            client_code: Some("31129900000".into()),
            ..Default::default()
        }),
        response_url: Some("http://jusu-response-url".into()),
        server_response_url: Some("http://jusu-response-url-s2s".into()),
        return_redirect_url: Some("https://latvija.lv/EP21/".into()),
        ..Default::default()
    };
    let request = create(&input).unwrap();
    assert_eq!(request.terms.total.minor(), 456 + 54);
    assert_eq!(request.payments.len(), 1);
    // The originals' own example code fails the check; lenient clients keep it, recorded.
    assert_eq!(
        request.terms.payer.code_check,
        Some(CodeCheck::CheckDigitMismatch)
    );
    // No expiry given: the default validity applies.
    assert_eq!(
        request.terms.expires_at,
        NOW + CreationRules::default().default_validity
    );
    // No AllowedBanks: every contracted provider except cards.
    assert!(
        !request
            .terms
            .allowed_providers
            .iter()
            .any(|p| p.as_str() == "FIRSTDATA")
    );
    assert!(
        request
            .terms
            .allowed_providers
            .iter()
            .any(|p| p.as_str() == "HABALV22")
    );
}

#[test]
fn the_php_example_needs_two_payments_for_two_payees() {
    let input = PaymentRequestInput {
        service_step: Some("02Y70".into()),
        price_list: vec![item("53", "1", "Quantity"), item("54", "12.12", "Amount")],
        payment_object: Some("02Y70 payment".into()),
        ..Default::default()
    };
    let request = create(&input).unwrap();
    assert_eq!(request.payments.len(), 2);
    assert_eq!(request.payments[0].sequence, 1);
    assert_eq!(request.payments[1].sequence, 2);
    assert_eq!(request.payments[0].amount.minor(), 1500);
    assert_eq!(request.payments[1].amount.minor(), 1212);
    assert_ne!(
        request.payments[0].payee.iban,
        request.payments[1].payee.iban
    );
    assert_ne!(
        request.payments[0].purpose_id,
        request.payments[1].purpose_id
    );
    assert_eq!(request.terms.total.minor(), 2712);
    assert_eq!(
        request.payment_with_position("54").map(|p| p.sequence),
        Some(2)
    );
}

#[test]
fn strict_clients_refuse_failing_codes() {
    let mut catalog = catalog();
    catalog.contracts[0].strict_client_code = true;
    let mut input = rest_example();
    input.client_info.as_mut().unwrap().client_code = Some("31129900000".into());
    let errors = create_payment_request(
        &input,
        &demo(),
        &catalog,
        &CreationRules::default(),
        NOW,
        &mut Counter(0),
    )
    .unwrap_err();
    assert_eq!(errors.first().code, ValidationCode::InvalidClientCode);
    // A valid code passes in strict mode, with or without the dash.
    input.client_info.as_mut().unwrap().client_code = Some("070187-10513".into());
    assert!(
        create_payment_request(
            &input,
            &demo(),
            &catalog,
            &CreationRules::default(),
            NOW,
            &mut Counter(0)
        )
        .is_ok()
    );
}

#[test]
fn positions_must_belong_to_the_step() {
    let mut input = rest_example();
    input.price_list = vec![item("53", "1", "Quantity")];
    let errors = create(&input).unwrap_err();
    assert_eq!(errors.first().code, ValidationCode::UnknownPosition);
    assert!(
        errors
            .first()
            .message
            .contains("does not belong to service step `03G10`"),
        "{}",
        errors.first().message
    );
    input.price_list = vec![item("99999", "1", "Quantity")];
    assert_eq!(
        codes_of(&input),
        [(
            ValidationCode::UnknownPosition,
            "PriceList[0].Position".to_owned()
        )]
    );
}

#[test]
fn amounts_only_where_the_position_allows() {
    let mut input = rest_example();
    input.price_list = vec![item("2346", "5.00", "Amount")];
    assert_eq!(
        codes_of(&input),
        [(
            ValidationCode::AmountNotAllowed,
            "PriceList[0].ItemElementName".to_owned()
        )]
    );
    input.price_list = vec![item("123", "5.001", "Amount")];
    assert_eq!(codes_of(&input)[0].0, ValidationCode::InvalidField);
    input.price_list = vec![item("123", "0", "Amount")];
    assert_eq!(codes_of(&input)[0].0, ValidationCode::ZeroAmount);
    input.price_list = vec![item("2346", "-1", "Quantity")];
    assert_eq!(codes_of(&input)[0].0, ValidationCode::InvalidField);
    input.price_list = vec![item("2346", "1", "Pieces")];
    assert_eq!(codes_of(&input)[0].0, ValidationCode::InvalidField);
    input.price_list = vec![];
    assert_eq!(codes_of(&input)[0].0, ValidationCode::MissingField);
}

#[test]
fn expiry_must_be_in_the_future_and_a_bare_date_lasts_the_day() {
    let mut input = rest_example();
    input.expiry_date = Some("2020-08-01T00:00:00+3:00".into());
    assert_eq!(
        codes_of(&input),
        [(ValidationCode::ExpiryInPast, "ExpiryDate".to_owned())]
    );
    input.expiry_date = Some("2020-09-15".into());
    let request = create(&input).unwrap();
    assert_eq!(
        request.terms.expires_at,
        datetime!(2020-09-15 20:59:59.999999 UTC)
    );
    input.expiry_date = Some("next week".into());
    assert_eq!(codes_of(&input)[0].0, ValidationCode::InvalidField);
}

#[test]
fn banks_must_be_known_and_contracted() {
    let mut input = rest_example();
    input.allowed_banks = vec!["NOSUCHBANK".into()];
    assert_eq!(
        codes_of(&input),
        [(
            ValidationCode::UnknownBank,
            "AllowedBanks[0].SwiftCode".to_owned()
        )]
    );
    let mut catalog = catalog();
    catalog.contracts[0]
        .providers
        .retain(|p| p.as_str() != "HABALV22");
    let mut input = rest_example();
    input.allowed_banks = vec!["HABALV22".into()];
    let errors = create_payment_request(
        &input,
        &demo(),
        &catalog,
        &CreationRules::default(),
        NOW,
        &mut Counter(0),
    )
    .unwrap_err();
    assert_eq!(errors.first().code, ValidationCode::BankNotContracted);
}

#[test]
fn return_urls_must_lie_within_registered_origins() {
    let mut input = rest_example();
    input.response_url = Some("https://evil.example/?id=".into());
    assert_eq!(
        codes_of(&input),
        [(ValidationCode::UrlNotRegistered, "ResponseUrl".to_owned())]
    );
    let mut input = rest_example();
    input.return_redirect_url = Some("https://latvija.lv.evil.example/".into());
    assert_eq!(
        codes_of(&input),
        [(
            ValidationCode::UrlNotRegistered,
            "ReturnRedirectUrl".to_owned()
        )]
    );
    let mut input = rest_example();
    input.response_url = Some("javascript:alert(1)".into());
    assert_eq!(codes_of(&input)[0].0, ValidationCode::InvalidField);
    // The server-to-server URL is not a browser redirect; it is guarded when called.
    let mut input = rest_example();
    input.server_response_url = Some("https://elsewhere.example/s2s?id=".into());
    assert!(create(&input).is_ok());
}

#[test]
fn the_purpose_obeys_the_step_and_the_length_limit() {
    let mut input = rest_example();
    input.payment_object = Some("x".repeat(106));
    assert_eq!(
        codes_of(&input),
        [(
            ValidationCode::PaymentObjectTooLong,
            "PaymentObject".to_owned()
        )]
    );
    input.payment_object = Some("ā".repeat(105));
    let request = create(&input).unwrap();
    assert_eq!(request.payments[0].purpose.chars().count(), 140);
    // Swedbank gets 70 characters; the identifier survives the cut.
    let cut = request.payments[0].purpose_within(70);
    assert!(cut.starts_with(request.payments[0].purpose_id.as_str()));
    assert_eq!(cut.chars().count(), 70);
    // Step 00001 does not let the caller change the purpose.
    let input = PaymentRequestInput {
        service_step: Some("00001".into()),
        price_list: vec![item("1", "1", "Quantity")],
        payment_object: Some("my own purpose".into()),
        ..Default::default()
    };
    let request = create(&input).unwrap();
    assert!(
        request.payments[0]
            .purpose
            .ends_with(" Maksa par pakalpojumu")
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let input = PaymentRequestInput {
        service_step: Some("03G10".into()),
        price_list: vec![item("2346", "abc", "Quantity")],
        client_info: Some(ClientInfoInput {
            client_email: Some("not-an-email".into()),
            client_code: Some("12".into()),
            ..Default::default()
        }),
        expiry_date: Some("2000-01-01".into()),
        ..Default::default()
    };
    let fields: Vec<String> = codes_of(&input).into_iter().map(|(_, f)| f).collect();
    for expected in [
        "PriceList[0].Item",
        "ClientInfo.ClientEMail",
        "ClientInfo.ClientCode",
        "ExpiryDate",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} missing from {fields:?}"
        );
    }
    assert_eq!(
        codes_of(&PaymentRequestInput::default())[0],
        (ValidationCode::MissingField, "ServiceStep".to_owned())
    );
}

#[test]
fn a_client_without_contract_is_refused() {
    let other = ClientId::parse("stranger").unwrap();
    let errors = create_payment_request(
        &rest_example(),
        &other,
        &catalog(),
        &CreationRules::default(),
        NOW,
        &mut Counter(0),
    )
    .unwrap_err();
    assert_eq!(errors.first().code, ValidationCode::ServiceNotContracted);
}

proptest! {
    /// Totals are exact: the request total is the sum of its payments, each
    /// payment the sum of its lines, and every payee has exactly one payment.
    #[test]
    fn totals_are_exact(
        quantity_53 in 1_u32..1000,
        amount_54 in 1_u32..10_000_000,
        fraction in 0_u32..100,
    ) {
        let input = PaymentRequestInput {
            service_step: Some("02Y70".into()),
            price_list: vec![
                item("53", &format!("{quantity_53}.{fraction:02}"), "Quantity"),
                item("54", &format!("{}.{:02}", amount_54 / 100, amount_54 % 100), "Amount"),
                item("53", "1", "Quantity"),
            ],
            ..Default::default()
        };
        let request = create(&input).unwrap();
        let sum: i64 = request.payments.iter().map(|p| p.amount.minor()).sum();
        prop_assert_eq!(sum, request.terms.total.minor());
        for payment in &request.payments {
            let lines: i64 = payment.lines.iter().map(|l| l.amount.minor()).sum();
            prop_assert_eq!(lines, payment.amount.minor());
        }
        prop_assert_eq!(request.payments.len(), 2);
        // 15.00 × quantity, rounded half up to cents: (1500 × (q×100 + f) + 50) / 100.
        let q_hundredths = i64::from(quantity_53) * 100 + i64::from(fraction);
        let expected_53 = (1500 * q_hundredths + 50) / 100 + 1500;
        prop_assert_eq!(request.payments[0].amount.minor(), expected_53);
        prop_assert_eq!(request.payments[1].amount.minor(), i64::from(amount_54));
    }
}
