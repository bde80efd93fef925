//! The repository contract: every port of `eckwms-global-application` against a real
//! database, on SQLite always and on PostgreSQL when `ECKWMS_TEST_PG_URL` is set. Each test
//! makes its own databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, TimeZone, Utc};
use eckwms_device_protocol::signing::{SigningKey, public_key};
use eckwms_device_protocol::{DeviceId, DevicePublicKey, DeviceStatus};
use eckwms_global_adapter_db::Database;
use eckwms_global_adapter_db::testing::TestDatabase;
use eckwms_global_application::AppError;
use eckwms_global_application::ports::{CachedView, IdentityRepository, PublicViewRepository};
use eckwms_global_application::ports::{
    DeviceRegistration, DeviceRepository, HealthRepository, Heartbeat, InstanceRepository,
    NewEnrollment, NewPairingToken, NewRegistration, NewRelayScan, RelayRepository,
};
use eckwms_global_domain::device::Device;
use eckwms_global_domain::public::{GlobalIdentity, PublicView};
use eckwms_global_domain::relay::{ScanState, retention};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{InstanceId, InstanceName, InstanceStatus, Report, Tier};

const SERVER_KEY: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";

/// SQLite, and PostgreSQL when configured.
fn backends() -> Vec<TestDatabase> {
    let mut all = vec![TestDatabase::sqlite()];
    all.extend(TestDatabase::postgres());
    all
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn id(n: u32) -> InstanceId {
    InstanceId::parse(&format!("{:032x}", u128::from(n) + 1)).unwrap()
}

fn report(n: u32, ips: &[&str], port: i64) -> Report {
    let ips: Vec<String> = ips.iter().map(|s| (*s).to_owned()).collect();
    Report::new(&id(n).to_string(), SERVER_KEY, &ips, port).unwrap()
}

fn code(e: &AppError) -> &'static str {
    match e {
        AppError::Invalid(_) => "invalid",
        AppError::NotFound { .. } => "not_found",
        AppError::Refused { code, .. } => code.as_str(),
        AppError::Forbidden { .. } => "forbidden",
        AppError::Throttled { .. } => "rate_limited",
        AppError::PreconditionFailed { .. } => "precondition_failed",
        AppError::Unavailable(_) => "unavailable",
        AppError::Internal(_) => "internal",
    }
}

fn enroll(db: &Database, token: &str, tier: Tier, expires: DateTime<Utc>) {
    db.create_enrollment(&NewEnrollment {
        token_hash: SecretHash::of(token),
        name: InstanceName::parse(&format!("site {token}")).unwrap(),
        tier,
        created_at: t0(),
        expires_at: expires,
    })
    .unwrap();
}

fn registration(token: &str, n: u32, key: &str) -> NewRegistration {
    NewRegistration {
        token_hash: SecretHash::of(token),
        report: report(n, &["192.168.1.5", "10.0.0.5"], 3100),
        public_addr: Some("203.0.113.9".parse().unwrap()),
        key_hash: SecretHash::of(key),
        at: t0(),
    }
}

/// A registered instance `n` of `tier`.
fn registered(db: &Database, n: u32, tier: Tier) -> InstanceId {
    let token = format!("tok-{n}");
    enroll(db, &token, tier, t0() + Duration::hours(1));
    db.register(&registration(&token, n, &format!("key-{n}")))
        .unwrap()
        .id
}

#[test]
fn migrations_go_up_down_and_up_again() {
    for tdb in backends() {
        let db = tdb.open();
        db.ping().unwrap();
        assert_eq!(db.revert_all_migrations().unwrap(), 2);
        assert!(db.ping().is_err(), "{}", db.backend_name());
        assert_eq!(db.run_migrations().unwrap().len(), 2);
        db.ping().unwrap();
        registered(&db, 1, Tier::Free);
    }
}

#[test]
fn registration_spends_the_token_once() {
    for tdb in backends() {
        let db = tdb.open();
        enroll(&db, "t1", Tier::Paid, t0() + Duration::hours(1));
        let i = db.register(&registration("t1", 1, "k1")).unwrap();
        assert_eq!(i.id, id(1));
        assert_eq!(i.name.as_str(), "site t1");
        assert_eq!(i.tier, Tier::Paid);
        assert_eq!(i.status, InstanceStatus::Active);
        assert_eq!(i.local_ips.len(), 2);
        assert_eq!(i.public_addr.unwrap().to_string(), "203.0.113.9");
        assert_eq!(i.last_seen, t0());
        let stored = db.find(&id(1)).unwrap().unwrap();
        assert_eq!(stored.key_hash, SecretHash::of("k1"));
        assert_eq!(stored.instance, i);

        let e = db.register(&registration("t1", 2, "k2")).unwrap_err();
        assert_eq!(code(&e), "enrollment_token_used");
        assert!(db.find(&id(2)).unwrap().is_none());
        let e = db.register(&registration("nope", 2, "k2")).unwrap_err();
        assert_eq!(code(&e), "enrollment_token_invalid");
        enroll(&db, "old", Tier::Free, t0() - Duration::seconds(1));
        let e = db.register(&registration("old", 2, "k2")).unwrap_err();
        assert_eq!(code(&e), "enrollment_token_expired");
    }
}

#[test]
fn registering_an_existing_instance_leaves_the_token_unspent() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        enroll(&db, "t2", Tier::Free, t0() + Duration::hours(1));
        let e = db.register(&registration("t2", 1, "k")).unwrap_err();
        assert_eq!(code(&e), "instance_exists");
        // The refusal rolled back: the token still registers another instance.
        assert_eq!(db.register(&registration("t2", 2, "k")).unwrap().id, id(2));
    }
}

#[test]
fn concurrent_registrations_with_one_token_have_one_winner() {
    for tdb in backends() {
        let db = Arc::new(tdb.open());
        enroll(&db, "race", Tier::Free, t0() + Duration::hours(1));
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|n| {
                let (db, barrier) = (db.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    db.register(&registration("race", n as u32 + 10, "k"))
                })
            })
            .collect();
        let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(winners, 1, "{}: {outcomes:?}", db.backend_name());
        for o in outcomes.iter().filter_map(|o| o.as_ref().err()) {
            assert_eq!(code(o), "enrollment_token_used", "{o:?}");
        }
        assert_eq!(db.list().unwrap().len(), 1);
    }
}

#[test]
fn heartbeats_update_only_active_instances() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        let later = t0() + Duration::minutes(3);
        let beat = Heartbeat {
            report: report(1, &["192.168.7.7"], 3200),
            public_addr: Some("198.51.100.1".parse().unwrap()),
            at: later,
        };
        let i = db.heartbeat(&beat).unwrap();
        assert_eq!(
            i.local_ips,
            vec!["192.168.7.7".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(i.port, 3200);
        assert_eq!(i.last_seen, later);
        assert_eq!(i.registered_at, t0());
        assert_eq!(i.public_addr.unwrap().to_string(), "198.51.100.1");

        let disabled = db.set_status(&id(1), InstanceStatus::Disabled).unwrap();
        assert_eq!(disabled.status, InstanceStatus::Disabled);
        let e = db.heartbeat(&beat).unwrap_err();
        assert_eq!(code(&e), "instance_disabled");
        let unknown = Heartbeat {
            report: report(9, &[], 1),
            ..beat
        };
        assert_eq!(code(&db.heartbeat(&unknown).unwrap_err()), "not_found");
        assert_eq!(
            code(&db.set_status(&id(9), InstanceStatus::Active).unwrap_err()),
            "not_found"
        );
    }
}

#[test]
fn keys_rotate_and_lists_are_by_name() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 2, Tier::Free);
        registered(&db, 1, Tier::Paid);
        db.set_key(&id(1), &SecretHash::of("new")).unwrap();
        assert_eq!(
            db.find(&id(1)).unwrap().unwrap().key_hash,
            SecretHash::of("new")
        );
        assert_eq!(
            code(&db.set_key(&id(7), &SecretHash::of("x")).unwrap_err()),
            "not_found"
        );
        let names: Vec<String> = db
            .list()
            .unwrap()
            .iter()
            .map(|i| i.name.as_str().to_owned())
            .collect();
        assert_eq!(names, ["site tok-1", "site tok-2"]);
    }
}

#[test]
fn pairing_tokens_expire_and_tokens_are_purged() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        db.create_pairing_token(&NewPairingToken {
            token_hash: SecretHash::of("p"),
            instance_id: id(1),
            created_at: t0(),
            expires_at: t0() + Duration::minutes(10),
        })
        .unwrap();
        let hash = SecretHash::of("p");
        assert_eq!(db.pairing_token_instance(&hash, t0()).unwrap(), Some(id(1)));
        let late = t0() + Duration::minutes(10);
        assert_eq!(db.pairing_token_instance(&hash, late).unwrap(), None);
        assert_eq!(
            db.pairing_token_instance(&SecretHash::of("q"), t0())
                .unwrap(),
            None
        );
        // The enrollment token (expires t0 + 1h) and the pairing token.
        assert_eq!(
            db.purge_expired_tokens(t0() + Duration::hours(2)).unwrap(),
            2
        );
    }
}

fn device_key(seed: u8) -> DevicePublicKey {
    public_key(&SigningKey::from_bytes(&[seed; 32]))
}

fn device(name: &str, of: u32, seed: u8, at: DateTime<Utc>) -> Device {
    Device {
        id: DeviceId::parse(name).unwrap(),
        instance_id: id(of),
        name: "PDA".into(),
        public_key: device_key(seed),
        status: DeviceStatus::Pending,
        registered_at: t0(),
        updated_at: at,
    }
}

fn challenge(db: &Database, nonce: &str) {
    db.create_challenge(&SecretHash::of(nonce), t0() + Duration::minutes(5))
        .unwrap();
}

#[test]
fn device_registration_spends_its_nonce_and_swaps_keys_only_from_the_expected_one() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        challenge(&db, "n1");
        let reg = DeviceRegistration {
            nonce_hash: SecretHash::of("n1"),
            expected_key: None,
            device: device("pda-1", 1, 1, t0()),
        };
        let d = db.register_device(&reg).unwrap();
        assert_eq!(d.status, DeviceStatus::Pending);
        assert_eq!(db.find_device(&d.id).unwrap(), Some(d.clone()));
        // The nonce is spent.
        assert_eq!(
            code(&db.register_device(&reg).unwrap_err()),
            "challenge_invalid"
        );
        // A second "new" registration of a known device is refused.
        challenge(&db, "n2");
        let again = DeviceRegistration {
            nonce_hash: SecretHash::of("n2"),
            ..reg.clone()
        };
        assert_eq!(
            code(&db.register_device(&again).unwrap_err()),
            "device_changed"
        );
        // A key change from a key the device no longer has is refused.
        challenge(&db, "n3");
        let stale = DeviceRegistration {
            nonce_hash: SecretHash::of("n3"),
            expected_key: Some(device_key(9)),
            device: device("pda-1", 1, 2, t0()),
        };
        assert_eq!(
            code(&db.register_device(&stale).unwrap_err()),
            "device_changed"
        );
        challenge(&db, "n4");
        let swap = DeviceRegistration {
            nonce_hash: SecretHash::of("n4"),
            expected_key: Some(device_key(1)),
            device: device("pda-1", 1, 2, t0() + Duration::seconds(1)),
        };
        let swapped = db.register_device(&swap).unwrap();
        assert_eq!(swapped.public_key, device_key(2));
        assert_eq!(swapped.updated_at, t0() + Duration::seconds(1));
        // An expired nonce does not count.
        challenge(&db, "n5");
        let late = DeviceRegistration {
            nonce_hash: SecretHash::of("n5"),
            expected_key: None,
            device: device("pda-2", 1, 3, t0() + Duration::minutes(5)),
        };
        assert_eq!(
            code(&db.register_device(&late).unwrap_err()),
            "challenge_invalid"
        );
        // Left: n5 (expired), and n2 and n3, whose refused registrations rolled back.
        assert_eq!(db.purge_challenges(t0() + Duration::minutes(6)).unwrap(), 3);
    }
}

#[test]
fn operators_set_statuses_and_remove_devices() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        registered(&db, 2, Tier::Free);
        for (name, of, nonce) in [("a", 1, "n1"), ("b", 2, "n2")] {
            challenge(&db, nonce);
            db.register_device(&DeviceRegistration {
                nonce_hash: SecretHash::of(nonce),
                expected_key: None,
                device: device(name, of, 1, t0()),
            })
            .unwrap();
        }
        assert_eq!(db.list_devices(None).unwrap().len(), 2);
        let of_one = db.list_devices(Some(id(1))).unwrap();
        assert_eq!(of_one.len(), 1);
        assert_eq!(of_one[0].id.as_str(), "a");
        let a = DeviceId::parse("a").unwrap();
        let active = db
            .set_device_status(&a, DeviceStatus::Active, t0() + Duration::seconds(5))
            .unwrap();
        assert_eq!(active.status, DeviceStatus::Active);
        assert_eq!(active.updated_at, t0() + Duration::seconds(5));
        db.delete_device(&a).unwrap();
        assert_eq!(db.find_device(&a).unwrap(), None);
        assert_eq!(code(&db.delete_device(&a).unwrap_err()), "not_found");
        assert_eq!(
            code(
                &db.set_device_status(&a, DeviceStatus::Blocked, t0())
                    .unwrap_err()
            ),
            "not_found"
        );
    }
}

fn scan(of: u32, device: &str, msg: &str, at: DateTime<Utc>) -> NewRelayScan {
    NewRelayScan {
        instance_id: id(of),
        device_id: DeviceId::parse(device).unwrap(),
        msg_id: msg.into(),
        barcode: format!("code-{msg}"),
        received_at: at,
    }
}

#[test]
fn scans_are_stored_once_per_message_id() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        let (first, created) = db.add_scan(&scan(1, "d", "m1", t0())).unwrap();
        assert!(created);
        assert_eq!(first.state, ScanState::Buffered);
        let (again, created) = db.add_scan(&scan(1, "d", "m1", t0())).unwrap();
        assert!(!created);
        assert_eq!(again, first);
        let mut other = scan(1, "d", "m1", t0());
        other.barcode = "something else".into();
        assert_eq!(code(&db.add_scan(&other).unwrap_err()), "msg_id_reused");
        // Another device may use the same msg_id.
        assert!(db.add_scan(&scan(1, "e", "m1", t0())).unwrap().1);
    }
}

#[test]
fn pulls_lease_scans_and_expired_leases_return_them() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        registered(&db, 2, Tier::Free);
        for m in 0..5 {
            db.add_scan(&scan(1, "d", &format!("m{m}"), t0())).unwrap();
        }
        db.add_scan(&scan(2, "x", "m0", t0())).unwrap();
        let lease = t0() + Duration::seconds(60);
        let first = db.pull(&id(1), t0(), lease, 3).unwrap();
        assert_eq!(first.len(), 3);
        assert!(first.iter().all(|s| s.state == ScanState::Delivered
            && s.lease_until == Some(lease)
            && s.deliveries == 1));
        assert_eq!(db.open_scans(&id(1)).unwrap(), 5);
        let rest = db.pull(&id(1), t0(), lease, 10).unwrap();
        assert_eq!(rest.len(), 2, "leased scans are not handed out twice");
        assert!(db.pull(&id(1), t0(), lease, 10).unwrap().is_empty());

        // Confirm two of the first three; another instance cannot confirm ours.
        let ids: Vec<i64> = first.iter().map(|s| s.id).collect();
        assert!(db.confirm(&id(2), &ids, t0()).unwrap().is_empty());
        let confirmed = db.confirm(&id(1), &ids[..2], t0()).unwrap();
        assert_eq!(confirmed, ids[..2].to_vec());
        // Confirmed scans are no longer open; the other instance's are its own.
        assert_eq!(db.open_scans(&id(1)).unwrap(), 3);
        assert_eq!(db.open_scans(&id(2)).unwrap(), 1);
        // Ending the leases hands the delivered, unconfirmed ones out again at once, oldest
        // first, and leaves the other instance's alone.
        db.pull(&id(2), t0(), lease, 10).unwrap();
        assert_eq!(db.end_leases(&id(1), t0()).unwrap(), 3);
        let reclaimed = db.pull(&id(1), t0(), lease, 10).unwrap();
        let mut open: Vec<i64> = vec![ids[2]];
        open.extend(rest.iter().map(|s| s.id));
        assert_eq!(reclaimed.iter().map(|s| s.id).collect::<Vec<_>>(), open);
        assert!(db.pull(&id(2), t0(), lease, 10).unwrap().is_empty());
        // Confirming again reports them again and changes nothing.
        assert_eq!(
            db.confirm(&id(1), &ids[..2], t0()).unwrap(),
            ids[..2].to_vec()
        );

        // After the lease, the unconfirmed three come back (nothing stranded).
        let after = lease + Duration::seconds(1);
        let again = db
            .pull(&id(1), after, after + Duration::seconds(60), 10)
            .unwrap();
        let mut expected: Vec<i64> = vec![ids[2]];
        expected.extend(rest.iter().map(|s| s.id));
        assert_eq!(again.iter().map(|s| s.id).collect::<Vec<_>>(), expected);
        assert!(again.iter().all(|s| s.deliveries == 3));
        // Scans never pulled cannot be confirmed.
        let (fresh, _) = db.add_scan(&scan(1, "d", "m9", t0())).unwrap();
        assert!(db.confirm(&id(1), &[fresh.id], t0()).unwrap().is_empty());
        let states: Vec<ScanState> = db
            .list_scans(&id(1), 100)
            .unwrap()
            .iter()
            .map(|s| s.state)
            .collect();
        assert_eq!(
            states
                .iter()
                .filter(|s| **s == ScanState::Confirmed)
                .count(),
            2
        );
    }
}

#[test]
fn concurrent_pullers_never_get_the_same_scan() {
    for tdb in backends() {
        let db = Arc::new(tdb.open());
        registered(&db, 1, Tier::Free);
        let total = 300;
        for m in 0..total {
            db.add_scan(&scan(1, "d", &format!("m{m}"), t0())).unwrap();
        }
        let pullers = 4;
        let barrier = Arc::new(Barrier::new(pullers));
        let handles: Vec<_> = (0..pullers)
            .map(|_| {
                let (db, barrier) = (db.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut got = Vec::new();
                    loop {
                        let batch = db
                            .pull(&id(1), t0(), t0() + Duration::minutes(5), 7)
                            .unwrap();
                        if batch.is_empty() {
                            return got;
                        }
                        got.extend(batch.into_iter().map(|s| s.id));
                    }
                })
            })
            .collect();
        let mut seen = HashSet::new();
        let mut count = 0;
        for h in handles {
            for scan_id in h.join().unwrap() {
                count += 1;
                assert!(
                    seen.insert(scan_id),
                    "scan {scan_id} pulled twice on {}",
                    db.backend_name()
                );
            }
        }
        assert_eq!(count, total);
    }
}

#[test]
fn retention_deletes_for_the_free_tier_only() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        registered(&db, 2, Tier::Paid);
        for of in [1, 2] {
            // m-old: unconfirmed for 8 days; m-new: fresh; m-done: pulled and confirmed.
            db.add_scan(&scan(
                of,
                &format!("d{of}"),
                "old",
                t0() - Duration::days(8),
            ))
            .unwrap();
            db.add_scan(&scan(
                of,
                &format!("d{of}"),
                "new",
                t0() - Duration::days(6),
            ))
            .unwrap();
            db.add_scan(&scan(of, &format!("d{of}"), "done", t0()))
                .unwrap();
            let pulled = db
                .pull(&id(of), t0(), t0() + Duration::minutes(1), 500)
                .unwrap();
            let done: Vec<i64> = pulled
                .iter()
                .filter(|s| s.msg_id == "done")
                .map(|s| s.id)
                .collect();
            db.confirm(&id(of), &done, t0()).unwrap();
        }
        let cut = retention(Tier::Free, t0()).unwrap();
        assert_eq!(db.purge_free_tier(&cut).unwrap(), 2);
        let free: Vec<String> = db
            .list_scans(&id(1), 100)
            .unwrap()
            .into_iter()
            .map(|s| s.msg_id)
            .collect();
        assert_eq!(free, ["new"]);
        assert_eq!(db.list_scans(&id(2), 100).unwrap().len(), 3);
        assert_eq!(db.purge_free_tier(&cut).unwrap(), 0);
    }
}

#[test]
fn the_identity_is_stored_once() {
    for tdb in backends() {
        let db = tdb.open();
        let first = db
            .identity_or_insert(&GlobalIdentity::from_seed(&[1; 32]), t0())
            .unwrap();
        assert_eq!(first.seed(), [1; 32]);
        // A second start (or a second process) keeps the first identity.
        let again = db
            .identity_or_insert(&GlobalIdentity::from_seed(&[2; 32]), t0())
            .unwrap();
        assert_eq!(again.seed(), [1; 32], "{}", db.backend_name());
        // Concurrent first starts agree on one identity.
        let fresh = tdb_fresh(&tdb);
        let db = Arc::new(fresh.open());
        let barrier = Arc::new(Barrier::new(4));
        let seeds: HashSet<[u8; 32]> = (0..4u8)
            .map(|n| {
                let (db, barrier) = (db.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    db.identity_or_insert(&GlobalIdentity::from_seed(&[10 + n; 32]), t0())
                        .unwrap()
                        .seed()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        assert_eq!(seeds.len(), 1, "{}", db.backend_name());
    }
}

fn tdb_fresh(like: &TestDatabase) -> TestDatabase {
    if like.url().starts_with("sqlite") {
        TestDatabase::sqlite()
    } else {
        TestDatabase::postgres().unwrap()
    }
}

#[test]
fn public_views_are_stored_replaced_and_purged() {
    let view = PublicView::from_json(
        br#"{"kind":"item","number":"42","check":"48","fields":[{"name":"Model","value":"X <1>"}]}"#,
    )
    .unwrap();
    for tdb in backends() {
        let db = tdb.open();
        let a = registered(&db, 1, Tier::Free);
        let b = registered(&db, 2, Tier::Free);
        assert_eq!(db.find_view(&a, "i000000000000000042").unwrap(), None);
        let entry = CachedView {
            instance_id: a,
            object_id: "i000000000000000042".into(),
            view: Some(view.clone()),
            fetched_at: t0(),
        };
        db.store_view(&entry).unwrap();
        assert_eq!(
            db.find_view(&a, "i000000000000000042").unwrap(),
            Some(entry.clone())
        );
        // Another instance's object with the same id is another entry.
        assert_eq!(db.find_view(&b, "i000000000000000042").unwrap(), None);
        // Replaced by a negative answer (upsert), with its own time.
        let negative = CachedView {
            view: None,
            fetched_at: t0() + Duration::seconds(90),
            ..entry.clone()
        };
        db.store_view(&negative).unwrap();
        assert_eq!(
            db.find_view(&a, "i000000000000000042").unwrap(),
            Some(negative.clone())
        );
        db.store_view(&CachedView {
            instance_id: b,
            object_id: "b000000000000000001".into(),
            view: Some(view.clone()),
            fetched_at: t0(),
        })
        .unwrap();
        // Purge: strictly older than the cut.
        assert_eq!(db.purge_views(t0()).unwrap(), 0);
        assert_eq!(db.purge_views(t0() + Duration::seconds(1)).unwrap(), 1);
        assert_eq!(db.find_view(&b, "b000000000000000001").unwrap(), None);
        assert_eq!(
            db.find_view(&a, "i000000000000000042").unwrap(),
            Some(negative),
            "{}",
            db.backend_name()
        );
    }
}

#[test]
fn devices_follow_their_instances_publication() {
    for tdb in backends() {
        let db = tdb.open();
        registered(&db, 1, Tier::Free);
        registered(&db, 2, Tier::Free);
        // Registered here directly: "old" of instance 1 (active, by an operator), "theirs" of
        // instance 2.
        for (name, of, nonce) in [("old", 1, "n1"), ("theirs", 2, "n2")] {
            challenge(&db, nonce);
            db.register_device(&DeviceRegistration {
                nonce_hash: SecretHash::of(nonce),
                expected_key: None,
                device: device(name, of, 1, t0()),
            })
            .unwrap();
        }
        let old = DeviceId::parse("old").unwrap();
        db.set_device_status(&old, DeviceStatus::Active, t0())
            .unwrap();
        let at = t0() + Duration::seconds(60);
        let mut fresh = device("fresh", 1, 2, at);
        fresh.status = DeviceStatus::Active;
        let mut stolen = device("theirs", 1, 3, at);
        stolen.status = DeviceStatus::Active;
        let outcome = db
            .publish_devices(&id(1), &[fresh.clone(), stolen], at)
            .unwrap();
        assert_eq!(outcome.devices, 2);
        assert_eq!(outcome.changed, 1);
        assert_eq!(outcome.withdrawn, 1);
        assert_eq!(outcome.skipped, [DeviceId::parse("theirs").unwrap()]);
        let stored = db.find_device(&fresh.id).unwrap().unwrap();
        assert_eq!(stored.status, DeviceStatus::Active);
        assert_eq!(stored.instance_id, id(1));
        assert_eq!(stored.public_key, device_key(2));
        // The instance does not know "old": it waits again.
        let withdrawn = db.find_device(&old).unwrap().unwrap();
        assert_eq!(withdrawn.status, DeviceStatus::Pending);
        assert_eq!(withdrawn.updated_at, at);
        // Another instance's device is left as it was.
        let theirs = db
            .find_device(&DeviceId::parse("theirs").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(theirs.instance_id, id(2));
        assert_eq!(theirs.public_key, device_key(1));
        // Blocked at the instance: blocked here; the same publication again changes nothing.
        let later = at + Duration::seconds(60);
        fresh.status = DeviceStatus::Blocked;
        let outcome = db.publish_devices(&id(1), &[fresh.clone()], later).unwrap();
        assert_eq!((outcome.changed, outcome.withdrawn), (1, 0));
        let blocked = db.find_device(&fresh.id).unwrap().unwrap();
        assert_eq!(blocked.status, DeviceStatus::Blocked);
        assert_eq!(blocked.updated_at, later);
        let outcome = db
            .publish_devices(&id(1), &[fresh], later + Duration::seconds(60))
            .unwrap();
        assert_eq!((outcome.changed, outcome.withdrawn), (0, 0));
        // An empty publication withdraws everything of the instance.
        let outcome = db.publish_devices(&id(1), &[], later).unwrap();
        assert_eq!(outcome.withdrawn, 1);
        assert_eq!(db.list_devices(Some(id(2))).unwrap().len(), 1);
    }
}

#[test]
fn concurrent_publications_of_one_instance_both_succeed() {
    for tdb in backends() {
        let db = Arc::new(tdb.open());
        registered(&db, 1, Tier::Free);
        let barrier = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let devices: Vec<Device> = (0..20)
                        .map(|i| {
                            let mut d = device(&format!("pda-{i}"), 1, 2, t0());
                            d.status = DeviceStatus::Active;
                            d
                        })
                        .collect();
                    barrier.wait();
                    db.publish_devices(&id(1), &devices, t0()).unwrap()
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let stored = db.list_devices(Some(id(1))).unwrap();
        assert_eq!(stored.len(), 20);
        assert!(stored.iter().all(|d| d.status == DeviceStatus::Active));
    }
}
