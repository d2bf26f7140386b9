//! Every Latvian and English text of the hub's pages, in one place. A page
//! never writes a visible sentence inline: it names a [`Text`] here and asks
//! the page's [`Lang`] for it, so a translation is a change to this module
//! only and a missing one is a compile error (both fields are required).
//!
//! One file per area: `console` (the operator's console at `/admin/`),
//! `payer` (the payer's pages), `workspace` (the payer's workspace and the
//! simulated portal), further areas beside it.

pub mod accounts;
pub mod batches;
pub mod cards;
pub mod catalogue;
pub mod console;
pub mod dashboard;
pub mod limits;
pub mod payer;
pub mod privacy;
pub mod queues;
pub mod reconciliation;
pub mod requests;
pub mod statements;
pub mod workspace;

/// The language a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Lv,
    En,
}

impl Lang {
    /// The `lang` attribute and the value of a language switch.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Lv => "lv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "lv" => Some(Lang::Lv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (the switch offers it).
    pub fn other(self) -> Lang {
        match self {
            Lang::Lv => Lang::En,
            Lang::En => Lang::Lv,
        }
    }

    /// `text` in this language.
    pub fn of(self, text: &Text) -> &'static str {
        match self {
            Lang::Lv => text.lv,
            Lang::En => text.en,
        }
    }
}

/// One visible text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub lv: &'static str,
    pub en: &'static str,
}

/// A [`Text`] constant: `text!(SIGN_IN, "Pieslēgties", "Sign in");`.
#[macro_export]
macro_rules! text {
    ($name:ident, $lv:expr, $en:expr) => {
        pub const $name: $crate::labels::Text = $crate::labels::Text { lv: $lv, en: $en };
    };
}
