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
    assert_eq!(
        scan.body["data"]["rma_code"], first["rma_code"],
        "{}",
        scan.body
    );
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

/// A place of the repair desk: made, then given its role by an admin.
async fn desk_place(api: &Api, name: &str, role: &str) -> String {
    let place = api
        .create("/api/v1/places", json!({"warehouse_id": 1, "name": name}))
        .await;
    let id = place["id"].as_str().unwrap().to_owned();
    let set = api
        .send(
            "PATCH",
            &format!("/api/v1/places/{id}"),
            &[("If-Match", "*")],
            Some(json!({"role": role}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["role"], role);
    id
}

/// Sends a scan from the desk's scanner and asserts its action.
async fn desk_scan(api: &Api, barcode: &str, msg_id: &str, action: &str) -> serde_json::Value {
    let reply = api
        .post(
            "/api/v1/scans",
            json!({"barcode": barcode, "msg_id": msg_id, "device_id": "DESK-1"}),
        )
        .await;
    assert_eq!(reply.status, 200, "scan {barcode}: {}", reply.body);
    assert_eq!(
        reply.body["action"], action,
        "scan {barcode}: {}",
        reply.body
    );
    reply.body
}

async fn set_status(api: &Api, order: &str, status: &str) -> crate::harness::Reply {
    api.send(
        "PATCH",
        &format!("/api/v1/orders/{order}"),
        &[("If-Match", "*")],
        Some(json!({"status": status}).to_string().into_bytes()),
    )
    .await
}

/// The whole story of a repair: an RMA request with three devices and its slip; the parcel
/// (a box linked to the request) gets two declared devices and one undeclared by scans, and is
/// scanned onto the intake table (received); the reconciliation says two matched, one missing,
/// one undeclared; `processed` waits for both matched devices' results; the parcel scanned onto
/// the outgoing place ships the request; the service report has its rows; verify is clean.
pub async fn a_repair_from_request_to_report(db: &TestDatabase, _: Backend) {
    let server = Server::start_with(
        db.url(),
        fresh_dir("bb"),
        &[("ECKWMS__CODES__V2_KEY", V2_KEY)],
    );
    let api = Api::new(&server, &server.admin_key);
    let intake = desk_place(&api, "Intake table", "intake").await;
    let outgoing = desk_place(&api, "Outgoing", "shipped").await;

    // The request and its slip.
    let serials = ["1234567", "SN-88-A7", "X9-00017"];
    let rma = api
        .create(
            "/api/v1/rmas",
            json!({
                "customer": {"company": "Acme GmbH", "street": "Hauptstr.", "house_number": "5",
                             "postal_code": "10115", "city": "Berlin",
                             "email": "service@acme.example"},
                "declared": [
                    {"serial": serials[0], "description": "does not charge"},
                    {"serial": serials[1], "description": "=cracked display"},
                    {"serial": serials[2]},
                ],
            }),
        )
        .await;
    let order = rma["id"].as_str().unwrap().to_owned();
    let code = rma["rma_code"].as_str().unwrap().to_owned();
    let slip = api.get(&format!("/api/v1/orders/{order}/slip.pdf")).await;
    assert_eq!(slip.status, 200);
    let text = eckwms_labels::testing::pdf_text(&slip.raw).unwrap();
    for expected in std::iter::once(code.as_str()).chain(serials) {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }

    // The parcel arrives: a box linked to the request, the devices scanned into it.
    let parcel = api.create("/api/v1/boxes", json!({})).await;
    let parcel = parcel["id"].as_str().unwrap().to_owned();
    let linked = api
        .post(
            &format!("/api/v1/orders/{order}/boxes"),
            json!({"box": parcel}),
        )
        .await;
    assert_eq!(linked.status, 200, "{}", linked.body);
    let second = api
        .create(
            "/api/v1/items",
            json!({"serial": "SN-88-A7", "name": "Tablet T2"}),
        )
        .await;
    let stranger = api
        .create(
            "/api/v1/items",
            json!({"serial": "ZZ-404", "name": "Charger"}),
        )
        .await;
    let first = desk_scan(&api, serials[0], "r1", "created").await;
    let first = first["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first, "i700000000001234567");
    desk_scan(&api, "SN-88-A7", "r2", "found").await;
    desk_scan(&api, "ZZ-404", "r3", "found").await;
    desk_scan(&api, &parcel, "r4", "moved").await;
    assert_eq!(
        api.get(&format!("/api/v1/orders/{order}")).await.body["status"],
        "created"
    );
    // The parcel onto the intake table: received.
    desk_scan(&api, &intake, "r5", "moved").await;
    let received = api.get(&format!("/api/v1/orders/{order}")).await.body;
    assert_eq!(received["status"], "received", "{received}");
    assert!(received["received_at"].is_string(), "{received}");

    // What arrived against what was declared.
    let rec = api
        .get(&format!("/api/v1/orders/{order}/reconciliation"))
        .await;
    assert_eq!(rec.status, 200, "{}", rec.body);
    let matched: Vec<(&str, &str)> = rec.body["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["serial"].as_str().unwrap(), m["item"].as_str().unwrap()))
        .collect();
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(
        matched,
        [(serials[0], first.as_str()), (serials[1], second_id)],
        "{}",
        rec.body
    );
    assert_eq!(rec.body["missing"].as_array().unwrap().len(), 1);
    assert_eq!(rec.body["missing"][0]["serial"], serials[2]);
    assert_eq!(rec.body["undeclared"].as_array().unwrap().len(), 1);
    assert_eq!(rec.body["undeclared"][0]["item"], stranger["id"]);
    let missing = api.get("/api/v1/orders?missing_devices=true").await;
    assert_eq!(
        missing.body["items"][0]["id"],
        order.as_str(),
        "{}",
        missing.body
    );

    // Repairs: processed only once both matched devices have their result.
    for (item, kind, outcome) in [
        (first.as_str(), "check", None),
        (first.as_str(), "result", Some("repaired")),
    ] {
        let mut body = json!({"type": kind, "message": format!("{kind} by the bench")});
        if let Some(outcome) = outcome {
            body["outcome"] = json!(outcome);
            body["parts"] = json!(["1x battery"]);
            body["warranty"] = json!(true);
        }
        api.create(&format!("/api/v1/items/{item}/actions"), body)
            .await;
    }
    set_status(&api, &order, "processed")
        .await
        .assert_problem(409, "repair_unfinished");
    api.create(
        &format!("/api/v1/items/{second_id}/actions"),
        json!({"type": "result", "message": "no fault found after 24 h", "outcome": "no_fault_found"}),
    )
    .await;
    let processed = set_status(&api, &order, "processed").await;
    assert_eq!(processed.status, 200, "{}", processed.body);
    assert_eq!(processed.body["status"], "processed");

    // Back to the customer: the parcel onto the outgoing place ships the request.
    desk_scan(&api, &parcel, "r6", "found").await;
    desk_scan(&api, &outgoing, "r7", "moved").await;
    let shipped = api.get(&format!("/api/v1/orders/{order}")).await.body;
    assert_eq!(shipped["status"], "shipped", "{shipped}");
    assert!(shipped["shipped_at"].is_string(), "{shipped}");
    let history = api.get(&format!("/api/v1/orders/{order}/history")).await;
    let reasons: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["reason"].as_str())
        .collect();
    assert!(
        reasons.contains(&format!("{parcel} was moved onto the intake place {intake}").as_str()),
        "{}",
        history.body
    );
    assert!(
        reasons.contains(&format!("{parcel} was moved onto the shipped place {outgoing}").as_str()),
        "{}",
        history.body
    );

    // The service report: one row per device, the header first; the complaint that would
    // start a formula is neutralised.
    let today = chrono::Utc::now().date_naive();
    let report = api
        .get(&format!(
            "/api/v1/reports/service.csv?from={}T00:00:00Z&status=shipped",
            today - chrono::Duration::days(1)
        ))
        .await;
    assert_eq!(
        report.status,
        200,
        "{}",
        String::from_utf8_lossy(&report.raw)
    );
    assert!(
        report.raw.starts_with(b"\xEF\xBB\xBF"),
        "no byte order mark"
    );
    let text = String::from_utf8(report.raw[3..].to_vec()).unwrap();
    let rows: Vec<Vec<&str>> = text
        .split("\r\n")
        .filter(|row| !row.is_empty())
        .map(|row| row.split(';').collect())
        .collect();
    assert_eq!(rows.len(), 5, "{text}");
    assert_eq!(rows[0][0], "Serial/part number");
    assert!(rows.iter().all(|row| row.len() == 21), "{text}");
    let by_serial = |serial: &str| {
        rows.iter()
            .find(|row| row[0] == serial)
            .unwrap_or_else(|| panic!("no row of {serial} in\n{text}"))
    };
    let repaired = by_serial(serials[0]);
    assert_eq!(repaired[4], "Acme GmbH");
    assert_eq!(repaired[9], "Berlin");
    assert_eq!(repaired[10], "does not charge");
    assert!(repaired[13].starts_with("repaired: "), "{text}");
    assert_eq!(repaired[17], "yes");
    assert_eq!(repaired[19], "1x battery");
    assert_eq!(repaired[2], today.to_string());
    assert_eq!(by_serial(serials[1])[10], "'=cracked display");
    assert_eq!(
        by_serial(serials[2])[1],
        "",
        "the missing device has no item"
    );
    by_serial("ZZ-404");

    let (status, out) = server.command(&["verify"]);
    assert_eq!(status, 0, "{out}");
}
