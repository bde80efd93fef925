//! Orders' `public_fields`: set on create, replaced by PATCH, always returned; bad names are
//! refused before the service is asked.

use eckwms_application::ports::Expected;
use eckwms_domain::{Customer, Order, OrderId, OrderPublicFields, OrderStatus};
use serde_json::json;

use super::*;

const ORDER: &str = "/api/v1/orders/o000000000000000005";

fn public_fields(names: &[&str]) -> OrderPublicFields {
    let names = names.iter().map(|n| (*n).to_owned()).collect();
    OrderPublicFields::new("public_fields", names).unwrap()
}

fn order(public: &[&str], version: i64) -> Order {
    Order {
        id: OrderId::new(5).unwrap(),
        reference: None,
        customer: Customer::default(),
        status: OrderStatus::Created,
        tracking_number: None,
        received_at: None,
        processed_at: None,
        shipped_at: None,
        public_fields: public_fields(public),
        declared: Default::default(),
        meta: meta(version),
    }
}

fn patch_order(body: serde_json::Value) -> TestRequest {
    patch_json(ORDER, WRITE_KEY, body).insert_header(("if-match", "*"))
}

#[actix_rt::test]
async fn public_fields_are_set_on_create_and_always_returned() {
    let mut m = Mocks::new();
    m.orders
        .expect_create_order()
        .times(1)
        .withf(|new, _| new.public_fields == public_fields(&["status", "tracking_number"]))
        .returning(|new, _| {
            let mut created = order(&[], 1);
            created.public_fields = new.public_fields;
            Ok(created)
        });
    m.orders
        .expect_create_order()
        .times(1)
        .withf(|new, _| new.public_fields.is_empty())
        .returning(|_, _| Ok(order(&[], 1)));
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/orders",
            WRITE_KEY,
            json!({"public_fields": ["tracking_number", "status"]}),
        ),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(
        reply.json()["public_fields"],
        json!(["status", "tracking_number"])
    );
    // Without the field nothing is public, and the answer says so.
    let reply = call(&state, post_json("/api/v1/orders", WRITE_KEY, json!({}))).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.json()["public_fields"], json!([]));
}

#[actix_rt::test]
async fn a_patch_with_public_fields_replaces_the_set_and_one_without_keeps_it() {
    let mut m = Mocks::new();
    m.orders
        .expect_update_order()
        .times(1)
        .withf(|_, expected, patch, _| {
            *expected == Expected::Any
                && patch.public_fields == Some(public_fields(&["shipped_at"]))
                && patch.status.is_none()
                && patch.reference.is_none()
                && patch.customer.is_none()
                && patch.tracking_number.is_none()
        })
        .returning(|_, _, _, _| Ok(order(&["shipped_at"], 2)));
    m.orders
        .expect_update_order()
        .times(1)
        .withf(|_, _, patch, _| patch.public_fields == Some(OrderPublicFields::default()))
        .returning(|_, _, _, _| Ok(order(&[], 3)));
    m.orders
        .expect_update_order()
        .times(1)
        .withf(|_, _, patch, _| {
            patch.public_fields.is_none() && patch.status == Some(OrderStatus::Received)
        })
        .returning(|_, _, _, _| Ok(order(&[], 4)));
    let state = m.state();
    let reply = call(
        &state,
        patch_order(json!({"public_fields": ["shipped_at"]})),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["public_fields"], json!(["shipped_at"]));
    let reply = call(&state, patch_order(json!({"public_fields": []}))).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["public_fields"], json!([]));
    let reply = call(&state, patch_order(json!({"status": "received"}))).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

#[actix_rt::test]
async fn bad_public_fields_are_refused_and_nothing_changes() {
    let mut m = Mocks::new();
    m.orders.expect_create_order().never();
    m.orders.expect_update_order().never();
    let state = m.state();
    let create = |body| post_json("/api/v1/orders", WRITE_KEY, body);
    let cases = [
        (
            create(json!({"public_fields": ["status", "customer"]})),
            vec!["public_fields[1]"],
            "the customer of an order is never public",
        ),
        (
            create(json!({"public_fields": ["customer.email"]})),
            vec!["public_fields[0]"],
            "never public",
        ),
        (
            create(json!({"public_fields": ["status", "status"]})),
            vec!["public_fields[1]"],
            "is a duplicate",
        ),
        (
            create(json!({"public_fields": ["trackingNumber"]})),
            vec!["public_fields[0]"],
            "(did you mean tracking_number?)",
        ),
        (
            // Every error at once, the other fields' too.
            create(json!({"reference": "", "public_fields": ["id", "shipped_at"]})),
            vec!["reference", "public_fields[0]"],
            "must be one of status, reference, tracking_number",
        ),
        (
            patch_order(json!({"public_fields": ["customer"]})),
            vec!["public_fields[0]"],
            "never public",
        ),
        (
            patch_order(json!({"public_fields": null})),
            vec!["public_fields"],
            "must not be null",
        ),
    ];
    for (request, fields, message) in cases {
        let reply = call(&state, request).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), fields);
        assert!(
            reply.json()["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["message"].as_str().unwrap().contains(message)),
            "{message}: {}",
            reply.json()
        );
    }
    // Wrong JSON types and the camelCase key are malformed bodies.
    for (request, field) in [
        (create(json!({"public_fields": "status"})), "public_fields"),
        (create(json!({"public_fields": [1]})), "public_fields[0]"),
        (create(json!({"publicFields": ["status"]})), "publicFields"),
        (
            patch_order(json!({"public_fields": {"status": true}})),
            "public_fields",
        ),
    ] {
        let reply = call(&state, request).await;
        reply.assert_problem(400, "malformed_body");
        assert_eq!(reply.error_fields(), [field]);
    }
}
