//! The error codes of the VISS request web service (the data exchange
//! guideline's list, numbers and names as it spells them — including its
//! `Incorect` and its two "correlation not found" codes), and the fault the
//! IVIS door answers inside an `IVISResponse` (`Result` = failure, `Errors`).
//!
//! The reader (`read.rs`) raises the codes a message alone decides; the codes
//! that need the store (a transaction or correlation that is not known, the
//! caller's rights) are the application's to raise.

use maksa_domain::text::bounded_message;

/// How long an [`IvisFault`]'s detail may be: each value it quotes (in
/// backquotes) is cut to 200 characters first, then the whole to this.
pub const DETAIL_LIMIT: usize = 1_000;

/// The 23 codes, in the guideline's order; `number()` is its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IvisErrorCode {
    MessageIdNotSpecified,
    CorrelationIdNotSpecified,
    CorrelationIdNotFound,
    TransactionIdIncorrect,
    TransactionNotStarted,
    SenderIncorrect,
    CorrelationIdNotFoundForAnswer,
    DestinationIsNull,
    DestinationIncorrectType,
    DestinationNotFound,
    DestinationNotIntegrationService,
    DestinationWrongServiceCallingType,
    DestinationUserRightToLow,
    DestinationIncorrectAddress,
    DestinationIncorrectTestAddress,
    MessageTypeNotSet,
    BodyNotSet,
    BodyIncorrect,
    BodyToBig,
    UrnTypeIsIncorect,
    MessageTypeIncorrect,
    BodyWrongFormat,
    MessageTypeNotFound,
}

impl IvisErrorCode {
    pub const ALL: [IvisErrorCode; 23] = [
        IvisErrorCode::MessageIdNotSpecified,
        IvisErrorCode::CorrelationIdNotSpecified,
        IvisErrorCode::CorrelationIdNotFound,
        IvisErrorCode::TransactionIdIncorrect,
        IvisErrorCode::TransactionNotStarted,
        IvisErrorCode::SenderIncorrect,
        IvisErrorCode::CorrelationIdNotFoundForAnswer,
        IvisErrorCode::DestinationIsNull,
        IvisErrorCode::DestinationIncorrectType,
        IvisErrorCode::DestinationNotFound,
        IvisErrorCode::DestinationNotIntegrationService,
        IvisErrorCode::DestinationWrongServiceCallingType,
        IvisErrorCode::DestinationUserRightToLow,
        IvisErrorCode::DestinationIncorrectAddress,
        IvisErrorCode::DestinationIncorrectTestAddress,
        IvisErrorCode::MessageTypeNotSet,
        IvisErrorCode::BodyNotSet,
        IvisErrorCode::BodyIncorrect,
        IvisErrorCode::BodyToBig,
        IvisErrorCode::UrnTypeIsIncorect,
        IvisErrorCode::MessageTypeIncorrect,
        IvisErrorCode::BodyWrongFormat,
        IvisErrorCode::MessageTypeNotFound,
    ];

    /// The guideline's number (1–23).
    pub fn number(self) -> u8 {
        match self {
            IvisErrorCode::MessageIdNotSpecified => 1,
            IvisErrorCode::CorrelationIdNotSpecified => 2,
            IvisErrorCode::CorrelationIdNotFound => 3,
            IvisErrorCode::TransactionIdIncorrect => 4,
            IvisErrorCode::TransactionNotStarted => 5,
            IvisErrorCode::SenderIncorrect => 6,
            IvisErrorCode::CorrelationIdNotFoundForAnswer => 7,
            IvisErrorCode::DestinationIsNull => 8,
            IvisErrorCode::DestinationIncorrectType => 9,
            IvisErrorCode::DestinationNotFound => 10,
            IvisErrorCode::DestinationNotIntegrationService => 11,
            IvisErrorCode::DestinationWrongServiceCallingType => 12,
            IvisErrorCode::DestinationUserRightToLow => 13,
            IvisErrorCode::DestinationIncorrectAddress => 14,
            IvisErrorCode::DestinationIncorrectTestAddress => 15,
            IvisErrorCode::MessageTypeNotSet => 16,
            IvisErrorCode::BodyNotSet => 17,
            IvisErrorCode::BodyIncorrect => 18,
            IvisErrorCode::BodyToBig => 19,
            IvisErrorCode::UrnTypeIsIncorect => 20,
            IvisErrorCode::MessageTypeIncorrect => 21,
            IvisErrorCode::BodyWrongFormat => 22,
            IvisErrorCode::MessageTypeNotFound => 23,
        }
    }

    /// The name exactly as the guideline spells it: this is what `ErrorCode`
    /// carries (how a .NET enumeration is written in XML), so clients built
    /// against the original compare the same words.
    pub fn name(self) -> &'static str {
        match self {
            IvisErrorCode::MessageIdNotSpecified => "MessageIdNotSpecified",
            IvisErrorCode::CorrelationIdNotSpecified => "CorrelationIdNotSpecified",
            IvisErrorCode::CorrelationIdNotFound => "CorrelationIdNotFound",
            IvisErrorCode::TransactionIdIncorrect => "TransactionIdIncorrect",
            IvisErrorCode::TransactionNotStarted => "TransactionNotStarted",
            IvisErrorCode::SenderIncorrect => "SenderIncorrect",
            // The guideline's 7 differs from its 3 only in the case of "ID".
            IvisErrorCode::CorrelationIdNotFoundForAnswer => "CorrelationIDNotFound",
            IvisErrorCode::DestinationIsNull => "DestinationIsNull",
            IvisErrorCode::DestinationIncorrectType => "DestinationIncorrectType",
            IvisErrorCode::DestinationNotFound => "DestinationNotFound",
            IvisErrorCode::DestinationNotIntegrationService => "DestinationNotIntegrationService",
            IvisErrorCode::DestinationWrongServiceCallingType => {
                "DestinationWrongServiceCallingType"
            }
            IvisErrorCode::DestinationUserRightToLow => "DestinationUserRightToLow",
            IvisErrorCode::DestinationIncorrectAddress => "DestinationIncorrectAddress",
            IvisErrorCode::DestinationIncorrectTestAddress => "DestinationIncorrectTestAddress",
            IvisErrorCode::MessageTypeNotSet => "MessageTypeNotSet",
            IvisErrorCode::BodyNotSet => "BodyNotSet",
            IvisErrorCode::BodyIncorrect => "BodyIncorrect",
            IvisErrorCode::BodyToBig => "BodyToBig",
            IvisErrorCode::UrnTypeIsIncorect => "URNTypeIsIncorect",
            IvisErrorCode::MessageTypeIncorrect => "MessageTypeIncorrect",
            IvisErrorCode::BodyWrongFormat => "BodyWrongFormat",
            IvisErrorCode::MessageTypeNotFound => "MessageTypeNotFound",
        }
    }

    /// What the code means, in our words.
    pub fn description(self) -> &'static str {
        match self {
            IvisErrorCode::MessageIdNotSpecified => "the header has no MessageID",
            IvisErrorCode::CorrelationIdNotSpecified => "no CorrelationID was given",
            IvisErrorCode::CorrelationIdNotFound => {
                "no answer has this CorrelationID, or it is not the one of the request"
            }
            IvisErrorCode::TransactionIdIncorrect => "the TransactionID is not a valid transaction",
            IvisErrorCode::TransactionNotStarted => "the transaction was not started",
            IvisErrorCode::SenderIncorrect => "the sender may not send this message",
            IvisErrorCode::CorrelationIdNotFoundForAnswer => "no answer has this CorrelationID",
            IvisErrorCode::DestinationIsNull => "the header has no Destination",
            IvisErrorCode::DestinationIncorrectType => {
                "the Destination or ResponseEndPoint is not an address of the accepted kind"
            }
            IvisErrorCode::DestinationNotFound => "no service is registered at this Destination",
            IvisErrorCode::DestinationNotIntegrationService => {
                "the Destination is not an integration service"
            }
            IvisErrorCode::DestinationWrongServiceCallingType => {
                "the Destination is not called this way (synchronously or asynchronously)"
            }
            IvisErrorCode::DestinationUserRightToLow => {
                "the caller has no right to call this Destination"
            }
            IvisErrorCode::DestinationIncorrectAddress => "the Destination's address is wrong",
            IvisErrorCode::DestinationIncorrectTestAddress => {
                "the Destination's test address is wrong"
            }
            IvisErrorCode::MessageTypeNotSet => "the message has a Body but no MessageType",
            IvisErrorCode::BodyNotSet => "the message has a MessageType but no Body",
            IvisErrorCode::BodyIncorrect => "the Body cannot be read",
            IvisErrorCode::BodyToBig => "the message is too large",
            IvisErrorCode::UrnTypeIsIncorect => "the MessageType does not name the Body's type",
            IvisErrorCode::MessageTypeIncorrect => {
                "the MessageType is not a URN:IVIS identifier of a schema type"
            }
            IvisErrorCode::BodyWrongFormat => "the Body does not follow its type's schema",
            IvisErrorCode::MessageTypeNotFound => "no schema is known for this MessageType",
        }
    }

    pub fn from_number(number: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.number() == number)
    }
}

impl std::fmt::Display for IvisErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.number(), self.name())
    }
}

/// One entry of an answer's `Errors`: a code and what exactly was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvisFault {
    pub code: IvisErrorCode,
    /// Bounded (see [`IvisFault::new`]): a caller's 4 MB value never comes back whole.
    pub detail: String,
}

impl IvisFault {
    /// `detail` quotes the caller's values in backquotes; each is cut to 200
    /// characters and the whole to [`DETAIL_LIMIT`].
    pub fn new(code: IvisErrorCode, detail: impl AsRef<str>) -> Self {
        IvisFault {
            code,
            detail: bounded_message(detail.as_ref(), DETAIL_LIMIT),
        }
    }

    /// `ErrorDescription`: the code's meaning, then the detail.
    pub fn description(&self) -> String {
        if self.detail.is_empty() {
            self.code.description().to_owned()
        } else {
            format!("{}: {}", self.code.description(), self.detail)
        }
    }
}

impl std::fmt::Display for IvisFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.code, self.description())
    }
}

/// A SOAP 1.2 fault's code (SOAP 1.2 part 1, §5.4.6): what is answered when a
/// message cannot be read as a call at all, outside any `IVISResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapFaultCode {
    /// The caller's message is wrong (not XML, not an envelope, an unknown
    /// operation, an `a:Action` that names another operation).
    Sender,
    /// The fault is ours.
    Receiver,
    /// A SOAP 1.1 (or other) envelope sent to this SOAP 1.2 endpoint.
    VersionMismatch,
}

impl SoapFaultCode {
    /// The local name of the `env:Value`.
    pub fn value(self) -> &'static str {
        match self {
            SoapFaultCode::Sender => "Sender",
            SoapFaultCode::Receiver => "Receiver",
            SoapFaultCode::VersionMismatch => "VersionMismatch",
        }
    }

    /// SOAP 1.2's HTTP binding (part 2, §7.5.1.2): a Sender fault is a 400,
    /// every other fault a 500.
    pub fn http_status(self) -> u16 {
        match self {
            SoapFaultCode::Sender => 400,
            SoapFaultCode::Receiver | SoapFaultCode::VersionMismatch => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbers_run_from_1_to_23_in_order() {
        for (index, code) in IvisErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(code.number()), index + 1);
            assert_eq!(IvisErrorCode::from_number(code.number()), Some(code));
            assert!(!code.description().is_empty());
        }
        assert_eq!(IvisErrorCode::from_number(0), None);
        assert_eq!(IvisErrorCode::from_number(24), None);
        let names: std::collections::HashSet<_> =
            IvisErrorCode::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), 23);
        assert_eq!(IvisErrorCode::UrnTypeIsIncorect.name(), "URNTypeIsIncorect");
        assert_eq!(
            IvisErrorCode::BodyToBig.to_string(),
            "19 BodyToBig".to_owned()
        );
    }

    #[test]
    fn details_are_bounded() {
        let fault = IvisFault::new(
            IvisErrorCode::BodyWrongFormat,
            format!("ServiceStep: `{}` is wrong", "x".repeat(10_000)),
        );
        assert!(fault.detail.chars().count() < 300, "{}", fault.detail);
        assert!(fault.detail.contains("(cut: 10000 characters)"));
        let long = IvisFault::new(IvisErrorCode::BodyWrongFormat, "y".repeat(10_000));
        assert!(long.detail.chars().count() < DETAIL_LIMIT + 40);
    }
}
