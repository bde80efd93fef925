//! `GET /ECK/API/PUBLIC/{id}`: outside the API-key auth, signed by the global service, the
//! public projection only (of items and orders), one 404 for every refusal.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;

use super::*;
use eckwms_application::ports::InstanceIdentity;
use eckwms_application::public::canonical_request;

const INSTANCE: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
const PATH: &str = "/ECK/API/PUBLIC/i000000000000000042";

fn global() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn mocks() -> Mocks {
    let mut m = Mocks::new();
    m.global_key = Some(global().verifying_key());
    m.identity.expect_identity_or_insert().returning(|_, _| {
        Ok(InstanceIdentity {
            instance_id: INSTANCE.into(),
            public_key: vec![1; 32],
            secret_key: vec![2; 32],
        })
    });
    m.items.expect_get_item().returning(|_| {
        let mut i = item(42, 1);
        i.attributes = eckwms_domain::Attributes::new(
            "attributes",
            json!({"public": {"Model": "X-200"}, "secret": "INTERNAL"}),
        )
        .unwrap();
        Ok(i)
    });
    m
}

fn signed(path: &str, ts: i64, by: &SigningKey) -> TestRequest {
    let message = canonical_request("GET", path, ts, INSTANCE);
    TestRequest::get()
        .uri(path)
        .insert_header(("X-Eckwms-Global-Timestamp", ts.to_string()))
        .insert_header((
            "X-Eckwms-Global-Signature",
            STANDARD.encode(by.sign(message.as_bytes()).to_bytes()),
        ))
}

#[actix_rt::test]
async fn a_signed_request_gets_the_public_fields_without_an_api_key() {
    let reply = call(&mocks().state(), signed(PATH, now().timestamp(), &global())).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"kind": "item", "number": "42", "check": "48",
               "fields": [{"name": "Model", "value": "X-200"}]})
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[actix_rt::test]
async fn unsigned_or_wrongly_signed_requests_get_404_not_401() {
    let state = mocks().state();
    let cases = [
        TestRequest::get().uri(PATH),
        // An API key is no substitute for the signature.
        get(PATH, "eck_00000000000000a3_admin-secret"),
        signed(PATH, now().timestamp(), &SigningKey::from_bytes(&[8; 32])),
        signed(PATH, now().timestamp() - 301, &global()),
        // A signature header sent twice is no signature: the first does not silently win.
        signed(PATH, now().timestamp(), &global())
            .append_header(("X-Eckwms-Global-Signature", STANDARD.encode([0; 64]))),
        signed(PATH, now().timestamp(), &global())
            .append_header(("X-Eckwms-Global-Timestamp", now().timestamp().to_string())),
    ];
    for req in cases {
        let reply = call(&state, req).await;
        reply.assert_problem(404, "not_found");
    }
    // Without global.public_key: refused too.
    let mut m = mocks();
    m.global_key = None;
    call(&m.state(), signed(PATH, now().timestamp(), &global()))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn an_order_shows_the_fields_its_owner_chose() {
    let mut m = mocks();
    m.orders.expect_get_order().times(1).returning(|id| {
        Ok(eckwms_domain::Order {
            id,
            reference: None,
            customer: eckwms_domain::Customer {
                person: Some(eckwms_domain::Name::new("person", "INTERNAL").unwrap()),
                ..Default::default()
            },
            status: eckwms_domain::OrderStatus::Shipped,
            tracking_number: None,
            received_at: Some(now()),
            processed_at: Some(now()),
            shipped_at: Some(now()),
            public_fields: eckwms_domain::OrderPublicFields::new(
                "public_fields",
                vec!["shipped_at".into(), "status".into()],
            )
            .unwrap(),
            declared: Default::default(),
            meta: meta(4),
        })
    });
    let path = "/ECK/API/PUBLIC/o000000000000000042";
    let reply = call(&m.state(), signed(path, now().timestamp(), &global())).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"kind": "order", "number": "42", "check": "48",
               "fields": [{"name": "Status", "value": "Shipped"},
                          {"name": "Shipped", "value": "2026-11-24"}]})
    );
}
