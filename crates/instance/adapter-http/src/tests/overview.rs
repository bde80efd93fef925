//! The operator's dashboard over HTTP.

use actix_web::test::TestRequest;
use eckwms_application::ports::{ActorNames, StoredCounts};
use eckwms_domain::access::{Permission, Permissions};
use eckwms_domain::devices::DeviceId;
use eckwms_domain::{ChangeKind, LedgerEntry, OrderStatus, UserId};
use serde_json::json;

use super::*;

fn ledger_row(seq: i64, actor: &str) -> LedgerEntry {
    LedgerEntry {
        seq,
        at: now(),
        object: BoxId::new(12).unwrap().object_id(),
        kind: ChangeKind::Moved,
        from: None,
        to: Some(PlaceId::new(1).unwrap().object_id()),
        actor: actor.into(),
        reason: Some("put away".into()),
        request_id: Some("req-1".into()),
        scan_id: Some(4),
        data: Value::Null,
    }
}

#[actix_rt::test]
async fn the_overview_answers_counts_named_activity_and_24_hours() {
    let mut m = Mocks::new();
    let anna = UserId::new(4).unwrap();
    // Midnight at UTC+1.
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 23, 0, 0).unwrap();
    m.overview.expect_counts().times(1).returning(|| {
        Ok(StoredCounts {
            items: 1250,
            boxes: 87,
            places: 40,
            orders: vec![(OrderStatus::Shipped, 41), (OrderStatus::Created, 3)],
        })
    });
    m.overview
        .expect_latest_ledger()
        .times(1)
        .withf(|limit| *limit == 5)
        .returning(move |_| {
            Ok(vec![
                ledger_row(7, &format!("user:{anna}/device:PDA-7")),
                ledger_row(6, "apikey:2"),
                ledger_row(5, "console"),
            ])
        });
    m.overview
        .expect_scans_per_hour()
        .times(1)
        .withf(move |from, hours| *from == start && *hours == 24)
        .returning(|_, hours| Ok((0..i64::from(hours)).collect()));
    m.overview
        .expect_actor_names()
        .times(1)
        .returning(move |_| {
            Ok(ActorNames {
                users: vec![(anna, "Anna Berg".into())],
                api_keys: vec![(2, "write key".into())],
                devices: vec![(DeviceId::parse("PDA-7").unwrap(), "Scanner 7".into())],
            })
        });
    let state = m.state();
    let reply = call(
        &state,
        get(
            "/api/v1/overview?activity=5&day_start=2026-11-25T00:00:00%2B01:00",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(
        body["counts"],
        json!({"items": 1250, "boxes": 87, "places": 40, "orders": [
            {"status": "created", "count": 3},
            {"status": "received", "count": 0},
            {"status": "processed", "count": 0},
            {"status": "shipped", "count": 41},
        ]})
    );
    let activity = body["activity"].as_array().unwrap();
    assert_eq!(activity.len(), 3);
    assert_eq!(
        activity[0],
        json!({
            "seq": 7,
            "at": "2026-11-24T12:00:00Z",
            "object": "b000000000000000012",
            "change": "moved",
            "from": null,
            "to": "p000000000000000001",
            "reason": "put away",
            "scan_id": 4,
            "actor": "user:u000000000000000004/device:PDA-7",
            "who": "Anna Berg",
            "device": "Scanner 7",
        })
    );
    assert_eq!(activity[1]["who"], "write key");
    assert_eq!(activity[1]["device"], Value::Null);
    assert_eq!(activity[2]["who"], "console");
    assert_eq!(body["scans"]["day_start"], "2026-11-24T23:00:00Z");
    let hours = body["scans"]["per_hour"].as_array().unwrap();
    assert_eq!(hours.len(), 24);
    assert_eq!(
        hours[0],
        json!({"start": "2026-11-24T23:00:00Z", "scans": 0})
    );
    assert_eq!(
        hours[23],
        json!({"start": "2026-11-25T22:00:00Z", "scans": 23})
    );
}

/// Without parameters: 20 rows, and the current UTC day (the mocked clock's).
#[actix_rt::test]
async fn the_overview_defaults_to_20_rows_and_the_utc_day() {
    let mut m = Mocks::new();
    m.overview
        .expect_counts()
        .returning(|| Ok(StoredCounts::default()));
    m.overview
        .expect_latest_ledger()
        .times(1)
        .withf(|limit| *limit == 20)
        .returning(|_| Ok(vec![]));
    let midnight = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    m.overview
        .expect_scans_per_hour()
        .times(1)
        .withf(move |from, _| *from == midnight)
        .returning(|_, hours| Ok(vec![0; hours as usize]));
    m.overview.expect_actor_names().never();
    let reply = call(&m.state(), get("/api/v1/overview", READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["activity"], json!([]));
    assert_eq!(body["scans"]["day_start"], "2026-11-24T00:00:00Z");
    assert_eq!(body["counts"]["orders"].as_array().unwrap().len(), 4);
}

/// A caller without `inventory.view` is refused, and the store is not read (the mocks expect
/// no call).
#[actix_rt::test]
async fn the_overview_needs_inventory_view() {
    // A role of its own that may scan and nothing else.
    let state = Mocks::new()
        .with_session(
            test_user("NIGHT"),
            Permissions::of(&[Permission::ScanExecute]),
        )
        .state();
    let reply = call(&state, get("/api/v1/overview", SESSION_TOKEN)).await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(reply.json()["permission"], "inventory.view");
    let reply = call(&state, TestRequest::get().uri("/api/v1/overview")).await;
    reply.assert_problem(401, "unauthenticated");
}

/// A bad query is 400 naming its parameters, before the store is read.
#[actix_rt::test]
async fn a_bad_overview_query_is_400() {
    let state = Mocks::new().state();
    for (query, fields) in [
        ("activity=0", vec!["activity"]),
        ("activity=51", vec!["activity"]),
        ("activity=-3", vec!["activity"]),
        ("activity=020", vec!["activity"]),
        ("activity=many", vec!["activity"]),
        ("day_start=yesterday", vec!["day_start"]),
        ("day_start=2026-11-25", vec!["day_start"]),
        ("activity=99&day_start=noon", vec!["activity", "day_start"]),
        ("days=1", vec!["days"]),
    ] {
        let reply = call(&state, get(&format!("/api/v1/overview?{query}"), READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        let mut named = reply.error_fields();
        named.sort();
        assert_eq!(named, fields, "{query}: {:?}", reply.body);
    }
}
