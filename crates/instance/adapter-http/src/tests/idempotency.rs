//! `Idempotency-Key`: claim, run once, store, replay; mismatches and waits.

use std::sync::Mutex;

use actix_web::http::Method;
use eckwms_application::AppError;
use eckwms_application::ports::{
    Claim, IdempotencyKeyRef, IdempotencyRecord, IdempotencyState, StoredResponse,
};
use serde_json::json;

use super::*;
use crate::idempotency::fingerprint;

const BODY: &str = r#"{"name":"Box 7"}"#;

fn create_box_request(key: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/boxes")
        .insert_header(bearer(WRITE_KEY))
        .insert_header(("content-type", "application/json"))
        .insert_header(("idempotency-key", key))
        .set_payload(BODY)
}

fn record(fingerprint: &str, state: IdempotencyState, response: Option<StoredResponse>) -> Claim {
    Claim::Existing(IdempotencyRecord {
        fingerprint: fingerprint.to_owned(),
        state,
        response,
        created_at: now(),
    })
}

fn stored_created() -> StoredResponse {
    StoredResponse {
        status: 201,
        content_type: "application/json".into(),
        body: r#"{"id":"b000000000000000007"}"#.into(),
        headers: vec![
            ("etag".into(), "\"1\"".into()),
            (
                "location".into(),
                "/api/v1/boxes/b000000000000000007".into(),
            ),
        ],
    }
}

fn expected_fingerprint() -> String {
    fingerprint(&Method::POST, "/api/v1/boxes", "", BODY.as_bytes())
}

#[actix_rt::test]
async fn first_request_runs_once_and_stores_its_response() {
    let mut m = Mocks::new();
    m.idempotency
        .expect_claim()
        .times(1)
        .withf(|key, fp, _| key.owner == WRITER && key.key == "k-1" && fp == expected_fingerprint())
        .returning(|_, _, _| Ok(Claim::Claimed));
    m.boxes
        .expect_create_box()
        .times(1)
        .withf(|_, ctx| {
            ctx.idempotency
                == Some(IdempotencyKeyRef {
                    owner: WRITER.into(),
                    key: "k-1".into(),
                })
        })
        .returning(|_, _| Ok(storage_box(7, 1)));
    m.idempotency
        .expect_complete()
        .times(1)
        .withf(|key, response| {
            key.key == "k-1"
                && response.status == 201
                && response.content_type == "application/json"
                && response
                    .body
                    .windows(19)
                    .any(|w| w == b"b000000000000000007")
                && response.headers.contains(&("etag".into(), "\"1\"".into()))
                && response.headers.contains(&(
                    "location".into(),
                    "/api/v1/boxes/b000000000000000007".into(),
                ))
        })
        .returning(|_, _| Ok(()));
    m.idempotency.expect_release().never();
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(reply.json()["id"], "b000000000000000007");
    assert_eq!(reply.header("idempotent-replayed"), None);
}

#[actix_rt::test]
async fn a_repeat_replays_the_stored_response_without_running_the_handler() {
    let mut m = Mocks::new();
    m.idempotency.expect_claim().times(1).returning(|_, fp, _| {
        Ok(record(
            fp,
            IdempotencyState::Completed,
            Some(stored_created()),
        ))
    });
    m.boxes.expect_create_box().never();
    m.idempotency.expect_complete().never();
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("idempotent-replayed"), Some("true"));
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(
        reply.header("location"),
        Some("/api/v1/boxes/b000000000000000007")
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.header("x-request-id").is_some());
    assert_eq!(reply.json(), json!({"id": "b000000000000000007"}));
}

/// A PDF sheet (bytes that are not UTF-8, NUL among them) is stored as it was sent and replayed
/// byte for byte, with its content type and the headers the route set; the repeat prints
/// nothing.
#[actix_rt::test]
async fn a_binary_answer_is_stored_and_replayed_byte_for_byte() {
    let request = || {
        post_json(
            "/api/v1/labels",
            WRITE_KEY,
            json!({"kind": "box", "count": 2}),
        )
        .insert_header(("idempotency-key", "sheet-1"))
    };
    let kept = std::sync::Arc::new(Mutex::new(None));
    let mut m = Mocks::new();
    super::scans::allocating(&mut m, 2, "pdf");
    m.idempotency
        .expect_claim()
        .times(1)
        .returning(|_, _, _| Ok(Claim::Claimed));
    let keep = kept.clone();
    m.idempotency
        .expect_complete()
        .times(1)
        .returning(move |_, response| {
            *keep.lock().unwrap() = Some(response.clone());
            Ok(())
        });
    let first = call(&m.state(), request()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert!(std::str::from_utf8(&first.body).is_err() && first.body.contains(&0));
    let stored: StoredResponse = kept.lock().unwrap().clone().unwrap();
    assert!(stored.body == first.body, "the stored body differs");
    assert_eq!(stored.status, 200);
    assert_eq!(stored.content_type, "application/pdf");
    for name in ["content-disposition", "x-label-print-id"] {
        let sent = first.header(name).unwrap();
        assert!(
            stored.headers.contains(&(name.to_owned(), sent.to_owned())),
            "{name}: {:?}",
            stored.headers
        );
    }
    assert!(
        stored
            .headers
            .iter()
            .all(|(name, _)| name != "x-request-id" && name != "content-type"),
        "{:?}",
        stored.headers
    );

    let mut m = Mocks::new();
    m.labels.expect_allocate_and_record().never();
    m.idempotency
        .expect_claim()
        .times(1)
        .returning(move |_, fp, _| {
            Ok(record(
                fp,
                IdempotencyState::Completed,
                Some(stored.clone()),
            ))
        });
    m.idempotency.expect_complete().never();
    let again = call(&m.state(), request()).await;
    assert_eq!(again.status, 200);
    assert!(again.body == first.body, "the replayed body differs");
    for name in ["content-type", "content-disposition", "x-label-print-id"] {
        assert_eq!(again.header(name), first.header(name), "{name}");
    }
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_ne!(again.header("x-request-id"), first.header("x-request-id"));
}

#[actix_rt::test]
async fn the_same_key_with_another_request_is_422() {
    let mut m = Mocks::new();
    m.idempotency
        .expect_claim()
        .returning(|_, _, _| Ok(record("another", IdempotencyState::Completed, None)));
    m.boxes.expect_create_box().never();
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    reply.assert_problem(422, "idempotency_key_reused");
}

#[actix_rt::test]
async fn bad_keys_are_422_and_reads_ignore_keys() {
    let mut m = Mocks::new();
    m.idempotency.expect_claim().never();
    m.boxes.expect_create_box().never();
    m.boxes
        .expect_list_boxes()
        .times(1)
        .returning(|_, _| Ok(vec![]));
    let state = m.state();
    let long = "k".repeat(256);
    for key in ["with space", long.as_str()] {
        let reply = call(&state, create_box_request(key)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["Idempotency-Key"]);
    }
    let reply = call(
        &state,
        get("/api/v1/boxes", READ_KEY).insert_header(("idempotency-key", "k-1")),
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[actix_rt::test]
async fn two_keys_in_one_request_are_400_and_nothing_runs() {
    let mut m = Mocks::new();
    m.idempotency.expect_claim().never();
    m.boxes.expect_create_box().never();
    let state = m.state();
    // Equal or different, two header lines are refused: which one counts is not guessed.
    for (first, second) in [("k-1", "k-2"), ("k-1", "k-1")] {
        let reply = call(
            &state,
            create_box_request(first).append_header(("idempotency-key", second)),
        )
        .await;
        reply.assert_problem(400, "invalid_header");
        assert_eq!(reply.error_fields(), ["Idempotency-Key"]);
    }
}

#[actix_rt::test]
async fn a_failed_request_releases_its_key() {
    let mut m = Mocks::new();
    m.idempotency
        .expect_claim()
        .returning(|_, _, _| Ok(Claim::Claimed));
    m.boxes
        .expect_create_box()
        .times(1)
        .returning(|_, _| Err(AppError::Unavailable(anyhow::anyhow!("db down"))));
    m.idempotency.expect_complete().never();
    m.idempotency
        .expect_release()
        .times(1)
        .withf(|key| key.key == "k-1")
        .returning(|_| Ok(()));
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    reply.assert_problem(503, "unavailable");
}

#[actix_rt::test]
async fn a_request_in_progress_is_awaited_then_409() {
    let mut m = Mocks::new();
    m.idempotency
        .expect_claim()
        .times(2..)
        .returning(|_, fp, _| Ok(record(fp, IdempotencyState::Pending, None)));
    m.boxes.expect_create_box().never();
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    reply.assert_problem(409, "idempotency_in_progress");
    assert_eq!(reply.header("retry-after"), Some("1"));
}

#[actix_rt::test]
async fn waiting_ends_with_the_replay_once_the_first_request_finished() {
    let mut m = Mocks::new();
    let answers = Mutex::new(vec![IdempotencyState::Completed, IdempotencyState::Pending]);
    m.idempotency
        .expect_claim()
        .times(2)
        .returning(move |_, fp, _| {
            let state = answers.lock().unwrap().pop().unwrap();
            let response = (state == IdempotencyState::Completed).then(stored_created);
            Ok(record(fp, state, response))
        });
    m.boxes.expect_create_box().never();
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("idempotent-replayed"), Some("true"));
}

/// The wait starts when the key is found in progress: a first claim slower than the whole wait
/// (a busy database) still gets another look, which finds the first request done.
#[actix_rt::test]
async fn a_slow_claim_still_gets_its_wait() {
    let mut m = Mocks::new();
    let answers = Mutex::new(vec![IdempotencyState::Completed, IdempotencyState::Pending]);
    m.idempotency
        .expect_claim()
        .times(2)
        .returning(move |_, fp, _| {
            let state = answers.lock().unwrap().pop().unwrap();
            if state == IdempotencyState::Pending {
                // Longer than the tests' whole wait (80 ms).
                std::thread::sleep(std::time::Duration::from_millis(150));
            }
            let response = (state == IdempotencyState::Completed).then(stored_created);
            Ok(record(fp, state, response))
        });
    m.boxes.expect_create_box().never();
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("idempotent-replayed"), Some("true"));
}

#[actix_rt::test]
async fn a_lost_response_is_409() {
    let mut m = Mocks::new();
    // Applied long ago without a stored response: the first request died after its commit.
    m.idempotency.expect_claim().returning(|_, fp, _| {
        Ok(Claim::Existing(IdempotencyRecord {
            fingerprint: fp.to_owned(),
            state: IdempotencyState::Applied,
            response: None,
            created_at: now() - chrono::Duration::hours(1),
        }))
    });
    m.boxes.expect_create_box().never();
    let state = m.state();
    let reply = call(&state, create_box_request("k-1")).await;
    reply.assert_problem(409, "idempotency_response_lost");
}
