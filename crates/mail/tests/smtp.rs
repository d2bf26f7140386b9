//! The adapters against real readers: messages go through `SmtpTransport` to
//! a real SMTP server (Python's aiosmtpd, `tests/smtp_server.py`), which
//! records the envelope and what Python's e-mail parser makes of the bytes;
//! the `.eml` files are parsed back; refusals and a silent server give the
//! right kind of error.
//!
//! python3 and aiosmtpd are required: without them these tests fail (CI
//! installs them from `tests/requirements.txt`), they never skip.

#![allow(clippy::unwrap_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maksa_app::mail::{
    Language, MailAddress, MailError, MailTransport, OutgoingMail, PayerMailFacts, PayerMailKind,
    new_message_id, payer_mail,
};
use maksa_mail::{EmlDirectory, SmtpTransport};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "python3 -m pip install -r crates/mail/tests/requirements.txt";

/// The Python SMTP server, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Every recipient accepted, or refused with `rcpt_code`.
    fn start(rcpt_code: Option<&str>) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let stderr_path = dir.path().join("stderr.txt");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut command = Command::new("python3");
        command.arg(&script).arg(dir.path());
        if let Some(code) = rcpt_code {
            command.arg(code);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "python3 could not be started ({e}): the SMTP tests need python3 with \
                     aiosmtpd ({INSTALL})"
                )
            });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        match line.trim().parse::<u16>() {
            Ok(port) => SmtpServer { child, port, dir },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!(
                    "the aiosmtpd test server did not start; the SMTP tests need python3 with \
                     aiosmtpd ({INSTALL}).\nIts stderr:\n{stderr}"
                );
            }
        }
    }

    fn transport(&self) -> SmtpTransport {
        SmtpTransport {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            from: from(),
            hello_name: "maksa.test".to_owned(),
            timeout: Duration::from_secs(10),
        }
    }

    /// The `n`th message received (from 1).
    fn received(&self, n: usize) -> serde_json::Value {
        let path = self.dir.path().join(format!("{n}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the server recorded no message {n}: {e}"));
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn from() -> MailAddress {
    MailAddress::parse("noreply@maksa.example.lv").unwrap()
}

fn facts() -> PayerMailFacts {
    PayerMailFacts {
        payer_name: Some("Līga Ozoliņa".to_owned()),
        service_name: "Transportlīdzekļa reģistrācija".to_owned(),
        service_provider_name: "Ceļu satiksmes drošības direkcija".to_owned(),
        request_number: "PR-2026-004711".to_owned(),
        amount_text: "42.50 EUR".to_owned(),
        expires_on: "15.12.2026.".to_owned(),
        workspace_url: "https://maksa.example.lv/payer".to_owned(),
        payment_url: "https://maksa.example.lv/pay/7f3a".to_owned(),
    }
}

fn payer_message(language: Language, to: &str) -> OutgoingMail {
    let (subject, text) = payer_mail(PayerMailKind::Registered, language, &facts());
    OutgoingMail {
        message_id: new_message_id("maksa.test"),
        to: MailAddress::parse(to).unwrap(),
        subject,
        text,
    }
}

/// A message's headers (unfolded) and its decoded text, read the way a mail
/// program would.
struct Parsed {
    headers: Vec<(String, String)>,
    text: String,
}

impl Parsed {
    fn header(&self, name: &str) -> &str {
        let mut found = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let (_, value) = found
            .next()
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers));
        assert!(found.next().is_none(), "two {name} headers");
        value
    }

    fn subject(&self) -> String {
        let value = self.header("Subject");
        if !value.starts_with("=?") {
            return value.to_owned();
        }
        let mut bytes = Vec::new();
        for word in value.split_whitespace() {
            let b64 = word
                .strip_prefix("=?UTF-8?B?")
                .and_then(|w| w.strip_suffix("?="))
                .unwrap_or_else(|| panic!("not an encoded-word: {word}"));
            assert!(word.len() <= 75, "{word}");
            bytes.extend(STANDARD.decode(b64).unwrap());
        }
        String::from_utf8(bytes).unwrap()
    }
}

fn parse(bytes: &[u8]) -> Parsed {
    let message = std::str::from_utf8(bytes).unwrap();
    assert!(message.ends_with("\r\n"));
    assert!(
        !message.replace("\r\n", "").contains(['\r', '\n']),
        "a bare CR or LF"
    );
    for line in message.split("\r\n") {
        assert!(line.len() <= 78, "a long line: {line}");
    }
    let (head, body) = message.split_once("\r\n\r\n").unwrap();
    let headers = head
        .replace("\r\n ", " ")
        .split("\r\n")
        .map(|line| {
            let (name, value) = line.split_once(": ").unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    let decoded = STANDARD.decode(body.replace("\r\n", "")).unwrap();
    Parsed {
        headers,
        text: String::from_utf8(decoded).unwrap(),
    }
}

#[tokio::test]
async fn latvian_and_english_messages_arrive_through_a_real_smtp_server() {
    let server = SmtpServer::start(None);
    let transport = server.transport();
    assert_eq!(
        transport.describe(),
        format!(
            "SMTP 127.0.0.1:{} (from noreply@maksa.example.lv)",
            server.port
        )
    );
    let cases = [
        (
            Language::Latvian,
            "liga.ozolina@example.lv",
            "Jums ir jāapmaksā 42.50 EUR.",
        ),
        (
            Language::English,
            "liga@example.com",
            "Amount to pay: 42.50 EUR",
        ),
    ];
    for (n, (language, to, phrase)) in cases.into_iter().enumerate() {
        let mail = payer_message(language, to);
        let sent = transport.send(&mail).await.unwrap();
        assert!(sent.detail.starts_with("250 "), "{}", sent.detail);

        let received = server.received(n + 1);
        assert_eq!(received["helo"], "maksa.test");
        assert_eq!(received["mail_from"], "noreply@maksa.example.lv");
        assert_eq!(received["rcpt_tos"], serde_json::json!([to]));

        // Python's parser, an independent reader, decodes the same.
        assert_eq!(received["parsed_subject"], mail.subject.as_str());
        assert_eq!(received["parsed_to"], to);
        assert_eq!(
            received["parsed_text"]
                .as_str()
                .unwrap()
                .replace("\r\n", "\n"),
            mail.text
        );

        let content = STANDARD
            .decode(received["content"].as_str().unwrap())
            .unwrap();
        let parsed = parse(&content);
        assert_eq!(parsed.header("From"), "noreply@maksa.example.lv");
        assert_eq!(parsed.header("To"), to);
        assert_eq!(parsed.header("Message-ID"), mail.message_id);
        assert_eq!(parsed.header("MIME-Version"), "1.0");
        assert_eq!(parsed.header("Content-Type"), "text/plain; charset=UTF-8");
        assert_eq!(parsed.header("Content-Transfer-Encoding"), "base64");
        time::OffsetDateTime::parse(
            parsed.header("Date"),
            &time::format_description::well_known::Rfc2822,
        )
        .unwrap();
        assert_eq!(parsed.subject(), mail.subject);
        assert_eq!(parsed.text.replace("\r\n", "\n"), mail.text);
        for needle in [
            phrase,
            "PR-2026-004711",
            "Transportlīdzekļa reģistrācija",
            "Līga Ozoliņa",
            "https://maksa.example.lv/pay/7f3a",
            "https://maksa.example.lv/payer",
        ] {
            assert!(parsed.text.contains(needle), "{needle} in {}", parsed.text);
        }
    }
    assert!(
        payer_mail(PayerMailKind::Registered, Language::Latvian, &facts())
            .0
            .contains("Maksājuma pieprasījums")
    );
}

#[tokio::test]
async fn a_utf8_address_goes_with_smtputf8() {
    let server = SmtpServer::start(None);
    let mail = payer_message(Language::Latvian, "jānis@piemērs.lv");
    server.transport().send(&mail).await.unwrap();
    let received = server.received(1);
    assert_eq!(
        received["rcpt_tos"],
        serde_json::json!(["jānis@piemērs.lv"])
    );
    assert_eq!(received["mail_options"], serde_json::json!(["SMTPUTF8"]));
}

#[tokio::test]
async fn a_recipient_refused_with_550_is_permanent() {
    let server = SmtpServer::start(Some("550"));
    let err = server
        .transport()
        .send(&payer_message(Language::English, "nobody@example.lv"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Permanent(text) if text.contains("550") && text.contains("RCPT")),
        "{err:?}"
    );
    assert!(!server.dir.path().join("1.json").exists());
}

#[tokio::test]
async fn a_recipient_refused_with_451_is_temporary() {
    let server = SmtpServer::start(Some("451"));
    let err = server
        .transport()
        .send(&payer_message(Language::English, "busy@example.lv"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Temporary(text) if text.contains("451")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_greets_times_out_as_temporary() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and holds the connection, saying nothing.
    let silent = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let transport = SmtpTransport {
        timeout: Duration::from_millis(300),
        ..SmtpTransport::new("127.0.0.1", port, from())
    };
    let started = Instant::now();
    let err = transport
        .send(&payer_message(Language::Latvian, "payer@example.lv"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Temporary(text) if text.contains("no progress")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    silent.abort();
}

#[tokio::test]
async fn a_refused_connection_is_temporary() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = SmtpTransport::new("127.0.0.1", port, from())
        .send(&payer_message(Language::Latvian, "payer@example.lv"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Temporary(_)), "{err:?}");
}

#[tokio::test]
async fn a_subject_with_a_line_break_is_refused_before_connecting() {
    let mut mail = payer_message(Language::English, "payer@example.lv");
    mail.subject = "Hi\r\nBcc: victim@example.lv".to_owned();
    // Port 9 (discard) on loopback: the refusal must come before any connect.
    let err = SmtpTransport::new("127.0.0.1", 9, from())
        .send(&mail)
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn eml_directory_writes_a_message_that_parses_back_once() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("outbox");
    let eml = EmlDirectory::new(&target, from());
    assert!(eml.describe().contains("outbox"));
    let (subject, text) = payer_mail(PayerMailKind::Reminder, Language::Latvian, &facts());
    let mail = OutgoingMail {
        message_id: "<0193a1b2-demo@maksa.test>".to_owned(),
        to: MailAddress::parse("liga.ozolina@example.lv").unwrap(),
        subject,
        text,
    };
    let sent = eml.send(&mail).await.unwrap();
    let path = target.join("0193a1b2-demo@maksa.test.eml");
    assert_eq!(eml.path_for(&mail.message_id), path);
    assert!(
        sent.detail.contains("0193a1b2-demo@maksa.test.eml"),
        "{}",
        sent.detail
    );
    let first = std::fs::read(&path).unwrap();
    let parsed = parse(&first);
    assert_eq!(parsed.header("From"), "noreply@maksa.example.lv");
    assert_eq!(parsed.header("To"), "liga.ozolina@example.lv");
    assert_eq!(parsed.header("Message-ID"), "<0193a1b2-demo@maksa.test>");
    assert_eq!(parsed.subject(), mail.subject);
    assert!(parsed.subject().starts_with("Atgādinājums"));
    assert_eq!(parsed.text.replace("\r\n", "\n"), mail.text);
    assert!(parsed.text.contains("Jums ir jāapmaksā 42.50 EUR."));
    assert!(parsed.text.contains("https://maksa.example.lv/pay/7f3a"));

    // The same message again (the outbox retrying): the file stays as it was.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    eml.send(&mail).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let names: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        ["0193a1b2-demo@maksa.test.eml"],
        "no temporary files left"
    );
}

#[test]
fn addresses_that_could_inject_or_are_implausible_are_refused() {
    for bad in [
        "a@b\r\nBcc: x@y",
        "a@b\nBcc: x@y",
        "no-at-sign.example.lv",
        "two words@example.lv",
        "payer@exam ple.lv",
        "a@example.lv, b@example.lv",
        "<a@example.lv>",
        "",
    ] {
        assert!(MailAddress::parse(bad).is_err(), "{bad:?}");
    }
    assert!(MailAddress::parse(&format!("{}@example.lv", "a".repeat(250))).is_err());
}

#[test]
fn settings_pick_smtp_when_a_host_is_set_and_files_otherwise() {
    let mut settings = maksa_mail::MailSettings {
        smtp_host: Some("mail.example.lv".to_owned()),
        smtp_port: 587,
        from: from(),
        hello_name: "maksa.example.lv".to_owned(),
        timeout: Duration::from_secs(5),
        eml_dir: "/var/lib/maksa/mail".into(),
    };
    assert_eq!(
        maksa_mail::transport(&settings).describe(),
        "SMTP mail.example.lv:587 (from noreply@maksa.example.lv)"
    );
    settings.smtp_host = None;
    assert_eq!(
        maksa_mail::transport(&settings).describe(),
        ".eml files in /var/lib/maksa/mail"
    );
}

/// A scripted SMTP server for what aiosmtpd will not do: it sends `greeting`,
/// then answers each command with the next of `answers` (after `DATA`'s 354 it
/// reads the message up to the lone dot first), and returns what it read.
async fn scripted_server(
    greeting: &'static str,
    answers: &'static [&'static str],
) -> (u16, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut socket = tokio::io::BufReader::new(socket);
        let mut transcript = String::new();
        socket
            .get_mut()
            .write_all(greeting.as_bytes())
            .await
            .unwrap();
        let mut in_data = false;
        for answer in answers {
            loop {
                let mut line = String::new();
                if socket.read_line(&mut line).await.unwrap() == 0 {
                    return transcript;
                }
                transcript.push_str(&line);
                if !in_data || line == ".\r\n" {
                    break;
                }
            }
            in_data = answer.starts_with("354");
            socket.get_mut().write_all(answer.as_bytes()).await.unwrap();
        }
        transcript
    });
    (port, task)
}

#[tokio::test]
async fn helo_follows_a_refused_ehlo_and_multi_line_replies_are_read_whole() {
    let (port, server) = scripted_server(
        "220-mail.example.lv ESMTP\r\n220-second line\r\n220 ready\r\n",
        &[
            "502 5.5.2 EHLO not understood\r\n",
            "250 mail.example.lv\r\n",
            "250 sender ok\r\n",
            "250-recipient\r\n250 ok\r\n",
            "354 go ahead\r\n",
            "250 2.0.0 queued as ABC123\r\n",
            "221 bye\r\n",
        ],
    )
    .await;
    let mail = payer_message(Language::English, "payer@example.lv");
    let sent = SmtpTransport::new("127.0.0.1", port, from())
        .send(&mail)
        .await
        .unwrap();
    assert_eq!(sent.detail, "250 2.0.0 queued as ABC123");
    let transcript = server.await.unwrap();
    assert!(
        transcript.starts_with("EHLO localhost\r\nHELO localhost\r\n"),
        "{transcript}"
    );
    assert!(transcript.contains(
        "MAIL FROM:<noreply@maksa.example.lv>\r\nRCPT TO:<payer@example.lv>\r\nDATA\r\n"
    ));
    assert!(transcript.ends_with("\r\n.\r\nQUIT\r\n"), "{transcript}");
}

#[tokio::test]
async fn a_message_refused_after_data_is_permanent_and_a_5xx_to_mail_from_is_temporary() {
    let (port, _server) = scripted_server(
        "220 ready\r\n",
        &[
            "250-mail.example.lv\r\n250 8BITMIME\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "354 go ahead\r\n",
            "554 5.6.0 message refused\r\n",
        ],
    )
    .await;
    let err = SmtpTransport::new("127.0.0.1", port, from())
        .send(&payer_message(Language::English, "payer@example.lv"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Permanent(text) if text.contains("554")),
        "{err:?}"
    );

    let (port, _server) = scripted_server(
        "220 ready\r\n",
        &[
            "250 mail.example.lv\r\n",
            "553 5.7.1 sender not allowed\r\n",
        ],
    )
    .await;
    let err = SmtpTransport::new("127.0.0.1", port, from())
        .send(&payer_message(Language::English, "payer@example.lv"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Temporary(text) if text.contains("553") && text.contains("MAIL FROM")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_server_without_smtputf8_cannot_take_a_utf8_address() {
    let (port, _server) = scripted_server(
        "220 ready\r\n",
        &["250-mail.example.lv\r\n250 8BITMIME\r\n"],
    )
    .await;
    let err = SmtpTransport::new("127.0.0.1", port, from())
        .send(&payer_message(Language::Latvian, "jānis@piemērs.lv"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Permanent(text) if text.contains("SMTPUTF8")),
        "{err:?}"
    );
}
