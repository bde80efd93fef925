//! The OpenAPI document lists every route, and every documented route is routed.

use actix_web::test::TestRequest;
use serde_json::json;

use super::*;
use crate::openapi;

/// Every route of the API, as specified. A route missing from the document fails the test.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/ECK/HEALTH"),
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/warehouses"),
    ("GET", "/api/v1/warehouses"),
    ("GET", "/api/v1/warehouses/{id}"),
    ("PATCH", "/api/v1/warehouses/{id}"),
    ("DELETE", "/api/v1/warehouses/{id}"),
    ("POST", "/api/v1/racks"),
    ("GET", "/api/v1/racks"),
    ("GET", "/api/v1/racks/{id}"),
    ("PATCH", "/api/v1/racks/{id}"),
    ("DELETE", "/api/v1/racks/{id}"),
    ("POST", "/api/v1/places"),
    ("GET", "/api/v1/places"),
    ("GET", "/api/v1/places/{id}"),
    ("PATCH", "/api/v1/places/{id}"),
    ("DELETE", "/api/v1/places/{id}"),
    ("GET", "/api/v1/places/{id}/contents"),
    ("GET", "/api/v1/places/{id}/history"),
    ("POST", "/api/v1/boxes"),
    ("GET", "/api/v1/boxes"),
    ("GET", "/api/v1/boxes/{id}"),
    ("PATCH", "/api/v1/boxes/{id}"),
    ("DELETE", "/api/v1/boxes/{id}"),
    ("GET", "/api/v1/boxes/{id}/contents"),
    ("GET", "/api/v1/boxes/{id}/location"),
    ("GET", "/api/v1/boxes/{id}/history"),
    ("POST", "/api/v1/items"),
    ("GET", "/api/v1/items"),
    ("GET", "/api/v1/items/{id}"),
    ("PATCH", "/api/v1/items/{id}"),
    ("DELETE", "/api/v1/items/{id}"),
    ("GET", "/api/v1/items/{id}/location"),
    ("GET", "/api/v1/items/{id}/history"),
    ("POST", "/api/v1/items/{id}/actions"),
    ("GET", "/api/v1/items/{id}/actions"),
    ("POST", "/api/v1/orders"),
    ("GET", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{id}"),
    ("PATCH", "/api/v1/orders/{id}"),
    ("DELETE", "/api/v1/orders/{id}"),
    ("GET", "/api/v1/orders/{id}/history"),
    ("POST", "/api/v1/orders/{id}/boxes"),
    ("DELETE", "/api/v1/orders/{id}/boxes/{box_id}"),
    ("POST", "/api/v1/moves"),
    ("GET", "/api/v1/apikeys"),
    ("POST", "/api/v1/apikeys"),
    ("DELETE", "/api/v1/apikeys/{id}"),
    ("POST", "/api/v1/scans"),
    ("GET", "/api/v1/scans"),
    ("GET", "/api/v1/scans/session"),
    ("DELETE", "/api/v1/scans/session"),
    ("GET", "/api/v1/scans/{id}"),
    ("POST", "/ECK/API/SCAN"),
    ("POST", "/api/v1/labels"),
    ("GET", "/api/v1/pairing-qr"),
    ("GET", "/ECK/API/PUBLIC/{id}"),
];

/// (method, path) of every operation in the document.
fn documented() -> Vec<(String, String)> {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let documented = documented();
    for (method, path) in ROUTES {
        assert!(
            documented.contains(&(method.to_string(), path.to_string())),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    assert_eq!(documented.len(), ROUTES.len(), "{documented:?}");
}

#[test]
fn the_document_describes_security_problems_and_idempotency() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["name"], "X-Api-Key");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(doc["security"], json!([{"bearer": []}, {"api_key": []}]));

    let create = &doc["paths"]["/api/v1/boxes"]["post"];
    assert!(create["requestBody"].is_object());
    let params = create["parameters"].as_array().unwrap();
    assert!(params.iter().any(|p| p["name"] == "Idempotency-Key"));
    for status in ["201", "401", "403", "409", "413", "415", "422", "500"] {
        assert!(
            create["responses"][status].is_object(),
            "POST /boxes {status}"
        );
    }
    let patch = &doc["paths"]["/api/v1/items/{id}"]["patch"];
    for status in ["200", "404", "412", "428"] {
        assert!(
            patch["responses"][status].is_object(),
            "PATCH /items {status}"
        );
    }
    assert_eq!(
        patch["responses"]["412"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    let list = &doc["paths"]["/api/v1/items"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["class_code", "parent", "q", "limit", "cursor"]);
    assert!(list["responses"]["400"].is_object());
    // Health checks need no key.
    assert_eq!(doc["paths"]["/health"]["get"]["security"], json!([{}]));
    // Every referenced schema exists.
    let text = doc.to_string();
    for name in text
        .split("\"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
    {
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "schema {name} is referenced but not defined"
        );
    }
}

#[actix_rt::test]
async fn every_documented_route_is_routed() {
    let mut m = Mocks::new();
    m.health.expect_ping().returning(|| Ok(()));
    m.health
        .expect_pending_migrations()
        .returning(|| Ok(vec![]));
    m.api_keys.expect_list_api_keys().returning(|| Ok(vec![]));
    m.scans.expect_delete_session().returning(|_| Ok(false));
    let state = m.state();
    for (method, path) in documented() {
        // Placeholders that fail validation keep the services out of it.
        let mut uri = path.replace("{id}", "x").replace("{box_id}", "x");
        if method == "GET" {
            uri.push_str("?limit=0");
        }
        let req = TestRequest::default()
            .method(method.parse().unwrap())
            .uri(&uri)
            .insert_header(bearer(ADMIN_KEY));
        let reply = call(&state, req).await;
        let code = serde_json::from_slice::<Value>(&reply.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned));
        assert!(
            !matches!(reply.status.as_u16(), 404 | 405)
                || !matches!(
                    code.as_deref(),
                    Some("route_not_found" | "method_not_allowed")
                ),
            "{method} {path} is documented but not routed: {:?}",
            reply.body
        );
        assert!(
            reply.status.as_u16() < 500,
            "{method} {uri}: {}",
            reply.status
        );
    }
}

#[actix_rt::test]
async fn the_document_is_served_to_readers() {
    let state = Mocks::new().state();
    let reply = call(&state, get("/api/v1/openapi.json", READ_KEY)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let served = reply.json();
    assert_eq!(served, serde_json::to_value(crate::openapi()).unwrap());
    let reply = call(&state, TestRequest::get().uri("/api/v1/openapi.json")).await;
    reply.assert_problem(401, "unauthenticated");
}

#[test]
fn route_table_tells_unknown_paths_from_wrong_methods() {
    let table = openapi::RouteTable::from_document(&crate::openapi());
    assert_eq!(
        table.allowed("/api/v1/orders/o1/boxes/b2"),
        vec!["DELETE".to_owned()]
    );
    assert_eq!(table.allowed("/api/v1/items"), ["GET", "POST"]);
    assert!(table.allowed("/api/v1/items/x/y").is_empty());
}
