//! `maksa_domain::datetime::parse_lenient` — every date of every door
//! (`ExpiryDate`, `InvoiceIssueDate`, the list filters, REST and SOAP) — and
//! the range of what it returns: `start`, `end_exclusive`, the Riga offset.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maksa_domain::datetime::{parse_lenient, riga_offset_at};
use maksa_fuzz::{Date, Input};
use time::format_description::well_known::Rfc3339;

fuzz_target!(|input: Input<Date>| {
    let text = input.0.as_str();
    let Ok(value) = parse_lenient(text) else {
        return;
    };
    let start = value.start();
    let end = value.end_exclusive();
    assert!(
        start < end,
        "{text:?}: start {start} is not before end {end}"
    );
    riga_offset_at(start);
    riga_offset_at(end);
    // A date the hub accepts is a date it can print (issue 11 §1.2).
    assert!(
        start.format(&Rfc3339).is_ok(),
        "{text:?} is accepted but {start} cannot be printed as RFC 3339"
    );
});
