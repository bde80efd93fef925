//! The change events stream with two processes writing to one PostgreSQL database.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use eckwms_adapter_db::testing::TestDatabase;
use futures_util::future::join3;
use serde_json::Value;

use crate::harness::{Api, Server};
use crate::stress::{random_moves, seconds};

/// Follows `/api/v1/events` with `query`, alternating between the servers, until the writes
/// are done (`end` set to the last committed seq) and the cursor has reached `end`; asserts
/// ascending seqs, each once, and a cursor that never goes back. Returns the seqs seen.
async fn follow(apis: &[Api], query: &str, end: &AtomicI64) -> Vec<i64> {
    let mut after = 0i64;
    let mut seen: Vec<i64> = Vec::new();
    for turn in 0.. {
        let last = end.load(Ordering::Acquire);
        let api = &apis[turn % apis.len()];
        let reply = api
            .get(&format!(
                "/api/v1/events?after={after}&limit=50&wait=1{query}"
            ))
            .await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        let events = reply.body["events"].as_array().unwrap();
        for event in events {
            let seq = event["seq"].as_i64().unwrap();
            if let Some(previous) = seen.last() {
                assert!(
                    seq > *previous,
                    "{seq} after {previous}: out of order or twice"
                );
            }
            seen.push(seq);
        }
        let next = reply.body["next"].as_i64().unwrap();
        assert!(next >= after, "the cursor went back from {after} to {next}");
        after = next;
        if events.is_empty() && after >= last {
            break;
        }
    }
    seen
}

/// Two `eckwms` processes on one PostgreSQL database move objects through the API while
/// readers follow the stream through both: each reader sees every committed row it wants
/// exactly once, in order.
pub async fn two_processes_stream_every_seq_once(db: &TestDatabase) {
    let first = Server::start(db.url());
    let second = Server::start_in(db.url(), first.dir.clone());
    let apis = [
        Api::new(&first, &first.admin_key),
        Api::new(&second, &first.admin_key),
    ];
    let store = db.open();
    // The last committed seq once the moves are done; until then, no end.
    let end = Arc::new(AtomicI64::new(i64::MAX));
    let moves = async {
        random_moves(&[&first, &second], Duration::from_secs(seconds().min(4))).await;
        let head = store.count_raw("SELECT max(seq) AS n FROM ledger").unwrap();
        end.store(head, Ordering::Release);
    };
    let ((), everything, item_moves) = join3(
        moves,
        follow(&apis, "", &end),
        follow(&apis, "&kind=item&change=moved", &end),
    )
    .await;
    let rows = store.count_raw("SELECT count(*) AS n FROM ledger").unwrap();
    assert!(rows > 100, "too few changes to tell: {rows}");
    assert_eq!(everything.len() as i64, rows, "every row once");
    let head = store.count_raw("SELECT max(seq) AS n FROM ledger").unwrap();
    assert_eq!(everything.last().copied(), Some(head));
    let wanted = store
        .count_raw(
            "SELECT count(*) AS n FROM ledger WHERE change = 'moved' AND object_id LIKE 'i%'",
        )
        .unwrap();
    assert_eq!(
        item_moves.len() as i64,
        wanted,
        "every move of an item once"
    );
    // The events themselves: what an object's history shows.
    let one = apis[0].get("/api/v1/events?after=0&limit=1").await;
    let event: &Value = &one.body["events"][0];
    assert_eq!(event["seq"], everything[0]);
    assert!(event["object"].is_string() && event["change"].is_string());
    assert_eq!(one.body["next"], everything[0]);
    let (code, out) = first.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
    for server in [first, second] {
        let (status, log) = server.terminate_with_log();
        assert!(status.success(), "{status:?}; log:\n{log}");
    }
}
