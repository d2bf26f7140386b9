//! The demo bank's pages: plain HTML, Latvian by default and English on
//! `VK_LANG=ENG`, no inline scripts or styles (the CSP forbids them), every
//! control labelled, everything inside `<main>`. All text that came from a
//! request is escaped.

use super::{Order, Shown};

pub(crate) struct Texts {
    pub(crate) lang: &'static str,
    pub(crate) bank: &'static str,
    pub(crate) approve_title: &'static str,
    pub(crate) demo_note: &'static str,
    pub(crate) details: &'static str,
    pub(crate) payee: &'static str,
    pub(crate) account: &'static str,
    pub(crate) amount: &'static str,
    pub(crate) currency: &'static str,
    pub(crate) purpose: &'static str,
    pub(crate) approve: &'static str,
    pub(crate) reject: &'static str,
    pub(crate) cancel: &'static str,
    pub(crate) server_message: &'static str,
    pub(crate) server_send: &'static str,
    pub(crate) server_delay: &'static str,
    pub(crate) server_drop: &'static str,
    pub(crate) delay_seconds: &'static str,
    pub(crate) browser_return: &'static str,
    pub(crate) browser_send: &'static str,
    pub(crate) browser_drop: &'static str,
    pub(crate) outcome_mode: &'static str,
    pub(crate) mode_direct: &'static str,
    pub(crate) mode_processing: &'static str,
    pub(crate) status_query: &'static str,
    pub(crate) query_prompt: &'static str,
    pub(crate) query_slow: &'static str,
    pub(crate) query_slow_always: &'static str,
    pub(crate) executed: &'static str,
    pub(crate) accepted: &'static str,
    pub(crate) rejected: &'static str,
    pub(crate) cancelled: &'static str,
    pub(crate) returning: &'static str,
    pub(crate) return_button: &'static str,
    pub(crate) done: &'static str,
    pub(crate) repeated: &'static str,
    pub(crate) error_title: &'static str,
    pub(crate) error_intro: &'static str,
}

pub(crate) const LV: Texts = Texts {
    lang: "lv",
    bank: "Demo banka (DEMO0000)",
    approve_title: "Maksājuma apstiprināšana",
    demo_note: "Šī ir demonstrācijas banka: īsta nauda netiek pārskaitīta.",
    details: "Maksājuma dati",
    payee: "Saņēmējs",
    account: "Saņēmēja konts",
    amount: "Summa",
    currency: "Valūta",
    purpose: "Maksājuma mērķis",
    approve: "Apstiprināt",
    reject: "Noraidīt",
    cancel: "Atcelt",
    server_message: "Servera ziņojums",
    server_send: "sūtīt uzreiz",
    server_delay: "sūtīt ar aizturi",
    server_drop: "nesūtīt",
    delay_seconds: "Aizture (sekundēs)",
    browser_return: "Pārlūka atgriešana",
    browser_send: "atgriezt",
    browser_drop: "neatgriezt",
    outcome_mode: "Izpildes veids",
    mode_direct: "izpildīt uzreiz",
    mode_processing: "vispirms pieņemt apstrādei",
    status_query: "Statusa vaicājumi",
    query_prompt: "atbildēt uzreiz",
    query_slow: "pirmo atbildēt pēc 6 s (pēc noilguma)",
    query_slow_always: "visus atbildēt pēc 6 s (pēc noilguma)",
    executed: "Maksājums izpildīts",
    accepted: "Maksājums pieņemts apstrādei",
    rejected: "Maksājums noraidīts",
    cancelled: "Maksājums atcelts",
    returning: "Jūs tiekat novirzīts atpakaļ uz e-pakalpojumu.",
    return_button: "Atgriezties e-pakalpojumā",
    done: "Darbība pabeigta. Šo logu var aizvērt.",
    repeated: "Par šo maksājumu lēmums jau bija pieņemts; otrs maksājums netika veikts.",
    error_title: "Kļūda",
    error_intro: "Maksājuma pieprasījumu neizdevās pārbaudīt.",
};

pub(crate) const EN: Texts = Texts {
    lang: "en",
    bank: "Demo bank (DEMO0000)",
    approve_title: "Approve the payment",
    demo_note: "This is a demonstration bank: no real money moves.",
    details: "Payment details",
    payee: "Payee",
    account: "Payee's account",
    amount: "Amount",
    currency: "Currency",
    purpose: "Purpose",
    approve: "Approve",
    reject: "Reject",
    cancel: "Cancel",
    server_message: "Server message",
    server_send: "send now",
    server_delay: "send after a delay",
    server_drop: "do not send",
    delay_seconds: "Delay (seconds)",
    browser_return: "Browser return",
    browser_send: "return",
    browser_drop: "do not return",
    outcome_mode: "Execution",
    mode_direct: "execute at once",
    mode_processing: "accept for processing first",
    status_query: "Status queries",
    query_prompt: "answer at once",
    query_slow: "answer the first after 6 s (past the timeout)",
    query_slow_always: "answer each after 6 s (past the timeout)",
    executed: "Payment executed",
    accepted: "Payment accepted for processing",
    rejected: "Payment rejected",
    cancelled: "Payment cancelled",
    returning: "You are being taken back to the e-service.",
    return_button: "Return to the e-service",
    done: "Done. You may close this window.",
    repeated: "This payment had already been decided; no second payment was made.",
    error_title: "Error",
    error_intro: "The payment request could not be verified.",
};

pub(crate) fn texts(english: bool) -> &'static Texts {
    if english { &EN } else { &LV }
}

/// Escapes text for element content and quoted attribute values alike.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn layout(
    base: &str,
    t: &Texts,
    bank: &str,
    title: &str,
    state: &str,
    script: bool,
    body: &str,
) -> String {
    let base = escape(base);
    let script = if script {
        format!("<script src=\"{base}/autosubmit.js\" defer></script>\n")
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — {bank}</title>\n<link rel=\"stylesheet\" href=\"{base}/bank.css\">\n\
         {script}</head>\n<body>\n<main data-state=\"{state}\">\n\
         <p class=\"bank\">{bank}</p>\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
        lang = t.lang,
        title = escape(title),
        bank = escape(bank),
    )
}

pub(crate) fn hidden(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(k),
                escape(v)
            )
        })
        .collect()
}

pub(crate) fn select(id: &str, control: &str, label: &str, options: &[(&str, &str)]) -> String {
    let mut html = format!(
        "<div class=\"control\">\n<label for=\"{id}\">{}</label>\n\
         <select id=\"{id}\" name=\"{id}\" data-control=\"{control}\">\n",
        escape(label)
    );
    for (i, (value, text)) in options.iter().enumerate() {
        let selected = if i == 0 { " selected" } else { "" };
        html.push_str(&format!(
            "<option value=\"{value}\"{selected}>{}</option>\n",
            escape(text)
        ));
    }
    html.push_str("</select>\n</div>\n");
    html
}

/// The order as a bank's approve page lists it (`[data-field]` hooks).
pub(crate) fn order_details(
    t: &Texts,
    payee: &str,
    account: &str,
    amount: &str,
    currency: &str,
    purpose: &str,
) -> String {
    format!(
        "<h2>{}</h2>\n<dl class=\"order\">\n\
         <dt>{}</dt><dd data-field=\"payee\">{}</dd>\n\
         <dt>{}</dt><dd data-field=\"account\">{}</dd>\n\
         <dt>{}</dt><dd data-field=\"amount\">{}</dd>\n\
         <dt>{}</dt><dd data-field=\"currency\">{}</dd>\n\
         <dt>{}</dt><dd data-field=\"purpose\">{}</dd>\n</dl>\n",
        escape(t.details),
        escape(t.payee),
        escape(payee),
        escape(t.account),
        escape(account),
        escape(t.amount),
        escape(amount),
        escape(t.currency),
        escape(currency),
        escape(t.purpose),
        escape(purpose),
    )
}

/// `<main data-state="bank-approve">`: the order and the decision form.
pub(super) fn approve(base: &str, order: &Order) -> String {
    let t = texts(order.english);
    let mut body = format!("<p>{}</p>\n", escape(t.demo_note));
    body.push_str(&order_details(
        t,
        &order.name,
        &order.account,
        &order.amount,
        &order.currency,
        &order.message,
    ));
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}/decide\" accept-charset=\"UTF-8\">\n",
        escape(base)
    ));
    body.push_str(&hidden(&order.request));
    body.push_str("<fieldset class=\"testing\">\n<legend>Testēšanai / For testing</legend>\n");
    body.push_str(&select(
        "server_message",
        "server-message",
        t.server_message,
        &[
            ("send", t.server_send),
            ("delay", t.server_delay),
            ("drop", t.server_drop),
        ],
    ));
    body.push_str(&format!(
        "<div class=\"control\">\n<label for=\"delay_seconds\">{}</label>\n\
         <input type=\"number\" id=\"delay_seconds\" name=\"delay_seconds\" \
         data-control=\"delay-seconds\" value=\"3\" min=\"0\" max=\"{}\" step=\"1\">\n</div>\n",
        escape(t.delay_seconds),
        super::MAX_DELAY_SECONDS
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
    body.push_str(&select(
        "status_query",
        "status-query",
        t.status_query,
        &[
            ("prompt", t.query_prompt),
            ("slow", t.query_slow),
            ("slow-always", t.query_slow_always),
        ],
    ));
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
    layout(
        base,
        t,
        t.bank,
        t.approve_title,
        "bank-approve",
        false,
        &body,
    )
}

pub(crate) fn outcome_title(t: &Texts, shown: Shown) -> &'static str {
    match shown {
        Shown::Executed => t.executed,
        Shown::Accepted => t.accepted,
        Shown::Rejected => t.rejected,
        Shown::Cancelled => t.cancelled,
    }
}

pub(crate) fn repeated_note(t: &Texts, repeated: bool) -> String {
    if repeated {
        format!(
            "<p class=\"note\" data-note=\"already-decided\">{}</p>\n",
            escape(t.repeated)
        )
    } else {
        String::new()
    }
}

/// `<main data-state="bank-return">`: the signed answer in a form to the
/// hub's return URL, submitted by `autosubmit.js` or by the button.
pub(super) fn bank_return(
    base: &str,
    order: &Order,
    shown: Shown,
    answer: &[(String, String)],
    repeated: bool,
) -> String {
    let t = texts(order.english);
    let mut body = repeated_note(t, repeated);
    body.push_str(&format!("<p>{}</p>\n", escape(t.returning)));
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" accept-charset=\"UTF-8\" data-autosubmit>\n",
        escape(&order.return_url)
    ));
    body.push_str(&hidden(answer));
    body.push_str(&format!(
        "<button type=\"submit\" data-action=\"return-to-merchant\" class=\"primary\">{}</button>\n\
         </form>\n",
        escape(t.return_button)
    ));
    layout(
        base,
        t,
        t.bank,
        outcome_title(t, shown),
        "bank-return",
        true,
        &body,
    )
}

/// `<main data-state="bank-done">`: the browser return was dropped.
pub(super) fn done(base: &str, english: bool, shown: Shown, repeated: bool) -> String {
    let t = texts(english);
    let mut body = repeated_note(t, repeated);
    body.push_str(&format!("<p>{}</p>\n", escape(t.done)));
    layout(
        base,
        t,
        t.bank,
        outcome_title(t, shown),
        "bank-done",
        false,
        &body,
    )
}

/// `<main data-state="bank-error">`.
pub(super) fn error(base: &str, english: bool, detail: &str) -> String {
    crate::sim::pages::error(base, texts(english).bank, english, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn an_error_page_escapes_the_detail_and_is_latvian_by_default() {
        let page = error("/demo-bank", false, "<script>x</script>");
        assert!(page.contains("<html lang=\"lv\">"));
        assert!(page.contains("data-state=\"bank-error\""));
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!page.contains("<script>x"));
        assert!(page.contains("href=\"/demo-bank/bank.css\""));
    }

    #[test]
    fn an_english_page_says_so() {
        let page = done("/demo-bank", true, Shown::Executed, false);
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("Payment executed"));
        assert!(!page.contains("<script"));
    }
}
