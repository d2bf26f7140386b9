//! The payer's pages at `PaymentRequestUrl` (`crate::pages`): the frame with
//! its settings bar, the request page at every stage, the hand-off to the
//! bank, and the refusals. Sentences with a value inside are the functions at
//! the end: the words stay here, the page gives the values.

use super::{Lang, Text};
use crate::text;
use maud::{Markup, html};

// ── The frame ────────────────────────────────────────────────────────────────
text!(BRAND, "Maksājumu modulis", "Payment module");
text!(SWITCH_LANGUAGE, "English", "Latviski");
text!(SETTINGS, "Lapas iestatījumi", "Page settings");
text!(TEXT_SIZE, "Burtu lielums", "Text size");
text!(COLOURS, "Krāsas", "Colours");
text!(COLOURS_STANDARD, "parastās", "standard");
text!(BLACK_ON_YELLOW, "melns uz dzeltena", "black on yellow");
text!(YELLOW_ON_BLACK, "dzeltens uz melna", "yellow on black");

// ── The request page: titles by stage ───────────────────────────────────────
text!(TITLE_CHOOSE, "Maksājuma veikšana", "Making a payment");
text!(
    TITLE_IN_PROGRESS,
    "Maksājums tiek apstrādāts",
    "Payment in progress"
);
text!(TITLE_PAID, "Maksājums veikts", "Payment complete");
text!(
    TITLE_EXPIRED,
    "Maksājuma termiņš beidzies",
    "Payment request expired"
);
text!(
    TITLE_CANCELLED,
    "Maksājums atcelts",
    "Payment request cancelled"
);
text!(
    TITLE_OTHER,
    "Maksājums nav pabeigts",
    "Payment not completed"
);

// ── What the bank answered, on the way back ─────────────────────────────────
text!(
    OUTCOME_EXECUTED,
    "Banka apstiprināja maksājumu.",
    "The bank confirmed the payment."
);
text!(
    OUTCOME_REJECTED,
    "Maksājums netika veikts: banka to noraidīja vai jūs to atcēlāt. Naudu nenoņēma. Varat mēģināt vēlreiz.",
    "The payment was not made: the bank rejected it or you cancelled it. No money was taken. You can try again."
);
text!(
    OUTCOME_ACCEPTED,
    "Banka maksājumu pieņēma apstrādei. Tiklīdz tas būs izpildīts, šī lapa to parādīs.",
    "The bank accepted the payment for processing. This page will show when it is done."
);

// ── Notices after a refused action (`notice=`) ──────────────────────────────
text!(
    NOTICE_IN_PROGRESS,
    "Šis maksājums jau ir uzsākts bankā; tas nav jāmaksā vēlreiz.",
    "This payment has already been started at a bank; do not pay it again."
);
text!(
    NOTICE_ALREADY_PAID,
    "Šis maksājums jau ir veikts.",
    "This payment is already made."
);
text!(
    NOTICE_EXPIRED,
    "Maksājuma termiņš ir beidzies.",
    "The payment request has expired."
);
text!(
    NOTICE_PROVIDER_NOT_OFFERED,
    "Lūdzu, izvēlieties vienu no piedāvātajām bankām.",
    "Please choose one of the offered banks."
);
text!(
    NOTICE_NOT_PAYABLE,
    "Šo maksājumu nevar apmaksāt.",
    "This payment cannot be paid."
);
text!(
    NOTICE_PROVIDER_UNAVAILABLE,
    "Banka pašlaik neatbild. Lūdzu, izvēlieties citu banku vai mēģiniet vēlāk.",
    "The bank is not answering right now. Please choose another bank or try again later."
);
// Also the notice `REQUEST_FINAL`.
text!(
    NO_LONGER_PAYABLE,
    "Šo maksājuma pieprasījumu vairs nevar apmaksāt.",
    "This payment request can no longer be paid."
);

// ── The request's summary and its payments ──────────────────────────────────
text!(
    SERVICE_PROVIDER,
    "Pakalpojuma sniedzējs",
    "Service provider"
);
text!(SERVICE, "Pakalpojums", "Service");
text!(REQUEST_NUMBER, "Pieprasījuma numurs", "Request number");
text!(PAYER, "Maksātājs", "Payer");
text!(TOTAL_TO_PAY, "Kopā apmaksai", "Total to pay");
text!(PAYMENT, "Maksājums", "Payment");
text!(PAYEE, "Maksājuma saņēmējs", "Payee");
text!(PAID, "samaksāts", "paid");
text!(ITEM, "Pozīcija", "Item");
text!(QUANTITY, "Daudzums", "Quantity");
text!(UNIT_PRICE, "Cena", "Unit price");
text!(AMOUNT, "Summa", "Amount");
text!(PAYMENT_AMOUNT, "Maksājuma summa", "Payment amount");
text!(OF, "no", "of");

// ── Choosing a bank ─────────────────────────────────────────────────────────
text!(
    NO_PROVIDERS,
    "Šim pieprasījumam nav pieejamu maksājumu veidu. Lūdzu, sazinieties ar pakalpojuma sniedzēju.",
    "No payment method is available for this request. Please contact the service provider."
);
text!(
    CHOOSE_PROVIDER,
    "Izvēlieties banku vai maksājuma veidu",
    "Choose a bank or payment method"
);
text!(PAY, "Maksāt", "Pay");

// ── A payment under way ─────────────────────────────────────────────────────
text!(
    STARTED_AT,
    "Maksājums ir uzsākts bankā",
    "The payment was started at"
);
text!(
    STARTED_WAIT,
    "Kamēr banka nav atbildējusi, to nevar uzsākt vēlreiz.",
    "Until the bank answers, it cannot be started again."
);
text!(CHECK_STATUS, "Pārbaudīt statusu", "Check the status");

// ── The end of the flow ─────────────────────────────────────────────────────
text!(
    PAID_THANKS,
    "Paldies! Maksājums ir veikts. Pakalpojuma sniedzējs saņems apstiprinājumu.",
    "Thank you! The payment is complete. The service provider will be notified."
);
text!(
    EXPIRED,
    "Šī maksājuma pieprasījuma derīguma termiņš ir beidzies; to vairs nevar apmaksāt.",
    "This payment request has expired and can no longer be paid."
);
text!(
    CANCELLED,
    "Pakalpojuma sniedzējs šo maksājuma pieprasījumu ir atcēlis; to nevar apmaksāt.",
    "The service provider cancelled this payment request; it cannot be paid."
);
text!(
    RETURN_TO_SERVICE,
    "Atgriezties pie pakalpojuma sniedzēja",
    "Return to the service provider"
);
text!(
    COUNTDOWN_BEFORE,
    "Jūs tiksiet novirzīts atpakaļ pēc",
    "You will be taken back in"
);
text!(COUNTDOWN_AFTER, "sekundēm.", "seconds.");
text!(STAY, "Palikt šajā lapā", "Stay on this page");

// ── Going to the bank ───────────────────────────────────────────────────────
text!(GOING_TO_BANK, "Pāreja uz banku", "Going to the bank");
text!(
    GOING_TO_BANK_TEXT,
    "Jūs tūlīt tiksiet pārvirzīts uz banku. Ja tas nenotiek, nospiediet pogu.",
    "You are being taken to the bank. If nothing happens, press the button."
);
text!(
    CONTINUE_TO_BANK,
    "Turpināt uz banku",
    "Continue to the bank"
);
text!(
    CHOOSE_ANOTHER,
    "Izvēlēties citu maksājuma veidu",
    "Choose another payment method"
);

// ── Refusals ────────────────────────────────────────────────────────────────
text!(
    STALE_TITLE,
    "Lapa ir novecojusi",
    "This page is out of date"
);
text!(
    STALE_TEXT,
    "Drošības nolūkos lūdzam atvērt maksājuma lapu no jauna.",
    "For your safety, please open the payment page again."
);
text!(OPEN_PAGE, "Atvērt maksājuma lapu", "Open the payment page");
text!(
    NOT_FOUND_TITLE,
    "Pieprasījums nav atrasts",
    "Request not found"
);
text!(
    NOT_FOUND_TEXT,
    "Šāds maksājuma pieprasījums nav atrasts. Pārbaudiet saiti, ko saņēmāt no pakalpojuma sniedzēja.",
    "No such payment request. Check the link you received from the service provider."
);
text!(
    REFUSED_TITLE,
    "Bankas atbilde netika pieņemta",
    "The bank's answer was not accepted"
);
text!(
    REFUSED_TEXT,
    "Bankas atbildi nevarēja pārbaudīt, tāpēc tā netika ņemta vērā. Ja nauda ir noņemta, maksājums tiks apstrādāts, kad banka to apstiprinās.",
    "The bank's answer could not be verified, so it was ignored. If money was taken, the payment will be processed when the bank confirms it."
);
text!(
    UNAVAILABLE_TITLE,
    "Pakalpojums īslaicīgi nav pieejams",
    "Temporarily unavailable"
);
text!(
    UNAVAILABLE_TEXT,
    "Lūdzu, mēģiniet vēlreiz pēc brīža.",
    "Please try again in a moment."
);
text!(BAD_REQUEST_TITLE, "Nepareizs pieprasījums", "Bad request");
text!(
    BAD_REQUEST_TEXT,
    "Šo darbību nevar izpildīt.",
    "This action cannot be carried out."
);

// ── Sentences with values ───────────────────────────────────────────────────

/// `Maksājums 1 no 2` / `Payment 1 of 2`.
pub fn progress(lang: Lang, sequence: u16, count: usize) -> Markup {
    html! { (lang.of(&PAYMENT)) " " (sequence) " " (lang.of(&OF)) " " (count) }
}

/// A payment table's caption: `Payment 1 / 2 — payee` when the request has
/// several, else `Payee — payee`.
pub fn payment_caption(lang: Lang, sequence: u16, count: usize, payee: &str) -> Markup {
    html! {
        @if count > 1 {
            (lang.of(&PAYMENT)) " " (sequence) " / " (count) " — " (payee)
        } @else {
            (lang.of(&PAYEE)) " — " (payee)
        }
    }
}

/// `Total to pay: <strong>12.00 EUR</strong>`.
pub fn total(lang: Lang, amount: &str) -> Markup {
    html! { (lang.of(&TOTAL_TO_PAY)) ": " strong data-field="total" { (amount) } }
}

/// The button of the choice form: `Pay 12.00 EUR`.
pub fn pay(lang: Lang, amount: &str) -> Markup {
    html! { (lang.of(&PAY)) " " (amount) }
}

/// `The payment was started at <strong>bank</strong>. Until the bank answers, …`
pub fn started_at(lang: Lang, provider: &str) -> Markup {
    html! {
        (lang.of(&STARTED_AT)) " " strong { (provider) } ". " (lang.of(&STARTED_WAIT))
    }
}

/// `You will be taken back in <span id="countdown">10</span> seconds.`
/// (`countdown.js` counts the span down).
pub fn countdown(lang: Lang, seconds: u32) -> Markup {
    html! {
        (lang.of(&COUNTDOWN_BEFORE)) " " span id="countdown" { (seconds) } " "
        (lang.of(&COUNTDOWN_AFTER))
    }
}

/// The explanation of a `notice=` code, for the codes the page knows.
pub fn notice(code: &str) -> Option<&'static Text> {
    Some(match code {
        "PAYMENT_IN_PROGRESS" => &NOTICE_IN_PROGRESS,
        "ALREADY_PAID" => &NOTICE_ALREADY_PAID,
        "REQUEST_EXPIRED" => &NOTICE_EXPIRED,
        "REQUEST_FINAL" => &NO_LONGER_PAYABLE,
        "PROVIDER_NOT_OFFERED" => &NOTICE_PROVIDER_NOT_OFFERED,
        "PAYMENT_NOT_PAYABLE" => &NOTICE_NOT_PAYABLE,
        "PROVIDER_UNAVAILABLE" => &NOTICE_PROVIDER_UNAVAILABLE,
        _ => return None,
    })
}
