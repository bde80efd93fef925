//! Scanners over HTTP: pairing (with the device protocol's shared vectors), the admins'
//! registry.

use std::sync::{Arc, Mutex};

use actix_web::test::TestRequest;
use eckwms_application::AppError;
use eckwms_application::ports::{DevicePatch, DeviceRegistration};
use eckwms_device_protocol::vectors::Vectors;
use eckwms_domain::Name;
use eckwms_domain::devices::{Device, DeviceId, DevicePublicKey, DeviceStatus};
use serde_json::json;

use super::*;

const KEY_A: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fn device(id: &str, status: DeviceStatus, role: Option<&str>, version: i64) -> Device {
    Device {
        id: DeviceId::parse(id).unwrap(),
        name: Name::new("name", "PDA seven").unwrap(),
        public_key: DevicePublicKey::parse(KEY_A).unwrap(),
        status,
        role: role.map(str::to_owned),
        version,
        registered_at: now(),
        updated_at: now(),
        last_seen_at: None,
    }
}

/// Registrations a mock stores once per nonce, as the database does.
fn registering(m: &mut Mocks) -> Arc<Mutex<Vec<DeviceRegistration>>> {
    let stored = Arc::new(Mutex::new(Vec::<DeviceRegistration>::new()));
    let seen = stored.clone();
    m.devices
        .expect_register_device()
        .returning(move |registration, _, audit| {
            assert_eq!(audit.event, "device_registered");
            let mut seen = seen.lock().unwrap();
            if seen.iter().any(|r| r.nonce == registration.nonce) {
                return Err(AppError::refused(
                    eckwms_application::ProblemCode::ChallengeInvalid,
                    "the nonce is unknown, used or expired; ask for a new challenge",
                ));
            }
            seen.push(registration.clone());
            Ok(registration.device.clone())
        });
    stored
}

fn post_public(path: &str, body: Value) -> TestRequest {
    TestRequest::post().uri(path).set_json(body)
}

#[actix_rt::test]
async fn a_challenge_needs_no_credential() {
    let state = Mocks::new().state();
    let reply = call(&state, TestRequest::post().uri("/ECK/API/DEVICE/CHALLENGE")).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let nonce = reply.json()["nonce"].as_str().unwrap().to_owned();
    assert!(eckwms_device_protocol::is_nonce(&nonce), "{nonce}");
    assert_eq!(reply.json()["expiresAt"], "2026-11-24T12:05:00.000000Z");
}

/// The shared vectors' registrations, sent as a scanner sends them, register pending devices;
/// sent again, each is refused (its nonce is spent); the refused vectors are refused with
/// their codes.
#[actix_rt::test]
async fn the_vectors_register_over_http_and_replays_are_refused() {
    let vectors = Vectors::load().unwrap();
    let mut m = Mocks::new();
    let stored = registering(&mut m);
    let state = m.state();
    for case in &vectors.registrations {
        let body = json!({
            "deviceId": case.device_id,
            "deviceName": "Scanner 1",
            "devicePublicKey": case.public_key,
            "nonce": case.nonce,
            "signature": case.signature,
            "instanceId": INSTANCE_ID.replace('-', "").to_uppercase(),
        });
        let reply = call(
            &state,
            post_public("/ECK/API/DEVICE/REGISTER", body.clone()),
        )
        .await;
        assert_eq!(reply.status, 200, "{}: {:?}", case.name, reply.body);
        let out = reply.json();
        assert_eq!(out["deviceId"], case.device_id.as_str());
        assert_eq!(out["devicePublicKey"], case.public_key.as_str());
        assert_eq!(out["status"], "pending");
        assert_eq!(out["instanceId"], INSTANCE_ID);
        let replay = call(&state, post_public("/ECK/API/DEVICE/REGISTER", body)).await;
        replay.assert_problem(409, "challenge_invalid");
    }
    assert_eq!(stored.lock().unwrap().len(), vectors.registrations.len());

    for case in vectors
        .refused
        .registrations
        .iter()
        .filter(|c| c.existing_key.is_none())
    {
        let reply = call(
            &state,
            post_public(
                "/ECK/API/DEVICE/REGISTER",
                json!({
                    "deviceId": case.device_id,
                    "deviceName": "Scanner 1",
                    "devicePublicKey": case.public_key,
                    "nonce": case.nonce,
                    "signature": case.signature,
                }),
            ),
        )
        .await;
        reply.assert_problem(401, &case.code);
    }
    for case in &vectors.refused.public_keys {
        let reply = call(
            &state,
            post_public(
                "/ECK/API/DEVICE/REGISTER",
                json!({
                    "deviceId": "PDA-7",
                    "deviceName": "Scanner 1",
                    "devicePublicKey": case.text,
                    "nonce": vectors.nonces[0].nonce,
                    "signature": vectors.registrations[0].signature,
                }),
            ),
        )
        .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["devicePublicKey"], "{}", case.name);
    }
}

#[actix_rt::test]
async fn a_registration_for_another_instance_is_not_found() {
    let vectors = Vectors::load().unwrap();
    let case = &vectors.registrations[0];
    let mut m = Mocks::new();
    m.devices.expect_register_device().never();
    let state = m.state();
    let reply = call(
        &state,
        post_public(
            "/ECK/API/DEVICE/REGISTER",
            json!({
                "deviceId": case.device_id,
                "deviceName": "Scanner 1",
                "devicePublicKey": case.public_key,
                "nonce": case.nonce,
                "signature": case.signature,
                "instanceId": "0b0e6f3a-1234-4abc-8def-0123456789ac",
            }),
        ),
    )
    .await;
    reply.assert_problem(404, "not_found");
    let reply = call(
        &state,
        post_public(
            "/ECK/API/DEVICE/REGISTER",
            json!({"deviceId": "PDA-7", "deviceName": "x", "devicePublicKey": KEY_A,
                   "nonce": case.nonce, "signature": case.signature, "extra": 1}),
        ),
    )
    .await;
    reply.assert_problem(400, "malformed_body");
}

#[actix_rt::test]
async fn admins_list_read_approve_and_remove_devices() {
    let mut m = Mocks::new();
    m.devices.checkpoint();
    m.devices.expect_find_device().returning(|id| {
        Ok((id.as_str() == "PDA-7").then(|| device("PDA-7", DeviceStatus::Pending, None, 2)))
    });
    m.devices
        .expect_list_devices()
        .withf(|filter, page| {
            filter.status == Some(DeviceStatus::Pending)
                && page.after.as_ref().map(DeviceId::as_str) == Some("A-1")
                && page.limit == 3
        })
        .returning(|_, _| {
            Ok(vec![
                device("PDA-7", DeviceStatus::Pending, None, 2),
                device("PDA-8", DeviceStatus::Pending, None, 1),
                device("PDA-9", DeviceStatus::Pending, None, 1),
            ])
        });
    let patches = Arc::new(Mutex::new(Vec::<(DevicePatch, String)>::new()));
    let seen = patches.clone();
    m.devices
        .expect_update_device()
        .returning(move |id, expected, patch, _, audit, _| {
            assert_eq!(id.as_str(), "PDA-7");
            assert_eq!(expected, eckwms_application::ports::Expected::Version(2));
            seen.lock()
                .unwrap()
                .push((patch.clone(), audit.event.clone()));
            Ok(device(
                "PDA-7",
                patch.status.unwrap_or(DeviceStatus::Pending),
                patch.role.clone().flatten().as_deref(),
                3,
            ))
        });
    m.devices
        .expect_delete_device()
        .times(1)
        .returning(|_, _, audit, _| {
            assert_eq!(audit.event, "device_deleted");
            Ok(())
        });
    let state = m.state();
    let manager = role_key("MANAGER");

    let page = call(
        &state,
        get(
            "/api/v1/devices?status=pending&cursor=A-1&limit=2",
            &manager,
        ),
    )
    .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.json()["next_cursor"], "PDA-8");
    assert_eq!(page.json()["items"].as_array().unwrap().len(), 2);
    let bad = call(&state, get("/api/v1/devices?status=on", &manager)).await;
    bad.assert_problem(400, "invalid_query");

    let one = call(&state, get("/api/v1/devices/PDA-7", &manager)).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.header("etag"), Some("\"2\""));
    assert_eq!(one.json()["status"], "pending");
    assert_eq!(one.json()["public_key"], KEY_A);
    call(&state, get("/api/v1/devices/PDA-0", &manager))
        .await
        .assert_problem(404, "not_found");
    call(&state, get("/api/v1/devices/a%20b", &manager))
        .await
        .assert_problem(400, "invalid_id");

    let approve = patch_json(
        "/api/v1/devices/PDA-7",
        &manager,
        json!({"status": "active", "role": "PICKER"}),
    )
    .insert_header(("If-Match", "\"2\""));
    let reply = call(&state, approve).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"3\""));
    assert_eq!(reply.json()["status"], "active");
    assert_eq!(reply.json()["role"], "PICKER");
    let (patch, event) = patches.lock().unwrap()[0].clone();
    assert_eq!(event, "device_activated");
    assert_eq!(patch.role, Some(Some("PICKER".into())));

    // A manager does not give SUPER_ADMIN (core.admin).
    let reply = call(
        &state,
        patch_json(
            "/api/v1/devices/PDA-7",
            &manager,
            json!({"role": "SUPER_ADMIN"}),
        )
        .insert_header(("If-Match", "\"2\"")),
    )
    .await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(reply.json()["permission"], "core.admin");
    for (body, field) in [
        (json!({"status": null}), "status"),
        (json!({"name": null}), "name"),
        (json!({"status": "on"}), "status"),
    ] {
        let reply = call(
            &state,
            patch_json("/api/v1/devices/PDA-7", &manager, body).insert_header(("If-Match", "*")),
        )
        .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field]);
    }
    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/devices/PDA-7")
            .insert_header(bearer(&manager)),
    )
    .await;
    reply.assert_problem(428, "precondition_required");
    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/devices/PDA-7")
            .insert_header(bearer(&manager))
            .insert_header(("If-Match", "\"2\"")),
    )
    .await;
    assert_eq!(reply.status, 204, "{:?}", reply.body);

    // A picker manages no devices.
    call(&state, get("/api/v1/devices", &role_key("PICKER")))
        .await
        .assert_problem(403, "forbidden");
}

// ---------------------------------------------------------------- signed requests

use crate::permissions::{ROUTES, Requirement};
use eckwms_application::ports::Signer;
use eckwms_device_protocol::signing::{SigningKey, public_key, request_headers};
use eckwms_domain::access::SEEDED_ROLES;

/// The key every scanner of these tests signs with.
fn scanner_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// A scanner as the signed requests find it: `R-<n>` has the seeded role `n`, `R-none` none;
/// `PDA-7` is a picker; `PDA-P` is pending, `PDA-B` blocked.
fn scanner(id: &str) -> Option<Signer> {
    let (status, role) = match id {
        "PDA-7" => (DeviceStatus::Active, Some("PICKER")),
        "PDA-P" => (DeviceStatus::Pending, Some("PICKER")),
        "PDA-B" => (DeviceStatus::Blocked, Some("PICKER")),
        "R-none" => (DeviceStatus::Active, None),
        other => {
            let n: usize = other.strip_prefix("R-")?.parse().ok()?;
            (DeviceStatus::Active, Some(SEEDED_ROLES.get(n)?.name))
        }
    };
    let mut d = device(id, status, role, 2);
    d.public_key = public_key(&scanner_key());
    d.last_seen_at = Some(now());
    Some(Signer {
        role_permissions: role.and_then(seeded_role).map(|r| r.permissions),
        device: d,
        operator: None,
    })
}

/// Mocks whose scanners are [`scanner`]'s, recording each write's signature.
fn scanner_mocks() -> (Mocks, Arc<Mutex<Vec<String>>>) {
    let mut m = Mocks::new();
    m.devices
        .expect_find_signer()
        .returning(|id| Ok(scanner(id.as_str())));
    m.devices.expect_touch_device().returning(|_, _| Ok(()));
    m.devices.expect_end_operator().returning(|_, _| Ok(false));
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let seen = recorded.clone();
    m.devices
        .expect_record_signature()
        .returning(move |hash, _| {
            let mut seen = seen.lock().unwrap();
            let new = !seen.contains(&hash.to_owned());
            seen.push(hash.to_owned());
            Ok(new)
        });
    (m, recorded)
}

/// `req` signed by scanner `device` at `at` over `method`, `uri` and `body`.
fn signed_at(
    req: TestRequest,
    device: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    at: i64,
) -> TestRequest {
    let headers = request_headers(
        &scanner_key(),
        &DeviceId::parse(device).unwrap(),
        method,
        uri,
        at,
        body,
    );
    headers
        .into_iter()
        .fold(req, |req, header| req.insert_header(header))
}

fn signed(req: TestRequest, device: &str, method: &str, uri: &str, body: &[u8]) -> TestRequest {
    signed_at(req, device, method, uri, body, now().timestamp())
}

/// A signed JSON post.
fn signed_post(device: &str, uri: &str, body: Value) -> TestRequest {
    let bytes = serde_json::to_vec(&body).unwrap();
    signed(
        TestRequest::post()
            .uri(uri)
            .insert_header(("content-type", "application/json"))
            .set_payload(bytes.clone()),
        device,
        "POST",
        uri,
        &bytes,
    )
}

/// Every route of the table, signed by an active scanner of every seeded role and by one
/// without a role: the role's permissions decide as for a key of that role; the routes only a
/// signature opens open; public routes read no signature.
#[actix_rt::test]
async fn every_route_answers_every_scanners_role_as_declared() {
    let (mut m, _) = scanner_mocks();
    m.health.expect_ping().returning(|| Ok(()));
    m.health
        .expect_pending_migrations()
        .returning(|| Ok(vec![]));
    m.api_keys.expect_list_api_keys().returning(|| Ok(vec![]));
    m.scans.expect_delete_session().returning(|_| Ok(false));
    let state = m.state();
    let app = actix_web::test::init_service(crate::build_app(state)).await;
    let scanners: Vec<(String, eckwms_domain::access::Permissions)> = SEEDED_ROLES
        .iter()
        .enumerate()
        .map(|(n, r)| (format!("R-{n}"), r.permissions()))
        .chain([("R-none".to_owned(), Default::default())])
        .collect();
    let mut checked = 0;
    for (method, path, requirement) in ROUTES {
        for (device, permissions) in &scanners {
            // A scanner's own routes name it; every other id is a placeholder that fails
            // validation, so that a request let through stops before the services.
            let own = if path.starts_with("/ECK/API/DEVICE/") {
                device.as_str()
            } else {
                "x"
            };
            let mut uri = path
                .replace("{id}", own)
                .replace("{box_id}", "x")
                .replace("{name}", "x");
            if *method == "GET" {
                uri.push_str("?limit=0");
            }
            let req = TestRequest::default()
                .method(method.parse().unwrap())
                .uri(&uri);
            let res = actix_web::test::call_service(
                &app,
                signed(req, device, method, &uri, b"").to_request(),
            )
            .await;
            let status = res.status().as_u16();
            let body: Value =
                serde_json::from_slice(&actix_web::test::read_body(res).await).unwrap_or_default();
            match requirement {
                Requirement::Permission(p) if !permissions.has(*p) => {
                    assert_eq!(status, 403, "{method} {path} by {device}: {body}");
                    assert_eq!(body["code"], "forbidden", "{method} {path}");
                    assert_eq!(body["permission"], p.as_str(), "{method} {path}");
                }
                _ => assert!(
                    status != 401 && status != 403,
                    "{method} {uri} by {device}: {status} {body}"
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * (SEEDED_ROLES.len() + 1));
}

/// A pending or blocked scanner's signed scan is 403 `device_not_active` and runs nothing; its
/// status poll answers.
#[actix_rt::test]
async fn a_scanner_that_is_not_active_may_only_ask_its_status() {
    let (mut m, recorded) = scanner_mocks();
    m.unit.expect_run().never();
    m.devices.checkpoint();
    m.devices
        .expect_find_signer()
        .returning(|id| Ok(scanner(id.as_str())));
    m.devices.expect_record_signature().never();
    m.devices.expect_touch_device().returning(|_, _| Ok(()));
    m.devices
        .expect_find_device()
        .returning(|id| Ok(scanner(id.as_str()).map(|s| s.device)));
    let state = m.state();
    for device in ["PDA-P", "PDA-B"] {
        let scan = json!({"barcode": "i000000000000000001", "msg_id": "m-1"});
        let reply = call(&state, signed_post(device, "/api/v1/scans", scan.clone())).await;
        reply.assert_problem(403, "device_not_active");
        let reply = call(&state, signed_post(device, "/ECK/API/SCAN", scan)).await;
        reply.assert_problem(403, "device_not_active");
        let uri = format!("/ECK/API/DEVICE/{device}/STATUS");
        let reply = call(
            &state,
            signed(TestRequest::get().uri(&uri), device, "GET", &uri, b""),
        )
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.json()["deviceId"], device);
        assert_eq!(reply.json()["role"], "PICKER");
    }
    assert_eq!(
        call(
            &state,
            signed(
                TestRequest::get().uri("/ECK/API/DEVICE/PDA-7/STATUS"),
                "PDA-P",
                "GET",
                "/ECK/API/DEVICE/PDA-7/STATUS",
                b""
            )
        )
        .await
        .json()["code"],
        "invalid_device_signature",
        "another device's status"
    );
    assert!(recorded.lock().unwrap().is_empty());
}

/// Signatures that do not hold, and signatures sent with another credential.
#[actix_rt::test]
async fn bad_signatures_and_mixed_credentials_are_refused() {
    let (mut m, _) = scanner_mocks();
    m.items
        .expect_list_items()
        .times(1)
        .returning(|_, _| Ok(vec![]));
    let state = m.state();
    let uri = "/api/v1/items?limit=5";
    let get_signed = |device: &str, signed_uri: &str, at: i64| {
        signed_at(
            TestRequest::get().uri(uri),
            device,
            "GET",
            signed_uri,
            b"",
            at,
        )
    };
    let t = now().timestamp();
    let reply = call(&state, get_signed("PDA-7", uri, t)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    for (req, status, code) in [
        (
            get_signed("PDA-7", "/api/v1/items?limit=6", t),
            401,
            "invalid_device_signature",
        ),
        (get_signed("PDA-9", uri, t), 401, "invalid_device_signature"),
        (
            get_signed("PDA-7", uri, t - 301),
            401,
            "stale_device_signature",
        ),
        (
            get_signed("PDA-7", uri, t).insert_header(bearer(READ_KEY)),
            400,
            "ambiguous_credentials",
        ),
        (
            get_signed("PDA-7", uri, t).insert_header(("x-api-key", READ_KEY)),
            400,
            "ambiguous_credentials",
        ),
        (
            TestRequest::get()
                .uri(uri)
                .insert_header(("x-device-id", "PDA-7"))
                .insert_header(bearer(READ_KEY)),
            400,
            "ambiguous_credentials",
        ),
        (
            TestRequest::get()
                .uri(uri)
                .insert_header(("x-device-id", "PDA-7")),
            401,
            "invalid_device_signature",
        ),
        (
            get_signed("PDA-7", uri, t).append_header(("x-device-id", "PDA-7")),
            400,
            "invalid_header",
        ),
    ] {
        let reply = call(&state, req).await;
        reply.assert_problem(status, code);
    }
    // A route only a signature opens, asked with a key: 401.
    call(&state, get("/ECK/API/DEVICE/PDA-7/STATUS", ADMIN_KEY))
        .await
        .assert_problem(401, "invalid_device_signature");
    // The body is signed: another body is another request.
    let body = br#"{"name":"Shelf 9"}"#;
    let reply = call(
        &state,
        signed(
            TestRequest::post()
                .uri("/api/v1/places")
                .insert_header(("content-type", "application/json"))
                .set_payload(&br#"{"name":"Shelf 8"}"#[..]),
            "R-1",
            "POST",
            "/api/v1/places",
            body,
        ),
    )
    .await;
    reply.assert_problem(401, "invalid_device_signature");
    // A signed body larger than http.body_limit is refused before it is read to its end.
    let large = vec![b' '; 5000];
    let reply = call(
        &state,
        signed(
            TestRequest::post()
                .uri("/api/v1/places")
                .insert_header(("content-type", "application/json"))
                .set_payload(large.clone()),
            "R-1",
            "POST",
            "/api/v1/places",
            &large,
        ),
    )
    .await;
    reply.assert_problem(413, "payload_too_large");
}

/// A signed write other than a scan runs once: the same signed request again is 409
/// `signature_replayed` and reaches no service; a signed scan sent again is answered from the
/// scan log (its `msg_id`), its signature never recorded.
#[actix_rt::test]
async fn a_replayed_signed_write_changes_nothing() {
    let (mut m, recorded) = scanner_mocks();
    m.places.expect_create_place().times(1).returning(|_, _| {
        Err(AppError::refused(
            eckwms_application::ProblemCode::PlaceIdTaken,
            "reached the service",
        ))
    });
    m.unit.expect_run().times(2).returning(|_, _| {
        Err(AppError::refused(
            eckwms_application::ProblemCode::MsgIdReused,
            "reached the scan",
        ))
    });
    let state = m.state();
    // R-1 is a MANAGER: it may create places.
    let place = || signed_post("R-1", "/api/v1/places", json!({"name": "Shelf 9"}));
    call(&state, place())
        .await
        .assert_problem(409, "place_id_taken");
    call(&state, place())
        .await
        .assert_problem(409, "signature_replayed");
    assert_eq!(recorded.lock().unwrap().len(), 2);
    let scan = || {
        signed_post(
            "PDA-7",
            "/api/v1/scans",
            json!({"barcode": "i000000000000000001", "msg_id": "m-1"}),
        )
    };
    call(&state, scan())
        .await
        .assert_problem(409, "msg_id_reused");
    call(&state, scan())
        .await
        .assert_problem(409, "msg_id_reused");
    assert_eq!(
        recorded.lock().unwrap().len(),
        2,
        "scans record no signature"
    );
}

/// A scanner verified lately is checked from memory: its next scans reach the scan without
/// reading the scanner again, while a forged signature is still refused (from the database).
#[actix_rt::test]
async fn a_scanner_verified_lately_scans_without_being_read_again() {
    let mut m = Mocks::new();
    m.signer_memory = chrono::Duration::seconds(1);
    m.devices
        .expect_find_signer()
        .times(2)
        .returning(|id| Ok(scanner(id.as_str())));
    m.unit.expect_run().times(3).returning(|_, _| {
        Err(AppError::refused(
            eckwms_application::ProblemCode::MsgIdReused,
            "reached the scan",
        ))
    });
    let state = m.state();
    for n in 0..3 {
        let body = json!({"barcode": "i000000000000000001", "msg_id": format!("m-{n}")});
        let bytes = serde_json::to_vec(&body).unwrap();
        let req = signed_at(
            TestRequest::post()
                .uri("/api/v1/scans")
                .insert_header(("content-type", "application/json"))
                .set_payload(bytes.clone()),
            "PDA-7",
            "POST",
            "/api/v1/scans",
            &bytes,
            now().timestamp() - n,
        );
        call(&state, req).await.assert_problem(409, "msg_id_reused");
    }
    // Signed over another body than the one sent.
    let forged = signed(
        TestRequest::post()
            .uri("/api/v1/scans")
            .insert_header(("content-type", "application/json"))
            .set_payload(r#"{"barcode":"i000000000000000002","msg_id":"m-9"}"#),
        "PDA-7",
        "POST",
        "/api/v1/scans",
        br#"{"barcode":"i000000000000000001","msg_id":"m-9"}"#,
    );
    call(&state, forged)
        .await
        .assert_problem(401, "invalid_device_signature");
}

/// A scanner's signed scan naming another device is 401; the caller is the scanner.
#[actix_rt::test]
async fn a_scanner_scans_as_itself_and_knows_who_it_is() {
    let (mut m, _) = scanner_mocks();
    m.unit.expect_run().never();
    let state = m.state();
    let reply = call(
        &state,
        signed_post(
            "PDA-7",
            "/ECK/API/SCAN",
            json!({"barcode": "i000000000000000001", "msgId": "m-1", "deviceId": "PDA-8"}),
        ),
    )
    .await;
    reply.assert_problem(401, "invalid_device_signature");
    let reply = call(
        &state,
        signed(
            TestRequest::get().uri("/api/v1/auth/me"),
            "PDA-7",
            "GET",
            "/api/v1/auth/me",
            b"",
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let me = reply.json();
    assert_eq!(me["kind"], "device");
    assert_eq!(me["device_id"], "PDA-7");
    assert_eq!(me["role"], "PICKER");
    assert!(
        me["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("scan.execute"))
    );
}

// ---------------------------------------------------------------- operators

use eckwms_application::ports::{LoginUser, Operator, User};
use eckwms_domain::UserId;

fn anna(role: &str) -> User {
    User {
        id: UserId::new(4).unwrap(),
        username: "anna".into(),
        display_name: "Anna K".into(),
        role: role.into(),
        active: true,
        has_pin: true,
        language: None,
        last_login_at: None,
        version: 3,
        created_at: now(),
        updated_at: now(),
    }
}

/// Anna (`TECHNICIAN`, PIN 0420) can log in on the scanners of [`scanner_mocks`].
fn operator_mocks() -> Mocks {
    let (mut m, _) = scanner_mocks();
    let pin = fast_passwords()
        .hash("0420", &eckwms_application::OsSecrets)
        .unwrap();
    let login = LoginUser {
        user: anna("TECHNICIAN"),
        password_hash: "$argon2id$not-this".into(),
        pin_hash: Some(pin),
        permissions: seeded_role("TECHNICIAN").unwrap().permissions,
    };
    let by_name = login.clone();
    m.users
        .expect_find_login()
        .returning(move |key| Ok((key == "anna").then(|| by_name.clone())));
    m.users
        .expect_find_login_by_id()
        .returning(move |id| Ok((id == login.user.id).then(|| login.clone())));
    m.users
        .expect_get_user()
        .returning(|_| Ok(anna("TECHNICIAN")));
    m.sessions
        .expect_failed_logins()
        .returning(|_, _| Ok((0, None)));
    m
}

#[actix_rt::test]
async fn an_operator_logs_in_on_a_scanner_with_a_pin() {
    let mut m = operator_mocks();
    m.devices
        .expect_start_operator()
        .times(2)
        .returning(|operator, forget, audit| {
            assert_eq!(
                (operator.device.as_str(), operator.user_version),
                ("PDA-7", 3)
            );
            assert_eq!(forget, "user:anna");
            assert_eq!(audit.event, "operator_login_succeeded");
            Ok(())
        });
    m.sessions
        .expect_record_failed_login()
        .times(2)
        .returning(|subjects, _, _| {
            assert_eq!(subjects[1], "device:PDA-7");
            Ok(())
        });
    let state = m.state();
    for body in [
        json!({"username": "Anna", "pin": "0420"}),
        json!({"badge": "u000000000000000004", "pin": "0420"}),
    ] {
        let reply = call(&state, signed_post("PDA-7", "/ECK/API/DEVICE/LOGIN", body)).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let out = reply.json();
        assert_eq!(out["deviceId"], "PDA-7");
        assert_eq!(out["user"]["displayName"], "Anna K");
        // A technician on a picker's scanner: what both allow.
        assert_eq!(
            out["permissions"],
            json!(["settings.view", "scan.execute", "inventory.view"])
        );
    }
    let mut answers = Vec::new();
    for body in [
        json!({"username": "anna", "pin": "9999"}),
        json!({"badge": "u000000000000000009", "pin": "0420"}),
    ] {
        let reply = call(&state, signed_post("PDA-7", "/ECK/API/DEVICE/LOGIN", body)).await;
        reply.assert_problem(401, "invalid_credentials");
        let mut problem = reply.json();
        problem["request_id"] = Value::Null;
        answers.push(problem);
    }
    assert_eq!(answers[0], answers[1]);
    for (body, fields) in [
        (json!({"pin": "0420"}), &["username", "badge"][..]),
        (
            json!({"username": "anna", "badge": "x", "pin": "0420"}),
            &["username", "badge"],
        ),
        (json!({"username": "anna", "pin": ""}), &["pin"]),
    ] {
        let reply = call(&state, signed_post("PDA-7", "/ECK/API/DEVICE/LOGIN", body)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), fields);
    }
    // A pending scanner logs nobody in; an API key neither.
    call(
        &state,
        signed_post(
            "PDA-P",
            "/ECK/API/DEVICE/LOGIN",
            json!({"username": "anna", "pin": "0420"}),
        ),
    )
    .await
    .assert_problem(403, "device_not_active");
    call(
        &state,
        post_json(
            "/ECK/API/DEVICE/LOGIN",
            ADMIN_KEY,
            json!({"username": "anna", "pin": "0420"}),
        ),
    )
    .await
    .assert_problem(401, "invalid_device_signature");
}

#[actix_rt::test]
async fn a_throttled_operator_login_is_429() {
    let mut m = operator_mocks();
    m.sessions.checkpoint();
    m.sessions.expect_failed_logins().returning(|subject, _| {
        Ok(if subject == "device:PDA-7" {
            (30, Some(now()))
        } else {
            (0, None)
        })
    });
    m.devices.expect_start_operator().never();
    let state = m.state();
    let reply = call(
        &state,
        signed_post(
            "PDA-7",
            "/ECK/API/DEVICE/LOGIN",
            json!({"username": "anna", "pin": "0420"}),
        ),
    )
    .await;
    reply.assert_problem(429, "rate_limited");
    assert_eq!(reply.header("retry-after"), Some("900"));
}

/// With an operator logged in, the scanner's requests act for them: their history names
/// them, /auth/me shows them; a logout ends it.
#[actix_rt::test]
async fn a_scanners_requests_act_for_its_operator() {
    let mut m = operator_mocks();
    m.devices.checkpoint();
    m.devices.expect_find_signer().returning(|id| {
        Ok(scanner(id.as_str()).map(|mut signer| {
            signer.operator = Some(Operator {
                user: anna("TECHNICIAN"),
                permissions: seeded_role("TECHNICIAN").unwrap().permissions,
                started_at: now(),
                last_seen_at: now(),
            });
            signer
        }))
    });
    m.devices
        .expect_record_signature()
        .returning(|_, _| Ok(true));
    m.devices
        .expect_end_operator()
        .times(1)
        .returning(|device, audit| {
            assert_eq!(device.as_str(), "PDA-7");
            assert_eq!(audit.event, "operator_logout");
            assert_eq!(
                audit.actor.as_deref(),
                Some("user:u000000000000000004/device:PDA-7")
            );
            Ok(true)
        });
    let state = m.state();
    let reply = call(
        &state,
        signed(
            TestRequest::get().uri("/api/v1/auth/me"),
            "PDA-7",
            "GET",
            "/api/v1/auth/me",
            b"",
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let me = reply.json();
    assert_eq!(me["kind"], "device");
    assert_eq!(me["user"]["username"], "anna");
    assert_eq!(me["role"], "TECHNICIAN (on a scanner limited to PICKER)");
    // The technician may record repairs; on a picker's scanner not.
    let reply = call(
        &state,
        signed_post(
            "PDA-7",
            "/api/v1/items/i000000000000000001/actions",
            json!({"type": "note", "message": "x"}),
        ),
    )
    .await;
    reply.assert_problem(403, "forbidden");
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("limited to PICKER")
    );
    let reply = call(
        &state,
        signed_post("PDA-7", "/ECK/API/DEVICE/LOGOUT", json!({})),
    )
    .await;
    assert_eq!(reply.status, 204, "{:?}", reply.body);
}

// ---------------------------------------------------------------- badges

use eckwms_application::ports::{LabelPrint, LabelSubject};
use eckwms_domain::{IdKind, ObjectId};

/// A user's badge is a label of kind `user` of an existing user, captioned with their name;
/// its code, scanned, asks for the PIN and changes nothing; sent as `badge`, it logs the user
/// in on a scanner.
#[actix_rt::test]
async fn badges_are_printed_asked_for_a_pin_and_log_in() {
    let mut m = operator_mocks();
    let anna_id = ObjectId::parse("u000000000000000004").unwrap();
    m.labels.expect_label_subjects().returning(move |ids| {
        Ok(ids
            .iter()
            .filter(|id| **id == anna_id)
            .map(|id| LabelSubject {
                id: *id,
                caption: Some("Anna K".into()),
            })
            .collect())
    });
    m.labels
        .expect_record_reprint()
        .times(1)
        .returning(|kind, ids, format, actor, at| {
            Ok(LabelPrint {
                id: 40,
                at,
                actor: actor.to_owned(),
                kind,
                reprint: true,
                format: format.to_owned(),
                objects: ids.to_vec(),
            })
        });
    m.devices
        .expect_start_operator()
        .times(1)
        .returning(|_, _, _| Ok(()));
    let state = m.state();
    let manager = role_key("MANAGER");
    let reply = call(
        &state,
        post_json(
            "/api/v1/labels?format=json",
            &manager,
            json!({"kind": "user", "ids": ["u000000000000000004"]}),
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let label = reply.json()["labels"][0].clone();
    assert_eq!(label["caption"], "Anna K");
    assert_eq!(label["id"], "u000000000000000004");
    let badge = label["codes"][0].as_str().unwrap().to_owned();
    assert!(matches!(
        test_decoder().classify(&badge),
        eckwms_codes::Scanned::Label { id, .. } if id.kind() == IdKind::User
    ));
    for body in [
        json!({"kind": "user", "count": 3}),
        json!({"kind": "user", "ids": ["u000000000000000009"]}),
    ] {
        let reply = call(
            &state,
            post_json("/api/v1/labels?format=json", &manager, body),
        )
        .await;
        reply.assert_problem(422, "validation_failed");
    }
    let reply = call(
        &state,
        signed_post(
            "PDA-7",
            "/ECK/API/DEVICE/LOGIN",
            json!({"badge": badge, "pin": "0420"}),
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["user"]["id"], "u000000000000000004");
}
