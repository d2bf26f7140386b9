//! The REST door's bodies: JSON → `PaymentRequestInput` (`savepaymentrequest`)
//! and → the list filters (`getpaymentrequests`, `getpayments`), exactly as
//! `crates/server/src/rest.rs` reads them; then the domain's validation of the
//! request against the demo catalogue, with a fixed clock.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maksa_fuzz::{Input, JsonBody, validate};
use maksa_server::fuzzing;

fuzz_target!(|input: Input<JsonBody>| {
    let body = &input.0.0;
    if let Ok(request) = fuzzing::rest_payment_request(body) {
        validate(&request);
    }
    let _ = fuzzing::rest_request_filter(body);
    let _ = fuzzing::rest_payment_filter(body);
});
