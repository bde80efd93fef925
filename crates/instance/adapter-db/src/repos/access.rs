//! The access ports: roles, users, sessions and failed logins, the audit log, API keys.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{
    ApiKey, ApiKeyRepository, AuditEntry, AuditFilter, AuditRecord, AuditRepository, Expected,
    IdempotencyKeyRef, LoginUser, NewApiKey, NewCredentials, NewSession, NewUser, PageQuery, Role,
    RolePatch, RoleRepository, SessionRecord, SessionRepository, User, UserPatch, UserRepository,
};
use eckwms_domain::UserId;

use crate::pool::Database;
use crate::tx::write_tx;
use eckwms_db_kit::on_conn;

impl RoleRepository for Database {
    fn seed_roles(&self, roles: &[Role]) -> AppResult<u64> {
        write_tx!(self, None, seed_roles(roles))
    }
    fn list_roles(&self) -> AppResult<Vec<Role>> {
        on_conn!(self, list_roles())
    }
    fn find_role(&self, name: &str) -> AppResult<Option<Role>> {
        on_conn!(self, find_role(name))
    }
    fn create_role(
        &self,
        role: &Role,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<Role> {
        write_tx!(self, idempotency.as_ref(), create_role(role, audit))
    }
    fn update_role(
        &self,
        name: &str,
        expected: Expected,
        patch: &RolePatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<Role> {
        write_tx!(
            self,
            idempotency.as_ref(),
            update_role(name, expected, patch, at, audit)
        )
    }
    fn delete_role(
        &self,
        name: &str,
        expected: Expected,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<()> {
        write_tx!(
            self,
            idempotency.as_ref(),
            delete_role(name, expected, audit)
        )
    }
}

impl UserRepository for Database {
    fn create_user(
        &self,
        user: &NewUser,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<User> {
        write_tx!(self, idempotency.as_ref(), create_user(user, audit))
    }
    fn get_user(&self, id: UserId) -> AppResult<User> {
        on_conn!(self, get_user(id))
    }
    fn list_users(&self, page: &PageQuery<UserId>) -> AppResult<Vec<User>> {
        on_conn!(self, list_users(page))
    }
    fn update_user(
        &self,
        id: UserId,
        expected: Expected,
        patch: &UserPatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<User> {
        write_tx!(
            self,
            idempotency.as_ref(),
            update_user(id, expected, patch, at, audit)
        )
    }
    fn set_credentials(
        &self,
        id: UserId,
        expected: Expected,
        credentials: &NewCredentials,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<User> {
        write_tx!(
            self,
            idempotency.as_ref(),
            set_credentials(id, expected, credentials, at, audit)
        )
    }
    fn find_login(&self, username_key: &str) -> AppResult<Option<LoginUser>> {
        on_conn!(self, find_login(username_key))
    }
    fn find_login_by_id(&self, id: UserId) -> AppResult<Option<LoginUser>> {
        on_conn!(self, find_login_by_id(id))
    }
    fn display_names(&self, ids: &[UserId]) -> AppResult<Vec<(UserId, String)>> {
        on_conn!(self, display_names(ids))
    }
}

impl SessionRepository for Database {
    fn create_session(
        &self,
        session: &NewSession,
        forget_failures: &str,
        audit: &AuditEntry,
    ) -> AppResult<()> {
        write_tx!(self, None, create_session(session, forget_failures, audit))
    }
    fn find_session(&self, token_hash: &str) -> AppResult<Option<SessionRecord>> {
        on_conn!(self, find_session(token_hash))
    }
    fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, touch_session(token_hash, at))
    }
    fn end_session(&self, token_hash: &str, audit: &AuditEntry) -> AppResult<bool> {
        write_tx!(self, None, end_session(token_hash, audit))
    }
    fn purge_sessions(&self, now: DateTime<Utc>, idle_before: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_login_sessions(now, idle_before))
    }
    fn failed_logins(
        &self,
        subject: &str,
        since: DateTime<Utc>,
    ) -> AppResult<(u32, Option<DateTime<Utc>>)> {
        on_conn!(self, count_failed_logins(subject, since))
    }
    fn record_failed_login(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<()> {
        write_tx!(self, None, record_failed_login(subjects, at, audit))
    }
    fn purge_failed_logins(&self, before: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_failed_logins(before))
    }
}

impl AuditRepository for Database {
    fn record_audit(&self, entry: &AuditEntry) -> AppResult<()> {
        write_tx!(self, None, record_audit(entry))
    }
    fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageQuery<i64>,
    ) -> AppResult<Vec<AuditRecord>> {
        on_conn!(self, list_audit(filter, page))
    }
}

impl ApiKeyRepository for Database {
    fn insert_api_key(
        &self,
        key: &NewApiKey,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey> {
        write_tx!(self, idempotency.as_ref(), insert_api_key(key, audit))
    }
    fn insert_first_api_key(
        &self,
        key: &NewApiKey,
        audit: &AuditEntry,
    ) -> AppResult<Option<ApiKey>> {
        write_tx!(self, None, insert_first_api_key(key, audit))
    }
    fn find_api_key(&self, key_id: &str) -> AppResult<Option<(ApiKey, String)>> {
        on_conn!(self, find_api_key(key_id))
    }
    fn list_api_keys(&self) -> AppResult<Vec<ApiKey>> {
        on_conn!(self, list_api_keys())
    }
    fn revoke_api_key(
        &self,
        id: i64,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey> {
        write_tx!(self, idempotency.as_ref(), revoke_api_key(id, at, audit))
    }
    fn touch_api_key(&self, id: i64, at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, touch_api_key(id, at))
    }
}
