//! The app against mocked ports: statuses, problem bodies, headers.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use chrono::{DateTime, Duration, TimeZone, Utc};
use eckwms_global_application::ports::{
    MockClock, MockDeviceRepository, MockHealthRepository, MockInstanceRepository,
    MockRelayRepository, MockSecretSource, StoredInstance,
};
use eckwms_global_application::{
    AdminKey, DeviceService, DiscoveryService, InstanceService, InstanceSettings, RelayService,
    Services, SystemService,
};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{
    Instance, InstanceId, InstanceName, InstanceStatus, ServerPublicKey, Tier,
};
use serde_json::{Value, json};

use crate::{HttpSettings, HttpState, build_app};

const ADMIN: &str = "admin-key-for-the-tests-0123456789abcdef";
const ID: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
const SERVER_KEY: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn instance() -> Instance {
    Instance {
        id: InstanceId::parse(ID).unwrap(),
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

fn state(instances: MockInstanceRepository, health_ok: bool) -> HttpState {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now());
    let clock = Arc::new(clock);
    let mut secrets = MockSecretSource::new();
    secrets.expect_random().returning(|| Ok([3; 32]));
    let secrets = Arc::new(secrets);
    let mut health = MockHealthRepository::new();
    health.expect_ping().returning(move || {
        if health_ok {
            Ok(())
        } else {
            Err(eckwms_global_application::AppError::Unavailable(
                anyhow::anyhow!("down"),
            ))
        }
    });
    let instances: Arc<MockInstanceRepository> = Arc::new(instances);
    let devices = DeviceService::new(
        Arc::new(MockDeviceRepository::new()),
        instances.clone(),
        clock.clone(),
        secrets.clone(),
    );
    HttpState {
        services: Services {
            instances: InstanceService::new(
                instances.clone(),
                clock.clone(),
                secrets,
                InstanceSettings::default(),
            ),
            discovery: DiscoveryService::new(
                instances.clone(),
                devices.clone(),
                clock.clone(),
                "https://g.example".into(),
                Duration::minutes(5),
            ),
            devices,
            relay: RelayService::new(
                Arc::new(MockRelayRepository::new()),
                instances,
                clock,
                Duration::seconds(60),
            ),
            system: SystemService::new(Arc::new(health)),
            admin: AdminKey::new(Some(ADMIN)),
        },
        settings: HttpSettings {
            body_limit: 2048,
            ..HttpSettings::default()
        },
        proxy: None,
    }
}

async fn call(
    state: HttpState,
    req: TestRequest,
) -> (StatusCode, Value, actix_web::http::header::HeaderMap) {
    let app = init_service(build_app(state)).await;
    let res = call_service(&app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = read_body(res).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        headers,
    )
}

fn register_body() -> Value {
    json!({"instanceId": ID, "serverPublicKey": SERVER_KEY, "localIps": ["192.168.1.5"], "port": 3100})
}

#[actix_rt::test]
async fn registration_needs_exactly_one_credential() {
    let (status, body, headers) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::post()
            .uri("/ECK/API/INTERNAL/REGISTER-INSTANCE")
            .set_json(register_body()),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "unauthenticated");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert!(headers.contains_key("x-request-id"));
    let (status, body, _) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::post()
            .uri("/ECK/API/INTERNAL/REGISTER-INSTANCE")
            .insert_header(("X-Enrollment-Token", "ecke_x"))
            .insert_header(("Authorization", "Bearer ecki_x"))
            .set_json(register_body()),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "ambiguous_credentials");
}

#[actix_rt::test]
async fn a_registration_answers_the_key_once_and_uncached() {
    let mut repo = MockInstanceRepository::new();
    repo.expect_register()
        .times(1)
        .returning(|_| Ok(instance()));
    let token = format!("ecke_{}", "A".repeat(43));
    let (status, body, headers) = call(
        state(repo, true),
        TestRequest::post()
            .uri("/ECK/API/INTERNAL/REGISTER-INSTANCE")
            .insert_header(("X-Enrollment-Token", token.as_str()))
            .set_json(register_body()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(
        body["apiKey"]
            .as_str()
            .unwrap()
            .starts_with("ecki_0b0e6f3a")
    );
    assert_eq!(body["instanceId"], ID);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
}

#[actix_rt::test]
async fn bodies_are_checked_before_anything_runs() {
    let token = format!("ecke_{}", "A".repeat(43));
    let base = || {
        TestRequest::post()
            .uri("/ECK/API/INTERNAL/REGISTER-INSTANCE")
            .insert_header(("X-Enrollment-Token", token.clone()))
    };
    let cases = [
        (
            base()
                .insert_header(("Content-Type", "text/plain"))
                .set_payload("{}"),
            415,
            "unsupported_media_type",
        ),
        (
            base()
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{"),
            400,
            "malformed_body",
        ),
        (
            base()
                .insert_header(("Content-Type", "application/json"))
                .set_payload(" ".repeat(3000)),
            413,
            "payload_too_large",
        ),
        (
            base().set_json(json!({"instanceId": ID})),
            400,
            "malformed_body",
        ),
        (
            base().set_json(json!({"instanceId": "x", "serverPublicKey": "y", "port": 70000})),
            422,
            "validation_failed",
        ),
    ];
    for (req, status, code) in cases {
        // The repository mock has no expectations: any call would panic.
        let (got, body, _) = call(state(MockInstanceRepository::new(), true), req).await;
        assert_eq!(got.as_u16(), status, "{body}");
        assert_eq!(body["code"], code);
    }
}

#[actix_rt::test]
async fn anonymous_discovery_gets_the_proxy_only() {
    let mut repo = MockInstanceRepository::new();
    repo.expect_find().returning(|_| {
        Ok(Some(StoredInstance {
            instance: instance(),
            key_hash: SecretHash::of("k"),
        }))
    });
    let (status, body, _) = call(
        state(repo, true),
        TestRequest::get().uri(&format!("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{ID}")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["candidates"],
        json!([{"url": format!("https://g.example/ECK/PROXY/{ID}"), "type": "GLOBAL_PROXY",
            "priority": 100, "reason": "through the global service; reachable from anywhere"}])
    );
    assert_eq!(body["online"], true);
    assert_eq!(body["tier"], "free");
}

#[actix_rt::test]
async fn operator_routes_need_the_admin_key() {
    let (status, body, _) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::get().uri("/ECK/API/ADMIN/INSTANCES"),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "invalid_admin_key");
    let mut repo = MockInstanceRepository::new();
    repo.expect_list().returning(|| Ok(vec![instance()]));
    let (status, body, _) = call(
        state(repo, true),
        TestRequest::get()
            .uri("/ECK/API/ADMIN/INSTANCES")
            .insert_header(("Authorization", format!("Bearer {ADMIN}"))),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["instances"][0]["instanceId"], ID);
    assert!(body["instances"][0].get("keyHash").is_none());
}

#[actix_rt::test]
async fn health_reports_a_degraded_database() {
    let (status, body, _) = call(
        state(MockInstanceRepository::new(), false),
        TestRequest::get().uri("/ECK/HEALTH"),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "disconnected");
    let (status, body, _) = call(
        state(MockInstanceRepository::new(), false),
        TestRequest::get().uri("/ready"),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "not_ready");
}

#[actix_rt::test]
async fn unknown_paths_and_wrong_methods_are_problems() {
    let (status, body, _) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::get().uri("/x"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "route_not_found");
    let (status, _, headers) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::delete().uri("/ECK/API/DEVICE/CHALLENGE"),
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(headers.get("allow").unwrap(), "POST");
}

#[test]
fn the_document_lists_every_route() {
    let doc = crate::openapi();
    let paths: Vec<&String> = doc.paths.paths.keys().collect();
    for path in [
        "/ECK/HEALTH",
        "/ECK/API/INTERNAL/REGISTER-INSTANCE",
        "/ECK/API/INTERNAL/GET-INSTANCE-INFO/{id}",
        "/ECK/API/INTERNAL/GET-INSTANCE-INFO",
        "/ECK/API/DEVICE/REGISTER",
        "/ECK/API/RELAY/SCANS",
        "/ECK/API/INTERNAL/RELAY/PULL",
        "/ECK/API/ADMIN/INSTANCES/{id}/ROTATE-KEY",
    ] {
        assert!(paths.iter().any(|p| p.as_str() == path), "{path} missing");
    }
}
