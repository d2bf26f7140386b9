//! The pure core of maksa. Nothing here does I/O, reads the clock or draws random
//! numbers: time and randomness come in as arguments, so every rule is testable.

pub mod attempt;
pub mod catalog;
pub mod codes;
pub mod datetime;
pub mod document;
pub mod error;
pub mod ids;
pub mod money;
pub mod request;
pub mod status;
pub mod text;
