//! Webhooks end to end: a receiver on loopback gets every change of a 10,000-move run, signed,
//! exactly once after deduplication by `seq`, although the service crashes in the middle and
//! the receiver refuses a few deliveries.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use eckwms_adapter_db::testing::TestDatabase;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::harness::{Api, Server, fresh_dir};

/// Objects per move, and moves: 10,000 moved objects.
const BATCH: usize = 500;
const MOVES: usize = 20;

/// What the receiver saw.
#[derive(Default)]
struct Received {
    /// Every event's seq, in the order they came (repeats included).
    seqs: Vec<i64>,
    /// Deliveries whose signature did not verify.
    bad_signatures: usize,
}

/// Whether `header` (`t=<t>,v1=<hex>`) is the signature of `body` under `secret`.
fn verifies(header: &str, secret: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    // Computed here as a receiver would, not with the service's code.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&message);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == v1
}

/// The service's environment for these tests: loopback allowed, short leases and waits.
const ENV: &[(&str, &str)] = &[
    ("ECKWMS__WEBHOOKS__ALLOW_LOOPBACK", "true"),
    ("ECKWMS__WEBHOOKS__POLL_MS", "50"),
    ("ECKWMS__WEBHOOKS__TIMEOUT_SECS", "2"),
    ("ECKWMS__WEBHOOKS__LEASE_SECS", "3"),
    ("ECKWMS__WEBHOOKS__BACKOFF_SECS", "1"),
    ("ECKWMS__WEBHOOKS__BACKOFF_MAX_SECS", "1"),
    ("ECKWMS__WEBHOOKS__MAX_FAILURES", "3"),
    ("ECKWMS__METRICS__BIND", "127.0.0.1:0"),
];

/// The address of the metrics listener from the start-up log.
fn metrics_address(server: &Server) -> String {
    server
        .startup_log
        .iter()
        .find_map(|line| {
            let json: Value = serde_json::from_str(line).ok()?;
            (json["fields"]["message"] == "metrics listening")
                .then(|| json["fields"]["address"].as_str().map(str::to_owned))
                .flatten()
        })
        .expect("a `metrics listening` line")
}

/// Every ledger seq, read through the events stream.
async fn every_seq(api: &Api) -> BTreeSet<i64> {
    let mut after = 0;
    let mut seqs = BTreeSet::new();
    loop {
        let page = api
            .get(&format!("/api/v1/events?after={after}&limit=500"))
            .await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.body);
        let events = page.body["events"].as_array().unwrap();
        seqs.extend(events.iter().map(|e| e["seq"].as_i64().unwrap()));
        after = page.body["next"].as_i64().unwrap();
        if events.is_empty() {
            return seqs;
        }
    }
}

pub async fn a_receiver_gets_every_change_once_across_a_crash(db: &TestDatabase) {
    // The receiver: verifies every signature, keeps every seq, refuses its 2nd and 5th
    // deliveries (they must come again).
    let received = Arc::new(Mutex::new(Received::default()));
    let secret = Arc::new(Mutex::new(String::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let (r, s, c) = (received.clone(), secret.clone(), calls.clone());
    let receiver = HttpServer::new(move || {
        let (received, secret, calls) = (r.clone(), s.clone(), c.clone());
        App::new()
            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
            .route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let (received, secret, calls) =
                        (received.clone(), secret.clone(), calls.clone());
                    async move {
                        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                        if n == 2 || n == 5 {
                            return HttpResponse::ServiceUnavailable().finish();
                        }
                        let header = req
                            .headers()
                            .get("x-eckwms-signature")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        let secret = secret.lock().unwrap().clone();
                        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let mut seen = received.lock().unwrap();
                        if !verifies(&header, &secret, &body)
                            || req.headers().get("content-type").map(|v| v.as_bytes())
                                != Some(b"application/json")
                        {
                            seen.bad_signatures += 1;
                            return HttpResponse::BadRequest().finish();
                        }
                        for event in json["events"].as_array().into_iter().flatten() {
                            seen.seqs.push(event["seq"].as_i64().unwrap_or(-1));
                        }
                        HttpResponse::NoContent().finish()
                    }
                }),
            )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = receiver.addrs()[0].port();
    let receiver = receiver.run();
    let receiver_handle = receiver.handle();
    actix_web::rt::spawn(receiver);

    let first = Server::start_with(db.url(), fresh_dir("bb-webhooks"), ENV);
    let key = first.admin_key.clone();
    let api = Api::new(&first, &key);
    // Refusals first: the metadata address stays refused even with loopback allowed.
    let refused = api
        .post(
            "/api/v1/webhooks",
            json!({"url": "http://169.254.169.254/latest"}),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    let created = api
        .create(
            "/api/v1/webhooks",
            json!({"url": format!("http://127.0.0.1:{port}/hook"), "batch_size": 500}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    *secret.lock().unwrap() = created["secret"].as_str().unwrap().to_owned();
    let read = api.get(&format!("/api/v1/webhooks/{id}")).await;
    assert!(read.body.get("secret").is_none(), "{}", read.body);
    // A subscription nobody answers: disabled after webhooks.max_failures (3) failures.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let dead = api
        .create(
            "/api/v1/webhooks",
            json!({"url": format!("http://127.0.0.1:{closed_port}/gone")}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let places: Vec<String> = {
        let mut places = Vec::new();
        for name in ["WH-A", "WH-B"] {
            places.push(
                api.create("/api/v1/places", json!({"name": name})).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        places
    };
    let mut items = Vec::with_capacity(BATCH);
    for _ in 0..BATCH {
        items.push(
            api.create("/api/v1/items", json!({})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut server = Some(first);
    let mut api = api;
    for round in 0..MOVES {
        if round == MOVES / 2 {
            // A crash in the middle: no graceful stop, the lease is left to expire.
            drop(server.take());
            let second = Server::start_with(db.url(), fresh_dir("bb-webhooks"), ENV);
            api = Api::new(&second, &key);
            server = Some(second);
        }
        let reply = api
            .post(
                "/api/v1/moves",
                json!({"objects": items, "to": places[round % 2]}),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    }

    let all = every_seq(&api).await;
    assert!(all.len() > MOVES * BATCH, "{} rows", all.len());
    let head = *all.last().unwrap();
    // Wait for the deliveries to catch up (no timed assertion: a generous bound on a stall).
    let started = Instant::now();
    loop {
        let done = received.lock().unwrap().seqs.contains(&head);
        let state = api.get(&format!("/api/v1/webhooks/{id}")).await;
        if done && state.body["cursor"].as_i64() == Some(head) {
            assert_eq!(state.body["enabled"], true, "{}", state.body);
            assert_eq!(state.body["failures"], 0, "{}", state.body);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "deliveries stalled: {}",
            state.body
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let (bad_signatures, distinct) = {
        let seen = received.lock().unwrap();
        let distinct: BTreeSet<i64> = seen.seqs.iter().copied().collect();
        (seen.bad_signatures, distinct)
    };
    assert_eq!(bad_signatures, 0, "every signature verifies");
    assert_eq!(
        distinct, all,
        "every change, after deduplication exactly once"
    );
    assert!(
        calls.load(Ordering::SeqCst) >= 5,
        "the refused deliveries came again"
    );
    // The subscription nobody answers gets disabled (a bounded wait, timed by nothing else).
    let started = Instant::now();
    while api.get(&format!("/api/v1/webhooks/{dead}")).await.body["enabled"] != false {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never disabled"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    // The metrics read at scrape time: no lag, one subscription disabled.
    let server = server.take().unwrap();
    let (status, _, text) =
        crate::prometheus::get(&format!("http://{}/metrics", metrics_address(&server)));
    assert_eq!(status, 200, "{text}");
    let samples = crate::prometheus::parse(&text);
    let of =
        |name: &str| crate::prometheus::value(&samples, name, &[("subscription", id.as_str())]);
    assert_eq!(of("eckwms_webhook_lag_events"), Some(0.0), "{text}");
    assert_eq!(of("eckwms_webhook_disabled"), Some(0.0), "{text}");
    // The subscription nobody answered is disabled, its last error shown, and the scrape says
    // so (what the alert reads).
    let dead_state = api.get(&format!("/api/v1/webhooks/{dead}")).await;
    assert_eq!(dead_state.body["enabled"], false, "{}", dead_state.body);
    assert_eq!(dead_state.body["failures"], 3, "{}", dead_state.body);
    assert!(
        dead_state.body["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{}",
        dead_state.body
    );
    assert_eq!(
        crate::prometheus::value(
            &samples,
            "eckwms_webhook_disabled",
            &[("subscription", dead.as_str())]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        crate::prometheus::value(&samples, "eckwms_webhooks_disabled", &[]),
        Some(1.0)
    );
    // Enabled again: the failures are forgotten.
    let etag = dead_state.header("etag").unwrap();
    let enabled = api
        .send(
            "PATCH",
            &format!("/api/v1/webhooks/{dead}"),
            &[("If-Match", etag.as_str())],
            Some(br#"{"enabled": true}"#.to_vec()),
        )
        .await;
    assert_eq!(enabled.status.as_u16(), 200, "{}", enabled.body);
    assert_eq!(
        (
            enabled.body["enabled"].clone(),
            enabled.body["failures"].clone()
        ),
        (json!(true), json!(0))
    );
    let (status, log) = server.terminate_with_log();
    assert!(status.success(), "{status:?}; log:\n{log}");
    receiver_handle.stop(false).await;
}
