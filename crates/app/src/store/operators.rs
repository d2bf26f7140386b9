//! The port of the console's operator accounts (docs/operator.md): the
//! accounts with their role, password hash and TOTP secret, the sessions a
//! sign-in opens (revocable: a row per session), the card reversals waiting
//! for a second operator's approval, and the activity log's read of the
//! audit trail. Every change of an account or a session is written through
//! the unit of work together with its audit event
//! (`UnitOfWork::insert_operator`, `update_operator`, `insert_operator_session`,
//! `end_operator_sessions`, …); the reads and two single-statement writes
//! that carry no audit event (a session's last use, a TOTP step taken) are
//! here.

use super::{AuditEvent, StoreError};
use crate::operators::Role;
use async_trait::async_trait;
use maksa_domain::attempt::AttemptId;
use time::OffsetDateTime;

/// One operator account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    pub name: String,
    pub role: Role,
    /// argon2id PHC string, or a legacy `pbkdf2-sha256$…`.
    pub password_hash: String,
    /// Base32; `None` until the operator enrols.
    pub totp_secret: Option<String>,
    /// The last TOTP time step accepted.
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

/// One open console session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSessionRecord {
    /// Random, hex; also in the MAC'd cookie.
    pub id: String,
    pub operator: String,
    pub created_at: OffsetDateTime,
    pub last_seen: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A card reversal proposed by one operator, waiting for another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardReversalProposal {
    pub attempt: AttemptId,
    pub proposed_by: String,
    pub proposed_at: OffsetDateTime,
}

/// What the activity log asks for: operators' audit events (actor
/// `operator:*`), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Only this operator's.
    pub operator: Option<String>,
    /// Only events of this kind.
    pub kind: Option<String>,
    /// Only events older than this one (the previous page's last id).
    pub after: Option<i64>,
    /// At most this many (the caller bounds it).
    pub limit: u32,
}

/// One line of the activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// The audit event's id: pages continue after it.
    pub id: i64,
    pub event: AuditEvent,
}

#[async_trait]
pub trait OperatorStore: Send + Sync {
    /// The account `name`.
    async fn operator_record(&self, name: &str) -> Result<Option<OperatorRecord>, StoreError>;

    /// Every account by name, at most `limit`.
    async fn operator_records(&self, limit: u32) -> Result<Vec<OperatorRecord>, StoreError>;

    /// The session `id`, whether or not it has expired.
    async fn operator_session_record(
        &self,
        id: &str,
    ) -> Result<Option<OperatorSessionRecord>, StoreError>;

    /// Records that session `id` was used at `at` (the idle timeout's clock).
    async fn touch_operator_session(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Takes TOTP time step `step` for `name` if it is later than the last
    /// one taken (compare-and-set): `false` when it is not, so a code is
    /// accepted once however many sign-ins race.
    async fn take_totp_step(&self, name: &str, step: i64) -> Result<bool, StoreError>;

    /// Operators' audit events, newest first (see [`ActivityQuery`]).
    async fn operator_activity(
        &self,
        query: &ActivityQuery,
    ) -> Result<Vec<ActivityEntry>, StoreError>;

    /// The card reversals waiting for approval, oldest first, at most `limit`.
    async fn card_reversal_proposals(
        &self,
        limit: u32,
    ) -> Result<Vec<CardReversalProposal>, StoreError>;

    /// The proposal to reverse `attempt`, if one is waiting.
    async fn card_reversal_proposal(
        &self,
        attempt: AttemptId,
    ) -> Result<Option<CardReversalProposal>, StoreError>;
}
