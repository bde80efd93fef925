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
