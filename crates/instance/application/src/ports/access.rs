//! Access: roles, users, sessions, login throttling, API keys and the audit log.
//!
//! Every change to a role, a user, a session or a key takes the [`AuditEntry`] that records it,
//! written in the same transaction: a change and its audit row commit together or not at all.

use chrono::{DateTime, Utc};
use eckwms_domain::UserId;
use eckwms_domain::access::Permissions;
use eckwms_i18n::Lang;
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

// ------------------------------------------------------------------------------------ roles

/// A stored role. `permissions` is what the database holds; the application widens the roles
/// that hold everything (`eckwms_domain::access::role::effective`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub description: String,
    pub permissions: Permissions,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a role change sets; `None` keeps the value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RolePatch {
    pub description: Option<String>,
    pub permissions: Option<Permissions>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait RoleRepository: Send + Sync {
    /// Inserts every role of `roles` whose name is not stored yet (the seeded roles, at start;
    /// concurrent starts of several processes insert each once); stored ones are left as they
    /// are. Returns how many were inserted.
    fn seed_roles(&self, roles: &[Role]) -> AppResult<u64>;
    /// Every role, by name.
    fn list_roles(&self) -> AppResult<Vec<Role>>;
    fn find_role(&self, name: &str) -> AppResult<Option<Role>>;
    /// Refused with `role_exists` when the name is taken.
    fn create_role(
        &self,
        role: &Role,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<Role>;
    /// Not found; `If-Match` checked against `expected`; `version` counts up.
    fn update_role(
        &self,
        name: &str,
        expected: Expected,
        patch: &RolePatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<Role>;
    /// Refused with `role_in_use`, changing nothing, while a user, a device or an API key
    /// (revoked ones included: their history names the role) has the role; checked on locked
    /// rows, so that a user given the role concurrently cannot be left with a deleted one.
    fn delete_role(
        &self,
        name: &str,
        expected: Expected,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<()>;
}

// ------------------------------------------------------------------------------------ users

/// A stored user, without secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    /// Whether a PIN is set (for operator login on a scanner).
    pub has_pin: bool,
    /// The language the user chose for the web UI and the scanner's messages; `None`: the
    /// browser's (`Accept-Language`).
    pub language: Option<Lang>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What is stored for a new user: hashes, never the secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    /// The username in lower case: unique.
    pub username_key: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub pin_hash: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a user change sets; `None` keeps the value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    /// `Some(None)` clears the choice.
    pub language: Option<Option<Lang>>,
}

/// New secrets of a user; `None` keeps the secret. `pin: Some(None)` removes the PIN.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewCredentials {
    pub password_hash: Option<String>,
    pub pin_hash: Option<Option<String>>,
}

/// A user as login needs them: with the hashes of their secrets and their role's stored
/// permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginUser {
    pub user: User,
    pub password_hash: String,
    pub pin_hash: Option<String>,
    pub permissions: Permissions,
}

#[cfg_attr(feature = "mock", automock)]
pub trait UserRepository: Send + Sync {
    /// Allocates the user's id from the `user` counter. Refused with `username_taken` when a
    /// user has the same `username_key`, with `reference_missing` when the role does not exist.
    fn create_user(
        &self,
        user: &NewUser,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<User>;
    fn get_user(&self, id: UserId) -> AppResult<User>;
    /// Users by id, after the cursor.
    fn list_users(&self, page: &PageQuery<UserId>) -> AppResult<Vec<User>>;
    /// `If-Match` checked against `expected`; `version` counts up. Making a user inactive ends
    /// their sessions in the same transaction.
    fn update_user(
        &self,
        id: UserId,
        expected: Expected,
        patch: &UserPatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<User>;
    /// Sets new secrets; a new password ends the user's sessions in the same transaction.
    /// `version` counts up.
    fn set_credentials(
        &self,
        id: UserId,
        expected: Expected,
        credentials: &NewCredentials,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<User>;
    /// The user whose lower-case username is `username_key`, with secrets and permissions.
    fn find_login(&self, username_key: &str) -> AppResult<Option<LoginUser>>;
    /// The user with this id, with secrets and permissions (badge login).
    fn find_login_by_id(&self, id: UserId) -> AppResult<Option<LoginUser>>;
    /// Display names of these users, for history answers; unknown ids are left out.
    fn display_names(&self, ids: &[UserId]) -> AppResult<Vec<(UserId, String)>>;
}

// --------------------------------------------------------------------------------- sessions

/// A new session: its token's hash, never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: UserId,
    /// The version of the user whose secret the login verified: a change of the user committed
    /// since (a new password, a deactivation) refuses the session.
    pub user_version: i64,
    pub created_at: DateTime<Utc>,
    /// The absolute end.
    pub expires_at: DateTime<Utc>,
    pub address: Option<String>,
}

/// A stored session with its user and the user's role's stored permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub user: User,
    pub permissions: Permissions,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait SessionRepository: Send + Sync {
    /// Stores the session, sets the user's `last_login_at`, and forgets the failed logins
    /// recorded under `forget_failures` (the user's subject), in one transaction with `audit`.
    /// Refused with `invalid_credentials`, changing nothing, when the user is inactive or no
    /// longer at `session.user_version`: a login whose password check began before a new
    /// password or a deactivation must not outlive it.
    fn create_session(
        &self,
        session: &NewSession,
        forget_failures: &str,
        audit: &AuditEntry,
    ) -> AppResult<()>;
    /// The session with this token hash, whatever its age (the caller checks expiry).
    fn find_session(&self, token_hash: &str) -> AppResult<Option<SessionRecord>>;
    /// Sets `last_seen_at`.
    fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> AppResult<()>;
    /// Deletes the session; whether it existed. `audit` is written when it did.
    fn end_session(&self, token_hash: &str, audit: &AuditEntry) -> AppResult<bool>;
    /// Deletes sessions past their absolute end or idle since before `idle_before`.
    fn purge_sessions(&self, now: DateTime<Utc>, idle_before: DateTime<Utc>) -> AppResult<u64>;
    /// How many failed logins were recorded under `subject` since `since`, and the time of
    /// the oldest of them.
    fn failed_logins(
        &self,
        subject: &str,
        since: DateTime<Utc>,
    ) -> AppResult<(u32, Option<DateTime<Utc>>)>;
    /// Records one failed login under each subject (a user's, an address's), with `audit`.
    fn record_failed_login(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<()>;
    /// Deletes failed logins recorded before `before`.
    fn purge_failed_logins(&self, before: DateTime<Utc>) -> AppResult<u64>;
}

// -------------------------------------------------------------------------------- audit log

/// One security event: a login, a refusal, a change to a user, a role, a device or a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// What happened, such as `login_failed`, `user_created` (docs/API.md lists them).
    pub event: String,
    /// Who did it, as the ledger names actors (`user:u…`, `apikey:3`); `None` when unknown
    /// (a failed login).
    pub actor: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    pub request_id: Option<String>,
    /// What it concerned: `user:u…`, `role:PICKER`, `apikey:3`, `username:anna`.
    pub subject: Option<String>,
    /// More, as a JSON object's text (never a secret).
    pub detail: Option<String>,
}

/// An audit entry as stored, with its sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
}

/// Which audit entries to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub event: Option<String>,
    pub actor: Option<String>,
    pub subject: Option<String>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait AuditRepository: Send + Sync {
    /// Appends one entry in a transaction of its own (an event that changes nothing else: a
    /// refusal).
    fn record_audit(&self, entry: &AuditEntry) -> AppResult<()>;
    /// Newest first: entries with `seq` below the cursor.
    fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageQuery<i64>,
    ) -> AppResult<Vec<AuditRecord>>;
}

// ----------------------------------------------------------------------------------- api keys

/// A stored API key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    /// Public part of the key text, used to find the key.
    pub key_id: String,
    pub name: String,
    /// The key's role (`read`, `write` and `admin` are the scopes keys had before roles).
    pub role: String,
    /// The role's stored permissions.
    pub permissions: Permissions,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What is stored for a new key: the hash of its secret, never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub key_id: String,
    pub secret_hash: String,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The role of the keys that the last-admin-key rule protects.
pub const ADMIN_KEY_ROLE: &str = "admin";

#[cfg_attr(feature = "mock", automock)]
pub trait ApiKeyRepository: Send + Sync {
    /// `idempotency`: the request's claimed key, marked applied in the same transaction.
    /// Refused with `reference_missing` when the role does not exist.
    fn insert_api_key(
        &self,
        key: &NewApiKey,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey>;
    /// Inserts the key only when no key exists yet (atomically, also across processes).
    fn insert_first_api_key(
        &self,
        key: &NewApiKey,
        audit: &AuditEntry,
    ) -> AppResult<Option<ApiKey>>;
    /// The key (with its role's permissions) and the stored hash of its secret.
    fn find_api_key(&self, key_id: &str) -> AppResult<Option<(ApiKey, String)>>;
    fn list_api_keys(&self) -> AppResult<Vec<ApiKey>>;
    /// Revokes the key (an already revoked key is returned unchanged). Refused with the
    /// conflict `last_admin_key`, changing nothing, when the key is the last key of the role
    /// [`ADMIN_KEY_ROLE`] active at `at` (not revoked, not expired); concurrent revocations
    /// cannot both pass that check.
    fn revoke_api_key(
        &self,
        id: i64,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey>;
    fn touch_api_key(&self, id: i64, at: DateTime<Utc>) -> AppResult<()>;
}
