//! Application services: the only way state changes. Doors (REST, SOAP, pages,
//! CLI) authenticate and translate; these services decide and persist, one
//! transaction per business action.

// Services take what the doors read from outside (ids, filters, provider
// messages, catalogue files): no slicing that can panic, no arithmetic that can
// overflow.
#![cfg_attr(
    not(test),
    deny(
        clippy::string_slice,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod admin;
pub mod api_method;
pub mod auth;
pub mod cards;
pub mod catalog_file;
pub mod clock;
pub mod dashboard;
pub mod documents;
pub mod error;
mod hub_key;
pub mod idempotency;
pub mod ivis;
pub mod lifecycle;
pub mod mail;
pub mod metrics;
pub mod notifications;
pub mod operators;
pub mod payer;
pub mod payer_mail;
pub mod payer_sessions;
pub mod payment_requests;
pub mod providers;
pub mod queues;
pub mod requests_console;
pub mod retention;
pub mod store;
pub mod treasury;
pub mod workflows;
pub mod writer;
