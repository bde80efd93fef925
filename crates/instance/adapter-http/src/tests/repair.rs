//! RMA requests over HTTP: the answer carries the code and the declared devices; bad
//! declarations are refused naming each entry, before the service is asked.

use eckwms_domain::repair::RMA_ORDER_BASE;
use eckwms_domain::{Meta, Order, OrderId, OrderStatus};
use serde_json::json;

use super::*;

#[actix_rt::test]
async fn an_rma_request_answers_its_code_and_declared_devices() {
    let mut m = Mocks::new();
    m.repair
        .expect_create_rma()
        .times(1)
        .withf(|new, now, _| {
            new.declared.len() == 2
                && new.customer.city.as_ref().map(|c| c.as_str()) == Some("Berlin")
                && *now == super::now().timestamp()
        })
        .returning(|new, now, ctx| {
            Ok(Order {
                id: OrderId::new(RMA_ORDER_BASE + u64::try_from(now).unwrap()).unwrap(),
                reference: new.reference.clone(),
                customer: new.customer.clone(),
                status: OrderStatus::Created,
                tracking_number: None,
                received_at: None,
                processed_at: None,
                shipped_at: None,
                public_fields: new.public_fields,
                declared: new.declared.clone(),
                meta: Meta::new(ctx.at),
            })
        });
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/rmas",
            WRITE_KEY,
            json!({
                "customer": {"company": "Acme GmbH", "city": "Berlin"},
                "declared": [
                    {"serial": "1234567", "description": "does not charge"},
                    {"serial": "SN-88-A7"}
                ],
                "reference": "PO-118"
            }),
        ),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let out = reply.json();
    let id = out["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("o8"), "{id}");
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/orders/{id}").as_str())
    );
    let code = out["rma_code"].as_str().unwrap();
    assert!(code.starts_with("RMA") && code.len() == 15, "{code}");
    assert_eq!(&code[3..13], &id[9..]);
    assert_eq!(
        out["declared"],
        json!([
            {"serial": "1234567", "description": "does not charge"},
            {"serial": "SN-88-A7", "description": null}
        ])
    );
    assert_eq!(
        out["public_fields"],
        json!([
            "status",
            "reference",
            "tracking_number",
            "received_at",
            "shipped_at"
        ])
    );
}

#[actix_rt::test]
async fn bad_declarations_are_refused_naming_each_entry() {
    let mut m = Mocks::new();
    m.repair.expect_create_rma().never();
    // 501 entries need more than the tests' small body limit.
    m.settings.body_limit = 64 * 1024;
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/rmas",
            WRITE_KEY,
            json!({
                "customer": {"city": " Berlin"},
                "declared": [
                    {"serial": "SN-1"},
                    {"serial": "sn-1"},
                    {"serial": "AB 12"},
                    {"serial": "SN-2", "description": ""}
                ]
            }),
        ),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        reply.error_fields(),
        [
            "customer.city",
            "declared[1].serial",
            "declared[2].serial",
            "declared[3].description"
        ]
    );
    let many: Vec<_> = (0..501)
        .map(|n| json!({"serial": format!("S{n}")}))
        .collect();
    let reply = call(
        &state,
        post_json(
            "/api/v1/rmas",
            WRITE_KEY,
            json!({"customer": {}, "declared": many}),
        ),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["declared"]);
    // Both are required: a body without one is malformed, naming it.
    for (body, field) in [
        (json!({"customer": {}}), "declared"),
        (json!({"declared": []}), "customer"),
    ] {
        let reply = call(&state, post_json("/api/v1/rmas", WRITE_KEY, body)).await;
        reply.assert_problem(400, "malformed_body");
        assert_eq!(reply.error_fields(), [field]);
    }
}

fn put_declared(body: serde_json::Value) -> TestRequest {
    TestRequest::put()
        .uri("/api/v1/orders/o800000001765101600/declared")
        .insert_header(bearer(WRITE_KEY))
        .insert_header(("if-match", "*"))
        .set_json(body)
}

#[actix_rt::test]
async fn declared_devices_are_replaced_with_their_reason() {
    let mut m = Mocks::new();
    let rma = |status: OrderStatus| Order {
        id: OrderId::new(RMA_ORDER_BASE + 1_765_101_600).unwrap(),
        reference: None,
        customer: Default::default(),
        status,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: Default::default(),
        declared: Default::default(),
        meta: meta(3),
    };
    m.orders
        .expect_get_order()
        .returning(move |_| Ok(rma(OrderStatus::Received)));
    m.orders
        .expect_update_order()
        .times(1)
        .withf(|_, _, patch, ctx| {
            patch.declared.as_ref().is_some_and(|d| d.len() == 1)
                && ctx.reason.as_deref() == Some("second unit")
        })
        .returning(move |_, _, patch, _| {
            let mut o = rma(OrderStatus::Received);
            o.declared = patch.declared.clone().unwrap_or_default();
            Ok(o)
        });
    let state = m.state();
    // Received: the reason is required; bad entries and an empty reason are named.
    call(
        &state,
        put_declared(json!({"declared": [{"serial": "SN-9"}]})),
    )
    .await
    .assert_problem(422, "validation_failed");
    let reply = call(
        &state,
        put_declared(json!({"declared": [{"serial": "S N"}], "reason": ""})),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["declared[0].serial", "reason"]);
    let reply = call(
        &state,
        put_declared(json!({"declared": [{"serial": "SN-9"}], "reason": "second unit"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.json()["declared"],
        json!([{"serial": "SN-9", "description": null}])
    );
    assert_eq!(reply.header("etag"), Some("\"3\""));
}

/// An admin gives a place its role (or takes it away with `null`); lists filter by role; an
/// unknown role is refused naming the field, before the service is asked.
#[actix_rt::test]
async fn places_take_roles_from_admins() {
    use eckwms_domain::{Name, Place, PlaceId, PlaceRole, WarehouseId};
    let place = |role: Option<PlaceRole>| Place {
        id: PlaceId::new(30).unwrap(),
        warehouse_id: WarehouseId(1),
        name: Name::new("name", "Intake desk").unwrap(),
        rack: None,
        role,
        meta: meta(2),
    };
    let mut m = Mocks::new();
    m.places
        .expect_update_place()
        .times(2)
        .returning(move |_, _, patch, _| Ok(place(patch.role.flatten())));
    m.places
        .expect_list_places()
        .times(1)
        .withf(|filter, _| filter.role == Some(PlaceRole::Shipped))
        .returning(move |_, _| Ok(vec![place(Some(PlaceRole::Shipped))]));
    let state = m.state();
    let uri = "/api/v1/places/p000000000000000030";
    let set = |body| patch_json(uri, ADMIN_KEY, body).insert_header(("if-match", "*"));
    let reply = call(&state, set(json!({"role": "intake"}))).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["role"], "intake");
    let reply = call(&state, set(json!({"role": null}))).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["role"], serde_json::Value::Null);
    let reply = call(&state, set(json!({"role": "Intake"}))).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["role"]);
    let reply = call(&state, get("/api/v1/places?role=shipped", ADMIN_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["items"][0]["role"], "shipped");
    let reply = call(&state, get("/api/v1/places?role=desk", ADMIN_KEY)).await;
    assert_eq!(reply.error_fields(), ["role"]);
    // The admin key may; a picker may not (settings.edit).
    call(
        &state,
        patch_json(uri, READ_KEY, json!({"role": "intake"})).insert_header(("if-match", "*")),
    )
    .await
    .assert_problem(403, "forbidden");
}

/// The RMA request `o800000001765101600` (code `RMA17651016002K`) of a customer in Berlin with
/// three devices.
fn rma_request() -> Order {
    use eckwms_domain::repair::{Declared, DeclaredInput};
    use eckwms_domain::{Code, Customer, Name};
    let declared: Vec<DeclaredInput> = [
        ("1234567", Some("does not charge")),
        ("SN-88-A7", None),
        ("X9-00017", Some("cracked display")),
    ]
    .into_iter()
    .map(|(serial, description)| DeclaredInput {
        serial: serial.into(),
        description: description.map(Into::into),
    })
    .collect();
    Order {
        id: OrderId::new(RMA_ORDER_BASE + 1_765_101_600).unwrap(),
        reference: Some(Code::new("reference", "PO-118").unwrap()),
        customer: Customer {
            company: Some(Name::new("company", "Acme GmbH").unwrap()),
            postal_code: Some(Code::new("postal_code", "10115").unwrap()),
            city: Some(Name::new("city", "Berlin").unwrap()),
            ..Customer::default()
        },
        status: OrderStatus::Created,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: Default::default(),
        declared: Declared::new("declared", &declared).unwrap(),
        meta: meta(1),
    }
}

const RMA_SLIP: &str = "/api/v1/orders/o800000001765101600/slip.pdf";

#[actix_rt::test]
async fn an_rma_requests_slip_is_a_pdf_with_its_code_and_serials() {
    let mut m = Mocks::new();
    m.orders
        .expect_get_order()
        .times(1)
        .withf(|id| id.to_string() == "o800000001765101600")
        .returning(|_| Ok(rma_request()));
    let state = m.state();
    let reply = call(&state, get(RMA_SLIP, WRITE_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    assert_eq!(
        reply.header("content-disposition"),
        Some("inline; filename=\"RMA17651016002K.pdf\"")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let text = eckwms_labels::testing::pdf_text(&reply.body).unwrap();
    for expected in [
        "RMA17651016002K",
        "1234567",
        "SN-88-A7",
        "X9-00017",
        "Acme GmbH",
        "10115 Berlin",
        "PO-118",
        "2026-11-24",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}

#[actix_rt::test]
async fn without_a_label_key_a_slip_is_refused() {
    let mut m = Mocks::new();
    m.orders.expect_get_order().never();
    m.decoder = eckwms_codes::Decoder::default();
    let state = m.state();
    call(&state, get(RMA_SLIP, WRITE_KEY))
        .await
        .assert_problem(409, "label_key_missing");
}

#[actix_rt::test]
async fn only_rma_requests_have_slips() {
    let mut m = Mocks::new();
    // A plain order is not even read; an RMA request that does not exist is.
    m.orders
        .expect_get_order()
        .times(1)
        .returning(|id| Err(eckwms_application::AppError::not_found("order", id)));
    let state = m.state();
    let reply = call(
        &state,
        get("/api/v1/orders/o000000000000000042/slip.pdf", WRITE_KEY),
    )
    .await;
    reply.assert_problem(404, "not_found");
    assert_eq!(
        reply.json()["detail"],
        "RMA request o000000000000000042 does not exist"
    );
    call(&state, get(RMA_SLIP, WRITE_KEY))
        .await
        .assert_problem(404, "not_found");
    // A bad id is the path's 400; a reader may not print slips.
    call(&state, get("/api/v1/orders/x42/slip.pdf", WRITE_KEY))
        .await
        .assert_problem(400, "invalid_id");
    let reply = call(&state, get(RMA_SLIP, READ_KEY)).await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(reply.json()["permission"], "orders.manage");
}

/// A result carries its outcome, parts and warranty; a result without an outcome, or another
/// kind with one, is refused naming `outcome`, before anything is recorded.
#[actix_rt::test]
async fn results_carry_their_outcome_parts_and_warranty() {
    let mut m = Mocks::new();
    m.items
        .expect_add_item_action()
        .times(1)
        .withf(|_, action, _| {
            action.result.as_ref().is_some_and(|r| {
                r.outcome == eckwms_domain::repair::Outcome::NoFaultFound
                    && r.parts.len() == 2
                    && r.warranty
            })
        })
        .returning(|_, action, _| Ok(action.clone()));
    let state = m.state();
    let uri = "/api/v1/items/i000000000000000001/actions";
    let reply = call(
        &state,
        post_json(
            uri,
            WRITE_KEY,
            json!({"type": "result", "message": "tested 24 h, no fault", "outcome": "no_fault_found",
                   "parts": ["1x thermal pad", "cleaning"], "warranty": true}),
        ),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let out = reply.json();
    assert_eq!(out["outcome"], "no_fault_found");
    assert_eq!(out["parts"], json!(["1x thermal pad", "cleaning"]));
    assert_eq!(out["warranty"], true);
    for (body, fields) in [
        (
            json!({"type": "result", "message": "done"}),
            vec!["outcome"],
        ),
        (
            json!({"type": "check", "message": "looked", "outcome": "repaired"}),
            vec!["outcome"],
        ),
        (
            json!({"type": "result", "message": "x", "outcome": "fixed"}),
            vec!["outcome"],
        ),
        (
            json!({"type": "result", "message": "x", "outcome": "repaired", "parts": ["ok", ""]}),
            vec!["parts[1]"],
        ),
        (
            json!({"type": "note", "message": "x", "warranty": true}),
            vec!["outcome"],
        ),
    ] {
        let reply = call(&state, post_json(uri, WRITE_KEY, body.clone())).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
}

const RECONCILIATION: &str = "/api/v1/orders/o800000001765101600/reconciliation";

#[actix_rt::test]
async fn a_reconciliation_lists_matched_missing_and_undeclared() {
    use eckwms_domain::repair::reconcile::FoundItem;
    use eckwms_domain::{Code, ItemId};
    let mut m = Mocks::new();
    m.orders.expect_get_order().times(1).returning(|_| {
        let mut order = rma_request();
        order.status = OrderStatus::Received;
        order.received_at = Some(super::now() - chrono::Duration::days(3));
        Ok(order)
    });
    m.repair
        .expect_found_items()
        .times(1)
        .withf(|id, _| id.to_string() == "o800000001765101600")
        .returning(|_, _| {
            Ok(vec![
                FoundItem {
                    id: ItemId::new(42).unwrap(),
                    serial: Some(Code::new("serial", "X-9").unwrap()),
                    barcodes: Vec::new(),
                },
                FoundItem {
                    id: ItemId::new(43).unwrap(),
                    serial: None,
                    barcodes: vec![Code::new("barcode", "sn-88-a7").unwrap()],
                },
                FoundItem {
                    id: ItemId::parse("i700000000001234567").unwrap(),
                    serial: None,
                    barcodes: Vec::new(),
                },
            ])
        });
    let state = m.state();
    let reply = call(&state, get(RECONCILIATION, READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.json(),
        json!({
            "order": "o800000001765101600",
            "received_at": "2026-11-21T12:00:00Z",
            "age_days": 3,
            "overdue": false,
            "matched": [
                {"serial": "1234567", "description": "does not charge", "item": "i700000000001234567"},
                {"serial": "SN-88-A7", "description": null, "item": "i000000000000000043"}
            ],
            "missing": [{"serial": "X9-00017", "description": "cracked display"}],
            "undeclared": [{"item": "i000000000000000042", "serial": "X-9"}]
        })
    );
}

#[actix_rt::test]
async fn only_rma_requests_reconcile() {
    let mut m = Mocks::new();
    // A plain order is not even read; an RMA request that does not exist is.
    m.orders
        .expect_get_order()
        .times(1)
        .returning(|id| Err(eckwms_application::AppError::not_found("order", id)));
    m.repair.expect_found_items().never();
    let state = m.state();
    let reply = call(
        &state,
        get(
            "/api/v1/orders/o000000000000000042/reconciliation",
            READ_KEY,
        ),
    )
    .await;
    reply.assert_problem(404, "not_found");
    assert_eq!(
        reply.json()["detail"],
        "RMA request o000000000000000042 does not exist"
    );
    call(&state, get(RECONCILIATION, READ_KEY))
        .await
        .assert_problem(404, "not_found");
    call(&state, get("/api/v1/orders/x42/reconciliation", READ_KEY))
        .await
        .assert_problem(400, "invalid_id");
    call(
        &state,
        get(
            "/api/v1/orders/o800000001765101600/reconciliation",
            "eck_nope",
        ),
    )
    .await
    .assert_problem(401, "unauthenticated");
}

#[actix_rt::test]
async fn too_many_items_to_reconcile_are_refused() {
    use eckwms_domain::ItemId;
    use eckwms_domain::repair::reconcile::{FoundItem, MAX_FOUND_ITEMS};
    let mut m = Mocks::new();
    m.orders.expect_get_order().returning(|_| Ok(rma_request()));
    m.repair.expect_found_items().returning(|_, limit| {
        Ok((1..=limit as u64)
            .map(|n| FoundItem {
                id: ItemId::new(n).unwrap(),
                serial: None,
                barcodes: Vec::new(),
            })
            .collect())
    });
    let state = m.state();
    let reply = call(&state, get(RECONCILIATION, READ_KEY)).await;
    reply.assert_problem(409, "reconciliation_too_large");
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains(&MAX_FOUND_ITEMS.to_string()),
        "{:?}",
        reply.body
    );
}

/// `received_before` reaches the list as a time; anything but an RFC 3339 time is refused
/// naming it.
#[actix_rt::test]
async fn orders_filter_by_when_they_were_received() {
    let mut m = Mocks::new();
    m.orders
        .expect_list_orders()
        .times(1)
        .withf(|filter, _| {
            filter.received_before.map(|t| t.to_rfc3339())
                == Some("2026-11-07T00:00:00+00:00".into())
                && filter.status == Some(OrderStatus::Received)
        })
        .returning(|_, _| Ok(Vec::new()));
    let state = m.state();
    let reply = call(
        &state,
        get(
            "/api/v1/orders?status=received&received_before=2026-11-07T01:00:00%2B01:00",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = call(
        &state,
        get("/api/v1/orders?received_before=last-month", READ_KEY),
    )
    .await;
    assert_eq!(reply.error_fields(), ["received_before"]);
    assert!(reply.status.is_client_error());
}

/// `missing_devices` lists the received RMA requests the repair wing reconciles: the
/// candidates are asked of the orders with the caller's conditions, and an order is in the
/// answer when its reconciliation misses a device.
#[actix_rt::test]
async fn orders_filter_by_missing_devices() {
    use eckwms_domain::ItemId;
    use eckwms_domain::repair::reconcile::FoundItem;
    let received = || {
        let mut order = rma_request();
        order.status = OrderStatus::Received;
        order.received_at = Some(now());
        order
    };
    let mut m = Mocks::new();
    m.orders
        .expect_list_orders()
        .times(2)
        .withf(|filter, page| {
            filter.arrived_rma
                && filter.status == Some(OrderStatus::Received)
                && page.after.is_none()
                && page.limit == 11
        })
        .returning(move |filter, _| {
            Ok(if filter.declares_devices {
                vec![received()]
            } else {
                Vec::new()
            })
        });
    // Two of its three declared devices arrived.
    m.repair.expect_found_items().times(1).returning(|_, _| {
        Ok(vec![
            FoundItem {
                id: ItemId::parse("i700000000001234567").unwrap(),
                serial: None,
                barcodes: Vec::new(),
            },
            FoundItem {
                id: ItemId::new(42).unwrap(),
                serial: Some(eckwms_domain::Code::new("serial", "sn-88-a7").unwrap()),
                barcodes: Vec::new(),
            },
        ])
    });
    let state = m.state();
    let reply = call(
        &state,
        get(
            "/api/v1/orders?status=received&missing_devices=true&limit=10",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let out = reply.json();
    assert_eq!(out["items"].as_array().unwrap().len(), 1);
    assert_eq!(out["items"][0]["id"], "o800000001765101600");
    assert_eq!(out["next_cursor"], serde_json::Value::Null);
    // `false`: the received requests that miss nothing (none here).
    let reply = call(
        &state,
        get(
            "/api/v1/orders?status=received&missing_devices=false&limit=10",
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["items"], json!([]));
    // Anything but a boolean is refused naming the parameter, before any service runs.
    let reply = call(&state, get("/api/v1/orders?missing_devices=yes", READ_KEY)).await;
    reply.assert_problem(400, "invalid_query");
    assert_eq!(reply.error_fields(), ["missing_devices"]);
}

/// An order whose boxes hold too many items to reconcile stops the list, naming it.
#[actix_rt::test]
async fn the_missing_devices_list_refuses_an_order_too_large_to_reconcile() {
    use eckwms_domain::ItemId;
    use eckwms_domain::repair::reconcile::FoundItem;
    let mut m = Mocks::new();
    m.orders.expect_list_orders().returning(|_, _| {
        let mut order = rma_request();
        order.received_at = Some(now());
        Ok(vec![order])
    });
    m.repair.expect_found_items().returning(|_, limit| {
        Ok((1..=limit as u64)
            .map(|n| FoundItem {
                id: ItemId::new(n).unwrap(),
                serial: None,
                barcodes: Vec::new(),
            })
            .collect())
    });
    let state = m.state();
    let reply = call(&state, get("/api/v1/orders?missing_devices=1", READ_KEY)).await;
    reply.assert_problem(409, "reconciliation_too_large");
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("o800000001765101600"),
        "{:?}",
        reply.body
    );
}

/// `order_status` takes a comma-separated list of statuses (each once, in any order); an
/// unknown or empty one is refused naming the parameter.
#[actix_rt::test]
async fn boxes_filter_by_the_status_of_their_order() {
    let mut m = Mocks::new();
    m.boxes
        .expect_list_boxes()
        .times(2)
        .withf(|filter, _| {
            filter.order_status == [OrderStatus::Received, OrderStatus::Processed]
                && filter.order.is_none()
        })
        .returning(|_, _| Ok(vec![storage_box(7, 1)]));
    let state = m.state();
    for query in ["received,processed", "processed,received,processed"] {
        let reply = call(
            &state,
            get(&format!("/api/v1/boxes?order_status={query}"), READ_KEY),
        )
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.json()["items"][0]["id"], "b000000000000000007");
    }
    for bad in ["", "received,", "received,lost", "Received"] {
        let reply = call(
            &state,
            get(&format!("/api/v1/boxes?order_status={bad}"), READ_KEY),
        )
        .await;
        reply.assert_problem(400, "invalid_query");
        assert_eq!(reply.error_fields(), ["order_status"], "{bad:?}");
    }
}

const SERVICE_REPORT: &str = "/api/v1/reports/service.csv";

/// The request of [`rma_request`], received, from a customer whose name would start a
/// formula, with the second declared device found (by a barcode) in its boxes and an item no
/// one declared.
fn reported_request() -> eckwms_domain::repair::report::ReportedOrder {
    use eckwms_domain::repair::reconcile::FoundItem;
    use eckwms_domain::repair::report::{ReportedItem, ReportedOrder};
    use eckwms_domain::{Code, ItemId, Name};
    let mut order = rma_request();
    order.status = OrderStatus::Received;
    order.received_at = Some(super::now());
    order.customer.company = Some(Name::new("company", "=cmd").unwrap());
    let item = |n: u64, serial: Option<&str>, barcodes: &[&str]| ReportedItem {
        found: FoundItem {
            id: ItemId::new(n).unwrap(),
            serial: serial.map(|s| Code::new("serial", s).unwrap()),
            barcodes: barcodes
                .iter()
                .map(|b| Code::new("barcode", *b).unwrap())
                .collect(),
        },
        name: Some(Name::new("name", "Scanner \"MC33\"").unwrap()),
        class_code: None,
        condition: None,
        actions: Vec::new(),
    };
    ReportedOrder {
        order,
        items: vec![item(42, Some("X-9"), &[]), item(43, None, &["sn-88-a7"])],
    }
}

#[actix_rt::test]
async fn the_service_report_is_a_csv_download_of_a_row_per_device() {
    use eckwms_application::ports::ServiceReportPage;
    let mut m = Mocks::new();
    let mut seq = mockall::Sequence::new();
    // Two pages: the stream carries both, the header once.
    m.repair
        .expect_service_report_page()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|filter, after, _, _| {
            after.is_none()
                && filter.status == Some(OrderStatus::Received)
                && filter.received_from.map(|t| t.to_rfc3339())
                    == Some("2026-11-01T00:00:00+00:00".into())
                && filter.received_to.map(|t| t.to_rfc3339())
                    == Some("2026-12-01T00:00:00+00:00".into())
        })
        .returning(|_, _, _, _| {
            Ok(ServiceReportPage {
                orders: vec![reported_request()],
                more: true,
            })
        });
    m.repair
        .expect_service_report_page()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|_, after, _, _| after.map(|a| a.to_string()) == Some("o800000001765101600".into()))
        .returning(|_, _, _, _| {
            let mut later = reported_request();
            later.order.id = OrderId::new(RMA_ORDER_BASE + 1_765_101_601).unwrap();
            later.items.clear();
            Ok(ServiceReportPage {
                orders: vec![later],
                more: false,
            })
        });
    let state = m.state();
    let reply = call(
        &state,
        get(
            &format!(
                "{SERVICE_REPORT}?from=2026-11-01T00:00:00Z&to=2026-12-01T01:00:00%2B01:00&status=received"
            ),
            READ_KEY,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"service-report.csv\"")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.body.starts_with(b"\xEF\xBB\xBF"), "{:?}", reply.body);
    let text = std::str::from_utf8(&reply.body[3..]).unwrap();
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "Serial/part number;Model;In date;Out date;Customer;SKU;Email;Address;Zip;City;\
         Complaint;Verification;Cause;Result;Shipping;Invoice number;Note;Warranty;Condition;\
         New parts;Refurbished parts"
    );
    // Page 1: the items (42 undeclared, 43 the second declared device), then the missing
    // devices; page 2: the other request's three devices, all missing.
    let serials: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(';').next().unwrap())
        .collect();
    assert_eq!(
        serials,
        [
            "X-9", "SN-88-A7", "1234567", "X9-00017", "1234567", "SN-88-A7", "X9-00017"
        ]
    );
    // The customer's name is neutralised, the quoted model's quotes doubled; a missing device
    // has its complaint and no model.
    assert_eq!(
        lines[2],
        "SN-88-A7;\"Scanner \"\"MC33\"\"\";2026-11-24;;'=cmd;;;;10115;Berlin;;;;;;;;;;;"
    );
    assert_eq!(
        lines[4],
        "X9-00017;;2026-11-24;;'=cmd;;;;10115;Berlin;cracked display;;;;;;;;;;"
    );
    assert!(
        lines.iter().all(|l| l.split(';').count() == 21),
        "{lines:?}"
    );
}

#[actix_rt::test]
async fn the_service_report_refuses_bad_queries_and_callers_before_reading() {
    let mut m = Mocks::new();
    m.repair.expect_service_report_page().never();
    let state = m.state();
    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2026-13-01T00:00:00Z", "to"),
        ("from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
        ("status=done", "status"),
    ] {
        let reply = call(&state, get(&format!("{SERVICE_REPORT}?{query}"), READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        assert_eq!(reply.error_fields(), [field], "{query}");
    }
    let reply = call(&state, get(&format!("{SERVICE_REPORT}?since=x"), READ_KEY)).await;
    reply.assert_problem(400, "invalid_query");
    // A technician may not export reports; without a key, nobody.
    let reply = call(&state, get(SERVICE_REPORT, &role_key("TECHNICIAN"))).await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(reply.json()["permission"], "reports.export");
    call(&state, get(SERVICE_REPORT, "eck_nope"))
        .await
        .assert_problem(401, "unauthenticated");
}

/// A failure on the first page is an answer; on a later page it ends the download early.
#[actix_rt::test]
async fn a_failure_before_the_first_byte_is_a_problem_and_later_ends_the_stream() {
    use eckwms_application::ports::ServiceReportPage;
    let mut m = Mocks::new();
    m.repair
        .expect_service_report_page()
        .times(1)
        .returning(|_, _, _, _| {
            Err(eckwms_application::AppError::refused(
                eckwms_application::ProblemCode::ReconciliationTooLarge,
                "too many",
            ))
        });
    let state = m.state();
    call(&state, get(SERVICE_REPORT, READ_KEY))
        .await
        .assert_problem(409, "reconciliation_too_large");

    let mut m = Mocks::new();
    let mut seq = mockall::Sequence::new();
    m.repair
        .expect_service_report_page()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| {
            Ok(ServiceReportPage {
                orders: vec![reported_request()],
                more: true,
            })
        });
    m.repair
        .expect_service_report_page()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| {
            Err(eckwms_application::AppError::Unavailable(anyhow::anyhow!(
                "the database went away"
            )))
        });
    let state = m.state();
    let app = actix_web::test::init_service(crate::build_app(state)).await;
    let res = actix_web::test::call_service(&app, get(SERVICE_REPORT, READ_KEY).to_request()).await;
    assert_eq!(res.status(), 200);
    let body = actix_web::body::to_bytes(res.into_body()).await;
    assert!(
        body.is_err(),
        "the body must end with an error, not look complete"
    );
}
