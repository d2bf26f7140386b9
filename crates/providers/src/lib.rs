//! Payment provider adapters: the Latvian banks' protocols — [`swedbank_v3`],
//! [`swedbank_link`], [`seb_elink`], [`citadele`], [`ipizza`] — and any
//! Berlin Group NextGenPSD2 bank's payment initiation ([`psd2`]), each a hub-side
//! [`Connector`](maksa_app::providers::Connector) and a simulator of the
//! bank's side ([`sim`]; the sandbox's list is [`sandboxes`]; a configured
//! contract becomes its connector in [`configured`]); and **DEMO0000, the demo
//! bank**, described below, which the hub serves itself under `/demo-bank`.
//!
//! ```text
//! let bank = DemoBank::new(DemoKeys::load_or_create(dir)?, "http://host/demo-bank".into(), "http://host".into());
//! router = router.nest("/demo-bank", bank.router());
//! connectors.register(bank.connector());
//! ```
//!
//! # Wire protocol
//!
//! Modelled on the Baltic bank link ("iPizza", `VK_` fields). `docs/providers.md`
//! has the same description with examples.
//!
//! **Encoding.** Every message is a set of HTML form fields,
//! `application/x-www-form-urlencoded`, UTF-8.
//!
//! **Signature.** The signature data is, for each signed field in the fixed
//! order of its service, the value's length in characters (Unicode scalar
//! values) as exactly three decimal digits, followed by the value: `VK_SERVICE=1012`,
//! `VK_REF=` give `0041012000`. A value longer than 999 characters cannot be
//! signed. `VK_MAC` is the Ed25519 signature of the UTF-8 bytes of that data
//! (`ring`), in standard base64 with padding. Control characters are replaced
//! by spaces before signing, because browsers rewrite line breaks in form
//! submissions. Two key pairs: the **hub's** signs 1012 and 1017 (the bank
//! verifies), the **bank's** signs 1111, 1112 and 1911 (the hub verifies).
//! [`DemoKeys::load_or_create`] keeps them as PKCS#8 PEM files
//! `demo-bank-hub.key` and `demo-bank-bank.key` (mode 0600) so messages about
//! attempts started before a restart still verify.
//!
//! **1012, payment request** — hub → bank through the payer's browser, `POST
//! {bank_base}/pay`. Signed, in order: `VK_SERVICE`=1012, `VK_VERSION`=009,
//! `VK_SND_ID`=MAKSA, `VK_STAMP` (the attempt id, 32 lower-case hex digits),
//! `VK_AMOUNT` (`12.34`: digits, a point, two digits, written from integer
//! cents), `VK_CURR`, `VK_ACC` (payee IBAN), `VK_NAME` (payee), `VK_REF`
//! (empty), `VK_MSG` (purpose), `VK_RETURN` (browser return URL), `VK_NOTIFY`
//! (server message URL), `VK_DATETIME` (RFC 3339). Unsigned: `VK_MAC`,
//! `VK_ENCODING`=UTF-8, `VK_LANG` (`LAT`|`ENG`, only chooses the page language).
//!
//! **1111 executed / 1112 accepted for processing** — bank → hub. Signed, in
//! order: `VK_SERVICE`, `VK_VERSION`=009, `VK_SND_ID`=DEMO0000,
//! `VK_REC_ID`=MAKSA, `VK_STAMP`, `VK_T_NO` (the bank's payment number),
//! `VK_AMOUNT`, `VK_CURR`, `VK_REC_ACC`, `VK_REC_NAME`, `VK_MSG`,
//! `VK_T_DATETIME`, `VK_AUTO`. Unsigned: `VK_MAC`, `VK_ENCODING`, `VK_LANG`.
//!
//! **1911 not executed** — bank → hub. Signed, in order: `VK_SERVICE`,
//! `VK_VERSION`, `VK_SND_ID`, `VK_REC_ID`, `VK_STAMP`, `VK_AMOUNT`, `VK_CURR`,
//! `VK_REC_ACC`, `VK_REC_NAME`, `VK_MSG`, `VK_REASON` (`rejected`|`cancelled`),
//! `VK_T_DATETIME`, `VK_AUTO`. No `VK_T_NO`.
//!
//! `VK_AUTO` is `Y` on the server message (POSTed by the bank to `VK_NOTIFY`)
//! and `N` on the browser return (POSTed by the payer's browser to
//! `VK_RETURN`). Unlike the original iPizza it is signed, and the connector's
//! `browser_return` refuses `Y` and `server_message` refuses `N`: a captured
//! browser return cannot be replayed as a server message.
//!
//! **1017, status query** — hub → bank, server to server, `POST
//! {bank_base}/query`. Signed, in order: `VK_SERVICE`=1017, `VK_VERSION`,
//! `VK_SND_ID`=MAKSA, `VK_STAMP`, `VK_DATETIME`. The bank answers `200` with a
//! signed 1111/1112/1911 form body (`VK_AUTO=Y`) once the payer decided, `204`
//! while they have not (or the stamp is unknown), `400` to a bad request.
//!
//! The connector maps 1111 → `Executed`, 1112 → `Accepted`, 1911 →
//! `Rejected`. A missing or wrong `VK_MAC` is `BadSignature`; a missing signed
//! field, a wrong id or version, or an unreadable value is `Malformed`; a
//! query that cannot reach the bank (5 s timeout) or gets another status is
//! `Unavailable`.
//!
//! # The simulator
//!
//! See [`DemoBank`]: `POST /pay` shows the order (`data-state="bank-approve"`)
//! with approve / reject / cancel and tester controls for the server message
//! (send, delay, drop), the browser return (send, drop) and the outcome
//! (direct, or 1112 first and 1111 later); `POST /decide` records the decision
//! once per stamp and delivers the answers; `POST /query` answers 1017;
//! `GET /bank.css` and `GET /autosubmit.js` are its assets.

// Everything here reads what a provider (or anyone posing as one) sent: no
// slicing that can panic, no arithmetic that can overflow.
#![cfg_attr(
    not(test),
    deny(
        clippy::string_slice,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod bank;
mod banklink;
pub mod citadele;
pub mod configured;
mod connector;
pub mod firstdata;
pub mod ipizza;
mod keys;
pub mod mtls;
pub mod psd2;
pub mod rsa_keys;
pub mod sandboxes;
pub mod seb_elink;
pub mod sim;
pub mod swedbank_link;
pub mod swedbank_v3;
pub mod vk;

pub use bank::DemoBank;
pub use connector::DemoConnector;
pub use keys::{BANK_KEY_FILE, DemoKeys, HUB_KEY_FILE};

/// The demo bank's provider code.
pub const DEMO_BANK_CODE: &str = "DEMO0000";
