//! The pure core of maksa. Nothing here does I/O, reads the clock or draws random
//! numbers: time and randomness come in as arguments, so every rule is testable.
//!
//! It reads outside input (dates, amounts, codes), so nothing in it may panic on
//! any input: no slicing of strings by byte index, no indexing, no arithmetic
//! that can overflow — `get`, `split_once`, `checked_*`/`saturating_*` instead.
//! Tests may do all of these.
#![cfg_attr(
    not(test),
    deny(
        clippy::string_slice,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod attempt;
pub mod catalog;
pub mod codes;
pub mod datetime;
pub mod document;
pub mod error;
pub mod ids;
pub mod money;
pub mod payment_order;
pub mod reconciliation;
pub mod request;
pub mod status;
pub mod text;
