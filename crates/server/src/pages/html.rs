//! The payer pages' frame: display preferences carried through the flow, the
//! document layout (maud: every interpolated value escaped by construction;
//! the texts from `crate::labels::payer`), and the security headers every
//! page carries.

use crate::labels::{Lang, Text, payer as label};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maksa_domain::money::{Amount, Currency};
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;

/// `language`, `fs` and `bm` as the originals name them; kept in every link and
/// form of the flow, and through the round trip to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prefs {
    pub english: bool,
    pub font: Font,
    pub contrast: Contrast,
    /// Where the page was opened: its links and forms stay there.
    pub address: PageAddress,
}

/// The addresses the payer page is served at. Ours, and the original module's
/// two: 004 §2.1.1.1 answers `PaymentRequestUrl` as `/MM/WebUI2/Payments/?id=`,
/// and its description of the page's parameters uses `/MM_WebUI/WebUI2/Payments/`.
/// A payer holding a link in either form gets the same page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageAddress {
    #[default]
    Maksa,
    Original,
    OriginalWebUi,
    /// The payer's workspace (`/payer/`): its pages share the frame and the
    /// preferences, but it is not an address of the payment page (not in `ALL`).
    Workspace,
}

impl PageAddress {
    pub const ALL: [PageAddress; 3] = [
        PageAddress::Maksa,
        PageAddress::Original,
        PageAddress::OriginalWebUi,
    ];

    /// The path prefix, without a trailing slash (also the CSRF cookie's path).
    pub fn path(self) -> &'static str {
        match self {
            PageAddress::Maksa => "/Payments",
            PageAddress::Original => "/MM/WebUI2/Payments",
            PageAddress::OriginalWebUi => "/MM_WebUI/WebUI2/Payments",
            PageAddress::Workspace => "/payer",
        }
    }

    /// The page itself: the prefix with its trailing slash.
    pub fn page(self) -> String {
        format!("{}/", self.path())
    }

    /// The address a request path belongs to (ours when none matches).
    pub fn of(path: &str) -> PageAddress {
        PageAddress::ALL
            .into_iter()
            .find(|address| path.starts_with(address.path()))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Font {
    #[default]
    Normal,
    Larger,
    Largest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Contrast {
    #[default]
    Normal,
    BlackOnYellow,
    YellowOnBlack,
}

impl Font {
    fn class(self) -> &'static str {
        match self {
            Font::Normal => "font-size-100",
            Font::Larger => "font-size-125",
            Font::Largest => "font-size-150",
        }
    }
}

impl Font {
    /// The settings bar's link text: the same letter in both languages.
    fn symbol(self) -> &'static str {
        match self {
            Font::Normal => "A",
            Font::Larger => "A+",
            Font::Largest => "A++",
        }
    }
}

impl Contrast {
    fn class(self) -> Option<&'static str> {
        match self {
            Contrast::Normal => None,
            Contrast::BlackOnYellow => Some("black-on-yellow"),
            Contrast::YellowOnBlack => Some("yellow-on-black"),
        }
    }
}

impl Prefs {
    /// Reads the parameters; unknown values fall back to the defaults rather
    /// than failing the page.
    pub fn from_fields(fields: &HashMap<String, String>) -> Prefs {
        let get = |name: &str| fields.get(name).map(|v| v.trim().to_ascii_lowercase());
        Prefs {
            english: get("language").is_some_and(|l| l == "eng"),
            font: match get("fs").as_deref() {
                Some("font-size-125") => Font::Larger,
                Some("font-size-150") => Font::Largest,
                _ => Font::Normal,
            },
            contrast: match get("bm").as_deref() {
                Some("black-on-yellow") => Contrast::BlackOnYellow,
                Some("yellow-on-black") => Contrast::YellowOnBlack,
                _ => Contrast::Normal,
            },
            address: PageAddress::Maksa,
        }
    }

    /// The same preferences on a page opened at `address`.
    pub fn at(self, address: PageAddress) -> Prefs {
        Prefs { address, ..self }
    }

    /// The page's language: `language=ENG` is English, anything else Latvian.
    pub fn lang(&self) -> Lang {
        if self.english { Lang::En } else { Lang::Lv }
    }

    /// `text` in the page's language.
    pub fn t(&self, text: &Text) -> &'static str {
        self.lang().of(text)
    }

    /// The non-default parameters as `name=value` pairs.
    pub fn pairs(&self) -> Vec<(&'static str, &'static str)> {
        let mut pairs = Vec::new();
        if self.english {
            pairs.push(("language", "ENG"));
        }
        if self.font != Font::Normal {
            pairs.push(("fs", self.font.class()));
        }
        if let Some(bm) = self.contrast.class() {
            pairs.push(("bm", bm));
        }
        pairs
    }

    /// The parameters as a query string (no leading `?`; empty for defaults).
    pub fn query(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// The parameters as form fields.
    pub fn fields(&self) -> Vec<(String, String)> {
        self.pairs()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// Hidden inputs repeating the parameters in a form.
    pub fn hidden_inputs(&self) -> Markup {
        html! {
            @for (name, value) in self.pairs() {
                input type="hidden" name=(name) value=(value);
            }
        }
    }

    fn body_class(&self) -> String {
        match self.contrast.class() {
            Some(bm) => format!("{} {bm}", self.font.class()),
            None => self.font.class().to_owned(),
        }
    }

    /// The page's own address with one preference changed, for the settings bar.
    fn with(&self, change: impl FnOnce(&mut Prefs)) -> Prefs {
        let mut changed = *self;
        change(&mut changed);
        changed
    }
}

/// A link to `path` with the request id and the preferences.
pub fn page_link(path: &str, id: &str, prefs: &Prefs) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if !id.is_empty() {
        out.append_pair("id", id);
    }
    for (k, v) in prefs.pairs() {
        out.append_pair(k, v);
    }
    let query = out.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// An amount as the payer reads it: `12,00 EUR` in Latvian, `12.00 EUR` in English.
pub fn money(amount: Amount, currency: Currency, prefs: &Prefs) -> String {
    let text = amount.to_string();
    let text = if prefs.english {
        text
    } else {
        text.replace('.', ",")
    };
    format!("{text} {}", currency.as_str())
}

pub struct Document<'a> {
    pub title: &'a str,
    /// The `data-state` of `<main>`: the UI tests' hook.
    pub state: &'a str,
    pub prefs: Prefs,
    /// The request id, to keep in the settings bar's links (empty when none).
    pub id: &'a str,
    /// Extra elements for `<head>` (meta refresh, scripts).
    pub head: Markup,
    pub body: Markup,
}

impl Document<'_> {
    pub fn render(&self) -> String {
        let prefs = &self.prefs;
        html! {
            (DOCTYPE)
            html lang=(prefs.lang().code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " — maksa" }
                    link rel="stylesheet" href="/assets/maksa.css";
                    (self.head)
                }
                body class=(prefs.body_class()) {
                    header {
                        p class="brand" { (prefs.t(&label::BRAND)) }
                        (settings_bar(self.id, prefs))
                    }
                    main data-state=(self.state) id="content" { (self.body) }
                }
            }
        }
        .into_string()
    }
}

/// The language switch, the text sizes and the colour modes: links to this
/// page with one preference changed.
fn settings_bar(id: &str, prefs: &Prefs) -> Markup {
    let here = &prefs.address.page();
    let other = prefs.lang().other();
    let switch = page_link(here, id, &prefs.with(|p| p.english = other == Lang::En));
    let font = |font: Font| {
        html! {
            a href=(page_link(here, id, &prefs.with(|p| p.font = font)))
                data-action=(font.class())
                aria-current=[(prefs.font == font).then_some("true")] { (font.symbol()) }
        }
    };
    let contrast = |contrast: Contrast, text: &Text, action: &str| {
        html! {
            a href=(page_link(here, id, &prefs.with(|p| p.contrast = contrast)))
                data-action=(action)
                aria-current=[(prefs.contrast == contrast).then_some("true")] { (prefs.t(text)) }
        }
    };
    html! {
        nav aria-label=(prefs.t(&label::SETTINGS)) {
            ul {
                li {
                    a href=(switch) lang=(other.code())
                        data-action=(if other == Lang::En { "language-eng" } else { "language-lat" }) {
                        (prefs.t(&label::SWITCH_LANGUAGE))
                    }
                }
                li {
                    (prefs.t(&label::TEXT_SIZE)) ": "
                    (font(Font::Normal)) " " (font(Font::Larger)) " " (font(Font::Largest))
                }
                li {
                    (prefs.t(&label::COLOURS)) ": "
                    (contrast(Contrast::Normal, &label::COLOURS_STANDARD, "colours-standard")) " "
                    (contrast(Contrast::BlackOnYellow, &label::BLACK_ON_YELLOW, "black-on-yellow")) " "
                    (contrast(Contrast::YellowOnBlack, &label::YELLOW_ON_BLACK, "yellow-on-black"))
                }
            }
        }
    }
}

/// Content-Security-Policy of the payer pages: nothing from elsewhere, no
/// inline script or style, never framed, forms only to ourselves (and, on the
/// hand-off page, to the provider).
pub fn csp(form_targets: &str) -> String {
    format!(
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
         form-action 'self'{form_targets}; frame-ancestors 'none'; base-uri 'none'"
    )
}

pub fn respond(status: StatusCode, document: &Document<'_>, csp_value: &str) -> Response {
    let mut response = (status, document.render()).into_response();
    secure_headers(&mut response, csp_value);
    response
}

pub fn secure_headers(response: &mut Response, csp_value: &str) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(csp_value) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_round_trip_through_the_query() {
        let mut fields = HashMap::new();
        fields.insert("language".to_owned(), "ENG".to_owned());
        fields.insert("fs".to_owned(), "font-size-150".to_owned());
        fields.insert("bm".to_owned(), "yellow-on-black".to_owned());
        let prefs = Prefs::from_fields(&fields);
        assert_eq!(
            prefs.query(),
            "language=ENG&fs=font-size-150&bm=yellow-on-black"
        );
        let back: HashMap<String, String> = url::form_urlencoded::parse(prefs.query().as_bytes())
            .into_owned()
            .collect();
        assert_eq!(Prefs::from_fields(&back), prefs);
    }

    #[test]
    fn unknown_values_fall_back_to_defaults() {
        let mut fields = HashMap::new();
        fields.insert("fs".to_owned(), "<script>".to_owned());
        fields.insert("bm".to_owned(), "pink".to_owned());
        let prefs = Prefs::from_fields(&fields);
        assert_eq!(prefs, Prefs::default());
        assert_eq!(prefs.query(), "");
    }

    #[test]
    fn every_page_address_is_found_by_its_prefix() {
        assert_eq!(PageAddress::of("/Payments/"), PageAddress::Maksa);
        assert_eq!(
            PageAddress::of("/MM/WebUI2/Payments/pay"),
            PageAddress::Original
        );
        assert_eq!(
            PageAddress::of("/MM/WebUI2/Payments"),
            PageAddress::Original
        );
        assert_eq!(
            PageAddress::of("/MM_WebUI/WebUI2/Payments/refresh"),
            PageAddress::OriginalWebUi
        );
        assert_eq!(
            PageAddress::of("/providers/DEMO0000/return"),
            PageAddress::Maksa
        );
        for address in PageAddress::ALL {
            assert_eq!(PageAddress::of(&address.page()), address);
        }
    }

    #[test]
    fn latvian_amounts_use_a_decimal_comma() {
        let amount = Amount::from_minor(120_050).expect("amount");
        let lv = Prefs::default();
        let en = Prefs {
            english: true,
            ..Prefs::default()
        };
        assert_eq!(money(amount, Currency::EUR, &lv), "1200,50 EUR");
        assert_eq!(money(amount, Currency::EUR, &en), "1200.50 EUR");
    }
}
