//! The application layer's one error type. Each door maps it once to its wire
//! form (REST: HTTP status + `MM-Error`/`MM-ErrorMessage`; SOAP: a fault).

use crate::store::StoreError;
use maksa_domain::error::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input broke a business rule; nothing was changed.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The input could not be read at all (a door's parsing problem, or a bad id).
    #[error("{message}")]
    BadInput { code: &'static str, message: String },
    /// The caller could not be identified or its certificate is not acceptable.
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// The caller is known but may not do this.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// No such object for this caller (another client's objects look the same).
    #[error("{message}")]
    NotFound { message: String },
    /// The object's state does not allow the action (e.g. cancelling a paid request).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The database could not be reached; the caller may retry.
    #[error("service temporarily unavailable: {0}")]
    Unavailable(String),
    /// A defect or corrupt data on our side.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable code from `docs/errors.md`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(errors) => errors.first().code.as_str(),
            AppError::BadInput { code, .. }
            | AppError::Unauthenticated { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Conflict { code, .. } => code,
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::Unavailable(_) => "UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
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
            StoreError::Conflict(e) | StoreError::Corrupt(e) => AppError::Internal(e),
        }
    }
}
