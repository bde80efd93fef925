//! Devices: challenges spent once, registrations, the admins' changes, roles in use, and one
//! nonce registering one device under concurrency.

use super::*;
use eckwms_domain::access::Permission;
use eckwms_domain::devices::DevicePublicKey;

/// Two Ed25519 public keys (RFC 8032's first two), as devices send them.
const KEY_A: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const KEY_B: &str = "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=";

fn device_id(text: &str) -> DeviceId {
    DeviceId::parse(text).unwrap()
}

/// A challenge valid for five minutes.
fn challenge(db: &Database, nonce: &str) {
    db.create_challenge(nonce, now() + chrono::Duration::minutes(5))
        .unwrap();
}

/// The record of a registration of `id` with `key` after `existing`.
fn registered(existing: Option<&Device>, id: &str, key: &str) -> Device {
    Device::registered(
        existing,
        device_id(id),
        name("Scanner"),
        DevicePublicKey::parse(key).unwrap(),
        now(),
    )
}

fn register(
    db: &Database,
    nonce: &str,
    existing: Option<&Device>,
    device: Device,
) -> Result<Device, AppError> {
    db.register_device(
        &DeviceRegistration {
            nonce: nonce.into(),
            expected_version: existing.map(|d| d.version),
            device,
        },
        now(),
        &entry("device_registered", None),
    )
}

fn patch(
    db: &Database,
    id: &str,
    expected: Expected,
    patch: DevicePatch,
) -> Result<Device, AppError> {
    db.update_device(
        &device_id(id),
        expected,
        &patch,
        now(),
        &entry("device_changed", None),
        None,
    )
}

pub(crate) fn devices_register_change_and_go(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    assert_eq!(db.find_device(&device_id("PDA-7")).unwrap(), None);

    // A nonce registers once; an unknown or expired one never.
    challenge(&db, "nonce-1");
    let first = register(&db, "nonce-1", None, registered(None, "PDA-7", KEY_A)).unwrap();
    assert_eq!(first.status, DeviceStatus::Pending);
    assert_eq!(first.version, 1);
    assert_eq!(db.find_device(&first.id).unwrap().as_ref(), Some(&first));
    assert_refused(
        register(
            &db,
            "nonce-1",
            Some(&first),
            registered(Some(&first), "PDA-7", KEY_A),
        ),
        "challenge_invalid",
    );
    assert_refused(
        register(&db, "never-issued", None, registered(None, "PDA-8", KEY_A)),
        "challenge_invalid",
    );
    db.create_challenge("nonce-old", now() - chrono::Duration::seconds(1))
        .unwrap();
    assert_refused(
        register(&db, "nonce-old", None, registered(None, "PDA-8", KEY_A)),
        "challenge_invalid",
    );
    assert_eq!(db.find_device(&device_id("PDA-8")).unwrap(), None);

    // A registration checked against a device that changed meanwhile is refused, and its
    // nonce stays unspent (the transaction rolled back).
    challenge(&db, "nonce-2");
    assert_refused(
        register(&db, "nonce-2", None, registered(None, "PDA-7", KEY_B)),
        "device_changed",
    );
    let mut stale = first.clone();
    stale.version = 7;
    assert_refused(
        register(
            &db,
            "nonce-2",
            Some(&stale),
            registered(Some(&first), "PDA-7", KEY_B),
        ),
        "device_changed",
    );
    // The key changes (the application checked the old key's signature).
    let renewed = register(
        &db,
        "nonce-2",
        Some(&first),
        registered(Some(&first), "PDA-7", KEY_B),
    )
    .unwrap();
    assert_eq!(renewed.public_key.as_str(), KEY_B);
    assert_eq!(renewed.version, 2);

    // An admin activates it with a role: If-Match holds; a change of nothing writes nothing.
    let activate = DevicePatch {
        status: Some(DeviceStatus::Active),
        role: Some(Some("PICKER".into())),
        ..DevicePatch::default()
    };
    assert_stale(
        patch(&db, "PDA-7", Expected::Version(1), activate.clone()),
        2,
    );
    let active = patch(&db, "PDA-7", Expected::Version(2), activate.clone()).unwrap();
    assert_eq!(
        (active.status, active.role.as_deref(), active.version),
        (DeviceStatus::Active, Some("PICKER"), 3)
    );
    let events = audit_events(&db).len();
    let same = patch(&db, "PDA-7", Expected::Any, activate).unwrap();
    assert_eq!(same, active);
    assert_eq!(
        audit_events(&db).len(),
        events,
        "nothing changed, nothing audited"
    );
    assert_refused(
        patch(
            &db,
            "PDA-7",
            Expected::Any,
            DevicePatch {
                role: Some(Some("NO_SUCH_ROLE".into())),
                ..DevicePatch::default()
            },
        ),
        "reference_missing",
    );
    // Re-registering with its key keeps what the admin decided.
    challenge(&db, "nonce-3");
    let again = register(
        &db,
        "nonce-3",
        Some(&active),
        registered(Some(&active), "PDA-7", KEY_B),
    )
    .unwrap();
    assert_eq!(again, active);

    // The role is in use while the device has it.
    db.create_role(
        &role("GOODS_IN", &[Permission::ScanExecute]),
        &entry("role_created", None),
        None,
    )
    .unwrap();
    patch(
        &db,
        "PDA-7",
        Expected::Any,
        DevicePatch {
            role: Some(Some("GOODS_IN".into())),
            ..DevicePatch::default()
        },
    )
    .unwrap();
    assert_refused(
        db.delete_role(
            "GOODS_IN",
            Expected::Any,
            &entry("role_deleted", None),
            None,
        ),
        "role_in_use",
    );

    // Listing: by id, by status, in pages.
    for (n, nonce) in ["nonce-a", "nonce-b", "nonce-c"].into_iter().enumerate() {
        challenge(&db, nonce);
        register(&db, nonce, None, registered(None, &format!("A-{n}"), KEY_A)).unwrap();
    }
    let ids = |filter: DeviceFilter, after: Option<&str>, limit: u32| -> Vec<String> {
        db.list_devices(
            &filter,
            &PageQuery {
                after: after.map(device_id),
                limit,
            },
        )
        .unwrap()
        .into_iter()
        .map(|d| d.id.as_str().to_owned())
        .collect()
    };
    assert_eq!(
        ids(DeviceFilter::default(), None, 10),
        ["A-0", "A-1", "A-2", "PDA-7"]
    );
    assert_eq!(ids(DeviceFilter::default(), Some("A-1"), 1), ["A-2"]);
    let active_only = DeviceFilter {
        status: Some(DeviceStatus::Active),
    };
    assert_eq!(ids(active_only.clone(), None, 10), ["PDA-7"]);
    assert_eq!(
        ids(
            DeviceFilter {
                status: Some(DeviceStatus::Pending)
            },
            None,
            10
        ),
        ["A-0", "A-1", "A-2"]
    );

    // Removed, it may register anew (with any key), pending again; the role is free.
    assert_stale(
        db.delete_device(
            &device_id("PDA-7"),
            Expected::Version(1),
            &entry("device_deleted", None),
            None,
        ),
        4,
    );
    db.delete_device(
        &device_id("PDA-7"),
        Expected::Any,
        &entry("device_deleted", None),
        None,
    )
    .unwrap();
    assert!(matches!(
        db.delete_device(
            &device_id("PDA-7"),
            Expected::Any,
            &entry("device_deleted", None),
            None
        ),
        Err(AppError::NotFound { .. })
    ));
    db.delete_role(
        "GOODS_IN",
        Expected::Any,
        &entry("role_deleted", None),
        None,
    )
    .unwrap();
    challenge(&db, "nonce-4");
    let anew = register(&db, "nonce-4", None, registered(None, "PDA-7", KEY_A)).unwrap();
    assert_eq!(
        (anew.status, anew.role, anew.version),
        (DeviceStatus::Pending, None, 1)
    );

    // Expired challenges are purged; live ones stay.
    challenge(&db, "nonce-live");
    assert_eq!(db.purge_challenges(now()).unwrap(), 1, "nonce-old");
    challenge(&db, "nonce-5");
    register(&db, "nonce-5", None, registered(None, "B-1", KEY_A)).unwrap();
    let audited = db
        .list_audit(
            &AuditFilter {
                event: Some("device_registered".into()),
                ..AuditFilter::default()
            },
            &page(100),
        )
        .unwrap();
    assert_eq!(audited.len(), 8, "one entry per stored registration");
}

/// Registrations racing with one nonce: exactly one is stored, the others are refused with
/// `challenge_invalid`; also when they name the same device.
pub(crate) fn a_nonce_registers_one_device_under_concurrency(t: &TestDatabase) {
    let db = Arc::new(t.open());
    seed(&db);
    for round in 0..6 {
        let nonce = format!("nonce-{round}");
        challenge(&db, &nonce);
        let racers = 4;
        let barrier = Arc::new(std::sync::Barrier::new(racers));
        let results: Vec<Result<Device, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..racers)
                .map(|n| {
                    let (db, barrier, nonce) =
                        (Arc::clone(&db), Arc::clone(&barrier), nonce.clone());
                    // Even rounds: four devices; odd rounds: one device four times.
                    let id = if round % 2 == 0 {
                        format!("R{round}-{n}")
                    } else {
                        format!("R{round}")
                    };
                    s.spawn(move || {
                        barrier.wait();
                        register(&db, &nonce, None, registered(None, &id, KEY_A))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let stored: Vec<&Device> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(stored.len(), 1, "round {round}: {results:?}");
        for refused in results.iter().filter(|r| r.is_err()) {
            assert!(
                matches!(refused, Err(AppError::Refused { code, .. }) if *code == "challenge_invalid"),
                "round {round}: {refused:?}"
            );
        }
    }
    let all = db
        .list_devices(&DeviceFilter::default(), &page(100))
        .unwrap();
    assert_eq!(all.len(), 6);
}

/// What a signed request reads (the device and its role's permissions) and writes (the time it
/// was seen, its signature once).
pub(crate) fn signed_requests_read_their_signer_and_record_signatures_once(t: &TestDatabase) {
    let db = Arc::new(t.open());
    seed(&db);
    assert_eq!(db.find_signer(&device_id("PDA-7")).unwrap(), None);
    challenge(&db, "nonce-1");
    register(&db, "nonce-1", None, registered(None, "PDA-7", KEY_A)).unwrap();
    let signer = db.find_signer(&device_id("PDA-7")).unwrap().unwrap();
    assert_eq!(signer.role_permissions, None);
    assert_eq!(signer.device.last_seen_at, None);
    patch(
        &db,
        "PDA-7",
        Expected::Any,
        DevicePatch {
            status: Some(DeviceStatus::Active),
            role: Some(Some("PICKER".into())),
            ..DevicePatch::default()
        },
    )
    .unwrap();
    let seen = now();
    db.touch_device(&device_id("PDA-7"), seen).unwrap();
    let signer = db.find_signer(&device_id("PDA-7")).unwrap().unwrap();
    assert_eq!(signer.device.status, DeviceStatus::Active);
    assert_eq!(signer.device.last_seen_at, Some(seen));
    assert_eq!(
        signer.device.version, 2,
        "being seen is no change of the record"
    );
    assert_eq!(
        signer.role_permissions,
        Some(
            eckwms_domain::access::role::seeded("PICKER")
                .unwrap()
                .permissions()
        )
    );

    // One signature, sent by eight at once: recorded once.
    let expires = now() + chrono::Duration::seconds(300);
    for round in 0..5 {
        let hash = format!("{round:064}");
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let recorded: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (db, barrier, hash) = (Arc::clone(&db), Arc::clone(&barrier), hash.clone());
                    s.spawn(move || {
                        barrier.wait();
                        db.record_signature(&hash, expires).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(recorded.iter().filter(|r| **r).count(), 1, "round {round}");
        assert!(!db.record_signature(&hash, expires).unwrap());
    }
    db.record_signature("old", now() - chrono::Duration::seconds(1))
        .unwrap();
    assert_eq!(db.purge_signatures(now()).unwrap(), 1);
    assert_eq!(db.purge_signatures(expires).unwrap(), 5);
}

fn operator(device: &str, user: &User, at: chrono::DateTime<Utc>) -> NewOperator {
    NewOperator {
        device: device_id(device),
        user: user.id,
        user_version: user.version,
        at,
    }
}

fn operator_of(db: &Database, device: &str) -> Option<Operator> {
    db.find_signer(&device_id(device))
        .unwrap()
        .unwrap()
        .operator
}

/// One operator per scanner, read with every signed request; ended by a logout, by idling,
/// by the scanner's removal, and by a deactivation, a new password or a new PIN of the user;
/// a login whose PIN check began before a change of its user does not outlive it.
pub(crate) fn operators_log_in_once_per_scanner_and_end_with_their_user(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    for (n, id) in ["PDA-7", "PDA-8"].into_iter().enumerate() {
        let nonce = format!("nonce-{n}");
        challenge(&db, &nonce);
        register(&db, &nonce, None, registered(None, id, KEY_A)).unwrap();
    }
    let anna = user(&db, "anna", "TECHNICIAN");
    let bea = user(&db, "bea", "PICKER");
    let failures = vec!["user:anna".to_owned()];
    db.record_failed_login(&failures, now(), &entry("operator_login_failed", None))
        .unwrap();

    // Anna logs in on PDA-7: the scanner reads her with her role's permissions; her failed
    // logins are forgotten; her last login is now.
    let at = now();
    db.start_operator(
        &operator("PDA-7", &anna, at),
        "user:anna",
        &entry("operator_login_succeeded", None),
    )
    .unwrap();
    let on = operator_of(&db, "PDA-7").unwrap();
    assert_eq!(on.user.id, anna.id);
    assert_eq!((on.started_at, on.last_seen_at), (at, at));
    assert_eq!(
        on.permissions,
        eckwms_domain::access::role::seeded("TECHNICIAN")
            .unwrap()
            .permissions()
    );
    assert_eq!(
        db.failed_logins("user:anna", at - chrono::Duration::hours(1))
            .unwrap()
            .0,
        0
    );
    assert_eq!(db.get_user(anna.id).unwrap().last_login_at, Some(at));
    assert_eq!(operator_of(&db, "PDA-8"), None);
    let seen = now();
    db.touch_operator(&device_id("PDA-7"), seen).unwrap();
    assert_eq!(operator_of(&db, "PDA-7").unwrap().last_seen_at, seen);

    // Bea takes the scanner over; she logs out; a second logout finds nobody.
    db.start_operator(
        &operator("PDA-7", &bea, now()),
        "user:bea",
        &entry("operator_login_succeeded", None),
    )
    .unwrap();
    assert_eq!(operator_of(&db, "PDA-7").unwrap().user.id, bea.id);
    assert!(
        db.end_operator(&device_id("PDA-7"), &entry("operator_logout", None))
            .unwrap()
    );
    assert!(
        !db.end_operator(&device_id("PDA-7"), &entry("operator_logout", None))
            .unwrap()
    );
    assert_eq!(operator_of(&db, "PDA-7"), None);

    // A login checked against an older version of its user (a PIN changed meanwhile) is
    // refused and changes nothing.
    let anna = db.get_user(anna.id).unwrap();
    let mut stale = operator("PDA-7", &anna, now());
    stale.user_version -= 1;
    assert_refused(
        db.start_operator(
            &stale,
            "user:anna",
            &entry("operator_login_succeeded", None),
        ),
        "invalid_credentials",
    );
    assert_eq!(operator_of(&db, "PDA-7"), None);

    // A new PIN, a new password, a deactivation: each ends her logins on every scanner.
    let new_pin = NewCredentials {
        password_hash: None,
        pin_hash: Some(Some("$argon2id$new-pin".into())),
    };
    let new_password = NewCredentials {
        password_hash: Some("$argon2id$new-password".into()),
        pin_hash: None,
    };
    for credentials in [new_pin, new_password] {
        let anna = db.get_user(anna.id).unwrap();
        for scanner in ["PDA-7", "PDA-8"] {
            db.start_operator(
                &operator(scanner, &anna, now()),
                "user:anna",
                &entry("operator_login_succeeded", None),
            )
            .unwrap();
        }
        db.set_credentials(
            anna.id,
            Expected::Any,
            &credentials,
            now(),
            &entry("user_secrets_reset", None),
            None,
        )
        .unwrap();
        assert_eq!(operator_of(&db, "PDA-7"), None);
        assert_eq!(operator_of(&db, "PDA-8"), None);
    }
    let anna = db.get_user(anna.id).unwrap();
    db.start_operator(
        &operator("PDA-8", &anna, now()),
        "user:anna",
        &entry("operator_login_succeeded", None),
    )
    .unwrap();
    db.update_user(
        anna.id,
        Expected::Any,
        &UserPatch {
            active: Some(false),
            ..UserPatch::default()
        },
        now(),
        &entry("user_deactivated", None),
        None,
    )
    .unwrap();
    assert_eq!(operator_of(&db, "PDA-8"), None);

    // Idle operators are purged; a removed scanner takes its operator with it.
    let bea = db.get_user(bea.id).unwrap();
    let early = now();
    db.start_operator(
        &operator("PDA-7", &bea, early),
        "user:bea",
        &entry("operator_login_succeeded", None),
    )
    .unwrap();
    let later = now();
    db.start_operator(
        &operator("PDA-8", &db.get_user(bea.id).unwrap(), later),
        "user:bea",
        &entry("operator_login_succeeded", None),
    )
    .unwrap();
    assert_eq!(db.purge_operators(later).unwrap(), 1);
    assert_eq!(operator_of(&db, "PDA-7"), None);
    assert!(operator_of(&db, "PDA-8").is_some());
    db.delete_device(
        &device_id("PDA-8"),
        Expected::Any,
        &entry("device_deleted", None),
        None,
    )
    .unwrap();
    assert_eq!(
        db.purge_operators(now()).unwrap(),
        0,
        "gone with its scanner"
    );
}

/// A badge is a label of a user: its caption is the user's display name, a user that does not
/// exist has none (and is left out), and its print is recorded like any reprint.
pub(crate) fn badges_name_their_users(t: &TestDatabase) {
    let db = t.open();
    seed(&db);
    let anna = user(&db, "anna", "PICKER");
    let nobody = ObjectId::parse("u000000000000000099").unwrap();
    let subjects = db.label_subjects(&[anna.id.object_id(), nobody]).unwrap();
    assert_eq!(
        subjects,
        vec![LabelSubject {
            id: anna.id.object_id(),
            caption: Some("anna Example".into()),
        }]
    );
    let print = db
        .record_reprint(
            IdKind::User,
            &[anna.id.object_id()],
            "json",
            "apikey:1",
            now(),
        )
        .unwrap();
    assert_eq!((print.kind, print.reprint), (IdKind::User, true));
    assert_eq!(print.objects, vec![anna.id.object_id()]);
}
