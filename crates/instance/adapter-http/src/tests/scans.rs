//! Scans, sessions, the scan log, label sheets and the pairing QR over HTTP.

use actix_web::test::TestRequest;
use eckwms_application::ports::{
    LabelPrint, ScanAction, ScanOutcome, ScanRecord, StoredSession, TxMocks,
};
use eckwms_codes::Scanned;
use eckwms_domain::scanning::WorkingSet;
use eckwms_domain::{IdKind, ObjectId};
use serde_json::json;

use super::*;

const ANSWER: &str = r#"{"scan_id":5,"msg_id":"m-1","action":"created","type":"item","message":"New item 1 added.","data":null}"#;
/// ANSWER as sent: with the device's working set.
const SENT: &str = r#"{"scan_id":5,"msg_id":"m-1","action":"created","type":"item","message":"New item 1 added.","data":null,"session":{"items":["i000000000000000001"],"boxes":[],"places":[]}}"#;

fn record(id: i64, answer: &str) -> ScanRecord {
    ScanRecord {
        id,
        at: now(),
        owner: "device:PDA-7".into(),
        actor: WRITER.into(),
        device_id: Some("PDA-7".into()),
        msg_id: "m-1".into(),
        barcode: "i000000000000000001".into(),
        resolution: "id".into(),
        object: Some(item_id(1).object_id()),
        action: ScanAction::Created,
        answer: answer.into(),
        ledger_seqs: vec![3, 4],
    }
}

fn scan_body() -> Value {
    json!({"barcode": "i000000000000000001", "msg_id": "m-1", "device_id": "PDA-7"})
}

/// A run_scan that answers `record(5, ANSWER)`, replayed or not, for the device's owner.
fn answering(m: &mut Mocks, replays: Vec<bool>) {
    let mut replays = replays.into_iter();
    m.unit
        .expect_run()
        .times(replays.len())
        .returning(move |_, mut work| {
            // The work starts by taking its owner's turn: the owner is checked there, and the
            // work stopped; the stored outcome is the answer.
            let mut tx = TxMocks::default();
            tx.scans
                .expect_lock_owner()
                .times(1)
                .withf(|owner| owner == "device:PDA-7")
                .returning(|_| Err(eckwms_application::AppError::not_found("turn", "stop")));
            assert!(work(&mut tx).is_err());
            Ok(Box::new(ScanOutcome {
                record: record(5, ANSWER),
                replayed: replays.next().unwrap(),
                session: WorkingSet {
                    items: vec![item_id(1)],
                    ..WorkingSet::default()
                },
            }))
        });
}

#[actix_rt::test]
async fn a_scan_answers_the_stored_answer_and_marks_replays() {
    let mut m = Mocks::new();
    answering(&mut m, vec![false, true]);
    let state = m.state();

    let reply = call(&state, post_json("/api/v1/scans", WRITE_KEY, scan_body())).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.body, SENT.as_bytes());
    assert_eq!(reply.header("idempotent-replayed"), None);

    let reply = call(&state, post_json("/api/v1/scans", WRITE_KEY, scan_body())).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, SENT.as_bytes());
    assert_eq!(reply.header("idempotent-replayed"), Some("true"));
}

#[actix_rt::test]
async fn the_legacy_route_takes_camel_case_and_adds_msg_id() {
    let mut m = Mocks::new();
    answering(&mut m, vec![false]);
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/ECK/API/SCAN",
            WRITE_KEY,
            json!({"barcode": "i000000000000000001", "msgId": "m-1", "deviceId": "PDA-7"}),
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["msg_id"], "m-1");
    assert_eq!(body["msgId"], "m-1");
    assert_eq!(body["action"], "created");
    // Otherwise the answer as sent on the new route.
    let mut stored: Value = serde_json::from_str(SENT).unwrap();
    stored["msgId"] = json!("m-1");
    assert_eq!(body, stored);
}

#[actix_rt::test]
async fn the_caller_and_request_id_reach_the_scans_writes() {
    let mut m = Mocks::new();
    // Without a device the session belongs to the API key.
    m.unit.expect_run().times(1).returning(|_, mut work| {
        let mut tx = TxMocks::default();
        tx.scans
            .expect_lock_owner()
            .times(1)
            .withf(|owner| owner == WRITER)
            .returning(|_| Ok(()));
        tx.scans.expect_find().returning(|_, _| Ok(None));
        tx.scans.expect_next_id().returning(|| Ok(6));
        tx.scans.expect_load_session().returning(|_| Ok(None));
        tx.objects.expect_get().returning(|_| Ok(None));
        tx.items
            .expect_create_with_id()
            .times(1)
            .withf(|id, _, ctx| {
                *id == item_id(1)
                    && ctx.actor == WRITER
                    && ctx.request_id.as_deref() == Some("scan-req-1")
                    && ctx.scan == Some(6)
                    && ctx.at == now()
            })
            .returning(|id, _, _| Ok(item(id.number(), 1)));
        tx.scans
            .expect_save_session()
            .times(1)
            .withf(|s| s.owner == WRITER && s.set.items == [item_id(1)])
            .returning(|_| Ok(()));
        tx.scans
            .expect_insert()
            .times(1)
            .withf(|r| r.id == 6 && r.actor == WRITER && r.device_id.is_none())
            .returning(|_| Ok(()));
        work(&mut tx)
    });
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/scans",
            WRITE_KEY,
            json!({"barcode": "i000000000000000001", "msg_id": "m-1"}),
        )
        .insert_header(("x-request-id", "scan-req-1")),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("x-request-id"), Some("scan-req-1"));
    let body = reply.json();
    assert_eq!(body["scan_id"], 6);
    assert_eq!(body["action"], "created");
    assert_eq!(body["data"]["id"], "i000000000000000001");
    assert_eq!(body["session"]["items"], json!(["i000000000000000001"]));
}

#[actix_rt::test]
async fn scans_need_a_write_key() {
    let mut m = Mocks::new();
    m.unit.expect_run().never();
    let state = m.state();
    for path in ["/api/v1/scans", "/ECK/API/SCAN"] {
        let reply = call(&state, TestRequest::post().uri(path).set_json(scan_body())).await;
        reply.assert_problem(401, "unauthenticated");
        let reply = call(&state, post_json(path, READ_KEY, scan_body())).await;
        reply.assert_problem(403, "forbidden");
    }
}

#[actix_rt::test]
async fn malformed_scan_bodies_are_400() {
    let mut m = Mocks::new();
    m.unit.expect_run().never();
    let state = m.state();
    let cases = [
        json!({"barcode": "i000000000000000001"}),
        json!({"barcode": "i000000000000000001", "msg_id": "m-1", "colour": "red"}),
        json!({"barcode": 17, "msg_id": "m-1"}),
        json!(["i000000000000000001"]),
    ];
    for body in cases {
        for path in ["/api/v1/scans", "/ECK/API/SCAN"] {
            let reply = call(&state, post_json(path, WRITE_KEY, body.clone())).await;
            reply.assert_problem(400, "malformed_body");
        }
    }
}

#[actix_rt::test]
async fn invalid_scans_are_422_naming_the_field() {
    let mut m = Mocks::new();
    m.unit.expect_run().never();
    let state = m.state();
    let cases = [
        (json!({"barcode": "", "msg_id": "m-1"}), "barcode"),
        (json!({"barcode": "a\u{0}b", "msg_id": "m-1"}), "barcode"),
        (
            json!({"barcode": "i000000000000000001", "msg_id": "m".repeat(101)}),
            "msg_id",
        ),
        (
            json!({"barcode": "i000000000000000001", "msg_id": "m-1", "device_id": ""}),
            "device_id",
        ),
    ];
    for (body, field) in cases {
        let reply = call(&state, post_json("/api/v1/scans", WRITE_KEY, body.clone())).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
}

#[actix_rt::test]
async fn scan_log_filters_are_checked_and_passed_on() {
    let mut m = Mocks::new();
    m.scans
        .expect_list_scans()
        .times(1)
        .withf(|filter, page| {
            filter.device_id.as_deref() == Some("PDA-7")
                && filter.action == Some(ScanAction::Moved)
                && filter.object == Some(item_id(1).object_id())
                && filter.since.is_some()
                && filter.until.is_none()
                && page.after == Some(90)
                // One more than asked, to know whether there is a next page.
                && page.limit == 2
        })
        .returning(|_, _| Ok(vec![record(80, ANSWER), record(79, "{}"), record(78, "{}")]));
    let state = m.state();
    for query in [
        "action=bogus",
        "object=x1",
        "since=yesterday",
        "limit=abc",
        "cursor=-1",
        "colour=red",
    ] {
        let reply = call(&state, get(&format!("/api/v1/scans?{query}"), READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        assert_eq!(reply.error_fields().len(), 1, "{query}: {:?}", reply.body);
    }
    let reply = call(&state, get("/api/v1/scans?action=bogus", READ_KEY)).await;
    assert_eq!(reply.error_fields(), ["action"]);

    let reply = call(
        &state,
        get(
            "/api/v1/scans?device_id=PDA-7&action=moved&object=i000000000000000001&since=2026-11-24T08:00:00Z&limit=1&cursor=90",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["id"], 80);
    // The answer is shown as JSON, not as a string.
    assert_eq!(body["items"][0]["answer"]["action"], "created");
    assert_eq!(body["items"][0]["object"], "i000000000000000001");
    assert_eq!(body["items"][0]["ledger_seqs"], json!([3, 4]));
    assert_eq!(body["next_cursor"], "80");
}

#[actix_rt::test]
async fn one_scan_of_the_log_by_id() {
    let mut m = Mocks::new();
    m.scans
        .expect_get_scan()
        .times(1)
        .withf(|id| *id == 5)
        .returning(|_| Ok(record(5, ANSWER)));
    let state = m.state();
    let reply = call(&state, get("/api/v1/scans/5", READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["id"], 5);
    assert_eq!(body["owner"], "device:PDA-7");
    assert_eq!(body["action"], "created");
    assert_eq!(
        body["answer"],
        serde_json::from_str::<Value>(ANSWER).unwrap()
    );
    let reply = call(&state, get("/api/v1/scans/abc", READ_KEY)).await;
    reply.assert_problem(400, "invalid_id");
}

#[actix_rt::test]
async fn sessions_belong_to_the_device_or_else_the_api_key() {
    let mut m = Mocks::new();
    m.scans
        .expect_get_session()
        .times(2)
        .withf(|owner| owner == WRITER || owner == "device:PDA-7")
        .returning(|owner| {
            Ok(Some(StoredSession {
                owner: owner.to_owned(),
                set: WorkingSet {
                    items: vec![item_id(1)],
                    boxes: vec![box_id(2)],
                    places: vec![],
                },
                updated_at: now(),
            }))
        });
    m.scans
        .expect_delete_session()
        .times(1)
        .withf(|owner| owner == "device:PDA-7")
        .returning(|_| Ok(true));
    let state = m.state();

    let reply = call(&state, get("/api/v1/scans/session", WRITE_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.json(),
        json!({
            "owner": "apikey:2",
            "items": ["i000000000000000001"],
            "boxes": ["b000000000000000002"],
            "places": [],
            "updated_at": "2026-11-24T12:00:00Z",
        })
    );
    let reply = call(
        &state,
        get("/api/v1/scans/session?device_id=PDA-7", WRITE_KEY),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["owner"], "device:PDA-7");

    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/scans/session?device_id=PDA-7")
            .insert_header(bearer(WRITE_KEY)),
    )
    .await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());

    let reply = call(&state, get("/api/v1/scans/session?device_id=", WRITE_KEY)).await;
    reply.assert_problem(400, "invalid_query");
    assert_eq!(reply.error_fields(), ["device_id"]);
}

/// A scan transaction in which nothing exists yet and no code is known.
fn empty_scan_tx(n: i64) -> TxMocks {
    let mut tx = TxMocks::default();
    tx.scans.expect_lock_owner().returning(|_| Ok(()));
    tx.scans.expect_find().returning(|_, _| Ok(None));
    tx.scans.expect_next_id().returning(move || Ok(n));
    tx.scans.expect_load_session().returning(|_| Ok(None));
    tx.objects.expect_get().returning(|_| Ok(None));
    tx.objects.expect_find_by_code().returning(|_| Ok(vec![]));
    tx.scans.expect_save_session().returning(|_| Ok(()));
    tx.scans.expect_insert().returning(|_| Ok(()));
    tx
}

/// A place not set up and a label not bound, on both scan routes: refused, and the answer's
/// `data` names the decoded id and its kind for the scanner to show; a user's badge asks for
/// the PIN (no error) with the same `data`.
#[actix_rt::test]
async fn codes_a_scan_does_not_create_name_their_id_and_kind_on_both_routes() {
    let mut m = Mocks::new();
    let mut n = 0;
    m.unit.expect_run().times(6).returning(move |_, mut work| {
        n += 1;
        work(&mut empty_scan_tx(n))
    });
    let state = m.state();
    let cases = [
        ("p000000000000000009", "place"),
        ("l000000000000000004", "label"),
        ("u000000000000000003", "user"),
    ];
    for (path, body_of) in [("/api/v1/scans", "msg_id"), ("/ECK/API/SCAN", "msgId")] {
        for (code, kind) in cases {
            let body = json!({"barcode": code, body_of: format!("m-{code}"), "device_id": "PDA-7"});
            let reply = call(&state, post_json(path, WRITE_KEY, body)).await;
            assert_eq!(reply.status, 200, "{path} {code}: {:?}", reply.body);
            let answer = reply.json();
            let action = if kind == "user" {
                "pin_required"
            } else {
                "error"
            };
            assert_eq!(answer["action"], action, "{answer}");
            assert_eq!(answer["type"], kind, "{answer}");
            assert_eq!(
                answer["data"],
                json!({"kind": kind, "id": code}),
                "{answer}"
            );
        }
    }
}

/// The OpenAPI schema of `data` lists its shapes, the one of these codes among them.
#[test]
fn the_scan_answer_schema_describes_every_shape_of_data() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let data = &doc["components"]["schemas"]["ScanAnswerOut"]["properties"]["data"];
    let shapes = data["oneOf"].as_array().unwrap_or_else(|| panic!("{data}"));
    assert_eq!(shapes.len(), 4, "{data}");
    let named = shapes
        .iter()
        .find(|s| s["properties"]["kind"]["enum"] == json!(["place", "label", "user"]))
        .unwrap_or_else(|| panic!("no shape for codes a scan does not create: {data}"));
    assert_eq!(named["required"], json!(["kind", "id"]));
    assert!(
        shapes
            .iter()
            .any(|s| s["properties"]["candidates"].is_object())
    );
    assert!(shapes.iter().any(|s| s["type"] == "null"));
}

// ---------------------------------------------------------------- labels

pub fn allocating(m: &mut Mocks, count: usize, format: &'static str) {
    m.labels
        .expect_allocate_and_record()
        .times(1)
        .withf(move |kind, n, f, actor, at| {
            *kind == IdKind::Box && *n == count && f == format && actor == WRITER && *at == now()
        })
        .returning(|kind, n, format, actor, at| {
            Ok(LabelPrint {
                id: 31,
                at,
                actor: actor.to_owned(),
                kind,
                reprint: false,
                format: format.to_owned(),
                objects: (1..=n as u64)
                    .map(|i| ObjectId::new(kind, 100 + i).unwrap())
                    .collect(),
            })
        });
    m.labels.expect_label_subjects().returning(|_| Ok(vec![]));
}

#[actix_rt::test]
async fn json_labels_carry_codes_of_their_ids() {
    let mut m = Mocks::new();
    allocating(&mut m, 2, "json");
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/labels?format=json",
            WRITE_KEY,
            json!({"kind": "box", "count": 2}),
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["print_id"], 31);
    assert_eq!(body["kind"], "box");
    assert_eq!(body["reprint"], false);
    let labels = body["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2);
    let decoder = test_decoder();
    for (label, n) in labels.iter().zip([101u64, 102]) {
        let id = ObjectId::new(IdKind::Box, n).unwrap();
        assert_eq!(label["id"], id.to_string());
        assert_eq!(label["number"], n.to_string());
        assert_eq!(
            label["check"],
            eckwms_codes::check::check_chars(&n.to_string())
        );
        let codes = label["codes"].as_array().unwrap();
        assert_eq!(codes.len(), 3);
        for code in codes {
            let code = code.as_str().unwrap();
            assert!(
                matches!(decoder.classify(code), Scanned::Label { id: read, .. } if read == id),
                "{code}"
            );
        }
    }
}

#[actix_rt::test]
async fn pdf_labels_are_a_pdf_document() {
    let mut m = Mocks::new();
    allocating(&mut m, 2, "pdf");
    let state = m.state();
    // PDF is the default format.
    let reply = call(
        &state,
        post_json(
            "/api/v1/labels",
            WRITE_KEY,
            json!({"kind": "box", "count": 2}),
        ),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    assert!(reply.body.starts_with(b"%PDF"));
    assert_eq!(reply.header("x-label-print-id"), Some("31"));
    assert_eq!(
        reply.header("content-disposition"),
        Some("inline; filename=\"labels-box-31.pdf\"")
    );
}

#[actix_rt::test]
async fn bad_label_requests_never_allocate() {
    let mut m = Mocks::new();
    m.labels.expect_allocate_and_record().never();
    m.labels.expect_record_reprint().never();
    let state = m.state();
    let cases = [
        // Badges are printed for existing users only.
        (json!({"kind": "user", "count": 1}), vec!["count"]),
        (json!({"kind": "shelf", "count": 1}), vec!["kind"]),
        (json!({"kind": "box"}), vec!["count", "ids"]),
        (
            json!({"kind": "box", "count": 1, "ids": ["b000000000000000001"]}),
            vec!["count", "ids"],
        ),
        (json!({"kind": "box", "count": 0}), vec!["count"]),
        (json!({"kind": "box", "count": 321}), vec!["count"]),
        (json!({"kind": "box", "count": -1}), vec!["count"]),
        (json!({"kind": "box", "ids": ["nope"]}), vec!["ids[0]"]),
        (
            json!({"kind": "box", "ids": ["b000000000000000001", "i000000000000000001"]}),
            vec!["ids[1]"],
        ),
    ];
    for (body, fields) in cases {
        let reply = call(
            &state,
            post_json("/api/v1/labels?format=json", WRITE_KEY, body.clone()),
        )
        .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
    let reply = call(
        &state,
        post_json(
            "/api/v1/labels?format=xml",
            WRITE_KEY,
            json!({"kind": "box", "count": 1}),
        ),
    )
    .await;
    reply.assert_problem(400, "invalid_query");
    assert_eq!(reply.error_fields(), ["format"]);
    let reply = call(
        &state,
        post_json(
            "/api/v1/labels",
            READ_KEY,
            json!({"kind": "box", "count": 1}),
        ),
    )
    .await;
    reply.assert_problem(403, "forbidden");
}

#[actix_rt::test]
async fn labels_without_a_key_are_409() {
    let mut m = Mocks::new();
    m.decoder = eckwms_codes::Decoder::default();
    m.labels.expect_allocate_and_record().never();
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/labels?format=json",
            WRITE_KEY,
            json!({"kind": "box", "count": 1}),
        ),
    )
    .await;
    reply.assert_problem(409, "label_key_missing");
}

#[actix_rt::test]
async fn the_pairing_qr_is_for_admins() {
    let mut m = Mocks::new();
    m.identity
        .expect_identity_or_insert()
        .times(2)
        .returning(|candidate, _| Ok(candidate.clone()));
    let state = m.state();
    let reply = call(&state, get("/api/v1/pairing-qr", WRITE_KEY)).await;
    reply.assert_problem(403, "forbidden");
    let reply = call(&state, get("/api/v1/pairing-qr", ADMIN_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("content-type"), Some("image/png"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.body.starts_with(b"\x89PNG\r\n\x1a\n"));
    let reply = call(&state, get("/api/v1/pairing-qr?format=svg", ADMIN_KEY)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/svg+xml"));
    let reply = call(&state, get("/api/v1/pairing-qr?format=gif", ADMIN_KEY)).await;
    reply.assert_problem(400, "invalid_query");
}

#[actix_rt::test]
async fn the_pairing_qr_needs_the_global_url() {
    let mut m = Mocks::new();
    m.global_url = None;
    m.identity.expect_identity_or_insert().never();
    let state = m.state();
    let reply = call(&state, get("/api/v1/pairing-qr", ADMIN_KEY)).await;
    reply.assert_problem(409, "global_url_missing");
}
