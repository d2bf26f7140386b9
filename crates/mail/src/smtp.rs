//! A small SMTP client (RFC 5321) of our own: one message per connection,
//! plain TCP, no AUTH.
//!
//! Why not `lettre`: its tokio transport brings its own TLS and DNS choices
//! and a large dependency tree, while the hub only needs to hand a message to
//! a relay it is configured with — greeting, EHLO, MAIL, RCPT, DATA, QUIT — in
//! about as many lines as configuring lettre would take. The parts that matter
//! for delivery decisions (which reply is permanent, what a timeout means) stay
//! in view here.

use crate::message::{dot_stuffed, render};
use async_trait::async_trait;
use maksa_app::mail::{MailAddress, MailError, MailTransport, OutgoingMail, Sent};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; some servers are
/// longer, none sensibly this long.
const MAX_REPLY_LINE: u64 = 4096;
/// An EHLO reply lists a dozen extensions; anything past this is not SMTP.
const MAX_REPLY_LINES: usize = 100;

/// Hands each message to one SMTP server (a relay or the payers' MX).
///
/// Every connect, read and write has `timeout` as its deadline, so a server
/// that stalls costs at most a few timeouts, never a stuck outbox worker.
#[derive(Debug, Clone)]
pub struct SmtpTransport {
    pub host: String,
    pub port: u16,
    /// The envelope sender and the `From` header.
    pub from: MailAddress,
    /// Our name in EHLO; should be the host's public name.
    pub hello_name: String,
    pub timeout: Duration,
}

impl SmtpTransport {
    /// A transport with `localhost` as the EHLO name and a 30-second deadline.
    pub fn new(host: impl Into<String>, port: u16, from: MailAddress) -> SmtpTransport {
        SmtpTransport {
            host: host.into(),
            port,
            from,
            hello_name: "localhost".to_owned(),
            timeout: Duration::from_secs(30),
        }
    }
}

#[async_trait]
impl MailTransport for SmtpTransport {
    async fn send(&self, mail: &OutgoingMail) -> Result<Sent, MailError> {
        let message = render(mail, &self.from, OffsetDateTime::now_utc())?;
        if self.hello_name.is_empty() || !self.hello_name.bytes().all(|b| b.is_ascii_graphic()) {
            // A configuration error: every message would fail alike, and
            // fixing the configuration makes a retry succeed.
            return Err(MailError::Temporary(format!(
                "the SMTP hello name {:?} is not a host name",
                self.hello_name
            )));
        }
        let stream = deadline(
            self.timeout,
            "connecting",
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await?;
        let mut session = Session {
            stream: BufReader::new(stream),
            timeout: self.timeout,
        };
        let sent = session.deliver(self, mail, &message).await?;
        // The message is the server's now: a failing QUIT changes nothing.
        if let Err(e) = session.command("QUIT").await {
            tracing::debug!(error = %e, "SMTP QUIT failed after a delivered message");
        }
        Ok(sent)
    }

    fn describe(&self) -> String {
        format!("SMTP {}:{} (from {})", self.host, self.port, self.from)
    }
}

/// One reply: its code and the text of each line.
#[derive(Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        self.lines.join(" / ")
    }
}

struct Session {
    stream: BufReader<TcpStream>,
    timeout: Duration,
}

impl Session {
    async fn deliver(
        &mut self,
        transport: &SmtpTransport,
        mail: &OutgoingMail,
        message: &[u8],
    ) -> Result<Sent, MailError> {
        let greeting = self.reply().await?;
        // A server refusing us at the greeting, EHLO or MAIL is refusing the
        // hub (its address, its name, its network), not this payer: every
        // message would fail alike until someone fixes it, so those 5xx are
        // temporary and the outbox keeps the messages.
        expect(&greeting, &[220], "the greeting", false)?;

        let ehlo = self
            .command(&format!("EHLO {}", transport.hello_name))
            .await?;
        let extensions: Vec<String> = if ehlo.code == 250 {
            ehlo.lines
                .iter()
                .skip(1)
                .filter_map(|line| line.split_whitespace().next())
                .map(str::to_ascii_uppercase)
                .collect()
        } else if (500..600).contains(&ehlo.code) {
            // An RFC 821 server: no extensions.
            let helo = self
                .command(&format!("HELO {}", transport.hello_name))
                .await?;
            expect(&helo, &[250], "HELO", false)?;
            Vec::new()
        } else {
            return Err(refusal(&ehlo, "EHLO", false));
        };

        let needs_utf8 = !transport.from.is_ascii() || !mail.to.is_ascii();
        let utf8 = if needs_utf8 {
            if !extensions.iter().any(|e| e == "SMTPUTF8") {
                return Err(MailError::Permanent(format!(
                    "the server does not offer SMTPUTF8, needed for {}",
                    mail.to
                )));
            }
            " SMTPUTF8"
        } else {
            ""
        };

        let reply = self
            .command(&format!("MAIL FROM:<{}>{utf8}", transport.from))
            .await?;
        expect(&reply, &[250], "MAIL FROM", false)?;
        let reply = self.command(&format!("RCPT TO:<{}>", mail.to)).await?;
        expect(&reply, &[250, 251], "RCPT TO", true)?;
        let reply = self.command("DATA").await?;
        expect(&reply, &[354], "DATA", true)?;
        self.write(&dot_stuffed(message)).await?;
        let reply = self.reply().await?;
        expect(&reply, &[250], "the message", true)?;
        Ok(Sent {
            detail: format!("{} {}", reply.code, reply.text()),
        })
    }

    async fn command(&mut self, line: &str) -> Result<Reply, MailError> {
        self.write(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), MailError> {
        let stream = self.stream.get_mut();
        deadline(self.timeout, "writing", async {
            stream.write_all(bytes).await?;
            stream.flush().await
        })
        .await
    }

    /// A whole reply, however many `250-` lines it has.
    async fn reply(&mut self) -> Result<Reply, MailError> {
        let mut code = None;
        let mut lines = Vec::new();
        loop {
            if lines.len() >= MAX_REPLY_LINES {
                return Err(MailError::Temporary(
                    "the SMTP server's reply has too many lines".to_owned(),
                ));
            }
            let mut raw = Vec::new();
            let stream = &mut self.stream;
            let read = deadline(self.timeout, "waiting for the server", async {
                (&mut *stream)
                    .take(MAX_REPLY_LINE)
                    .read_until(b'\n', &mut raw)
                    .await
            })
            .await?;
            if read == 0 {
                return Err(MailError::Temporary(
                    "the SMTP server closed the connection".to_owned(),
                ));
            }
            if raw.last() != Some(&b'\n') {
                return Err(MailError::Temporary(
                    "the SMTP server's reply line is too long".to_owned(),
                ));
            }
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\r', '\n']);
            let (this_code, last, text) = parse_line(line)?;
            if *code.get_or_insert(this_code) != this_code {
                return Err(MailError::Temporary(format!(
                    "the SMTP server's reply mixes codes: {line:?}"
                )));
            }
            lines.push(text.to_owned());
            if last {
                return Ok(Reply {
                    code: this_code,
                    lines,
                });
            }
        }
    }
}

/// `250-text` (more lines follow), `250 text` or `250` (the last line).
fn parse_line(line: &str) -> Result<(u16, bool, &str), MailError> {
    let malformed = || MailError::Temporary(format!("not an SMTP reply: {line:?}"));
    let digits = line.get(..3).ok_or_else(malformed)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let code: u16 = digits.parse().map_err(|_| malformed())?;
    let rest = line.get(3..).ok_or_else(malformed)?;
    match rest.chars().next() {
        None => Ok((code, true, "")),
        Some(' ') => Ok((code, true, rest.get(1..).unwrap_or(""))),
        Some('-') => Ok((code, false, rest.get(1..).unwrap_or(""))),
        Some(_) => Err(malformed()),
    }
}

/// Ok when `reply` has one of the `wanted` codes.
fn expect(reply: &Reply, wanted: &[u16], stage: &str, recipient: bool) -> Result<(), MailError> {
    if wanted.contains(&reply.code) {
        Ok(())
    } else {
        Err(refusal(reply, stage, recipient))
    }
}

/// 4xx is temporary by definition; 5xx is permanent when it concerns this
/// message (its recipient or its content), temporary when it concerns the hub
/// (see [`Session::deliver`]); anything else is a confused server, and a
/// later attempt may find it sane.
fn refusal(reply: &Reply, stage: &str, recipient: bool) -> MailError {
    let text = format!(
        "the SMTP server answered {} to {stage}: {}",
        reply.code,
        reply.text()
    );
    if recipient && (500..600).contains(&reply.code) {
        MailError::Permanent(text)
    } else {
        MailError::Temporary(text)
    }
}

/// `future` with `timeout` as its deadline; both an I/O error and the
/// deadline are temporary (the network or the server may recover).
async fn deadline<T>(
    timeout: Duration,
    what: &str,
    future: impl Future<Output = std::io::Result<T>>,
) -> Result<T, MailError> {
    match tokio::time::timeout(timeout, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(MailError::Temporary(format!("SMTP {what}: {e}"))),
        Err(_) => Err(MailError::Temporary(format!(
            "SMTP {what}: no progress in {} ms",
            timeout.as_millis()
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reply_lines_parse() {
        assert_eq!(
            parse_line("250-SIZE 100").unwrap(),
            (250, false, "SIZE 100")
        );
        assert_eq!(parse_line("250 OK").unwrap(), (250, true, "OK"));
        assert_eq!(parse_line("354").unwrap(), (354, true, ""));
        for bad in ["", "25", "abc def", "250x", "2500 OK"] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_recipient_and_data_5xx_are_permanent() {
        let reply = |code| Reply {
            code,
            lines: vec!["x".to_owned()],
        };
        assert!(refusal(&reply(550), "RCPT TO", true).is_permanent());
        assert!(!refusal(&reply(451), "RCPT TO", true).is_permanent());
        assert!(!refusal(&reply(550), "MAIL FROM", false).is_permanent());
        assert!(!refusal(&reply(250), "DATA", true).is_permanent());
    }
}
