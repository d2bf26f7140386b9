//! Identifiers. Anything a payer or client sees is random (UUID v4) so that it
//! cannot be guessed; the randomness is passed in so tests can fix it.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// The GUID of a payment request (`PaymentRequestId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PaymentRequestId(Uuid);

impl PaymentRequestId {
    pub fn from_random(bytes: [u8; 16]) -> Self {
        PaymentRequestId(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// Accepts the usual textual forms (hyphenated, braced, simple).
    pub fn parse(text: &str) -> Option<Self> {
        Uuid::parse_str(text.trim()).ok().map(PaymentRequestId)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    pub fn from_uuid(id: Uuid) -> Self {
        PaymentRequestId(id)
    }
}

impl fmt::Display for PaymentRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The short name of a client (an e-service) in the hub: `[a-z0-9._-]`, 1–64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(text: &str) -> Option<Self> {
        let ok = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        ok.then(|| ClientId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ClientId::parse(&value).ok_or_else(|| {
            format!("`{value}` is not a client id (1-64 of a-z, 0-9, '.', '_', '-')")
        })
    }
}

impl From<ClientId> for String {
    fn from(value: ClientId) -> Self {
        value.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Letters and digits that survive every bank's character set and cannot be
/// misread for one another (no 0/O, 1/I/L).
const READABLE: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The character of `alphabet` a random byte stands for.
fn pick(alphabet: &[u8], random: u8) -> char {
    let at = usize::from(random)
        .checked_rem(alphabet.len())
        .unwrap_or_default();
    alphabet.get(at).copied().map_or('0', char::from)
}

/// The human-readable number of a request, `ABCD-2345`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestNumber(String);

impl RequestNumber {
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let mut text = String::with_capacity(9);
        for (i, b) in bytes.iter().enumerate() {
            if i == 4 {
                text.push('-');
            }
            text.push(pick(READABLE, *b));
        }
        RequestNumber(text)
    }

    pub fn from_stored(text: String) -> Self {
        RequestNumber(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The 34-character system identifier that starts a payment's purpose and that
/// reconciliation matches bank statement lines with: `[A-Z0-9]{34}`, unique per payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PurposeId(String);

impl PurposeId {
    pub const LENGTH: usize = 34;

    /// `MK` + the creation date `YYYYMMDD` + 24 random base-36 characters
    /// (about 124 bits: collisions are not a practical concern).
    pub fn from_random(date: time::Date, random: [u8; 24]) -> Self {
        const BASE36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut text = format!(
            "MK{:04}{:02}{:02}",
            date.year().clamp(0, 9999),
            u8::from(date.month()),
            date.day()
        );
        for b in random {
            text.push(pick(BASE36, b));
        }
        PurposeId(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PurposeId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = value.len() == Self::LENGTH
            && value
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(PurposeId(value))
        } else {
            Err(format!(
                "`{value}` is not a 34-character payment identifier"
            ))
        }
    }
}

impl From<PurposeId> for String {
    fn from(value: PurposeId) -> Self {
        value.0
    }
}

impl fmt::Display for PurposeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
