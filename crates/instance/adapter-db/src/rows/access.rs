//! The access rows: roles, users, sessions, failed logins, the audit log and API keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_application::ports::{ApiKey, AuditEntry, AuditRecord, LoginUser, Role, User};
use eckwms_domain::UserId;
use eckwms_domain::access::Permissions;
use eckwms_i18n::Lang;

use super::{from_db, to_db, typed};
use crate::error::DbError;
use crate::schema::{api_keys, audit_log, failed_logins, roles, sessions, users};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = roles, treat_none_as_default_value = false)]
pub(crate) struct RoleRow {
    pub name: String,
    pub description: String,
    pub permissions: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RoleRow {
    pub fn from_domain(role: &Role) -> Self {
        Self {
            name: role.name.clone(),
            description: role.description.clone(),
            permissions: role.permissions.to_stored(),
            version: role.version,
            created_at: to_db(role.created_at),
            updated_at: to_db(role.updated_at),
        }
    }

    pub fn into_domain(self) -> Role {
        Role {
            name: self.name,
            description: self.description,
            permissions: Permissions::from_stored(&self.permissions),
            version: self.version,
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
        }
    }
}

/// A user's whole row, secrets' hashes included (what an insert writes and a login reads).
#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub(crate) struct UserRow {
    pub id: String,
    pub username: String,
    pub username_key: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    pub pin_hash: Option<String>,
    pub last_login_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The language code the user chose (`en`, `de`, `ru`), if any.
    pub language: Option<String>,
}

impl UserRow {
    /// The user without the hashes of their secrets.
    pub fn into_user(self) -> Result<User, DbError> {
        self.into_login(Permissions::NONE).map(|login| login.user)
    }

    /// The user with the hashes of their secrets and `permissions` (their role's).
    pub fn into_login(self, permissions: Permissions) -> Result<LoginUser, DbError> {
        let user = User {
            id: typed::<UserId>(&self.id)?,
            username: self.username,
            display_name: self.display_name,
            role: self.role,
            active: self.active,
            has_pin: self.pin_hash.is_some(),
            language: self.language.as_deref().and_then(Lang::parse),
            last_login_at: self.last_login_at.map(from_db),
            version: self.version,
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
        };
        Ok(LoginUser {
            user,
            password_hash: self.password_hash,
            pin_hash: self.pin_hash,
            permissions,
        })
    }
}

/// A login session (table `sessions`; a scanner's working set is a `SessionRow`, table
/// `scan_sessions`).
#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
pub(crate) struct LoginSessionRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub address: Option<String>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = failed_logins, treat_none_as_default_value = false)]
pub(crate) struct NewFailedLoginRow<'a> {
    pub subject: &'a str,
    pub at: NaiveDateTime,
}

/// An audit entry to insert; its `seq` comes from the database (a sequence on PostgreSQL, the
/// rowid on SQLite).
#[derive(Insertable, Debug)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub(crate) struct NewAuditRow<'a> {
    pub at: NaiveDateTime,
    pub event: &'a str,
    pub actor: Option<&'a str>,
    pub address: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> NewAuditRow<'a> {
    pub fn from_domain(entry: &'a AuditEntry) -> Self {
        Self {
            at: to_db(entry.at),
            event: &entry.event,
            actor: entry.actor.as_deref(),
            address: entry.address.as_deref(),
            request_id: entry.request_id.as_deref(),
            subject: entry.subject.as_deref(),
            detail: entry.detail.as_deref(),
        }
    }
}

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = audit_log)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub event: String,
    pub actor: Option<String>,
    pub address: Option<String>,
    pub request_id: Option<String>,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

impl AuditRow {
    pub fn into_domain(self) -> AuditRecord {
        AuditRecord {
            seq: self.seq,
            entry: AuditEntry {
                at: from_db(self.at),
                event: self.event,
                actor: self.actor,
                address: self.address,
                request_id: self.request_id,
                subject: self.subject,
                detail: self.detail,
            },
        }
    }
}

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = api_keys, treat_none_as_default_value = false)]
pub(crate) struct ApiKeyRow {
    pub id: i64,
    pub key_id: String,
    pub secret_hash: String,
    pub name: String,
    pub role: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

impl ApiKeyRow {
    /// The key with `permissions`, its role's stored set (`None` when the role is not stored:
    /// the key may do nothing), and the hash of its secret.
    pub fn into_domain(self, permissions: Option<String>) -> (ApiKey, String) {
        let key = ApiKey {
            id: self.id,
            key_id: self.key_id,
            name: self.name,
            role: self.role,
            permissions: permissions
                .as_deref()
                .map(Permissions::from_stored)
                .unwrap_or_default(),
            created_at: from_db(self.created_at),
            expires_at: self.expires_at.map(from_db),
            revoked_at: self.revoked_at.map(from_db),
            last_used_at: self.last_used_at.map(from_db),
        };
        (key, self.secret_hash)
    }
}
