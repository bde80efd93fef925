//! API keys: creation, authentication, listing, revocation, the first admin key.
//!
//! A key reads `eck_<key id>_<secret>`: the key id (16 hex characters) finds the stored key, the
//! secret (32 random bytes, base64url) is checked against its stored SHA-256 hash in constant time.
//! Secrets carry 256 bits, so a fast hash is enough; the secret itself is never stored.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use eckwms_domain::Text;
use eckwms_memo::Memo;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use eckwms_domain::access::Permission;
use eckwms_domain::access::role::effective;

use super::Actor;
use crate::common::RequestMeta;
use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{
    ADMIN_KEY_ROLE, ApiKey, ApiKeyRepository, Clock, NewApiKey, RoleRepository, SecretSource,
};

const PREFIX: &str = "eck_";
const KEY_ID_BYTES: usize = 8;
const SECRET_BYTES: usize = 32;
/// `last_used_at` is written at most this often per key, so reads do not turn into writes.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// A freshly created key: the stored record and the key text, shown once.
#[derive(Clone, Debug)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}

#[derive(Clone)]
pub struct ApiKeyService {
    repo: Arc<dyn ApiKeyRepository>,
    roles: Arc<dyn RoleRepository>,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn SecretSource>,
    memory: Arc<KeyMemory>,
}

/// Keys this process verified against the database lately, by key id, with the stored hash of
/// their secret.
///
/// A request with such a key is checked in memory (its secret's hash, its scope, its expiry):
/// no call to the database, so the HTTP layer needs no trip to a blocking thread for it. The
/// stored key is read again once its entry is `keep` old. A key revoked through this process
/// is forgotten at once; revoked through another process (several serve one PostgreSQL), it
/// still works here for at most `keep`. Only keys that passed a check are kept, so unknown
/// key ids cannot fill the memory; there are as many entries as keys in use.
type KeyMemory = Memo<String, (ApiKey, String)>;

/// Entries beyond this many make the next insert drop the ones too old to use.
const MEMORY_SWEEP: usize = 1024;

fn hash_secret(secret: &str) -> String {
    #[cfg(test)]
    tests::count_hash();
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// What an unknown key id is checked against, so that it costs what a known one costs (the
/// same hashing and constant-time compare): a stored hash no secret matches (64 characters like
/// a SHA-256 in hex, but `x` is no hex digit), of a key that is revoked besides.
const UNKNOWN_KEY_HASH: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

fn unknown_key() -> ApiKey {
    ApiKey {
        id: 0,
        key_id: String::new(),
        name: String::new(),
        role: String::new(),
        permissions: eckwms_domain::access::Permissions::NONE,
        created_at: DateTime::<Utc>::MIN_UTC,
        expires_at: None,
        revoked_at: Some(DateTime::<Utc>::MIN_UTC),
        last_used_at: None,
    }
}

impl ApiKeyService {
    pub fn new(
        repo: Arc<dyn ApiKeyRepository>,
        roles: Arc<dyn RoleRepository>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretSource>,
    ) -> Self {
        Self {
            repo,
            roles,
            clock,
            secrets,
            memory: Arc::new(KeyMemory::off()),
        }
    }

    /// Keeps verified keys in memory for `keep` (see [`KeyMemory`]); zero (the default of
    /// [`ApiKeyService::new`]) reads the database for every request.
    pub fn remembering_keys_for(mut self, keep: Duration) -> Self {
        self.memory = Arc::new(KeyMemory::new(keep, MEMORY_SWEEP));
        self
    }

    fn generate(
        &self,
        name: &str,
        role: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> AppResult<(NewApiKey, String)> {
        // Trimmed, then held to the rules of every name people read (`eckwms_domain::Text`).
        let name = Text::<100>::new("name", name.trim())
            .map_err(|e| AppError::Invalid(vec![e]))?
            .into_string();
        let now = self.clock.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(AppError::invalid("expires_at", "must be in the future"));
        }
        let mut id_bytes = [0u8; KEY_ID_BYTES];
        let mut secret_bytes = [0u8; SECRET_BYTES];
        self.secrets.fill(&mut id_bytes)?;
        self.secrets.fill(&mut secret_bytes)?;
        let key_id = hex::encode(id_bytes);
        let secret = URL_SAFE_NO_PAD.encode(secret_bytes);
        let record = NewApiKey {
            key_id: key_id.clone(),
            secret_hash: hash_secret(&secret),
            name,
            role: role.to_owned(),
            created_at: now,
            expires_at,
        };
        Ok((record, format!("{PREFIX}{key_id}_{secret}")))
    }

    /// Needs [`Permission::ApiKeysManage`], and every permission of the key's role (nobody
    /// hands out more than they hold). The role must exist (422 otherwise).
    pub fn create(
        &self,
        name: &str,
        role: &str,
        expires_at: Option<DateTime<Utc>>,
        meta: &RequestMeta,
    ) -> AppResult<CreatedKey> {
        meta.actor.require(Permission::ApiKeysManage)?;
        let stored = self
            .roles
            .find_role(role)?
            .ok_or_else(|| AppError::invalid("role", format!("there is no role {role:?}")))?;
        meta.actor
            .require_all(effective(&stored.name, stored.permissions))?;
        let (record, secret) = self.generate(name, role, expires_at)?;
        let audit = meta.audit(
            "apikey_created",
            &*self.clock,
            None,
            Some(serde_json::json!({"name": record.name, "role": record.role})),
        );
        let mut key = self
            .repo
            .insert_api_key(&record, &audit, meta.idempotency.clone())?;
        key.permissions = effective(&key.role, key.permissions);
        Ok(CreatedKey { key, secret })
    }

    /// Creates the first admin key when no key exists at all; `None` when keys exist.
    pub fn create_first_admin_key(&self) -> AppResult<Option<CreatedKey>> {
        let (record, secret) = self.generate("bootstrap admin", ADMIN_KEY_ROLE, None)?;
        let audit = RequestMeta::console().audit(
            "apikey_created",
            &*self.clock,
            None,
            Some(serde_json::json!({"name": record.name, "role": record.role, "first": true})),
        );
        Ok(self
            .repo
            .insert_first_api_key(&record, &audit)?
            .map(|key| CreatedKey { key, secret }))
    }

    /// Checks a presented key text; every failure is the same refusal ([`unauthenticated`]), and costs
    /// the same: whether the key id exists, is remembered or not, a wrong secret is answered
    /// after the same lookup, hashing and constant-time compare, so the time of the answer
    /// does not tell which key ids exist.
    pub fn authenticate(&self, presented: &str) -> AppResult<Actor> {
        match self.authenticate_from_memory(presented) {
            Some(answer) => answer,
            None => self.authenticate_from_database(presented),
        }
    }

    /// The second half of [`ApiKeyService::authenticate`], for a key that
    /// [`ApiKeyService::authenticate_from_memory`] did not answer: reads the key.
    pub fn authenticate_from_database(&self, presented: &str) -> AppResult<Actor> {
        let (key_id, secret) = split_key(presented)?;
        let found = self.repo.find_api_key(key_id)?;
        let now = self.clock.now();
        let Some((key, stored_hash)) = found else {
            // The same work as for a known key; the dummy never passes.
            return check(&unknown_key(), UNKNOWN_KEY_HASH, secret, now)
                .and(Err(unauthenticated()));
        };
        let actor = check(&key, &stored_hash, secret, now)?;
        let stale = key
            .last_used_at
            .is_none_or(|at| now - at >= Duration::seconds(TOUCH_INTERVAL_SECS));
        if stale {
            self.repo.touch_api_key(key.id, now)?;
        }
        self.memory
            .remember(key.key_id.clone(), (key, stored_hash), now);
        Ok(actor)
    }

    /// [`ApiKeyService::authenticate`] without the database: the answer for a key verified
    /// lately and presented with its secret, `None` when the key must be read (never verified
    /// here, or too long ago, or presented with another secret). It does no I/O, so it may run
    /// on an async thread.
    ///
    /// A wrong secret is never answered from memory: it would be answered without the
    /// database, faster than a wrong secret of a key id not in memory (75 to 95 µs on
    /// PostgreSQL), which told anyone which key ids are in use. It takes the path of
    /// every other wrong secret instead.
    pub fn authenticate_from_memory(&self, presented: &str) -> Option<AppResult<Actor>> {
        let (key_id, secret) = split_key(presented).ok()?;
        let now = self.clock.now();
        // Hashed whether the key id is remembered or not: the same work either way.
        let presented_hash = hash_secret(secret);
        let (key, stored_hash) = self.memory.recall(key_id, now)?;
        if !same_hash(&presented_hash, &stored_hash) {
            return None;
        }
        Some(status(&key, now))
    }

    /// Needs [`Permission::ApiKeysManage`].
    pub fn list(&self, actor: &Actor) -> AppResult<Vec<ApiKey>> {
        actor.require(Permission::ApiKeysManage)?;
        self.repo.list_api_keys()
    }

    /// Needs [`Permission::ApiKeysManage`].
    pub fn revoke(&self, id: i64, meta: &RequestMeta) -> AppResult<ApiKey> {
        meta.actor.require(Permission::ApiKeysManage)?;
        let audit = meta.audit(
            "apikey_revoked",
            &*self.clock,
            Some(format!("apikey:{id}")),
            None,
        );
        let revoked = self
            .repo
            .revoke_api_key(id, audit.at, &audit, meta.idempotency.clone())?;
        self.memory.forget(&revoked.key_id);
        Ok(revoked)
    }
}

/// The refusal of a missing, unknown, wrong, revoked or expired key; one answer for all, so
/// that a caller learns nothing about which keys exist. The text names the ways the HTTP
/// adapter reads a credential.
pub fn unauthenticated() -> AppError {
    AppError::refused(
        ProblemCode::Unauthenticated,
        "a valid API key or session is required (Authorization: Bearer <key or session \
         token>, X-Api-Key, or the session cookie)",
    )
}

/// The key id and secret of a presented key text.
fn split_key(presented: &str) -> AppResult<(&str, &str)> {
    presented
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .filter(|(id, _)| id.len() == KEY_ID_BYTES * 2 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(unauthenticated)
}

fn same_hash(presented_hash: &str, stored_hash: &str) -> bool {
    bool::from(presented_hash.as_bytes().ct_eq(stored_hash.as_bytes()))
}

/// The secret against the stored hash (in constant time), then revocation and expiry.
fn check(key: &ApiKey, stored_hash: &str, secret: &str, now: DateTime<Utc>) -> AppResult<Actor> {
    if !same_hash(&hash_secret(secret), stored_hash) {
        return Err(unauthenticated());
    }
    status(key, now)
}

/// Revocation and expiry of a key whose secret matched.
fn status(key: &ApiKey, now: DateTime<Utc>) -> AppResult<Actor> {
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(unauthenticated());
    }
    Ok(Actor::api_key(
        key.id,
        key.name.clone(),
        key.role.clone(),
        effective(&key.role, key.permissions),
    ))
}

#[cfg(test)]
mod tests;
