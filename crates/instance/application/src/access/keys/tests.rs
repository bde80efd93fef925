//! Tests of API keys.
use super::*;
use crate::ports::{MockApiKeyRepository, MockClock, MockRoleRepository, MockSecretSource, Role};
use chrono::TimeZone;
use eckwms_domain::access::role::seeded;
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
            Ok((case != "unknown").then(|| (stored(id, "admin"), stored_hash.clone())))
        });
        repo.expect_touch_api_key().returning(|_, _| Ok(()));
        let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets())
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

/// The role repository with the seeded roles.
fn roles() -> Arc<MockRoleRepository> {
    let mut roles = MockRoleRepository::new();
    roles.expect_find_role().returning(|name| {
        Ok(seeded(name).map(|r| Role {
            name: r.name.into(),
            description: r.description.into(),
            permissions: r.permissions(),
            version: 1,
            created_at: now(),
            updated_at: now(),
        }))
    });
    Arc::new(roles)
}

fn console() -> RequestMeta {
    RequestMeta::console()
}

fn stored(key_id: &str, role: &str) -> ApiKey {
    ApiKey {
        id: 7,
        key_id: key_id.into(),
        name: "scanner".into(),
        role: role.into(),
        permissions: seeded(role).map(|r| r.permissions()).unwrap_or_default(),
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
        .withf(|k, audit, idempotency| {
            k.secret_hash.len() == 64
                && k.role == "write"
                && audit.event == "apikey_created"
                && !audit
                    .detail
                    .as_deref()
                    .unwrap_or("")
                    .contains(&k.secret_hash)
                && idempotency.is_none()
        })
        .returning(|k, _, _| Ok(stored(&k.key_id, &k.role)));
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
    let created = service
        .create("scanner", "write", None, &console())
        .unwrap();
    assert!(created.secret.starts_with("eck_0102030405060708_"));
    assert!(!created.secret.contains(&hash_secret("x")));
    // 32 secret bytes in base64url: 43 characters, 256 bits.
    assert_eq!(created.secret.rsplit('_').next().unwrap().len(), 43);

    let secret_part = created.secret.rsplit('_').next().unwrap().to_owned();
    let mut repo = MockApiKeyRepository::new();
    let hash = hash_secret(&secret_part);
    repo.expect_find_api_key()
        .withf(|id| id == "0102030405060708")
        .returning(move |id| Ok(Some((stored(id, "write"), hash.clone()))));
    repo.expect_touch_api_key().never();
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
    let principal = service.authenticate(&created.secret).unwrap();
    assert_eq!(principal.role(), "write");
    assert_eq!(principal.ledger_name(), "apikey:7");
    assert!(principal.require(Permission::InventoryView).is_ok());
    assert!(matches!(
        principal.require(Permission::ApiKeysManage),
        Err(AppError::Forbidden { .. })
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
        .returning(|id| Ok(Some((stored(id, "write"), hash_secret("secret")))));
    repo.expect_touch_api_key().returning(|_, _| Ok(()));
    let (clock, at) = movable_clock();
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock, secrets())
        .remembering_keys_for(Duration::seconds(1));

    assert!(
        service.authenticate_from_memory(key).is_none(),
        "not verified yet"
    );
    assert_eq!(key_id_of(&service.authenticate(key).unwrap()), 7);
    for _ in 0..3 {
        let principal = service.authenticate_from_memory(key).unwrap().unwrap();
        assert_eq!(principal.role(), "write");
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
        let mut k = stored(id, "write");
        k.expires_at = Some(expiring);
        Ok(Some((k, hash_secret("secret"))))
    });
    repo.expect_touch_api_key().returning(|_, _| Ok(()));
    repo.expect_revoke_api_key()
        .times(1)
        .returning(|_, at, _, _| {
            let mut k = stored("0102030405060708", "write");
            k.revoked_at = Some(at);
            Ok(k)
        });
    let (clock, at) = movable_clock();
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock, secrets())
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
    service.revoke(7, &console()).unwrap();
    assert!(service.authenticate_from_memory(key).is_none(), "forgotten");
}

#[test]
fn without_memory_every_check_reads_the_database_and_failures_are_never_kept() {
    let mut repo = MockApiKeyRepository::new();
    repo.expect_find_api_key()
        .times(2)
        .returning(|id| Ok(Some((stored(id, "read"), hash_secret("secret")))));
    repo.expect_touch_api_key().returning(|_, _| Ok(()));
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
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
            .returning(|id| Ok(Some((stored(id, "read"), hash_secret("secret")))));
        ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets())
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
            Some(stored("0102030405060708", "read")),
            "eck_0102030405060708_wrong",
        ),
        (
            Some(ApiKey {
                revoked_at: Some(now()),
                ..stored("0102030405060708", "read")
            }),
            good,
        ),
        (
            Some(ApiKey {
                expires_at: Some(now()),
                ..stored("0102030405060708", "read")
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
        let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
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
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
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
            ..stored(id, "read")
        };
        Ok(Some((key, hash.clone())))
    });
    repo.expect_touch_api_key()
        .times(1)
        .withf(|id, at| *id == 7 && *at == now())
        .returning(|_, _| Ok(()));
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
    service.authenticate("eck_0102030405060708_secret").unwrap();
}

#[test]
fn names_and_expiry_are_validated() {
    let mut repo = MockApiKeyRepository::new();
    repo.expect_insert_api_key().never();
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
    assert!(matches!(
        service.create(" ", "read", None, &console()),
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
                service.create(name, "read", None, &console()),
                Err(AppError::Invalid(_))
            ),
            "{name:?}"
        );
    }
    assert!(matches!(
        service.create("x", "read", Some(now()), &console()),
        Err(AppError::Invalid(_))
    ));
}

fn key_id_of(actor: &Actor) -> i64 {
    match actor.who() {
        super::super::Who::ApiKey { id, .. } => *id,
        _ => 0,
    }
}

/// Keys are managed with `apikeys.manage` only, whichever adapter asks: a write key is refused
/// before anything is generated, read or changed.
#[test]
fn only_holders_of_apikeys_manage_manage_keys() {
    let mut repo = MockApiKeyRepository::new();
    repo.expect_insert_api_key().never();
    repo.expect_list_api_keys().never();
    repo.expect_revoke_api_key().never();
    let mut secrets = MockSecretSource::new();
    secrets.expect_fill().never();
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), Arc::new(secrets));
    let writer = RequestMeta {
        actor: Actor::seeded_key(2, "writer", "write"),
        ..RequestMeta::console()
    };
    let forbidden = |result: AppResult<()>| {
        matches!(
            result,
            Err(AppError::Forbidden { permission, .. }) if permission == "apikeys.manage"
        )
    };
    assert!(forbidden(
        service.create("k", "read", None, &writer).map(drop)
    ));
    assert!(forbidden(service.list(&writer.actor).map(drop)));
    assert!(forbidden(service.revoke(1, &writer).map(drop)));
}

/// A key never gets more than its maker holds: a manager (apikeys.manage, no core.admin) cannot
/// make an admin key; an unknown role is invalid input.
#[test]
fn nobody_makes_a_key_stronger_than_themselves() {
    let mut repo = MockApiKeyRepository::new();
    repo.expect_insert_api_key().never();
    let service = ApiKeyService::new(Arc::new(repo), roles(), clock(), secrets());
    let manager = RequestMeta {
        actor: Actor::seeded_key(3, "manager", "MANAGER"),
        ..RequestMeta::console()
    };
    assert!(matches!(
        service.create("k", "admin", None, &manager),
        Err(AppError::Forbidden { permission, .. }) if permission == "core.admin"
    ));
    assert!(matches!(
        service.create("k", "nope", None, &manager),
        Err(AppError::Invalid(fields)) if fields[0].field == "role"
    ));
}
