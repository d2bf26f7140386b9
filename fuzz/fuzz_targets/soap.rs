//! The SOAP door: the hardened XML reader (`soap/xml.rs`), the envelope →
//! operation → parameters mapping (`soap/payment_request.rs`, the filters of
//! `fields.rs`), then the domain's validation of a `SavePaymentRequest`
//! against the demo catalogue, with a fixed clock.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maksa_fuzz::{Envelope, Input, validate};
use maksa_server::fuzzing::{self, SoapCall};

fuzz_target!(|input: Input<Envelope>| {
    if let Ok(SoapCall::SavePaymentRequest(request)) = fuzzing::soap_call(&input.0.0) {
        validate(&request);
    }
});
