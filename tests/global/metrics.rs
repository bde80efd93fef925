//! `/metrics` of the global service: on its own listener (`metrics.bind`) only.

use crate::harness::{Server, databases, get};
use crate::prometheus::{self, listening_ports, parse, port_of, value};
use crate::proxy::{INSTANCE, register};

fn metrics_address(server: &Server) -> Option<String> {
    server.startup_log.iter().find_map(|line| {
        let json: serde_json::Value = serde_json::from_str(line).ok()?;
        (json["fields"]["message"] == "metrics listening")
            .then(|| json["fields"]["address"].as_str().map(str::to_owned))
            .flatten()
    })
}

#[actix_rt::test]
async fn metrics_count_requests_and_proxy_upstream_errors_on_their_own_listener() {
    let db = databases().remove(0);
    let server = Server::start_with(
        db.url(),
        &[
            ("ECKWMS_GLOBAL__METRICS__BIND", "127.0.0.1:0"),
            ("ECKWMS_GLOBAL__PROXY__ALLOW_LOOPBACK", "true"),
        ],
    );
    let address = metrics_address(&server).expect("a `metrics listening` line");
    for _ in 0..3 {
        assert_eq!(get(&server.url("/health"), &[]).await.status, 200);
    }
    // An instance registered at a port where nothing listens: the proxy's upstream fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    register(&server, port).await;
    let proxied = get(&server.url(&format!("/ECK/PROXY/{INSTANCE}/x")), &[]).await;
    assert_eq!(proxied.status, 502, "{}", proxied.body);

    let (status, content_type, body) = prometheus::get(&format!("http://{address}/metrics"));
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let samples = parse(&body);
    assert_eq!(
        value(
            &samples,
            "eckwms_http_requests_total",
            &[("method", "GET"), ("route", "/health"), ("status", "200")],
        ),
        Some(3.0),
        "{body}"
    );
    assert_eq!(
        value(
            &samples,
            "eckwms_global_proxy_upstream_errors_total",
            &[("kind", "unavailable")],
        ),
        Some(1.0),
        "{body}"
    );
    // The instance registered just now is online; counted, not named.
    for (state, count) in [("online", 1.0), ("offline", 0.0), ("disabled", 0.0)] {
        assert_eq!(
            value(&samples, "eckwms_global_instances", &[("state", state)]),
            Some(count),
            "{state}: {body}"
        );
    }
    assert!(
        value(
            &samples,
            "eckwms_global_instance_oldest_heartbeat_age_seconds",
            &[]
        )
        .is_some_and(|age| (0.0..60.0).contains(&age)),
        "{body}"
    );
    assert!(
        !body.contains(INSTANCE),
        "the instance id is no label:\n{body}"
    );
    assert!(
        value(&samples, "eckwms_db_pool_max_connections", &[]).unwrap_or(0.0) >= 1.0,
        "{body}"
    );

    assert_eq!(get(&server.url("/metrics"), &[]).await.status, 404);
    let mut expected = vec![
        port_of(server.base.trim_start_matches("http://")),
        port_of(&address),
    ];
    expected.sort_unstable();
    assert_eq!(listening_ports(server.pid()), expected);
    assert!(server.terminate().success());
}

#[test]
fn without_metrics_bind_nothing_else_listens() {
    let db = databases().remove(0);
    let server = Server::start(db.url());
    assert_eq!(metrics_address(&server), None);
    assert_eq!(
        listening_ports(server.pid()),
        [port_of(server.base.trim_start_matches("http://"))]
    );
    assert!(server.terminate().success());
}
