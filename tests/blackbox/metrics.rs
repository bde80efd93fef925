//! `/metrics`: on its own listener (`metrics.bind`) only, counting requests by route template.

use serde_json::json;

use crate::harness::{Api, Backend, Server, database, fresh_dir};
use crate::prometheus::{get, listening_ports, parse, port_of, value};

/// The address of the metrics listener from the start-up log.
fn metrics_address(server: &Server) -> Option<String> {
    server.startup_log.iter().find_map(|line| {
        let json: serde_json::Value = serde_json::from_str(line).ok()?;
        (json["fields"]["message"] == "metrics listening")
            .then(|| json["fields"]["address"].as_str().map(str::to_owned))
            .flatten()
    })
}

#[actix_rt::test]
async fn metrics_count_requests_by_route_template_on_their_own_listener() {
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start_with(
        db.url(),
        fresh_dir("metrics"),
        &[("ECKWMS__METRICS__BIND", "127.0.0.1:0")],
    );
    let address = metrics_address(&server).expect("a `metrics listening` line");
    let api = Api::new(&server, &server.admin_key);
    let place = api.create("/api/v1/places", json!({"name": "P"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut items = Vec::new();
    for _ in 0..2 {
        items.push(
            api.create("/api/v1/items", json!({})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for item in &items {
        assert_eq!(api.get(&format!("/api/v1/items/{item}")).await.status, 200);
    }
    let moved = api
        .post("/api/v1/moves", json!({"objects": items, "to": place}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(api.get("/no/such/route").await.status, 404);

    let (status, content_type, body) = get(&format!("http://{address}/metrics"));
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let samples = parse(&body);
    let requests = |method: &str, route: &str, status: &str| {
        value(
            &samples,
            "eckwms_http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
        .unwrap_or(0.0)
    };
    assert_eq!(requests("GET", "/api/v1/items/{id}", "200"), 2.0, "{body}");
    assert_eq!(requests("POST", "/api/v1/items", "201"), 2.0, "{body}");
    assert_eq!(requests("POST", "/api/v1/moves", "200"), 1.0, "{body}");
    assert_eq!(requests("GET", "unmatched", "404"), 1.0, "{body}");
    // Route templates only: no item id, no unmatched path becomes a label.
    for raw in items.iter().map(String::as_str).chain(["/no/such/route"]) {
        assert!(!body.contains(raw), "{raw} in\n{body}");
    }
    assert!(
        value(
            &samples,
            "eckwms_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/api/v1/items/{id}")],
        ) == Some(2.0),
        "{body}"
    );
    assert!(
        value(
            &samples,
            "eckwms_http_request_duration_seconds_bucket",
            &[("route", "/api/v1/items/{id}"), ("le", "+Inf")],
        ) == Some(2.0),
        "{body}"
    );
    assert_eq!(
        value(&samples, "eckwms_moves_total", &[]),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        value(&samples, "eckwms_moved_objects_total", &[]),
        Some(2.0),
        "{body}"
    );
    // 1 place, 2 items, 2 moves.
    assert!(
        value(&samples, "eckwms_ledger_head_seq", &[]).unwrap_or(0.0) >= 5.0,
        "{body}"
    );
    assert!(
        value(&samples, "eckwms_db_pool_max_connections", &[]).unwrap_or(0.0) >= 2.0,
        "{body}"
    );
    // Not enrolled, nothing relayed: the relay's backlog is read and zero.
    assert_eq!(
        value(&samples, "eckwms_relay_backlog", &[]),
        Some(0.0),
        "{body}"
    );
    for state in ["in_use", "idle"] {
        assert!(
            value(&samples, "eckwms_db_pool_connections", &[("state", state)]).is_some(),
            "{body}"
        );
    }
    assert!(
        value(&samples, "eckwms_db_pool_checkout_wait_seconds_count", &[]).unwrap_or(0.0) > 0.0,
        "{body}"
    );

    // Not on the API's port, and nothing but /metrics on the metrics port.
    assert_eq!(api.get("/metrics").await.status, 404);
    assert_eq!(get(&format!("http://{address}/api/v1/items")).0, 404);
    // Exactly two listeners: the API's and the metrics'.
    let mut expected = vec![
        port_of(server.base.trim_start_matches("http://")),
        port_of(&address),
    ];
    expected.sort_unstable();
    assert_eq!(listening_ports(server.pid()), expected);
    assert!(server.terminate().success());
}

#[actix_rt::test]
async fn scans_and_login_failures_are_counted() {
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start_with(
        db.url(),
        fresh_dir("metrics"),
        &[("ECKWMS__METRICS__BIND", "127.0.0.1:0")],
    );
    let address = metrics_address(&server).unwrap();
    let api = Api::new(&server, &server.admin_key);
    let scan = api
        .post(
            "/api/v1/scans",
            json!({"barcode": "NO-SUCH-CODE-1", "msg_id": "m-1", "device_id": "PDA-1"}),
        )
        .await;
    assert_eq!(scan.status, 200, "{}", scan.body);
    let action = scan.body["action"].as_str().unwrap().to_owned();
    // A retry of the same msg_id is a replay: not counted again.
    let again = api
        .post(
            "/api/v1/scans",
            json!({"barcode": "NO-SUCH-CODE-1", "msg_id": "m-1", "device_id": "PDA-1"}),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let anonymous = Api::new(&server, "");
    let login = anonymous
        .post(
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(login.status, 401, "{}", login.body);

    let (status, _, body) = get(&format!("http://{address}/metrics"));
    assert_eq!(status, 200);
    let samples = parse(&body);
    assert_eq!(
        value(&samples, "eckwms_scans_total", &[("action", &action)]),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        value(
            &samples,
            "eckwms_login_failures_total",
            &[("reason", "invalid_credentials")]
        ),
        Some(1.0),
        "{body}"
    );
    assert!(server.terminate().success());
}

#[test]
fn without_metrics_bind_nothing_else_listens() {
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start(db.url());
    assert_eq!(metrics_address(&server), None);
    assert_eq!(
        listening_ports(server.pid()),
        [port_of(server.base.trim_start_matches("http://"))]
    );
    assert!(server.terminate().success());
}
