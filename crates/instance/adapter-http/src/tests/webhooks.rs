//! Webhook subscriptions over HTTP.

use actix_web::test::TestRequest;
use eckwms_application::WebhookSettings;
use eckwms_application::ports::MockWebhookRepository;
use eckwms_domain::{EventFilter, Subscription, WebhookId, WebhookUrl};
use serde_json::json;

use super::*;

const ID: &str = "wh_0123456789abcdef";

fn subscription() -> Subscription {
    Subscription {
        id: WebhookId::parse(ID).unwrap(),
        url: WebhookUrl::parse("https://hooks.example/in").unwrap(),
        filter: EventFilter::all(),
        batch_size: 100,
        enabled: false,
        failures: 10,
        last_error: Some("HTTP 503".into()),
        last_error_at: Some(now()),
        cursor: 42,
        next_attempt_at: None,
        created_at: now(),
        updated_at: now(),
        version: 3,
    }
}

#[actix_rt::test]
async fn a_created_subscription_answers_its_secret_once() {
    let mut m = Mocks::new();
    m.webhooks
        .expect_create_webhook()
        .times(1)
        .withf(|s, secret, audit| {
            s.url.as_str() == "https://hooks.example/in"
                && s.filter.objects() == [eckwms_domain::IdKind::Item]
                && s.batch_size == 50
                && secret.expose().starts_with("whsec_")
                && audit.event == "webhook_created"
        })
        .returning(|_, _, _| Ok(()));
    let reply = call(
        &m.state(),
        post_json(
            "/api/v1/webhooks",
            ADMIN_KEY,
            json!({"url": "https://hooks.example/in", "kinds": ["item"], "batch_size": 50}),
        ),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let body = reply.json();
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/webhooks/{id}").as_str())
    );
    assert_eq!(reply.header("etag"), Some("\"1\""));
    let secret = body["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    assert_eq!(body["kinds"], json!(["item"]));
    assert_eq!(body["changes"], json!([]));
    assert_eq!(body["enabled"], true);
    assert_eq!(body["cursor"], 0);
}

#[actix_rt::test]
async fn reading_a_subscription_never_shows_its_secret() {
    let mut m = Mocks::new();
    m.webhooks = MockWebhookRepository::new();
    m.webhooks
        .expect_get_webhook()
        .returning(|_| Ok(subscription()));
    m.webhooks
        .expect_list_webhooks()
        .returning(|| Ok(vec![subscription()]));
    let state = m.state();
    let one = call(&state, get(&format!("/api/v1/webhooks/{ID}"), ADMIN_KEY)).await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.header("etag"), Some("\"3\""));
    let body = one.json();
    assert!(body.get("secret").is_none(), "{body}");
    assert_eq!(body["last_error"], "HTTP 503");
    assert_eq!(
        (body["failures"].clone(), body["cursor"].clone()),
        (json!(10), json!(42))
    );
    let list = call(&state, get("/api/v1/webhooks", ADMIN_KEY)).await;
    assert_eq!(list.status, 200);
    assert!(!String::from_utf8_lossy(&list.body).contains("whsec"));
}

#[actix_rt::test]
async fn refused_addresses_and_bad_filters_are_422() {
    let state = Mocks::new().state();
    for (body, field) in [
        (json!({"url": "http://127.0.0.1:8080/hook"}), "url"),
        (json!({"url": "http://[::1]/hook"}), "url"),
        (json!({"url": "http://localhost/hook"}), "url"),
        (
            json!({"url": "http://169.254.169.254/latest/meta-data"}),
            "url",
        ),
        (json!({"url": "http://10.1.2.3/hook"}), "url"),
        (json!({"url": "ftp://hooks.example/"}), "url"),
        (
            json!({"url": "https://hooks.example/", "kinds": ["user"]}),
            "kinds",
        ),
        (
            json!({"url": "https://hooks.example/", "changes": ["exploded"]}),
            "changes",
        ),
        (
            json!({"url": "https://hooks.example/", "batch_size": 0}),
            "batch_size",
        ),
    ] {
        let reply = call(
            &state,
            post_json("/api/v1/webhooks", ADMIN_KEY, body.clone()),
        )
        .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
}

#[actix_rt::test]
async fn allow_loopback_admits_a_local_receiver_but_not_metadata() {
    let mut m = Mocks::new();
    m.webhook_settings = WebhookSettings {
        policy: eckwms_address_policy::AddressPolicy {
            allow_loopback: true,
            allow_private: false,
        },
        ..WebhookSettings::default()
    };
    m.webhooks
        .expect_create_webhook()
        .times(1)
        .returning(|_, _, _| Ok(()));
    let state = m.state();
    let ok = call(
        &state,
        post_json(
            "/api/v1/webhooks",
            ADMIN_KEY,
            json!({"url": "http://127.0.0.1:9/hook"}),
        ),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    let metadata = call(
        &state,
        post_json(
            "/api/v1/webhooks",
            ADMIN_KEY,
            json!({"url": "http://169.254.169.254/"}),
        ),
    )
    .await;
    metadata.assert_problem(422, "validation_failed");
}

#[actix_rt::test]
async fn only_an_administrator_manages_webhooks() {
    let mut m = Mocks::new();
    m.webhooks = MockWebhookRepository::new();
    let state = m.state();
    for req in [
        get("/api/v1/webhooks", WRITE_KEY),
        get(&format!("/api/v1/webhooks/{ID}"), WRITE_KEY),
        post_json(
            "/api/v1/webhooks",
            WRITE_KEY,
            json!({"url": "https://hooks.example/"}),
        ),
        post_json(
            &format!("/api/v1/webhooks/{ID}/replay"),
            READ_KEY,
            json!({"from_seq": 1}),
        ),
        TestRequest::delete()
            .uri(&format!("/api/v1/webhooks/{ID}"))
            .insert_header(bearer(WRITE_KEY))
            .insert_header(("If-Match", "*")),
    ] {
        let reply = call(&state, req).await;
        reply.assert_problem(403, "forbidden");
    }
}

#[actix_rt::test]
async fn a_patch_enables_under_if_match_and_replay_moves_the_cursor() {
    let mut m = Mocks::new();
    m.webhooks
        .expect_update_webhook()
        .times(1)
        .withf(|id, expected, patch, _, audit| {
            id.as_str() == ID
                && *expected == eckwms_application::ports::Expected::Version(3)
                && patch.enabled == Some(true)
                && patch.url.is_none()
                && audit.event == "webhook_changed"
        })
        .returning(|_, _, _, _, _| {
            let mut s = subscription();
            s.enabled = true;
            s.failures = 0;
            s.version = 4;
            Ok(s)
        });
    m.webhooks
        .expect_set_webhook_cursor()
        .times(1)
        .withf(|id, cursor, _, audit| {
            id.as_str() == ID && *cursor == 99 && audit.event == "webhook_replayed"
        })
        .returning(|_, cursor, _, _| {
            let mut s = subscription();
            s.cursor = cursor;
            Ok(s)
        });
    let state = m.state();
    let patched = call(
        &state,
        patch_json(
            &format!("/api/v1/webhooks/{ID}"),
            ADMIN_KEY,
            json!({"enabled": true}),
        )
        .insert_header(("If-Match", "\"3\"")),
    )
    .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.header("etag"), Some("\"4\""));
    assert_eq!(patched.json()["failures"], 0);
    let replayed = call(
        &state,
        post_json(
            &format!("/api/v1/webhooks/{ID}/replay"),
            ADMIN_KEY,
            json!({"from_seq": 100}),
        ),
    )
    .await;
    assert_eq!(replayed.status, 200, "{:?}", replayed.body);
    assert_eq!(replayed.json()["cursor"], 99);
    let bad = call(
        &state,
        post_json(
            &format!("/api/v1/webhooks/{ID}/replay"),
            ADMIN_KEY,
            json!({"from_seq": 0}),
        ),
    )
    .await;
    bad.assert_problem(422, "validation_failed");
    let bad_id = call(&state, get("/api/v1/webhooks/wh_nothex", ADMIN_KEY)).await;
    bad_id.assert_problem(400, "invalid_id");
}
