//! The application layer's one error type and the catalogue of error codes.
//! Each door maps an `AppError` once to its wire form (REST: HTTP status +
//! `MM-Error`/`MM-ErrorMessage`; SOAP: a fault).

use crate::store::StoreError;
use maksa_domain::error::{ValidationCode, ValidationErrors};
use std::fmt;

/// Every code of `docs/errors.md`, each listed once: clients branch on these
/// (`MM-Error`, the SOAP fault's `Code`, the payer page's `data-notice`). A
/// test reads the catalogue's tables and compares them with [`ErrorCode::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // Reading the request.
    InvalidJson,
    BodyTooLarge,
    MissingField,
    InvalidField,
    InvalidId,
    // Payment request rules.
    UnknownServiceStep,
    ServiceNotContracted,
    UnknownPosition,
    AmountNotAllowed,
    ZeroAmount,
    MixedCurrencies,
    InvalidClientCode,
    ExpiryInPast,
    UnknownBank,
    BankNotContracted,
    PaymentObjectTooLong,
    UrlNotRegistered,
    ServiceNotAllowed,
    // Authentication.
    TlsRequired,
    CertRequired,
    CertMissing,
    CertInvalid,
    CertMismatch,
    CertUnknown,
    CertExpired,
    CertRevoked,
    // State.
    NotFound,
    InvalidStatusTransition,
    // The payer's pages and the providers' endpoints.
    PaymentInProgress,
    AlreadyPaid,
    RequestExpired,
    RequestFinal,
    ProviderNotOffered,
    PaymentNotPayable,
    ProviderUnavailable,
    ProviderMessageRefused,
    // The SOAP door.
    InvalidXml,
    UnknownOperation,
    RoleRequired,
    // The IVIS door (docs/ivis.md maps each to the guideline's number).
    TransactionIncorrect,
    TransactionNotStarted,
    SenderIncorrect,
    CorrelationNotFound,
    WrongCallingType,
    TestNotAccepted,
    // The payer's workspace.
    SignInRefused,
    // Idempotency keys and rate limits (docs/idempotency.md, docs/rate-limits.md).
    InvalidIdempotencyKey,
    IdempotencyKeyReused,
    RateLimited,
    // Ours.
    Unavailable,
    StorageFull,
    StorageFailed,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 53] = [
        ErrorCode::InvalidJson,
        ErrorCode::BodyTooLarge,
        ErrorCode::MissingField,
        ErrorCode::InvalidField,
        ErrorCode::InvalidId,
        ErrorCode::UnknownServiceStep,
        ErrorCode::ServiceNotContracted,
        ErrorCode::UnknownPosition,
        ErrorCode::AmountNotAllowed,
        ErrorCode::ZeroAmount,
        ErrorCode::MixedCurrencies,
        ErrorCode::InvalidClientCode,
        ErrorCode::ExpiryInPast,
        ErrorCode::UnknownBank,
        ErrorCode::BankNotContracted,
        ErrorCode::PaymentObjectTooLong,
        ErrorCode::UrlNotRegistered,
        ErrorCode::ServiceNotAllowed,
        ErrorCode::TlsRequired,
        ErrorCode::CertRequired,
        ErrorCode::CertMissing,
        ErrorCode::CertInvalid,
        ErrorCode::CertMismatch,
        ErrorCode::CertUnknown,
        ErrorCode::CertExpired,
        ErrorCode::CertRevoked,
        ErrorCode::NotFound,
        ErrorCode::InvalidStatusTransition,
        ErrorCode::PaymentInProgress,
        ErrorCode::AlreadyPaid,
        ErrorCode::RequestExpired,
        ErrorCode::RequestFinal,
        ErrorCode::ProviderNotOffered,
        ErrorCode::PaymentNotPayable,
        ErrorCode::ProviderUnavailable,
        ErrorCode::ProviderMessageRefused,
        ErrorCode::InvalidXml,
        ErrorCode::UnknownOperation,
        ErrorCode::RoleRequired,
        ErrorCode::TransactionIncorrect,
        ErrorCode::TransactionNotStarted,
        ErrorCode::SenderIncorrect,
        ErrorCode::CorrelationNotFound,
        ErrorCode::WrongCallingType,
        ErrorCode::TestNotAccepted,
        ErrorCode::SignInRefused,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::StorageFull,
        ErrorCode::StorageFailed,
        ErrorCode::Internal,
    ];

    /// The code as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::BodyTooLarge => "BODY_TOO_LARGE",
            ErrorCode::MissingField => "MISSING_FIELD",
            ErrorCode::InvalidField => "INVALID_FIELD",
            ErrorCode::InvalidId => "INVALID_ID",
            ErrorCode::UnknownServiceStep => "UNKNOWN_SERVICE_STEP",
            ErrorCode::ServiceNotContracted => "SERVICE_NOT_CONTRACTED",
            ErrorCode::UnknownPosition => "UNKNOWN_POSITION",
            ErrorCode::AmountNotAllowed => "AMOUNT_NOT_ALLOWED",
            ErrorCode::ZeroAmount => "ZERO_AMOUNT",
            ErrorCode::MixedCurrencies => "MIXED_CURRENCIES",
            ErrorCode::InvalidClientCode => "INVALID_CLIENT_CODE",
            ErrorCode::ExpiryInPast => "EXPIRY_IN_PAST",
            ErrorCode::UnknownBank => "UNKNOWN_BANK",
            ErrorCode::BankNotContracted => "BANK_NOT_CONTRACTED",
            ErrorCode::PaymentObjectTooLong => "PAYMENT_OBJECT_TOO_LONG",
            ErrorCode::UrlNotRegistered => "URL_NOT_REGISTERED",
            ErrorCode::ServiceNotAllowed => "SERVICE_NOT_ALLOWED",
            ErrorCode::TlsRequired => "TLS_REQUIRED",
            ErrorCode::CertRequired => "CERT_REQUIRED",
            ErrorCode::CertMissing => "CERT_MISSING",
            ErrorCode::CertInvalid => "CERT_INVALID",
            ErrorCode::CertMismatch => "CERT_MISMATCH",
            ErrorCode::CertUnknown => "CERT_UNKNOWN",
            ErrorCode::CertExpired => "CERT_EXPIRED",
            ErrorCode::CertRevoked => "CERT_REVOKED",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::InvalidStatusTransition => "INVALID_STATUS_TRANSITION",
            ErrorCode::PaymentInProgress => "PAYMENT_IN_PROGRESS",
            ErrorCode::AlreadyPaid => "ALREADY_PAID",
            ErrorCode::RequestExpired => "REQUEST_EXPIRED",
            ErrorCode::RequestFinal => "REQUEST_FINAL",
            ErrorCode::ProviderNotOffered => "PROVIDER_NOT_OFFERED",
            ErrorCode::PaymentNotPayable => "PAYMENT_NOT_PAYABLE",
            ErrorCode::ProviderUnavailable => "PROVIDER_UNAVAILABLE",
            ErrorCode::ProviderMessageRefused => "PROVIDER_MESSAGE_REFUSED",
            ErrorCode::InvalidXml => "INVALID_XML",
            ErrorCode::UnknownOperation => "UNKNOWN_OPERATION",
            ErrorCode::RoleRequired => "ROLE_REQUIRED",
            ErrorCode::TransactionIncorrect => "TRANSACTION_INCORRECT",
            ErrorCode::TransactionNotStarted => "TRANSACTION_NOT_STARTED",
            ErrorCode::SenderIncorrect => "SENDER_INCORRECT",
            ErrorCode::CorrelationNotFound => "CORRELATION_NOT_FOUND",
            ErrorCode::WrongCallingType => "WRONG_CALLING_TYPE",
            ErrorCode::TestNotAccepted => "TEST_NOT_ACCEPTED",
            ErrorCode::SignInRefused => "SIGN_IN_REFUSED",
            ErrorCode::InvalidIdempotencyKey => "INVALID_IDEMPOTENCY_KEY",
            ErrorCode::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::StorageFull => "STORAGE_FULL",
            ErrorCode::StorageFailed => "STORAGE_FAILED",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// The code with this wire text (the payer page reads `notice=` back).
    pub fn parse(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The domain's validation codes are a part of the catalogue.
impl From<ValidationCode> for ErrorCode {
    fn from(code: ValidationCode) -> Self {
        match code {
            ValidationCode::MissingField => ErrorCode::MissingField,
            ValidationCode::InvalidField => ErrorCode::InvalidField,
            ValidationCode::UnknownServiceStep => ErrorCode::UnknownServiceStep,
            ValidationCode::ServiceNotContracted => ErrorCode::ServiceNotContracted,
            ValidationCode::UnknownPosition => ErrorCode::UnknownPosition,
            ValidationCode::AmountNotAllowed => ErrorCode::AmountNotAllowed,
            ValidationCode::MixedCurrencies => ErrorCode::MixedCurrencies,
            ValidationCode::ZeroAmount => ErrorCode::ZeroAmount,
            ValidationCode::InvalidClientCode => ErrorCode::InvalidClientCode,
            ValidationCode::ExpiryInPast => ErrorCode::ExpiryInPast,
            ValidationCode::UnknownBank => ErrorCode::UnknownBank,
            ValidationCode::BankNotContracted => ErrorCode::BankNotContracted,
            ValidationCode::PaymentObjectTooLong => ErrorCode::PaymentObjectTooLong,
            ValidationCode::UrlNotRegistered => ErrorCode::UrlNotRegistered,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input broke a business rule; nothing was changed.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The input could not be read at all (a door's parsing problem, or a bad id).
    #[error("{message}")]
    BadInput { code: ErrorCode, message: String },
    /// The caller could not be identified or its certificate is not acceptable.
    #[error("{message}")]
    Unauthenticated { code: ErrorCode, message: String },
    /// The caller is known but may not do this.
    #[error("{message}")]
    Forbidden { code: ErrorCode, message: String },
    /// No such object for this caller (another client's objects look the same).
    #[error("{message}")]
    NotFound { message: String },
    /// The object's state does not allow the action (e.g. cancelling a paid request).
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    /// The database could not be reached; the caller may retry.
    #[error("service temporarily unavailable: {0}")]
    Unavailable(String),
    /// The database's disk is full: nothing was changed; reads still answer,
    /// and writes succeed again once space is freed.
    #[error("the hub's disk is full, nothing was changed; try again later: {0}")]
    StorageFull(String),
    /// The node's storage failed (a failed fsync): it refuses every write until
    /// its operator restarts it; reads still answer. Another node may serve.
    #[error("the hub's storage failed, writes are refused until it is restarted: {0}")]
    StorageFailed(String),
    /// A defect or corrupt data on our side.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable code from `docs/errors.md`.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Invalid(errors) => errors.first().code.into(),
            AppError::BadInput { code, .. }
            | AppError::Unauthenticated { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Conflict { code, .. } => *code,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::StorageFull(_) => ErrorCode::StorageFull,
            AppError::StorageFailed(_) => ErrorCode::StorageFailed,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Whether the failure is the storage's, not the request's (`503`): the
    /// same request may succeed later, and a worker should pause, not give up
    /// on the item.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            AppError::Unavailable(_) | AppError::StorageFull(_) | AppError::StorageFailed(_)
        )
    }

    /// The storage's failure back as the store's error (a worker that called
    /// a service passes it on); `None` for any other error.
    pub fn as_store_unavailable(&self) -> Option<StoreError> {
        match self {
            AppError::Unavailable(message) => Some(StoreError::Unavailable(message.clone())),
            AppError::StorageFull(message) => Some(StoreError::Full(message.clone())),
            AppError::StorageFailed(message) => Some(StoreError::Failed(message.clone())),
            _ => None,
        }
    }

    pub fn not_found_request() -> Self {
        AppError::NotFound {
            message: "payment request not found".into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(e) => AppError::Unavailable(e),
            StoreError::Full(e) => AppError::StorageFull(e),
            StoreError::Failed(e) => AppError::StorageFailed(e),
            StoreError::Conflict(e) | StoreError::Corrupt(e) => AppError::Internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_listed_once_and_reads_back() {
        let texts: HashSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(texts.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
    }

    #[test]
    fn validation_codes_keep_their_text() {
        for code in [
            ValidationCode::MissingField,
            ValidationCode::UnknownPosition,
            ValidationCode::UrlNotRegistered,
        ] {
            assert_eq!(ErrorCode::from(code).as_str(), code.as_str());
        }
    }
}
