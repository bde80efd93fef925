//! The repair wing against the real binary: RMA requests and their codes.

use std::collections::HashSet;

use eckwms_adapter_db::testing::TestDatabase;
use futures_util::future::join_all;
use serde_json::json;

use crate::harness::{Api, Backend, Server, fresh_dir};

/// A v2 label key for the tests (any 64 hex digits): the slip's QR code is a label code.
const V2_KEY: &str = "5b0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9ea";

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

/// The customer's slip of an RMA request with three devices is a PDF that shows the code and
/// every serial; a plain order has none, and without a label key no slip is printed.
pub async fn rma_slips_show_the_code_and_the_serials(db: &TestDatabase, _: Backend) {
    let server = Server::start_with(
        db.url(),
        fresh_dir("bb"),
        &[("ECKWMS__CODES__V2_KEY", V2_KEY)],
    );
    let api = Api::new(&server, &server.admin_key);
    let serials = ["1234567", "SN-88-A7", "X9-00017"];
    let rma = api
        .create(
            "/api/v1/rmas",
            json!({
                "customer": {"company": "Acme GmbH", "person": "Jane Doe",
                             "postal_code": "10115", "city": "Berlin"},
                "declared": [
                    {"serial": serials[0], "description": "does not charge"},
                    {"serial": serials[1]},
                    {"serial": serials[2], "description": "cracked display"},
                ],
                "reference": "PO-2026-118",
            }),
        )
        .await;
    let id = rma["id"].as_str().unwrap();
    let code = rma["rma_code"].as_str().unwrap();
    let slip = api.get(&format!("/api/v1/orders/{id}/slip.pdf")).await;
    assert_eq!(slip.status, 200, "{}", String::from_utf8_lossy(&slip.raw));
    assert_eq!(
        slip.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        slip.header("content-disposition"),
        Some(format!("inline; filename=\"{code}.pdf\""))
    );
    assert_eq!(slip.header("cache-control").as_deref(), Some("no-store"));
    let text = eckwms_labels::testing::pdf_text(&slip.raw).unwrap();
    for expected in [code, "Acme GmbH", "10115 Berlin", "PO-2026-118"]
        .into_iter()
        .chain(serials)
    {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }

    // A plain order has no slip.
    let plain = api
        .create(
            "/api/v1/orders",
            json!({"customer": {"company": "Acme GmbH"}}),
        )
        .await;
    api.get(&format!(
        "/api/v1/orders/{}/slip.pdf",
        plain["id"].as_str().unwrap()
    ))
    .await
    .assert_problem(404, "not_found");
    // The key file is written on the first start only: the second server takes the same key.
    let admin_key = server.admin_key.clone();
    drop(server);

    // Without a label key: refused, as labels are.
    let keyless = Server::start(db.url());
    Api::new(&keyless, &admin_key)
        .get(&format!("/api/v1/orders/{id}/slip.pdf"))
        .await
        .assert_problem(409, "label_key_missing");
}
