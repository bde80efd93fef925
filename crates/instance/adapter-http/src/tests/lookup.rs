//! `GET /api/v1/lookup`: what a text names, read-only, over HTTP.

use eckwms_application::AppError;
use eckwms_application::ports::MockApiKeyRepository;
use eckwms_domain::{ItemId, ObjectId, OrderId};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::*;

/// A key whose role may scan but not read the inventory.
const SCAN_ONLY_KEY: &str = "eck_00000000000000c1_scan-secret";

fn lookup(code: &str) -> String {
    let mut uri = "/api/v1/lookup?code=".to_owned();
    uri.extend(url_encoded(code));
    uri
}

fn url_encoded(text: &str) -> impl Iterator<Item = String> + '_ {
    text.bytes().map(|b| match b {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
        other => format!("%{other:02X}"),
    })
}

/// A mock whose every read is refused: a route that reaches the lookup fails the test.
fn no_reads(m: &mut Mocks) {
    m.lookup.expect_exists().never();
    m.lookup.expect_find_by_code().never();
    m.lookup.expect_items_with_serial().never();
    m.lookup.expect_orders_with_tracking().never();
    // Nor any write: the lookup holds no unit of work and no scan repository.
    m.unit.expect_run().never();
}

#[actix_rt::test]
async fn an_object_found_is_named_with_its_kind() {
    let mut m = Mocks::new();
    m.lookup
        .expect_exists()
        .times(1)
        .withf(|id| id.to_string() == "b000000000000000042")
        .returning(|_| Ok(true));
    m.unit.expect_run().never();
    let state = m.state();
    let reply = call(&state, get(&lookup("b000000000000000042"), READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.json(),
        json!({
            "resolution": "id",
            "objects": [{"kind": "box", "id": "b000000000000000042"}],
            "reason": null,
            "named": null,
        })
    );
}

#[actix_rt::test]
async fn nothing_found_is_200_with_the_reason_and_the_id_named() {
    let mut m = Mocks::new();
    m.lookup.expect_exists().times(1).returning(|_| Ok(false));
    m.unit.expect_run().never();
    let state = m.state();
    let reply = call(&state, get(&lookup("i000000000000000042"), READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.json(),
        json!({
            "resolution": "id",
            "objects": [],
            "reason": "not_created",
            "named": {"kind": "item", "id": "i000000000000000042"},
        })
    );
}

#[actix_rt::test]
async fn a_v2_label_with_a_scheme_and_a_badge_are_read_with_the_scan_keys() {
    let boxed = ObjectId::parse("b000000000000000007").unwrap();
    let [text, _, _] = test_decoder()
        .label_texts(boxed, &mut |b: &mut [u8]| b.fill(4))
        .unwrap();
    let mut m = Mocks::new();
    m.lookup
        .expect_exists()
        .times(1)
        .withf(move |id| *id == boxed)
        .returning(|_| Ok(true));
    let state = m.state();
    let reply = call(&state, get(&lookup(&format!("https://{text}")), READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["resolution"], "label_v2");
    assert_eq!(reply.json()["objects"][0]["id"], "b000000000000000007");

    let reply = call(&state, get(&lookup("u000000000000000003"), READ_KEY)).await;
    assert_eq!(reply.json()["reason"], "user_badge");
    assert_eq!(reply.json()["named"]["kind"], "user");
}

#[actix_rt::test]
async fn several_objects_are_listed_in_id_order() {
    let mut m = Mocks::new();
    m.lookup.expect_find_by_code().times(1).returning(|_| {
        Ok(vec![
            ItemId::new(1).unwrap().object_id(),
            ObjectId::parse("b000000000000000002").unwrap(),
        ])
    });
    m.lookup
        .expect_items_with_serial()
        .times(1)
        .returning(|_| Ok(vec![ItemId::new(3).unwrap()]));
    m.lookup
        .expect_orders_with_tracking()
        .times(1)
        .withf(|number| number == "ABC 12")
        .returning(|_| Ok(vec![OrderId::new(4).unwrap()]));
    let state = m.state();
    let reply = call(&state, get(&lookup("ABC 12"), READ_KEY)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = reply.json();
    assert_eq!(body["resolution"], "barcode");
    assert_eq!(
        body["objects"],
        json!([
            {"kind": "box", "id": "b000000000000000002"},
            {"kind": "item", "id": "i000000000000000001"},
            {"kind": "item", "id": "i000000000000000003"},
            {"kind": "order", "id": "o000000000000000004"},
        ])
    );
    assert_eq!(body["reason"], Value::Null);
}

#[actix_rt::test]
async fn a_missing_empty_or_too_long_code_is_400_naming_code() {
    let mut m = Mocks::new();
    no_reads(&mut m);
    let state = m.state();
    let long = "x".repeat(eckwms_application::scanning::MAX_BARCODE_LEN + 1);
    for uri in [
        "/api/v1/lookup".to_owned(),
        "/api/v1/lookup?code=".to_owned(),
        "/api/v1/lookup?code=%20%20".to_owned(),
        "/api/v1/lookup?code=a%00b".to_owned(),
        lookup(&long),
    ] {
        let reply = call(&state, get(&uri, READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        assert_eq!(reply.error_fields(), ["code"], "{uri}");
    }
    let reply = call(&state, get("/api/v1/lookup?code=x&colour=red", READ_KEY)).await;
    reply.assert_problem(400, "invalid_query");
}

#[actix_rt::test]
async fn a_lookup_needs_a_credential_and_inventory_view() {
    let mut m = Mocks::new();
    no_reads(&mut m);
    let scan_only = ApiKey {
        id: 40,
        key_id: "00000000000000c1".into(),
        name: "scan only".into(),
        role: "SCAN_ONLY".into(),
        permissions: eckwms_domain::access::Permissions::of(&[
            eckwms_domain::access::Permission::ScanExecute,
        ]),
        created_at: now(),
        expires_at: None,
        revoked_at: None,
        last_used_at: Some(now()),
    };
    // Only this key.
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_api_key().returning(move |key_id| {
        Ok(match key_id {
            "00000000000000c1" => Some((
                scan_only.clone(),
                hex::encode(Sha256::digest(b"scan-secret")),
            )),
            _ => None,
        })
    });
    m.api_keys = keys;
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::get().uri("/api/v1/lookup?code=i000000000000000001"),
    )
    .await;
    reply.assert_problem(401, "unauthenticated");
    let reply = call(
        &state,
        get("/api/v1/lookup?code=i000000000000000001", SCAN_ONLY_KEY),
    )
    .await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(reply.json()["permission"], "inventory.view");
}

#[actix_rt::test]
async fn a_failed_read_is_a_problem_not_a_lookup() {
    let mut m = Mocks::new();
    m.lookup
        .expect_exists()
        .times(1)
        .returning(|_| Err(AppError::internal(anyhow::anyhow!("disk on fire"))));
    let state = m.state();
    let reply = call(&state, get(&lookup("p000000000000000001"), READ_KEY)).await;
    reply.assert_problem(500, "internal");
    assert!(!String::from_utf8_lossy(&reply.body).contains("fire"));
}
