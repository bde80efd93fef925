//! Behaviour over time, with short configured times: offline instances, leases that end,
//! scheduled retention.

use std::time::Duration;

use serde_json::json;

use crate::flows::{INSTANCE, Scanner, admin, nonce, register, report, signed_post};
use crate::harness::{Server, databases, get, post_json};

async fn active_scanner(server: &Server) -> Scanner {
    let scanner = Scanner::new("pda-9", 9);
    let r = post_json(
        &server.url("/ECK/API/DEVICE/REGISTER"),
        &[],
        &scanner.registration(&nonce(server).await, None),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (h, v) = admin();
    let r = post_json(
        &server.url("/ECK/API/ADMIN/DEVICES/pda-9/STATUS"),
        &[(h, &v)],
        &json!({"status": "active"}),
    )
    .await;
    assert_eq!(r.status, 200);
    scanner
}

#[actix_rt::test]
async fn instances_not_seen_are_offline_until_they_beat() {
    for db in databases() {
        let server = Server::start_with(
            db.url(),
            &[("ECKWMS_GLOBAL__INSTANCES__OFFLINE_AFTER_SECS", "1")],
        );
        let key = register(&server, INSTANCE).await;
        let (h, v) = admin();
        let url = server.url(&format!("/ECK/API/ADMIN/INSTANCES/{INSTANCE}"));
        assert_eq!(get(&url, &[(h, &v)]).await.body["online"], true);
        std::thread::sleep(Duration::from_millis(1500));
        assert_eq!(get(&url, &[(h, &v)]).await.body["online"], false);
        let info = get(
            &server.url(&format!("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{INSTANCE}")),
            &[],
        )
        .await;
        assert_eq!(info.body["online"], false);
        let bearer = format!("Bearer {key}");
        let beat = post_json(
            &server.url("/ECK/API/INTERNAL/REGISTER-INSTANCE"),
            &[("Authorization", &bearer)],
            &report(INSTANCE, &[]),
        )
        .await;
        assert_eq!(beat.status, 200);
        assert_eq!(get(&url, &[(h, &v)]).await.body["online"], true);
    }
}

#[actix_rt::test]
async fn an_unconfirmed_scan_comes_back_when_its_lease_ends() {
    for db in databases() {
        let server = Server::start_with(db.url(), &[("ECKWMS_GLOBAL__RELAY__LEASE_SECS", "1")]);
        let key = register(&server, INSTANCE).await;
        let bearer = format!("Bearer {key}");
        let scanner = active_scanner(&server).await;
        let posted = signed_post(
            &server,
            &scanner,
            "/ECK/API/RELAY/SCANS",
            &json!({"msgId": "m-1", "barcode": "x"}),
        )
        .await;
        assert_eq!(posted.status, 202);
        let pull_url = server.url("/ECK/API/INTERNAL/RELAY/PULL");
        let first = post_json(&pull_url, &[("Authorization", &bearer)], &json!({})).await;
        assert_eq!(first.body["scans"].as_array().unwrap().len(), 1);
        let leased = post_json(&pull_url, &[("Authorization", &bearer)], &json!({})).await;
        assert_eq!(leased.body["scans"], json!([]));
        std::thread::sleep(Duration::from_millis(1500));
        let again = post_json(&pull_url, &[("Authorization", &bearer)], &json!({})).await;
        assert_eq!(again.body["scans"][0]["id"], first.body["scans"][0]["id"]);
        assert_eq!(again.body["scans"][0]["deliveries"], 2);
    }
}

#[actix_rt::test]
async fn scheduled_retention_removes_the_free_tiers_confirmed_scans() {
    for db in databases() {
        let server = Server::start_with(
            db.url(),
            &[("ECKWMS_GLOBAL__RELAY__RETENTION_INTERVAL_SECS", "1")],
        );
        let key = register(&server, INSTANCE).await;
        let bearer = format!("Bearer {key}");
        let scanner = active_scanner(&server).await;
        for m in ["a", "b"] {
            let r = signed_post(
                &server,
                &scanner,
                "/ECK/API/RELAY/SCANS",
                &json!({"msgId": m, "barcode": m}),
            )
            .await;
            assert_eq!(r.status, 202);
        }
        let pulled = post_json(
            &server.url("/ECK/API/INTERNAL/RELAY/PULL"),
            &[("Authorization", &bearer)],
            &json!({"limit": 1}),
        )
        .await;
        let id = pulled.body["scans"][0]["id"].clone();
        post_json(
            &server.url("/ECK/API/INTERNAL/RELAY/CONFIRM"),
            &[("Authorization", &bearer)],
            &json!({"ids": [id]}),
        )
        .await;
        let (h, v) = admin();
        let scans_url = server.url(&format!("/ECK/API/ADMIN/INSTANCES/{INSTANCE}/SCANS"));
        let mut left = Vec::new();
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(100));
            let listed = get(&scans_url, &[(h, &v)]).await;
            left = listed.body["scans"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["msgId"].as_str().unwrap().to_owned())
                .collect();
            if left.len() == 1 {
                break;
            }
        }
        // The confirmed scan went; the one still waiting stays (it is not 7 days old).
        assert_eq!(left, ["b"]);
    }
}
