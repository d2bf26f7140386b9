//! The payer's workspace at `/payer/` (`crate::workspace`) and the sandbox's
//! simulated portal sign-in (`crate::portal_sim`). The frame around them is
//! the payer pages' (`labels::payer`).

use super::Lang;
use crate::text;
use maud::{Markup, html};

// ── Signed out ──────────────────────────────────────────────────────────────
text!(WORKSPACE, "Maksājumu darba vieta", "Payment workspace");
text!(
    NOT_ENABLED,
    "Šajā mezglā darba vieta nav ieslēgta.",
    "The workspace is not enabled on this node."
);
text!(
    SIGN_IN_REFUSED,
    "Pieteikšanās neizdevās: portāla atbildi nevarēja pārbaudīt. Lūdzu, piesakieties vēlreiz.",
    "Signing in failed: the portal's answer could not be verified. Please sign in again."
);
text!(
    SIGN_IN_INTRO,
    "Piesakieties ar Latvija.lv, lai redzētu jums adresētos maksājuma pieprasījumus un tos apmaksātu.",
    "Sign in with Latvija.lv to see the payment requests addressed to you and pay them."
);
text!(
    SIGN_IN,
    "Pieteikties ar Latvija.lv",
    "Sign in with Latvija.lv"
);

// ── The list ────────────────────────────────────────────────────────────────
text!(MY_PAYMENTS, "Mani maksājumi", "My payments");
text!(SIGNED_IN_AS, "Pieteicies:", "Signed in as");
text!(SIGN_OUT, "Iziet", "Sign out");
text!(TO_PAY, "Apmaksājamie pieprasījumi", "Requests to pay");
text!(
    NOTHING_TO_PAY,
    "Nav apmaksājamu pieprasījumu.",
    "Nothing to pay."
);
text!(PAST, "Iepriekšējie pieprasījumi", "Past requests");
text!(
    NO_PAST,
    "Iepriekšēju pieprasījumu nav.",
    "No past requests."
);
text!(PAY, "Maksāt", "Pay");
text!(RECEIPT, "Čeks (PDF)", "Receipt (PDF)");
text!(AUTHORITY, "Iestāde", "Authority");
text!(NUMBER, "Numurs", "Number");
text!(AMOUNT, "Summa", "Amount");
text!(PAY_BY, "Apmaksāt līdz", "Pay by");
text!(STATUS, "Statuss", "Status");
text!(STATUS_IN_PROCESS, "Gaida apmaksu", "Awaiting payment");
text!(STATUS_EXECUTED, "Apmaksāts", "Paid");
text!(STATUS_EXPIRED, "Beidzies derīguma termiņš", "Expired");
text!(STATUS_OTHER, "Daļēji apmaksāts", "Partly paid");
text!(STATUS_CANCELLED, "Atcelts", "Cancelled");

// ── Refusals ────────────────────────────────────────────────────────────────
text!(
    NO_SUCH_DOCUMENT,
    "Šāds dokuments nav atrasts.",
    "No such document."
);
text!(
    UNAVAILABLE,
    "Pakalpojums īslaicīgi nav pieejams. Lūdzu, mēģiniet vēlreiz pēc brīža.",
    "Temporarily unavailable. Please try again in a moment."
);
text!(TO_WORKSPACE, "Uz darba vietu", "To the workspace");
text!(FORM_STALE, "Forma ir novecojusi", "The form is out of date");
text!(
    OPEN_AGAIN,
    "Atvērt darba vietu vēlreiz",
    "Open the workspace again"
);

// ── The simulated portal (`/sim/portal`, the sandbox only) ──────────────────
// The simulators' own name is Latvian on every page, as the banks' simulators.
text!(PORTAL, "Latvija.lv (simulators)", "Latvija.lv (simulators)");
text!(PORTAL_SIGN_IN, "simulēta pieteikšanās", "simulated sign-in");
text!(
    PORTAL_INTRO,
    "Šī ir smilškastes portāla pieteikšanās: ievadiet testa personas kodu. Īsts portāls prasītu internetbanku vai eID.",
    "This is the sandbox's portal sign-in: type a test personal code. The real portal would ask for an internet bank or eID."
);
text!(PERSONAL_CODE, "Personas kods", "Personal code");
text!(GIVEN_NAME, "Vārds (nav obligāti)", "Given name (optional)");
text!(SURNAME, "Uzvārds (nav obligāti)", "Surname (optional)");
text!(PORTAL_SUBMIT, "Pieteikties", "Sign in");
text!(TEST_PERSONS, "Testa personas", "Test persons");
text!(
    PORTAL_SIGNED_IN,
    "Pieteikšanās izdevās; atgriežamies pakalpojumā.",
    "Signed in; returning to the service."
);
text!(PORTAL_CONTINUE, "Turpināt", "Continue");
text!(PORTAL_WA, "wa jābūt wsignin1.0", "wa must be wsignin1.0");
text!(
    PORTAL_WREPLY,
    "wreply nav tā pakalpojuma adrese, kuru šis portāls apkalpo",
    "wreply is not the relying party this portal serves"
);
text!(
    PORTAL_CODE_NEEDED,
    "ievadiet personas kodu, piemēram, 010101-10006",
    "type a personal code such as 010101-10006"
);
text!(PORTAL_NOT_SIGNED, "nevarēja parakstīt", "could not sign");

// ── Sentences with values ───────────────────────────────────────────────────

/// `Signed in as <strong>name</strong>`.
pub fn signed_in_as(lang: Lang, name: &str) -> Markup {
    html! { (lang.of(&SIGNED_IN_AS)) " " strong { (name) } }
}

/// The portal's heading: `Latvija.lv — simulated sign-in`.
pub fn portal_heading(lang: Lang) -> Markup {
    html! { "Latvija.lv — " (lang.of(&PORTAL_SIGN_IN)) }
}

/// `could not sign: <reason>`.
pub fn not_signed(lang: Lang, reason: &str) -> String {
    format!("{}: {reason}", lang.of(&PORTAL_NOT_SIGNED))
}
