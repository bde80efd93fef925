//! API keys: creation, authentication, listing, revocation, and the first admin key.
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

use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{
    ApiKey, ApiKeyRepository, Clock, IdempotencyKeyRef, NewApiKey, Scope, SecretSource,
};

const PREFIX: &str = "eck_";
const KEY_ID_BYTES: usize = 8;
const SECRET_BYTES: usize = 32;
/// `last_used_at` is written at most this often per key, so reads do not turn into writes.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// A key as presented by a caller, after authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub key_id: i64,
    pub name: String,
    pub scope: Scope,
}

impl Principal {
    /// The actor recorded in the ledger.
    pub fn actor(&self) -> String {
        format!("apikey:{}", self.key_id)
    }

    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.scope >= scope {
            Ok(())
        } else {
            Err(AppError::refused(
                ProblemCode::Forbidden,
                format!(
                    "this key has scope {}; {} is required",
                    self.scope.as_str(),
                    scope.as_str()
                ),
            ))
        }
    }
}

/// A freshly created key: the stored record and the key text, shown once.
#[derive(Clone, Debug)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}

#[derive(Clone)]
pub struct ApiKeyService {
    repo: Arc<dyn ApiKeyRepository>,
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
        scope: Scope::Read,
        created_at: DateTime::<Utc>::MIN_UTC,
        expires_at: None,
        revoked_at: Some(DateTime::<Utc>::MIN_UTC),
        last_used_at: None,
    }
}

impl ApiKeyService {
    pub fn new(
        repo: Arc<dyn ApiKeyRepository>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretSource>,
    ) -> Self {
        Self {
            repo,
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
        scope: Scope,
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
            scope,
            created_at: now,
            expires_at,
        };
        Ok((record, format!("{PREFIX}{key_id}_{secret}")))
    }

    /// `idempotency`: the claimed key of the HTTP request, if any (none from the CLI).
    pub fn create(
        &self,
        name: &str,
        scope: Scope,
        expires_at: Option<DateTime<Utc>>,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<CreatedKey> {
        let (record, secret) = self.generate(name, scope, expires_at)?;
        let key = self.repo.insert_api_key(&record, idempotency)?;
        Ok(CreatedKey { key, secret })
    }

    /// Creates the first admin key when no key exists at all; `None` when keys exist.
    pub fn create_first_admin_key(&self) -> AppResult<Option<CreatedKey>> {
        let (record, secret) = self.generate("bootstrap admin", Scope::Admin, None)?;
        Ok(self
            .repo
            .insert_first_api_key(&record)?
            .map(|key| CreatedKey { key, secret }))
    }

    /// Checks a presented key text; every failure is the same refusal ([`unauthenticated`]), and costs
    /// the same: whether the key id exists, is remembered or not, a wrong secret is answered
    /// after the same lookup, hashing and constant-time compare, so the time of the answer
    /// does not tell which key ids exist.
    pub fn authenticate(&self, presented: &str) -> AppResult<Principal> {
        match self.authenticate_from_memory(presented) {
            Some(answer) => answer,
            None => self.authenticate_from_database(presented),
        }
    }

    /// The second half of [`ApiKeyService::authenticate`], for a key that
    /// [`ApiKeyService::authenticate_from_memory`] did not answer: reads the key.
    pub fn authenticate_from_database(&self, presented: &str) -> AppResult<Principal> {
        let (key_id, secret) = split_key(presented)?;
        let found = self.repo.find_api_key(key_id)?;
        let now = self.clock.now();
        let Some((key, stored_hash)) = found else {
            // The same work as for a known key; the dummy never passes.
            return check(&unknown_key(), UNKNOWN_KEY_HASH, secret, now)
                .and(Err(unauthenticated()));
        };
        let principal = check(&key, &stored_hash, secret, now)?;
        let stale = key
            .last_used_at
            .is_none_or(|at| now - at >= Duration::seconds(TOUCH_INTERVAL_SECS));
        if stale {
            self.repo.touch_api_key(key.id, now)?;
        }
        self.memory
            .remember(key.key_id.clone(), (key, stored_hash), now);
        Ok(principal)
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
    pub fn authenticate_from_memory(&self, presented: &str) -> Option<AppResult<Principal>> {
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

    pub fn list(&self) -> AppResult<Vec<ApiKey>> {
        self.repo.list_api_keys()
    }

    pub fn revoke(&self, id: i64, idempotency: Option<IdempotencyKeyRef>) -> AppResult<ApiKey> {
        let revoked = self
            .repo
            .revoke_api_key(id, self.clock.now(), idempotency)?;
        self.memory.forget(&revoked.key_id);
        Ok(revoked)
    }
}

/// The refusal of a missing, unknown, wrong, revoked or expired key; one answer for all, so
/// that a caller learns nothing about which keys exist. The text names both headers the HTTP
/// adapter reads the key from.
pub fn unauthenticated() -> AppError {
    AppError::refused(
        ProblemCode::Unauthenticated,
        "a valid API key is required (Authorization: Bearer <key> or X-Api-Key)",
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
fn check(
    key: &ApiKey,
    stored_hash: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Principal> {
    if !same_hash(&hash_secret(secret), stored_hash) {
        return Err(unauthenticated());
    }
    status(key, now)
}

/// Revocation and expiry of a key whose secret matched.
fn status(key: &ApiKey, now: DateTime<Utc>) -> AppResult<Principal> {
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(unauthenticated());
    }
    Ok(Principal {
        key_id: key.id,
        name: key.name.clone(),
        scope: key.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockApiKeyRepository, MockClock, MockSecretSource};
    use chrono::TimeZone;
    use std::cell::Cell;
    use std::sync::Mutex;

    thread_local! {
        /// Secrets hashed on this thread (each test runs on its own).
        static HASHES: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count_hash() {
        HASHES.with(|h| h.set(h.get() + 1));
    }

    /// Secrets hashed by `f`.
    fn hashes_of(f: impl FnOnce()) -> usize {
        let before = HASHES.with(Cell::get);
        f();
        HASHES.with(Cell::get) - before
    }

    /// A wrong secret costs the same whether its key id is unknown, known, or known and in
    /// memory (verified lately): one lookup, and the same hashing, in the order the HTTP layer
    /// asks (memory first, then the database). Before, an unknown id was hashed never and a
    /// remembered one was answered without the lookup: 75 to 95 µs apart on PostgreSQL.
    #[test]
    fn a_wrong_secret_costs_the_same_whatever_its_key_id() {
        let good = "eck_0102030405060708_secret";
        for case in ["unknown", "known", "remembered"] {
            let mut repo = MockApiKeyRepository::new();
            let lookups = Arc::new(Mutex::new(0));
            let counted = Arc::clone(&lookups);
            let stored_hash = hash_secret("secret");
            repo.expect_find_api_key().returning(move |id| {
                *counted.lock().unwrap() += 1;
                Ok((case != "unknown").then(|| (stored(id, Scope::Admin), stored_hash.clone())))
            });
            repo.expect_touch_api_key().returning(|_, _| Ok(()));
            let service = ApiKeyService::new(Arc::new(repo), clock(), secrets())
                .remembering_keys_for(Duration::seconds(60));
            if case == "remembered" {
                service.authenticate(good).unwrap();
            }
            *lookups.lock().unwrap() = 0;
            let wrong = "eck_0102030405060708_wrong-secret";
            let mut answer = None;
            let hashed = hashes_of(|| {
                answer = Some(match service.authenticate_from_memory(wrong) {
                    Some(from_memory) => from_memory,
                    None => service.authenticate_from_database(wrong),
                });
            });
            assert!(
                matches!(
                    answer,
                    Some(Err(AppError::Refused {
                        code: ProblemCode::Unauthenticated,
                        ..
                    }))
                ),
                "{case}"
            );
            assert_eq!(*lookups.lock().unwrap(), 1, "{case}: one lookup");
            assert_eq!(hashed, 2, "{case}: the same hashing");
        }
        // The dummy an unknown id is checked against never passes, not even with its "secret".
        assert!(check(&unknown_key(), UNKNOWN_KEY_HASH, "", now()).is_err());
        assert!(!UNKNOWN_KEY_HASH.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    fn clock() -> Arc<MockClock> {
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        Arc::new(clock)
    }

    fn secrets() -> Arc<MockSecretSource> {
        let mut secrets = MockSecretSource::new();
        secrets.expect_fill().returning(|buf| {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = i as u8 + 1;
            }
            Ok(())
        });
        Arc::new(secrets)
    }

    fn stored(key_id: &str, scope: Scope) -> ApiKey {
        ApiKey {
            id: 7,
            key_id: key_id.into(),
            name: "scanner".into(),
            scope,
            created_at: now(),
            expires_at: None,
            revoked_at: None,
            last_used_at: Some(now()),
        }
    }

    #[test]
    fn created_key_stores_only_the_hash_and_authenticates() {
        let mut repo = MockApiKeyRepository::new();
        repo.expect_insert_api_key()
            .withf(|k, idempotency| {
                k.secret_hash.len() == 64 && k.scope == Scope::Write && idempotency.is_none()
            })
            .returning(|k, _| Ok(stored(&k.key_id, k.scope)));
        let service = ApiKeyService::new(Arc::new(repo), clock(), secrets());
        let created = service.create("scanner", Scope::Write, None, None).unwrap();
        assert!(created.secret.starts_with("eck_0102030405060708_"));
        assert!(!created.secret.contains(&hash_secret("x")));
        // 32 secret bytes in base64url: 43 characters, 256 bits.
        assert_eq!(created.secret.rsplit('_').next().unwrap().len(), 43);

        let secret_part = created.secret.rsplit('_').next().unwrap().to_owned();
        let mut repo = MockApiKeyRepository::new();
        let hash = hash_secret(&secret_part);
        repo.expect_find_api_key()
            .withf(|id| id == "0102030405060708")
            .returning(move |id| Ok(Some((stored(id, Scope::Write), hash.clone()))));
        repo.expect_touch_api_key().never();
        let service = ApiKeyService::new(Arc::new(repo), clock(), secrets());
        let principal = service.authenticate(&created.secret).unwrap();
        assert_eq!(principal.scope, Scope::Write);
        assert_eq!(principal.actor(), "apikey:7");
        assert!(principal.require(Scope::Read).is_ok());
        assert!(matches!(
            principal.require(Scope::Admin),
            Err(AppError::Refused {
                code: ProblemCode::Forbidden,
                ..
            })
        ));
    }

    /// A clock whose time the test moves.
    fn movable_clock() -> (Arc<MockClock>, Arc<Mutex<DateTime<Utc>>>) {
        let at = Arc::new(Mutex::new(now()));
        let read = Arc::clone(&at);
        let mut clock = MockClock::new();
        clock.expect_now().returning(move || *read.lock().unwrap());
        (Arc::new(clock), at)
    }

    #[test]
    fn a_verified_key_is_checked_in_memory_until_it_is_read_again() {
        let key = "eck_0102030405060708_secret";
        let mut repo = MockApiKeyRepository::new();
        // Two reads: the first request, and the first after the memory ran out.
        repo.expect_find_api_key()
            .times(2)
            .returning(|id| Ok(Some((stored(id, Scope::Write), hash_secret("secret")))));
        repo.expect_touch_api_key().returning(|_, _| Ok(()));
        let (clock, at) = movable_clock();
        let service = ApiKeyService::new(Arc::new(repo), clock, secrets())
            .remembering_keys_for(Duration::seconds(1));

        assert!(
            service.authenticate_from_memory(key).is_none(),
            "not verified yet"
        );
        assert_eq!(service.authenticate(key).unwrap().key_id, 7);
        for _ in 0..3 {
            let principal = service.authenticate_from_memory(key).unwrap().unwrap();
            assert_eq!(principal.scope, Scope::Write);
            assert_eq!(service.authenticate(key).unwrap(), principal);
        }
        // A wrong secret for a remembered key id is not answered from memory: it takes the
        // path of every wrong secret (see a_wrong_secret_costs_the_same_whatever_its_key_id).
        assert!(
            service
                .authenticate_from_memory("eck_0102030405060708_other")
                .is_none()
        );
        *at.lock().unwrap() = now() + Duration::milliseconds(1_000);
        assert!(service.authenticate_from_memory(key).is_none(), "too old");
        assert!(service.authenticate(key).is_ok());
    }

    #[test]
    fn a_remembered_key_expires_on_time_and_is_forgotten_when_revoked_here() {
        let key = "eck_0102030405060708_secret";
        let expiring = now() + Duration::milliseconds(500);
        let mut repo = MockApiKeyRepository::new();
        repo.expect_find_api_key().times(1).returning(move |id| {
            let mut k = stored(id, Scope::Write);
            k.expires_at = Some(expiring);
            Ok(Some((k, hash_secret("secret"))))
        });
        repo.expect_touch_api_key().returning(|_, _| Ok(()));
        repo.expect_revoke_api_key().times(1).returning(|_, at, _| {
            let mut k = stored("0102030405060708", Scope::Write);
            k.revoked_at = Some(at);
            Ok(k)
        });
        let (clock, at) = movable_clock();
        let service = ApiKeyService::new(Arc::new(repo), clock, secrets())
            .remembering_keys_for(Duration::seconds(60));
        service.authenticate(key).unwrap();
        *at.lock().unwrap() = expiring;
        assert!(matches!(
            service.authenticate_from_memory(key),
            Some(Err(AppError::Refused {
                code: ProblemCode::Unauthenticated,
                ..
            }))
        ));
        *at.lock().unwrap() = now();
        assert!(service.authenticate_from_memory(key).unwrap().is_ok());
        service.revoke(7, None).unwrap();
        assert!(service.authenticate_from_memory(key).is_none(), "forgotten");
    }

    #[test]
    fn without_memory_every_check_reads_the_database_and_failures_are_never_kept() {
        let mut repo = MockApiKeyRepository::new();
        repo.expect_find_api_key()
            .times(2)
            .returning(|id| Ok(Some((stored(id, Scope::Read), hash_secret("secret")))));
        repo.expect_touch_api_key().returning(|_, _| Ok(()));
        let service = ApiKeyService::new(Arc::new(repo), clock(), secrets());
        for _ in 0..2 {
            service.authenticate("eck_0102030405060708_secret").unwrap();
            assert!(
                service
                    .authenticate_from_memory("eck_0102030405060708_secret")
                    .is_none()
            );
        }
        let remembering = {
            let mut repo = MockApiKeyRepository::new();
            repo.expect_find_api_key()
                .times(2)
                .returning(|id| Ok(Some((stored(id, Scope::Read), hash_secret("secret")))));
            ApiKeyService::new(Arc::new(repo), clock(), secrets())
                .remembering_keys_for(Duration::seconds(60))
        };
        // A failed check leaves nothing behind: the next one reads again.
        for _ in 0..2 {
            assert!(
                remembering
                    .authenticate("eck_0102030405060708_wrong")
                    .is_err()
            );
            assert!(
                remembering
                    .authenticate_from_memory("eck_0102030405060708_secret")
                    .is_none()
            );
        }
    }

    #[test]
    fn wrong_revoked_expired_and_malformed_keys_are_refused() {
        let good = "eck_0102030405060708_secret";
        let cases: Vec<(Option<ApiKey>, &str)> = vec![
            (
                Some(stored("0102030405060708", Scope::Read)),
                "eck_0102030405060708_wrong",
            ),
            (
                Some(ApiKey {
                    revoked_at: Some(now()),
                    ..stored("0102030405060708", Scope::Read)
                }),
                good,
            ),
            (
                Some(ApiKey {
                    expires_at: Some(now()),
                    ..stored("0102030405060708", Scope::Read)
                }),
                good,
            ),
            (None, good),
        ];
        for (key, presented) in cases {
            let mut repo = MockApiKeyRepository::new();
            let hash = hash_secret("secret");
            repo.expect_find_api_key()
                .returning(move |_| Ok(key.clone().map(|k| (k, hash.clone()))));
            repo.expect_touch_api_key().never();
            let service = ApiKeyService::new(Arc::new(repo), clock(), secrets());
            assert!(matches!(
                service.authenticate(presented),
                Err(AppError::Refused {
                    code: ProblemCode::Unauthenticated,
                    ..
                })
            ));
        }
        let mut repo = MockApiKeyRepository::new();
        repo.expect_find_api_key().never();
        let service = ApiKeyService::new(Arc::new(repo), clock(), secrets());
        for presented in [
            "",
            "Bearer x",
            "eck_",
            "eck_zz_secret",
            "eck_0102030405060708",
            "xyz_0102030405060708_s",
        ] {
            assert!(matches!(
                service.authenticate(presented),
                Err(AppError::Refused {
                    code: ProblemCode::Unauthenticated,
                    ..
                })
            ));
        }
    }

    #[test]
    fn last_used_is_written_at_most_once_a_minute() {
        let mut repo = MockApiKeyRepository::new();
        let hash = hash_secret("secret");
        repo.expect_find_api_key().returning(move |id| {
            let key = ApiKey {
                last_used_at: Some(now() - Duration::seconds(61)),
                ..stored(id, Scope::Read)
            };
            Ok(Some((key, hash.clone())))
        });
        repo.expect_touch_api_key()
            .times(1)
            .withf(|id, at| *id == 7 && *at == now())
            .returning(|_, _| Ok(()));
        let service = ApiKeyService::new(Arc::new(repo), clock(), secrets());
        service.authenticate("eck_0102030405060708_secret").unwrap();
    }

    #[test]
    fn names_and_expiry_are_validated() {
        let mut repo = MockApiKeyRepository::new();
        repo.expect_insert_api_key().never();
        let service = ApiKeyService::new(Arc::new(repo), clock(), secrets());
        assert!(matches!(
            service.create(" ", Scope::Read, None, None),
            Err(AppError::Invalid(_))
        ));
        // Names people read show what they hold: no invisible or direction-changing
        // characters, at least one visible character (after trimming).
        for name in [
            "\u{A0}",
            "\u{3164}",
            "admin\u{202E}nimda",
            "key\u{200B}",
            "\u{FEFF}key",
        ] {
            assert!(
                matches!(
                    service.create(name, Scope::Read, None, None),
                    Err(AppError::Invalid(_))
                ),
                "{name:?}"
            );
        }
        assert!(matches!(
            service.create("x", Scope::Read, Some(now()), None),
            Err(AppError::Invalid(_))
        ));
    }
}
