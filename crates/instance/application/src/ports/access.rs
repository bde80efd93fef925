//! Access: API keys and their scopes.

use chrono::{DateTime, Utc};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }
}

/// A stored API key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    /// Public part of the key text, used to find the key.
    pub key_id: String,
    pub name: String,
    pub scope: Scope,
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
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait ApiKeyRepository: Send + Sync {
    /// `idempotency`: the request's claimed key, marked applied in the same transaction.
    fn insert_api_key(
        &self,
        key: &NewApiKey,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey>;
    /// Inserts the key only when no key exists yet (atomically, also across processes).
    fn insert_first_api_key(&self, key: &NewApiKey) -> AppResult<Option<ApiKey>>;
    /// The key and the stored hash of its secret.
    fn find_api_key(&self, key_id: &str) -> AppResult<Option<(ApiKey, String)>>;
    fn list_api_keys(&self) -> AppResult<Vec<ApiKey>>;
    /// Revokes the key (an already revoked key is returned unchanged). Refused with the
    /// conflict `last_admin_key`, changing nothing, when the key is the last admin key active
    /// at `at` (not revoked, not expired); concurrent revocations cannot both pass that check.
    fn revoke_api_key(
        &self,
        id: i64,
        at: DateTime<Utc>,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey>;
    fn touch_api_key(&self, id: i64, at: DateTime<Utc>) -> AppResult<()>;
}
