//! The payer mail adapters behind [`maksa_app::mail::MailTransport`]:
//!
//! - [`SmtpTransport`], a small SMTP client handing each message to a
//!   configured server;
//! - [`EmlDirectory`], `.eml` files in a directory, for the demo and for
//!   setups without a mail server.
//!
//! Both write the same RFC 5322 bytes ([`render`]).

mod eml;
mod message;
mod smtp;

pub use eml::EmlDirectory;
pub use message::render;
pub use smtp::SmtpTransport;

use maksa_app::mail::{MailAddress, MailTransport};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `[mail]` in the configuration says, already parsed: the caller owns
/// the file format, this crate only picks the adapter.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The SMTP server; without it messages go to `eml_dir`.
    pub smtp_host: Option<String>,
    /// 25 by default (a relay on the same network takes plain SMTP).
    pub smtp_port: u16,
    /// The envelope sender and `From` of every payer message.
    pub from: MailAddress,
    /// The EHLO name; the public base URL's host is a good choice.
    pub hello_name: String,
    /// Deadline of each connect, read and write.
    pub timeout: Duration,
    /// Where `.eml` files go when there is no SMTP server.
    pub eml_dir: PathBuf,
}

/// The transport `settings` ask for: SMTP when a host is set, otherwise the
/// `.eml` directory (the demo's default).
pub fn transport(settings: &MailSettings) -> Arc<dyn MailTransport> {
    match &settings.smtp_host {
        Some(host) => Arc::new(SmtpTransport {
            host: host.clone(),
            port: settings.smtp_port,
            from: settings.from.clone(),
            hello_name: settings.hello_name.clone(),
            timeout: settings.timeout,
        }),
        None => Arc::new(EmlDirectory::new(
            settings.eml_dir.clone(),
            settings.from.clone(),
        )),
    }
}
