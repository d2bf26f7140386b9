//! A payment's attempts at a provider, and how the provider's messages settle
//! them.
//!
//! A provider tells us the outcome of an attempt up to twice (the payer's
//! browser coming back, and a server-to-server message), in either order,
//! possibly repeated, possibly one of them never. To make every arrival order
//! end in the same state, an attempt's state only ever moves *up* this order
//! and each message is joined with what we know:
//!
//! ```text
//! Started < Accepted (for processing) < Rejected < Executed
//! ```
//!
//! `Executed` beats `Rejected` because money that moved is a fact we must not
//! lose: a late "executed" after a "rejected" is what really happened.

use crate::codes::ProviderCode;
use crate::ids::PaymentRequestId;
use crate::money::{Amount, Currency};
use crate::status::{RequestEvent, Status, next_status};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

/// The reference we give a provider for one attempt: random (v4), so it cannot
/// be guessed from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AttemptId(Uuid);

impl AttemptId {
    pub fn from_random(bytes: [u8; 16]) -> Self {
        AttemptId(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    pub fn parse(text: &str) -> Option<Self> {
        Uuid::parse_str(text.trim()).ok().map(AttemptId)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    pub fn from_uuid(id: Uuid) -> Self {
        AttemptId(id)
    }

    /// The 32 hex digits without hyphens, for providers whose reference field is short.
    pub fn simple(&self) -> String {
        self.0.simple().to_string()
    }
}

impl fmt::Display for AttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// Where an attempt stands. The derive order is the join order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AttemptState {
    /// The payer was sent to the provider; nothing heard yet.
    Started,
    /// The provider accepted the payment for processing; not yet executed.
    Accepted,
    /// The provider (or the payer there) refused or cancelled it.
    Rejected,
    /// The money moved.
    Executed,
}

impl AttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Started => "started",
            AttemptState::Accepted => "accepted",
            AttemptState::Rejected => "rejected",
            AttemptState::Executed => "executed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "started" => AttemptState::Started,
            "accepted" => AttemptState::Accepted,
            "rejected" => AttemptState::Rejected,
            "executed" => AttemptState::Executed,
            _ => return None,
        })
    }

    /// While an attempt is open, its payment cannot be started again: the payer
    /// may still be paying at the provider.
    pub fn is_open(self) -> bool {
        matches!(self, AttemptState::Started | AttemptState::Accepted)
    }
}

/// What a provider says about an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Accepted,
    Executed,
    Rejected,
}

impl Outcome {
    pub fn state(self) -> AttemptState {
        match self {
            Outcome::Accepted => AttemptState::Accepted,
            Outcome::Executed => AttemptState::Executed,
            Outcome::Rejected => AttemptState::Rejected,
        }
    }
}

/// Joins what we knew with a new message: the result never goes down.
pub fn join(current: AttemptState, outcome: Outcome) -> AttemptState {
    current.max(outcome.state())
}

/// One attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub id: AttemptId,
    pub request_id: PaymentRequestId,
    /// The payment's sequence within its request (1-based).
    pub sequence: u16,
    pub provider: ProviderCode,
    /// What we asked the provider to take; a message naming another amount or
    /// currency is refused.
    pub amount: Amount,
    pub currency: Currency,
    pub state: AttemptState,
    /// The provider's own id of the payment, once it told us.
    pub external_id: Option<String>,
    /// Money arrived for a request that can no longer be paid (expired,
    /// cancelled): an operator must return it.
    pub refund_required: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What must be written after a verified provider message, decided here and
/// applied by the app's `record_outcome` workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The attempt's new state (may equal the old one: a repeated message).
    pub attempt_state: AttemptState,
    /// Mark the attempt's payment executed (status E, provider, paid time).
    pub mark_payment_paid: bool,
    /// The request's new status (E, by `status::next_status`): every payment is
    /// now executed.
    pub request_to: Option<Status>,
    /// Flag the attempt for a refund.
    pub refund_required: bool,
    /// Nothing changed: the message repeated what we knew, or was overtaken.
    pub unchanged: bool,
}

/// The rule for a verified message about an attempt.
///
/// - `request_status` is the request's status before the message;
/// - `payment_paid` whether the attempt's payment is already executed;
/// - `other_payments_paid` whether every *other* payment of the request is.
pub fn settle(
    attempt: &Attempt,
    outcome: Outcome,
    request_status: Status,
    payment_paid: bool,
    other_payments_paid: bool,
) -> Settlement {
    let state = join(attempt.state, outcome);
    let newly_executed = state == AttemptState::Executed && attempt.state != AttemptState::Executed;
    // Money for a request that cannot take it any more (expired, cancelled, or
    // already paid through another attempt) is kept on record and refunded.
    let payable = request_status == Status::InProcess && !payment_paid;
    let refund_required = attempt.refund_required || (newly_executed && !payable);
    let mark_payment_paid = newly_executed && payable;
    // The request's move, when this payment was its last one, is the status
    // machine's to decide, like every status change.
    let request_to = if mark_payment_paid && other_payments_paid {
        next_status(request_status, RequestEvent::AllPaymentsExecuted).ok()
    } else {
        None
    };
    Settlement {
        attempt_state: state,
        mark_payment_paid,
        request_to,
        refund_required,
        unchanged: state == attempt.state && refund_required == attempt.refund_required,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn attempt(state: AttemptState) -> Attempt {
        Attempt {
            id: AttemptId::from_random([7; 16]),
            request_id: PaymentRequestId::from_random([1; 16]),
            sequence: 1,
            provider: ProviderCode::parse("DEMO0000").unwrap(),
            amount: Amount::from_minor(1234).unwrap(),
            currency: Currency::EUR,
            state,
            external_id: None,
            refund_required: false,
            created_at: datetime!(2026-11-23 10:00 UTC),
            updated_at: datetime!(2026-11-23 10:00 UTC),
        }
    }

    fn any_outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            Just(Outcome::Accepted),
            Just(Outcome::Executed),
            Just(Outcome::Rejected)
        ]
    }

    /// Applies messages one by one as a store would.
    fn replay(messages: &[Outcome], request_status: Status) -> (AttemptState, bool, bool) {
        let mut current = attempt(AttemptState::Started);
        let mut paid = false;
        for outcome in messages {
            let s = settle(&current, *outcome, request_status, paid, true);
            current.state = s.attempt_state;
            current.refund_required = s.refund_required;
            paid |= s.mark_payment_paid;
        }
        (current.state, paid, current.refund_required)
    }

    #[test]
    fn executed_after_rejected_wins() {
        assert_eq!(
            join(AttemptState::Rejected, Outcome::Executed),
            AttemptState::Executed
        );
        assert_eq!(
            join(AttemptState::Executed, Outcome::Rejected),
            AttemptState::Executed
        );
    }

    #[test]
    fn a_single_payment_pays_the_request() {
        let s = settle(
            &attempt(AttemptState::Started),
            Outcome::Executed,
            Status::InProcess,
            false,
            true,
        );
        assert!(s.mark_payment_paid);
        assert_eq!(s.request_to, Some(Status::Executed));
        assert!(!s.refund_required);
    }

    #[test]
    fn the_first_of_two_payments_leaves_the_request_in_process() {
        let s = settle(
            &attempt(AttemptState::Started),
            Outcome::Executed,
            Status::InProcess,
            false,
            false,
        );
        assert!(s.mark_payment_paid);
        assert_eq!(s.request_to, None);
    }

    #[test]
    fn money_for_an_expired_or_cancelled_request_is_flagged_for_refund() {
        for status in [Status::Expired, Status::Cancelled, Status::Other] {
            let s = settle(
                &attempt(AttemptState::Started),
                Outcome::Executed,
                status,
                false,
                true,
            );
            assert!(s.refund_required, "{status}");
            assert!(!s.mark_payment_paid);
            assert_eq!(s.request_to, None);
            assert_eq!(s.attempt_state, AttemptState::Executed);
        }
    }

    #[test]
    fn a_second_attempt_paying_a_paid_payment_is_flagged_for_refund() {
        let s = settle(
            &attempt(AttemptState::Started),
            Outcome::Executed,
            Status::InProcess,
            true,
            true,
        );
        assert!(s.refund_required);
        assert!(!s.mark_payment_paid);
    }

    #[test]
    fn a_repeated_message_changes_nothing() {
        let s = settle(
            &attempt(AttemptState::Executed),
            Outcome::Executed,
            Status::Executed,
            true,
            true,
        );
        assert!(s.unchanged);
        assert!(!s.mark_payment_paid);
        assert_eq!(s.request_to, None);
    }

    proptest! {
        /// Any order, with repeats, ends in the same state as the sorted order.
        #[test]
        fn arrival_order_does_not_matter(
            mut messages in proptest::collection::vec(any_outcome(), 1..6),
            status in prop_oneof![Just(Status::InProcess), Just(Status::Expired)],
        ) {
            let as_arrived = replay(&messages, status);
            messages.reverse();
            let reversed = replay(&messages, status);
            messages.sort_by_key(|m| m.state());
            let sorted = replay(&messages, status);
            prop_assert_eq!(as_arrived, reversed);
            prop_assert_eq!(as_arrived, sorted);
            // Paid exactly when some message said executed and the request was payable.
            let executed = messages.contains(&Outcome::Executed);
            prop_assert_eq!(as_arrived.1, executed && status == Status::InProcess);
            prop_assert_eq!(as_arrived.2, executed && status != Status::InProcess);
        }
    }
}
