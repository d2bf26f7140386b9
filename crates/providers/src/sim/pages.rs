//! The simulators' pages: the demo bank's look, texts and test hooks, with
//! the simulated bank's name. Latvian by default, English when the request
//! asked for it; every value that came from a request is escaped.

use super::{BrowserReturn, MAX_DELAY_SECONDS, SimControl, SimOrder};
use crate::bank::Shown;
use crate::bank::pages::{
    escape, hidden, layout, order_details, outcome_title, repeated_note, select, texts,
};

/// `<main data-state="bank-approve">`: the order and the decision form, with
/// the protocol's own `controls` after the common ones (and without the
/// controls of server messages where the bank sends none).
pub(super) fn approve(
    base: &str,
    bank: &str,
    key: &str,
    order: &SimOrder,
    controls: &[SimControl],
    server_messages: bool,
) -> String {
    let t = texts(order.english);
    let mut body = format!("<p>{}</p>\n", escape(t.demo_note));
    let amount = crate::vk::format_amount(order.amount);
    body.push_str(&order_details(
        t,
        &order.payee_name,
        &order.payee_account,
        &amount,
        order.currency.as_str(),
        &order.description,
    ));
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}/decide\" accept-charset=\"UTF-8\">\n",
        escape(base)
    ));
    body.push_str(&hidden(&[("order".to_owned(), key.to_owned())]));
    body.push_str("<fieldset class=\"testing\">\n<legend>Testēšanai / For testing</legend>\n");
    let duplicate = if order.english {
        "send twice"
    } else {
        "sūtīt divreiz"
    };
    if server_messages {
        body.push_str(&select(
            "server_message",
            "server-message",
            t.server_message,
            &[
                ("send", t.server_send),
                ("delay", t.server_delay),
                ("drop", t.server_drop),
                ("duplicate", duplicate),
            ],
        ));
    }
    body.push_str(&format!(
        "<div class=\"control\">\n<label for=\"delay_seconds\">{}</label>\n\
         <input type=\"number\" id=\"delay_seconds\" name=\"delay_seconds\" \
         data-control=\"delay-seconds\" value=\"3\" min=\"0\" max=\"{MAX_DELAY_SECONDS}\" step=\"1\">\n</div>\n",
        escape(t.delay_seconds),
    ));
    body.push_str(&select(
        "browser_return",
        "browser-return",
        t.browser_return,
        &[("send", t.browser_send), ("drop", t.browser_drop)],
    ));
    body.push_str(&select(
        "outcome_mode",
        "outcome-mode",
        t.outcome_mode,
        &[("direct", t.mode_direct), ("processing", t.mode_processing)],
    ));
    let answers: [(&str, &str); 4] = if order.english {
        [
            ("faithful", "as ordered"),
            ("amount", "another amount (a misbehaving bank)"),
            ("currency", "another currency (a misbehaving bank)"),
            ("reference", "another order (a misbehaving bank)"),
        ]
    } else {
        [
            ("faithful", "kā pieprasīts"),
            ("amount", "cita summa (kļūdaina banka)"),
            ("currency", "cita valūta (kļūdaina banka)"),
            ("reference", "cits maksājums (kļūdaina banka)"),
        ]
    };
    let label = if order.english { "Answer" } else { "Atbilde" };
    body.push_str(&select("answer", "answer", label, &answers));
    for control in controls {
        let label = if order.english {
            control.label.1
        } else {
            control.label.0
        };
        let choices: Vec<(&str, &str)> = control
            .choices
            .iter()
            .map(|(value, lv, en)| (*value, if order.english { *en } else { *lv }))
            .collect();
        body.push_str(&select(control.name, control.hook, label, &choices));
    }
    body.push_str("</fieldset>\n<div class=\"actions\">\n");
    for (action, class, text) in [
        ("approve", "primary", t.approve),
        ("reject", "danger", t.reject),
        ("cancel", "secondary", t.cancel),
    ] {
        body.push_str(&format!(
            "<button type=\"submit\" name=\"decision\" value=\"{action}\" \
             data-action=\"{action}\" class=\"{class}\">{}</button>\n",
            escape(text)
        ));
    }
    body.push_str("</div>\n</form>\n");
    layout(base, t, bank, t.approve_title, "bank-approve", false, &body)
}

/// `<main data-state="bank-return">`: the answer in a form to the hub's
/// return address (GET or POST, as the protocol wants), submitted by
/// `autosubmit.js` or by the button.
pub(super) fn bank_return(
    base: &str,
    bank: &str,
    english: bool,
    shown: Shown,
    answer: &BrowserReturn,
    repeated: bool,
) -> String {
    let t = texts(english);
    let mut body = repeated_note(t, repeated);
    body.push_str(&format!("<p>{}</p>\n", escape(t.returning)));
    let method = if answer.method == "GET" {
        "get"
    } else {
        "post"
    };
    body.push_str(&format!(
        "<form method=\"{method}\" action=\"{}\" accept-charset=\"UTF-8\" data-autosubmit>\n",
        escape(&answer.action)
    ));
    body.push_str(&hidden(&answer.fields));
    body.push_str(&format!(
        "<button type=\"submit\" data-action=\"return-to-merchant\" class=\"primary\">{}</button>\n\
         </form>\n",
        escape(t.return_button)
    ));
    layout(
        base,
        t,
        bank,
        outcome_title(t, shown),
        "bank-return",
        true,
        &body,
    )
}

/// `<main data-state="bank-done">`: the browser return was dropped.
pub(super) fn done(base: &str, bank: &str, english: bool, shown: Shown, repeated: bool) -> String {
    let t = texts(english);
    let mut body = repeated_note(t, repeated);
    body.push_str(&format!("<p>{}</p>\n", escape(t.done)));
    layout(
        base,
        t,
        bank,
        outcome_title(t, shown),
        "bank-done",
        false,
        &body,
    )
}

/// `<main data-state="bank-error">`.
/// `<main data-state="bank-error">` of any simulator, under its bank's name.
pub(crate) fn error(base: &str, bank: &str, english: bool, detail: &str) -> String {
    let t = texts(english);
    let body = format!(
        "<p>{}</p>\n<p class=\"detail\">{}</p>\n",
        escape(t.error_intro),
        escape(detail)
    );
    layout(base, t, bank, t.error_title, "bank-error", false, &body)
}
