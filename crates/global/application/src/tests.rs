//! Unit tests of the use cases against mocked ports.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use eckwms_device_protocol::signing::{
    SigningKey, public_key, request_headers, sign_key_change, sign_registration,
};
use eckwms_device_protocol::{DeviceId, DevicePublicKey, DeviceStatus, SignedHeaders};
use eckwms_global_domain::device::Device;
use eckwms_global_domain::discovery::CandidateKind;
use eckwms_global_domain::relay::{RelayedScan, ScanState};
use eckwms_global_domain::secret::{SecretHash, SecretKind, new_instance_key, new_token};
use eckwms_global_domain::{
    Instance, InstanceId, InstanceName, InstanceStatus, Report, ServerPublicKey, Tier,
};

use crate::ports::{
    MockClock, MockDeviceRepository, MockInstanceRepository, MockRelayRepository, MockSecretSource,
    StoredInstance,
};
use crate::*;

const SERVER_KEY: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn clock_at(at: DateTime<Utc>) -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(at);
    Arc::new(clock)
}

fn secrets(byte: u8) -> Arc<MockSecretSource> {
    let mut s = MockSecretSource::new();
    s.expect_random().returning(move || Ok([byte; 32]));
    Arc::new(s)
}

fn id(n: u8) -> InstanceId {
    InstanceId::parse(&format!("{:032x}", u128::from(n) + 1)).unwrap()
}

fn report(n: u8) -> Report {
    Report::new(
        &id(n).to_string(),
        SERVER_KEY,
        &["192.168.1.5".into()],
        3100,
    )
    .unwrap()
}

fn instance(n: u8) -> Instance {
    Instance {
        id: id(n),
        name: InstanceName::parse("Site").unwrap(),
        tier: Tier::Free,
        status: InstanceStatus::Active,
        server_public_key: ServerPublicKey::parse(SERVER_KEY).unwrap(),
        local_ips: vec!["192.168.1.5".parse().unwrap()],
        port: 3100,
        public_addr: None,
        registered_at: now(),
        last_seen: now(),
    }
}

fn stored(n: u8, key: &str) -> StoredInstance {
    StoredInstance {
        instance: instance(n),
        key_hash: SecretHash::of(key),
    }
}

fn instance_service(repo: MockInstanceRepository) -> InstanceService {
    InstanceService::new(
        Arc::new(repo),
        clock_at(now()),
        secrets(9),
        InstanceSettings::default(),
    )
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

#[test]
fn enrollment_stores_only_the_token_hash_and_its_expiry() {
    let mut repo = MockInstanceRepository::new();
    let expected = SecretHash::of(&new_token(SecretKind::Enrollment, &[9; 32]));
    repo.expect_create_enrollment()
        .withf(move |e| {
            e.token_hash == expected
                && e.name.as_str() == "Site A"
                && e.expires_at == now() + Duration::hours(24)
        })
        .times(1)
        .returning(|_| Ok(()));
    let issued = instance_service(repo).enroll("Site A", Tier::Free).unwrap();
    assert!(issued.secret.starts_with("ecke_"));
    assert_eq!(issued.expires_at, Some(now() + Duration::hours(24)));
}

#[test]
fn enrollment_refuses_a_blank_name_before_storing() {
    let repo = MockInstanceRepository::new();
    let e = instance_service(repo).enroll("  ", Tier::Free).unwrap_err();
    assert_eq!(code(&e), "invalid");
}

#[test]
fn registration_hashes_the_token_and_the_new_key() {
    let token = new_token(SecretKind::Enrollment, &[1; 32]);
    let key = new_instance_key(&id(1), &[9; 32]);
    let (token_hash, key_hash) = (SecretHash::of(&token), SecretHash::of(&key));
    let mut repo = MockInstanceRepository::new();
    repo.expect_register()
        .withf(move |r| r.token_hash == token_hash && r.key_hash == key_hash && r.at == now())
        .times(1)
        .returning(|_| Ok(instance(1)));
    let (registered, issued) = instance_service(repo)
        .register(&token, report(1), None)
        .unwrap();
    assert_eq!(registered.id, id(1));
    assert_eq!(issued.secret, key);
}

#[test]
fn registration_with_a_malformed_token_touches_nothing() {
    let repo = MockInstanceRepository::new();
    let e = instance_service(repo)
        .register("ecke_short", report(1), None)
        .unwrap_err();
    assert_eq!(code(&e), "enrollment_token_invalid");
}

#[test]
fn a_heartbeat_changes_only_the_keys_own_record() {
    let key = new_instance_key(&id(1), &[5; 32]);
    let mut repo = MockInstanceRepository::new();
    let k = key.clone();
    repo.expect_find()
        .returning(move |_| Ok(Some(stored(1, &k))));
    repo.expect_heartbeat().times(0);
    let e = instance_service(repo)
        .heartbeat(&key, report(2), None)
        .unwrap_err();
    assert_eq!(code(&e), "not_your_instance");

    let mut repo = MockInstanceRepository::new();
    let k = key.clone();
    repo.expect_find()
        .returning(move |_| Ok(Some(stored(1, &k))));
    repo.expect_heartbeat()
        .withf(|h| h.report.id() == id(1) && h.at == now())
        .times(1)
        .returning(|_| Ok(instance(1)));
    instance_service(repo)
        .heartbeat(&key, report(1), None)
        .unwrap();
}

#[test]
fn wrong_and_disabled_keys_are_refused() {
    let key = new_instance_key(&id(1), &[5; 32]);
    let other = new_instance_key(&id(1), &[6; 32]);
    let mut repo = MockInstanceRepository::new();
    let k = key.clone();
    repo.expect_find()
        .returning(move |_| Ok(Some(stored(1, &k))));
    let service = instance_service(repo);
    assert_eq!(
        code(&service.authenticate(&other).unwrap_err()),
        "invalid_instance_key"
    );
    assert_eq!(
        code(&service.authenticate("Bearer x").unwrap_err()),
        "invalid_instance_key"
    );
    assert_eq!(service.authenticate(&key).unwrap().id, id(1));

    let mut repo = MockInstanceRepository::new();
    let k = key.clone();
    repo.expect_find().returning(move |_| {
        let mut s = stored(1, &k);
        s.instance.status = InstanceStatus::Disabled;
        Ok(Some(s))
    });
    let e = instance_service(repo).authenticate(&key).unwrap_err();
    assert_eq!(code(&e), "instance_disabled");
}

#[test]
fn instances_not_seen_for_a_while_are_offline() {
    let mut repo = MockInstanceRepository::new();
    repo.expect_list().returning(|| {
        let mut old = instance(2);
        old.last_seen = now() - Duration::minutes(6);
        Ok(vec![instance(1), old])
    });
    let views = instance_service(repo).list().unwrap();
    assert!(views[0].online);
    assert!(!views[1].online);
}

#[test]
fn instances_are_counted_by_state_with_the_oldest_heartbeat() {
    let mut repo = MockInstanceRepository::new();
    repo.expect_list().returning(|| {
        let mut away = instance(2);
        away.last_seen = now() - Duration::minutes(6);
        let mut gone = instance(3);
        gone.last_seen = now() - Duration::days(30);
        gone.status = InstanceStatus::Disabled;
        Ok(vec![instance(1), away, gone])
    });
    let counts = instance_service(repo).counts().unwrap();
    assert_eq!(
        counts,
        metrics::InstanceCounts {
            online: 1,
            offline: 1,
            disabled: 1,
            // The disabled instance's month-old heartbeat does not count.
            oldest_heartbeat_age_secs: 360,
        }
    );
}

#[test]
fn rotation_stores_the_new_keys_hash() {
    let key = new_instance_key(&id(1), &[9; 32]);
    let hash = SecretHash::of(&key);
    let mut repo = MockInstanceRepository::new();
    repo.expect_set_key()
        .withf(move |i, h| *i == id(1) && *h == hash)
        .times(1)
        .returning(|_, _| Ok(instance(1)));
    let (_, issued) = instance_service(repo).rotate_key(&id(1)).unwrap();
    assert_eq!(issued.secret, key);
}

#[test]
fn the_admin_key_must_match_exactly() {
    let admin = AdminKey::new(Some("s3cret-admin-key"));
    assert!(admin.check(Some("s3cret-admin-key")).is_ok());
    assert!(admin.check(Some("s3cret-admin-ke")).is_err());
    assert!(admin.check(None).is_err());
    assert!(AdminKey::new(Some("")).check(Some("")).is_err());
    assert!(AdminKey::new(None).check(Some("x")).is_err());
}

fn device_key(seed: u8) -> (SigningKey, DevicePublicKey) {
    let sk = SigningKey::from_bytes(&[seed; 32]);
    let pk = public_key(&sk);
    (sk, pk)
}

fn pda() -> DeviceId {
    DeviceId::parse("pda-1").unwrap()
}

fn device(seed: u8, status: DeviceStatus, of: u8) -> Device {
    Device {
        id: pda(),
        instance_id: id(of),
        name: "PDA".into(),
        public_key: device_key(seed).1,
        status,
        registered_at: now(),
        updated_at: now(),
    }
}

fn device_service(
    devices: MockDeviceRepository,
    instances: MockInstanceRepository,
) -> DeviceService {
    DeviceService::new(
        Arc::new(devices),
        Arc::new(instances),
        clock_at(now()),
        secrets(3),
    )
}

fn registration(seed: u8, nonce: &str) -> RegisterDevice {
    let (sk, pk) = device_key(seed);
    RegisterDevice {
        instance_id: id(1).to_string(),
        device_id: "pda-1".into(),
        device_name: "PDA".into(),
        device_public_key: pk.as_str().into(),
        nonce: nonce.into(),
        signature: sign_registration(&sk, &pda(), nonce),
        old_key_signature: None,
    }
}

#[test]
fn a_new_device_starts_pending_and_spends_the_nonce() {
    let nonce = "n".repeat(43);
    let nonce_hash = SecretHash::of(&nonce);
    let mut instances = MockInstanceRepository::new();
    instances
        .expect_find()
        .returning(|_| Ok(Some(stored(1, "k"))));
    let mut devices = MockDeviceRepository::new();
    devices.expect_find_device().returning(|_| Ok(None));
    devices
        .expect_register_device()
        .withf(move |r| {
            r.nonce_hash == nonce_hash
                && r.expected_key.is_none()
                && r.device.status == DeviceStatus::Pending
        })
        .times(1)
        .returning(|r| Ok(r.device.clone()));
    let d = device_service(devices, instances)
        .register(&registration(1, &nonce))
        .unwrap();
    assert_eq!(d.status, DeviceStatus::Pending);
}

#[test]
fn a_forged_or_unproven_registration_stores_nothing() {
    let nonce = "n".repeat(43);
    let mut forged = registration(1, &nonce);
    forged.nonce = "m".repeat(43);
    let mut instances = MockInstanceRepository::new();
    instances
        .expect_find()
        .returning(|_| Ok(Some(stored(1, "k"))));
    let mut devices = MockDeviceRepository::new();
    devices
        .expect_find_device()
        .returning(|_| Ok(Some(device(7, DeviceStatus::Active, 1))));
    devices.expect_register_device().times(0);
    let service = device_service(devices, instances);
    assert_eq!(
        code(&service.register(&forged).unwrap_err()),
        "invalid_signature"
    );
    // A valid signature by a new key, but the device exists with key 7: takeover refused.
    assert_eq!(
        code(&service.register(&registration(1, &nonce)).unwrap_err()),
        "device_key_change_unproven"
    );
}

#[test]
fn a_key_change_signed_by_the_old_key_keeps_the_status() {
    let nonce = "n".repeat(43);
    let mut input = registration(1, &nonce);
    let (old_sk, _) = device_key(7);
    let (_, new_pk) = device_key(1);
    input.old_key_signature = Some(sign_key_change(&old_sk, &pda(), &new_pk, &nonce));
    let mut instances = MockInstanceRepository::new();
    instances
        .expect_find()
        .returning(|_| Ok(Some(stored(1, "k"))));
    let mut devices = MockDeviceRepository::new();
    devices
        .expect_find_device()
        .returning(|_| Ok(Some(device(7, DeviceStatus::Active, 1))));
    devices
        .expect_register_device()
        .withf(|r| {
            r.expected_key == Some(device_key(7).1) && r.device.public_key == device_key(1).1
        })
        .times(1)
        .returning(|r| Ok(r.device.clone()));
    let d = device_service(devices, instances).register(&input).unwrap();
    assert_eq!(d.status, DeviceStatus::Active);
}

/// The signature headers pda-1 sends, signing with key `seed`.
fn signed_headers(seed: u8, method: &str, path: &str, ts: i64, body: &[u8]) -> SignedHeaders {
    let [(_, id), (_, ts), (_, sig)] =
        request_headers(&device_key(seed).0, &pda(), method, path, ts, body);
    SignedHeaders::from_values(Some(&id), Some(&ts), Some(&sig))
        .unwrap()
        .unwrap()
}

fn relay_post<'a>(headers: &'a SignedHeaders, body: &'a [u8]) -> SignedRequest<'a> {
    SignedRequest {
        headers,
        method: "POST",
        path_and_query: "/ECK/API/RELAY/SCANS",
        body,
    }
}

#[test]
fn device_requests_are_checked_for_signature_and_time() {
    let ts = now().timestamp();
    let body = br#"{"msgId":"1","barcode":"x"}"#;
    let headers = signed_headers(7, "POST", "/ECK/API/RELAY/SCANS", ts, body);
    let mut devices = MockDeviceRepository::new();
    devices
        .expect_find_device()
        .returning(|_| Ok(Some(device(7, DeviceStatus::Active, 1))));
    let service = device_service(devices, MockInstanceRepository::new());
    assert!(service.authenticate(&relay_post(&headers, body)).is_ok());
    let e = service
        .authenticate(&relay_post(&headers, b"{}"))
        .unwrap_err();
    assert_eq!(code(&e), "invalid_device_signature");
    let stale = SignedHeaders {
        timestamp: (ts - 301).to_string(),
        ..headers.clone()
    };
    let e = service.authenticate(&relay_post(&stale, body)).unwrap_err();
    assert_eq!(code(&e), "stale_device_signature");
}

fn discovery(instances: MockInstanceRepository, devices: MockDeviceRepository) -> DiscoveryService {
    let instances: Arc<MockInstanceRepository> = Arc::new(instances);
    let device_service = DeviceService::new(
        Arc::new(devices),
        instances.clone(),
        clock_at(now()),
        secrets(3),
    );
    DiscoveryService::new(
        instances,
        device_service,
        clock_at(now()),
        "https://g.example".into(),
        Duration::minutes(5),
    )
}

#[test]
fn strangers_see_only_the_proxy_owners_see_the_lan() {
    let key = new_instance_key(&id(1), &[5; 32]);
    let k = key.clone();
    let mut instances = MockInstanceRepository::new();
    instances
        .expect_find()
        .returning(move |_| Ok(Some(stored(1, &k))));
    let service = discovery(instances, MockDeviceRepository::new());
    let anonymous = service.info(&id(1), &Caller::Anonymous).unwrap();
    assert_eq!(anonymous.candidates.len(), 1);
    assert_eq!(anonymous.candidates[0].kind, CandidateKind::GlobalProxy);
    let owner = service.info(&id(1), &Caller::InstanceKey(&key)).unwrap();
    assert_eq!(owner.candidates[0].kind, CandidateKind::LocalLan);
    assert_eq!(owner.candidates.len(), 2);
    let wrong = new_instance_key(&id(1), &[6; 32]);
    let e = service
        .info(&id(1), &Caller::InstanceKey(&wrong))
        .unwrap_err();
    assert_eq!(code(&e), "invalid_instance_key");
}

#[test]
fn pairing_tokens_of_another_instance_do_not_open_the_lan() {
    let token = new_token(SecretKind::Pairing, &[4; 32]);
    let mut instances = MockInstanceRepository::new();
    instances
        .expect_find()
        .returning(|_| Ok(Some(stored(1, "k"))));
    instances
        .expect_pairing_token_instance()
        .returning(|_, _| Ok(Some(id(2))));
    let service = discovery(instances, MockDeviceRepository::new());
    let e = service
        .info(&id(1), &Caller::PairingToken(&token))
        .unwrap_err();
    assert_eq!(code(&e), "invalid_pairing_token");
}

#[test]
fn only_active_devices_of_the_instance_see_the_lan() {
    let headers = signed_headers(7, "GET", "/x", now().timestamp(), b"");
    let request = SignedRequest {
        headers: &headers,
        method: "GET",
        path_and_query: "/x",
        body: b"",
    };
    for (status, of, lan) in [
        (DeviceStatus::Active, 1, true),
        (DeviceStatus::Pending, 1, false),
        (DeviceStatus::Active, 2, false),
    ] {
        let mut instances = MockInstanceRepository::new();
        instances
            .expect_find()
            .returning(|_| Ok(Some(stored(1, "k"))));
        let mut devices = MockDeviceRepository::new();
        devices
            .expect_find_device()
            .returning(move |_| Ok(Some(device(7, status, of))));
        let info = discovery(instances, devices)
            .info(&id(1), &Caller::Device(request.clone()))
            .unwrap();
        assert_eq!(info.candidates.len() == 2, lan, "{status:?} of {of}");
    }
}

#[test]
fn disabled_instances_are_not_discovered() {
    let mut instances = MockInstanceRepository::new();
    instances.expect_find().returning(|_| {
        let mut s = stored(1, "k");
        s.instance.status = InstanceStatus::Disabled;
        Ok(Some(s))
    });
    let e = discovery(instances, MockDeviceRepository::new())
        .info(&id(1), &Caller::Anonymous)
        .unwrap_err();
    assert_eq!(code(&e), "not_found");
}

fn relay(repo: MockRelayRepository, at: DateTime<Utc>) -> RelayService {
    let mut instances = MockInstanceRepository::new();
    instances
        .expect_find()
        .returning(|_| Ok(Some(stored(1, "k"))));
    RelayService::new(
        Arc::new(repo),
        Arc::new(instances),
        clock_at(at),
        Duration::seconds(60),
    )
}

#[test]
fn retention_cuts_seven_days_before_the_clock() {
    let at = now() + Duration::days(30);
    let mut repo = MockRelayRepository::new();
    repo.expect_purge_free_tier()
        .withf(move |cut| {
            cut.confirmed && cut.unconfirmed_received_before == at - Duration::days(7)
        })
        .times(1)
        .returning(|_| Ok(4));
    assert_eq!(relay(repo, at).run_retention().unwrap(), 4);
}

#[test]
fn a_reclaiming_pull_ends_the_instances_leases_first() {
    let mut repo = MockRelayRepository::new();
    let mut seq = mockall::Sequence::new();
    repo.expect_end_leases()
        .withf(|i, n| *i == id(1) && *n == now())
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(3));
    repo.expect_pull()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Ok(vec![]));
    repo.expect_open_scans().returning(|_| Ok(0));
    let service = relay(repo, now());
    assert!(
        service
            .pull(&instance(1), 10, true)
            .unwrap()
            .scans
            .is_empty()
    );
}

#[test]
fn pulls_lease_for_the_configured_time_and_bound_the_batch() {
    let mut repo = MockRelayRepository::new();
    repo.expect_pull()
        .withf(|i, n, until, limit| {
            *i == id(1) && *n == now() && *until == now() + Duration::seconds(60) && *limit == 10
        })
        .times(1)
        .returning(|_, _, _, _| Ok(vec![]));
    repo.expect_open_scans()
        .withf(|i| *i == id(1))
        .times(1)
        .returning(|_| Ok(7));
    let service = relay(repo, now());
    let pulled = service.pull(&instance(1), 10, false).unwrap();
    assert!(pulled.scans.is_empty());
    assert_eq!(pulled.backlog, 7);
    assert_eq!(
        code(&service.pull(&instance(1), 0, false).unwrap_err()),
        "invalid"
    );
    assert_eq!(
        code(&service.pull(&instance(1), 501, true).unwrap_err()),
        "invalid"
    );
    assert_eq!(
        code(&service.confirm(&instance(1), &[]).unwrap_err()),
        "invalid"
    );
}

#[test]
fn only_active_devices_post_and_bad_scans_are_refused() {
    let mut repo = MockRelayRepository::new();
    repo.expect_add_scan()
        .withf(|s| s.instance_id == id(1) && s.msg_id == "m1" && s.received_at == now())
        .times(1)
        .returning(|s| {
            Ok((
                RelayedScan {
                    id: 1,
                    device_id: s.device_id.as_str().into(),
                    msg_id: s.msg_id.clone(),
                    barcode: s.barcode.clone(),
                    state: ScanState::Buffered,
                    received_at: s.received_at,
                    lease_until: None,
                    deliveries: 0,
                },
                true,
            ))
        });
    let service = relay(repo, now());
    let pending = device(7, DeviceStatus::Pending, 1);
    assert_eq!(
        code(&service.post(&pending, "m1", "x").unwrap_err()),
        "device_not_active"
    );
    let active = device(7, DeviceStatus::Active, 1);
    assert_eq!(
        code(&service.post(&active, "", "x").unwrap_err()),
        "invalid"
    );
    let (scan, created) = service.post(&active, "m1", "x").unwrap();
    assert!(created);
    assert_eq!(scan.state, ScanState::Buffered);
}

#[test]
fn the_proxy_target_comes_from_the_record_only() {
    let mut instances = MockInstanceRepository::new();
    instances.expect_find().returning(|_| {
        let mut s = stored(1, "k");
        s.instance.public_addr = Some("203.0.113.9".parse().unwrap());
        Ok(Some(s))
    });
    let service = discovery(instances, MockDeviceRepository::new());
    assert_eq!(
        service.proxy_target(&id(1), None).unwrap(),
        ("203.0.113.9".parse().unwrap(), 3100)
    );
    let lan = ("192.168.1.5".parse().unwrap(), 3100);
    assert_eq!(service.proxy_target(&id(1), Some(lan)).unwrap(), lan);
    let e = service
        .proxy_target(&id(1), Some(("127.0.0.1".parse().unwrap(), 3100)))
        .unwrap_err();
    assert_eq!(code(&e), "target_not_registered");
}

/// A clock the test moves.
fn movable_clock() -> (Arc<MockClock>, Arc<std::sync::Mutex<DateTime<Utc>>>) {
    let at = Arc::new(std::sync::Mutex::new(now()));
    let read = Arc::clone(&at);
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || *read.lock().unwrap());
    (Arc::new(clock), at)
}

#[test]
fn the_proxy_routes_an_instance_read_lately_from_memory_until_it_is_old_or_changed() {
    let mut instances = MockInstanceRepository::new();
    // Read three times: first, after the memory ran out, after the status change below.
    instances.expect_find().times(3).returning(|_| {
        let mut s = stored(1, "k");
        s.instance.public_addr = Some("203.0.113.9".parse().unwrap());
        Ok(Some(s))
    });
    instances
        .expect_set_status()
        .times(1)
        .returning(|_, status| {
            let mut i = instance(1);
            i.status = status;
            Ok(i)
        });
    let instances = Arc::new(instances);
    let (clock, at) = movable_clock();
    let targets = Arc::new(TargetMemory::new(Duration::seconds(1)));
    let devices = DeviceService::new(
        Arc::new(MockDeviceRepository::new()),
        instances.clone(),
        clock.clone(),
        secrets(3),
    );
    let discovery = DiscoveryService::new(
        instances.clone(),
        devices,
        clock.clone(),
        "https://g.example".into(),
        Duration::minutes(5),
    )
    .with_target_memory(targets.clone());
    let registry = InstanceService::new(instances, clock, secrets(9), InstanceSettings::default())
        .with_target_memory(targets);
    let public = ("203.0.113.9".parse().unwrap(), 3100);
    let lan = ("192.168.1.5".parse().unwrap(), 3100);

    assert!(discovery.proxy_target_from_memory(&id(1), None).is_none());
    assert_eq!(discovery.proxy_target(&id(1), None).unwrap(), public);
    assert_eq!(
        discovery
            .proxy_target_from_memory(&id(1), None)
            .unwrap()
            .unwrap(),
        public
    );
    // The legacy header is checked against the remembered record like the stored one.
    assert_eq!(
        discovery
            .proxy_target_from_memory(&id(1), Some(lan))
            .unwrap()
            .unwrap(),
        lan
    );
    let e = discovery
        .proxy_target_from_memory(&id(1), Some(("10.9.9.9".parse().unwrap(), 3100)))
        .unwrap()
        .unwrap_err();
    assert_eq!(code(&e), "target_not_registered");
    assert!(discovery.proxy_target_from_memory(&id(2), None).is_none());

    *at.lock().unwrap() = now() + Duration::milliseconds(1_000);
    assert!(
        discovery.proxy_target_from_memory(&id(1), None).is_none(),
        "too old"
    );
    discovery.proxy_target(&id(1), None).unwrap();
    assert!(discovery.proxy_target_from_memory(&id(1), None).is_some());
    // Disabled through this process: forgotten at once.
    registry
        .set_status(&id(1), InstanceStatus::Disabled)
        .unwrap();
    assert!(discovery.proxy_target_from_memory(&id(1), None).is_none());
    discovery.proxy_target(&id(1), None).unwrap();
}

#[test]
fn disabled_instances_are_never_remembered() {
    let mut instances = MockInstanceRepository::new();
    instances.expect_find().times(2).returning(|_| {
        let mut s = stored(1, "k");
        s.instance.status = InstanceStatus::Disabled;
        s.instance.public_addr = Some("203.0.113.9".parse().unwrap());
        Ok(Some(s))
    });
    let service = discovery(instances, MockDeviceRepository::new());
    let service = service.with_target_memory(Arc::new(TargetMemory::new(Duration::seconds(60))));
    for _ in 0..2 {
        assert_eq!(
            code(&service.proxy_target(&id(1), None).unwrap_err()),
            "not_found"
        );
        assert!(service.proxy_target_from_memory(&id(1), None).is_none());
    }
}

fn published(id: &str, seed: u8, status: &str) -> PublishDevice {
    PublishDevice {
        device_id: id.into(),
        device_name: format!("Scanner {id}"),
        device_public_key: device_key(seed).1.as_str().into(),
        status: status.into(),
    }
}

#[test]
fn an_instance_publishes_its_devices_for_itself_only() {
    let mut devices = MockDeviceRepository::new();
    devices
        .expect_publish_devices()
        .withf(|instance, devices, at| {
            *instance == id(1)
                && *at == now()
                && devices.len() == 2
                && devices.iter().all(|d| d.instance_id == id(1))
                && devices[0].status == DeviceStatus::Active
                && devices[1].status == DeviceStatus::Blocked
                && devices[1].public_key == device_key(2).1
        })
        .times(1)
        .returning(|_, devices, _| {
            Ok(crate::ports::Published {
                devices: devices.len(),
                ..Default::default()
            })
        });
    let service = device_service(devices, MockInstanceRepository::new());
    let outcome = service
        .publish(
            &instance(1),
            &[
                published("pda-1", 1, "active"),
                published("pda-2", 2, "blocked"),
            ],
        )
        .unwrap();
    assert_eq!(outcome.devices, 2);
}

#[test]
fn an_invalid_publication_stores_nothing_and_names_every_field() {
    // The repository expects nothing.
    let service = device_service(MockDeviceRepository::new(), MockInstanceRepository::new());
    let mut bad_key = published("pda-2", 2, "active");
    bad_key.device_public_key = "not a key".into();
    let e = service
        .publish(
            &instance(1),
            &[
                published("pda-1", 1, "approved"),
                bad_key,
                published("pda-1", 3, "active"),
                published("a b", 4, "active"),
            ],
        )
        .unwrap_err();
    let AppError::Invalid(fields) = e else {
        panic!("{e:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        [
            "devices[0].status",
            "devices[1].devicePublicKey",
            "devices[2].deviceId",
            "devices[3].deviceId"
        ]
    );
    // One key for all (deriving it is slow without optimisations): refused on the count.
    let one = published("pda-0", 1, "active");
    let too_many: Vec<PublishDevice> = (0..=crate::devices::MAX_PUBLISHED)
        .map(|i| PublishDevice {
            device_id: format!("pda-{i}"),
            ..one.clone()
        })
        .collect();
    assert!(matches!(
        service.publish(&instance(1), &too_many),
        Err(AppError::Invalid(_))
    ));
}
