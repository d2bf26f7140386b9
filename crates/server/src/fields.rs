//! Values both API doors (REST/JSON and SOAP/XML) read and write the same way,
//! whatever the wire format: the list filters of `getpaymentrequests`/
//! `getpayments` (date bounds, amounts, currency), the members of a payment
//! request, and the text of dates in answers. Each door passes a lookup that
//! finds a field's text by name in its own message.

use maksa_app::error::{AppError, ErrorCode};
use maksa_app::store::{PaymentFilter, RequestFilter};
use maksa_domain::datetime::{LenientDateTime, parse_lenient, riga_offset_at};
use maksa_domain::money::{Amount, Currency};
use maksa_domain::request::{ClientInfoInput, PaymentRequestInput, PriceListItemInput};
use maksa_domain::text::echo;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Finds a field's text by name (absent and empty both mean "not given").
pub type Lookup<'a> = dyn Fn(&str) -> Result<Option<String>, AppError> + 'a;

fn given(field: &Lookup<'_>, name: &str) -> Result<Option<String>, AppError> {
    Ok(field(name)?.filter(|t| !t.trim().is_empty()))
}

fn invalid(name: &str, text: &str, why: impl std::fmt::Display) -> AppError {
    AppError::BadInput {
        code: ErrorCode::InvalidField,
        message: format!("{name}: `{}` {why}", echo(text)),
    }
}

/// The `…From`/`…Till` pair as a half-open range: a bare date in `…Till`
/// includes that whole day.
fn bounds(
    field: &Lookup<'_>,
    from: &str,
    till: &str,
) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>), AppError> {
    let parse = |name: &str| -> Result<Option<LenientDateTime>, AppError> {
        match given(field, name)? {
            None => Ok(None),
            Some(t) => parse_lenient(&t)
                .map(Some)
                .map_err(|e| invalid(name, &t, e)),
        }
    };
    Ok((
        parse(from)?.map(|d| d.start()),
        parse(till)?.map(|d| d.end_exclusive()),
    ))
}

fn amount(field: &Lookup<'_>, name: &str) -> Result<Option<Amount>, AppError> {
    match given(field, name)? {
        None => Ok(None),
        Some(t) => Amount::parse(&t)
            .map(Some)
            .map_err(|e| invalid(name, &t, e)),
    }
}

fn currency(field: &Lookup<'_>) -> Result<Option<Currency>, AppError> {
    match given(field, "Currency")? {
        None => Ok(None),
        Some(t) => Currency::parse(&t)
            .map(Some)
            .ok_or_else(|| invalid("Currency", &t, "is not a currency code")),
    }
}

/// `getpaymentrequests` / `GetPaymentRequests`. `only_not_paid` is read by the
/// door (a JSON boolean or an `xs:boolean`).
pub fn request_filter(field: &Lookup<'_>, only_not_paid: bool) -> Result<RequestFilter, AppError> {
    let (created_from, created_till) = bounds(field, "CreatedDateFrom", "CreatedDateTill")?;
    let (paid_from, paid_till) = bounds(field, "PaymentDateFrom", "PaymentDateTill")?;
    let (expires_from, expires_till) = bounds(field, "ExpirationDateFrom", "ExpirationDateTill")?;
    Ok(RequestFilter {
        created_from,
        created_till,
        paid_from,
        paid_till,
        expires_from,
        expires_till,
        amount_from: amount(field, "AmountFrom")?,
        amount_till: amount(field, "AmountTill")?,
        only_not_paid,
        currency: currency(field)?,
        limit: 0,
    })
}

/// `getpayments` / `GetPayments`.
pub fn payment_filter(field: &Lookup<'_>) -> Result<PaymentFilter, AppError> {
    let (paid_from, paid_till) = bounds(field, "PaymentDateFrom", "PaymentDateTill")?;
    Ok(PaymentFilter {
        paid_from,
        paid_till,
        amount_from: amount(field, "AmountFrom")?,
        amount_till: amount(field, "AmountTill")?,
        currency: currency(field)?,
        limit: 0,
    })
}

/// `ClientInfo`'s members.
pub fn client_info(field: &Lookup<'_>) -> Result<ClientInfoInput, AppError> {
    Ok(ClientInfoInput {
        client_name: field("ClientName")?,
        client_first_name: field("ClientFirstName")?,
        client_code: field("ClientCode")?,
        client_email: field("ClientEMail")?,
        client_phone: field("ClientPhone")?,
        client_address: field("ClientAddress")?,
    })
}

/// The members of a `PaymentRequest` each door reads its own way: lists,
/// nested structures, booleans, and the dates (XML has `…Specified`).
pub struct RequestParts {
    pub price_list: Vec<PriceListItemInput>,
    pub allowed_banks: Vec<String>,
    pub client_info: Option<ClientInfoInput>,
    pub expiry_date: Option<String>,
    pub invoice_issue_date: Option<String>,
    pub no_invoice: bool,
}

/// A `PaymentRequest`: its text members by name, the rest as the door read them.
pub fn payment_request(
    field: &Lookup<'_>,
    parts: RequestParts,
) -> Result<PaymentRequestInput, AppError> {
    Ok(PaymentRequestInput {
        service_step: field("ServiceStep")?,
        price_list: parts.price_list,
        client_info: parts.client_info,
        expiry_date: parts.expiry_date,
        invoice_issue_date: parts.invoice_issue_date,
        no_invoice: parts.no_invoice,
        parent_payment_request_id: field("ParentPaymentRequestID")?,
        payment_object: field("PaymentObject")?,
        response_url: field("ResponseUrl")?,
        server_response_url: field("ServerResponseUrl")?,
        return_redirect_url: field("ReturnRedirectUrl")?,
        swift_code: field("SwiftCode")?,
        allowed_banks: parts.allowed_banks,
    })
}

/// A time in an answer: RFC 3339 in UTC (also a valid `xs:dateTime`).
pub fn rfc3339(at: OffsetDateTime) -> Option<String> {
    at.format(&Rfc3339).ok()
}

/// The calendar day of a time in Riga (`2020-07-24`), as the REST answers of
/// 004 §2.1.1.3–4 print dates. `None` only at the ends of the time range.
pub fn riga_date(at: OffsetDateTime) -> Option<String> {
    at.checked_to_offset(riga_offset_at(at))?
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_evening_in_riga_is_the_next_day_in_utc_terms() {
        // Summer: UTC+3.
        assert_eq!(
            riga_date(datetime!(2020-07-23 21:30 UTC)).as_deref(),
            Some("2020-07-24")
        );
        assert_eq!(
            riga_date(datetime!(2020-07-23 20:59 UTC)).as_deref(),
            Some("2020-07-23")
        );
        // Winter: UTC+2.
        assert_eq!(
            riga_date(datetime!(2020-01-31 21:59 UTC)).as_deref(),
            Some("2020-01-31")
        );
        assert_eq!(
            riga_date(datetime!(2020-01-31 22:00 UTC)).as_deref(),
            Some("2020-02-01")
        );
    }
}
