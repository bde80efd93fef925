//! The change events over HTTP.

use actix_web::test::TestRequest;
use eckwms_application::ports::{EventPage, EventQuery};
use eckwms_domain::access::{Permission, Permissions};
use eckwms_domain::{ChangeKind, EventFilter, IdKind, LedgerEntry, UserId};
use serde_json::json;

use super::*;

fn ledger_row(seq: i64, actor: &str) -> LedgerEntry {
    LedgerEntry {
        seq,
        at: now(),
        object: ItemId::new(12).unwrap().object_id(),
        kind: ChangeKind::Moved,
        from: Some(BoxId::new(3).unwrap().object_id()),
        to: Some(PlaceId::new(1).unwrap().object_id()),
        actor: actor.into(),
        reason: Some("put away".into()),
        request_id: Some("req-1".into()),
        scan_id: None,
        data: Value::Null,
    }
}

#[actix_rt::test]
async fn events_come_with_their_seq_and_the_next_cursor() {
    let mut m = Mocks::new();
    m.events
        .expect_events_after()
        .times(1)
        .withf(|q| {
            *q == EventQuery {
                after: 10,
                limit: 2,
                filter: EventFilter::all(),
            }
        })
        .returning(|_| {
            Ok(EventPage {
                events: vec![ledger_row(11, WRITER), ledger_row(13, "console")],
                next: 13,
            })
        });
    let reply = call(&m.state(), get("/api/v1/events?after=10&limit=2", READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["next"], 13);
    assert_eq!(
        body["events"][0],
        json!({
            "seq": 11,
            "at": "2026-11-24T12:00:00Z",
            "object": "i000000000000000012",
            "kind": "item",
            "change": "moved",
            "from": "b000000000000000003",
            "to": "p000000000000000001",
            "actor": "apikey:2",
            "actor_name": null,
            "reason": "put away",
            "request_id": "req-1",
            "scan_id": null,
            "data": null,
        })
    );
    assert_eq!(body["events"][1]["seq"], 13);
}

#[actix_rt::test]
async fn an_empty_stream_answers_at_once_with_its_cursor() {
    let mut m = Mocks::new();
    m.events
        .expect_events_after()
        .times(1)
        .withf(|q| q.after == 0 && q.limit == 100)
        .returning(|_| {
            Ok(EventPage {
                events: vec![],
                next: 0,
            })
        });
    let reply = call(&m.state(), get("/api/v1/events", READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "events": [], "next": 0 }));
}

#[actix_rt::test]
async fn filters_reach_the_store_and_its_cursor_passes_over_what_they_leave_out() {
    let mut m = Mocks::new();
    let filter = EventFilter::new(
        vec![IdKind::Item, IdKind::Box],
        vec![ChangeKind::Moved, ChangeKind::Created],
    )
    .unwrap();
    m.events
        .expect_events_after()
        .times(1)
        .withf(move |q| q.after == 5 && q.filter == filter)
        .returning(|_| {
            Ok(EventPage {
                events: vec![],
                next: 90,
            })
        });
    let reply = call(
        &m.state(),
        get(
            "/api/v1/events?after=5&kind=item,box&change=moved,created",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["next"], 90);
}

/// A long poll reads again until there is an event, each time after the cursor of the empty
/// page before it.
#[actix_rt::test]
async fn a_waiting_reader_gets_the_first_event_that_comes() {
    let mut m = Mocks::new();
    let mut seq = mockall::Sequence::new();
    m.events
        .expect_events_after()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|q| q.after == 7)
        .returning(|_| {
            Ok(EventPage {
                events: vec![],
                next: 9,
            })
        });
    m.events
        .expect_events_after()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|q| q.after == 9)
        .returning(|_| {
            Ok(EventPage {
                events: vec![ledger_row(10, WRITER)],
                next: 10,
            })
        });
    let reply = call(&m.state(), get("/api/v1/events?after=7&wait=30", READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["events"][0]["seq"], 10);
    assert_eq!(body["next"], 10);
}

/// A user's display name comes with the event, as in an object's history.
#[actix_rt::test]
async fn events_of_users_carry_their_names() {
    let mut m = Mocks::new();
    let anna = UserId::new(4).unwrap();
    m.events.expect_events_after().returning(move |_| {
        Ok(EventPage {
            events: vec![ledger_row(3, &format!("user:{anna}"))],
            next: 3,
        })
    });
    m.users
        .expect_display_names()
        .returning(move |_| Ok(vec![(anna, "Anna Berg".into())]));
    let reply = call(&m.state(), get("/api/v1/events", READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["events"][0]["actor_name"], "Anna Berg");
}

/// A caller without `inventory.view` is refused, and the store is not read (the mock expects
/// no call).
#[actix_rt::test]
async fn the_stream_needs_inventory_view() {
    // A role of its own that may scan and nothing else.
    let state = Mocks::new()
        .with_session(
            test_user("NIGHT"),
            Permissions::of(&[Permission::ScanExecute]),
        )
        .state();
    let reply = call(&state, get("/api/v1/events?wait=5", SESSION_TOKEN)).await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(reply.json()["permission"], "inventory.view");
    let reply = call(&state, TestRequest::get().uri("/api/v1/events")).await;
    reply.assert_problem(401, "unauthenticated");
}

/// A bad query is 400 naming its parameters, before the store is read.
#[actix_rt::test]
async fn a_bad_events_query_is_400() {
    let state = Mocks::new().state();
    for (query, fields) in [
        ("after=-1", vec!["after"]),
        ("after=01", vec!["after"]),
        ("after=x", vec!["after"]),
        ("limit=0", vec!["limit"]),
        ("limit=501", vec!["limit"]),
        ("limit=+5", vec!["limit"]),
        ("wait=31", vec!["wait"]),
        ("wait=-1", vec!["wait"]),
        ("wait=1.5", vec!["wait"]),
        ("kind=user", vec!["kind"]),
        ("kind=item,", vec!["kind"]),
        ("kind=", vec!["kind"]),
        ("change=moved,teleported", vec!["change"]),
        (
            "after=-1&limit=0&wait=60&kind=label",
            vec!["after", "kind", "limit", "wait"],
        ),
        ("since=1", vec!["since"]),
    ] {
        let reply = call(&state, get(&format!("/api/v1/events?{query}"), READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        let mut named = reply.error_fields();
        named.sort();
        assert_eq!(named, fields, "{query}: {:?}", reply.body);
    }
}
