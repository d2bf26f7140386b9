//! The State Treasury side of maksa (issue 14, in progress). So far: the
//! statement reader — ISO 20022 account statements, reports and
//! notifications (camt.053, camt.052, camt.054, versions .001.02 and later,
//! the namespace says which) read as a stream, one entry at a time, so a
//! statement of any size never sits in memory whole.
//!
//! ```text
//! let summary = camt::read_entries(BufReader::new(file), |entry| { store(entry) })?;
//! ```
//!
//! A malformed document is refused with the line and the element that is
//! wrong ([`camt::CamtError`]); the caller stores entries in one transaction
//! per file, so nothing of a refused file is kept.

// Everything here reads what outside software wrote: no slicing that can
// panic, no arithmetic that can overflow.
#![cfg_attr(
    not(test),
    deny(
        clippy::string_slice,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod camt;
pub mod camt_writer;
pub mod pain;
pub mod pain_status;
pub mod remittance;
mod xml;
