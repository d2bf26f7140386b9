//! The simulated acquirer's pages: the card form (`bank-approve`), the 3-D
//! Secure step (`bank-3ds`), the return to the merchant (`bank-return`, or
//! `bank-done` when the tester drops it) and errors (`bank-error`). The demo
//! bank's layout, stylesheet and CSP; Latvian by default, English when the
//! payment was registered with `language=en`; every control labelled; every
//! value from a request escaped; no script but the shared autosubmit.

use super::sim::TEST_CARDS;
use crate::bank::Shown;
use crate::bank::pages::{escape, hidden, layout, outcome_title, repeated_note, select, texts};

pub(super) const BANK: &str = "First Data ECOMM (simulators)";

/// The card page's data: what is paid, and the id the form carries.
pub(super) struct CardPage<'a> {
    pub(super) trans_id: &'a str,
    pub(super) amount: &'a str,
    pub(super) description: &'a str,
    pub(super) english: bool,
}

struct Words {
    title: &'static str,
    merchant: &'static str,
    amount: &'static str,
    purpose: &'static str,
    card_number: &'static str,
    expiry: &'static str,
    cvc: &'static str,
    pay: &'static str,
    cancel: &'static str,
    cards_caption: &'static str,
    card_column: &'static str,
    outcome_column: &'static str,
    day_close: &'static str,
    day_counted: &'static str,
    day_mismatch: &'static str,
    secure_title: &'static str,
    secure_intro: &'static str,
    secure_approve: &'static str,
    secure_fail: &'static str,
    timeout: &'static str,
}

const LV: Words = Words {
    title: "Kartes maksājums",
    merchant: "Tirgotājs",
    amount: "Summa",
    purpose: "Maksājuma mērķis",
    card_number: "Kartes numurs",
    expiry: "Derīguma termiņš (MM/GG)",
    cvc: "Drošības kods (CVC)",
    pay: "Maksāt",
    cancel: "Atcelt",
    cards_caption: "Testa kartes",
    card_column: "Kartes numurs",
    outcome_column: "Rezultāts",
    day_close: "Nākamā dienas slēgšana",
    day_counted: "kopsummas kā uzskaitīts",
    day_mismatch: "kopsummas nesakrīt (viens maksājums vairāk)",
    secure_title: "3-D Secure pārbaude",
    secure_intro: "Jūsu kartes izdevējbanka lūdz apstiprināt šo maksājumu.",
    secure_approve: "Apstiprināt",
    secure_fail: "Neapstiprināt",
    timeout: "Banka neatbildēja laikā; maksājums netika veikts.",
};

const EN: Words = Words {
    title: "Card payment",
    merchant: "Merchant",
    amount: "Amount",
    purpose: "Purpose",
    card_number: "Card number",
    expiry: "Expiry date (MM/YY)",
    cvc: "Security code (CVC)",
    pay: "Pay",
    cancel: "Cancel",
    cards_caption: "Test cards",
    card_column: "Card number",
    outcome_column: "Outcome",
    day_close: "Next day close",
    day_counted: "totals as counted",
    day_mismatch: "totals do not match (one payment more)",
    secure_title: "3-D Secure check",
    secure_intro: "Your card's issuing bank asks you to confirm this payment.",
    secure_approve: "Confirm",
    secure_fail: "Do not confirm",
    timeout: "The bank did not answer in time; no payment was made.",
};

fn words(english: bool) -> &'static Words {
    if english { &EN } else { &LV }
}

/// `<main data-state="bank-approve">`: the payment, the card form (the
/// approved test card filled in), the test cards and the tester's controls.
pub(super) fn card(base: &str, page: &CardPage<'_>) -> String {
    let t = texts(page.english);
    let w = words(page.english);
    let mut body = format!("<p>{}</p>\n", escape(t.demo_note));
    body.push_str(&format!(
        "<h2>{}</h2>\n<dl class=\"order\">\n\
         <dt>{}</dt><dd data-field=\"payee\">{}</dd>\n\
         <dt>{}</dt><dd data-field=\"amount\">{} EUR</dd>\n\
         <dt>{}</dt><dd data-field=\"purpose\">{}</dd>\n</dl>\n",
        escape(t.details),
        escape(w.merchant),
        escape("maksa (sandbox)"),
        escape(w.amount),
        escape(page.amount),
        escape(w.purpose),
        escape(page.description),
    ));
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}/ecomm/card\" accept-charset=\"UTF-8\">\n",
        escape(base)
    ));
    body.push_str(&hidden(&[(
        "trans_id".to_owned(),
        page.trans_id.to_owned(),
    )]));
    let approved = TEST_CARDS.first().map_or("", |c| c.number);
    for (id, label, value, autocomplete, mode) in [
        (
            "card_number",
            w.card_number,
            approved,
            "cc-number",
            "numeric",
        ),
        ("expiry", w.expiry, "12/30", "cc-exp", "numeric"),
        ("cvc", w.cvc, "123", "cc-csc", "numeric"),
    ] {
        body.push_str(&format!(
            "<div class=\"control\">\n<label for=\"{id}\">{}</label>\n\
             <input type=\"text\" id=\"{id}\" name=\"{id}\" data-control=\"{control}\" \
             value=\"{}\" autocomplete=\"{autocomplete}\" inputmode=\"{mode}\" required>\n</div>\n",
            escape(label),
            escape(value),
            control = id.replace('_', "-"),
        ));
    }
    body.push_str("<fieldset class=\"testing\">\n<legend>Testēšanai / For testing</legend>\n");
    body.push_str(&format!(
        "<table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        escape(w.cards_caption),
        escape(w.card_column),
        escape(w.outcome_column)
    ));
    for card in TEST_CARDS {
        let outcome = if page.english {
            card.outcome_en
        } else {
            card.outcome_lv
        };
        body.push_str(&format!(
            "<tr><td data-card=\"{}\">{}</td><td>{}</td></tr>\n",
            escape(card.name),
            escape(card.number),
            escape(outcome)
        ));
    }
    body.push_str("</tbody>\n</table>\n");
    body.push_str(&select(
        "browser_return",
        "browser-return",
        t.browser_return,
        &[("send", t.browser_send), ("drop", t.browser_drop)],
    ));
    body.push_str(&select(
        "day_close",
        "day-close",
        w.day_close,
        &[("counted", w.day_counted), ("mismatch", w.day_mismatch)],
    ));
    body.push_str("</fieldset>\n<div class=\"actions\">\n");
    for (value, action, class, text) in [
        ("pay", "approve", "primary", w.pay),
        ("cancel", "cancel", "secondary", w.cancel),
    ] {
        body.push_str(&format!(
            "<button type=\"submit\" name=\"action\" value=\"{value}\" \
             data-action=\"{action}\" class=\"{class}\">{}</button>\n",
            escape(text)
        ));
    }
    body.push_str("</div>\n</form>\n");
    layout(base, t, BANK, w.title, "bank-approve", false, &body)
}

/// `<main data-state="bank-3ds">`: the issuer's check, confirm or not.
pub(super) fn three_ds(base: &str, trans_id: &str, english: bool) -> String {
    let t = texts(english);
    let w = words(english);
    let mut body = format!(
        "<p>{}</p>\n<p>{}</p>\n",
        escape(t.demo_note),
        escape(w.secure_intro)
    );
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}/ecomm/3ds\" accept-charset=\"UTF-8\">\n",
        escape(base)
    ));
    body.push_str(&hidden(&[("trans_id".to_owned(), trans_id.to_owned())]));
    body.push_str("<div class=\"actions\">\n");
    for (action, class, text) in [
        ("approve", "primary", w.secure_approve),
        ("fail", "danger", w.secure_fail),
    ] {
        body.push_str(&format!(
            "<button type=\"submit\" name=\"action\" value=\"{action}\" \
             data-action=\"{action}\" class=\"{class}\">{}</button>\n",
            escape(text)
        ));
    }
    body.push_str("</div>\n</form>\n");
    layout(base, t, BANK, w.secure_title, "bank-3ds", false, &body)
}

/// What the payer is told of a decided payment.
pub(super) struct Outcome {
    pub(super) shown: Shown,
    pub(super) timed_out: bool,
    pub(super) repeated: bool,
    pub(super) english: bool,
}

fn outcome_note(outcome: &Outcome) -> String {
    let t = texts(outcome.english);
    let mut body = repeated_note(t, outcome.repeated);
    if outcome.timed_out {
        body.push_str(&format!(
            "<p>{}</p>\n",
            escape(words(outcome.english).timeout)
        ));
    }
    body
}

/// `<main data-state="bank-return">`: the form that takes the payer's
/// browser to the merchant's return address with `trans_id`, submitted by
/// `autosubmit.js` or by the button.
pub(super) fn bank_return(
    base: &str,
    outcome: &Outcome,
    action: &str,
    fields: &[(String, String)],
) -> String {
    let t = texts(outcome.english);
    let mut body = outcome_note(outcome);
    body.push_str(&format!("<p>{}</p>\n", escape(t.returning)));
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" accept-charset=\"UTF-8\" data-autosubmit>\n",
        escape(action)
    ));
    body.push_str(&hidden(fields));
    body.push_str(&format!(
        "<button type=\"submit\" data-action=\"return-to-merchant\" class=\"primary\">{}</button>\n\
         </form>\n",
        escape(t.return_button)
    ));
    layout(
        base,
        t,
        BANK,
        outcome_title(t, outcome.shown),
        "bank-return",
        true,
        &body,
    )
}

/// `<main data-state="bank-done">`: the tester dropped the return.
pub(super) fn done(base: &str, outcome: &Outcome) -> String {
    let t = texts(outcome.english);
    let mut body = outcome_note(outcome);
    body.push_str(&format!("<p>{}</p>\n", escape(t.done)));
    layout(
        base,
        t,
        BANK,
        outcome_title(t, outcome.shown),
        "bank-done",
        false,
        &body,
    )
}

/// `<main data-state="bank-error">`.
pub(super) fn error(base: &str, english: bool, detail: &str) -> String {
    crate::sim::pages::error(base, BANK, english, detail)
}
