//! **A generic PSD2 payment-initiation connector** (Berlin Group
//! NextGenPSD2 XS2A, v1.3; `docs/providers/psd2.md`): the hub acts as the
//! payment initiation service provider (TPP) towards any ASPSP (the payer's
//! bank) that speaks the framework's redirect approach. [`Psd2Connector`] is
//! the hub's side and [`Psd2Sim`] a simulated ASPSP for the sandbox.
//!
//! The hub creates the payment server to server (`POST
//! /v1/payments/sepa-credit-transfers`, over mutual TLS with the hub's eIDAS
//! QWAC); the ASPSP answers its `paymentId` and the `scaRedirect` page the
//! payer authorises it on. The payer's browser comes back to the
//! `TPP-Redirect-URI` (or `TPP-Nok-Redirect-URI`) we gave, carrying nothing
//! signed: the return only names the attempt (a parameter of ours on those
//! URLs), and the hub asks the ASPSP (`GET …/{paymentId}/status`), whose
//! answer over the mutually authenticated connection is the only thing
//! believed. The API sends no server-to-server message.

mod connector;
pub mod json;
mod sim;

pub use connector::{Psd2Config, Psd2Connector, ScaApproach};
pub use sim::{Psd2Sim, STATUS_PATH, STATUS_PATHS, sandbox};

use maksa_domain::attempt::Outcome;

/// The module's name: logs.
pub const MODULE: &str = "psd2";
/// The sandbox's provider code of the simulated ASPSP (`maksa demo`,
/// `/sim/psd2`): not a BIC, so it is never mistaken for a real bank's.
pub const SANDBOX_CODE: &str = "PSD2DEMO";
/// The parameter of ours added to the redirect URIs: the attempt's 32 hex
/// digits (the same name as Swedbank V3's, so the hub's door reads both alike).
pub const ATTEMPT_PARAM: &str = crate::swedbank_v3::ATTEMPT_PARAM;
/// The parameter that marks the `TPP-Nok-Redirect-URI` (`maksa_result=nok`):
/// only a hint for the logs, the outcome is always asked for.
pub const RESULT_PARAM: &str = "maksa_result";
/// The payment product's path under the API base.
pub const PAYMENTS_PATH: &str = "/v1/payments/sepa-credit-transfers";
/// The longest `creditorName` the framework takes (Max70Text).
pub const CREDITOR_NAME_LIMIT: usize = 70;
/// The longest `remittanceInformationUnstructured` (Max140Text).
pub const REMITTANCE_LIMIT: usize = 140;
/// The longest `paymentId` believed; it goes into a URL path and the
/// attempt's record.
pub const PAYMENT_ID_LIMIT: usize = 128;
/// The largest answer read from the ASPSP (or, in the simulator, a request
/// from the hub).
pub const BODY_LIMIT: usize = 64 * 1024;
/// The longest redirect URI the hub sends or believes.
pub const URL_LIMIT: usize = 2048;
/// The longest reason an error quotes from the ASPSP's `tppMessages`.
pub const REASON_CHARS: usize = 200;

/// A `paymentId` as we believe it: 1 to 128 ASCII letters, digits, `.`, `_`
/// or `-` (no `/`, no `%`: it becomes a path segment as it is).
pub fn valid_payment_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= PAYMENT_ID_LIMIT
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && id != "."
        && id != ".."
}

/// What a `transactionStatus` (ISO 20022 ExternalPaymentTransactionStatus1Code,
/// as the framework lists it) means for the attempt. Money counts as received
/// only where the status says the payer's bank settled it:
///
/// - `ACSC` (settlement on the debtor's account completed) and `ACCC`
///   (settlement on the creditor's account completed): `Executed`.
/// - `ACCP`, `ACFC`, `ACSP`, `ACTC`, `ACWC`, `ACWP`: the payment is accepted
///   (technically, customer profile, funds checked, settlement in process,
///   with change, without posting) but not yet booked: `Accepted`, the
///   attempt stays open and the status-recovery worker asks again.
/// - `RCVD` (received, not yet authorised), `PDNG` (pending further checks),
///   `PATC` (partially accepted: some authorisations still missing), `PART`
///   (partially accepted: a bulk's part, meaningless for one payment):
///   `Ok(None)`, nothing decided yet.
/// - `RJCT` (rejected) and `CANC` (cancelled): `Rejected`.
/// - Anything else is not an answer we understand: `Err` (the caller reports
///   the ASPSP unavailable and asks again later).
pub fn status_outcome(status: &str) -> Result<Option<Outcome>, String> {
    match status {
        "ACSC" | "ACCC" => Ok(Some(Outcome::Executed)),
        "ACCP" | "ACFC" | "ACSP" | "ACTC" | "ACWC" | "ACWP" => Ok(Some(Outcome::Accepted)),
        "RCVD" | "PDNG" | "PATC" | "PART" => Ok(None),
        "RJCT" | "CANC" => Ok(Some(Outcome::Rejected)),
        other => Err(format!(
            "transactionStatus {} is not a status of the framework",
            crate::vk::quoted(other)
        )),
    }
}

/// Every `transactionStatus` of the framework, in the order of the table above.
pub const STATUSES: &[&str] = &[
    "ACSC", "ACCC", "ACCP", "ACFC", "ACSP", "ACTC", "ACWC", "ACWP", "RCVD", "PDNG", "PATC", "PART",
    "RJCT", "CANC",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_status_of_the_framework_is_mapped() {
        let expected = [
            Some(Outcome::Executed),
            Some(Outcome::Executed),
            Some(Outcome::Accepted),
            Some(Outcome::Accepted),
            Some(Outcome::Accepted),
            Some(Outcome::Accepted),
            Some(Outcome::Accepted),
            Some(Outcome::Accepted),
            None,
            None,
            None,
            None,
            Some(Outcome::Rejected),
            Some(Outcome::Rejected),
        ];
        assert_eq!(STATUSES.len(), expected.len());
        for (status, outcome) in STATUSES.iter().zip(expected) {
            assert_eq!(status_outcome(status).unwrap(), outcome, "{status}");
        }
        for unknown in ["acsc", "", "ACSC ", "EXECUTED", "ACC", "ÅCSC"] {
            assert!(status_outcome(unknown).is_err(), "{unknown}");
        }
    }

    #[test]
    fn payment_ids_are_bounded_and_plain() {
        assert!(valid_payment_id("1234-wertiq-983"));
        assert!(valid_payment_id("a.b_c-D9"));
        for bad in ["", ".", "..", "a/b", "a b", "%2e", "ā", "a?b"] {
            assert!(!valid_payment_id(bad), "{bad}");
        }
        assert!(valid_payment_id(&"a".repeat(PAYMENT_ID_LIMIT)));
        assert!(!valid_payment_id(&"a".repeat(PAYMENT_ID_LIMIT + 1)));
    }
}
