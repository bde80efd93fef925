//! Access: roles, users, sessions, failed logins, the audit log, API keys and the last admin
//! key.

use super::*;
use eckwms_domain::access::role::{SEEDED_ROLES, seeded};
use eckwms_domain::access::{Permission, Permissions};

/// Stores the roles the service seeds at start; returns how many were new.
pub(crate) fn seed(db: &Database) -> u64 {
    let at = now();
    let roles: Vec<Role> = SEEDED_ROLES
        .iter()
        .map(|r| Role {
            name: r.name.to_owned(),
            description: r.description.to_owned(),
            permissions: r.permissions(),
            version: 1,
            created_at: at,
            updated_at: at,
        })
        .collect();
    db.seed_roles(&roles).unwrap()
}

/// The stored permissions of a seeded role.
fn seeded_permissions(name: &str) -> Permissions {
    seeded(name).unwrap().permissions()
}

pub(crate) fn entry(event: &str, subject: Option<String>) -> AuditEntry {
    AuditEntry {
        at: now(),
        event: event.into(),
        actor: Some("apikey:1".into()),
        address: Some("192.0.2.7".into()),
        request_id: Some("req-test".into()),
        subject,
        detail: Some(r#"{"why":"test"}"#.into()),
    }
}

/// Every audit entry, newest first.
pub(crate) fn audit_events(db: &Database) -> Vec<String> {
    db.list_audit(&AuditFilter::default(), &page(1000))
        .unwrap()
        .into_iter()
        .map(|r| r.entry.event)
        .collect()
}

pub(crate) fn role(name: &str, permissions: &[Permission]) -> Role {
    let at = now();
    Role {
        name: name.into(),
        description: format!("{name} role"),
        permissions: Permissions::of(permissions),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

fn new_user(username: &str, role: &str) -> NewUser {
    NewUser {
        username: username.into(),
        username_key: username.to_lowercase(),
        display_name: format!("{username} Example"),
        role: role.into(),
        password_hash: format!("$argon2id$hash-of-{username}"),
        pin_hash: None,
        created_at: now(),
    }
}

pub(crate) fn user(db: &Database, username: &str, role: &str) -> User {
    db.create_user(
        &new_user(username, role),
        &entry("user_created", None),
        None,
    )
    .unwrap()
}

fn new_key(key_id: &str, role: &str) -> NewApiKey {
    NewApiKey {
        key_id: key_id.into(),
        secret_hash: "ab".repeat(32),
        name: format!("{role} {key_id}"),
        role: role.into(),
        created_at: now(),
        expires_at: None,
    }
}

fn session(db: &Database, token_hash: &str, user: UserId, subject: &str) -> NewSession {
    let new = NewSession {
        token_hash: token_hash.into(),
        user_id: user,
        user_version: db.get_user(user).unwrap().version,
        created_at: now(),
        expires_at: now() + chrono::Duration::hours(12),
        address: Some("192.0.2.7".into()),
    };
    db.create_session(&new, subject, &entry("login_succeeded", None))
        .unwrap();
    new
}

pub(crate) fn assert_refused<T: std::fmt::Debug>(result: Result<T, AppError>, expected: &str) {
    match result {
        Err(AppError::Refused { code, .. }) => assert_eq!(code, expected),
        other => panic!("expected {expected}, got {other:?}"),
    }
}

pub(crate) fn assert_stale<T: std::fmt::Debug>(result: Result<T, AppError>, current: i64) {
    match result {
        Err(AppError::PreconditionFailed { current: c }) => assert_eq!(c, current),
        other => panic!("expected a stale version, got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, AppError>) {
    assert!(
        matches!(result, Err(AppError::NotFound { .. })),
        "expected not found, got {result:?}"
    );
}

// ------------------------------------------------------------------------------------ roles

pub(crate) fn roles_are_seeded_once(t: &TestDatabase) {
    let db = t.open();
    assert!(db.list_roles().unwrap().is_empty());
    assert_eq!(seed(&db), SEEDED_ROLES.len() as u64);
    // Again (another process starting, the next start): nothing new.
    assert_eq!(seed(&db), 0);
    let mut names: Vec<String> = SEEDED_ROLES.iter().map(|r| r.name.to_owned()).collect();
    names.sort();
    let listed: Vec<String> = db
        .list_roles()
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(listed, names, "listed by name");
    let manager = db.find_role("MANAGER").unwrap().unwrap();
    assert_eq!(manager.permissions, seeded_permissions("MANAGER"));
    assert_eq!(manager.version, 1);
    // A role an admin changed keeps the change at the next seeding.
    let changed = db
        .update_role(
            "MANAGER",
            Expected::Version(1),
            &RolePatch {
                description: Some("Runs the site, less".into()),
                permissions: Some(Permissions::of(&[Permission::InventoryView])),
            },
            now(),
            &entry("role_updated", Some("role:MANAGER".into())),
            None,
        )
        .unwrap();
    assert_eq!(seed(&db), 0);
    assert_eq!(db.find_role("MANAGER").unwrap().unwrap(), changed);
    // Seeding is not a change anyone made: no audit entries.
    assert_eq!(audit_events(&db), vec!["role_updated"]);
    assert!(
        db.find_role("manager").unwrap().is_none(),
        "names are case-sensitive"
    );
}

pub(crate) fn roles_are_created_changed_and_deleted(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let picker = role(
        "PACKER",
        &[Permission::ScanExecute, Permission::InventoryView],
    );
    let created = db
        .create_role(
            &picker,
            &entry("role_created", Some("role:PACKER".into())),
            None,
        )
        .unwrap();
    assert_eq!(created, picker);
    assert_eq!(db.find_role("PACKER").unwrap().unwrap(), picker);
    // The name is taken, whatever the rest says; nothing is written, not even to the audit log.
    assert_refused(
        db.create_role(&role("PACKER", &[]), &entry("role_created", None), None),
        "role_exists",
    );
    assert_eq!(db.find_role("PACKER").unwrap().unwrap(), picker);
    // Updates check the expected version and count it up.
    let patch = RolePatch {
        description: Some("Packs".into()),
        permissions: Some(Permissions::of(&[Permission::InventoryView])),
    };
    let update = |expected, patch: &RolePatch| {
        db.update_role(
            "PACKER",
            expected,
            patch,
            now(),
            &entry("role_updated", Some("role:PACKER".into())),
            None,
        )
    };
    assert_stale(update(Expected::Version(7), &patch), 1);
    let updated = update(Expected::Version(1), &patch).unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.description, "Packs");
    assert_eq!(
        updated.permissions,
        Permissions::of(&[Permission::InventoryView])
    );
    assert!(updated.updated_at > updated.created_at);
    assert_eq!(db.find_role("PACKER").unwrap().unwrap(), updated);
    // A patch that changes nothing writes nothing.
    assert_eq!(update(Expected::Any, &patch).unwrap(), updated);
    assert_eq!(
        update(Expected::Any, &RolePatch::default()).unwrap(),
        updated
    );
    assert_not_found(db.update_role(
        "NOBODY",
        Expected::Any,
        &patch,
        now(),
        &entry("role_updated", None),
        None,
    ));
    // Deleting checks the version too; then the role is gone.
    let delete = |name: &str, expected| {
        db.delete_role(
            name,
            expected,
            &entry("role_deleted", Some(format!("role:{name}"))),
            None,
        )
    };
    assert_stale(delete("PACKER", Expected::Version(1)), 2);
    assert_not_found(delete("NOBODY", Expected::Any));
    delete("PACKER", Expected::Version(2)).unwrap();
    assert!(db.find_role("PACKER").unwrap().is_none());
    assert_not_found(delete("PACKER", Expected::Any));
    assert_eq!(
        audit_events(&db),
        vec!["role_deleted", "role_updated", "role_created"]
    );
    // Under an idempotency claim, the claim is marked applied with the change.
    let claim = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "create-role".into(),
    };
    assert_eq!(db.claim(&claim, "fp", now()).unwrap(), Claim::Claimed);
    db.create_role(
        &role("SORTER", &[]),
        &entry("role_created", None),
        Some(claim.clone()),
    )
    .unwrap();
    let Claim::Existing(record) = db.claim(&claim, "fp", now()).unwrap() else {
        panic!("the claim exists")
    };
    assert_eq!(record.state, IdempotencyState::Applied);
}

pub(crate) fn roles_in_use_are_not_deleted(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    for name in ["HOLDER", "KEYED", "FREE"] {
        db.create_role(
            &role(name, &[Permission::InventoryView]),
            &entry("role_created", None),
            None,
        )
        .unwrap();
    }
    let anna = user(&db, "anna", "HOLDER");
    let key = db
        .insert_api_key(
            &new_key("c000000000000001", "KEYED"),
            &entry("apikey_created", None),
            None,
        )
        .unwrap();
    let before = audit_events(&db);
    let delete =
        |name: &str| db.delete_role(name, Expected::Any, &entry("role_deleted", None), None);
    assert_refused(delete("HOLDER"), "role_in_use");
    assert_refused(delete("KEYED"), "role_in_use");
    // A revoked key still names its role (its history does).
    db.revoke_api_key(key.id, now(), &entry("apikey_revoked", None), None)
        .unwrap();
    assert_refused(delete("KEYED"), "role_in_use");
    assert!(db.find_role("HOLDER").unwrap().is_some());
    assert!(db.find_role("KEYED").unwrap().is_some());
    assert_eq!(
        audit_events(&db).len(),
        before.len() + 1,
        "only the revocation"
    );
    // Once the user has another role, theirs may go; an unused one goes at once.
    db.update_user(
        anna.id,
        Expected::Any,
        &UserPatch {
            role: Some("FREE".into()),
            ..UserPatch::default()
        },
        now(),
        &entry("user_updated", None),
        None,
    )
    .unwrap();
    delete("HOLDER").unwrap();
    assert_refused(delete("FREE"), "role_in_use");
    assert!(db.find_role("HOLDER").unwrap().is_none());
}

/// A role deleted while a user or a key is given it: one of the two loses, every round. Without
/// the role's lock (PostgreSQL, READ COMMITTED), the deletion can find no holder while the key
/// is being inserted, and the key is left with a role that does not exist.
pub(crate) fn role_deletion_races_holders(t: &TestDatabase) {
    let db = Arc::new(t.open());
    seed(&db);
    for round in 0..20 {
        let name = format!("RACE{round}");
        db.create_role(&role(&name, &[]), &entry("role_created", None), None)
            .unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(3));
        let (deleted, user, key) = std::thread::scope(|s| {
            let spawn_db = || (Arc::clone(&db), Arc::clone(&barrier));
            let (d, b) = spawn_db();
            let name_d = name.clone();
            let deleting = s.spawn(move || {
                b.wait();
                d.delete_role(&name_d, Expected::Any, &entry("role_deleted", None), None)
            });
            let (d, b) = spawn_db();
            let name_u = name.clone();
            let creating_user = s.spawn(move || {
                b.wait();
                d.create_user(
                    &new_user(&format!("racer{round}"), &name_u),
                    &entry("user_created", None),
                    None,
                )
            });
            let (d, b) = spawn_db();
            let name_k = name.clone();
            let inserting_key = s.spawn(move || {
                b.wait();
                d.insert_api_key(
                    &new_key(&format!("d{round:015}"), &name_k),
                    &entry("apikey_created", None),
                    None,
                )
            });
            (
                deleting.join().unwrap(),
                creating_user.join().unwrap(),
                inserting_key.join().unwrap(),
            )
        });
        let exists = db.find_role(&name).unwrap().is_some();
        match &deleted {
            Ok(()) => {
                assert!(!exists, "round {round}");
                assert_refused(user, "reference_missing");
                assert_refused(key, "reference_missing");
            }
            Err(_) => {
                // Refused because a holder committed first; then the role stays, and neither
                // holder had a reason to fail.
                assert_refused(deleted, "role_in_use");
                assert!(exists, "round {round}");
                assert!(user.is_ok(), "round {round}: {user:?}");
                assert!(key.is_ok(), "round {round}: {key:?}");
            }
        }
        for key in db.list_api_keys().unwrap() {
            assert!(
                db.find_role(&key.role).unwrap().is_some(),
                "round {round}: {key:?}"
            );
        }
    }
}

// ------------------------------------------------------------------------------------ users

pub(crate) fn usernames_are_unique_ignoring_case(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "Anna", "MANAGER");
    assert_eq!(anna.id, UserId::new(1).unwrap());
    assert_eq!(anna.username, "Anna");
    assert_eq!(anna.role, "MANAGER");
    assert!(anna.active);
    assert!(!anna.has_pin);
    assert_eq!(anna.last_login_at, None);
    assert_eq!(anna.version, 1);
    assert_eq!(db.get_user(anna.id).unwrap(), anna);
    assert_refused(
        db.create_user(
            &new_user("ANNA", "PICKER"),
            &entry("user_created", None),
            None,
        ),
        "username_taken",
    );
    assert_refused(
        db.create_user(
            &new_user("bob", "NO_SUCH_ROLE"),
            &entry("user_created", None),
            None,
        ),
        "reference_missing",
    );
    assert_eq!(
        audit_events(&db),
        vec!["user_created"],
        "refusals leave no entry"
    );
    let bob = user(&db, "bob", "PICKER");
    assert!(bob.id > anna.id);
    // Login lookups: by the lower-case name or by id, with secrets and the role's permissions.
    let login = db.find_login("anna").unwrap().unwrap();
    assert_eq!(login.user, anna);
    assert_eq!(login.password_hash, "$argon2id$hash-of-Anna");
    assert_eq!(login.pin_hash, None);
    assert_eq!(login.permissions, seeded_permissions("MANAGER"));
    assert!(
        db.find_login("Anna").unwrap().is_none(),
        "the key is lower case"
    );
    assert!(db.find_login("carla").unwrap().is_none());
    let by_id = db.find_login_by_id(bob.id).unwrap().unwrap();
    assert_eq!(by_id.user, bob);
    assert_eq!(by_id.permissions, seeded_permissions("PICKER"));
    assert!(
        db.find_login_by_id(UserId::new(99).unwrap())
            .unwrap()
            .is_none()
    );
    assert_not_found(db.get_user(UserId::new(99).unwrap()));
    // Lists by id, after the cursor.
    let carla = user(&db, "carla", "PICKER");
    let ids = |page: &PageQuery<UserId>| -> Vec<UserId> {
        db.list_users(page)
            .unwrap()
            .into_iter()
            .map(|u| u.id)
            .collect()
    };
    assert_eq!(ids(&page(10)), vec![anna.id, bob.id, carla.id]);
    assert_eq!(ids(&page(2)), vec![anna.id, bob.id]);
    assert_eq!(
        ids(&PageQuery {
            after: Some(bob.id),
            limit: 10
        }),
        vec![carla.id]
    );
    // Display names for history answers; unknown ids are left out.
    let mut names = db
        .display_names(&[carla.id, UserId::new(99).unwrap(), anna.id, anna.id])
        .unwrap();
    names.sort();
    assert_eq!(
        names,
        vec![
            (anna.id, "Anna Example".to_owned()),
            (carla.id, "carla Example".to_owned())
        ]
    );
    assert!(db.display_names(&[]).unwrap().is_empty());
}

/// Threads create one username, each in its own letter case, at once: exactly one succeeds.
pub(crate) fn usernames_stay_unique_under_concurrency(t: &TestDatabase) {
    let db = Arc::new(t.open());
    seed(&db);
    let spellings = ["erik", "Erik", "ERIK", "eRik", "erIK", "ErIk"];
    for round in 0..8 {
        let barrier = Arc::new(std::sync::Barrier::new(spellings.len()));
        let results: Vec<Result<User, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = spellings
                .iter()
                .map(|spelling| {
                    let (db, barrier) = (Arc::clone(&db), Arc::clone(&barrier));
                    let username = format!("{spelling}{round}");
                    s.spawn(move || {
                        barrier.wait();
                        db.create_user(
                            &new_user(&username, "PICKER"),
                            &entry("user_created", Some(format!("username:{username}"))),
                            None,
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let created: Vec<&User> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(created.len(), 1, "round {round}: {results:?}");
        for refused in results.iter().filter(|r| r.is_err()) {
            assert!(
                matches!(refused, Err(AppError::Refused { code, .. }) if *code == "username_taken"),
                "round {round}: {refused:?}"
            );
        }
        let key = format!("erik{round}");
        assert_eq!(db.find_login(&key).unwrap().unwrap().user, *created[0]);
    }
    assert_eq!(db.list_users(&page(100)).unwrap().len(), 8);
    let created = db
        .list_audit(
            &AuditFilter {
                event: Some("user_created".into()),
                ..AuditFilter::default()
            },
            &page(100),
        )
        .unwrap();
    assert_eq!(created.len(), 8, "one entry per user created");
}

pub(crate) fn users_change_under_expected_versions(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "anna", "PICKER");
    let update = |expected, patch: &UserPatch| {
        db.update_user(
            anna.id,
            expected,
            patch,
            now(),
            &entry("user_updated", Some(format!("user:{}", anna.id))),
            None,
        )
    };
    let patch = UserPatch {
        display_name: Some("Anna Lind".into()),
        role: Some("MANAGER".into()),
        active: None,
        language: None,
    };
    assert_stale(update(Expected::Version(2), &patch), 1);
    let updated = update(Expected::Version(1), &patch).unwrap();
    assert_eq!(updated.display_name, "Anna Lind");
    assert_eq!(updated.role, "MANAGER");
    assert_eq!(updated.version, 2);
    assert!(updated.updated_at > anna.updated_at);
    assert_eq!(db.get_user(anna.id).unwrap(), updated);
    assert_eq!(
        db.find_login("anna").unwrap().unwrap().permissions,
        seeded_permissions("MANAGER"),
        "the new role's permissions"
    );
    // Nothing to change: nothing written.
    assert_eq!(update(Expected::Any, &patch).unwrap(), updated);
    assert_eq!(
        update(Expected::Any, &UserPatch::default()).unwrap(),
        updated
    );
    assert_refused(
        update(
            Expected::Any,
            &UserPatch {
                role: Some("NO_SUCH_ROLE".into()),
                ..UserPatch::default()
            },
        ),
        "reference_missing",
    );
    assert_not_found(db.update_user(
        UserId::new(99).unwrap(),
        Expected::Any,
        &patch,
        now(),
        &entry("user_updated", None),
        None,
    ));
    // Secrets: a PIN set, a password changed, the PIN removed; each counts the version up.
    let set = |expected, credentials: &NewCredentials| {
        db.set_credentials(
            anna.id,
            expected,
            credentials,
            now(),
            &entry("user_credentials_set", None),
            None,
        )
    };
    let pin = NewCredentials {
        password_hash: None,
        pin_hash: Some(Some("$argon2id$pin".into())),
    };
    assert_stale(set(Expected::Version(1), &pin), 2);
    let with_pin = set(Expected::Version(2), &pin).unwrap();
    assert!(with_pin.has_pin);
    assert_eq!(with_pin.version, 3);
    let login = db.find_login("anna").unwrap().unwrap();
    assert_eq!(login.pin_hash.as_deref(), Some("$argon2id$pin"));
    assert_eq!(login.password_hash, "$argon2id$hash-of-anna");
    let password = set(
        Expected::Any,
        &NewCredentials {
            password_hash: Some("$argon2id$new".into()),
            pin_hash: None,
        },
    )
    .unwrap();
    assert_eq!(password.version, 4);
    assert!(password.has_pin, "the PIN stays");
    let login = db.find_login("anna").unwrap().unwrap();
    assert_eq!(login.password_hash, "$argon2id$new");
    let no_pin = set(
        Expected::Any,
        &NewCredentials {
            password_hash: None,
            pin_hash: Some(None),
        },
    )
    .unwrap();
    assert!(!no_pin.has_pin);
    assert_eq!(db.find_login("anna").unwrap().unwrap().pin_hash, None);
    assert_eq!(
        set(Expected::Any, &NewCredentials::default()).unwrap(),
        no_pin
    );
    assert_not_found(db.set_credentials(
        UserId::new(99).unwrap(),
        Expected::Any,
        &pin,
        now(),
        &entry("user_credentials_set", None),
        None,
    ));
    assert_eq!(
        audit_events(&db),
        vec![
            "user_credentials_set",
            "user_credentials_set",
            "user_credentials_set",
            "user_updated",
            "user_created"
        ]
    );
    // The language: set, kept with the user (and so with their sessions), cleared.
    let language = |language| UserPatch {
        language: Some(language),
        ..UserPatch::default()
    };
    let german = update(Expected::Any, &language(Some(eckwms_i18n::Lang::De))).unwrap();
    assert_eq!(german.language, Some(eckwms_i18n::Lang::De));
    assert_eq!(german.version, no_pin.version + 1);
    assert_eq!(
        db.get_user(anna.id).unwrap().language,
        Some(eckwms_i18n::Lang::De)
    );
    assert_eq!(
        db.find_login("anna").unwrap().unwrap().user.language,
        Some(eckwms_i18n::Lang::De)
    );
    let cleared = update(Expected::Any, &language(None)).unwrap();
    assert_eq!(cleared.language, None);
    assert_eq!(
        audit_events(&db).len(),
        7,
        "each change of the language is audited"
    );
}

// --------------------------------------------------------------------------------- sessions

pub(crate) fn sessions_carry_their_users_permissions(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "anna", "PICKER");
    // Failed logins of anna and of her address; the login forgets hers only.
    db.record_failed_login(
        &["user:anna".into(), "address:192.0.2.7".into()],
        now(),
        &entry("login_failed", Some("username:anna".into())),
    )
    .unwrap();
    let new = session(&db, "aa".repeat(32).as_str(), anna.id, "user:anna");
    let since = new.created_at - chrono::Duration::minutes(15);
    assert_eq!(db.failed_logins("user:anna", since).unwrap(), (0, None));
    assert_eq!(db.failed_logins("address:192.0.2.7", since).unwrap().0, 1);
    let record = db.find_session(&"aa".repeat(32)).unwrap().unwrap();
    assert_eq!(record.user.id, anna.id);
    assert_eq!(record.user.last_login_at, Some(new.created_at));
    assert_eq!(record.user.version, 1, "a login is no change of the user");
    assert_eq!(record.permissions, seeded_permissions("PICKER"));
    assert_eq!(record.created_at, new.created_at);
    assert_eq!(record.last_seen_at, new.created_at);
    assert_eq!(record.expires_at, new.expires_at);
    assert_eq!(
        db.get_user(anna.id).unwrap().last_login_at,
        Some(new.created_at)
    );
    assert!(db.find_session(&"bb".repeat(32)).unwrap().is_none());
    // A change of the role's permissions applies to the session at once.
    db.update_role(
        "PICKER",
        Expected::Any,
        &RolePatch {
            permissions: Some(Permissions::of(&[Permission::InventoryView])),
            ..RolePatch::default()
        },
        now(),
        &entry("role_updated", None),
        None,
    )
    .unwrap();
    assert_eq!(
        db.find_session(&"aa".repeat(32))
            .unwrap()
            .unwrap()
            .permissions,
        Permissions::of(&[Permission::InventoryView])
    );
    // Seen again.
    let seen = now();
    db.touch_session(&"aa".repeat(32), seen).unwrap();
    assert_eq!(
        db.find_session(&"aa".repeat(32))
            .unwrap()
            .unwrap()
            .last_seen_at,
        seen
    );
    // Logout: the entry is written when there was a session to end.
    let before = audit_events(&db).len();
    assert!(
        db.end_session(&"aa".repeat(32), &entry("logout", None))
            .unwrap()
    );
    assert!(db.find_session(&"aa".repeat(32)).unwrap().is_none());
    assert!(
        !db.end_session(&"aa".repeat(32), &entry("logout", None))
            .unwrap()
    );
    assert_eq!(audit_events(&db).len(), before + 1);
    assert_eq!(audit_events(&db)[0], "logout");
}

pub(crate) fn deactivation_and_new_passwords_end_sessions(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "anna", "PICKER");
    let bob = user(&db, "bob", "PICKER");
    session(&db, "a1", anna.id, "user:anna");
    session(&db, "a2", anna.id, "user:anna");
    session(&db, "b1", bob.id, "user:bob");
    // Made inactive: her sessions end with the change; bob's stay.
    let inactive = db
        .update_user(
            anna.id,
            Expected::Any,
            &UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
            now(),
            &entry("user_updated", None),
            None,
        )
        .unwrap();
    assert!(!inactive.active);
    assert!(db.find_session("a1").unwrap().is_none());
    assert!(db.find_session("a2").unwrap().is_none());
    assert!(db.find_session("b1").unwrap().is_some());
    assert!(!db.find_login("anna").unwrap().unwrap().user.active);
    // Active again, logged in again; a new PIN leaves the session, a new password ends it.
    db.update_user(
        anna.id,
        Expected::Any,
        &UserPatch {
            active: Some(true),
            ..UserPatch::default()
        },
        now(),
        &entry("user_updated", None),
        None,
    )
    .unwrap();
    session(&db, "a3", anna.id, "user:anna");
    let set = |credentials: &NewCredentials| {
        db.set_credentials(
            anna.id,
            Expected::Any,
            credentials,
            now(),
            &entry("user_credentials_set", None),
            None,
        )
        .unwrap()
    };
    set(&NewCredentials {
        password_hash: None,
        pin_hash: Some(Some("$argon2id$pin".into())),
    });
    assert!(db.find_session("a3").unwrap().is_some());
    set(&NewCredentials {
        password_hash: Some("$argon2id$new".into()),
        pin_hash: None,
    });
    assert!(db.find_session("a3").unwrap().is_none());
    assert!(db.find_session("b1").unwrap().is_some());
}

/// A login checks the password outside any transaction. A new password or a deactivation
/// committed meanwhile ends the user's sessions, and the login's session must not be made
/// after it: `create_session` is refused when the user is no longer the one the login read.
pub(crate) fn a_login_does_not_outlive_a_change_of_its_user(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "anna", "PICKER");
    db.record_failed_login(&["user:anna".into()], now(), &entry("login_failed", None))
        .unwrap();
    // The login read the user (version 1); then her password changed.
    let read = db.find_login("anna").unwrap().unwrap().user;
    db.set_credentials(
        anna.id,
        Expected::Any,
        &NewCredentials {
            password_hash: Some("$argon2id$new".into()),
            pin_hash: None,
        },
        now(),
        &entry("user_credentials_set", None),
        None,
    )
    .unwrap();
    let entries = audit_events(&db).len();
    let begin = |token: &str, version: i64| {
        db.create_session(
            &NewSession {
                token_hash: token.into(),
                user_id: anna.id,
                user_version: version,
                created_at: now(),
                expires_at: now() + chrono::Duration::hours(1),
                address: None,
            },
            "user:anna",
            &entry("login_succeeded", None),
        )
    };
    assert_refused(begin("stale", read.version), "invalid_credentials");
    // Nothing changed: no session, no login time, the failures still counted, no entry.
    assert!(db.find_session("stale").unwrap().is_none());
    let now_user = db.get_user(anna.id).unwrap();
    assert_eq!(now_user.last_login_at, None);
    assert_eq!(db.failed_logins("user:anna", read.created_at).unwrap().0, 1);
    assert_eq!(audit_events(&db).len(), entries);
    // A login that read her as she is now succeeds; a deactivation refuses the next one.
    begin("current", now_user.version).unwrap();
    let inactive = db
        .update_user(
            anna.id,
            Expected::Any,
            &UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
            now(),
            &entry("user_updated", None),
            None,
        )
        .unwrap();
    assert!(db.find_session("current").unwrap().is_none());
    assert_refused(begin("inactive", now_user.version), "invalid_credentials");
    // Even with her current version: an inactive user gets no session.
    assert_refused(begin("inactive", inactive.version), "invalid_credentials");
    assert!(db.find_session("inactive").unwrap().is_none());
}

pub(crate) fn sessions_are_purged_when_expired_or_idle(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "anna", "PICKER");
    let base = now();
    let at = |minutes: i64| base + chrono::Duration::minutes(minutes);
    let start = |token: &str, created: i64, expires: i64| {
        db.create_session(
            &NewSession {
                token_hash: token.into(),
                user_id: anna.id,
                user_version: anna.version,
                created_at: at(created),
                expires_at: at(expires),
                address: None,
            },
            "user:anna",
            &entry("login_succeeded", None),
        )
        .unwrap();
    };
    start("expired", 0, 60);
    start("idle", 0, 600);
    start("fresh", 50, 600);
    start("seen", 0, 600);
    db.touch_session("seen", at(55)).unwrap();
    // At 60: "expired" reached its end; "idle" was last seen before 30.
    assert_eq!(
        SessionRepository::purge_sessions(&db, at(60), at(30)).unwrap(),
        2
    );
    assert!(db.find_session("expired").unwrap().is_none());
    assert!(db.find_session("idle").unwrap().is_none());
    assert!(db.find_session("fresh").unwrap().is_some());
    assert!(db.find_session("seen").unwrap().is_some());
    assert_eq!(
        SessionRepository::purge_sessions(&db, at(60), at(30)).unwrap(),
        0
    );
    assert_eq!(
        SessionRepository::purge_sessions(&db, at(600), at(0)).unwrap(),
        2
    );
}

pub(crate) fn failed_logins_are_counted_and_purged(t: &TestDatabase) {
    let db = t.open();
    let base = now();
    let at = |minutes: i64| base + chrono::Duration::minutes(minutes);
    let fail = |subjects: &[&str], minutes: i64| {
        let subjects: Vec<String> = subjects.iter().map(|s| (*s).to_owned()).collect();
        db.record_failed_login(
            &subjects,
            at(minutes),
            &entry("login_failed", Some("username:anna".into())),
        )
        .unwrap();
    };
    fail(&["user:anna", "address:192.0.2.7"], 0);
    fail(&["user:anna", "address:192.0.2.7"], 5);
    fail(&["user:anna"], 10);
    fail(&["user:bob", "address:192.0.2.7"], 12);
    assert_eq!(
        db.failed_logins("user:anna", at(0)).unwrap(),
        (3, Some(at(0)))
    );
    // `since` counts from that moment on, inclusive.
    assert_eq!(
        db.failed_logins("user:anna", at(5)).unwrap(),
        (2, Some(at(5)))
    );
    assert_eq!(db.failed_logins("user:anna", at(11)).unwrap(), (0, None));
    assert_eq!(
        db.failed_logins("address:192.0.2.7", at(1)).unwrap(),
        (2, Some(at(5)))
    );
    assert_eq!(db.failed_logins("user:carla", at(0)).unwrap(), (0, None));
    // One audit entry per failed login, not per subject.
    assert_eq!(audit_events(&db), vec!["login_failed"; 4]);
    // Purged: older than `before`; `before` itself stays.
    assert_eq!(db.purge_failed_logins(at(5)).unwrap(), 2);
    assert_eq!(
        db.failed_logins("user:anna", at(0)).unwrap(),
        (2, Some(at(5)))
    );
    assert_eq!(db.purge_failed_logins(at(5)).unwrap(), 0);
    assert_eq!(db.purge_failed_logins(at(60)).unwrap(), 5);
    assert_eq!(
        db.failed_logins("address:192.0.2.7", at(0)).unwrap(),
        (0, None)
    );
}

// -------------------------------------------------------------------------------- audit log

pub(crate) fn audit_entries_list_newest_first(t: &TestDatabase) {
    let db = t.open();
    let mut written = Vec::new();
    for i in 0..7 {
        let mut e = entry(
            if i % 2 == 0 {
                "login_failed"
            } else {
                "refused_forbidden"
            },
            Some(format!("username:user{}", i % 3)),
        );
        e.actor = (i % 2 == 1).then(|| "user:u000000000000000001".to_owned());
        if i == 6 {
            e.address = None;
            e.request_id = None;
            e.detail = None;
        }
        db.record_audit(&e).unwrap();
        written.push(e);
    }
    let all = db.list_audit(&AuditFilter::default(), &page(100)).unwrap();
    let entries: Vec<AuditEntry> = all.iter().map(|r| r.entry.clone()).collect();
    let mut newest_first = written.clone();
    newest_first.reverse();
    assert_eq!(
        entries, newest_first,
        "every field as written, newest first"
    );
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq));
    // Pages: below the cursor.
    let first = db.list_audit(&AuditFilter::default(), &page(3)).unwrap();
    assert_eq!(first, all[..3]);
    let second = db
        .list_audit(
            &AuditFilter::default(),
            &PageQuery {
                after: Some(first[2].seq),
                limit: 3,
            },
        )
        .unwrap();
    assert_eq!(second, all[3..6]);
    // Exact filters, alone and together, with the cursor.
    let seqs = |filter: &AuditFilter, after: Option<i64>| -> Vec<i64> {
        db.list_audit(filter, &PageQuery { after, limit: 100 })
            .unwrap()
            .into_iter()
            .map(|r| r.seq)
            .collect()
    };
    let pick = |keep: &dyn Fn(&AuditEntry) -> bool| -> Vec<i64> {
        all.iter()
            .filter(|r| keep(&r.entry))
            .map(|r| r.seq)
            .collect()
    };
    let by_event = AuditFilter {
        event: Some("login_failed".into()),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(&by_event, None), pick(&|e| e.event == "login_failed"));
    assert_eq!(seqs(&by_event, None).len(), 4);
    let by_actor = AuditFilter {
        actor: Some("user:u000000000000000001".into()),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(&by_actor, None).len(), 3);
    let by_subject = AuditFilter {
        subject: Some("username:user0".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        seqs(&by_subject, None),
        pick(&|e| e.subject.as_deref() == Some("username:user0"))
    );
    let both = AuditFilter {
        event: Some("login_failed".into()),
        subject: Some("username:user0".into()),
        actor: None,
    };
    let expected =
        pick(&|e| e.event == "login_failed" && e.subject.as_deref() == Some("username:user0"));
    assert_eq!(seqs(&both, None), expected);
    assert_eq!(seqs(&both, Some(expected[0])), expected[1..]);
    assert!(
        seqs(
            &AuditFilter {
                event: Some("login".into()),
                ..AuditFilter::default()
            },
            None
        )
        .is_empty(),
        "exact, not a prefix"
    );
    // Append-only, like the ledger: no entry is changed or removed.
    assert!(db.execute_raw("UPDATE audit_log SET event = 'x'").is_err());
    assert!(db.execute_raw("DELETE FROM audit_log").is_err());
    assert_eq!(
        db.list_audit(&AuditFilter::default(), &page(100)).unwrap(),
        all
    );
}

// ----------------------------------------------------------------------------------- api keys

pub(crate) fn api_keys_round_trip(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let new = new_key("00112233aabbccdd", "admin");
    let first = db
        .insert_first_api_key(&new, &entry("apikey_created", Some("bootstrap".into())))
        .unwrap()
        .unwrap();
    assert_eq!(first.role, "admin");
    assert_eq!(first.permissions, seeded_permissions("admin"));
    let second = NewApiKey {
        key_id: "1111111111111111".into(),
        ..new.clone()
    };
    assert!(
        db.insert_first_api_key(&second, &entry("apikey_created", None))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        audit_events(&db),
        vec!["apikey_created"],
        "only the key made"
    );
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
        &entry("apikey_created", None),
        None,
    )
    .unwrap();
    let revoked = db
        .revoke_api_key(first.id, now(), &entry("apikey_revoked", None), None)
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.last_used_at, Some(at));
    assert_eq!(revoked.permissions, first.permissions);
    // Revoked again: returned unchanged, and nothing to record.
    let again = db
        .revoke_api_key(first.id, now(), &entry("apikey_revoked", None), None)
        .unwrap();
    assert_eq!(again, revoked);
    assert_eq!(
        audit_events(&db),
        vec!["apikey_revoked", "apikey_created", "apikey_created"]
    );
    assert!(
        db.insert_api_key(&new, &entry("apikey_created", None), None)
            .is_err(),
        "key ids are unique"
    );
    assert_not_found(db.revoke_api_key(99, now(), &entry("apikey_revoked", None), None));
    assert_eq!(db.list_api_keys().unwrap().len(), 2);
    assert_eq!(audit_events(&db).len(), 3, "refusals leave no entry");
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
    db.insert_api_key(&third, &entry("apikey_created", None), Some(claim.clone()))
        .unwrap();
    let Claim::Existing(record) = db.claim(&claim, "fp", now()).unwrap() else {
        panic!("the claim exists")
    };
    assert_eq!(record.state, IdempotencyState::Applied);
    assert_eq!(db.list_api_keys().unwrap().len(), 3);
}

pub(crate) fn api_keys_carry_their_roles_permissions(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let reader = db
        .insert_api_key(
            &new_key("e000000000000001", "read"),
            &entry("apikey_created", None),
            None,
        )
        .unwrap();
    assert_eq!(reader.permissions, seeded_permissions("read"));
    db.create_role(
        &role("LABELLER", &[Permission::LabelsPrint]),
        &entry("role_created", None),
        None,
    )
    .unwrap();
    let labeller = db
        .insert_api_key(
            &new_key("e000000000000002", "LABELLER"),
            &entry("apikey_created", None),
            None,
        )
        .unwrap();
    assert_eq!(labeller.role, "LABELLER");
    assert_eq!(
        labeller.permissions,
        Permissions::of(&[Permission::LabelsPrint])
    );
    // A role that does not exist: refused, nothing stored.
    assert_refused(
        db.insert_api_key(
            &new_key("e000000000000003", "NOBODY"),
            &entry("apikey_created", None),
            None,
        ),
        "reference_missing",
    );
    assert!(db.find_api_key("e000000000000003").unwrap().is_none());
    // The role's permissions are read with the key: a change applies at once.
    db.update_role(
        "LABELLER",
        Expected::Version(1),
        &RolePatch {
            permissions: Some(Permissions::of(&[
                Permission::LabelsPrint,
                Permission::InventoryView,
            ])),
            ..RolePatch::default()
        },
        now(),
        &entry("role_updated", None),
        None,
    )
    .unwrap();
    let (found, _) = db.find_api_key("e000000000000002").unwrap().unwrap();
    assert_eq!(
        found.permissions,
        Permissions::of(&[Permission::LabelsPrint, Permission::InventoryView])
    );
    let listed = db.list_api_keys().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].permissions, seeded_permissions("read"));
    assert_eq!(listed[1], found);
}

pub(crate) fn admin_key(db: &Database, key_id: &str, expires_at: Option<DateTime<Utc>>) -> ApiKey {
    db.insert_api_key(
        &NewApiKey {
            expires_at,
            ..new_key(key_id, ADMIN_KEY_ROLE)
        },
        &entry("apikey_created", None),
        None,
    )
    .unwrap()
}

pub(crate) fn active_admin_keys(db: &Database, at: DateTime<Utc>) -> Vec<i64> {
    db.list_api_keys()
        .unwrap()
        .into_iter()
        .filter(|k| k.role == ADMIN_KEY_ROLE && k.revoked_at.is_none())
        .filter(|k| k.expires_at.is_none_or(|e| e > at))
        .map(|k| k.id)
        .collect()
}

pub(crate) fn assert_last_admin_key(result: Result<ApiKey, AppError>) {
    assert_refused(result, "last_admin_key");
}

fn revoke(db: &Database, id: i64) -> Result<ApiKey, AppError> {
    db.revoke_api_key(id, now(), &entry("apikey_revoked", None), None)
}

pub(crate) fn last_admin_key_is_never_revoked(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let only = admin_key(&db, "a000000000000001", None);
    let reader = db
        .insert_api_key(
            &new_key("a000000000000002", "read"),
            &entry("apikey_created", None),
            None,
        )
        .unwrap();
    // A role that holds everything is no admin key's role: only `admin` is protected.
    let super_key = db
        .insert_api_key(
            &new_key("a000000000000005", "SUPER_ADMIN"),
            &entry("apikey_created", None),
            None,
        )
        .unwrap();
    // Refused, and nothing changed; not even the idempotency claim is marked applied.
    let claim = IdempotencyKeyRef {
        owner: "apikey:1".into(),
        key: "revoke-last".into(),
    };
    assert_eq!(db.claim(&claim, "fp", now()).unwrap(), Claim::Claimed);
    let entries = audit_events(&db).len();
    assert_last_admin_key(db.revoke_api_key(
        only.id,
        now(),
        &entry("apikey_revoked", None),
        Some(claim.clone()),
    ));
    assert_eq!(audit_events(&db).len(), entries, "no entry for a refusal");
    let (stored, _) = db.find_api_key("a000000000000001").unwrap().unwrap();
    assert_eq!(stored.revoked_at, None);
    let Claim::Existing(record) = db.claim(&claim, "fp", now()).unwrap() else {
        panic!("the claim exists")
    };
    assert_eq!(record.state, IdempotencyState::Pending);
    // Other roles go freely.
    assert!(revoke(&db, reader.id).is_ok());
    assert!(revoke(&db, super_key.id).is_ok());
    // An expired admin key is no admin: it neither keeps the last one revocable nor is
    // protected itself.
    let expired = admin_key(&db, "a000000000000003", Some(now()));
    assert_last_admin_key(revoke(&db, only.id));
    assert!(revoke(&db, expired.id).is_ok());
    // A revoked one is returned unchanged, as before.
    let again = revoke(&db, reader.id).unwrap();
    assert!(again.revoked_at.is_some());
    // Once another admin key is active, the first may go, then that one is the last.
    let later = admin_key(
        &db,
        "a000000000000004",
        Some(now() + chrono::Duration::days(30)),
    );
    assert!(revoke(&db, only.id).is_ok());
    assert_last_admin_key(revoke(&db, later.id));
    assert_eq!(active_admin_keys(&db, now()), vec![later.id]);
}

/// Two admins revoke the last two admin keys at the same moment: one of them must lose, on
/// every round. On PostgreSQL (READ COMMITTED) a count of the active keys without locking them
/// lets both see the other's key still active.
pub(crate) fn last_admin_key_holds_under_concurrent_revocations(t: &TestDatabase) {
    let db = Arc::new(t.open());
    seed(&db);
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
                        revoke(&db, id)
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

/// The access migration turns a key's scope into its role of the same name: keys made before
/// it work after it with the seeded role's permissions, and its down.sql gives them back their
/// scope.
pub(crate) fn api_keys_keep_their_scope_as_role_across_the_access_migration(t: &TestDatabase) {
    let db = t.open();
    // The access migration and every later one.
    let reverted = db.revert_migrations_after("20261206200000").unwrap();
    assert!(reverted >= 1);
    db.execute_raw(
        "INSERT INTO api_keys (id, key_id, secret_hash, name, scope, created_at) VALUES \
         (1, 'f000000000000001', 'hash', 'old admin', 'admin', '2026-12-01 10:00:00'), \
         (2, 'f000000000000002', 'hash', 'old reader', 'read', '2026-12-01 10:00:00')",
    )
    .unwrap();
    assert_eq!(db.run_migrations().unwrap().len(), reverted);
    // Before the roles are seeded (the service seeds them at start), a key reads with none.
    let (admin, _) = db.find_api_key("f000000000000001").unwrap().unwrap();
    assert_eq!(admin.role, "admin");
    assert_eq!(admin.permissions, Permissions::NONE);
    seed(&db);
    let (admin, _) = db.find_api_key("f000000000000001").unwrap().unwrap();
    assert_eq!(admin.permissions, seeded_permissions("admin"));
    let (reader, _) = db.find_api_key("f000000000000002").unwrap().unwrap();
    assert_eq!(reader.role, "read");
    assert_eq!(reader.permissions, seeded_permissions("read"));
    // The rule of the last admin key reads the role.
    assert_last_admin_key(revoke(&db, admin.id));
    assert_eq!(
        db.revert_migrations_after("20261206200000").unwrap(),
        reverted
    );
    db.execute_raw("UPDATE api_keys SET scope = scope WHERE scope IN ('admin', 'read')")
        .unwrap();
    assert_eq!(db.run_migrations().unwrap().len(), reverted);
    assert_eq!(db.list_api_keys().unwrap().len(), 2);
}
