//! The relay's status over HTTP.

use chrono::Duration;
use eckwms_application::ports::{
    GlobalLink, MockGlobalLinkRepository, MockRelayRepository, RelayError, RelayState,
};
use eckwms_domain::global::{GlobalUrl, InstanceKey};
use serde_json::json;

use super::*;
use crate::testing::role_key;

fn relay_mocks() -> Mocks {
    let mut m = Mocks::new();
    m.relay = MockRelayRepository::new();
    m.global_links = MockGlobalLinkRepository::new();
    m.global_links.expect_global_link().returning(|| {
        Ok(Some(GlobalLink {
            url: GlobalUrl::parse("https://global.example").unwrap(),
            key: InstanceKey::parse("ecki_0b0e6f3a12344abc8def0123456789ab_secret").unwrap(),
            enrolled_at: now(),
        }))
    });
    m.relay.expect_relay_state().returning(|| {
        Ok(RelayState {
            holder: Some("4711-ab12".into()),
            lease_until: Some(now() + Duration::seconds(20)),
            last_pull_at: Some(now()),
            last_confirm_at: Some(now()),
            backlog: Some(40),
            applied: 12,
            errors: 1,
            last_error: None,
            last_error_at: None,
        })
    });
    m.relay.expect_inbox_len().returning(|| Ok(2));
    m.relay.expect_recent_errors().returning(|_| {
        Ok(vec![RelayError {
            id: 9,
            at: now(),
            device_id: "PDA-9".into(),
            msg_id: "m9".into(),
            barcode: "i000000000000000001".into(),
            code: "device_not_active".into(),
            message: "device PDA-9 is blocked; an admin must set it active".into(),
        }])
    });
    m
}

#[actix_rt::test]
async fn the_relay_status_shows_the_puller_backlog_and_errors() {
    let state = relay_mocks().state();
    let reply = call(&state, get("/api/v1/relay/status", ADMIN_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.json(),
        json!({
            "enrolled": true,
            "holder_alive": true,
            "lease_until": "2026-11-24T12:00:20Z",
            "last_pull_at": "2026-11-24T12:00:00Z",
            "last_confirm_at": "2026-11-24T12:00:00Z",
            "applied": 12,
            "errors": 1,
            "last_error": null,
            "last_error_at": null,
            "backlog": 42,
            "global_backlog": 40,
            "inbox": 2,
            "recent_errors": [{
                "id": 9,
                "at": "2026-11-24T12:00:00Z",
                "device_id": "PDA-9",
                "msg_id": "m9",
                "barcode": "i000000000000000001",
                "code": "device_not_active",
                "message": "device PDA-9 is blocked; an admin must set it active",
            }],
        })
    );
}

#[actix_rt::test]
async fn the_relay_status_is_refused_without_devices_manage() {
    for key in [
        READ_KEY.to_owned(),
        WRITE_KEY.to_owned(),
        role_key("PICKER"),
    ] {
        let state = Mocks::new().state();
        let reply = call(&state, get("/api/v1/relay/status", &key)).await;
        reply.assert_problem(403, "forbidden");
        assert!(
            reply.json()["detail"]
                .as_str()
                .unwrap()
                .contains("devices.manage"),
            "{:?}",
            reply.body
        );
    }
    let state = Mocks::new().state();
    let reply = call(&state, TestRequest::get().uri("/api/v1/relay/status")).await;
    reply.assert_problem(401, "unauthenticated");
}
