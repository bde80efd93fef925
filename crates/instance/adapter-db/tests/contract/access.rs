//! API keys and the last admin key.

use super::*;

pub(crate) fn api_keys_round_trip(t: &TestDatabase) {
    let db = t.open();
    let new = NewApiKey {
        key_id: "00112233aabbccdd".into(),
        secret_hash: "ab".repeat(32),
        name: "bootstrap".into(),
        scope: Scope::Admin,
        created_at: now(),
        expires_at: None,
    };
    let first = db.insert_first_api_key(&new).unwrap().unwrap();
    let second = NewApiKey {
        key_id: "1111111111111111".into(),
        ..new.clone()
    };
    assert!(db.insert_first_api_key(&second).unwrap().is_none());
    let (found, hash) = db.find_api_key("00112233aabbccdd").unwrap().unwrap();
    assert_eq!(found, first);
    assert_eq!(hash, "ab".repeat(32));
    assert!(db.find_api_key("ffffffffffffffff").unwrap().is_none());
    let at = now();
    db.touch_api_key(first.id, at).unwrap();
    // The only admin key stays (see last_admin_key_is_never_revoked); with a second one it goes.
    db.insert_api_key(
        &NewApiKey {
            key_id: "0000000000000002".into(),
            ..new.clone()
        },
        None,
    )
    .unwrap();
    let revoked = db.revoke_api_key(first.id, now(), None).unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.last_used_at, Some(at));
    assert!(db.insert_api_key(&new, None).is_err(), "key ids are unique");
    assert!(matches!(
        db.revoke_api_key(99, now(), None),
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(db.list_api_keys().unwrap().len(), 2);
    // Created under an idempotency claim: the claim is marked applied with the key.
    let claim = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "create-key".into(),
    };
    assert_eq!(db.claim(&claim, "fp", now()).unwrap(), Claim::Claimed);
    let third = NewApiKey {
        key_id: "2222222222222222".into(),
        ..new.clone()
    };
    db.insert_api_key(&third, Some(claim.clone())).unwrap();
    let Claim::Existing(record) = db.claim(&claim, "fp", now()).unwrap() else {
        panic!("the claim exists")
    };
    assert_eq!(record.state, IdempotencyState::Applied);
    assert_eq!(db.list_api_keys().unwrap().len(), 3);
}

pub(crate) fn admin_key(db: &Database, key_id: &str, expires_at: Option<DateTime<Utc>>) -> ApiKey {
    db.insert_api_key(
        &NewApiKey {
            key_id: key_id.into(),
            secret_hash: "ab".repeat(32),
            name: format!("admin {key_id}"),
            scope: Scope::Admin,
            created_at: now(),
            expires_at,
        },
        None,
    )
    .unwrap()
}

pub(crate) fn active_admin_keys(db: &Database, at: DateTime<Utc>) -> Vec<i64> {
    db.list_api_keys()
        .unwrap()
        .into_iter()
        .filter(|k| k.scope == Scope::Admin && k.revoked_at.is_none())
        .filter(|k| k.expires_at.is_none_or(|e| e > at))
        .map(|k| k.id)
        .collect()
}

pub(crate) fn assert_last_admin_key(result: Result<ApiKey, AppError>) {
    match result {
        Err(AppError::Refused { code, .. }) => assert_eq!(code, "last_admin_key"),
        other => panic!("expected last_admin_key, got {other:?}"),
    }
}

pub(crate) fn last_admin_key_is_never_revoked(t: &TestDatabase) {
    let db = t.open();
    let only = admin_key(&db, "a000000000000001", None);
    let reader = db
        .insert_api_key(
            &NewApiKey {
                key_id: "a000000000000002".into(),
                secret_hash: "ab".repeat(32),
                name: "reader".into(),
                scope: Scope::Read,
                created_at: now(),
                expires_at: None,
            },
            None,
        )
        .unwrap();
    // Refused, and nothing changed; not even the idempotency claim is marked applied.
    let claim = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "revoke-last".into(),
    };
    assert_eq!(db.claim(&claim, "fp", now()).unwrap(), Claim::Claimed);
    assert_last_admin_key(db.revoke_api_key(only.id, now(), Some(claim.clone())));
    let (stored, _) = db.find_api_key("a000000000000001").unwrap().unwrap();
    assert_eq!(stored.revoked_at, None);
    let Claim::Existing(record) = db.claim(&claim, "fp", now()).unwrap() else {
        panic!("the claim exists")
    };
    assert_eq!(record.state, IdempotencyState::Pending);
    // Other scopes go freely.
    assert!(db.revoke_api_key(reader.id, now(), None).is_ok());
    // An expired admin key is no admin: it neither keeps the last one revocable nor is
    // protected itself.
    let expired = admin_key(&db, "a000000000000003", Some(now()));
    assert_last_admin_key(db.revoke_api_key(only.id, now(), None));
    assert!(db.revoke_api_key(expired.id, now(), None).is_ok());
    // A revoked one is returned unchanged, as before.
    let again = db.revoke_api_key(reader.id, now(), None).unwrap();
    assert!(again.revoked_at.is_some());
    // Once another admin key is active, the first may go, then that one is the last.
    let later = admin_key(
        &db,
        "a000000000000004",
        Some(now() + chrono::Duration::days(30)),
    );
    assert!(db.revoke_api_key(only.id, now(), None).is_ok());
    assert_last_admin_key(db.revoke_api_key(later.id, now(), None));
    assert_eq!(active_admin_keys(&db, now()), vec![later.id]);
}

/// Two admins revoke the last two admin keys at the same moment: one of them must lose, on
/// every round. On PostgreSQL (READ COMMITTED) a count of the active keys without locking them
/// lets both see the other's key still active.
pub(crate) fn last_admin_key_holds_under_concurrent_revocations(t: &TestDatabase) {
    let db = Arc::new(t.open());
    let mut survivor = admin_key(&db, "b000000000000000", None);
    for round in 1..=30 {
        let other = admin_key(&db, &format!("b{round:015}"), None);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let results: Vec<Result<ApiKey, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = [survivor.id, other.id]
                .into_iter()
                .map(|id| {
                    let (db, barrier) = (Arc::clone(&db), Arc::clone(&barrier));
                    s.spawn(move || {
                        barrier.wait();
                        db.revoke_api_key(id, now(), None)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let revoked: Vec<&ApiKey> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(revoked.len(), 1, "round {round}: {results:?}");
        let refused = results.iter().find(|r| r.is_err()).unwrap();
        assert!(
            matches!(refused, Err(AppError::Refused { code, .. }) if *code == "last_admin_key"),
            "round {round}: {refused:?}"
        );
        let active = active_admin_keys(&db, now());
        assert_eq!(active.len(), 1, "round {round}: {active:?}");
        survivor = if revoked[0].id == other.id {
            survivor
        } else {
            other
        };
        assert_eq!(active, vec![survivor.id]);
    }
}
