//! Scanning against the real binary: labels, the scan flow, the scan log, sessions, replays.

use std::collections::HashSet;

use eckwms_adapter_db::testing::TestDatabase;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::harness::{Api, Backend, Reply, Server};

/// A v2 label key for the tests (any 64 hex digits).
const V2_KEY: &str = "5b0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9ea";
/// The key and first code of /work/shared/reference/eck-v1-vectors.json (suffix `M3`).
const V1_KEY: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
const V1_ITEM_1: &str =
    "ECK1.COM/T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1BAGHLFW6M3";

fn with_keys() -> [(&'static str, &'static str); 3] {
    [
        ("ECKWMS__CODES__V2_KEY", V2_KEY),
        ("ECKWMS__CODES__V1_KEY", V1_KEY),
        ("ECKWMS__PAIRING__GLOBAL_URL", "https://eckwms.example.com"),
    ]
}

/// Sends a scan and asserts the 200 and the answer's shape.
async fn scan(api: &Api, barcode: &str, msg_id: &str, device: &str) -> Reply {
    let reply = api
        .post(
            "/api/v1/scans",
            json!({"barcode": barcode, "msg_id": msg_id, "device_id": device}),
        )
        .await;
    assert_eq!(reply.status, 200, "scan {barcode}: {}", reply.body);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(reply.body["msg_id"], msg_id);
    assert!(reply.body["scan_id"].is_i64(), "{}", reply.body);
    assert!(reply.body["message"].is_string(), "{}", reply.body);
    reply
}

fn ids(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn session_of(reply: &Reply) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    let s = &reply.body["session"];
    (ids(&s["items"]), ids(&s["boxes"]), ids(&s["places"]))
}

/// The history rows of an object with this change.
async fn history_rows(api: &Api, kind: &str, id: &str, change: &str) -> Vec<Value> {
    let reply = api.get(&format!("/api/v1/{kind}/{id}/history")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change"] == change)
        .cloned()
        .collect()
}

/// The location path of an object, innermost container first.
async fn path_of(api: &Api, kind: &str, id: &str) -> Vec<String> {
    let reply = api.get(&format!("/api/v1/{kind}/{id}/location")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A v1 code with one ciphertext symbol changed: its GCM tag no longer matches.
fn forged(code: &str) -> String {
    let mut bytes = code.as_bytes().to_vec();
    let at = "ECK1.COM/".len() + 3;
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    String::from_utf8(bytes).unwrap()
}

pub async fn scan_walkthrough(db: &TestDatabase, _backend: Backend) {
    let server = Server::start_with(db.url(), crate::harness::fresh_dir("scan"), &with_keys());
    let api = Api::new(&server, &server.admin_key);

    // Two box labels: fresh ids, three encrypted texts each (hosts ECK1, ECK2, ECK3).
    let printed = api
        .post(
            "/api/v1/labels?format=json",
            json!({"kind": "box", "count": 2}),
        )
        .await;
    assert_eq!(printed.status, 200, "{}", printed.body);
    assert_eq!(printed.body["kind"], "box");
    assert_eq!(printed.body["reprint"], false);
    assert!(printed.body["print_id"].is_i64());
    let labels = printed.body["labels"].as_array().unwrap().clone();
    assert_eq!(labels.len(), 2);
    let mut texts = HashSet::new();
    for label in &labels {
        let id = label["id"].as_str().unwrap();
        assert!(id.starts_with('b') && id.len() == 19, "{label}");
        let codes = ids(&label["codes"]);
        assert_eq!(codes.len(), 3, "{label}");
        for (code, host) in codes.iter().zip(["ECK1.COM/", "ECK2.COM/", "ECK3.COM/"]) {
            assert!(code.starts_with(host) && code.ends_with("M3"), "{code}");
            assert!(!code.contains(&id[1..]), "the id shows in clear: {code}");
            texts.insert(code.to_string());
        }
        assert_eq!(label["check"].as_str().unwrap().len(), 2, "{label}");
    }
    assert_eq!(texts.len(), 6, "a label text repeats");
    let box_id = labels[0]["id"].as_str().unwrap().to_owned();
    assert_ne!(labels[1]["id"], box_id);
    let box_code = labels[0]["codes"][0].as_str().unwrap().to_owned();

    let pdf = api
        .post(
            "/api/v1/labels?format=pdf",
            json!({"kind": "item", "count": 1}),
        )
        .await;
    assert_eq!(pdf.status, 200, "{}", String::from_utf8_lossy(&pdf.raw));
    assert_eq!(
        pdf.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(pdf.raw.starts_with(b"%PDF"));
    let qr = api.get("/api/v1/pairing-qr").await;
    assert_eq!(qr.status, 200, "{}", qr.body);
    assert_eq!(qr.header("content-type").as_deref(), Some("image/png"));
    assert!(qr.raw.starts_with(b"\x89PNG\r\n\x1a\n"));

    let place = api
        .create(
            "/api/v1/places",
            json!({"warehouse_id": 1, "name": "Shelf"}),
        )
        .await;
    let place_id = place["id"].as_str().unwrap().to_owned();

    // An item by its id text: created, and in the device's set.
    let item = "i000000000000000777";
    let first = scan(&api, item, "m1", "PDA-1").await;
    assert_eq!(first.body["action"], "created", "{}", first.body);
    assert_eq!(first.body["type"], "item");
    assert_eq!(first.body["data"]["id"], item);
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(session_of(&first), (vec![item], vec![], vec![]));

    // The box label: the box is created from the label and the item goes into it.
    let boxed = scan(&api, &box_code, "m2", "PDA-1").await;
    assert_eq!(boxed.body["action"], "moved", "{}", boxed.body);
    assert_eq!(boxed.body["type"], "box");
    assert_eq!(boxed.body["data"]["id"], box_id.as_str());
    assert_eq!(session_of(&boxed), (vec![], vec![box_id.as_str()], vec![]));

    // The place, through the first generation's route and field names: the box moves there.
    let placed = api
        .post(
            "/ECK/API/SCAN",
            json!({"barcode": place_id, "msgId": "m3", "deviceId": "PDA-1"}),
        )
        .await;
    assert_eq!(placed.status, 200, "{}", placed.body);
    assert_eq!(placed.body["msgId"], "m3");
    assert_eq!(placed.body["msg_id"], "m3");
    assert_eq!(placed.body["action"], "moved", "{}", placed.body);
    assert_eq!(placed.body["type"], "place");
    assert_eq!(
        session_of(&placed),
        (vec![], vec![], vec![place_id.as_str()])
    );
    assert_eq!(
        path_of(&api, "items", item).await,
        vec![box_id.clone(), place_id.clone()]
    );
    let read = api.get(&format!("/api/v1/items/{item}")).await;
    assert_eq!(read.body["parent"], box_id.as_str(), "{}", read.body);

    // A label of the first generation: item 1, created.
    let v1 = scan(&api, V1_ITEM_1, "m4", "PDA-1").await;
    assert_eq!(v1.body["action"], "created", "{}", v1.body);
    assert_eq!(v1.body["data"]["id"], "i000000000000000001");
    // The same code with one symbol changed: refused, nothing created, the set unchanged.
    let bad = scan(&api, &forged(V1_ITEM_1), "m5", "PDA-1").await;
    assert_eq!(bad.body["action"], "error", "{}", bad.body);
    assert_eq!(bad.body["type"], "label");
    assert_eq!(bad.body["data"], Value::Null);
    assert_eq!(session_of(&bad), session_of(&v1));
    // Scanned ids raised the item counter: a new item gets neither number.
    let fresh = api.create("/api/v1/items", json!({})).await;
    assert!(
        !["i000000000000000001", item].contains(&fresh["id"].as_str().unwrap()),
        "{fresh}"
    );

    // Another device's msg_id space is its own; an unknown code with an empty set: not_found.
    let other = scan(&api, "NO-SUCH-CODE-42", "m1", "PDA-2").await;
    assert_eq!(other.header("idempotent-replayed"), None);
    assert_eq!(other.body["action"], "not_found", "{}", other.body);
    // A place that is not set up is refused, not created; the answer names it for the scanner.
    let unset = scan(&api, "p000000000000000009", "m2", "PDA-2").await;
    assert_eq!(unset.body["action"], "error", "{}", unset.body);
    assert_eq!(unset.body["type"], "place", "{}", unset.body);
    assert_eq!(
        unset.body["data"],
        json!({"kind": "place", "id": "p000000000000000009"})
    );
    assert!(
        unset.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Place 9 is not set up"),
        "{}",
        unset.body
    );
    assert_eq!(
        api.get("/api/v1/places/p000000000000000009").await.status,
        404
    );

    // The log of PDA-1, newest first, each scan with the ledger rows it caused.
    let log = api.get("/api/v1/scans?device_id=PDA-1").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let entries = log.body["items"].as_array().unwrap().clone();
    let msgs: Vec<&str> = entries
        .iter()
        .map(|e| e["msg_id"].as_str().unwrap())
        .collect();
    assert_eq!(msgs, vec!["m5", "m4", "m3", "m2", "m1"]);
    let resolutions: Vec<&str> = entries
        .iter()
        .map(|e| e["resolution"].as_str().unwrap())
        .collect();
    assert_eq!(
        resolutions,
        vec!["bad_label", "label_v1", "id", "label_v2", "id"]
    );
    for entry in &entries {
        assert_eq!(entry["device_id"], "PDA-1");
        assert_eq!(entry["owner"], "device:PDA-1");
        assert_eq!(entry["actor"], "apikey:1");
    }
    let seqs = |e: &Value| -> Vec<i64> {
        e["ledger_seqs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_i64().unwrap())
            .collect()
    };
    assert!(seqs(&entries[0]).is_empty(), "{}", entries[0]);
    assert_eq!(seqs(&entries[1]).len(), 1, "{}", entries[1]);
    assert_eq!(seqs(&entries[2]).len(), 1, "{}", entries[2]);
    // Box created, item moved.
    assert_eq!(seqs(&entries[3]).len(), 2, "{}", entries[3]);
    assert_eq!(seqs(&entries[4]).len(), 1, "{}", entries[4]);
    // The log keeps the answer; the working set was sent with it, not stored with every scan.
    let mut logged = boxed.body.clone();
    logged.as_object_mut().unwrap().remove("session");
    assert_eq!(entries[3]["answer"], logged);
    assert!(entries[3]["answer"].get("session").is_none());
    let box_scan = entries[3]["id"].as_i64().unwrap();
    assert_eq!(box_scan, boxed.body["scan_id"].as_i64().unwrap());
    let single = api.get(&format!("/api/v1/scans/{box_scan}")).await;
    assert_eq!(single.status, 200, "{}", single.body);
    assert_eq!(single.body, entries[3]);
    api.get("/api/v1/scans/999999")
        .await
        .assert_problem(404, "not_found");

    // The item's move points back to the scan (and the device) that caused it.
    let moves = history_rows(&api, "items", item, "moved").await;
    assert_eq!(moves.len(), 1, "{moves:?}");
    assert!(seqs(&entries[3]).contains(&moves[0]["seq"].as_i64().unwrap()));
    assert_eq!(moves[0]["scan_id"], box_scan, "{}", moves[0]);
    assert!(
        moves[0]["actor"].as_str().unwrap().contains("PDA-1"),
        "{}",
        moves[0]
    );

    // Filters and paging.
    let moved = api.get("/api/v1/scans?action=moved").await;
    assert_eq!(
        moved.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["msg_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["m3", "m2"]
    );
    let by_object = api.get(&format!("/api/v1/scans?object={item}")).await;
    assert_eq!(by_object.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_object.body["items"][0]["msg_id"], "m1");
    let page = api.get("/api/v1/scans?limit=4").await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 4);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = api
        .get(&format!("/api/v1/scans?limit=4&cursor={cursor}"))
        .await;
    let rest_msgs: Vec<(&str, &str)> = rest.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["device_id"].as_str().unwrap(),
                e["msg_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rest_msgs,
        vec![("PDA-1", "m3"), ("PDA-1", "m2"), ("PDA-1", "m1")]
    );
    assert_eq!(rest.body["next_cursor"], Value::Null);
    let old = api.get("/api/v1/scans?until=2000-01-01T00:00:00Z").await;
    assert_eq!(old.body["items"], json!([]));
    let recent = api.get("/api/v1/scans?since=2000-01-01T00:00:00Z").await;
    assert_eq!(recent.body["items"].as_array().unwrap().len(), 7);
    api.get("/api/v1/scans?action=teleported")
        .await
        .assert_problem(400, "invalid_query");

    // A retry of m1 gets the first answer and changes nothing; its `session` is the working
    // set as it is now (later scans changed it), the rest is the first answer byte for byte.
    let again = scan(&api, item, "m1", "PDA-1").await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let now = api.get("/api/v1/scans/session?device_id=PDA-1").await;
    let (mut replayed, mut answered) = (again.body.clone(), first.body.clone());
    assert_eq!(replayed["session"]["items"], now.body["items"]);
    assert_eq!(replayed["session"]["places"], now.body["places"]);
    assert_ne!(replayed["session"], answered["session"]);
    replayed.as_object_mut().unwrap().remove("session");
    answered.as_object_mut().unwrap().remove("session");
    assert_eq!(replayed, answered);
    let cut = |raw: &[u8]| {
        let text = String::from_utf8_lossy(raw).into_owned();
        text[..text.find(",\"session\":").unwrap()].to_owned()
    };
    assert_eq!(cut(&again.raw), cut(&first.raw));
    assert_eq!(
        path_of(&api, "items", item).await,
        vec![box_id.clone(), place_id.clone()]
    );
    let after = api.get("/api/v1/scans").await;
    assert_eq!(after.body["items"].as_array().unwrap().len(), 7);

    // The session: item 1 and the place; cleared, it is empty.
    let session = api.get("/api/v1/scans/session?device_id=PDA-1").await;
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.body["owner"], "device:PDA-1");
    assert_eq!(ids(&session.body["items"]), vec!["i000000000000000001"]);
    assert_eq!(ids(&session.body["boxes"]), Vec::<&str>::new());
    assert_eq!(ids(&session.body["places"]), vec![place_id.as_str()]);
    let cleared = api
        .send("DELETE", "/api/v1/scans/session?device_id=PDA-1", &[], None)
        .await;
    assert_eq!(cleared.status, 204);
    let empty = api.get("/api/v1/scans/session?device_id=PDA-1").await;
    assert_eq!(empty.body["items"], json!([]));
    assert_eq!(empty.body["boxes"], json!([]));
    assert_eq!(empty.body["places"], json!([]));
    // A scan after clearing starts from nothing: a box just joins the set.
    let joined = scan(&api, &box_id, "m6", "PDA-1").await;
    assert_eq!(joined.body["action"], "found", "{}", joined.body);
    assert_eq!(session_of(&joined), (vec![], vec![box_id.as_str()], vec![]));

    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("problems: 0"), "{out}");
}

pub async fn scan_bad_input_changes_nothing(db: &TestDatabase, _backend: Backend) {
    // No v2 key and no global URL: labels and the pairing QR are refused.
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let long = "x".repeat(101);
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "/api/v1/scans",
            json!({"barcode": "i000000000000000001"}),
            400,
            "malformed_body",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "i000000000000000001", "msg_id": "a", "extra": 1}),
            400,
            "malformed_body",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "", "msg_id": "a"}),
            422,
            "validation_failed",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "   ", "msg_id": "a"}),
            422,
            "validation_failed",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "i000000000000000001\u{7}", "msg_id": "a"}),
            422,
            "validation_failed",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "i000000000000000001", "msg_id": ""}),
            422,
            "validation_failed",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "i000000000000000001", "msg_id": long}),
            422,
            "validation_failed",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "i000000000000000001", "msg_id": "a", "device_id": ""}),
            422,
            "validation_failed",
        ),
        (
            "/api/v1/scans",
            json!({"barcode": "x".repeat(1025), "msg_id": "a"}),
            422,
            "validation_failed",
        ),
        (
            "/ECK/API/SCAN",
            json!({"barcode": "", "msgId": "a"}),
            422,
            "validation_failed",
        ),
        (
            "/ECK/API/SCAN",
            json!({"barcode": "i000000000000000001"}),
            400,
            "malformed_body",
        ),
    ];
    for (path, body, status, code) in cases {
        let reply = api.post(path, body.clone()).await;
        assert_eq!(reply.status, status, "{path} {body}: {}", reply.body);
        reply.assert_problem(status, code);
    }

    let (code, read_key) =
        server.command(&["apikey", "create", "--name", "reader", "--scope", "read"]);
    assert_eq!(code, 0);
    let reader = Api::new(&server, read_key.trim());
    let valid = json!({"barcode": "i000000000000000001", "msg_id": "a", "device_id": "PDA-1"});
    reader
        .post("/api/v1/scans", valid.clone())
        .await
        .assert_problem(403, "forbidden");
    reader
        .post("/ECK/API/SCAN", valid.clone())
        .await
        .assert_problem(403, "forbidden");
    reader
        .send("DELETE", "/api/v1/scans/session?device_id=PDA-1", &[], None)
        .await
        .assert_problem(403, "forbidden");
    reader
        .get("/api/v1/pairing-qr")
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(reader.get("/api/v1/scans").await.status, 200);
    let anonymous = Api::new(&server, "");
    anonymous
        .post("/api/v1/scans", valid.clone())
        .await
        .assert_problem(401, "unauthenticated");
    anonymous
        .post("/ECK/API/SCAN", valid)
        .await
        .assert_problem(401, "unauthenticated");
    anonymous
        .get("/api/v1/scans")
        .await
        .assert_problem(401, "unauthenticated");

    api.post(
        "/api/v1/labels?format=json",
        json!({"kind": "box", "count": 3}),
    )
    .await
    .assert_problem(409, "label_key_missing");
    api.post("/api/v1/labels", json!({"kind": "item", "count": 1}))
        .await
        .assert_problem(409, "label_key_missing");
    api.get("/api/v1/pairing-qr")
        .await
        .assert_problem(409, "global_url_missing");
    api.post(
        "/api/v1/labels?format=json",
        json!({"kind": "user", "count": 1}),
    )
    .await
    .assert_problem(422, "validation_failed");
    api.get("/api/v1/scans?since=yesterday")
        .await
        .assert_problem(400, "invalid_query");

    // Nothing was written: no scan, no session, and the refused print allocated no box id
    // (the first box made now gets number 1) and created no item.
    let log = api.get("/api/v1/scans").await;
    assert_eq!(log.status, 200);
    assert_eq!(log.body["items"], json!([]), "{}", log.body);
    let session = api.get("/api/v1/scans/session?device_id=PDA-1").await;
    assert_eq!(session.body["items"], json!([]));
    assert_eq!(
        api.get("/api/v1/items/i000000000000000001").await.status,
        404
    );
    let first_box = api.create("/api/v1/boxes", json!({})).await;
    assert_eq!(first_box["id"], "b000000000000000001");
    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
}

/// The case: an item created through the API with serial 1234567, then a scan of
/// 1234567. The scan names that item; no second item (`i700000000001234567`) is made for the
/// same device, and a second item with the serial is refused until classes tell them apart.
pub async fn a_serial_names_one_item(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let created = api
        .create(
            "/api/v1/items",
            json!({"serial": "1234567", "name": "Scanner MC33"}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id, "i000000000000000001");

    let scanned = scan(&api, "1234567", "s1", "PDA-1").await;
    assert_eq!(scanned.body["action"], "found", "{}", scanned.body);
    assert_eq!(scanned.body["type"], "item");
    assert_eq!(scanned.body["data"]["id"], id.as_str(), "{}", scanned.body);
    assert_eq!(session_of(&scanned), (vec![id.as_str()], vec![], vec![]));
    api.get("/api/v1/items/i700000000001234567")
        .await
        .assert_problem(404, "not_found");
    let listed = api.get("/api/v1/items?q=1234567").await;
    assert_eq!(
        ids_of_items(&listed.body),
        vec![id.as_str()],
        "{}",
        listed.body
    );

    // A second item with the serial cannot be told apart from the first: refused, nothing made.
    for body in [
        json!({"serial": "1234567"}),
        json!({"serial": "1234567", "class_code": "TC52"}),
    ] {
        let refused = api.post("/api/v1/items", body).await;
        refused.assert_problem(409, "serial_in_use");
        assert!(
            refused.body["detail"].as_str().unwrap().contains(&id),
            "{}",
            refused.body
        );
    }
    // Classes tell two devices with one serial apart; the scan then asks which one.
    let classed = api
        .send(
            "PATCH",
            &format!("/api/v1/items/{id}"),
            &[("If-Match", "*")],
            Some(json!({"class_code": "MC33"}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(classed.status, 200, "{}", classed.body);
    let other = api
        .create(
            "/api/v1/items",
            json!({"serial": "1234567", "class_code": "TC52"}),
        )
        .await;
    let other_id = other["id"].as_str().unwrap();
    let asked = api
        .post(
            "/ECK/API/SCAN",
            json!({"barcode": "1234567", "msgId": "s2", "deviceId": "PDA-2"}),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert_eq!(asked.body["action"], "ambiguous", "{}", asked.body);
    assert_eq!(asked.body["candidates"], json!([id, other_id]));
    let classes: Vec<&str> = asked.body["data"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["class_code"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["MC33", "TC52"]);
    assert_eq!(
        ids_of_items(&api.get("/api/v1/items").await.body),
        vec![id.as_str(), other_id]
    );

    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
}

/// An operator whose database holds items that broke the serial rule before it existed: the
/// migration keeps them, the start-up log and `eckwms verify` name them, and they are put
/// right through the API one at a time.
pub async fn serial_conflicts_from_before_the_rule_are_reported(
    db: &TestDatabase,
    backend: Backend,
) {
    // The database as the previous release left it: two items of one serial, no class.
    {
        let old = db.open();
        while old.revert_last_migration().unwrap() != "20261126000001" {}
        for (seq, n) in [(1, 901), (2, 902)] {
            let id = format!("i000000000000000{n}");
            old.execute_raw(&format!(
                "INSERT INTO items (id, serial, attributes, version, created_at, updated_at) \
                 VALUES ('{id}', '5550001', '{{}}', 1, '2026-11-24 12:00:00', \
                 '2026-11-24 12:00:00'); \
                 INSERT INTO ledger (seq, at, object_id, change, actor, data) VALUES ({seq}, \
                 '2026-11-24 12:00:00', '{id}', 'created', 'apikey:1', \
                 '{{\"id\":\"{id}\",\"serial\":\"5550001\",\"attributes\":{{}},\"barcodes\":[]}}'); \
                 INSERT INTO ledger_refs (object_id, seq) VALUES ('{id}', {seq});"
            ))
            .unwrap();
        }
        if backend == Backend::Postgres {
            old.execute_raw("SELECT setval('ledger_seq', 2)").unwrap();
        }
    }
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let warned: Vec<&String> = server
        .startup_log
        .iter()
        .filter(|line| line.contains("serial conflict"))
        .collect();
    assert_eq!(warned.len(), 1, "{:#?}", server.startup_log);
    assert!(
        warned[0].contains("serial 5550001 names 2 items")
            && warned[0].contains("i000000000000000901")
            && warned[0].contains("i000000000000000902"),
        "{}",
        warned[0]
    );
    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("problems: 1"), "{out}");
    assert!(
        out.contains("serial 5550001 names 2 items that cannot be told apart"),
        "{out}"
    );
    api.post(
        "/api/v1/items",
        json!({"serial": "5550001", "class_code": "X"}),
    )
    .await
    .assert_problem(409, "serial_in_use");

    // Put right: each gets its class code, the first while the second has none yet.
    for (id, class) in [
        ("i000000000000000901", "MC33"),
        ("i000000000000000902", "TC52"),
    ] {
        let patched = api
            .send(
                "PATCH",
                &format!("/api/v1/items/{id}"),
                &[("If-Match", "*")],
                Some(json!({"class_code": class}).to_string().into_bytes()),
            )
            .await;
        assert_eq!(patched.status, 200, "{}", patched.body);
    }
    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("problems: 0"), "{out}");
}

fn ids_of_items(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

/// Sixteen copies of one scan sent at once: one effect, sixteen identical answers.
pub async fn concurrent_duplicate_scans_apply_once(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let items = [
        "i000000000000000101",
        "i000000000000000102",
        "i000000000000000103",
    ];
    for (n, item) in items.iter().enumerate() {
        let reply = scan(&api, item, &format!("c{n}"), "PDA-C").await;
        assert_eq!(reply.body["action"], "created", "{}", reply.body);
    }
    let box_id = "b000000000000000050";
    let replies = join_all((0..16).map(|_| {
        let api = api.clone();
        async move {
            api.post(
                "/api/v1/scans",
                json!({"barcode": box_id, "msg_id": "c-box", "device_id": "PDA-C"}),
            )
            .await
        }
    }))
    .await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.raw, replies[0].raw, "answers differ");
    }
    assert_eq!(replies[0].body["action"], "moved", "{}", replies[0].body);
    let fresh: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .collect();
    assert_eq!(fresh.len(), 1, "applied more than once");
    assert!(
        replies
            .iter()
            .filter_map(|r| r.header("idempotent-replayed"))
            .all(|h| h == "true")
    );
    for item in items {
        let moves = history_rows(&api, "items", item, "moved").await;
        assert_eq!(moves.len(), 1, "{item}: {moves:?}");
        assert_eq!(moves[0]["to"], box_id);
        let read = api.get(&format!("/api/v1/items/{item}")).await;
        assert_eq!(read.body["parent"], box_id);
    }
    let created = history_rows(&api, "boxes", box_id, "created").await;
    assert_eq!(created.len(), 1, "{created:?}");
    let log = api.get("/api/v1/scans?device_id=PDA-C").await;
    assert_eq!(
        log.body["items"].as_array().unwrap().len(),
        4,
        "{}",
        log.body
    );
    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
}

/// Two processes on one PostgreSQL database share the devices' sessions and the msg_id check.
pub async fn two_processes_share_scan_sessions(db: &TestDatabase) {
    let a = Server::start(db.url());
    let b = Server::start_in(db.url(), a.dir.clone());
    assert!(!a.admin_key.is_empty());
    let on_a = Api::new(&a, &a.admin_key);
    let on_b = Api::new(&b, &a.admin_key);

    let item = "i000000000000000201";
    let boxed = "b000000000000000201";
    let joined = scan(&on_a, item, "p1", "PDA-9").await;
    assert_eq!(joined.body["action"], "created", "{}", joined.body);
    let moved = scan(&on_b, boxed, "p2", "PDA-9").await;
    assert_eq!(moved.body["action"], "moved", "{}", moved.body);
    assert_eq!(path_of(&on_a, "items", item).await, vec![boxed.to_owned()]);

    // The same msg_id on both processes at once, a few rounds: each round moves one new item
    // into the box once.
    for round in 0..3 {
        let item = format!("i00000000000000030{round}");
        scan(&on_a, &item, &format!("r{round}-item"), "PDA-9").await;
        let msg = format!("r{round}-box");
        let body = json!({"barcode": boxed, "msg_id": msg, "device_id": "PDA-9"});
        let mut both = join_all([
            on_a.post("/api/v1/scans", body.clone()),
            on_b.post("/api/v1/scans", body.clone()),
        ])
        .await;
        let (y, x) = (both.pop().unwrap(), both.pop().unwrap());
        assert_eq!(x.status, 200, "{}", x.body);
        assert_eq!(y.status, 200, "{}", y.body);
        assert_eq!(x.raw, y.raw, "round {round}");
        assert_eq!(x.body["action"], "moved", "{}", x.body);
        let replayed = [&x, &y]
            .iter()
            .filter(|r| r.header("idempotent-replayed").as_deref() == Some("true"))
            .count();
        assert_eq!(
            replayed, 1,
            "round {round}: applied twice or not answered once"
        );
        let moves = history_rows(&on_b, "items", &item, "moved").await;
        assert_eq!(moves.len(), 1, "{item}: {moves:?}");
    }
    let (code, out) = a.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
    drop(b);
    let (status, log) = a.terminate_with_log();
    assert!(status.success(), "{status:?}; log:\n{log}");
}

/// A label sheet asked for again under its `Idempotency-Key` is the same sheet, byte for byte
/// (a PDF holds bytes that are not UTF-8), with the same content type and headers, and it was
/// printed once. The SVG sheet (text) replays the same way.
pub async fn label_sheets_replay_byte_for_byte(db: &TestDatabase, _backend: Backend) {
    let server = Server::start_with(db.url(), crate::harness::fresh_dir("sheet"), &with_keys());
    let api = Api::new(&server, &server.admin_key);
    let body = json!({"kind": "item", "count": 3}).to_string().into_bytes();
    let print = |format: &'static str, key: &'static str| {
        let (api, body) = (api.clone(), body.clone());
        async move {
            api.send(
                "POST",
                &format!("/api/v1/labels?format={format}"),
                &[("Idempotency-Key", key)],
                Some(body),
            )
            .await
        }
    };
    let mut prints = Vec::new();
    for (format, key) in [("pdf", "sheet-pdf"), ("svg", "sheet-svg")] {
        let first = print(format, key).await;
        assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.raw));
        if format == "pdf" {
            assert!(first.raw.starts_with(b"%PDF"));
            assert!(
                std::str::from_utf8(&first.raw).is_err(),
                "the sheet must hold bytes that are not UTF-8 for this test"
            );
        }
        assert_eq!(first.header("idempotent-replayed"), None);
        let again = print(format, key).await;
        assert_eq!(
            again.status,
            200,
            "{format}: {}",
            String::from_utf8_lossy(&again.raw)
        );
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
        assert!(
            again.raw == first.raw,
            "{format}: the replayed sheet differs ({} bytes, first {})",
            again.raw.len(),
            first.raw.len()
        );
        for name in ["content-type", "content-disposition", "x-label-print-id"] {
            assert!(first.header(name).is_some(), "{format}: {name} missing");
            assert_eq!(again.header(name), first.header(name), "{format}: {name}");
        }
        prints.push(first.header("x-label-print-id").unwrap());
    }
    // Each sheet was printed once: the next print is the third.
    let next = api
        .post(
            "/api/v1/labels?format=json",
            json!({"kind": "item", "count": 1}),
        )
        .await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(prints, ["1", "2"]);
    assert_eq!(next.body["print_id"], 3, "{}", next.body);
    assert_eq!(next.body["labels"][0]["id"], "i000000000000000007");
}

/// `GET /api/v1/lookup?code=` with the text percent-encoded.
fn lookup_path(text: &str) -> String {
    let mut path = "/api/v1/lookup?code=".to_owned();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                path.push(char::from(byte))
            }
            other => path.push_str(&format!("%{other:02X}")),
        }
    }
    path
}

async fn count_of(api: &Api, list: &str) -> usize {
    let reply = api.get(&format!("{list}?limit=500")).await;
    assert_eq!(reply.status, 200, "{list}: {}", reply.body);
    reply.body["items"].as_array().unwrap().len()
}

/// The lookup of the search field on the real binary: an unknown printed item id, a v2 label
/// (https://) of an item nobody scanned, a serial in another case, a 7-digit serial, a
/// tracking number, a barcode; afterwards no object exists that did not before, the scan log
/// and the caller's session are empty, and the history of what was found has not grown.
pub async fn lookups_change_nothing(db: &TestDatabase, _backend: Backend) {
    let server = Server::start_with(db.url(), crate::harness::fresh_dir("lookup"), &with_keys());
    let api = Api::new(&server, &server.admin_key);
    let device = api
        .create(
            "/api/v1/items",
            json!({"serial": "Zx-4410", "name": "Scanner", "barcodes": ["4006381333931"]}),
        )
        .await;
    let device_id = device["id"].as_str().unwrap().to_owned();
    let parcel = api
        .create(
            "/api/v1/orders",
            json!({"reference": "Parcel 1", "tracking_number": "1Z999AA10123456784"}),
        )
        .await;
    let parcel_id = parcel["id"].as_str().unwrap().to_owned();
    // Labels of a fresh item id: printed, never scanned, so nothing has the id.
    let printed = api
        .post(
            "/api/v1/labels?format=json",
            json!({"kind": "item", "count": 1}),
        )
        .await;
    assert_eq!(printed.status, 200, "{}", printed.body);
    let fresh_id = printed.body["labels"][0]["id"].as_str().unwrap().to_owned();
    let fresh_label = printed.body["labels"][0]["codes"][1]
        .as_str()
        .unwrap()
        .to_owned();
    let lists = ["/api/v1/items", "/api/v1/boxes", "/api/v1/orders"];
    let mut before = Vec::new();
    for list in lists {
        before.push(count_of(&api, list).await);
    }
    let history_before = api
        .get(&format!("/api/v1/items/{device_id}/history"))
        .await
        .body;

    let (code, read_key) =
        server.command(&["apikey", "create", "--name", "search", "--scope", "read"]);
    assert_eq!(code, 0);
    let reader = Api::new(&server, read_key.trim());
    let unknown_item = "i000000000000004711";
    let cases: Vec<(String, &str, Value, Value, Value)> = vec![
        (
            unknown_item.to_owned(),
            "id",
            json!([]),
            json!("not_created"),
            json!({"kind": "item", "id": unknown_item}),
        ),
        (
            format!("https://{fresh_label}"),
            "label_v2",
            json!([]),
            json!("not_created"),
            json!({"kind": "item", "id": fresh_id}),
        ),
        (
            "zX-4410".to_owned(),
            "serial",
            json!([{"kind": "item", "id": device_id}]),
            Value::Null,
            Value::Null,
        ),
        (
            "7000001".to_owned(),
            "serial",
            json!([]),
            json!("not_created"),
            json!({"kind": "item", "id": "i700000000007000001"}),
        ),
        (
            "1Z999AA10123456784".to_owned(),
            "tracking",
            json!([{"kind": "order", "id": parcel_id}]),
            Value::Null,
            Value::Null,
        ),
        (
            "4006381333931".to_owned(),
            "barcode",
            json!([{"kind": "item", "id": device_id}]),
            Value::Null,
            Value::Null,
        ),
        (
            "p000000000000000077".to_owned(),
            "id",
            json!([]),
            json!("place_not_set_up"),
            json!({"kind": "place", "id": "p000000000000000077"}),
        ),
    ];
    for (text, resolution, objects, reason, named) in cases {
        let reply = reader.get(&lookup_path(&text)).await;
        assert_eq!(reply.status, 200, "{text}: {}", reply.body);
        assert_eq!(
            reply.body,
            json!({"resolution": resolution, "objects": objects, "reason": reason, "named": named}),
            "{text}"
        );
        assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    }
    reader
        .get("/api/v1/lookup?code=")
        .await
        .assert_problem(400, "invalid_query");

    // Nothing was made, logged or remembered.
    for (list, count) in lists.iter().zip(before) {
        assert_eq!(count_of(&api, list).await, count, "{list}");
    }
    for id in [unknown_item, fresh_id.as_str(), "i700000000007000001"] {
        api.get(&format!("/api/v1/items/{id}"))
            .await
            .assert_problem(404, "not_found");
    }
    api.get("/api/v1/places/p000000000000000077")
        .await
        .assert_problem(404, "not_found");
    let log = api.get("/api/v1/scans").await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(log.body["items"], json!([]), "the scan log: {}", log.body);
    let session = reader.get("/api/v1/scans/session").await;
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(
        (&session.body["items"], &session.body["boxes"]),
        (&json!([]), &json!([]))
    );
    assert_eq!(
        api.get(&format!("/api/v1/items/{device_id}/history"))
            .await
            .body,
        history_before
    );
}
