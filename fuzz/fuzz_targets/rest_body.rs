//! The REST door's bodies: JSON → `PaymentRequestInput` (`savepaymentrequest`)
//! and → the list filters (`getpaymentrequests`, `getpayments`), exactly as
//! `crates/server/src/rest.rs` reads them; then the domain's validation of the
//! request against the demo catalogue, with a fixed clock.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_fuzz::{Body, json, validate};
use maksa_server::fuzzing;

#[derive(Debug)]
struct Input(Body);

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let bytes: &[u8] = u.arbitrary()?;
        Self::arbitrary_take_rest(Unstructured::new(bytes))
    }
    fn arbitrary_take_rest(u: Unstructured<'a>) -> Result<Self> {
        Body::build(u, json::body).map(Input)
    }
}

fuzz_target!(|input: Input| {
    let body = &input.0.0;
    if let Ok(request) = fuzzing::rest_payment_request(body) {
        validate(&request);
    }
    let _ = fuzzing::rest_request_filter(body);
    let _ = fuzzing::rest_payment_filter(body);
});
