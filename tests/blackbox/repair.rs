//! The repair wing against the real binary: RMA requests and their codes.

use std::collections::HashSet;

use eckwms_adapter_db::testing::TestDatabase;
use futures_util::future::join_all;
use serde_json::json;

use crate::harness::{Api, Backend, Server};

/// 200 RMA requests from 32 concurrent clients get 200 distinct codes, none behind the clock,
/// each naming its order; a scan of a code finds that order and makes no second one.
pub async fn rma_requests_get_distinct_codes_that_scans_find(db: &TestDatabase, _: Backend) {
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let started = chrono::Utc::now().timestamp();
    let clients = (0..32).map(|client| {
        let api = api.clone();
        async move {
            let mut made = Vec::new();
            for n in 0..(if client < 8 { 7 } else { 6 }) {
                let reply = api
                    .post(
                        "/api/v1/rmas",
                        json!({
                            "customer": {"company": format!("Client {client}")},
                            "declared": [{"serial": format!("SN-{client}-{n}")}],
                        }),
                    )
                    .await;
                assert_eq!(reply.status, 201, "{}", reply.body);
                made.push(reply.body);
            }
            made
        }
    });
    let made: Vec<_> = join_all(clients).await.into_iter().flatten().collect();
    assert_eq!(made.len(), 200);
    let mut codes = HashSet::new();
    for order in &made {
        let code = order["rma_code"].as_str().unwrap().to_owned();
        let id = order["id"].as_str().unwrap();
        assert_eq!(code.len(), 15, "{code}");
        let digits: i64 = code[3..13].parse().unwrap();
        assert!(digits >= started, "{code} is behind the clock ({started})");
        assert_eq!(id, format!("o80000000{}", &code[3..13]));
        assert!(codes.insert(code), "{order}");
    }
    // A scan of a code (lower-case check characters, as typed by hand) finds its order.
    let first = &made[0];
    let code = first["rma_code"].as_str().unwrap();
    let typed = format!("{}{}", &code[..13], code[13..].to_lowercase());
    let scan = api
        .post(
            "/api/v1/scans",
            json!({"barcode": typed, "msg_id": "rma-1", "device_id": "DESK-1"}),
        )
        .await;
    assert_eq!(scan.status, 200, "{}", scan.body);
    assert_eq!(scan.body["action"], "found", "{}", scan.body);
    assert_eq!(scan.body["type"], "order", "{}", scan.body);
    assert_eq!(scan.body["data"]["id"], first["id"], "{}", scan.body);
    let listed = api.get("/api/v1/orders?limit=500").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 200);
    // Read back with its declared device and published progress.
    let read = api
        .get(&format!("/api/v1/orders/{}", first["id"].as_str().unwrap()))
        .await;
    assert_eq!(read.body["declared"], first["declared"]);
    assert_eq!(read.body["rma_code"], first["rma_code"]);
    assert_eq!(
        read.body["public_fields"],
        json!([
            "status",
            "reference",
            "tracking_number",
            "received_at",
            "shipped_at"
        ])
    );
    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
}
