//! The SOAP door: the hardened XML reader (`soap/xml.rs`), the envelope →
//! operation → parameters mapping (`soap/payment_request.rs`, the filters of
//! `fields.rs`), then the domain's validation of a `SavePaymentRequest`
//! against the demo catalogue, with a fixed clock.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use maksa_fuzz::{Body, envelope, validate};
use maksa_server::fuzzing::{self, SoapCall};

#[derive(Debug)]
struct Input(Body);

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let bytes: &[u8] = u.arbitrary()?;
        Self::arbitrary_take_rest(Unstructured::new(bytes))
    }
    fn arbitrary_take_rest(u: Unstructured<'a>) -> Result<Self> {
        Body::build(u, envelope::envelope).map(Input)
    }
}

fuzz_target!(|input: Input| {
    if let Ok(SoapCall::SavePaymentRequest(request)) = fuzzing::soap_call(&input.0.0) {
        validate(&request);
    }
});
