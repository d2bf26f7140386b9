//! The State Treasury side of maksa (issue 14, in progress): ISO 20022 in
//! both directions.
//!
//! - [`camt`]: the statement reader — account statements, reports and
//!   notifications (camt.053, camt.052, camt.054, versions .001.02 and later,
//!   the namespace says which) read as a stream, one entry at a time, so a
//!   statement of any size never sits in memory whole; each statement's
//!   balances and booked sums in the summary.
//! - [`camt_writer`]: the same messages written (.001.02), entries streamed
//!   from an iterator — for the Treasury simulator and benchmarks.
//! - [`pain`]: payment orders (pain.001 .03 and .09) to the Treasury.
//! - [`pain_status`]: the Treasury's status reports (pain.002) read, and
//!   written (.001.10) for the simulator.
//! - [`remittance`]: the payment identifier in split remittance lines.
//!
//! ```text
//! let summary = camt::read_entries(BufReader::new(file), |entry| { store(entry) })?;
//! ```
//!
//! A malformed document is refused with the line and the element that is
//! wrong ([`camt::CamtError`]); the caller stores entries in one transaction
//! per file, so nothing of a refused file is kept. The writers check every
//! text against the schema first and write nothing the schema would refuse.

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

pub use xml::{check_attributes, resolve_reference};
