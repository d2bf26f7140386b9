//! Documents to render: a rich one with every Latvian diacritic, long texts,
//! two payments (one paid, one not), a quantity line, a fractional quantity
//! and an amount line; variants of it.

use maksa_domain::document::{
    DocumentKind, DocumentLine, DocumentPayment, JustificationDocument, Party,
};
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency, Quantity};
use maksa_domain::status::Status;
use time::macros::datetime;

pub const PURPOSE_ID_1: &str = "MK20261120ABCDEFGHJKMNPQRSTUVWXYZ2";
pub const PURPOSE_ID_2: &str = "MK20261120Z9Y8X7W6V5U4T3S2R1Q9P8N7";

pub fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

fn line(
    position: &str,
    name: &str,
    quantity: Option<&str>,
    unit: &str,
    total: &str,
) -> DocumentLine {
    DocumentLine {
        position: position.to_owned(),
        name: name.to_owned(),
        quantity: quantity.map(|q| Quantity::parse(q).unwrap()),
        unit_price: amount(unit),
        amount: amount(total),
    }
}

/// An invoice for a request that is half paid: payment 1 paid through the
/// demo bank, payment 2 not yet.
pub fn rich(kind: DocumentKind) -> JustificationDocument {
    assert_eq!(PURPOSE_ID_1.len(), 34);
    assert_eq!(PURPOSE_ID_2.len(), 34);
    let purpose_1 = format!(
        "{PURPOSE_ID_1} Valsts nodeva par pases izsniegšanu steidzamības kārtā; Ģirts Ķēniņš-Žūriņa, pieteikums Nr. 2026/123456"
    );
    assert!(purpose_1.chars().count() <= 140);
    let purpose_2 = format!("{PURPOSE_ID_2} Kancelejas nodeva „steidzami“");
    JustificationDocument {
        kind,
        number: "MK-7QX2-J9PA-1".to_owned(),
        version: 1,
        issued_at: datetime!(2026-11-23 10:15:30 UTC),
        // 2026-11-20 in Riga.
        invoice_issue_date: Some(datetime!(2026-11-19 22:00 UTC)),
        request_id: PaymentRequestId::parse("3f2c9a4e-8b1d-4c6f-9e2a-5d7b0c1e4f8a").unwrap(),
        request_number: "7QX2-J9PA".to_owned(),
        request_created_at: datetime!(2026-11-20 08:05 UTC),
        expires_at: datetime!(2026-12-20 21:59:59 UTC),
        status: Status::InProcess,
        paid_at: None,
        issuer: Party {
            name: "Valsts digitālās attīstības aģentūra".to_owned(),
            code: Some("90001234567".to_owned()),
            address: Some("Pulkveža Brieža iela 12, Rīga, LV-1010".to_owned()),
        },
        service_provider: Party {
            name: "Pilsonības un migrācijas lietu pārvalde".to_owned(),
            code: Some("90000024205".to_owned()),
            address: Some("Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026".to_owned()),
        },
        service_name: "Pases izsniegšana".to_owned(),
        step_name: "Valsts nodevas samaksa".to_owned(),
        recipient: Party {
            name: "Ģirts Ķēniņš-Žūriņa".to_owned(),
            code: Some("161175-19997".to_owned()),
            address: Some("Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026, Latvija".to_owned()),
        },
        payments: vec![
            DocumentPayment {
                sequence: 1,
                purpose_id: PURPOSE_ID_1.to_owned(),
                purpose: purpose_1,
                payee_name: "Pilsonības un migrācijas lietu pārvalde".to_owned(),
                payee_registration_number: "90000024205".to_owned(),
                payee_iban: "LV12TREL1060000000001".to_owned(),
                payee_bic: "TRELLV22".to_owned(),
                amount: amount("65.70"),
                status: Status::Executed,
                paid_at: Some(datetime!(2026-11-21 09:41:07 UTC)),
                provider: Some("Demo banka".to_owned()),
                settled_on: None,
                settlement_reference: None,
                lines: vec![
                    line(
                        "PMLP-001",
                        "Pases izsniegšana steidzamības kārtā (ĀČĒĢĪĶĻŅŠŪŽ)",
                        Some("1"),
                        "60.00",
                        "60.00",
                    ),
                    line(
                        "PMLP-014",
                        "Fotogrāfija dokumentam",
                        Some("4.56"),
                        "1.25",
                        "5.70",
                    ),
                ],
            },
            DocumentPayment {
                sequence: 2,
                purpose_id: PURPOSE_ID_2.to_owned(),
                purpose: purpose_2,
                payee_name: "Rīgas valstspilsētas pašvaldība".to_owned(),
                payee_registration_number: "90011524360".to_owned(),
                payee_iban: "LV45TREL9800000000002".to_owned(),
                payee_bic: "TRELLV22".to_owned(),
                amount: amount("12.34"),
                status: Status::InProcess,
                paid_at: None,
                provider: None,
                settled_on: None,
                settlement_reference: None,
                lines: vec![line(
                    "NOD-7",
                    "Kancelejas nodeva „steidzami“ — āčēģīķļņšūž",
                    None,
                    "12.34",
                    "12.34",
                )],
            },
        ],
        total: amount("78.04"),
        currency: Currency::EUR,
    }
}

/// The receipt of the same request once both payments are made.
pub fn paid_receipt() -> JustificationDocument {
    let mut document = rich(DocumentKind::Receipt);
    document.status = Status::Executed;
    document.invoice_issue_date = None;
    document.payments[1].status = Status::Executed;
    document.payments[1].paid_at = Some(datetime!(2026-11-22 17:03 UTC));
    document.payments[1].provider = Some("Swedbank".to_owned());
    document.paid_at = Some(datetime!(2026-11-22 17:03 UTC));
    document
}

/// The paid receipt after a Treasury statement: payment 1's money was booked
/// on 2026-11-24 under the bank's reference `R-EXACT 1`; payment 2's only by
/// a reference (no booking day given).
pub fn settled_receipt() -> JustificationDocument {
    let mut document = paid_receipt();
    document.payments[0].settled_on = Some(time::macros::date!(2026 - 11 - 24));
    document.payments[0].settlement_reference = Some("R-EXACT 1".to_owned());
    document.payments[1].settlement_reference = Some("R&<2>".to_owned());
    document
}

/// An invoice with no optional field at all.
pub fn bare_invoice() -> JustificationDocument {
    let mut document = rich(DocumentKind::Invoice);
    document.invoice_issue_date = None;
    document.paid_at = None;
    document.issuer.code = None;
    document.issuer.address = None;
    document.service_provider.code = None;
    document.service_provider.address = None;
    document.recipient = Party {
        name: "Jānis Bērziņš".to_owned(),
        code: None,
        address: None,
    };
    for payment in &mut document.payments {
        payment.status = Status::InProcess;
        payment.paid_at = None;
        payment.provider = None;
        for line in &mut payment.lines {
            line.quantity = None;
        }
    }
    document
}

/// Markup characters and control characters in every kind of text field.
pub fn with_special_characters() -> JustificationDocument {
    let mut document = rich(DocumentKind::Invoice);
    document.recipient.name = r#"SIA "A&B <Tests>" 'x'"#.to_owned();
    document.recipient.address = Some("Iela 1 & 2 <dzīvoklis> \u{1}\u{1b}".to_owned());
    document.service_name = "Pakalpojums <b>&amp;</b>".to_owned();
    document.payments[0].lines[0].name = "Pozīcija ]]> & \"citāts\" 'x'".to_owned();
    document.payments[1].purpose = format!("{PURPOSE_ID_2} A&B <c> \"d\" 'e'");
    document
}

/// `count` positions over two payments: enough for several pages.
pub fn long(count: usize) -> JustificationDocument {
    let mut document = rich(DocumentKind::Invoice);
    let template = document.payments[0].lines[0].clone();
    for payment in &mut document.payments {
        payment.lines.clear();
    }
    for i in 1..=count {
        let mut line = template.clone();
        line.position = format!("POZ-{i:04}");
        line.name = if i % 7 == 0 {
            format!(
                "Pozīcija numur {i}: ļoti garš nosaukums, kas noteikti neietilpst vienā rindā un tāpēc tiek pārnests nākamajā rindā"
            )
        } else {
            format!("Pozīcija numur {i}")
        };
        let payment = if i <= count / 2 { 0 } else { 1 };
        document.payments[payment].lines.push(line);
    }
    document
}

/// Names, addresses and a position far longer than their columns.
pub fn long_texts() -> JustificationDocument {
    let mut document = rich(DocumentKind::Invoice);
    document.recipient.address =
        Some("Ļoti gara adrese ar daudziem vārdiem, kas turpinās un turpinās, ".repeat(6));
    document.issuer.name = "Valsts digitālās attīstības aģentūras ļoti garais nosaukums ".repeat(3);
    document.payments[0].lines[0].name = "Ārkārtīgi garš pozīcijas nosaukums ".repeat(8);
    document.payments[0].lines[0].position = "KODS-AR-ĻOTI-GARU-NOSAUKUMU-BEZ-ATSTARPĒM".to_owned();
    document.payments[1].payee_name = "Pašvaldības iestāde ar ļoti garu nosaukumu ".repeat(4);
    document
}
