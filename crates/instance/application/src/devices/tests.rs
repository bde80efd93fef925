//! Tests of the devices wing on mocked ports: registrations (from the protocol's shared
//! vectors), the admins' decisions.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use eckwms_device_protocol::signing::{SigningKey, public_key, sign_key_change, sign_registration};
use eckwms_device_protocol::vectors::Vectors;
use eckwms_domain::access::role::seeded;

use super::*;
use crate::error::ProblemCode;
use crate::ports::{
    DeviceRegistration, MockAuditRepository, MockClock, MockDeviceRepository, MockRoleRepository,
    MockSecretSource, MockSessionRepository, MockThisInstance, MockUserRepository, Role,
};

const INSTANCE: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap()
}

fn role(name: &str) -> Option<Role> {
    seeded(name).map(|r| Role {
        name: r.name.into(),
        description: r.description.into(),
        permissions: r.permissions(),
        version: 1,
        created_at: now(),
        updated_at: now(),
    })
}

fn meta_of(actor: Actor) -> RequestMeta {
    RequestMeta {
        actor,
        request_id: Some("req-1".into()),
        idempotency: None,
        address: Some("10.0.0.7".into()),
    }
}

fn as_role(role: &str) -> RequestMeta {
    meta_of(Actor::seeded_key(5, "k", role))
}

/// The service over `devices`, with the seeded roles, this instance and a fixed clock.
fn service(devices: MockDeviceRepository) -> DeviceService {
    let mut roles = MockRoleRepository::new();
    roles.expect_find_role().returning(|name| Ok(role(name)));
    let mut instance = MockThisInstance::new();
    instance
        .expect_instance_id()
        .returning(|| Ok(INSTANCE.to_owned()));
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    let mut secrets = MockSecretSource::new();
    secrets.expect_fill().returning(|buf| {
        buf.fill(7);
        Ok(())
    });
    DeviceService::new(
        DevicePorts {
            devices: Arc::new(devices),
            roles: Arc::new(roles),
            instance: Arc::new(instance),
            users: Arc::new(MockUserRepository::new()),
            logins: Arc::new(MockSessionRepository::new()),
            audit: Arc::new(MockAuditRepository::new()),
            decoder: Arc::new(eckwms_codes::Decoder::default()),
            clock: Arc::new(clock),
            secrets: Arc::new(secrets),
        },
        DeviceSettings::default(),
    )
}

fn device(id: &str, key: &SigningKey, status: DeviceStatus, role: Option<&str>) -> Device {
    let mut d = Device::registered(
        None,
        DeviceId::parse(id).unwrap(),
        Name::new("name", "PDA").unwrap(),
        public_key(key),
        now(),
    );
    d.status = status;
    d.role = role.map(str::to_owned);
    d.version = 3;
    d
}

/// A registration signed by `key` over `nonce`.
fn registration(id: &str, key: &SigningKey, nonce: &str) -> RegisterDeviceInput {
    let device = DeviceId::parse(id).unwrap();
    RegisterDeviceInput {
        device_id: id.into(),
        device_name: "PDA seven".into(),
        device_public_key: public_key(key).as_str().into(),
        nonce: nonce.into(),
        signature: sign_registration(key, &device, nonce),
        old_key_signature: None,
        instance_id: None,
    }
}

fn refused_with<T: std::fmt::Debug>(result: AppResult<T>, code: ProblemCode) -> bool {
    matches!(result, Err(AppError::Refused { code: c, .. }) if c == code)
}

/// Stores what it is given, after spending the nonce once.
fn storing(devices: &mut MockDeviceRepository) -> Arc<Mutex<Vec<(DeviceRegistration, String)>>> {
    let stored = Arc::new(Mutex::new(Vec::new()));
    let seen = stored.clone();
    devices
        .expect_register_device()
        .returning(move |registration, _, audit| {
            let mut seen = seen.lock().unwrap();
            if seen
                .iter()
                .any(|(r, _): &(DeviceRegistration, String)| r.nonce == registration.nonce)
            {
                return Err(AppError::refused(
                    ProblemCode::ChallengeInvalid,
                    "the nonce is unknown, used or expired",
                ));
            }
            seen.push((registration.clone(), audit.event.clone()));
            Ok(registration.device.clone())
        });
    stored
}

#[test]
fn a_challenge_is_a_fresh_nonce_for_five_minutes() {
    let mut devices = MockDeviceRepository::new();
    devices
        .expect_create_challenge()
        .withf(|nonce, expires| is_nonce(nonce) && *expires == now() + Duration::seconds(300))
        .times(1)
        .returning(|_, _| Ok(()));
    let (nonce, expires_at) = service(devices).challenge().unwrap();
    assert!(is_nonce(&nonce));
    assert_eq!(expires_at, now() + Duration::seconds(300));
}

/// Every registration of the shared vectors registers a new, pending device.
#[test]
fn the_vectors_register_new_pending_devices() {
    let vectors = Vectors::load().unwrap();
    for case in &vectors.registrations {
        let mut devices = MockDeviceRepository::new();
        devices.expect_find_device().returning(|_| Ok(None));
        let stored = storing(&mut devices);
        let input = RegisterDeviceInput {
            device_id: case.device_id.clone(),
            device_name: "Scanner".into(),
            device_public_key: case.public_key.clone(),
            nonce: case.nonce.clone(),
            signature: case.signature.clone(),
            old_key_signature: None,
            instance_id: Some(INSTANCE.to_uppercase().replace('-', "")),
        };
        let registered = service(devices)
            .register(&input, &meta_of(Actor::anonymous()))
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        assert_eq!(
            registered.device.status,
            DeviceStatus::Pending,
            "{}",
            case.name
        );
        assert_eq!(registered.device.role, None);
        assert_eq!(registered.instance_id, INSTANCE);
        let stored = stored.lock().unwrap();
        let (registration, event) = &stored[0];
        assert_eq!(registration.expected_version, None);
        assert_eq!(registration.nonce, case.nonce);
        assert_eq!(event, "device_registered");
    }
}

#[test]
fn the_refused_vectors_are_refused_before_anything_is_stored() {
    let vectors = Vectors::load().unwrap();
    for case in &vectors.refused.registrations {
        let mut devices = MockDeviceRepository::new();
        let existing = case.existing_key.clone();
        devices.expect_find_device().returning(move |id| {
            Ok(existing.as_ref().map(|key| {
                let mut d = device(
                    id.as_str(),
                    &SigningKey::from_bytes(&[1; 32]),
                    DeviceStatus::Active,
                    None,
                );
                d.public_key = DevicePublicKey::parse(key).unwrap();
                d
            }))
        });
        devices.expect_register_device().never();
        let input = RegisterDeviceInput {
            device_id: case.device_id.clone(),
            device_name: "Scanner".into(),
            device_public_key: case.public_key.clone(),
            nonce: case.nonce.clone(),
            signature: case.signature.clone(),
            old_key_signature: case.old_key_signature.clone(),
            instance_id: None,
        };
        match service(devices).register(&input, &meta_of(Actor::anonymous())) {
            Err(AppError::Refused { code, .. }) => {
                assert_eq!(code, case.code.as_str(), "{}", case.name)
            }
            other => panic!("{}: {other:?}", case.name),
        }
    }
}

/// The same registration twice: the second finds its nonce spent (409 `challenge_invalid`).
#[test]
fn a_replayed_registration_is_refused() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let nonce = new_nonce(&[9; 32]);
    let mut devices = MockDeviceRepository::new();
    devices.expect_find_device().returning(|_| Ok(None));
    let stored = storing(&mut devices);
    let service = service(devices);
    let input = registration("PDA-7", &key, &nonce);
    let meta = meta_of(Actor::anonymous());
    service.register(&input, &meta).unwrap();
    assert!(refused_with(
        service.register(&input, &meta),
        ProblemCode::ChallengeInvalid
    ));
    assert_eq!(stored.lock().unwrap().len(), 1);
}

#[test]
fn a_known_device_keeps_its_status_and_changes_its_key_only_with_the_old_one() {
    let old = SigningKey::from_bytes(&[1; 32]);
    let new = SigningKey::from_bytes(&[2; 32]);
    let known = device("PDA-7", &old, DeviceStatus::Active, Some("PICKER"));
    let mut devices = MockDeviceRepository::new();
    let found = known.clone();
    devices
        .expect_find_device()
        .returning(move |_| Ok(Some(found.clone())));
    let stored = storing(&mut devices);
    let service = service(devices);
    let meta = meta_of(Actor::anonymous());

    // The same key again: still active, with its role.
    let again = service
        .register(&registration("PDA-7", &old, &new_nonce(&[1; 32])), &meta)
        .unwrap();
    assert_eq!(again.device.status, DeviceStatus::Active);
    assert_eq!(again.device.role.as_deref(), Some("PICKER"));
    // Another key without the old one's signature: refused, nothing stored.
    let mut change = registration("PDA-7", &new, &new_nonce(&[2; 32]));
    assert!(refused_with(
        service.register(&change, &meta),
        ProblemCode::DeviceKeyChangeUnproven
    ));
    // With it: the new key, the status kept.
    let id = DeviceId::parse("PDA-7").unwrap();
    change.old_key_signature = Some(sign_key_change(&old, &id, &public_key(&new), &change.nonce));
    let changed = service.register(&change, &meta).unwrap();
    assert_eq!(changed.device.public_key, public_key(&new));
    assert_eq!(changed.device.status, DeviceStatus::Active);
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|(r, _)| r.expected_version == Some(3)));
}

#[test]
fn registrations_name_every_bad_field_and_this_instance_only() {
    let mut devices = MockDeviceRepository::new();
    devices.expect_register_device().never();
    devices.expect_find_device().never();
    let service = service(devices);
    let meta = meta_of(Actor::anonymous());
    let bad = RegisterDeviceInput {
        device_id: "a b".into(),
        device_name: " PDA".into(),
        device_public_key: "AAAA".into(),
        nonce: "short".into(),
        signature: "AAAA".into(),
        old_key_signature: Some("x".into()),
        instance_id: Some("not-a-uuid".into()),
    };
    match service.register(&bad, &meta) {
        Err(AppError::Invalid(fields)) => {
            let mut names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            names.sort_unstable();
            assert_eq!(
                names,
                [
                    "deviceId",
                    "deviceName",
                    "devicePublicKey",
                    "instanceId",
                    "nonce",
                    "oldKeySignature",
                    "signature"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    let key = SigningKey::from_bytes(&[3; 32]);
    let mut elsewhere = registration("PDA-7", &key, &new_nonce(&[4; 32]));
    elsewhere.instance_id = Some("0b0e6f3a-1234-4abc-8def-0123456789ac".into());
    assert!(matches!(
        service.register(&elsewhere, &meta),
        Err(AppError::NotFound {
            what: "instance",
            ..
        })
    ));
}

/// The changes an admin service's repository was asked for, with their audit events.
type Changes = Arc<Mutex<Vec<(DevicePatch, String)>>>;

fn admin_service(current: Device) -> (DeviceService, Changes) {
    let mut devices = MockDeviceRepository::new();
    let found = current.clone();
    devices
        .expect_find_device()
        .returning(move |_| Ok(Some(found.clone())));
    let changes = Arc::new(Mutex::new(Vec::new()));
    let seen = changes.clone();
    devices
        .expect_update_device()
        .returning(move |_, _, patch, _, audit, _| {
            seen.lock()
                .unwrap()
                .push((patch.clone(), audit.event.clone()));
            let mut d = current.clone();
            if let Some(status) = patch.status {
                d.status = status;
            }
            if let Some(role) = &patch.role {
                d.role = role.clone();
            }
            Ok(d)
        });
    devices.expect_delete_device().returning(|_, _, audit, _| {
        assert_eq!(audit.event, "device_deleted");
        Ok(())
    });
    (service(devices), changes)
}

#[test]
fn activating_and_blocking_are_audited_as_such() {
    let key = SigningKey::from_bytes(&[1; 32]);
    let (service, changes) = admin_service(device("PDA-7", &key, DeviceStatus::Pending, None));
    let id = DeviceId::parse("PDA-7").unwrap();
    let meta = as_role("MANAGER");
    for (input, event) in [
        (
            DevicePatchInput {
                status: Some("active".into()),
                role: Some(Some("PICKER".into())),
                ..DevicePatchInput::default()
            },
            "device_activated",
        ),
        (
            DevicePatchInput {
                status: Some("blocked".into()),
                ..DevicePatchInput::default()
            },
            "device_blocked",
        ),
        (
            DevicePatchInput {
                name: Some("Goods-in scanner".into()),
                role: Some(None),
                ..DevicePatchInput::default()
            },
            "device_changed",
        ),
    ] {
        service.update(&id, Expected::Any, &input, &meta).unwrap();
        assert_eq!(changes.lock().unwrap().last().unwrap().1, event);
    }
    let first = &changes.lock().unwrap()[0].0;
    assert_eq!(first.status, Some(DeviceStatus::Active));
    assert_eq!(first.role, Some(Some("PICKER".into())));
}

#[test]
fn admins_need_devices_manage_and_every_permission_they_give_or_take_over() {
    let key = SigningKey::from_bytes(&[1; 32]);
    let id = DeviceId::parse("PDA-7").unwrap();
    let give = |role: &str| DevicePatchInput {
        role: Some(Some(role.into())),
        ..DevicePatchInput::default()
    };
    let (service, changes) = admin_service(device("PDA-7", &key, DeviceStatus::Active, None));
    let forbidden = |result: AppResult<Device>, permission: &str| matches!(result, Err(AppError::Forbidden { permission: p, .. }) if p == permission);
    assert!(forbidden(
        service.update(&id, Expected::Any, &give("PICKER"), &as_role("PICKER")),
        "devices.manage"
    ));
    // A manager gives what they hold, and cannot give SUPER_ADMIN (core.admin).
    assert!(
        service
            .update(&id, Expected::Any, &give("PICKER"), &as_role("MANAGER"))
            .is_ok()
    );
    assert!(forbidden(
        service.update(
            &id,
            Expected::Any,
            &give("SUPER_ADMIN"),
            &as_role("MANAGER")
        ),
        "core.admin"
    ));
    assert!(matches!(
        service.update(&id, Expected::Any, &give("NOBODY"), &as_role("MANAGER")),
        Err(AppError::Invalid(f)) if f[0].field == "role"
    ));
    assert!(matches!(
        service.update(
            &id,
            Expected::Any,
            &DevicePatchInput { status: Some("on".into()), name: Some(" x".into()), ..DevicePatchInput::default() },
            &as_role("MANAGER")
        ),
        Err(AppError::Invalid(f)) if f.len() == 2
    ));
    assert_eq!(changes.lock().unwrap().len(), 1);

    // A device with a role the manager does not fully hold is not theirs to change or remove.
    let (service, changes) = admin_service(device(
        "PDA-7",
        &key,
        DeviceStatus::Active,
        Some("SUPER_ADMIN"),
    ));
    let block = DevicePatchInput {
        status: Some("blocked".into()),
        ..DevicePatchInput::default()
    };
    assert!(forbidden(
        service.update(&id, Expected::Any, &block, &as_role("MANAGER")),
        "core.admin"
    ));
    assert!(matches!(
        service.delete(&id, Expected::Any, &as_role("MANAGER")),
        Err(AppError::Forbidden { .. })
    ));
    assert!(
        service
            .update(&id, Expected::Any, &block, &as_role("admin"))
            .is_ok()
    );
    assert!(
        service
            .delete(&id, Expected::Any, &as_role("admin"))
            .is_ok()
    );
    assert_eq!(changes.lock().unwrap().len(), 1);
}

#[test]
fn reads_need_devices_manage() {
    let mut devices = MockDeviceRepository::new();
    devices.expect_list_devices().never();
    devices.expect_find_device().never();
    let service = service(devices);
    let id = DeviceId::parse("PDA-7").unwrap();
    let page = PageQuery {
        after: None,
        limit: 50,
    };
    for role in ["PICKER", "write", "read"] {
        let actor = Actor::seeded_key(5, "k", role);
        assert!(service.get(&actor, &id).is_err());
        assert!(
            service
                .list(&actor, &DeviceFilter::default(), &page)
                .is_err()
        );
    }
}

// ---------------------------------------------------------------- signed requests

use crate::ports::Signer;
use eckwms_device_protocol::SignedHeaders;
use eckwms_device_protocol::signing::request_headers;
use eckwms_device_protocol::vectors::signing_key;

/// The service over `devices` with the clock at `at`.
fn service_at(devices: MockDeviceRepository, at: DateTime<Utc>) -> DeviceService {
    let mut roles = MockRoleRepository::new();
    roles.expect_find_role().returning(|name| Ok(role(name)));
    let mut instance = MockThisInstance::new();
    instance
        .expect_instance_id()
        .returning(|| Ok(INSTANCE.to_owned()));
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || at);
    DeviceService::new(
        DevicePorts {
            devices: Arc::new(devices),
            roles: Arc::new(roles),
            instance: Arc::new(instance),
            users: Arc::new(MockUserRepository::new()),
            logins: Arc::new(MockSessionRepository::new()),
            audit: Arc::new(MockAuditRepository::new()),
            decoder: Arc::new(eckwms_codes::Decoder::default()),
            clock: Arc::new(clock),
            secrets: Arc::new(MockSecretSource::new()),
        },
        DeviceSettings::default(),
    )
}

fn signer(device: Device) -> Signer {
    let role_permissions = device.role.as_deref().and_then(role).map(|r| r.permissions);
    Signer {
        device,
        role_permissions,
        operator: None,
    }
}

/// The headers of a request `key` signs for device `id` at `at`.
fn signed(
    key: &SigningKey,
    id: &str,
    method: &str,
    path: &str,
    at: i64,
    body: &[u8],
) -> SignedHeaders {
    let [(_, id), (_, timestamp), (_, signature)] =
        request_headers(key, &DeviceId::parse(id).unwrap(), method, path, at, body);
    SignedHeaders {
        device_id: id,
        timestamp,
        signature,
    }
}

const ONCE: SignedUse = SignedUse {
    any_status: false,
    once: true,
};

/// Every signed request of the shared vectors is accepted at its `now`; every refused one is
/// refused with its code.
#[test]
fn the_vectors_requests_authenticate_as_they_say() {
    let vectors = Vectors::load().unwrap();
    for case in &vectors.requests {
        let key = signing_key(&case.seed).unwrap();
        let mut devices = MockDeviceRepository::new();
        let known = signer(device(
            &case.device_id,
            &key,
            DeviceStatus::Active,
            Some("PICKER"),
        ));
        devices
            .expect_find_signer()
            .returning(move |_| Ok(Some(known.clone())));
        devices.expect_touch_device().returning(|_, _| Ok(()));
        let at = DateTime::from_timestamp(case.now, 0).unwrap();
        let headers = SignedHeaders {
            device_id: case.device_id.clone(),
            timestamp: case.timestamp.to_string(),
            signature: case.signature.clone(),
        };
        let request = DeviceRequest {
            headers: &headers,
            method: &case.method,
            path_and_query: &case.path_and_query,
            body: case.body.as_bytes(),
        };
        let rules = SignedUse {
            any_status: false,
            once: false,
        };
        let actor = service_at(devices, at)
            .authenticate(&request, rules)
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        assert_eq!(actor.ledger_name(), format!("device:{}", case.device_id));
        assert!(actor.may(Permission::ScanExecute));
        assert!(!actor.may(Permission::SettingsEdit));
    }
    for case in &vectors.refused.requests {
        let mut devices = MockDeviceRepository::new();
        let mut known = device(
            &case.device_id,
            &SigningKey::from_bytes(&[1; 32]),
            DeviceStatus::Active,
            None,
        );
        known.public_key = DevicePublicKey::parse(&case.public_key).unwrap();
        let known = signer(known);
        devices
            .expect_find_signer()
            .returning(move |_| Ok(Some(known.clone())));
        devices.expect_touch_device().never();
        devices.expect_record_signature().never();
        let headers = SignedHeaders {
            device_id: case.device_id.clone(),
            timestamp: case.timestamp.to_string(),
            signature: case.signature.clone(),
        };
        let request = DeviceRequest {
            headers: &headers,
            method: &case.method,
            path_and_query: &case.path_and_query,
            body: case.body.as_bytes(),
        };
        let at = DateTime::from_timestamp(case.now, 0).unwrap();
        match service_at(devices, at).authenticate(&request, ONCE) {
            Err(AppError::Refused { code, .. }) => {
                assert_eq!(code, case.code.as_str(), "{}", case.name)
            }
            other => panic!("{}: {other:?}", case.name),
        }
    }
}

/// A pending or blocked scanner's signed request is refused with 403 `device_not_active`,
/// and nothing is written (no signature recorded, no last_seen_at); its status poll passes.
#[test]
fn a_scanner_that_is_not_active_is_refused_and_nothing_is_written() {
    let key = SigningKey::from_bytes(&[5; 32]);
    for status in [DeviceStatus::Pending, DeviceStatus::Blocked] {
        let mut devices = MockDeviceRepository::new();
        let known = signer(device("PDA-7", &key, status, Some("PICKER")));
        devices
            .expect_find_signer()
            .returning(move |_| Ok(Some(known.clone())));
        devices.expect_record_signature().never();
        devices.expect_touch_device().never();
        let service = service_at(devices, now());
        let headers = signed(
            &key,
            "PDA-7",
            "POST",
            "/api/v1/scans",
            now().timestamp(),
            b"{}",
        );
        let request = DeviceRequest {
            headers: &headers,
            method: "POST",
            path_and_query: "/api/v1/scans",
            body: b"{}",
        };
        assert!(refused_with(
            service.authenticate(&request, ONCE),
            ProblemCode::DeviceNotActive
        ));
    }
    // The status poll of a pending scanner is accepted (and touches it).
    let mut devices = MockDeviceRepository::new();
    let known = signer(device("PDA-7", &key, DeviceStatus::Pending, None));
    devices
        .expect_find_signer()
        .returning(move |_| Ok(Some(known.clone())));
    devices
        .expect_touch_device()
        .times(1)
        .returning(|_, _| Ok(()));
    let headers = signed(
        &key,
        "PDA-7",
        "GET",
        "/ECK/API/DEVICE/PDA-7/STATUS",
        now().timestamp(),
        b"",
    );
    let request = DeviceRequest {
        headers: &headers,
        method: "GET",
        path_and_query: "/ECK/API/DEVICE/PDA-7/STATUS",
        body: b"",
    };
    let actor = service_at(devices, now())
        .authenticate(
            &request,
            SignedUse {
                any_status: true,
                once: false,
            },
        )
        .unwrap();
    assert_eq!(
        actor.permissions(),
        eckwms_domain::access::Permissions::NONE
    );
}

/// A write's signature is accepted once: sent again within the window it is refused with 409
/// `signature_replayed`; last_seen_at is written at most once a minute.
#[test]
fn a_replayed_signed_write_is_refused() {
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut devices = MockDeviceRepository::new();
    let mut known = device("PDA-7", &key, DeviceStatus::Active, Some("MANAGER"));
    known.last_seen_at = Some(now() - Duration::seconds(30));
    let known = signer(known);
    devices
        .expect_find_signer()
        .returning(move |_| Ok(Some(known.clone())));
    let recorded = Arc::new(Mutex::new(Vec::<(String, DateTime<Utc>)>::new()));
    let seen = recorded.clone();
    devices
        .expect_record_signature()
        .returning(move |hash, expires_at| {
            let mut seen = seen.lock().unwrap();
            let new = !seen.iter().any(|(h, _)| h == hash);
            seen.push((hash.to_owned(), expires_at));
            Ok(new)
        });
    devices.expect_touch_device().never();
    let service = service_at(devices, now());
    let body = br#"{"name":"Shelf 9"}"#;
    let headers = signed(
        &key,
        "PDA-7",
        "POST",
        "/api/v1/places",
        now().timestamp() - 10,
        body,
    );
    let request = DeviceRequest {
        headers: &headers,
        method: "POST",
        path_and_query: "/api/v1/places",
        body,
    };
    let actor = service.authenticate(&request, ONCE).unwrap();
    assert!(actor.may(Permission::SettingsEdit));
    assert!(refused_with(
        service.authenticate(&request, ONCE),
        ProblemCode::SignatureReplayed
    ));
    let recorded = recorded.lock().unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        recorded[0].1,
        now() - Duration::seconds(10) + Duration::seconds(300)
    );
}

const SCAN: SignedUse = SignedUse {
    any_status: false,
    once: false,
};

/// A scanner's repository whose record (shared, so a test can change it) counts the reads.
fn counted_scanner(current: Arc<Mutex<Device>>, reads: Arc<Mutex<u32>>) -> MockDeviceRepository {
    let mut devices = MockDeviceRepository::new();
    let (found, counted) = (current.clone(), reads);
    devices.expect_find_signer().returning(move |_| {
        *counted.lock().unwrap() += 1;
        Ok(Some(signer(found.lock().unwrap().clone())))
    });
    let found = current.clone();
    devices
        .expect_find_device()
        .returning(move |_| Ok(Some(found.lock().unwrap().clone())));
    let (stored, seen) = (current.clone(), current);
    devices.expect_touch_device().returning(move |_, at| {
        seen.lock().unwrap().last_seen_at = Some(at);
        Ok(())
    });
    devices
        .expect_update_device()
        .returning(move |_, _, patch, _, _, _| {
            let mut d = stored.lock().unwrap();
            if let Some(status) = patch.status {
                d.status = status;
            }
            Ok(d.clone())
        });
    devices.expect_record_signature().returning(|_, _| Ok(true));
    devices
}

/// A scan of `key` for PDA-7, signed `ago` seconds before now (each a new signature).
fn scan_by(key: &SigningKey, ago: i64) -> SignedHeaders {
    signed(
        key,
        "PDA-7",
        "POST",
        "/api/v1/scans",
        now().timestamp() - ago,
        b"{}",
    )
}

fn request_of(headers: &SignedHeaders) -> DeviceRequest<'_> {
    DeviceRequest {
        headers,
        method: "POST",
        path_and_query: "/api/v1/scans",
        body: b"{}",
    }
}

/// A scanner whose signature verified is remembered: its next scans are checked against the
/// remembered key and status without reading the database, but a wrong signature, a write,
/// and anything after an admin's change through this process are answered from the
/// database as before; a service that remembers nothing reads it every time.
#[test]
fn a_scanner_verified_lately_is_checked_from_memory() {
    let key = SigningKey::from_bytes(&[5; 32]);
    let current = Arc::new(Mutex::new(device(
        "PDA-7",
        &key,
        DeviceStatus::Active,
        Some("PICKER"),
    )));
    let reads = Arc::new(Mutex::new(0));
    let service = service_at(counted_scanner(current.clone(), reads.clone()), now())
        .remembering_signers_for(Duration::seconds(1));
    let reads_now = || *reads.lock().unwrap();

    let first = scan_by(&key, 3);
    let actor = service.authenticate(&request_of(&first), SCAN).unwrap();
    assert!(actor.may(Permission::ScanExecute));
    assert_eq!(reads_now(), 1);
    assert_eq!(current.lock().unwrap().last_seen_at, Some(now()), "touched");
    for ago in [2, 1, 0] {
        let again = scan_by(&key, ago);
        let remembered = service
            .authenticate_from_memory(&request_of(&again), SCAN)
            .expect("answered from memory")
            .unwrap();
        assert_eq!(remembered.ledger_name(), actor.ledger_name());
        assert_eq!(remembered.permissions(), actor.permissions());
    }
    assert_eq!(reads_now(), 1, "no read for a remembered scanner");

    // A forged signature is not answered from memory: the database path refuses it.
    let forged = scan_by(&SigningKey::from_bytes(&[6; 32]), 0);
    assert!(
        service
            .authenticate_from_memory(&request_of(&forged), SCAN)
            .is_none()
    );
    assert!(refused_with(
        service.authenticate(&request_of(&forged), SCAN),
        ProblemCode::InvalidDeviceSignature
    ));
    assert_eq!(reads_now(), 2);

    // A write's signature is recorded, so it always takes the database path.
    let write = scan_by(&key, 4);
    assert!(
        service
            .authenticate_from_memory(&request_of(&write), ONCE)
            .is_none()
    );
    service.authenticate(&request_of(&write), ONCE).unwrap();
    assert_eq!(reads_now(), 3);

    // Blocked through this process: forgotten at once, refused at the next request.
    service
        .update(
            &DeviceId::parse("PDA-7").unwrap(),
            Expected::Any,
            &DevicePatchInput {
                status: Some("blocked".into()),
                ..DevicePatchInput::default()
            },
            &as_role("SUPER_ADMIN"),
        )
        .unwrap();
    let after = scan_by(&key, 0);
    assert!(
        service
            .authenticate_from_memory(&request_of(&after), SCAN)
            .is_none()
    );
    assert!(refused_with(
        service.authenticate(&request_of(&after), SCAN),
        ProblemCode::DeviceNotActive
    ));

    // Without memory every request reads the scanner.
    let plain_reads = Arc::new(Mutex::new(0));
    current.lock().unwrap().status = DeviceStatus::Active;
    let plain = service_at(counted_scanner(current, plain_reads.clone()), now());
    for ago in [1, 0] {
        let headers = scan_by(&key, ago);
        assert!(
            plain
                .authenticate_from_memory(&request_of(&headers), SCAN)
                .is_none()
        );
        plain.authenticate(&request_of(&headers), SCAN).unwrap();
    }
    assert_eq!(*plain_reads.lock().unwrap(), 2);
}

/// A remembered scanner is read again once its `last_seen_at` is due to be written, so that
/// it is written about once a minute as without the memory.
#[test]
fn a_remembered_scanner_is_read_again_when_it_is_due_to_be_touched() {
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut known = device("PDA-7", &key, DeviceStatus::Active, Some("PICKER"));
    known.last_seen_at = Some(now() - Duration::seconds(59));
    let reads = Arc::new(Mutex::new(0));
    let current = Arc::new(Mutex::new(known));
    let earlier = service_at(counted_scanner(current.clone(), reads.clone()), now())
        .remembering_signers_for(Duration::seconds(30));
    earlier
        .authenticate(&request_of(&scan_by(&key, 0)), SCAN)
        .unwrap();
    assert_eq!(
        current.lock().unwrap().last_seen_at,
        Some(now() - Duration::seconds(59))
    );
    // The same memory two seconds later: the record's last_seen_at is a minute old.
    let later_at = now() + Duration::seconds(2);
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || later_at);
    let later = DeviceService {
        ports: DevicePorts {
            clock: Arc::new(clock),
            ..earlier.ports.clone()
        },
        ..earlier.clone()
    };
    let headers = signed(
        &key,
        "PDA-7",
        "POST",
        "/api/v1/scans",
        later_at.timestamp(),
        b"{}",
    );
    assert!(
        later
            .authenticate_from_memory(&request_of(&headers), SCAN)
            .is_none(),
        "due to be touched"
    );
    later.authenticate(&request_of(&headers), SCAN).unwrap();
    assert_eq!(current.lock().unwrap().last_seen_at, Some(later_at));
    assert_eq!(*reads.lock().unwrap(), 2);
    let headers = signed(
        &key,
        "PDA-7",
        "POST",
        "/api/v1/scans",
        later_at.timestamp() - 1,
        b"{}",
    );
    assert!(
        later
            .authenticate_from_memory(&request_of(&headers), SCAN)
            .is_some(),
        "remembered as touched"
    );
}

#[test]
fn unknown_stale_and_forged_signatures_are_refused() {
    let key = SigningKey::from_bytes(&[5; 32]);
    let stranger = SigningKey::from_bytes(&[6; 32]);
    let mut devices = MockDeviceRepository::new();
    let known = signer(device("PDA-7", &key, DeviceStatus::Active, None));
    devices
        .expect_find_signer()
        .returning(move |id| Ok((id.as_str() == "PDA-7").then(|| known.clone())));
    devices.expect_record_signature().never();
    devices.expect_touch_device().never();
    let service = service_at(devices, now());
    let t = now().timestamp();
    for (headers, code) in [
        (
            signed(&key, "PDA-8", "GET", "/x", t, b""),
            ProblemCode::InvalidDeviceSignature,
        ),
        (
            signed(&stranger, "PDA-7", "GET", "/x", t, b""),
            ProblemCode::InvalidDeviceSignature,
        ),
        (
            signed(&key, "PDA-7", "GET", "/y", t, b""),
            ProblemCode::InvalidDeviceSignature,
        ),
        (
            signed(&key, "PDA-7", "GET", "/x", t - 301, b""),
            ProblemCode::StaleDeviceSignature,
        ),
        (
            signed(&key, "PDA-7", "GET", "/x", t + 301, b""),
            ProblemCode::StaleDeviceSignature,
        ),
    ] {
        let request = DeviceRequest {
            headers: &headers,
            method: "GET",
            path_and_query: "/x",
            body: b"",
        };
        assert!(
            refused_with(service.authenticate(&request, ONCE), code),
            "{headers:?}"
        );
    }
}

#[test]
fn a_scanner_reads_its_own_status_only() {
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut devices = MockDeviceRepository::new();
    let known = device("PDA-7", &key, DeviceStatus::Pending, None);
    devices
        .expect_find_device()
        .returning(move |_| Ok(Some(known.clone())));
    let service = service(devices);
    let actor = Actor::device(
        DeviceId::parse("PDA-7").unwrap(),
        None,
        "none",
        Default::default(),
    );
    let own = service
        .status(&actor, &DeviceId::parse("PDA-7").unwrap())
        .unwrap();
    assert_eq!(own.status, DeviceStatus::Pending);
    assert!(refused_with(
        service.status(&actor, &DeviceId::parse("PDA-8").unwrap()),
        ProblemCode::InvalidDeviceSignature
    ));
    assert!(refused_with(
        service.status(
            &Actor::seeded_key(1, "k", "admin"),
            &DeviceId::parse("PDA-7").unwrap()
        ),
        ProblemCode::InvalidDeviceSignature
    ));
}

// ---------------------------------------------------------------- operators

use crate::access::passwords::{HashParams, Passwords};
use crate::ports::{LoginUser, Operator, User};
use crate::system::OsSecrets;
use eckwms_domain::UserId;

fn fast() -> Passwords {
    let params = HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    Passwords::new(params, &OsSecrets).unwrap()
}

fn person(role: &str, active: bool) -> User {
    User {
        id: UserId::new(4).unwrap(),
        username: "anna".into(),
        display_name: "Anna K".into(),
        role: role.into(),
        active,
        has_pin: true,
        language: None,
        last_login_at: None,
        version: 6,
        created_at: now(),
        updated_at: now(),
    }
}

/// The v2 label key of these tests.
const V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn decoder() -> eckwms_codes::Decoder {
    eckwms_codes::Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(V2_KEY),
        ..eckwms_codes::Settings::default()
    })
    .unwrap()
}

/// What an operator test set up and what it saw.
struct OperatorRig {
    devices: MockDeviceRepository,
    users: MockUserRepository,
    logins: MockSessionRepository,
    audit: MockAuditRepository,
    decoder: eckwms_codes::Decoder,
}

impl OperatorRig {
    /// A picker scanner `PDA-7` (role INBOUND), the user `anna` (`MANAGER`, PIN 0420 unless
    /// `pin` says otherwise), no failures so far.
    fn new(user: Option<User>, pin: Option<&str>) -> Self {
        let passwords = fast();
        let hash = pin.map(|p| passwords.hash(p, &OsSecrets).unwrap());
        let login = user.map(|user| LoginUser {
            permissions: role(&user.role).unwrap().permissions,
            user,
            password_hash: "$argon2id$not-this".into(),
            pin_hash: hash,
        });
        let mut users = MockUserRepository::new();
        let by_name = login.clone();
        users
            .expect_find_login()
            .returning(move |key| Ok(by_name.clone().filter(|_| key == "anna")));
        let by_id = login;
        users
            .expect_find_login_by_id()
            .returning(move |id| Ok(by_id.clone().filter(|l| l.user.id == id)));
        let mut logins = MockSessionRepository::new();
        logins
            .expect_failed_logins()
            .returning(|_, _| Ok((0, None)));
        let mut devices = MockDeviceRepository::new();
        let key = SigningKey::from_bytes(&[5; 32]);
        let scanner = signer(device("PDA-7", &key, DeviceStatus::Active, Some("INBOUND")));
        devices
            .expect_find_signer()
            .returning(move |_| Ok(Some(scanner.clone())));
        Self {
            devices,
            users,
            logins,
            audit: MockAuditRepository::new(),
            decoder: decoder(),
        }
    }

    fn service(self) -> DeviceService {
        let mut roles = MockRoleRepository::new();
        roles.expect_find_role().returning(|name| Ok(role(name)));
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        DeviceService::new(
            DevicePorts {
                devices: Arc::new(self.devices),
                roles: Arc::new(roles),
                instance: Arc::new(MockThisInstance::new()),
                users: Arc::new(self.users),
                logins: Arc::new(self.logins),
                audit: Arc::new(self.audit),
                decoder: Arc::new(self.decoder),
                clock: Arc::new(clock),
                secrets: Arc::new(MockSecretSource::new()),
            },
            DeviceSettings::default(),
        )
    }
}

/// The request meta of the scanner `PDA-7`.
fn on_scanner() -> RequestMeta {
    meta_of(Actor::device(
        DeviceId::parse("PDA-7").unwrap(),
        None,
        "INBOUND",
        role("INBOUND").unwrap().permissions,
    ))
}

fn log_in(service: &DeviceService, who: OperatorName, pin: &str) -> AppResult<OperatorLoggedIn> {
    let meta = on_scanner();
    let attempt = service.begin_operator_login(&who, &meta)?;
    let verified = attempt.verify(&fast(), pin);
    service.finish_operator_login(attempt, verified, &meta)
}

#[test]
fn an_operator_logs_in_with_a_pin_and_acts_within_the_scanners_role() {
    let mut rig = OperatorRig::new(Some(person("MANAGER", true)), Some("0420"));
    rig.devices
        .expect_start_operator()
        .times(2)
        .returning(|operator, forget, audit| {
            assert_eq!(operator.device.as_str(), "PDA-7");
            assert_eq!(operator.user, UserId::new(4).unwrap());
            assert_eq!(operator.user_version, 6);
            assert_eq!(forget, "user:anna");
            assert_eq!(audit.event, "operator_login_succeeded");
            assert_eq!(
                audit.actor.as_deref(),
                Some("user:u000000000000000004/device:PDA-7")
            );
            assert_eq!(audit.subject.as_deref(), Some("device:PDA-7"));
            Ok(())
        });
    let service = rig.service();
    for who in [
        OperatorName::Username("Anna".into()),
        OperatorName::Badge("u000000000000000004".into()),
    ] {
        let logged_in = log_in(&service, who, "0420").unwrap();
        assert_eq!(logged_in.user.username, "anna");
        assert_eq!(
            logged_in.actor.ledger_name(),
            "user:u000000000000000004/device:PDA-7"
        );
        // A manager on a goods-in scanner acts as goods-in.
        assert_eq!(
            logged_in.actor.permissions(),
            role("INBOUND").unwrap().permissions
        );
        assert!(logged_in.actor.role().contains("MANAGER"));
        assert!(logged_in.actor.role().contains("INBOUND"));
    }
}

/// A badge printed as a label (v2 here) names its user.
#[test]
fn a_badge_label_names_its_user() {
    let mut rig = OperatorRig::new(Some(person("PICKER", true)), Some("0420"));
    rig.devices
        .expect_start_operator()
        .times(1)
        .returning(|_, _, _| Ok(()));
    let service = rig.service();
    let id = eckwms_domain::ObjectId::parse("u000000000000000004").unwrap();
    let mut n = 0u8;
    let texts = decoder()
        .label_texts(id, &mut |buf: &mut [u8]| {
            n += 1;
            buf.fill(n)
        })
        .unwrap();
    let logged_in = log_in(&service, OperatorName::Badge(texts[0].clone()), "0420").unwrap();
    assert_eq!(logged_in.user.id, UserId::new(4).unwrap());
}

/// A wrong PIN, an unknown user, a badge of no user, a user without a PIN and an inactive
/// user all get the same 401, each counted for the user and for the scanner; nobody is logged
/// in.
#[test]
fn every_failed_operator_login_gets_one_answer_and_is_counted() {
    // The user, their PIN, who logs in, the PIN tried, and the subject the failure counts for.
    type Case<'a> = (
        Option<User>,
        Option<&'a str>,
        OperatorName,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            Some(person("PICKER", true)),
            Some("0420"),
            OperatorName::Username("anna".into()),
            "9999",
            "user:anna",
        ),
        (
            Some(person("PICKER", true)),
            Some("0420"),
            OperatorName::Username("nobody".into()),
            "0420",
            "user:nobody",
        ),
        (
            Some(person("PICKER", true)),
            Some("0420"),
            OperatorName::Badge("b000000000000000004".into()),
            "0420",
            "badge:unreadable",
        ),
        (
            Some(person("PICKER", true)),
            Some("0420"),
            OperatorName::Badge("u000000000000000009".into()),
            "0420",
            "user:u000000000000000009",
        ),
        (
            Some(person("PICKER", true)),
            None,
            OperatorName::Username("anna".into()),
            "0420",
            "user:anna",
        ),
        (
            Some(person("PICKER", false)),
            Some("0420"),
            OperatorName::Username("anna".into()),
            "0420",
            "user:anna",
        ),
    ];
    let mut answers = Vec::new();
    for (user, pin, who, tried, subject) in cases {
        let mut rig = OperatorRig::new(user, pin);
        rig.devices.expect_start_operator().never();
        let expected = subject.to_owned();
        rig.logins
            .expect_record_failed_login()
            .times(1)
            .returning(move |subjects, _, audit| {
                assert_eq!(subjects, [expected.clone(), "device:PDA-7".to_owned()]);
                assert_eq!(audit.event, "operator_login_failed");
                Ok(())
            });
        match log_in(&rig.service(), who, tried) {
            Err(AppError::Refused { code, message }) => {
                assert_eq!(code, ProblemCode::InvalidCredentials);
                answers.push(message);
            }
            other => panic!("{other:?}"),
        }
    }
    answers.dedup();
    assert_eq!(answers.len(), 1);
}

#[test]
fn throttled_operator_logins_are_refused_before_any_pin_is_checked() {
    for counted in ["user:anna", "device:PDA-7"] {
        let mut rig = OperatorRig::new(Some(person("PICKER", true)), Some("0420"));
        rig.logins.checkpoint();
        rig.logins
            .expect_failed_logins()
            .returning(move |subject, _| {
                Ok(if subject == counted {
                    (
                        if counted.starts_with("user") { 5 } else { 30 },
                        Some(now()),
                    )
                } else {
                    (0, None)
                })
            });
        rig.audit.expect_record_audit().times(1).returning(|entry| {
            assert_eq!(entry.event, "operator_login_throttled");
            Ok(())
        });
        let service = rig.service();
        match service.begin_operator_login(&OperatorName::Username("anna".into()), &on_scanner()) {
            Err(AppError::Throttled { retry_after, .. }) => assert_eq!(retry_after, 900),
            other => panic!("{counted}: {other:?}"),
        }
    }
}

#[test]
fn only_a_scanner_logs_an_operator_in_or_out() {
    let rig = OperatorRig::new(Some(person("PICKER", true)), Some("0420"));
    let service = rig.service();
    let key = as_role("admin");
    assert!(refused_with(
        service.begin_operator_login(&OperatorName::Username("anna".into()), &key),
        ProblemCode::InvalidDeviceSignature
    ));
    assert!(refused_with(
        service.operator_logout(&key),
        ProblemCode::InvalidDeviceSignature
    ));
}

#[test]
fn a_logout_ends_the_operator_and_is_audited() {
    let mut rig = OperatorRig::new(None, None);
    rig.devices
        .expect_end_operator()
        .times(1)
        .returning(|device, audit| {
            assert_eq!(device.as_str(), "PDA-7");
            assert_eq!(audit.event, "operator_logout");
            Ok(true)
        });
    assert!(rig.service().operator_logout(&on_scanner()).unwrap());
}

/// A signed request with an operator logged in acts for them, within the scanner's role; an
/// operator idle too long no longer counts; being seen is written at most once a minute.
#[test]
fn signed_requests_act_for_the_operator_until_they_idle() {
    let key = SigningKey::from_bytes(&[5; 32]);
    for (idle_for, expected) in [
        (
            Duration::seconds(10),
            Some("user:u000000000000000004/device:PDA-7"),
        ),
        (
            Duration::minutes(5),
            Some("user:u000000000000000004/device:PDA-7"),
        ),
        (Duration::minutes(30), None),
    ] {
        let mut devices = MockDeviceRepository::new();
        let mut scanner = signer(device("PDA-7", &key, DeviceStatus::Active, Some("PICKER")));
        scanner.device.last_seen_at = Some(now());
        scanner.operator = Some(Operator {
            user: person("TECHNICIAN", true),
            permissions: role("TECHNICIAN").unwrap().permissions,
            started_at: now() - Duration::hours(1),
            last_seen_at: now() - idle_for,
        });
        // Remembering scanners changes nothing here: one with an operator is read with every
        // request (twice below), one whose operator idled out is remembered (read once).
        devices
            .expect_find_signer()
            .times(if expected.is_some() { 2 } else { 1 })
            .returning(move |_| Ok(Some(scanner.clone())));
        devices.expect_touch_device().never();
        devices
            .expect_touch_operator()
            .times(2 * usize::from(idle_for == Duration::minutes(5)))
            .returning(|_, _| Ok(()));
        let service = service_at(devices, now()).remembering_signers_for(Duration::seconds(1));
        let headers = signed(
            &key,
            "PDA-7",
            "GET",
            "/api/v1/items",
            now().timestamp(),
            b"",
        );
        let request = DeviceRequest {
            headers: &headers,
            method: "GET",
            path_and_query: "/api/v1/items",
            body: b"",
        };
        let actor = service.authenticate(&request, SCAN).unwrap();
        let again = service.authenticate(&request, SCAN).unwrap();
        assert_eq!(again.ledger_name(), actor.ledger_name());
        match expected {
            Some(name) => {
                assert_eq!(actor.ledger_name(), name);
                // A technician on a picker's scanner: scan and read, no repair work.
                assert!(actor.may(Permission::ScanExecute));
                assert!(!actor.may(Permission::RepairWork));
                assert!(!actor.may(Permission::WorkflowPicking));
            }
            None => {
                assert_eq!(actor.ledger_name(), "device:PDA-7");
                assert!(actor.may(Permission::WorkflowPicking));
            }
        }
    }
}

/// A badge the first generation printed (an ECK v1 label code of a user's id, from the codes
/// crate's test vectors) still logs its user in, with the v1 key configured.
#[test]
fn a_first_generation_badge_logs_its_user_in() {
    let mut user = person("PICKER", true);
    user.id = UserId::new(11).unwrap();
    let mut rig = OperatorRig::new(Some(user), Some("0420"));
    rig.decoder = eckwms_codes::Decoder::from_settings(&eckwms_codes::Settings {
        v1_key: Some("000102030405060708090a0b0c0d0e0f1011121314151617"),
        suffix: Some("M3"),
        ..eckwms_codes::Settings::default()
    })
    .unwrap();
    rig.devices
        .expect_start_operator()
        .times(1)
        .returning(|operator, _, _| {
            assert_eq!(operator.user, UserId::new(11).unwrap());
            Ok(())
        });
    let badge = "ECK2.COM/QC6QTJ5FTKT56YTRQBVA1NW01TNBWMDLP3W2XUNCRNH5VDPTEED89PFXGK35NCHW6M3";
    let logged_in = log_in(&rig.service(), OperatorName::Badge(badge.into()), "0420").unwrap();
    assert_eq!(logged_in.user.id, UserId::new(11).unwrap());
}
