//! A payer without a browser: the request's page, the choice of the demo bank,
//! the hand-off, the bank's approval form (which also sends the bank's server
//! message to the hub) and the return to the hub. Like a patient browser, it
//! repeats a step the hub did not answer — the server may be dead for a moment
//! — with the same form, the same cookie.

use crate::hub::Env;
use crate::ledger::{Ledger, bump};
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use std::time::{Duration, Instant};

/// How long a payer keeps repeating one step before giving up.
const PATIENCE: Duration = Duration::from_secs(60);

struct Page {
    status: StatusCode,
    location: Option<String>,
    html: String,
}

impl Page {
    /// `main[data-state]`.
    fn state(&self) -> Option<&str> {
        let marker = "<main data-state=\"";
        let at = self.html.find(marker)? + marker.len();
        let end = self.html[at..].find('"')?;
        Some(&self.html[at..at + end])
    }

    /// The action and the named fields of the form whose opening tag (or a
    /// child's) contains `marker`.
    fn form(&self, marker: &str) -> Option<(String, Vec<(String, String)>)> {
        let start = self.html.find(marker)?;
        let form_start = self.html[..start].rfind("<form")?;
        let form_end = start + self.html[start..].find("</form>")?;
        let form = &self.html[form_start..form_end];
        let action = attribute(form, "action")?;
        let mut fields = Vec::new();
        for input in form.split("<input").skip(1) {
            let tag = &input[..input.find('>')?];
            if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value")) {
                let kind = attribute(tag, "type").unwrap_or_default();
                if kind == "radio" && !tag.contains("checked") {
                    continue;
                }
                fields.push((name, value));
            }
        }
        Some((action, fields))
    }

    fn describe(&self) -> String {
        format!(
            "{} state={:?} location={:?}",
            self.status,
            self.state(),
            self.location
        )
    }
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let at = tag.find(&marker)? + marker.len();
    let end = tag[at..].find('"')?;
    Some(
        tag[at..at + end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.into(), value.into()));
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `application/x-www-form-urlencoded`.
fn encode(fields: &[(String, String)]) -> String {
    let escape = |text: &str| {
        let mut out = String::new();
        for byte in text.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

struct Browser {
    client: reqwest::Client,
    cookie: Option<String>,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(Policy::none())
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    /// One step, repeated while the hub does not answer or answers a server
    /// error; `None` when it never did within [`PATIENCE`].
    async fn send(&mut self, url: &str, form: Option<&[(String, String)]>) -> Option<Page> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(page) = self.send_once(url, form).await
                && !page.status.is_server_error()
            {
                return Some(page);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One step, once: the page as answered, server errors included; `None`
    /// when no answer came.
    async fn send_once(&mut self, url: &str, form: Option<&[(String, String)]>) -> Option<Page> {
        let mut request = match form {
            None => self.client.get(url),
            Some(fields) => self
                .client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encode(fields)),
        };
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|c| c.to_str().ok())
            .and_then(|c| c.split(';').next())
            .map(str::to_owned);
        let html = response.text().await.ok()?;
        if cookie.is_some() {
            self.cookie = cookie;
        }
        Some(Page {
            status,
            location,
            html,
        })
    }
}

/// A payer who opened a request's page and presses "pay" later (the fault
/// suites: the page read before a fault, the press during it).
#[allow(dead_code)] // the fault suites' (tests/faults)
pub struct PayLater {
    browser: Browser,
    url: String,
    fields: Vec<(String, String)>,
}

/// What one press of a button was answered: the status, the `Location`, and
/// the page's `data-state`.
#[allow(dead_code)] // the fault suites' (tests/faults)
#[derive(Debug)]
pub struct Pressed {
    pub status: StatusCode,
    pub location: Option<String>,
    pub state: Option<String>,
}

#[allow(dead_code)] // the fault suites' (tests/faults)
impl PayLater {
    /// Request `id`'s page, read now; `None` if it shows no pay form.
    pub async fn open(env: &Env, id: &str) -> Option<PayLater> {
        let mut browser = Browser::new();
        let page = browser
            .send(
                &format!("{}/Payments/?id={id}&language=ENG", env.http),
                None,
            )
            .await?;
        let (action, fields) = page.form("data-action=\"pay\"")?;
        Some(PayLater {
            browser,
            url: env.absolute(&action),
            fields,
        })
    }

    /// Presses "pay" once, without repeating on a server error.
    pub async fn press(mut self) -> Option<Pressed> {
        let page = self
            .browser
            .send_once(&self.url, Some(&self.fields))
            .await?;
        Some(Pressed {
            status: page.status,
            location: page.location.clone(),
            state: page.state().map(str::to_owned),
        })
    }
}

/// Pays request `id` at the demo bank, recording what the bank and the hub
/// acknowledged on the way.
pub async fn pay(env: &Env, ledger: &Ledger, rng: &mut StdRng, id: &str) {
    bump(&ledger.counts.pay_flows);
    let mut browser = Browser::new();
    let Some(page) = browser
        .send(
            &format!("{}/Payments/?id={id}&language=ENG", env.http),
            None,
        )
        .await
    else {
        return ledger.abandon("the page never answered");
    };
    match page.state() {
        Some("choose-provider") => {}
        Some("paid") => {
            ledger.ack_final(id, 'E', "the payer's page showed it paid");
            return ledger.abandon("already paid");
        }
        Some("cancelled") => {
            ledger.ack_final(id, 'C', "the payer's page showed it cancelled");
            return ledger.abandon("already cancelled");
        }
        Some(state) => return ledger.abandon(&format!("page: {state}")),
        None => return ledger.abandon(&format!("page: {}", page.describe())),
    }
    let Some((action, fields)) = page.form("data-action=\"pay\"") else {
        return ledger.abandon("page without a pay form");
    };
    let Some(handoff) = browser.send(&env.absolute(&action), Some(&fields)).await else {
        return ledger.abandon("pay never answered");
    };
    let Some((bank_action, bank_fields)) = handoff
        .form("id=\"handoff\"")
        .filter(|_| handoff.state() == Some("handoff"))
    else {
        // Refused: an attempt is open already (a pay the hub took before a
        // kill cut its answer off), or the request moved on.
        let notice = handoff
            .location
            .as_deref()
            .and_then(|l| l.split("notice=").nth(1))
            .map(|n| n.split('&').next().unwrap_or_default().to_owned())
            .unwrap_or_else(|| handoff.describe());
        return ledger.abandon(&format!("pay refused: {notice}"));
    };
    let Some(stamp) = field(&bank_fields, "VK_STAMP").map(str::to_owned) else {
        return ledger.abandon("hand-off without VK_STAMP");
    };
    let Some(bank) = browser
        .send(&env.absolute(&bank_action), Some(&bank_fields))
        .await
    else {
        return ledger.abandon("the bank never answered");
    };
    let Some((decide_action, mut decide_fields)) = bank
        .form("data-action=\"approve\"")
        .filter(|_| bank.state() == Some("bank-approve"))
    else {
        return ledger.abandon(&format!("bank: {}", bank.describe()));
    };
    set(&mut decide_fields, "decision", "approve");
    // The bank's own message to the hub: now (before the payer's browser is
    // answered), a second later (lost if the hub dies first), or never.
    let server_message = ["send", "send", "delay", "drop"][rng.random_range(0..4)];
    set(&mut decide_fields, "server_message", server_message);
    set(&mut decide_fields, "delay_seconds", "1");
    let Some(back) = browser
        .send(&env.absolute(&decide_action), Some(&decide_fields))
        .await
    else {
        return ledger.abandon("the bank's decision never answered");
    };
    let Some((return_action, return_fields)) = back
        .form("data-action=\"return-to-merchant\"")
        .filter(|_| back.state() == Some("bank-return"))
    else {
        return ledger.abandon(&format!("bank decision: {}", back.describe()));
    };
    // The bank took the payer's money for this attempt.
    ledger.approved(id, &stamp);
    let Some(landed) = browser
        .send(&env.absolute(&return_action), Some(&return_fields))
        .await
    else {
        return ledger.abandon("the return never answered");
    };
    let Some(location) = landed
        .location
        .clone()
        .filter(|_| landed.status == StatusCode::SEE_OTHER)
    else {
        return ledger.abandon(&format!("return: {}", landed.describe()));
    };
    ledger.reported(id, &stamp);
    let Some(result) = browser.send(&env.absolute(&location), None).await else {
        return ledger.abandon("the result page never answered");
    };
    match result.state() {
        Some("paid") if result.html.contains("data-outcome=\"executed\"") => {
            bump(&ledger.counts.paid);
            ledger.ack_final(id, 'E', "the return page showed it paid");
        }
        Some("cancelled") => {
            ledger.ack_final(id, 'C', "the return page showed it cancelled");
            ledger.abandon("paid after a cancel (refund)");
        }
        Some(state) => ledger.abandon(&format!("returned to: {state}")),
        None => ledger.abandon(&format!("returned to: {}", result.describe())),
    }
}
