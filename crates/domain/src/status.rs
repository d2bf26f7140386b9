//! The status machine of payment requests and payments (INTERFACE.md §2).
//!
//! ```text
//!        ┌──► E  every payment executed
//!        ├──► R  ExpiryDate passed before full payment
//!   P ───┼──► O  some payments executed, the rest expired or cancelled
//!        └──► C  cancelled by the client
//! ```
//! Every transition leaves P; nothing ever leaves E, R, O or C. Which of R/C
//! or O an expiry or cancellation leads to depends on the request's payments:
//! `request::PaymentRequest::after` decides it, on top of [`next_status`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// One letter on the wire, as in the originals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// P: in process.
    InProcess,
    /// E: executed (paid).
    Executed,
    /// R: expired before full payment.
    Expired,
    /// O: another outcome — a request that expired or was cancelled after
    /// some, not all, of its payments were made.
    Other,
    /// C: cancelled manually. The originals have no letter; `C` is our decision.
    Cancelled,
}

impl Status {
    pub fn letter(self) -> char {
        match self {
            Status::InProcess => 'P',
            Status::Executed => 'E',
            Status::Expired => 'R',
            Status::Other => 'O',
            Status::Cancelled => 'C',
        }
    }

    pub fn from_letter(letter: &str) -> Option<Self> {
        Some(match letter {
            "P" => Status::InProcess,
            "E" => Status::Executed,
            "R" => Status::Expired,
            "O" => Status::Other,
            "C" => Status::Cancelled,
            _ => return None,
        })
    }

    pub fn is_final(self) -> bool {
        self != Status::InProcess
    }

    /// The words the originals' `UsageStatus` uses for a request.
    pub fn usage_text(self) -> &'static str {
        match self {
            Status::InProcess => "Neizmantots",
            Status::Executed => "Izmantots",
            Status::Expired => "Beidzies derīguma termiņš",
            Status::Other => "Cits",
            Status::Cancelled => "Manuāli atcelts",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

/// What can happen to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestEvent {
    AllPaymentsExecuted,
    ExpiryReached,
    ProviderReportedOther,
    CancelledByClient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a request in status {from} cannot take {event:?}")]
pub struct TransitionRefused {
    pub from: Status,
    pub event: RequestEvent,
}

/// The only way a status changes. Final statuses refuse every event.
pub fn next_status(from: Status, event: RequestEvent) -> Result<Status, TransitionRefused> {
    if from.is_final() {
        return Err(TransitionRefused { from, event });
    }
    Ok(match event {
        RequestEvent::AllPaymentsExecuted => Status::Executed,
        RequestEvent::ExpiryReached => Status::Expired,
        RequestEvent::ProviderReportedOther => Status::Other,
        RequestEvent::CancelledByClient => Status::Cancelled,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn any_event() -> impl Strategy<Value = RequestEvent> {
        prop_oneof![
            Just(RequestEvent::AllPaymentsExecuted),
            Just(RequestEvent::ExpiryReached),
            Just(RequestEvent::ProviderReportedOther),
            Just(RequestEvent::CancelledByClient),
        ]
    }

    #[test]
    fn letters_round_trip() {
        for s in [
            Status::InProcess,
            Status::Executed,
            Status::Expired,
            Status::Other,
            Status::Cancelled,
        ] {
            assert_eq!(Status::from_letter(&s.letter().to_string()), Some(s));
        }
        assert_eq!(Status::from_letter("X"), None);
    }

    #[test]
    fn a_paid_request_cannot_be_cancelled_or_expired() {
        let paid = next_status(Status::InProcess, RequestEvent::AllPaymentsExecuted).unwrap();
        assert_eq!(paid, Status::Executed);
        assert!(next_status(paid, RequestEvent::CancelledByClient).is_err());
        assert!(next_status(paid, RequestEvent::ExpiryReached).is_err());
    }

    proptest! {
        /// Whatever happens, the status changes at most once and never returns to P.
        #[test]
        fn transitions_are_one_way(events in proptest::collection::vec(any_event(), 0..20)) {
            let mut status = Status::InProcess;
            let mut changes = 0;
            for event in events {
                match next_status(status, event) {
                    Ok(next) => {
                        prop_assert!(!status.is_final());
                        prop_assert!(next.is_final());
                        status = next;
                        changes += 1;
                    }
                    Err(refused) => {
                        prop_assert!(status.is_final());
                        prop_assert_eq!(refused.from, status);
                    }
                }
            }
            prop_assert!(changes <= 1);
        }
    }
}
