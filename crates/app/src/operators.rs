//! The console's operators (docs/operator.md): accounts stored in the
//! database with a role, an argon2id password hash and a TOTP second factor;
//! the sessions a sign-in opens; the CSRF tokens of the console's forms; the
//! throttle on failed sign-ins; and the administrator's account changes.
//!
//! Passwords are hashed with argon2id (PHC string, OWASP's parameters:
//! 19 MiB, 2 passes, 1 lane). A `pbkdf2-sha256$<iterations>$<salt>$<hash>`
//! from an `[[operator]]` entry still verifies, and is re-hashed with argon2id
//! at its next successful sign-in. `[[operator]]` entries are seeded into the
//! database when their name is not there yet, so configuration never
//! overwrites what an administrator changed in the console.
//!
//! The second factor is RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits, one
//! step either side), computed with ring; a step once accepted is refused
//! again. A session is a row (revocable: sign-out, disabling the account, a
//! role change or a password reset end it at once) named by a cookie that
//! carries its id with an HMAC under a key the hub keeps in `server_keys`.
//! Every account change is written with its audit event (actor
//! `operator:<name>`, `before`/`after`, never a hash or a secret) in one
//! transaction.

use crate::clock::Clock;
use crate::error::AppError;
use crate::hub_key::{HubKey, hex, random_bytes, unhex};
use crate::store::prelude::*;
use crate::store::{
    ActivityEntry, ActivityQuery, AuditEvent, OperatorRecord, OperatorSessionRecord,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// A legacy PBKDF2 hash with fewer iterations is refused at start.
pub const MIN_ITERATIONS: u32 = 100_000;
/// A legacy hash with more is refused too: checking it would let a sign-in
/// attempt cost the server seconds.
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// argon2id memory of a new hash, KiB (OWASP: 19 MiB).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
/// argon2id passes of a new hash.
pub const ARGON2_PASSES: u32 = 2;
/// The most memory (KiB) and passes a stored argon2id hash may ask for.
const ARGON2_MAX_MEMORY_KIB: u32 = 262_144;
const ARGON2_MAX_PASSES: u32 = 10;
const SALT_BYTES: usize = 16;
const HASH_BYTES: usize = 32;
/// Longest password read from a form or stdin.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest operator name.
pub const MAX_NAME_CHARS: usize = 64;
/// A session's absolute lifetime by default (`[console] session_hours`).
pub const SESSION_HOURS: i64 = 8;
/// A session unused this long ends by default (`[console] idle_minutes`).
pub const IDLE_MINUTES: i64 = 30;
/// Failed sign-ins per name within the window before that name is held back.
pub const MAX_FAILURES_PER_NAME: u32 = 5;
/// Failed sign-ins per address within the window before it is held back.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// The throttle's window.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Names and addresses the throttle remembers at most (each kind): the map
/// never grows past this, whatever an attacker sends.
pub const MAX_THROTTLE_ENTRIES: usize = 4096;
/// Accounts listed and counted at most.
pub const MAX_ACCOUNTS: u32 = 500;
/// The largest page of the activity log.
pub const MAX_ACTIVITY_PAGE: u32 = 200;
/// Characters of a generated password.
pub const GENERATED_PASSWORD_CHARS: usize = 20;
/// A session's last use is written at most this often (seconds).
const TOUCH_SECONDS: i64 = 30;
/// The name of the operator session key in `server_keys`.
const SESSION_KEY_NAME: &str = "operator-session-key";
const NONCE_BYTES: usize = 16;
const PBKDF2_PREFIX: &str = "pbkdf2-sha256";
/// Characters of generated passwords (no look-alikes).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OperatorError {
    /// A configured hash that is in neither accepted format.
    #[error(
        "the password hash of operator {name:?} is neither an argon2id PHC string nor pbkdf2-sha256$<iterations>$<salt>$<hash>: {reason}"
    )]
    BadHash { name: String, reason: String },
    #[error("operator {0:?} is configured twice")]
    Duplicate(String),
    #[error("the operator name {0:?} is empty, too long or has control characters")]
    BadName(String),
    #[error("the password is empty or longer than {MAX_PASSWORD_BYTES} bytes")]
    BadPassword,
    #[error("the TOTP secret is not base32 of 10 to 64 bytes")]
    BadSecret,
}

/// A password hash: argon2id (what the hub writes) or a legacy PBKDF2 one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordHash {
    /// The PHC string, `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    Argon2id(String),
    /// `pbkdf2-sha256$…` from an `[[operator]]` entry of old.
    Pbkdf2(Pbkdf2Hash),
}

/// A parsed `pbkdf2-sha256$…` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pbkdf2Hash {
    iterations: NonZeroU32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn check_password(password: &str) -> Result<(), OperatorError> {
    if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        return Err(OperatorError::BadPassword);
    }
    Ok(())
}

fn argon2(memory_kib: u32, passes: u32) -> Result<argon2::Argon2<'static>, OperatorError> {
    let params = argon2::Params::new(memory_kib, passes, 1, Some(HASH_BYTES))
        .map_err(|_| OperatorError::BadPassword)?;
    Ok(argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

impl PasswordHash {
    /// Hashes `password` with argon2id, OWASP's parameters and a fresh salt.
    /// Takes tens of milliseconds: call it off the async threads.
    pub fn new(password: &str) -> Result<PasswordHash, OperatorError> {
        check_password(password)?;
        use argon2::PasswordHasher;
        let salt = argon2::password_hash::SaltString::encode_b64(&random_bytes::<SALT_BYTES>())
            .map_err(|_| OperatorError::BadPassword)?;
        let hash = argon2(ARGON2_MEMORY_KIB, ARGON2_PASSES)?
            .hash_password(password.as_bytes(), &salt)
            .map_err(|_| OperatorError::BadPassword)?;
        Ok(PasswordHash::Argon2id(hash.to_string()))
    }

    /// A legacy PBKDF2 hash (what `[[operator]]` held before argon2id), for
    /// tests of the upgrade.
    pub fn pbkdf2(password: &str, iterations: u32) -> Result<PasswordHash, OperatorError> {
        check_password(password)?;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(OperatorError::BadPassword);
        }
        let iterations = NonZeroU32::new(iterations).ok_or(OperatorError::BadPassword)?;
        let salt = random_bytes::<SALT_BYTES>().to_vec();
        let mut hash = vec![0u8; HASH_BYTES];
        ring::pbkdf2::derive(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            iterations,
            &salt,
            password.as_bytes(),
            &mut hash,
        );
        Ok(PasswordHash::Pbkdf2(Pbkdf2Hash {
            iterations,
            salt,
            hash,
        }))
    }

    /// Reads a configured or stored hash (`name` only names it in the refusal).
    pub fn parse(name: &str, text: &str) -> Result<PasswordHash, OperatorError> {
        let bad = |reason: &str| OperatorError::BadHash {
            name: bounded(name),
            reason: reason.to_owned(),
        };
        let text = text.trim();
        if text.starts_with("$argon2") {
            let phc = argon2::password_hash::PasswordHash::new(text)
                .map_err(|_| bad("it is not a PHC string"))?;
            if phc.algorithm.as_str() != "argon2id" {
                return Err(bad("only argon2id is accepted"));
            }
            let params = argon2::Params::try_from(&phc)
                .map_err(|_| bad("its parameters are not argon2's"))?;
            if params.m_cost() > ARGON2_MAX_MEMORY_KIB
                || params.t_cost() > ARGON2_MAX_PASSES
                || params.p_cost() > 4
            {
                return Err(bad(
                    "its cost is higher than the hub checks (m ≤ 262144, t ≤ 10, p ≤ 4)",
                ));
            }
            if phc.hash.is_none() {
                return Err(bad("it has no hash"));
            }
            return Ok(PasswordHash::Argon2id(text.to_owned()));
        }
        let mut parts = text.split('$');
        let (Some(prefix), Some(iterations), Some(salt), Some(hash), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad("it must have four parts separated by '$'"));
        };
        if prefix != PBKDF2_PREFIX {
            return Err(bad("it must start with $argon2id$ or pbkdf2-sha256$"));
        }
        let iterations: u32 = iterations
            .parse()
            .map_err(|_| bad("the iterations are not a whole number"))?;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(bad(&format!(
                "{iterations} iterations: between {MIN_ITERATIONS} and {MAX_ITERATIONS} are accepted"
            )));
        }
        let salt = STANDARD_NO_PAD
            .decode(salt.trim_end_matches('='))
            .map_err(|_| bad("the salt is not base64"))?;
        let hash = STANDARD_NO_PAD
            .decode(hash.trim_end_matches('='))
            .map_err(|_| bad("the hash is not base64"))?;
        if salt.len() < 8 || hash.len() != HASH_BYTES {
            return Err(bad(
                "the salt must be 8 bytes or more and the hash 32 bytes",
            ));
        }
        Ok(PasswordHash::Pbkdf2(Pbkdf2Hash {
            iterations: NonZeroU32::new(iterations).ok_or_else(|| bad("zero iterations"))?,
            salt,
            hash,
        }))
    }

    /// Whether `password` is the one hashed (both compare in constant time).
    pub fn verify(&self, password: &str) -> bool {
        if password.len() > MAX_PASSWORD_BYTES {
            return false;
        }
        match self {
            PasswordHash::Argon2id(text) => {
                use argon2::PasswordVerifier;
                let Ok(phc) = argon2::password_hash::PasswordHash::new(text) else {
                    return false;
                };
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &phc)
                    .is_ok()
            }
            PasswordHash::Pbkdf2(legacy) => ring::pbkdf2::verify(
                ring::pbkdf2::PBKDF2_HMAC_SHA256,
                legacy.iterations,
                &legacy.salt,
                password.as_bytes(),
                &legacy.hash,
            )
            .is_ok(),
        }
    }

    /// Whether this hash is re-hashed with argon2id at the next sign-in.
    pub fn is_legacy(&self) -> bool {
        matches!(self, PasswordHash::Pbkdf2(_))
    }
}

impl std::fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordHash::Argon2id(text) => f.write_str(text),
            PasswordHash::Pbkdf2(legacy) => write!(
                f,
                "{PBKDF2_PREFIX}${}${}${}",
                legacy.iterations,
                STANDARD_NO_PAD.encode(&legacy.salt),
                STANDARD_NO_PAD.encode(&legacy.hash)
            ),
        }
    }
}

/// RFC 6238 time-based one-time passwords: HMAC-SHA1, 30-second steps, six
/// digits, secrets of 20 random bytes shown as base32 (RFC 4648, no padding).
pub mod totp {
    use super::random_bytes;
    use time::OffsetDateTime;

    pub const STEP_SECONDS: i64 = 30;
    pub const DIGITS: usize = 6;
    pub const SECRET_BYTES: usize = 20;
    /// Steps either side of now a code is accepted for (clock drift).
    pub const WINDOW: i64 = 1;
    /// The issuer in authenticator apps.
    pub const ISSUER: &str = "maksa";
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// A new random secret, base32.
    pub fn new_secret() -> String {
        encode(&random_bytes::<SECRET_BYTES>())
    }

    /// The time step of `at`.
    pub fn step_at(at: OffsetDateTime) -> i64 {
        at.unix_timestamp().div_euclid(STEP_SECONDS)
    }

    /// Base32 without padding.
    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        let mut buffer: u32 = 0;
        let mut bits: u32 = 0;
        for byte in bytes {
            buffer = buffer.wrapping_shl(8) | u32::from(*byte);
            bits = bits.saturating_add(8);
            while bits >= 5 {
                bits = bits.saturating_sub(5);
                let index = usize::try_from(buffer.wrapping_shr(bits) & 31).unwrap_or(0);
                out.push(char::from(BASE32.get(index).copied().unwrap_or(b'A')));
            }
            buffer &= 1u32.wrapping_shl(bits).wrapping_sub(1);
        }
        if bits > 0 {
            let index =
                usize::try_from(buffer.wrapping_shl(5u32.wrapping_sub(bits)) & 31).unwrap_or(0);
            out.push(char::from(BASE32.get(index).copied().unwrap_or(b'A')));
        }
        out
    }

    /// Base32 (case, spaces and padding ignored) of 10 to 64 bytes.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut buffer: u32 = 0;
        let mut bits: u32 = 0;
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
            let upper = u8::try_from(c.to_ascii_uppercase()).ok()?;
            let value = BASE32.iter().position(|b| *b == upper)?;
            buffer = buffer.wrapping_shl(5) | u32::try_from(value).ok()?;
            bits = bits.saturating_add(5);
            if bits >= 8 {
                bits = bits.saturating_sub(8);
                out.push(u8::try_from(buffer.wrapping_shr(bits) & 0xff).ok()?);
                buffer &= 1u32.wrapping_shl(bits).wrapping_sub(1);
            }
            if out.len() > 64 {
                return None;
            }
        }
        (out.len() >= 10).then_some(out)
    }

    /// The code of `secret` at time step `step`.
    pub fn code(secret: &[u8], step: i64) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
        let tag = ring::hmac::sign(&key, &step.to_be_bytes());
        let mac = tag.as_ref();
        let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
        let word = mac
            .get(offset..offset.saturating_add(4))
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(u32::from_be_bytes)
            .unwrap_or(0)
            & 0x7fff_ffff;
        format!("{:06}", word.wrapping_rem(1_000_000))
    }

    /// The current code of a base32 secret (`maksa operator totp-code`).
    pub fn code_now(secret: &str, now: OffsetDateTime) -> Option<String> {
        Some(code(&decode(secret)?, step_at(now)))
    }

    /// The step within [`WINDOW`] of `now` whose code is `given` (spaces
    /// ignored), compared in constant time.
    pub fn matching_step(secret: &str, given: &str, now: OffsetDateTime) -> Option<i64> {
        let secret = decode(secret)?;
        let given: String = given.chars().filter(|c| !c.is_whitespace()).collect();
        if given.len() != DIGITS || !given.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = step_at(now);
        let mut found = None;
        for step in now.saturating_sub(WINDOW)..=now.saturating_add(WINDOW) {
            let expected = code(&secret, step);
            if same_digits(expected.as_bytes(), given.as_bytes()) {
                found = Some(step);
            }
        }
        found
    }

    /// Equal byte strings, compared without stopping at the first difference.
    fn same_digits(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The `otpauth://` URI an authenticator app reads.
    pub fn uri(secret: &str, name: &str) -> String {
        let label: String =
            url::form_urlencoded::byte_serialize(format!("{ISSUER}:{name}").as_bytes())
                .collect::<String>()
                .replace('+', "%20");
        format!(
            "otpauth://totp/{label}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
        )
    }
}

/// What an operator may do in the console (docs/operator.md). Each role
/// may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Sees every page; changes nothing.
    Viewer,
    /// Acts on requests, payments, refunds and orders (never approves their own).
    Operator,
    /// Also manages accounts, the catalogue, certificates and settings.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Administrator];

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }

    /// The name in configuration, storage and audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// Whether `name` may name an operator: not empty, at most
/// [`MAX_NAME_CHARS`], no control characters, no surrounding spaces.
pub fn valid_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.chars().any(char::is_control)
        && name.trim() == name
}

/// One configured operator (`[[operator]]`), seeded into the database when
/// the name is not there yet.
#[derive(Debug, Clone)]
pub struct OperatorAccount {
    pub name: String,
    pub password: PasswordHash,
    pub role: Role,
    /// A second factor already set up (the demo's and the tests' accounts);
    /// `None`: the operator enrols at the first sign-in.
    pub totp_secret: Option<String>,
}

impl OperatorAccount {
    pub fn new(name: &str, password_hash: &str) -> Result<OperatorAccount, OperatorError> {
        if !valid_name(name) {
            return Err(OperatorError::BadName(bounded(name)));
        }
        Ok(OperatorAccount {
            name: name.to_owned(),
            password: PasswordHash::parse(name, password_hash)?,
            role: Role::Administrator,
            totp_secret: None,
        })
    }

    /// The same account with another role.
    pub fn with_role(mut self, role: Role) -> OperatorAccount {
        self.role = role;
        self
    }

    /// The same account with its second factor set up.
    pub fn with_totp_secret(mut self, secret: &str) -> Result<OperatorAccount, OperatorError> {
        totp::decode(secret).ok_or(OperatorError::BadSecret)?;
        self.totp_secret = Some(secret.to_owned());
        Ok(self)
    }
}

/// A signed-in operator, read from a session cookie that verified and a
/// session row that is still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    pub name: String,
    /// The account's role at this request.
    pub role: Role,
    pub expires: OffsetDateTime,
    /// `false` until the operator has set up the second factor: only the
    /// enrolment page opens.
    pub enrolled: bool,
    /// The session row's id.
    id: String,
    /// The cookie value: the console forms' CSRF tokens are bound to it.
    cookie: String,
}

impl OperatorSession {
    pub fn cookie(&self) -> &str {
        &self.cookie
    }
}

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in (when `enrolled` is false, to the enrolment page first).
    Accepted(OperatorSession),
    /// Wrong name, password or code (which one is not said).
    Refused,
    /// Too many failures for this name or address lately: not even checked.
    Throttled,
}

/// A form nonce for the sign-in page (before there is a session): the
/// cookie is `nonce.mac`, the form's token the MAC of the nonce under
/// another label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInForm {
    pub cookie: String,
    pub token: String,
}

/// How long sessions last (`[console]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// From sign-in, whatever happens.
    pub lifetime: Duration,
    /// Since the last page.
    pub idle: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            lifetime: Duration::hours(SESSION_HOURS),
            idle: Duration::minutes(IDLE_MINUTES),
        }
    }
}

/// An account as the console shows it (never the hash or the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// Whether the second factor is set up.
    pub enrolled: bool,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

impl From<&OperatorRecord> for AccountView {
    fn from(record: &OperatorRecord) -> Self {
        AccountView {
            name: record.name.clone(),
            role: record.role,
            disabled: record.disabled,
            enrolled: record.totp_secret.is_some(),
            created_at: record.created_at,
            created_by: record.created_by.clone(),
            updated_at: record.updated_at,
            updated_by: record.updated_by.clone(),
        }
    }
}

/// What creating an account or resetting its credentials hands out, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub name: String,
    /// The initial or new password (`None`: unchanged).
    pub password: Option<String>,
    /// The TOTP secret, base32 (`None`: unchanged or to be enrolled).
    pub totp_secret: Option<String>,
}

impl Credentials {
    /// The `otpauth://` URI of the secret.
    pub fn totp_uri(&self) -> Option<String> {
        self.totp_secret
            .as_deref()
            .map(|secret| totp::uri(secret, &self.name))
    }
}

/// An account change the console refuses (nothing was changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRefusal {
    /// The name is empty, too long or has control characters.
    BadName,
    /// An account of that name exists.
    Exists,
    /// No account of that name.
    NoSuchAccount,
    /// An administrator cannot disable themself (nor take their own role).
    Yourself,
    /// The change would leave no enabled administrator.
    LastAdministrator,
}

/// An account change's failure.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("refused: {0:?}")]
    Refused(AccountRefusal),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<crate::store::StoreError> for AccountError {
    fn from(error: crate::store::StoreError) -> Self {
        AccountError::App(error.into())
    }
}

/// The keys and the accounts' service; one per hub process.
pub struct Operators {
    /// `[[operator]]` entries, seeded at first use.
    configured: Vec<OperatorAccount>,
    seeded: tokio::sync::OnceCell<()>,
    /// The demo's: configured accounts overwrite the stored ones.
    overwrite: bool,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: HubKey,
    throttle: Mutex<Throttle>,
    settings: SessionSettings,
    /// Checked when the name is unknown or disabled, so that it costs as
    /// long as a known one (no timing hint of which names exist).
    decoy: PasswordHash,
}

impl Operators {
    pub fn new(
        accounts: Vec<OperatorAccount>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Operators, OperatorError> {
        let mut names = std::collections::HashSet::new();
        for account in &accounts {
            if !names.insert(account.name.clone()) {
                return Err(OperatorError::Duplicate(bounded(&account.name)));
            }
        }
        Ok(Operators {
            configured: accounts,
            seeded: tokio::sync::OnceCell::new(),
            overwrite: false,
            key: HubKey::new(SESSION_KEY_NAME, Arc::clone(&store), Arc::clone(&clock)),
            store,
            clock,
            throttle: Mutex::new(Throttle::default()),
            settings: SessionSettings::default(),
            decoy: PasswordHash::new("decoy password")?,
        })
    }

    /// The same service with other session lifetimes.
    pub fn with_sessions(mut self, settings: SessionSettings) -> Operators {
        self.settings = settings;
        self
    }

    /// The same service whose configured accounts overwrite the stored ones
    /// at start (the demo's new passwords and secrets at every start).
    pub fn overwriting_configured(mut self) -> Operators {
        self.overwrite = true;
        self
    }

    pub fn settings(&self) -> SessionSettings {
        self.settings
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    async fn key(&self) -> Result<&ring::hmac::Key, AppError> {
        self.key.get().await
    }

    /// Writes the `[[operator]]` entries whose names are not in the
    /// database yet (once per process; a console change is never
    /// overwritten by configuration).
    pub async fn seed(&self) -> Result<(), AppError> {
        self.seeded
            .get_or_try_init(|| async {
                for account in &self.configured {
                    let now = self.clock.now();
                    let record = OperatorRecord {
                        name: account.name.clone(),
                        role: account.role,
                        password_hash: account.password.to_string(),
                        totp_secret: account.totp_secret.clone(),
                        totp_last_step: None,
                        disabled: false,
                        created_at: now,
                        created_by: "configuration".into(),
                        updated_at: now,
                        updated_by: "configuration".into(),
                    };
                    let mut work = self.store.begin().await?;
                    let mut before = serde_json::Value::Null;
                    let mut kind = "operator.account_created";
                    let written = if work.insert_operator(&record).await? {
                        true
                    } else if let (true, Some(stored)) = (
                        self.overwrite,
                        work.operator_for_update(&record.name).await?,
                    ) {
                        before = account_state(&stored);
                        kind = "operator.account_reset";
                        work.update_operator(&record).await?;
                        work.end_operator_sessions(&record.name, None).await?;
                        true
                    } else {
                        false
                    };
                    if written {
                        work.append_audit(&AuditEvent {
                            at: now,
                            actor: "configuration".into(),
                            request_id: None,
                            kind: kind.into(),
                            detail: json!({
                                "name": record.name,
                                "before": before,
                                "after": account_state(&record),
                            }),
                        })
                        .await?;
                    }
                    work.commit().await?;
                }
                Ok::<(), AppError>(())
            })
            .await?;
        Ok(())
    }

    /// Checks a sign-in (name, password, and the TOTP code when the account
    /// has a second factor); audits its outcome (never the password or code).
    pub async fn sign_in(
        self: &Arc<Self>,
        name: &str,
        password: &str,
        code: &str,
        address: Option<IpAddr>,
    ) -> Result<SignIn, AppError> {
        self.seed().await?;
        let now = self.clock.now();
        let name = bounded_chars(name, MAX_NAME_CHARS);
        let held = self
            .throttle
            .lock()
            .map(|t| t.held_back(&name, address, now))
            .unwrap_or(true);
        if held {
            self.audit("operator.sign_in_failed", &name, address, "throttled")
                .await;
            return Ok(SignIn::Throttled);
        }
        let account = self
            .store
            .operator_record(&name)
            .await?
            .filter(|a| !a.disabled);
        let hash = account
            .as_ref()
            .and_then(|a| PasswordHash::parse(&a.name, &a.password_hash).ok());
        let given = password.to_owned();
        let decoy = self.decoy.clone();
        // argon2id takes tens of milliseconds: off the async threads.
        let verified = tokio::task::spawn_blocking(move || match &hash {
            Some(hash) => hash.verify(&given).then_some(hash.is_legacy()),
            None => {
                let _ = decoy.verify(&given);
                None
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("the password check failed: {e}")))?;
        let (Some(account), Some(legacy)) = (account, verified) else {
            return self
                .refuse(&name, address, now, "wrong name or password")
                .await;
        };
        if let Some(secret) = &account.totp_secret {
            let taken = match totp::matching_step(secret, code, now) {
                Some(step) => self.store.take_totp_step(&account.name, step).await?,
                None => false,
            };
            if !taken {
                return self.refuse(&name, address, now, "wrong or used code").await;
            }
        }
        if let Ok(mut throttle) = self.throttle.lock() {
            throttle.succeeded(&name);
        }
        if legacy {
            self.rehash(&account.name, password).await;
        }
        let session = self.open_session(&account, address).await?;
        Ok(SignIn::Accepted(session))
    }

    async fn refuse(
        &self,
        name: &str,
        address: Option<IpAddr>,
        now: OffsetDateTime,
        reason: &str,
    ) -> Result<SignIn, AppError> {
        if let Ok(mut throttle) = self.throttle.lock() {
            throttle.failed(name, address, now);
        }
        self.audit("operator.sign_in_failed", name, address, reason)
            .await;
        Ok(SignIn::Refused)
    }

    /// A legacy PBKDF2 hash that just verified becomes argon2id.
    async fn rehash(&self, name: &str, password: &str) {
        let password = password.to_owned();
        let hashed = tokio::task::spawn_blocking(move || PasswordHash::new(&password)).await;
        let Ok(Ok(hash)) = hashed else {
            tracing::warn!(
                operator = name,
                "re-hashing a legacy password failed; kept as it was"
            );
            return;
        };
        let written = async {
            let mut work = self.store.begin().await?;
            let Some(mut record) = work.operator_for_update(name).await? else {
                return Ok(());
            };
            record.password_hash = hash.to_string();
            record.updated_at = self.clock.now();
            record.updated_by = actor(name);
            work.update_operator(&record).await?;
            work.append_audit(&AuditEvent {
                at: record.updated_at,
                actor: actor(name),
                request_id: None,
                kind: "operator.password_rehashed".into(),
                detail: json!({
                    "name": name,
                    "before": {"password": "pbkdf2-sha256"},
                    "after": {"password": "argon2id"},
                }),
            })
            .await?;
            work.commit().await
        }
        .await;
        if let Err(error) = written {
            tracing::warn!(%error, operator = name, "re-hashing a legacy password failed");
        }
    }

    async fn open_session(
        &self,
        account: &OperatorRecord,
        address: Option<IpAddr>,
    ) -> Result<OperatorSession, AppError> {
        let now = self.clock.now();
        let record = OperatorSessionRecord {
            id: hex(&random_bytes::<NONCE_BYTES>()),
            operator: account.name.clone(),
            created_at: now,
            last_seen: now,
            expires_at: now.saturating_add(self.settings.lifetime),
        };
        let mut work = self.store.begin().await?;
        work.insert_operator_session(&record).await?;
        work.append_audit(&AuditEvent {
            at: now,
            actor: actor(&account.name),
            request_id: None,
            kind: "operator.signed_in".into(),
            detail: json!({
                "name": account.name,
                "address": address.map(|a| a.to_string()),
            }),
        })
        .await?;
        work.commit().await?;
        tracing::info!(operator = account.name, "operator signed in");
        let key = self.key().await?;
        let payload = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(account.name.as_bytes()),
            record.expires_at.unix_timestamp(),
            record.id
        );
        let mac = ring::hmac::sign(key, session_data(&payload).as_bytes());
        Ok(OperatorSession {
            name: account.name.clone(),
            role: account.role,
            expires: record.expires_at,
            enrolled: account.totp_secret.is_some(),
            id: record.id,
            cookie: format!("{payload}.{}", hex(mac.as_ref())),
        })
    }

    /// Ends `session` (sign-out) and records it.
    pub async fn sign_out(&self, session: &OperatorSession) -> Result<(), AppError> {
        let now = self.clock.now();
        let mut work = self.store.begin().await?;
        work.end_operator_sessions(&session.name, Some(&session.id))
            .await?;
        work.append_audit(&AuditEvent {
            at: now,
            actor: actor(&session.name),
            request_id: None,
            kind: "operator.signed_out".into(),
            detail: json!({"name": session.name}),
        })
        .await?;
        work.commit().await?;
        Ok(())
    }

    /// Records a failed sign-in in the audit trail (the write is best effort:
    /// a refused sign-in is answered either way).
    async fn audit(&self, kind: &str, name: &str, address: Option<IpAddr>, reason: &str) {
        let event = AuditEvent {
            at: self.clock.now(),
            actor: actor(name),
            request_id: None,
            kind: kind.to_owned(),
            detail: json!({
                "name": name,
                "address": address.map(|a| a.to_string()),
                "reason": reason,
            }),
        };
        let written = async {
            let mut work = self.store.begin().await?;
            work.append_audit(&event).await?;
            work.commit().await
        }
        .await;
        if let Err(error) = written {
            tracing::error!(%error, kind, "could not write the operator's audit event");
        }
        tracing::info!(kind, operator = name, "operator sign-in event");
    }

    /// The session a cookie names, if the hub issued it, its row is open,
    /// it is within its lifetime and idle timeout, and its account is
    /// enabled. The role is the account's now.
    pub async fn session(&self, cookie: &str) -> Result<Option<OperatorSession>, AppError> {
        self.seed().await?;
        let key = self.key().await?;
        let Some((name, id)) = read_cookie(key, cookie) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let Some(record) = self.store.operator_session_record(&id).await? else {
            return Ok(None);
        };
        let idle_until = record.last_seen.saturating_add(self.settings.idle);
        if record.operator != name || record.expires_at <= now || idle_until <= now {
            return Ok(None);
        }
        let Some(account) = self
            .store
            .operator_record(&name)
            .await?
            .filter(|a| !a.disabled)
        else {
            return Ok(None);
        };
        if record
            .last_seen
            .saturating_add(Duration::seconds(TOUCH_SECONDS))
            <= now
        {
            self.store.touch_operator_session(&id, now).await?;
        }
        Ok(Some(OperatorSession {
            name,
            role: account.role,
            expires: record.expires_at,
            enrolled: account.totp_secret.is_some(),
            id,
            cookie: cookie.to_owned(),
        }))
    }

    /// The secret offered to `session`'s operator on the enrolment page: the
    /// same for the whole session (derived from its id under the hub's key,
    /// so nothing is stored before the operator confirms a code).
    pub async fn enrolment_secret(&self, session: &OperatorSession) -> Result<String, AppError> {
        let key = self.key().await?;
        let tag = ring::hmac::sign(key, enrolment_data(&session.id).as_bytes());
        let bytes = tag.as_ref().get(..totp::SECRET_BYTES).unwrap_or_default();
        Ok(totp::encode(bytes))
    }

    /// Confirms the enrolment with a code of the offered secret: `false`
    /// when the code is wrong (nothing changes).
    pub async fn enrol(&self, session: &OperatorSession, code: &str) -> Result<bool, AppError> {
        let secret = self.enrolment_secret(session).await?;
        let now = self.clock.now();
        let Some(step) = totp::matching_step(&secret, code, now) else {
            return Ok(false);
        };
        let mut work = self.store.begin().await?;
        let Some(mut record) = work.operator_for_update(&session.name).await? else {
            return Ok(false);
        };
        if record.totp_secret.is_some() {
            // Enrolled meanwhile (another tab): nothing to change.
            return Ok(true);
        }
        let before = account_state(&record);
        record.totp_secret = Some(secret);
        record.totp_last_step = Some(step);
        record.updated_at = now;
        record.updated_by = actor(&session.name);
        work.update_operator(&record).await?;
        work.append_audit(&AuditEvent {
            at: now,
            actor: actor(&session.name),
            request_id: None,
            kind: "operator.totp_enrolled".into(),
            detail: json!({
                "name": record.name,
                "before": before,
                "after": account_state(&record),
            }),
        })
        .await?;
        work.commit().await?;
        Ok(true)
    }

    /// The CSRF token of the forms shown in `session`.
    pub async fn csrf_token(&self, session: &OperatorSession) -> Result<String, AppError> {
        let key = self.key().await?;
        Ok(hex(ring::hmac::sign(
            key,
            csrf_data(&session.cookie).as_bytes(),
        )
        .as_ref()))
    }

    /// Whether `token` is the session's CSRF token (constant time).
    pub async fn check_csrf(
        &self,
        session: &OperatorSession,
        token: &str,
    ) -> Result<bool, AppError> {
        let key = self.key().await?;
        let Some(token) = unhex(token) else {
            return Ok(false);
        };
        Ok(ring::hmac::verify(key, csrf_data(&session.cookie).as_bytes(), &token).is_ok())
    }

    /// A fresh sign-in form nonce and its token.
    pub async fn sign_in_form(&self) -> Result<SignInForm, AppError> {
        let key = self.key().await?;
        let nonce = hex(&random_bytes::<NONCE_BYTES>());
        let mac = ring::hmac::sign(key, form_cookie_data(&nonce).as_bytes());
        let token = ring::hmac::sign(key, form_token_data(&nonce).as_bytes());
        Ok(SignInForm {
            cookie: format!("{nonce}.{}", hex(mac.as_ref())),
            token: hex(token.as_ref()),
        })
    }

    /// Whether the sign-in form's cookie was issued by the hub and `token`
    /// is its token.
    pub async fn check_sign_in_form(&self, cookie: &str, token: &str) -> Result<bool, AppError> {
        let key = self.key().await?;
        let Some((nonce, mac)) = cookie.split_once('.') else {
            return Ok(false);
        };
        let (Some(mac), Some(token)) = (unhex(mac), unhex(token)) else {
            return Ok(false);
        };
        Ok(
            ring::hmac::verify(key, form_cookie_data(nonce).as_bytes(), &mac).is_ok()
                && ring::hmac::verify(key, form_token_data(nonce).as_bytes(), &token).is_ok(),
        )
    }

    // ── The administrator's account changes ─────────────────────────────────

    /// Every account, by name.
    pub async fn accounts(&self) -> Result<Vec<AccountView>, AppError> {
        self.seed().await?;
        Ok(self
            .store
            .operator_records(MAX_ACCOUNTS)
            .await?
            .iter()
            .map(AccountView::from)
            .collect())
    }

    /// Operators' actions from the audit trail, newest first.
    pub async fn activity(&self, query: &ActivityQuery) -> Result<Vec<ActivityEntry>, AppError> {
        let mut query = query.clone();
        query.limit = query.limit.clamp(1, MAX_ACTIVITY_PAGE);
        Ok(self.store.operator_activity(&query).await?)
    }

    /// A new account with `role`, a generated password and TOTP secret
    /// (handed out once), created by `by`.
    pub async fn create_account(
        &self,
        by: &str,
        name: &str,
        role: Role,
    ) -> Result<Credentials, AccountError> {
        if !valid_name(name) {
            return Err(AccountError::Refused(AccountRefusal::BadName));
        }
        let password = generate_password();
        let secret = totp::new_secret();
        let hash = hash_off_thread(&password).await?;
        self.add_account(by, name, role, &hash, &secret).await?;
        Ok(Credentials {
            name: name.to_owned(),
            password: Some(password),
            totp_secret: Some(secret),
        })
    }

    /// A new account with a password hash and TOTP secret given (`maksa
    /// operator add`), created by `by`.
    pub async fn add_account(
        &self,
        by: &str,
        name: &str,
        role: Role,
        hash: &PasswordHash,
        secret: &str,
    ) -> Result<(), AccountError> {
        if !valid_name(name) {
            return Err(AccountError::Refused(AccountRefusal::BadName));
        }
        self.seed().await?;
        let now = self.clock.now();
        let record = OperatorRecord {
            name: name.to_owned(),
            role,
            password_hash: hash.to_string(),
            totp_secret: Some(secret.to_owned()),
            totp_last_step: None,
            disabled: false,
            created_at: now,
            created_by: actor(by),
            updated_at: now,
            updated_by: actor(by),
        };
        let mut work = self.store.begin().await?;
        if !work.insert_operator(&record).await? {
            return Err(AccountError::Refused(AccountRefusal::Exists));
        }
        work.append_audit(&AuditEvent {
            at: now,
            actor: actor(by),
            request_id: None,
            kind: "operator.account_created".into(),
            detail: json!({"name": name, "before": null, "after": account_state(&record)}),
        })
        .await?;
        work.commit().await?;
        Ok(())
    }

    /// Gives `name` another role; its sessions end.
    pub async fn set_role(&self, by: &str, name: &str, role: Role) -> Result<(), AccountError> {
        self.change(by, name, "operator.role_changed", |record, admins| {
            if record.name == by && role != record.role {
                return Err(AccountRefusal::Yourself);
            }
            if record.role == Role::Administrator && role != Role::Administrator && admins <= 1 {
                return Err(AccountRefusal::LastAdministrator);
            }
            record.role = role;
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// Disables (or enables) `name`; disabling ends its sessions.
    pub async fn set_disabled(
        &self,
        by: &str,
        name: &str,
        disabled: bool,
    ) -> Result<(), AccountError> {
        self.change(
            by,
            name,
            if disabled {
                "operator.account_disabled"
            } else {
                "operator.account_enabled"
            },
            |record, admins| {
                if disabled && record.name == by {
                    return Err(AccountRefusal::Yourself);
                }
                if disabled && record.role == Role::Administrator && !record.disabled && admins <= 1
                {
                    return Err(AccountRefusal::LastAdministrator);
                }
                record.disabled = disabled;
                Ok(())
            },
        )
        .await
        .map(|_| ())
    }

    /// A new generated password for `name` (handed out once); its sessions end.
    pub async fn reset_password(&self, by: &str, name: &str) -> Result<Credentials, AccountError> {
        let password = generate_password();
        let hash = hash_off_thread(&password).await?.to_string();
        self.change(by, name, "operator.password_reset", move |record, _| {
            record.password_hash = hash;
            Ok(())
        })
        .await?;
        Ok(Credentials {
            name: name.to_owned(),
            password: Some(password),
            totp_secret: None,
        })
    }

    /// Removes `name`'s second factor: the operator enrols again at the next
    /// sign-in; its sessions end.
    pub async fn reset_second_factor(&self, by: &str, name: &str) -> Result<(), AccountError> {
        self.change(by, name, "operator.totp_reset", |record, _| {
            record.totp_secret = None;
            record.totp_last_step = None;
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// One account change: the row locked, `apply`'d, written with its audit
    /// event (`before`/`after`), the account's sessions ended — one
    /// transaction.
    async fn change(
        &self,
        by: &str,
        name: &str,
        kind: &str,
        apply: impl FnOnce(&mut OperatorRecord, u64) -> Result<(), AccountRefusal>,
    ) -> Result<OperatorRecord, AccountError> {
        self.seed().await?;
        let now = self.clock.now();
        let mut work = self.store.begin().await?;
        // Enabled administrators, counted under lock in this transaction: the
        // last one is never demoted or disabled, even by two at once.
        let admins = work.lock_enabled_administrators().await?;
        let Some(mut record) = work.operator_for_update(name).await? else {
            return Err(AccountError::Refused(AccountRefusal::NoSuchAccount));
        };
        let before = account_state(&record);
        apply(&mut record, admins).map_err(AccountError::Refused)?;
        record.updated_at = now;
        record.updated_by = actor(by);
        work.update_operator(&record).await?;
        let ended = work.end_operator_sessions(name, None).await?;
        work.append_audit(&AuditEvent {
            at: now,
            actor: actor(by),
            request_id: None,
            kind: kind.to_owned(),
            detail: json!({
                "name": name,
                "before": before,
                "after": account_state(&record),
                "sessions_ended": ended,
            }),
        })
        .await?;
        work.commit().await?;
        Ok(record)
    }
}

/// What an audit event shows of an account: never the hash or the secret.
fn account_state(record: &OperatorRecord) -> serde_json::Value {
    json!({
        "role": record.role.as_str(),
        "disabled": record.disabled,
        "second_factor": if record.totp_secret.is_some() { "enrolled" } else { "none" },
    })
}

fn actor(name: &str) -> String {
    format!("operator:{name}")
}

/// A random password of [`GENERATED_PASSWORD_CHARS`] characters without look-alikes.
pub fn generate_password() -> String {
    random_bytes::<GENERATED_PASSWORD_CHARS>()
        .iter()
        .map(|b| {
            let at = usize::from(*b)
                .checked_rem(PASSWORD_ALPHABET.len())
                .unwrap_or(0);
            char::from(PASSWORD_ALPHABET.get(at).copied().unwrap_or(b'x'))
        })
        .collect()
}

async fn hash_off_thread(password: &str) -> Result<PasswordHash, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || PasswordHash::new(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing the password failed: {e}")))?
        .map_err(|e| AppError::Internal(format!("hashing the password failed: {e}")))
}

/// The name and session id of a cookie the hub issued (MAC checked).
fn read_cookie(key: &ring::hmac::Key, cookie: &str) -> Option<(String, String)> {
    let (payload, mac) = cookie.rsplit_once('.')?;
    let mac = unhex(mac)?;
    ring::hmac::verify(key, session_data(payload).as_bytes(), &mac).ok()?;
    let mut parts = payload.split('.');
    let name = parts.next()?;
    let _expires = parts.next()?;
    let id = parts.next()?;
    let name = String::from_utf8(URL_SAFE_NO_PAD.decode(name).ok()?).ok()?;
    Some((name, id.to_owned()))
}

// Each MAC carries its own label, so no value made for one purpose passes
// for another.
fn session_data(payload: &str) -> String {
    format!("maksa operator session v2\0{payload}")
}
fn csrf_data(cookie: &str) -> String {
    format!("maksa operator csrf\0{cookie}")
}
fn form_cookie_data(nonce: &str) -> String {
    format!("maksa operator sign-in cookie\0{nonce}")
}
fn form_token_data(nonce: &str) -> String {
    format!("maksa operator sign-in token\0{nonce}")
}
fn enrolment_data(session: &str) -> String {
    format!("maksa operator totp enrolment\0{session}")
}

/// Failures per name and per address in fixed windows, in maps that never
/// hold more than [`MAX_THROTTLE_ENTRIES`] keys each.
#[derive(Default)]
struct Throttle {
    names: HashMap<String, Window>,
    addresses: HashMap<IpAddr, Window>,
}

#[derive(Clone, Copy)]
struct Window {
    started: OffsetDateTime,
    failures: u32,
}

impl Throttle {
    fn held_back(&self, name: &str, address: Option<IpAddr>, now: OffsetDateTime) -> bool {
        let over =
            |w: Option<&Window>, max: u32| w.is_some_and(|w| !expired(w, now) && w.failures >= max);
        over(self.names.get(name), MAX_FAILURES_PER_NAME)
            || address.is_some_and(|a| over(self.addresses.get(&a), MAX_FAILURES_PER_ADDRESS))
    }

    fn failed(&mut self, name: &str, address: Option<IpAddr>, now: OffsetDateTime) {
        count(&mut self.names, name.to_owned(), now);
        if let Some(address) = address {
            count(&mut self.addresses, address, now);
        }
    }

    fn succeeded(&mut self, name: &str) {
        self.names.remove(name);
    }
}

fn expired(window: &Window, now: OffsetDateTime) -> bool {
    window
        .started
        .saturating_add(Duration::minutes(THROTTLE_WINDOW_MINUTES))
        <= now
}

fn count<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, Window>,
    key: K,
    now: OffsetDateTime,
) {
    if !map.contains_key(&key) && map.len() >= MAX_THROTTLE_ENTRIES {
        map.retain(|_, w| !expired(w, now));
        if map.len() >= MAX_THROTTLE_ENTRIES {
            // Still full of live windows: forget the oldest to make room (an
            // attacker filling the map can only shorten others' windows,
            // never grow memory).
            let oldest = map
                .iter()
                .min_by_key(|(_, w)| w.started)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                map.remove(&oldest);
            }
        }
    }
    let window = map.entry(key).or_insert(Window {
        started: now,
        failures: 0,
    });
    if expired(window, now) {
        *window = Window {
            started: now,
            failures: 0,
        };
    }
    window.failures = window.failures.saturating_add(1);
}

fn bounded(text: &str) -> String {
    bounded_chars(text, 200)
}

fn bounded_chars(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_argon2id_hash_verifies_its_password_only() {
        let hash = PasswordHash::new("correct horse").unwrap();
        let text = hash.to_string();
        assert!(
            text.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{text}"
        );
        let parsed = PasswordHash::parse("anna", &text).unwrap();
        assert!(!parsed.is_legacy());
        assert!(parsed.verify("correct horse"));
        assert!(!parsed.verify("correct horse "));
        assert!(!parsed.verify(""));
    }

    #[test]
    fn a_legacy_pbkdf2_hash_still_verifies() {
        let hash = PasswordHash::pbkdf2("correct horse", MIN_ITERATIONS).unwrap();
        let text = hash.to_string();
        assert!(text.starts_with("pbkdf2-sha256$100000$"));
        let parsed = PasswordHash::parse("anna", &text).unwrap();
        assert!(parsed.is_legacy());
        assert!(parsed.verify("correct horse"));
        assert!(!parsed.verify("correct horse "));
    }

    #[test]
    fn weak_or_malformed_hashes_are_refused() {
        for bad in [
            "",
            "plain",
            "pbkdf2-sha1$100000$AAAAAAAAAAA$AAAA",
            "pbkdf2-sha256$x$a$b",
            "pbkdf2-sha256$1000$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$argon2id$v=19$m=999999,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$argon2id$nonsense",
        ] {
            assert!(PasswordHash::parse("anna", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238() {
        // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890".
        let secret = b"12345678901234567890";
        for (seconds, eight_digits) in [
            (59_i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let code = totp::code(secret, seconds.div_euclid(30));
            assert_eq!(code, eight_digits[2..], "{seconds}");
        }
        let text = totp::encode(secret);
        assert_eq!(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(totp::decode(&text.to_lowercase()).unwrap(), secret);
        assert!(totp::decode("GEZD").is_none(), "too short");
        assert!(totp::decode("GEZDGNBVGY3TQOJQ1").is_none(), "not base32");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side() {
        let secret = totp::new_secret();
        assert_eq!(totp::decode(&secret).unwrap().len(), totp::SECRET_BYTES);
        let now = datetime!(2026-11-30 20:00:10 UTC);
        let step = totp::step_at(now);
        let bytes = totp::decode(&secret).unwrap();
        for offset in [-1, 0, 1] {
            let code = totp::code(&bytes, step + offset);
            assert_eq!(
                totp::matching_step(&secret, &code, now),
                Some(step + offset)
            );
        }
        let stale = totp::code(&bytes, step - 2);
        assert_eq!(totp::matching_step(&secret, &stale, now), None);
        assert_eq!(totp::matching_step(&secret, "12345", now), None);
        assert_eq!(totp::matching_step(&secret, "abcdef", now), None);
        let uri = totp::uri(&secret, "anna b");
        assert!(
            uri.starts_with("otpauth://totp/maksa%3Aanna%20b?secret="),
            "{uri}"
        );
    }

    #[test]
    fn generated_passwords_are_long_and_random() {
        let one = generate_password();
        assert_eq!(one.chars().count(), GENERATED_PASSWORD_CHARS);
        assert_ne!(one, generate_password());
    }

    #[test]
    fn the_throttle_holds_back_and_stays_bounded() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut throttle = Throttle::default();
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_NAME {
            assert!(!throttle.held_back("anna", Some(address), now));
            throttle.failed("anna", Some(address), now);
        }
        assert!(throttle.held_back("anna", None, now));
        assert!(!throttle.held_back("berta", None, now));
        let later = now + Duration::minutes(THROTTLE_WINDOW_MINUTES);
        assert!(!throttle.held_back("anna", None, later));
        for i in 0..(MAX_THROTTLE_ENTRIES + 100) {
            throttle.failed(&format!("name{i}"), None, now);
        }
        assert!(throttle.names.len() <= MAX_THROTTLE_ENTRIES);
    }
}
