//! Successful requests: what reaches the services and what the client gets back.

use actix_web::test::TestRequest;
use eckwms_application::AppError;
use eckwms_application::ports::{
    ContentEntry, Expected, Located, Location, PathStep, RackWithPlaces, TxMocks,
};
use eckwms_domain::{
    ChangeKind, LedgerEntry, Movable, Rack, RackId, RackLayout, Warehouse, WarehouseId,
};
use eckwms_http_kit::ProblemCode;
use serde_json::json;

use super::*;

#[actix_rt::test]
async fn health_needs_no_key_and_no_database() {
    let mut m = Mocks::new();
    m.health.expect_ping().never();
    m.health.expect_pending_migrations().never();
    let state = m.state();
    let reply = call(&state, TestRequest::get().uri("/health")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"status": "ok"}));
    assert!(reply.header("x-request-id").is_some());
}

#[actix_rt::test]
async fn ready_reports_pending_migrations_and_database() {
    let mut m = Mocks::new();
    let mut answers = vec![
        Err(AppError::Unavailable(anyhow::anyhow!("down"))),
        Ok(vec!["2026-11-24-000001_inventory".to_owned()]),
        Ok(vec![]),
    ];
    m.health
        .expect_pending_migrations()
        .times(3)
        .returning(move || answers.pop().unwrap());
    let state = m.state();
    let reply = call(&state, TestRequest::get().uri("/ready")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"status": "ready"}));
    let reply = call(&state, TestRequest::get().uri("/ready")).await;
    reply.assert_problem(503, "not_ready");
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("2026-11-24-000001_inventory")
    );
    let reply = call(&state, TestRequest::get().uri("/ready")).await;
    reply.assert_problem(503, "not_ready");
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("database")
    );
}

#[actix_rt::test]
async fn eck_health_is_healthy_or_degraded() {
    let mut m = Mocks::new();
    let mut answers = vec![Err(AppError::Unavailable(anyhow::anyhow!("down"))), Ok(())];
    m.health
        .expect_ping()
        .times(2)
        .returning(move || answers.pop().unwrap());
    let state = m.state();
    let reply = call(&state, TestRequest::get().uri("/ECK/HEALTH")).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["service"], "eckwms");
    assert_eq!(body["database"], "connected");
    assert_eq!(body["version"], "9.9.9-test");
    assert!(body["uptime"].is_number());
    assert!(DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
    let reply = call(&state, TestRequest::get().uri("/ECK/HEALTH")).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["status"], "degraded");
    assert_eq!(reply.json()["database"], "disconnected");
}

/// An instance whose every call turn stays taken (overloaded) cannot call its database in
/// time: `/ECK/HEALTH` answers 503 degraded in its own JSON, as documented, never the
/// problem+json of the turn's timeout, so a load balancer and a scanner read one shape.
#[actix_rt::test]
async fn eck_health_without_a_turn_is_degraded_in_its_own_shape() {
    let mut m = Mocks::new();
    m.health.expect_ping().never();
    m.settings.concurrent_calls = 1;
    m.settings.turn_wait = Duration::from_millis(50);
    let state = m.state();
    let (entered, has_turn) = tokio::sync::oneshot::channel::<()>();
    let (finish, finishing) = std::sync::mpsc::channel::<()>();
    let busy = actix_rt::spawn({
        let calls = state.calls.clone();
        async move {
            calls
                .run(move |_| {
                    entered.send(()).unwrap();
                    finishing.recv_timeout(Duration::from_secs(30)).unwrap();
                    Ok(())
                })
                .await
        }
    });
    has_turn.await.unwrap();
    let reply = call(&state, TestRequest::get().uri("/ECK/HEALTH")).await;
    finish.send(()).unwrap();
    busy.await.unwrap().unwrap();
    assert_eq!(reply.status, 503, "{:?}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body = reply.json();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "disconnected");
    assert_eq!(body["service"], "eckwms");
    assert!(body.get("code").is_none(), "{body}");
}

#[actix_rt::test]
async fn create_answers_201_with_location_etag_and_request_meta() {
    let mut m = Mocks::new();
    m.boxes
        .expect_create_box()
        .times(1)
        .withf(|new, ctx| {
            new.name.as_ref().map(|n| n.as_str()) == Some("Box 7")
                && new.parent == Some(Parent::Place(place_id(30)))
                && ctx.actor == WRITER
                && ctx.request_id.as_deref() == Some("req-7")
                && ctx.idempotency.is_none()
                && ctx.at == now()
        })
        .returning(|_, _| Ok(storage_box(7, 1)));
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/boxes",
            WRITE_KEY,
            json!({"name": "Box 7", "parent": "p000000000000000030"}),
        )
        .insert_header(("x-request-id", "req-7")),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(
        reply.header("location"),
        Some("/api/v1/boxes/b000000000000000007")
    );
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(reply.header("x-request-id"), Some("req-7"));
    assert_eq!(
        reply.json(),
        json!({
            "id": "b000000000000000007",
            "name": "Box 7",
            "parent": "p000000000000000030",
            "order": null,
            "barcodes": [],
            "version": 1,
            "created_at": "2026-11-24T12:00:00Z",
            "updated_at": "2026-11-24T12:00:00Z",
        })
    );
}

#[actix_rt::test]
async fn get_carries_an_etag_and_patch_passes_if_match() {
    let mut m = Mocks::new();
    m.items
        .expect_get_item()
        .withf(|id| *id == item_id(1))
        .returning(|_| Ok(item(1, 3)));
    m.items
        .expect_update_item()
        .times(3)
        .withf(|id, expected, patch, _| {
            *id == item_id(1)
                && matches!(expected, Expected::Version(3) | Expected::Any)
                && patch.serial == Some(None)
                && patch
                    .name
                    .as_ref()
                    .and_then(|n| n.as_ref())
                    .map(|n| n.as_str())
                    == Some("Printer")
                && patch.class_code.is_none()
                && patch.attributes.is_none()
                && patch.barcodes.is_none()
        })
        .returning(|_, _, _, _| Ok(item(1, 4)));
    let state = m.state();
    let reply = call(&state, get("/api/v1/items/i000000000000000001", READ_KEY)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("etag"), Some("\"3\""));
    assert_eq!(reply.json()["attributes"], json!({}));
    for if_match in ["\"3\"", "W/\"3\"", "*"] {
        let reply = call(
            &state,
            patch_json(
                "/api/v1/items/i000000000000000001",
                WRITE_KEY,
                json!({"serial": null, "name": "Printer"}),
            )
            .insert_header(("if-match", if_match)),
        )
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.header("etag"), Some("\"4\""));
    }
}

/// A serial already in use is 409 `serial_in_use` on create and change, with the holder in
/// `detail`, and both operations document it.
#[actix_rt::test]
async fn a_serial_in_use_is_409_on_create_and_change() {
    let refusal = || {
        let serial = eckwms_domain::Code::new("serial", "1234567").unwrap();
        let holder = eckwms_domain::catalog::serial::SerialHolder {
            id: item_id(1),
            class_code: None,
        };
        Err(
            eckwms_domain::catalog::serial::check(None, &serial, None, &[holder])
                .unwrap_err()
                .into(),
        )
    };
    let mut m = Mocks::new();
    m.items
        .expect_create_item()
        .times(1)
        .returning(move |_, _| refusal());
    m.items
        .expect_update_item()
        .times(1)
        .returning(move |_, _, _, _| refusal());
    let state = m.state();
    let body = json!({"serial": "1234567"});
    let replies = [
        call(&state, post_json("/api/v1/items", WRITE_KEY, body.clone())).await,
        call(
            &state,
            patch_json("/api/v1/items/i000000000000000002", WRITE_KEY, body)
                .insert_header(("if-match", "*")),
        )
        .await,
    ];
    for reply in replies {
        reply.assert_problem(409, "serial_in_use");
        let detail = reply.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains("i000000000000000001"), "{detail}");
    }

    let doc = serde_json::to_value(crate::openapi()).unwrap();
    for (path, method) in [("/api/v1/items", "post"), ("/api/v1/items/{id}", "patch")] {
        let conflict = &doc["paths"][path][method]["responses"]["409"];
        assert!(
            conflict["description"]
                .as_str()
                .is_some_and(|d| d.contains("serial_in_use")),
            "{method} {path}: {conflict}"
        );
    }
}

#[actix_rt::test]
async fn delete_answers_204() {
    let mut m = Mocks::new();
    m.places
        .expect_delete_place()
        .times(1)
        .withf(|id, expected, _| *id == place_id(5) && *expected == Expected::Version(2))
        .returning(|_, _, _| Ok(()));
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/places/p000000000000000005")
            .insert_header(bearer(WRITE_KEY))
            .insert_header(("if-match", "\"2\"")),
    )
    .await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
}

#[actix_rt::test]
async fn lists_are_paginated_with_a_cursor() {
    let mut m = Mocks::new();
    m.boxes
        .expect_list_boxes()
        .times(1)
        .withf(|filter, page| {
            filter.parent == Some(Parent::Place(place_id(30)))
                && page.after == Some(box_id(1))
                && page.limit == 3 // one more than asked, to know about a next page
        })
        .returning(|_, _| Ok((2..=4).map(|n| storage_box(n, 1)).collect()));
    let state = m.state();
    let reply = call(
        &state,
        get(
            "/api/v1/boxes?parent=p000000000000000030&limit=2&cursor=b000000000000000001",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["next_cursor"], "b000000000000000003");
}

#[actix_rt::test]
async fn warehouses_and_racks_round_trip() {
    let mut m = Mocks::new();
    let warehouse = Warehouse {
        id: WarehouseId(2),
        name: Name::new("name", "North").unwrap(),
        id_offset: 1000,
        meta: meta(1),
    };
    let w = warehouse.clone();
    m.warehouses
        .expect_create_warehouse()
        .times(1)
        .withf(|new, _| new.name.as_str() == "North" && new.id_offset == 1000)
        .returning(move |_, _| Ok(w.clone()));
    m.warehouses
        .expect_create_rack()
        .times(1)
        .withf(|new, _| {
            new.warehouse_id == WarehouseId(2)
                && new.layout.columns() == 2
                && new.layout.rows() == 1
                && new.prefix.is_none()
                && new.rotation == 90
        })
        .returning(|new, _| {
            Ok(RackWithPlaces {
                rack: Rack {
                    id: RackId(9),
                    warehouse_id: new.warehouse_id,
                    name: new.name.clone(),
                    prefix: None,
                    layout: RackLayout::new(2, 1, 0).unwrap(),
                    sort_order: 0,
                    pos_x: 0,
                    pos_y: 0,
                    rotation: 90,
                    meta: meta(1),
                },
                places: vec![place_id(1000), place_id(1001)],
            })
        });
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/warehouses",
            WRITE_KEY,
            json!({"name": "North", "id_offset": 1000}),
        ),
    )
    .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("location"), Some("/api/v1/warehouses/2"));
    assert_eq!(reply.json()["id_offset"], 1000);

    let reply = call(
        &state,
        post_json(
            "/api/v1/racks",
            WRITE_KEY,
            json!({"warehouse_id": 2, "name": "R1", "columns": 2, "rows": 1, "rotation": 90}),
        ),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.header("location"), Some("/api/v1/racks/9"));
    let body = reply.json();
    assert_eq!(body["id"], 9);
    assert_eq!(body["columns"], 2);
    assert_eq!(
        body["places"],
        json!(["p000000000000001000", "p000000000000001001"])
    );
}

#[actix_rt::test]
async fn moves_build_the_command() {
    let mut m = Mocks::new();
    let mut request = 0;
    m.unit.expect_run().times(3).returning(move |_, mut work| {
        request += 1;
        // The second request expects the objects in box 1: they are there.
        let parent = (request == 2).then_some(Parent::Box(box_id(1)));
        let mut tx = TxMocks::default();
        tx.moves
            .expect_lock_for_move()
            .times(1)
            .withf(|objects, to| {
                objects == [Movable::Item(item_id(1)), Movable::Box(box_id(2))]
                    && *to == Parent::Place(place_id(30))
            })
            .returning(move |objects, _| {
                Ok(objects
                    .iter()
                    .map(|&object| Located { object, parent })
                    .collect())
            });
        tx.moves.expect_place_role().returning(|_| Ok(Some(None)));
        tx.moves
            .expect_set_parents()
            .times(1)
            .returning(|_, _, _| Ok(()));
        tx.ledger
            .expect_append()
            .times(1)
            .withf(|ctx, _| ctx.reason.as_deref() == Some("restock"))
            .returning(|_, changes| Ok((1..=changes.len() as i64).collect()));
        work(&mut tx)
    });
    let state = m.state();
    for expected_from in [json!(null), json!("b000000000000000001")] {
        let reply = call(
            &state,
            post_json(
                "/api/v1/moves",
                WRITE_KEY,
                json!({"objects": ["i000000000000000001", "b000000000000000002"],
                       "to": "p000000000000000030", "reason": "restock",
                       "expected_from": expected_from}),
            ),
        )
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let reply = call(
        &state,
        post_json(
            "/api/v1/moves",
            WRITE_KEY,
            json!({"objects": ["i000000000000000001", "b000000000000000002"],
                   "to": "p000000000000000030", "reason": "restock"}),
        ),
    )
    .await;
    assert_eq!(
        reply.json(),
        json!({"moves": [
            {"object": "i000000000000000001", "from": null, "to": "p000000000000000030", "moved": true},
            {"object": "b000000000000000002", "from": null, "to": "p000000000000000030", "moved": true},
        ]})
    );
}

#[actix_rt::test]
async fn contents_location_and_history_shapes() {
    let mut m = Mocks::new();
    m.boxes
        .expect_get_box()
        .returning(|id| Ok(storage_box(id.number(), 1)));
    m.moves
        .expect_contents()
        .withf(|container, recursive, page| {
            *container == Parent::Box(box_id(1)) && *recursive && page.limit == 51
        })
        .returning(|_, _, _| {
            Ok(vec![ContentEntry {
                object: Movable::Item(item_id(3)),
                name: Some("Scanner".into()),
                parent: Parent::Box(box_id(1)),
            }])
        });
    m.moves.expect_location().returning(|object| {
        Ok(Location {
            object,
            path: vec![
                PathStep {
                    container: Parent::Box(box_id(1)),
                    name: None,
                },
                PathStep {
                    container: Parent::Place(place_id(30)),
                    name: Some("Intake".into()),
                },
            ],
            place: Some(place_id(30)),
            warehouse: None,
        })
    });
    m.ledger.expect_history().returning(|object, _| {
        Ok(vec![LedgerEntry {
            seq: 12,
            at: now(),
            object,
            kind: ChangeKind::Moved,
            from: None,
            to: Some(box_id(1).object_id()),
            actor: WRITER.into(),
            reason: None,
            request_id: Some("r1".into()),
            scan_id: None,
            data: Value::Null,
        }])
    });
    let state = m.state();
    let reply = call(
        &state,
        get(
            "/api/v1/boxes/b000000000000000001/contents?recursive=true",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"items": [{"id": "i000000000000000003", "type": "item", "name": "Scanner",
                          "parent": "b000000000000000001"}], "next_cursor": null})
    );
    let reply = call(
        &state,
        get("/api/v1/items/i000000000000000003/location", READ_KEY),
    )
    .await;
    assert_eq!(
        reply.json(),
        json!({"object": "i000000000000000003",
               "path": [{"id": "b000000000000000001", "type": "box", "name": null},
                        {"id": "p000000000000000030", "type": "place", "name": "Intake"}],
               "place": "p000000000000000030", "warehouse": null})
    );
    let reply = call(
        &state,
        get("/api/v1/items/i000000000000000003/history", READ_KEY),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.json()["items"][0],
        json!({"seq": 12, "at": "2026-11-24T12:00:00Z", "object": "i000000000000000003",
               "change": "moved", "from": null, "to": "b000000000000000001", "actor": WRITER,
               "actor_name": null, "reason": null, "request_id": "r1", "scan_id": null,
               "data": null})
    );
}

#[actix_rt::test]
async fn item_actions_and_api_keys() {
    let mut m = Mocks::new();
    m.items
        .expect_add_item_action()
        .times(1)
        .withf(|id, action, _| {
            *id == item_id(1)
                && action.kind == eckwms_domain::ActionKind::Cause
                && action.actor == WRITER
        })
        .returning(|_, action, _| Ok(action.clone()));
    m.api_keys
        .expect_list_api_keys()
        .times(1)
        .returning(|| Ok(stored_key_list()));
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/items/i000000000000000001/actions",
            WRITE_KEY,
            json!({"type": "cause", "message": "broken hinge"}),
        ),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"type": "cause", "message": "broken hinge", "at": "2026-11-24T12:00:00Z",
               "actor": WRITER, "outcome": null, "parts": [], "warranty": null})
    );
    let reply = call(
        &state,
        post_json(
            "/api/v1/items/i000000000000000001/actions",
            WRITE_KEY,
            json!({"type": "guess", "message": ""}),
        ),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["type", "message"]);

    let reply = call(&state, get("/api/v1/apikeys", ADMIN_KEY)).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let first = &body["items"][0];
    assert_eq!(first["key_id"], "00000000000000a1");
    assert_eq!(first["scope"], "read");
    assert!(first.get("key").is_none() && first.get("secret_hash").is_none());
}

fn stored_key_list() -> Vec<ApiKey> {
    super::stored_key("00000000000000a1")
        .map(|(key, _)| key)
        .into_iter()
        .collect()
}

#[actix_rt::test]
async fn revoking_the_last_admin_key_is_409_and_the_key_keeps_working() {
    let mut m = Mocks::new();
    m.api_keys
        .expect_revoke_api_key()
        .withf(|id, _, _, _| *id == 3)
        .times(1)
        .returning(|id, _, _, _| {
            Err(AppError::refused(
                ProblemCode::LastAdminKey,
                format!("api key {id} is the last active admin key"),
            ))
        });
    m.api_keys
        .expect_list_api_keys()
        .times(1)
        .returning(|| Ok(stored_key_list()));
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/apikeys/3")
            .insert_header(bearer(ADMIN_KEY)),
    )
    .await;
    reply.assert_problem(409, "last_admin_key");
    assert_eq!(reply.json()["title"], "Conflict");
    assert_eq!(
        call(&state, get("/api/v1/apikeys", ADMIN_KEY)).await.status,
        200
    );
}

#[actix_rt::test]
async fn item_actions_are_paginated_like_every_list() {
    use eckwms_application::ports::RecordedAction;
    let action = |seq: i64| RecordedAction {
        seq,
        action: eckwms_domain::ItemAction {
            kind: eckwms_domain::ActionKind::Note,
            message: eckwms_domain::Note::new("message", format!("step {seq}")).unwrap(),
            at: now(),
            actor: WRITER.into(),
            result: None,
        },
    };
    let mut m = Mocks::new();
    // One row more than the page is asked for, after the cursor.
    m.items
        .expect_list_item_actions()
        .withf(|id, page| *id == item_id(1) && page.after == Some(7) && page.limit == 3)
        .times(1)
        .returning(move |_, _| Ok(vec![action(9), action(12), action(15)]));
    m.items
        .expect_list_item_actions()
        .withf(|_, page| page.after.is_none() && page.limit == 51)
        .times(1)
        .returning(move |_, _| Ok(vec![action(9)]));
    let state = m.state();
    let path = "/api/v1/items/i000000000000000001/actions";
    let reply = call(&state, get(&format!("{path}?limit=2&cursor=7"), READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["items"][1]["message"], "step 12");
    assert_eq!(body["next_cursor"], "12");
    let reply = call(&state, get(path, READ_KEY)).await;
    assert_eq!(reply.json()["next_cursor"], Value::Null);
    for bad in [
        "?limit=501",
        "?cursor=x",
        "?cursor=i000000000000000001",
        "?page=2",
    ] {
        let reply = call(&state, get(&format!("{path}{bad}"), READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
    }
}
