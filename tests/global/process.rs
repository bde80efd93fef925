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

/// Times in the configuration are bounded: one out of range stops the start with a clear
/// error, never a panic of the date arithmetic (exit 101).
#[test]
fn times_out_of_range_are_refused_without_a_panic() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let dir = crate::harness::fresh_dir();
    let huge = "9223372036854775807";
    for (name, setting, value) in [
        (
            "ECKWMS_GLOBAL__DATABASE__CONNECT_TIMEOUT_SECS",
            "database.connect_timeout_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__DATABASE__CONNECT_TIMEOUT_SECS",
            "database.connect_timeout_secs",
            "0",
        ),
        (
            "ECKWMS_GLOBAL__HTTP__KEEP_ALIVE_SECS",
            "http.keep_alive_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__HTTP__REQUEST_TIMEOUT_SECS",
            "http.request_timeout_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__HTTP__SHUTDOWN_TIMEOUT_SECS",
            "http.shutdown_timeout_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__RELAY__RETENTION_INTERVAL_SECS",
            "relay.retention_interval_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__INSTANCES__ENROLLMENT_TTL_HOURS",
            "instances.enrollment_ttl_hours",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__INSTANCES__OFFLINE_AFTER_SECS",
            "instances.offline_after_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__INSTANCES__MAX_PAIRING_TTL_SECS",
            "instances.max_pairing_ttl_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__PUBLIC_PAGE__TTL_SECS",
            "public_page.ttl_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__PUBLIC_PAGE__NEGATIVE_TTL_SECS",
            "public_page.negative_ttl_secs",
            huge,
        ),
        (
            "ECKWMS_GLOBAL__PUBLIC_PAGE__KEEP_DAYS",
            "public_page.keep_days",
            huge,
        ),
        ("ECKWMS_GLOBAL__RELAY__LEASE_SECS", "relay.lease_secs", huge),
    ] {
        let out = std::process::Command::new(crate::harness::BIN)
            .arg("migrate")
            .current_dir(&dir)
            .env("ECKWMS_GLOBAL__DATABASE__URL", db.url())
            .env("ECKWMS_GLOBAL__LOG__LEVEL", "warn")
            .env(name, value)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}={value}: {err}");
        assert!(
            err.contains(setting) && !err.contains("panicked"),
            "{name}={value}: {err}"
        );
    }
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

#[test]
fn the_env_file_layer_lies_between_global_toml_and_the_config_file() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let dir = crate::harness::fresh_dir();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    // Read only with ECKWMS_GLOBAL_ENV=staging: an out-of-range value shows that it was.
    std::fs::write(
        dir.join("config/global.staging.toml"),
        "[relay]\nlease_secs = 0\n",
    )
    .unwrap();
    let config = dir.join("over.toml");
    std::fs::write(&config, "[relay]\nlease_secs = 5\n").unwrap();
    let migrate = |vars: &[(&str, &str)]| {
        let mut command = std::process::Command::new(crate::harness::BIN);
        command
            .arg("migrate")
            .current_dir(&dir)
            .env("ECKWMS_GLOBAL__DATABASE__URL", db.url())
            .env("ECKWMS_GLOBAL__LOG__LEVEL", "warn");
        for (name, value) in vars {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    assert!(migrate(&[]).status.success());
    assert!(
        migrate(&[("ECKWMS_GLOBAL_ENV", "production")])
            .status
            .success()
    );
    let out = migrate(&[("ECKWMS_GLOBAL_ENV", "staging")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("relay.lease_secs must be 1 to"), "{err}");
    let over = config.to_str().unwrap();
    let out = migrate(&[
        ("ECKWMS_GLOBAL_ENV", "staging"),
        ("ECKWMS_GLOBAL_CONFIG", over),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
