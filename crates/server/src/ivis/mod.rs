//! The IVIS door (docs/ivis.md): the portal's request service, SOAP 1.2 with
//! WS-Addressing. `read` reads envelopes (through the hardened XML reader),
//! `write` writes answers and the `ResponseEndPoint` message, `codes` holds
//! the guideline's numbered errors, `door` routes and calls the application.

pub mod codes;
pub mod door;
pub mod read;
pub mod write;
