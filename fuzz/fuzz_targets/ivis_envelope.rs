//! The IVIS door's reader (`ivis/read.rs`): SOAP 1.2 with WS-Addressing, the
//! IVISRequest's header checks and error codes, and its payment requests read
//! through the SOAP door's hardened XML reader; each payment request then
//! goes through the domain's validation against the demo catalogue, with a
//! fixed clock. Seeds: `fuzz/corpus/ivis_envelope/` (plain envelopes, taken
//! as raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use maksa_fuzz::validate;
use maksa_server::fuzzing;
use maksa_server::ivis::read::IvisOperation;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(call) = fuzzing::ivis_envelope(bytes)
        && let IvisOperation::Submit(request) | IvisOperation::SubmitSync(request) = call.operation
    {
        for payment in &request.data.payment_requests {
            validate(payment);
        }
    }
});
