//! The methods of the REST API, listed once: the door dispatches on them and
//! the metrics label requests with them.

/// One method of `/api/v1/payments/{method}` (INTERFACE.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiMethod {
    SavePaymentRequest,
    CheckPaymentRequestStatus,
    GetPaymentRequests,
    GetPayments,
    CheckPaymentStatus,
    CheckPaymentRequestStatusWpt,
    CreateInvoice,
    CancelPaymentRequest,
    /// Ours, beyond the original: the delivery log of a request's notifications.
    GetNotifications,
}

impl ApiMethod {
    pub const ALL: [ApiMethod; 9] = [
        ApiMethod::SavePaymentRequest,
        ApiMethod::CheckPaymentRequestStatus,
        ApiMethod::GetPaymentRequests,
        ApiMethod::GetPayments,
        ApiMethod::CheckPaymentStatus,
        ApiMethod::CheckPaymentRequestStatusWpt,
        ApiMethod::CreateInvoice,
        ApiMethod::CancelPaymentRequest,
        ApiMethod::GetNotifications,
    ];

    /// The path segment, lower case as 004 prints it (also the metrics label).
    pub fn as_str(self) -> &'static str {
        match self {
            ApiMethod::SavePaymentRequest => "savepaymentrequest",
            ApiMethod::CheckPaymentRequestStatus => "checkpaymentrequeststatus",
            ApiMethod::GetPaymentRequests => "getpaymentrequests",
            ApiMethod::GetPayments => "getpayments",
            ApiMethod::CheckPaymentStatus => "checkpaymentstatus",
            ApiMethod::CheckPaymentRequestStatusWpt => "checkpaymentrequeststatuswpt",
            ApiMethod::CreateInvoice => "createinvoice",
            ApiMethod::CancelPaymentRequest => "cancelpaymentrequest",
            ApiMethod::GetNotifications => "getnotifications",
        }
    }

    /// A method by its path segment, in any letter case.
    pub fn parse(segment: &str) -> Option<ApiMethod> {
        ApiMethod::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(segment))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_read_back_in_any_case() {
        for method in ApiMethod::ALL {
            assert_eq!(ApiMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(
            ApiMethod::parse("CheckPaymentRequestStatusWpt"),
            Some(ApiMethod::CheckPaymentRequestStatusWpt)
        );
        assert_eq!(ApiMethod::parse("nosuchmethod"), None);
    }
}
