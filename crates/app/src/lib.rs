//! Application services: the only way state changes. Doors (REST, SOAP, pages,
//! CLI) authenticate and translate; these services decide and persist, one
//! transaction per business action.

pub mod admin;
pub mod api_method;
pub mod auth;
pub mod catalog_file;
pub mod clock;
pub mod documents;
pub mod error;
pub mod lifecycle;
pub mod metrics;
pub mod notifications;
pub mod payer;
pub mod payment_requests;
pub mod providers;
pub mod store;
pub mod writer;
