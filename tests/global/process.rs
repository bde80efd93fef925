//! Process-level behaviour: commands, trusted proxies, graceful exit.

use serde_json::json;

use crate::harness::{Server, databases, post_json};

#[test]
fn migrate_and_enroll_commands() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let server = Server::start(db.url());
    let (code, out, _) = server.command(&["migrate"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "0 migration(s) applied");
    let token = server.enroll("Site B");
    assert!(token.starts_with("ecke_") && token.len() == 48, "{token}");
    let (code, _, err) = server.command(&["instance", "enroll", "--name", " "]);
    assert_ne!(code, 0);
    assert!(err.contains("invalid"), "{err}");
    assert!(server.terminate().success());
}

#[actix_rt::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    for db in databases() {
        let body = json!({"instanceId": "0b0e6f3a-1234-4abc-8def-0123456789ab",
            "serverPublicKey": "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29",
            "localIps": [], "port": 3100});
        // Not trusted: the peer address counts.
        let server = Server::start(db.url());
        let token = server.enroll("A");
        let r = post_json(
            &server.url("/ECK/API/INTERNAL/REGISTER-INSTANCE"),
            &[
                ("X-Enrollment-Token", &token),
                ("X-Forwarded-For", "198.51.100.4"),
            ],
            &body,
        )
        .await;
        assert_eq!(r.body["publicAddress"], "127.0.0.1");
        drop(server);
        // Trusted loopback proxy: the forwarded client counts.
        let fresh = if db.url().starts_with("sqlite") {
            eckwms_global_adapter_db::testing::TestDatabase::sqlite()
        } else {
            eckwms_global_adapter_db::testing::TestDatabase::postgres().unwrap()
        };
        let server = Server::start_with(
            fresh.url(),
            &[("ECKWMS_GLOBAL__HTTP__TRUSTED_PROXIES", "127.0.0.1")],
        );
        let token = server.enroll("A");
        let r = post_json(
            &server.url("/ECK/API/INTERNAL/REGISTER-INSTANCE"),
            &[
                ("X-Enrollment-Token", &token),
                ("X-Forwarded-For", "198.51.100.4"),
            ],
            &body,
        )
        .await;
        assert_eq!(r.body["publicAddress"], "198.51.100.4");
    }
}

#[test]
fn sigterm_stops_the_service_cleanly() {
    for db in databases() {
        let server = Server::start(db.url());
        let started = std::time::Instant::now();
        let status = server.terminate();
        assert!(status.success(), "{status:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
}
