//! The app against mocked ports: statuses, problem bodies, headers.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use chrono::{DateTime, Duration, TimeZone, Utc};
use eckwms_device_protocol::vectors::Vectors;
use eckwms_device_protocol::{DeviceId, DevicePublicKey, DeviceStatus};
use eckwms_global_application::ports::{
    CachedView, Fetched, MockClock, MockDeviceRepository, MockHealthRepository,
    MockInstanceRepository, MockPublicFetcher, MockPublicViewRepository, MockRelayRepository,
    MockSecretSource, StoredInstance,
};
use eckwms_global_application::{
    AdminKey, DeviceService, DiscoveryService, InstanceService, InstanceSettings,
    PublicPageService, PublicPageSettings, RelayService, Services, SystemService,
};
use eckwms_global_domain::device::Device;
use eckwms_global_domain::labels::{LabelKeyConfig, LabelRing};
use eckwms_global_domain::public::GlobalIdentity;
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{
    Instance, InstanceId, InstanceName, InstanceStatus, ServerPublicKey, Tier,
};
use eckwms_http_kit::openapi::testing::assert_refusals_are_problem_json;
use serde_json::{Value, json};

use crate::{HttpSettings, HttpState, build_app};

const ADMIN: &str = "admin-key-for-the-tests-0123456789abcdef";
const ID: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
const SERVER_KEY: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";

const LABEL_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// docs/CODES.md's worked example (`b000000000000000042`) without its host.
const LABEL_CODE: &str = "01L2GT58W4LNKAFA59MAMUQHKV6LJCWEP6HA66MV5GLY2WR25RJT5NWUP9CQM3";

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
    state_with(
        instances,
        health_ok,
        MockPublicViewRepository::new(),
        MockPublicFetcher::new(),
    )
}

fn state_with(
    instances: MockInstanceRepository,
    health_ok: bool,
    views: MockPublicViewRepository,
    fetcher: MockPublicFetcher,
) -> HttpState {
    state_with_devices(
        instances,
        MockDeviceRepository::new(),
        health_ok,
        views,
        fetcher,
    )
}

fn state_with_devices(
    instances: MockInstanceRepository,
    devices: MockDeviceRepository,
    health_ok: bool,
    views: MockPublicViewRepository,
    fetcher: MockPublicFetcher,
) -> HttpState {
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
        Arc::new(devices),
        instances.clone(),
        clock.clone(),
        secrets.clone(),
    );
    HttpState {
        turns: eckwms_http_kit::turns::Turns::new(16, std::time::Duration::from_secs(5)),
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
                instances.clone(),
                clock.clone(),
                Duration::seconds(60),
            ),
            public: PublicPageService::new(
                Arc::new(
                    LabelRing::new(&[LabelKeyConfig {
                        instance_id: ID.into(),
                        version: 2,
                        key: LABEL_KEY.into(),
                        key_id: Some(1),
                        suffix: None,
                    }])
                    .unwrap(),
                ),
                instances,
                Arc::new(views),
                Arc::new(fetcher),
                clock,
                Arc::new(GlobalIdentity::from_seed(&[5; 32])),
                PublicPageSettings::default(),
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

/// A credential is sent once, and one kind at a time: a header sent twice, or the instance key
/// in both of its headers, is 400 `invalid_header`; two kinds of credential (an enrollment
/// token and the instance key, or two proofs of belonging in discovery) are 400
/// `ambiguous_credentials`. The first never silently wins: nothing is looked up.
#[actix_rt::test]
async fn credentials_are_sent_once_and_one_kind_at_a_time() {
    let key = format!("ecki_{}_{}", ID.replace('-', ""), "A".repeat(43));
    let bearer = ("Authorization", format!("Bearer {key}"));
    let internal = ("X-Internal-Api-Key", key.clone());
    let enrollment = ("X-Enrollment-Token", format!("ecke_{}", "B".repeat(43)));
    let pairing = ("X-Pairing-Token", format!("eckp_{}", "C".repeat(43)));
    let device = [
        ("X-Device-Id", "PDA-7".to_owned()),
        ("X-Device-Timestamp", now().timestamp().to_string()),
        ("X-Device-Signature", "A".repeat(88)),
    ];
    let admin = ("Authorization", format!("Bearer {ADMIN}"));
    let register = || {
        TestRequest::post()
            .uri("/ECK/API/INTERNAL/REGISTER-INSTANCE")
            .set_json(register_body())
    };
    let discover = || TestRequest::get().uri(&format!("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{ID}"));
    let pull = || {
        TestRequest::post()
            .uri("/ECK/API/INTERNAL/RELAY/PULL")
            .set_json(json!({}))
    };
    let relay = || {
        TestRequest::post()
            .uri("/ECK/API/RELAY/SCANS")
            .set_json(json!({"msgId": "m-1", "barcode": "x"}))
    };
    type Headers = Vec<(&'static str, String)>;
    let cases: Vec<(&str, TestRequest, Headers, &str)> = vec![
        (
            "two admin keys",
            TestRequest::get().uri("/ECK/API/ADMIN/INSTANCES"),
            vec![admin.clone(), admin.clone()],
            "invalid_header",
        ),
        (
            "two enrollment tokens",
            register(),
            vec![enrollment.clone(), enrollment.clone()],
            "invalid_header",
        ),
        (
            "the instance key in both headers",
            register(),
            vec![bearer.clone(), internal.clone()],
            "invalid_header",
        ),
        (
            "two X-Internal-Api-Key",
            pull(),
            vec![internal.clone(), internal.clone()],
            "invalid_header",
        ),
        (
            "two instance keys",
            TestRequest::post()
                .uri("/ECK/API/INTERNAL/PAIRING-TOKEN")
                .set_json(json!({})),
            vec![bearer.clone(), bearer.clone()],
            "invalid_header",
        ),
        (
            "two pairing tokens",
            discover(),
            vec![pairing.clone(), pairing.clone()],
            "invalid_header",
        ),
        (
            "a device signature twice",
            relay(),
            [&device[..], &device[2..]].concat(),
            "invalid_header",
        ),
        (
            "an enrollment token and the instance key",
            register(),
            vec![enrollment.clone(), internal.clone()],
            "ambiguous_credentials",
        ),
        (
            "the instance key and a pairing token",
            discover(),
            vec![bearer.clone(), pairing.clone()],
            "ambiguous_credentials",
        ),
        (
            "a pairing token and a device signature",
            discover(),
            [&[pairing.clone()][..], &device[..]].concat(),
            "ambiguous_credentials",
        ),
        (
            "the instance key and a device signature",
            TestRequest::post()
                .uri("/ECK/API/INTERNAL/GET-INSTANCE-INFO")
                .set_json(json!({"instance_id": ID})),
            [&[internal.clone()][..], &device[..]].concat(),
            "ambiguous_credentials",
        ),
    ];
    for (what, mut req, headers, code) in cases {
        for header in headers {
            req = req.append_header(header);
        }
        // No repository expectations: a lookup would panic (500).
        let (status, body, headers) = call(state(MockInstanceRepository::new(), true), req).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(body["code"], code, "{what}: {body}");
        assert_eq!(
            headers.get("content-type").unwrap(),
            "application/problem+json"
        );
    }
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
                .set_json(register_body())
                .insert_header(("Content-Type", "application/vnd.api+json")),
            415,
            "unsupported_media_type",
        ),
        (
            base()
                .set_json(register_body())
                .insert_header(("Content-Type", "application/problem+json")),
            415,
            "unsupported_media_type",
        ),
        (
            base()
                .set_json(register_body())
                .insert_header(("Content-Type", "application/json; charset=latin1")),
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

/// Calls into the database take turns: with every turn taken for longer than the wait, a call
/// is 503 `unavailable` (and never one more blocked thread), and the next one runs once the
/// turn is back.
#[actix_rt::test]
async fn a_call_without_a_turn_in_time_is_unavailable() {
    let mut repo = MockInstanceRepository::new();
    repo.expect_find().returning(|_| {
        std::thread::sleep(std::time::Duration::from_millis(300));
        Ok(Some(StoredInstance {
            instance: instance(),
            key_hash: SecretHash::of("k"),
        }))
    });
    let mut state = state(repo, true);
    state.turns = eckwms_http_kit::turns::Turns::new(1, std::time::Duration::from_millis(50));
    let app = init_service(build_app(state)).await;
    let lookup = || {
        TestRequest::get()
            .uri(&format!("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{ID}"))
            .to_request()
    };
    let (first, second) = futures_util::future::join(call_service(&app, lookup()), async {
        actix_rt::time::sleep(std::time::Duration::from_millis(10)).await;
        call_service(&app, lookup()).await
    })
    .await;
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 503);
    let body: Value = serde_json::from_slice(&read_body(second).await).unwrap();
    assert_eq!(body["code"], "unavailable");
    assert_eq!(call_service(&app, lookup()).await.status(), 200);
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
async fn query_numbers_are_read_only_as_written() {
    // The repository mock has no expectations: a request that got through would panic.
    for limit in ["05", "%2B5", "-0", "1.0"] {
        let (status, body, _) = call(
            state(MockInstanceRepository::new(), true),
            TestRequest::get()
                .uri(&format!(
                    "/ECK/API/ADMIN/INSTANCES/{ID}/SCANS?limit={limit}"
                ))
                .insert_header(("Authorization", format!("Bearer {ADMIN}"))),
        )
        .await;
        assert_eq!(status, 400, "{limit}: {body}");
        assert_eq!(body["code"], "invalid_query");
        assert_eq!(body["errors"][0]["field"], "limit");
    }
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
        "/ECK/API/INTERNAL/DEVICES",
        "/ECK/API/RELAY/SCANS",
        "/ECK/API/INTERNAL/RELAY/PULL",
        "/ECK/API/ADMIN/INSTANCES/{id}/ROTATE-KEY",
    ] {
        assert!(paths.iter().any(|p| p.as_str() == path), "{path} missing");
    }
}

fn active_instance(addr: Option<&'static str>) -> MockInstanceRepository {
    let mut repo = MockInstanceRepository::new();
    repo.expect_find().returning(move |_| {
        let mut i = instance();
        i.public_addr = addr.map(|a| a.parse().unwrap());
        Ok(Some(StoredInstance {
            instance: i,
            key_hash: SecretHash::of("k"),
        }))
    });
    repo
}

async fn page(
    state: HttpState,
    req: TestRequest,
) -> (StatusCode, String, actix_web::http::header::HeaderMap) {
    let app = init_service(build_app(state)).await;
    let res = call_service(&app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = String::from_utf8(read_body(res).await.to_vec()).unwrap();
    (status, body, headers)
}

fn assert_html(headers: &actix_web::http::header::HeaderMap, cache: &str) {
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/html; charset=utf-8"
    );
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(
        headers.get("content-security-policy").unwrap(),
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    assert_eq!(headers.get("cache-control").unwrap(), cache);
    assert!(headers.contains_key("x-request-id"));
}

#[actix_rt::test]
async fn the_label_page_shows_the_fetched_view_escaped_in_every_form_of_the_code() {
    for path in [
        format!("/ECK/ECK1.COM/{LABEL_CODE}"),
        format!("/ECK/eck1.com/{LABEL_CODE}"),
        format!("/ECK/{LABEL_CODE}"),
        format!("/ECK/https://ECK1.COM/{LABEL_CODE}"),
        format!("/ECK/http:/ECK1.COM/{LABEL_CODE}"),
    ] {
        let mut views = MockPublicViewRepository::new();
        views.expect_find_view().returning(|_, _| Ok(None));
        views.expect_store_view().times(1).returning(|_| Ok(()));
        let mut fetcher = MockPublicFetcher::new();
        fetcher.expect_fetch().times(1).returning(|r| {
            assert_eq!(r.path, "/ECK/API/PUBLIC/b000000000000000042");
            Ok(Fetched::Body(
                br#"{"kind":"box","number":"42","check":"48","fields":[{"name":"Note","value":"<script>alert(1)</script>"}]}"#.to_vec(),
            ))
        });
        let (status, body, headers) = page(
            state_with(active_instance(Some("203.0.113.5")), true, views, fetcher),
            TestRequest::get().uri(&path),
        )
        .await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_html(&headers, "public, max-age=60");
        assert!(body.contains("Box 42"), "{body}");
        assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!body.contains("<script"));
    }
}

#[actix_rt::test]
async fn unknown_codes_get_the_friendly_404_page_without_asking_anyone() {
    for path in [
        "/ECK/ECK1.COM/NOTALABEL".to_owned(),
        "/ECK/hello".to_owned(),
        format!("/ECK/ECK1.COM/{}", LABEL_CODE.replace("01L2", "01L3")),
        format!("/ECK/EXAMPLE.COM/{LABEL_CODE}"),
    ] {
        let mut instances = MockInstanceRepository::new();
        instances.expect_find().never();
        let (status, body, headers) =
            page(state(instances, true), TestRequest::get().uri(&path)).await;
        assert_eq!(status, 404, "{path}");
        assert_html(&headers, "public, max-age=30");
        assert!(body.contains("Label not found"));
    }
    // A valid code of an unknown instance: the same page.
    let mut instances = MockInstanceRepository::new();
    instances.expect_find().returning(|_| Ok(None));
    let (status, unknown, _) = page(
        state(instances, true),
        TestRequest::get().uri(&format!("/ECK/ECK1.COM/{LABEL_CODE}")),
    )
    .await;
    assert_eq!(status, 404);
    let (_, invalid, _) = page(
        state(MockInstanceRepository::new(), true),
        TestRequest::get().uri("/ECK/hello"),
    )
    .await;
    assert_eq!(unknown, invalid, "one 404 page for every reason");
}

#[actix_rt::test]
async fn an_owner_that_cannot_be_asked_gives_503_or_the_stale_view() {
    let mut views = MockPublicViewRepository::new();
    views.expect_find_view().returning(|_, _| Ok(None));
    let mut fetcher = MockPublicFetcher::new();
    fetcher.expect_fetch().returning(|_| {
        Err(eckwms_global_application::AppError::Unavailable(
            anyhow::anyhow!("down"),
        ))
    });
    let (status, body, headers) = page(
        state_with(active_instance(Some("203.0.113.5")), true, views, fetcher),
        TestRequest::get().uri(&format!("/ECK/ECK1.COM/{LABEL_CODE}")),
    )
    .await;
    assert_eq!(status, 503);
    assert_html(&headers, "no-store");
    assert_eq!(headers.get("retry-after").unwrap(), "60");
    assert!(body.contains("Not available right now"));

    let mut views = MockPublicViewRepository::new();
    views.expect_find_view().returning(|i, o| {
        Ok(Some(CachedView {
            instance_id: *i,
            object_id: o.to_owned(),
            view: Some(
                eckwms_global_domain::public::PublicView::from_json(
                    br#"{"kind":"box","number":"42","check":"48","fields":[{"name":"Note","value":"old"}]}"#,
                )
                .unwrap(),
            ),
            fetched_at: now() - Duration::hours(1),
        }))
    });
    let mut fetcher = MockPublicFetcher::new();
    fetcher.expect_fetch().returning(|_| {
        Err(eckwms_global_application::AppError::Unavailable(
            anyhow::anyhow!("down"),
        ))
    });
    let (status, body, _) = page(
        state_with(active_instance(Some("203.0.113.5")), true, views, fetcher),
        TestRequest::get().uri(&format!("/ECK/{LABEL_CODE}")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<dd>old</dd>") && body.contains("out of date"),
        "{body}"
    );
}

#[actix_rt::test]
async fn api_paths_and_other_methods_keep_their_problem_answers() {
    let (status, body, headers) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::get().uri("/ECK/API/NO-SUCH-ROUTE"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "route_not_found");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    let (status, body, _) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::post().uri(&format!("/ECK/{LABEL_CODE}")),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "route_not_found");
    let (status, body, headers) = call(
        state(MockInstanceRepository::new(), true),
        TestRequest::get().uri("/ECK/API/IDENTITY"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["publicKey"],
        GlobalIdentity::from_seed(&[5; 32]).public_key_hex()
    );
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    // The health route is still the health route.
    let mut health = MockInstanceRepository::new();
    health.expect_find().never();
    let (status, _, _) = call(state(health, true), TestRequest::get().uri("/ECK/HEALTH")).await;
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------- the document is true

/// An instance key of [`ID`] and a repository that knows it.
fn known_instance_key() -> (String, MockInstanceRepository) {
    let key = format!("ecki_{}_{}", ID.replace('-', ""), "A".repeat(43));
    let hash = SecretHash::of(&key);
    let mut repo = MockInstanceRepository::new();
    repo.expect_find().returning(move |_| {
        Ok(Some(StoredInstance {
            instance: instance(),
            key_hash: hash.clone(),
        }))
    });
    (key, repo)
}

#[actix_rt::test]
async fn a_pairing_token_of_any_lifetime_is_refused_or_made_never_a_panic() {
    for ttl in [i64::MAX - 1, i64::MIN, 0, 86_401] {
        let (key, repo) = known_instance_key();
        let (status, body, _) = call(
            state(repo, true),
            TestRequest::post()
                .uri("/ECK/API/INTERNAL/PAIRING-TOKEN")
                .insert_header(("Authorization", format!("Bearer {key}")))
                .set_json(json!({ "ttlSecs": ttl })),
        )
        .await;
        assert_eq!(status, 422, "{ttl}: {body}");
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["errors"][0]["field"], "ttlSecs");
    }
}

#[actix_rt::test]
async fn bad_ids_and_queries_of_operator_routes_are_400() {
    let admin = ("Authorization", format!("Bearer {ADMIN}"));
    let cases = [
        (
            TestRequest::get().uri(&format!("/ECK/API/ADMIN/INSTANCES/{ID}/SCANS?limit=0")),
            "invalid_query",
        ),
        (
            TestRequest::get().uri(&format!("/ECK/API/ADMIN/INSTANCES/{ID}/SCANS?limit=501")),
            "invalid_query",
        ),
        (
            TestRequest::delete().uri("/ECK/API/ADMIN/DEVICES/a%20b"),
            "invalid_id",
        ),
        (
            TestRequest::post()
                .uri(&format!(
                    "/ECK/API/ADMIN/DEVICES/{}/STATUS",
                    "x".repeat(129)
                ))
                .set_json(json!({"status": "active"})),
            "invalid_id",
        ),
    ];
    for (req, code) in cases {
        // No repository expectations: nothing may run.
        let (status, body, _) = call(
            state(MockInstanceRepository::new(), true),
            req.insert_header(admin.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], code);
    }
}

/// Requests each refused before anything is stored, each for a reason the document must list
/// for the operation, with its problem body.
#[actix_rt::test]
async fn every_refusal_is_documented_for_its_operation() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let uri = path
                .replace("{id}", ID)
                .replace("DEVICES/{id}", "DEVICES/PDA-7");
            let method: actix_web::http::Method = method.to_uppercase().parse().unwrap();
            let request = || TestRequest::default().method(method.clone()).uri(&uri);
            let mut cases: Vec<(&str, TestRequest)> = vec![
                ("nothing", request()),
                (
                    "a wrong admin key",
                    request().insert_header(("Authorization", "Bearer wrong")),
                ),
                (
                    "a malformed Authorization",
                    request().insert_header(("Authorization", "Basic x")),
                ),
                (
                    "a malformed enrollment token",
                    request().insert_header(("X-Enrollment-Token", "ecke_x")),
                ),
                (
                    "part of a device signature",
                    request().insert_header(("X-Device-Id", "PDA-7")),
                ),
                (
                    "two admin keys",
                    request()
                        .append_header(("Authorization", format!("Bearer {ADMIN}")))
                        .append_header(("Authorization", format!("Bearer {ADMIN}"))),
                ),
                (
                    "an instance key and a pairing token",
                    request()
                        .insert_header(("X-Internal-Api-Key", "ecki_x"))
                        .insert_header(("X-Pairing-Token", "eckp_x")),
                ),
            ];
            if path.contains("{id}") {
                cases.push((
                    "a bad id",
                    TestRequest::default()
                        .method(method.clone())
                        .uri(&path.replace("{id}", "x%20y"))
                        .insert_header(("Authorization", format!("Bearer {ADMIN}"))),
                ));
            }
            if op.get("requestBody").is_some() {
                let admin =
                    || request().insert_header(("Authorization", format!("Bearer {ADMIN}")));
                cases.push((
                    "a text body",
                    admin()
                        .insert_header(("Content-Type", "text/plain"))
                        .set_payload("x"),
                ));
                cases.push((
                    "broken JSON",
                    admin()
                        .insert_header(("Content-Type", "application/json"))
                        .set_payload("{"),
                ));
                cases.push(("an empty object", admin().set_json(json!({}))));
            }
            if path.ends_with("/SCANS") && method == actix_web::http::Method::GET {
                cases.push((
                    "a bad limit",
                    TestRequest::get()
                        .uri(&format!("{uri}?limit=x"))
                        .insert_header(("Authorization", format!("Bearer {ADMIN}"))),
                ));
            }
            for (what, req) in cases {
                // The mocks expect nothing: a request that would store something is answered
                // 500, which every operation documents.
                let state = state(MockInstanceRepository::new(), true);
                let app = init_service(build_app(state)).await;
                let res = call_service(&app, req.to_request()).await;
                let status = res.status().as_u16().to_string();
                let content_type = res
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let documented = &op["responses"][&status];
                assert!(
                    documented.is_object(),
                    "{method} {path} with {what}: {status} is not documented"
                );
                if res.status().is_client_error() {
                    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
                    assert!(
                        documented["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status}: the problem body is not documented"
                    );
                }
            }
        }
    }
}

#[test]
fn refusals_are_documented_as_problem_json() {
    assert_refusals_are_problem_json(&serde_json::to_value(crate::openapi()).unwrap());
}

#[test]
fn operations_say_which_credentials_they_take() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let security = |method: &str, path: &str| doc["paths"][path][method]["security"].clone();
    for path in [
        "/ECK/API/ADMIN/INSTANCES",
        "/ECK/API/ADMIN/INSTANCES/{id}/DISABLE",
        "/ECK/API/ADMIN/DEVICES/{id}",
    ] {
        let method = if path.ends_with("DISABLE") {
            "post"
        } else if path.ends_with("{id}") {
            "delete"
        } else {
            "get"
        };
        assert_eq!(security(method, path), json!([{"admin_key": []}]), "{path}");
        for status in ["400", "401", "500", "503"] {
            assert!(
                doc["paths"][path][method]["responses"][status].is_object(),
                "{path}"
            );
        }
    }
    assert_eq!(
        security("post", "/ECK/API/RELAY/SCANS"),
        json!([{"device_signature": []}])
    );
    assert_eq!(
        security("post", "/ECK/API/INTERNAL/RELAY/PULL"),
        json!([{"instance_key": []}])
    );
    // The instance key or a signature of a disabled instance or inactive device is 403.
    assert!(doc["paths"]["/ECK/API/RELAY/SCANS"]["post"]["responses"]["403"].is_object());
    // Optional bodies are optional.
    assert_ne!(
        doc["paths"]["/ECK/API/INTERNAL/RELAY/PULL"]["post"]["requestBody"]["required"],
        true
    );
}

#[test]
fn registrations_link_to_the_operations_on_their_instance() {
    let text = crate::openapi().to_json().unwrap();
    assert!(!text.contains("\"operation_id\""));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let register = &doc["paths"]["/ECK/API/INTERNAL/REGISTER-INSTANCE"]["post"]["responses"];
    for status in ["200", "201"] {
        let link = &register[status]["links"]["get_instance_info"];
        assert_eq!(link["operationId"], "get_instance_info");
        assert_eq!(
            link["parameters"],
            json!({"path.id": "$response.body#/instanceId"})
        );
    }
    let listed = &doc["paths"]["/ECK/API/ADMIN/INSTANCES"]["get"]["responses"]["200"]["links"];
    assert_eq!(
        listed["disable_instance"]["parameters"],
        json!({"path.id": "$response.body#/instances/0/instanceId"})
    );
    // Every link names an operation of the document.
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let mut links = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for response in op["responses"].as_object().unwrap().values() {
                for link in response["links"].as_object().into_iter().flatten() {
                    assert!(ids.contains(&link.1["operationId"].as_str().unwrap()));
                    links += 1;
                }
            }
        }
    }
    assert_eq!(links, 18);
}

fn registered(key: &str, status: DeviceStatus) -> Device {
    Device {
        id: DeviceId::parse("PDA-7").unwrap(),
        instance_id: InstanceId::parse(ID).unwrap(),
        name: "PDA 7".into(),
        public_key: DevicePublicKey::parse(key).unwrap(),
        status,
        registered_at: now(),
        updated_at: now(),
    }
}

/// The app with one active instance and a device store that knows `known` (a device of it)
/// and stores what it is given.
fn state_knowing(known: Option<Device>) -> HttpState {
    let mut devices = MockDeviceRepository::new();
    devices
        .expect_find_device()
        .returning(move |id| Ok(known.clone().filter(|d| d.id == *id)));
    devices
        .expect_register_device()
        .returning(|r| Ok(r.device.clone()));
    state_with_devices(
        active_instance(None),
        devices,
        true,
        MockPublicViewRepository::new(),
        MockPublicFetcher::new(),
    )
}

/// The shared vectors of the device protocol, as a device would send them: registrations and a
/// key change are stored, signed requests authenticate, and each refused case gets its code.
#[actix_rt::test]
async fn the_device_protocol_vectors_hold_over_http() {
    let vectors = Vectors::load().unwrap();
    let register = |body: Value| {
        TestRequest::post()
            .uri("/ECK/API/DEVICE/REGISTER")
            .set_json(body)
    };
    let body = |device_id: &str, key: &str, nonce: &str, signature: &str| {
        json!({"instanceId": ID, "deviceId": device_id, "deviceName": "PDA 7",
            "devicePublicKey": key, "nonce": nonce, "signature": signature})
    };
    for case in &vectors.registrations {
        let (status, out, _) = call(
            state_knowing(None),
            register(body(
                &case.device_id,
                &case.public_key,
                &case.nonce,
                &case.signature,
            )),
        )
        .await;
        assert_eq!(status, 200, "{}: {out}", case.name);
        assert_eq!(out["deviceId"], case.device_id.as_str());
        assert_eq!(out["devicePublicKey"], case.public_key.as_str());
        assert_eq!(out["status"], "pending");
    }
    for case in &vectors.key_changes {
        let known = registered(&case.old_public_key, DeviceStatus::Active);
        let mut request = body(
            &case.device_id,
            &case.new_public_key,
            &case.nonce,
            &case.signature,
        );
        request["oldKeySignature"] = json!(case.old_key_signature);
        let (status, out, _) = call(state_knowing(Some(known)), register(request)).await;
        assert_eq!(status, 200, "{}: {out}", case.name);
        assert_eq!(out["devicePublicKey"], case.new_public_key.as_str());
        assert_eq!(out["status"], "active", "{}", case.name);
    }
    for case in &vectors.refused.registrations {
        let known = case
            .existing_key
            .as_deref()
            .map(|key| registered(key, DeviceStatus::Active));
        let mut request = body(
            &case.device_id,
            &case.public_key,
            &case.nonce,
            &case.signature,
        );
        if let Some(old) = &case.old_key_signature {
            request["oldKeySignature"] = json!(old);
        }
        let (status, out, _) = call(state_knowing(known), register(request)).await;
        assert_eq!(out["code"], case.code.as_str(), "{}: {out}", case.name);
        assert!(status == 401 || status == 409, "{}: {status}", case.name);
    }
    // Signed requests: the clock of these tests is the vectors' 1772366400.
    assert_eq!(now().timestamp(), 1_772_366_400);
    let signed = |method: &str, path: &str, body: &str, headers: [(&str, String); 3]| {
        let mut req = TestRequest::default()
            .method(method.to_uppercase().parse().unwrap())
            .uri(path)
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body.to_owned());
        for header in headers {
            req = req.insert_header(header);
        }
        req
    };
    let discovery = vectors
        .requests
        .iter()
        .find(|r| r.path_and_query.contains("GET-INSTANCE-INFO"))
        .unwrap();
    assert!(discovery.path_and_query.contains(ID));
    let headers = [
        ("X-Device-Id", discovery.device_id.clone()),
        ("X-Device-Timestamp", discovery.timestamp.to_string()),
        ("X-Device-Signature", discovery.signature.clone()),
    ];
    let known = registered(&discovery.public_key, DeviceStatus::Active);
    let (status, out, _) = call(
        state_knowing(Some(known)),
        signed(
            &discovery.method,
            &discovery.path_and_query,
            &discovery.body,
            headers,
        ),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["candidates"][0]["type"], "LOCAL_LAN", "{out}");
    // Refused relay posts are refused before anything is stored (the relay store expects
    // nothing).
    for case in vectors
        .refused
        .requests
        .iter()
        .filter(|r| r.method == "POST" && r.path_and_query == "/ECK/API/RELAY/SCANS")
    {
        assert_eq!(case.now, now().timestamp(), "{}", case.name);
        let headers = [
            ("X-Device-Id", case.device_id.clone()),
            ("X-Device-Timestamp", case.timestamp.to_string()),
            ("X-Device-Signature", case.signature.clone()),
        ];
        let known = registered(&case.public_key, DeviceStatus::Active);
        let (status, out, _) = call(
            state_knowing(Some(known)),
            signed(&case.method, &case.path_and_query, &case.body, headers),
        )
        .await;
        assert_eq!(status, 401, "{}: {out}", case.name);
        assert_eq!(out["code"], case.code.as_str(), "{}", case.name);
    }
}

// ---------------------------------------------------------------- devices published by instances

const DEVICE_KEY: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fn publish_request(key: Option<&str>, body: Value) -> TestRequest {
    let req = TestRequest::put()
        .uri("/ECK/API/INTERNAL/DEVICES")
        .set_json(body);
    match key {
        Some(key) => req.insert_header(("Authorization", format!("Bearer {key}"))),
        None => req,
    }
}

fn one_device(status: &str) -> Value {
    json!({"devices": [{"deviceId": "PDA-7", "deviceName": "PDA 7",
                        "devicePublicKey": DEVICE_KEY, "status": status}]})
}

#[actix_rt::test]
async fn an_instance_publishes_its_devices_with_its_own_key() {
    let (key, instances) = known_instance_key();
    let mut devices = MockDeviceRepository::new();
    devices
        .expect_publish_devices()
        .withf(|instance, devices, at| {
            instance.to_string() == ID
                && devices.len() == 1
                && devices[0].status == DeviceStatus::Blocked
                && devices[0].instance_id.to_string() == ID
                && *at == now()
        })
        .times(1)
        .returning(|_, devices, _| {
            Ok(eckwms_global_application::ports::Published {
                devices: devices.len(),
                changed: 1,
                withdrawn: 2,
                skipped: vec![],
            })
        });
    let state = state_with_devices(
        instances,
        devices,
        true,
        MockPublicViewRepository::new(),
        MockPublicFetcher::new(),
    );
    let (status, body, _) = call(state, publish_request(Some(&key), one_device("blocked"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"devices": 1, "changed": 1, "withdrawn": 2, "skipped": []})
    );
}

#[actix_rt::test]
async fn a_publication_is_refused_without_a_valid_key_or_with_a_bad_body_and_stores_nothing() {
    // The device store expects nothing: a publication that got through would panic (500).
    let device_store = MockDeviceRepository::new;
    let (key, _) = known_instance_key();
    let forged = format!("ecki_{}_{}", ID.replace('-', ""), "B".repeat(43));
    let other = format!(
        "ecki_{}_{}",
        "0b0e6f3a12344abc8def0123456789ac",
        "A".repeat(43)
    );
    let cases: Vec<(TestRequest, MockInstanceRepository, u16, &str)> = vec![
        (
            publish_request(None, one_device("active")),
            MockInstanceRepository::new(),
            401,
            "unauthenticated",
        ),
        // This instance's id with another secret.
        (
            publish_request(Some(&forged), one_device("active")),
            known_instance_key().1,
            401,
            "invalid_instance_key",
        ),
        // A key of an instance the registry does not know.
        (
            publish_request(Some(&other), one_device("active")),
            {
                let mut repo = MockInstanceRepository::new();
                repo.expect_find().returning(|_| Ok(None));
                repo
            },
            401,
            "invalid_instance_key",
        ),
        (
            publish_request(Some(&key), one_device("approved")),
            known_instance_key().1,
            422,
            "validation_failed",
        ),
        (
            publish_request(
                Some(&key),
                json!({"devices": [
                    {"deviceId": "PDA-7", "deviceName": "a", "devicePublicKey": DEVICE_KEY, "status": "active"},
                    {"deviceId": "PDA-7", "deviceName": "b", "devicePublicKey": DEVICE_KEY, "status": "active"}]}),
            ),
            known_instance_key().1,
            422,
            "validation_failed",
        ),
        (
            publish_request(Some(&key), json!({"devices": [{"deviceId": "PDA-7"}]})),
            MockInstanceRepository::new(),
            400,
            "malformed_body",
        ),
        (
            publish_request(Some(&key), json!({"devices": [], "extra": 1})),
            MockInstanceRepository::new(),
            400,
            "malformed_body",
        ),
    ];
    for (req, instances, expected, code) in cases {
        let state = state_with_devices(
            instances,
            device_store(),
            true,
            MockPublicViewRepository::new(),
            MockPublicFetcher::new(),
        );
        let (status, body, _) = call(state, req).await;
        assert_eq!(status.as_u16(), expected, "{body}");
        assert_eq!(body["code"], code, "{body}");
    }
    // The invalid status names its field.
    let state = state_with_devices(
        known_instance_key().1,
        device_store(),
        true,
        MockPublicViewRepository::new(),
        MockPublicFetcher::new(),
    );
    let (_, body, _) = call(state, publish_request(Some(&key), one_device("approved"))).await;
    assert_eq!(body["errors"][0]["field"], "devices[0].status", "{body}");
}
