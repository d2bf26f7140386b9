//! The words printed on a PDF, in Latvian and in English.

use maksa_app::documents::DocumentLanguage;
use maksa_domain::document::DocumentKind;
use maksa_domain::status::Status;

pub(crate) struct Labels {
    pub receipt: &'static str,
    pub invoice: &'static str,
    pub document: &'static str,
    pub number: &'static str,
    pub version: &'static str,
    pub issued_at: &'static str,
    pub invoice_issue_date: &'static str,
    pub request: &'static str,
    pub request_id: &'static str,
    pub created_at: &'static str,
    pub expires_at: &'static str,
    pub status: &'static str,
    pub paid_at: &'static str,
    pub issuer: &'static str,
    pub service_provider: &'static str,
    pub service: &'static str,
    pub step: &'static str,
    pub payer: &'static str,
    pub recipient: &'static str,
    pub registration_number: &'static str,
    pub code: &'static str,
    pub address: &'static str,
    pub column_code: &'static str,
    pub column_name: &'static str,
    pub column_quantity: &'static str,
    pub column_unit_price: &'static str,
    pub column_amount: &'static str,
    pub total: &'static str,
    pub payments: &'static str,
    /// Followed by the payment's sequence number (English) or preceded by it
    /// (Latvian): see [`Labels::payment`].
    payment: &'static str,
    /// Latvian ordinals come first: "1. maksājums".
    ordinal_first: bool,
    pub purpose: &'static str,
    pub payee: &'static str,
    pub payment_date: &'static str,
    pub not_paid: &'static str,
    pub provider: &'static str,
    /// Where the payment's money was seen: a settlement line starts with it.
    pub settled: &'static str,
    /// Before the bank's reference of the settling entry.
    pub settlement_reference: &'static str,
    pub page: &'static str,
    pub continued: &'static str,
    status_words: [&'static str; 5],
}

static LATVIAN: Labels = Labels {
    receipt: "Maksājuma apliecinājums",
    invoice: "Rēķins",
    document: "Dokuments",
    number: "Numurs",
    version: "Versija",
    issued_at: "Izsniegts",
    invoice_issue_date: "Rēķina datums",
    request: "Maksājuma pieprasījums",
    request_id: "ID",
    created_at: "Izveidots",
    expires_at: "Derīgs līdz",
    status: "Statuss",
    paid_at: "Apmaksāts",
    issuer: "Izsniedzējs",
    service_provider: "Pakalpojuma sniedzējs",
    service: "Pakalpojums",
    step: "Solis",
    payer: "Maksātājs",
    recipient: "Saņēmējs",
    registration_number: "Reģ. nr.",
    code: "Kods",
    address: "Adrese",
    column_code: "Kods",
    column_name: "Nosaukums",
    column_quantity: "Daudzums",
    column_unit_price: "Cena",
    column_amount: "Summa",
    total: "Kopā",
    payments: "Maksājumi",
    payment: "maksājums",
    ordinal_first: true,
    purpose: "Maksājuma mērķis",
    payee: "Maksājuma saņēmējs",
    payment_date: "Apmaksas datums",
    not_paid: "nav apmaksāts",
    provider: "Maksājumu pakalpojumu sniedzējs",
    settled: "Nauda saņemta Valsts kases kontā",
    settlement_reference: "atsauce",
    page: "Lapa",
    continued: "turpinājums",
    status_words: [
        "Nav apmaksāts",
        "Apmaksāts",
        "Beidzies derīguma termiņš",
        "Cits iznākums",
        "Atcelts",
    ],
};

static ENGLISH: Labels = Labels {
    receipt: "Payment receipt",
    invoice: "Invoice",
    document: "Document",
    number: "Number",
    version: "Version",
    issued_at: "Issued",
    invoice_issue_date: "Invoice date",
    request: "Payment request",
    request_id: "ID",
    created_at: "Created",
    expires_at: "Valid until",
    status: "Status",
    paid_at: "Paid",
    issuer: "Issuer",
    service_provider: "Service provider",
    service: "Service",
    step: "Step",
    payer: "Payer",
    recipient: "Recipient",
    registration_number: "Reg. no.",
    code: "Code",
    address: "Address",
    column_code: "Code",
    column_name: "Description",
    column_quantity: "Quantity",
    column_unit_price: "Unit price",
    column_amount: "Amount",
    total: "Total",
    payments: "Payments",
    payment: "Payment",
    ordinal_first: false,
    purpose: "Payment purpose",
    payee: "Payee",
    payment_date: "Payment date",
    not_paid: "not paid",
    provider: "Payment provider",
    settled: "Received on the Treasury account",
    settlement_reference: "reference",
    page: "Page",
    continued: "continued",
    status_words: ["Not paid", "Paid", "Expired", "Other outcome", "Cancelled"],
};

impl Labels {
    pub fn of(language: DocumentLanguage) -> &'static Labels {
        match language {
            DocumentLanguage::Latvian => &LATVIAN,
            DocumentLanguage::English => &ENGLISH,
        }
    }

    pub fn title(&self, kind: DocumentKind) -> &'static str {
        match kind {
            DocumentKind::Receipt => self.receipt,
            DocumentKind::Invoice => self.invoice,
        }
    }

    /// Who the document is made out to: the payer on a receipt, the named
    /// recipient on an invoice.
    pub fn addressee(&self, kind: DocumentKind) -> &'static str {
        match kind {
            DocumentKind::Receipt => self.payer,
            DocumentKind::Invoice => self.recipient,
        }
    }

    /// "1. maksājums" / "Payment 1".
    pub fn payment(&self, sequence: u16) -> String {
        if self.ordinal_first {
            format!("{sequence}. {}", self.payment)
        } else {
            format!("{} {sequence}", self.payment)
        }
    }

    /// "Nauda saņemta Valsts kases kontā: 2026-11-30 (atsauce R-1)", with
    /// the parts the settlement has: the day, the reference, or both.
    pub fn settlement(&self, day: Option<&str>, reference: Option<&str>) -> String {
        let mut text = self.settled.to_owned();
        if let Some(day) = day {
            text.push_str(": ");
            text.push_str(day);
        }
        if let Some(reference) = reference {
            text.push_str(" (");
            text.push_str(self.settlement_reference);
            text.push(' ');
            text.push_str(reference);
            text.push(')');
        }
        text
    }

    pub fn status(&self, status: Status) -> &'static str {
        let index = match status {
            Status::InProcess => 0,
            Status::Executed => 1,
            Status::Expired => 2,
            Status::Other => 3,
            Status::Cancelled => 4,
        };
        self.status_words[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_headings_follow_each_languages_word_order() {
        assert_eq!(
            Labels::of(DocumentLanguage::Latvian).payment(2),
            "2. maksājums"
        );
        assert_eq!(
            Labels::of(DocumentLanguage::English).payment(2),
            "Payment 2"
        );
    }

    #[test]
    fn a_settlement_line_shows_what_the_entry_has() {
        let latvian = Labels::of(DocumentLanguage::Latvian);
        let english = Labels::of(DocumentLanguage::English);
        assert_eq!(
            latvian.settlement(Some("2026-11-30"), Some("R-EXACT")),
            "Nauda saņemta Valsts kases kontā: 2026-11-30 (atsauce R-EXACT)"
        );
        assert_eq!(
            english.settlement(Some("2026-11-30"), Some("R-EXACT")),
            "Received on the Treasury account: 2026-11-30 (reference R-EXACT)"
        );
        assert_eq!(
            english.settlement(Some("2026-11-30"), None),
            "Received on the Treasury account: 2026-11-30"
        );
        assert_eq!(
            english.settlement(None, Some("R-1")),
            "Received on the Treasury account (reference R-1)"
        );
    }
}
