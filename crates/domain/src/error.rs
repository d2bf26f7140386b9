//! Validation errors: each names the field (as the client spelled it in the
//! originals) and carries a stable code from the catalogue in `docs/errors.md`.

use std::fmt;

/// Stable codes the doors put into `MM-Error` (REST) or the SOAP fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationCode {
    MissingField,
    InvalidField,
    UnknownServiceStep,
    ServiceNotContracted,
    UnknownPosition,
    AmountNotAllowed,
    MixedCurrencies,
    ZeroAmount,
    InvalidClientCode,
    ExpiryInPast,
    UnknownBank,
    BankNotContracted,
    PaymentObjectTooLong,
    UrlNotRegistered,
}

impl ValidationCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationCode::MissingField => "MISSING_FIELD",
            ValidationCode::InvalidField => "INVALID_FIELD",
            ValidationCode::UnknownServiceStep => "UNKNOWN_SERVICE_STEP",
            ValidationCode::ServiceNotContracted => "SERVICE_NOT_CONTRACTED",
            ValidationCode::UnknownPosition => "UNKNOWN_POSITION",
            ValidationCode::AmountNotAllowed => "AMOUNT_NOT_ALLOWED",
            ValidationCode::MixedCurrencies => "MIXED_CURRENCIES",
            ValidationCode::ZeroAmount => "ZERO_AMOUNT",
            ValidationCode::InvalidClientCode => "INVALID_CLIENT_CODE",
            ValidationCode::ExpiryInPast => "EXPIRY_IN_PAST",
            ValidationCode::UnknownBank => "UNKNOWN_BANK",
            ValidationCode::BankNotContracted => "BANK_NOT_CONTRACTED",
            ValidationCode::PaymentObjectTooLong => "PAYMENT_OBJECT_TOO_LONG",
            ValidationCode::UrlNotRegistered => "URL_NOT_REGISTERED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: ValidationCode,
    /// Path of the field as the originals name it, e.g. `PriceList[0].Item`.
    pub field: String,
    pub message: String,
}

/// What `ValidationErrors::first` answers if the list were ever empty (its
/// constructors make that impossible): a lookup that cannot panic.
static NO_ERROR: FieldError = FieldError {
    code: ValidationCode::InvalidField,
    field: String::new(),
    message: String::new(),
};

/// Every problem found in one input, in the order of the fields; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    pub fn new(first: FieldError) -> Self {
        ValidationErrors(vec![first])
    }

    pub fn from_list(list: Vec<FieldError>) -> Option<Self> {
        (!list.is_empty()).then_some(ValidationErrors(list))
    }

    pub fn first(&self) -> &FieldError {
        // The constructors guarantee at least one element.
        self.0.first().unwrap_or(&NO_ERROR)
    }

    pub fn all(&self) -> &[FieldError] {
        &self.0
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}
