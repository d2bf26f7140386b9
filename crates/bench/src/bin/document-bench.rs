//! Justification document rendering rate: N documents of the usual shape (two
//! payments, three positions, Latvian names and addresses) rendered as PDF
//! and as XML, on one thread and on every core, with the PDFs' sizes.
//!
//! `cargo run --release -p maksa-bench --bin document-bench -- [N]` (N = 2000)

use maksa_app::documents::DocumentLanguage;
use maksa_documents::{render_pdf, render_xml};
use maksa_domain::document::{
    DocumentKind, DocumentLine, DocumentPayment, JustificationDocument, Party,
};
use maksa_domain::ids::PaymentRequestId;
use maksa_domain::money::{Amount, Currency, Quantity};
use maksa_domain::status::Status;
use std::time::{Duration, Instant};
use time::macros::datetime;

fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(2000)
        .max(1);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let documents = (0..count).map(document).collect::<Result<Vec<_>, _>>()?;
    println!(
        "{count} documents (2 payments, 3 positions), {threads} core(s), {} build",
        if cfg!(debug_assertions) {
            "DEBUG"
        } else {
            "release"
        }
    );

    // Warm up: fonts parsed, caches and allocator settled.
    for d in documents.iter().take(50) {
        render_pdf(d, DocumentLanguage::Latvian)?;
    }

    let pdf = |d: &JustificationDocument| -> anyhow::Result<usize> {
        Ok(render_pdf(d, DocumentLanguage::Latvian)?.len())
    };
    let xml = |d: &JustificationDocument| -> anyhow::Result<usize> { Ok(render_xml(d).len()) };

    let (took, mut pdf_sizes) = single(&documents, pdf)?;
    report("PDF, 1 thread", count, took);
    let took = parallel(&documents, threads, pdf)?;
    report(&format!("PDF, {threads} threads"), count, took);
    let (took, xml_sizes) = single(&documents, xml)?;
    report("XML, 1 thread", count, took);
    let took = parallel(&documents, threads, xml)?;
    report(&format!("XML, {threads} threads"), count, took);

    pdf_sizes.sort_unstable();
    let english = render_pdf(&documents[0], DocumentLanguage::English)?.len();
    println!(
        "PDF bytes: min {}, typical {}, max {} (English: {english}); XML bytes: typical {}",
        pdf_sizes[0],
        pdf_sizes[pdf_sizes.len() / 2],
        pdf_sizes[pdf_sizes.len() - 1],
        xml_sizes[xml_sizes.len() / 2],
    );
    let long = long_document(120)?;
    let started = Instant::now();
    let long_pdf = render_pdf(&long, DocumentLanguage::Latvian)?;
    let long_took = started.elapsed();
    println!(
        "120 positions: PDF {} bytes, {} pages, rendered in {} µs",
        long_pdf.len(),
        count_pages(&long_pdf),
        long_took.as_micros()
    );
    Ok(())
}

fn single(
    documents: &[JustificationDocument],
    render: impl Fn(&JustificationDocument) -> anyhow::Result<usize>,
) -> anyhow::Result<(Duration, Vec<usize>)> {
    let started = Instant::now();
    let sizes = documents
        .iter()
        .map(render)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((started.elapsed(), sizes))
}

fn parallel(
    documents: &[JustificationDocument],
    threads: usize,
    render: impl Fn(&JustificationDocument) -> anyhow::Result<usize> + Sync,
) -> anyhow::Result<Duration> {
    let chunk = documents.len().div_ceil(threads);
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers = documents
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().try_for_each(|d| render(d).map(|_| ()))))
            .collect::<Vec<_>>();
        workers.into_iter().try_for_each(|worker| {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a rendering thread panicked"))?
        })
    })?;
    Ok(started.elapsed())
}

fn report(what: &str, count: usize, took: Duration) {
    let micros = took.as_micros().max(1);
    let count = u128::try_from(count).unwrap_or(u128::MAX);
    println!(
        "{what:<16} {:>8} documents/s   {:>6} µs per document   ({} ms in all)",
        count * 1_000_000 / micros,
        micros / count.max(1),
        took.as_millis()
    );
}

fn count_pages(pdf: &[u8]) -> usize {
    pdf.windows(b"/Type /Page\n".len())
        .filter(|w| *w == b"/Type /Page\n")
        .count()
}

fn amount(text: &str) -> anyhow::Result<Amount> {
    Ok(Amount::parse(text)?)
}

fn line(
    position: &str,
    name: &str,
    quantity: Option<&str>,
    unit: &str,
    total: &str,
) -> anyhow::Result<DocumentLine> {
    Ok(DocumentLine {
        position: position.to_owned(),
        name: name.to_owned(),
        quantity: quantity.map(Quantity::parse).transpose()?,
        unit_price: amount(unit)?,
        amount: amount(total)?,
    })
}

/// The `i`th document: the usual shape, its own number.
fn document(i: usize) -> anyhow::Result<JustificationDocument> {
    let number = format!("{:04}-{:04}", i / 10_000, i % 10_000);
    let id_1 = format!("MK20261120ABCDEFGHJKMNPQRST{:07}", i);
    let id_2 = format!("MK20261120Z9Y8X7W6V5U4T3S2R{:07}", i);
    Ok(JustificationDocument {
        kind: DocumentKind::Receipt,
        number: format!("MK-{number}-1"),
        version: 1,
        issued_at: datetime!(2026-11-23 10:15:30 UTC),
        invoice_issue_date: Some(datetime!(2026-11-19 22:00 UTC)),
        request_id: PaymentRequestId::parse("3f2c9a4e-8b1d-4c6f-9e2a-5d7b0c1e4f8a")
            .ok_or_else(|| anyhow::anyhow!("bad GUID"))?,
        request_number: number,
        request_created_at: datetime!(2026-11-20 08:05 UTC),
        expires_at: datetime!(2026-12-20 21:59:59 UTC),
        status: Status::Executed,
        paid_at: Some(datetime!(2026-11-22 17:03 UTC)),
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
            name: format!("Ģirts Ķēniņš-Žūriņa {i}"),
            code: Some("161175-19997".to_owned()),
            address: Some("Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026, Latvija".to_owned()),
        },
        payments: vec![
            DocumentPayment {
                sequence: 1,
                purpose: format!(
                    "{id_1} Valsts nodeva par pases izsniegšanu steidzamības kārtā; pieteikums Nr. 2026/{i}"
                ),
                purpose_id: id_1,
                payee_name: "Pilsonības un migrācijas lietu pārvalde".to_owned(),
                payee_registration_number: "90000024205".to_owned(),
                payee_iban: "LV12TREL1060000000001".to_owned(),
                payee_bic: "TRELLV22".to_owned(),
                amount: amount("65.70")?,
                status: Status::Executed,
                paid_at: Some(datetime!(2026-11-21 09:41:07 UTC)),
                provider: Some("Demo banka".to_owned()),
                settled_on: None,
                settlement_reference: None,
                lines: vec![
                    line(
                        "PMLP-001",
                        "Pases izsniegšana steidzamības kārtā",
                        Some("1"),
                        "60.00",
                        "60.00",
                    )?,
                    line(
                        "PMLP-014",
                        "Fotogrāfija dokumentam",
                        Some("4.56"),
                        "1.25",
                        "5.70",
                    )?,
                ],
            },
            DocumentPayment {
                sequence: 2,
                purpose: format!("{id_2} Kancelejas nodeva „steidzami“"),
                purpose_id: id_2,
                payee_name: "Rīgas valstspilsētas pašvaldība".to_owned(),
                payee_registration_number: "90011524360".to_owned(),
                payee_iban: "LV45TREL9800000000002".to_owned(),
                payee_bic: "TRELLV22".to_owned(),
                amount: amount("12.34")?,
                status: Status::Executed,
                paid_at: Some(datetime!(2026-11-22 17:03 UTC)),
                provider: Some("Swedbank".to_owned()),
                settled_on: None,
                settlement_reference: None,
                lines: vec![line(
                    "NOD-7",
                    "Kancelejas nodeva „steidzami“",
                    None,
                    "12.34",
                    "12.34",
                )?],
            },
        ],
        total: amount("78.04")?,
        currency: Currency::EUR,
    })
}

/// The same request with `count` positions.
fn long_document(count: usize) -> anyhow::Result<JustificationDocument> {
    let mut document = document(0)?;
    let template = document.payments[0].lines[0].clone();
    for payment in &mut document.payments {
        payment.lines.clear();
    }
    for i in 1..=count {
        let mut line = template.clone();
        line.position = format!("POZ-{i:04}");
        line.name = format!("Pozīcija numur {i}");
        document.payments[usize::from(i > count / 2)]
            .lines
            .push(line);
    }
    Ok(document)
}
