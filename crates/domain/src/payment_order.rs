//! Payment orders the hub asks the Treasury to execute: refunds of money a
//! request could not take, and transfers the operator enters
//! (docs/reconciliation.md). Pure rules: the states an order passes through,
//! who may approve it, and what a status report may change.
//!
//! ```text
//! proposed ──approve──► approved ──batch──► submitted ──► accepted ──► executed
//!     └──────cancel────────┘                    └─────────────┴──────► rejected
//! ```
//! An order's state only moves forward (rank order), so a status report
//! read twice, or an older one read after a newer, changes nothing.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderState {
    /// Waiting for a person's approval.
    Proposed,
    /// Approved; goes into the next batch.
    Approved,
    /// In a pain.001 batch handed to the Treasury.
    Submitted,
    /// The Treasury took it (ACTC, ACCP, ACSP, ACWC, PDNG).
    Accepted,
    /// The money left the account (ACSC).
    Executed,
    /// The Treasury refused it (RJCT).
    Rejected,
    /// Withdrawn before it was sent.
    Cancelled,
}

impl OrderState {
    pub const ALL: [OrderState; 7] = [
        OrderState::Proposed,
        OrderState::Approved,
        OrderState::Submitted,
        OrderState::Accepted,
        OrderState::Executed,
        OrderState::Rejected,
        OrderState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Proposed => "proposed",
            OrderState::Approved => "approved",
            OrderState::Submitted => "submitted",
            OrderState::Accepted => "accepted",
            OrderState::Executed => "executed",
            OrderState::Rejected => "rejected",
            OrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Executed, rejected and cancelled orders never change again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Executed | OrderState::Rejected | OrderState::Cancelled
        )
    }

    fn rank(self) -> u8 {
        match self {
            OrderState::Proposed => 0,
            OrderState::Approved => 1,
            OrderState::Submitted => 2,
            OrderState::Accepted => 3,
            OrderState::Executed | OrderState::Rejected | OrderState::Cancelled => 4,
        }
    }

    /// Whether an order in `self` may move to `next`: forward only, never
    /// out of a final state, cancellation only before it is sent.
    pub fn may_become(self, next: OrderState) -> bool {
        if self.is_final() || next.rank() <= self.rank() {
            return false;
        }
        match next {
            OrderState::Cancelled => matches!(self, OrderState::Proposed | OrderState::Approved),
            OrderState::Approved => self == OrderState::Proposed,
            OrderState::Submitted => self == OrderState::Approved,
            OrderState::Accepted | OrderState::Executed | OrderState::Rejected => {
                matches!(self, OrderState::Submitted | OrderState::Accepted)
            }
            OrderState::Proposed => false,
        }
    }
}

/// What a pain.002 transaction status code says of an order; `None` for a
/// code that says nothing new (unknown codes are recorded, not applied).
pub fn state_of_status_code(code: &str) -> Option<OrderState> {
    match code {
        "ACTC" | "ACCP" | "ACSP" | "ACWC" | "ACWP" | "ACFC" | "PDNG" | "RCVD" | "PART" => {
            Some(OrderState::Accepted)
        }
        "ACSC" | "ACCC" => Some(OrderState::Executed),
        "RJCT" => Some(OrderState::Rejected),
        _ => None,
    }
}

/// Who proposed an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposer {
    /// Reconciliation proposed it (a refund of money owed back).
    Reconciliation,
    /// An operator entered it.
    Operator(String),
}

/// Four eyes: an order an operator entered is approved by another operator;
/// one reconciliation proposed is approved by any operator (a person looks at
/// it either way before money leaves).
pub fn may_approve(proposer: &Proposer, approver: &str) -> bool {
    match proposer {
        Proposer::Reconciliation => true,
        Proposer::Operator(name) => name != approver,
    }
}

/// The proposer as stored: an operator's name, or `reconciliation`.
impl Proposer {
    pub const RECONCILIATION: &'static str = "reconciliation";

    pub fn as_stored(&self) -> &str {
        match self {
            Proposer::Reconciliation => Self::RECONCILIATION,
            Proposer::Operator(name) => name,
        }
    }

    pub fn from_stored(text: &str) -> Proposer {
        if text == Self::RECONCILIATION {
            Proposer::Reconciliation
        } else {
            Proposer::Operator(text.to_owned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_order_only_moves_forward() {
        use OrderState::*;
        assert!(Proposed.may_become(Approved));
        assert!(Approved.may_become(Submitted));
        assert!(Submitted.may_become(Accepted));
        assert!(Submitted.may_become(Executed));
        assert!(Accepted.may_become(Executed));
        assert!(Accepted.may_become(Rejected));
        assert!(Proposed.may_become(Cancelled));
        assert!(Approved.may_become(Cancelled));

        assert!(!Proposed.may_become(Submitted), "not sent unapproved");
        assert!(!Approved.may_become(Executed));
        assert!(!Accepted.may_become(Submitted), "never backwards");
        assert!(!Accepted.may_become(Accepted));
        assert!(!Executed.may_become(Rejected), "a final state stays");
        assert!(!Rejected.may_become(Executed));
        assert!(
            !Submitted.may_become(Cancelled),
            "sent money is not cancelled here"
        );
        for state in OrderState::ALL {
            assert_eq!(OrderState::parse(state.as_str()), Some(state));
            assert!(!state.may_become(Proposed));
        }
    }

    #[test]
    fn status_codes_map_to_states() {
        assert_eq!(state_of_status_code("ACSC"), Some(OrderState::Executed));
        assert_eq!(state_of_status_code("ACSP"), Some(OrderState::Accepted));
        assert_eq!(state_of_status_code("RJCT"), Some(OrderState::Rejected));
        assert_eq!(state_of_status_code("XXXX"), None);
    }

    #[test]
    fn an_operator_does_not_approve_their_own_order() {
        let anna = Proposer::Operator("anna".into());
        assert!(!may_approve(&anna, "anna"));
        assert!(may_approve(&anna, "juris"));
        assert!(may_approve(&Proposer::Reconciliation, "anna"));
        assert_eq!(
            Proposer::from_stored("reconciliation"),
            Proposer::Reconciliation
        );
        assert_eq!(Proposer::from_stored(anna.as_stored()), anna);
    }
}
