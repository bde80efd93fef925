//! The OpenAPI document lists every route, and every documented route is routed.

use actix_web::test::TestRequest;
use serde_json::json;

use eckwms_http_kit::openapi::testing::assert_refusals_are_problem_json;

use super::*;
use crate::openapi;

/// Every route of the API, as specified: the permission table (`crate::permissions`), which
/// names what each requires. A route missing from the document, or documented without an
/// entry there, fails the test.
use crate::permissions::{ROUTES, Requirement};

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
    for (method, path, _) in ROUTES {
        assert!(
            documented.contains(&(method.to_string(), path.to_string())),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    assert_eq!(documented.len(), ROUTES.len(), "{documented:?}");
}

/// A body that takes exactly one of two fields (`allOf` of its fields and a `oneOf` of the two)
/// must not also require both: no generator (and no client) could satisfy it.
#[test]
fn exactly_one_of_bodies_can_be_satisfied() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let mut checked = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let Some(all_of) = schema["allOf"].as_array() else {
            continue;
        };
        let fields = &all_of[0];
        let required: Vec<&str> = fields["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for choice in all_of[1]["oneOf"].as_array().into_iter().flatten() {
            for field in choice["required"].as_array().into_iter().flatten() {
                let field = field.as_str().unwrap();
                assert!(
                    !required.contains(&field),
                    "{name}: {field} is required and one of a choice"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "{checked}");
}

/// Every operation says what it requires in `x-permission`: the table's entry.
#[test]
fn every_operation_declares_its_permission() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    for (method, path) in documented() {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let declared = op["x-permission"].as_str();
        let expected = ROUTES
            .iter()
            .find(|(m, p, _)| *m == method && *p == path)
            .map(|(_, _, r)| r.as_str());
        assert!(declared.is_some(), "{method} {path} has no x-permission");
        assert_eq!(declared, expected, "{method} {path}");
        let public = declared == Some("public");
        assert_eq!(
            op["security"] == json!([{}]),
            public,
            "{method} {path}: public exactly when it takes no credential"
        );
    }
}

#[test]
fn the_document_describes_security_problems_and_idempotency() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["name"], "X-Api-Key");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["device_signature"]["name"], "X-Device-Signature");
    assert_eq!(
        doc["security"],
        json!([{"bearer": []}, {"api_key": []}, {"session_cookie": []}, {"device_signature": []}])
    );

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
    assert_eq!(
        names,
        [
            "class_code",
            "parent",
            "q",
            "open_repair",
            "limit",
            "cursor"
        ]
    );
    assert!(list["responses"]["400"].is_object());
    let names_of = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        names_of("/api/v1/orders"),
        [
            "status",
            "q",
            "received_before",
            "missing_devices",
            "limit",
            "cursor"
        ]
    );
    assert_eq!(
        doc["paths"]["/api/v1/orders"]["get"]["responses"]["409"]["content"]["application/problem+json"]
            ["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    // The bound of a page of the missing-devices list is the use case's.
    let missing = doc["paths"]["/api/v1/orders"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "missing_devices")
        .unwrap();
    let bound = format!(
        "at most {} orders",
        eckwms_application::repair::EXAMINED_PER_PAGE
    );
    assert!(
        missing["description"].as_str().unwrap().contains(&bound),
        "{missing}"
    );
    assert_eq!(
        names_of("/api/v1/boxes"),
        ["parent", "order", "order_status", "limit", "cursor"]
    );
    let order_status = doc["paths"]["/api/v1/boxes"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "order_status")
        .unwrap();
    assert_eq!(order_status["style"], "form");
    assert_eq!(order_status["explode"], false);
    assert_eq!(order_status["schema"]["minItems"], 1);
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

// ---------------------------------------------------------------- the document is true

/// The served document, as JSON.
fn document() -> Value {
    serde_json::to_value(crate::openapi()).unwrap()
}

/// `#/components/schemas/X` resolved; anything else as it is.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether a schema admits `null`: `type` naming it, or a `oneOf` branch that does.
fn admits_null(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    let typed = match &schema["type"] {
        Value::String(t) => t == "null",
        Value::Array(types) => types.iter().any(|t| t == "null"),
        _ => false,
    };
    typed
        || schema["oneOf"]
            .as_array()
            .is_some_and(|branches| branches.iter().any(|b| admits_null(doc, b)))
}

/// The properties of a request body schema (through `$ref` and `allOf`).
fn properties(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    let schema = resolve(doc, schema);
    let mut found: Vec<(String, Value)> = schema["properties"]
        .as_object()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        found.extend(properties(doc, part));
    }
    found
}

/// A path with its ids filled in: ids of the kind the path names.
fn sample_uri(path: &str) -> String {
    let mut uri = String::new();
    let mut previous = "";
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let id = match (segment, previous) {
            ("{box_id}", _) | ("{id}", "boxes") => "b000000000000000042",
            ("{id}", "items") => "i000000000000000001",
            ("{id}", "places") => "p000000000000000030",
            ("{id}", "orders") => "o000000000000000005",
            ("{id}", "PUBLIC") => "i000000000000000001",
            ("{id}", "users") => "u000000000000000001",
            ("{name}", "roles") => "NIGHT",
            ("{id}", "webhooks") => "wh_0123456789abcdef",
            ("{id}", _) => "1",
            _ => segment,
        };
        uri.push('/');
        uri.push_str(id);
        previous = segment;
    }
    uri
}

/// Mocks whose every change of an object answers `not_found`: a request that passes the
/// HTTP layer's validation ends in 404.
fn mocks_that_find_nothing() -> Mocks {
    use eckwms_application::AppError;
    let gone = || AppError::not_found("object", "x");
    let mut m = Mocks::new();
    m.warehouses
        .expect_update_warehouse()
        .returning(move |_, _, _, _| Err(gone()));
    m.warehouses
        .expect_update_rack()
        .returning(move |_, _, _, _| Err(gone()));
    m.places
        .expect_update_place()
        .returning(move |_, _, _, _| Err(gone()));
    m.boxes
        .expect_update_box()
        .returning(move |_, _, _, _| Err(gone()));
    m.items
        .expect_update_item()
        .returning(move |_, _, _, _| Err(gone()));
    m.orders
        .expect_update_order()
        .returning(move |_, _, _, _| Err(gone()));
    m.users.expect_get_user().returning(move |_| Err(gone()));
    m.webhooks
        .expect_update_webhook()
        .returning(move |_, _, _, _, _| Err(gone()));
    m.webhooks
        .expect_get_webhook()
        .returning(move |_| Err(gone()));
    m
}

/// Every field of every PATCH body: `null` is accepted (the change reaches the service, here
/// 404) exactly where the document lets the field be `null`, and refused with 422 naming the
/// field everywhere else.
#[actix_rt::test]
async fn patch_fields_admit_null_exactly_where_the_server_does() {
    let doc = document();
    let state = mocks_that_find_nothing().state();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("patch") else {
            continue;
        };
        let body = &op["requestBody"]["content"]["application/json"]["schema"];
        let uri = sample_uri(path);
        for (field, schema) in properties(&doc, body) {
            let req = patch_json(&uri, ADMIN_KEY, json!({ field.clone(): null }))
                .insert_header(("If-Match", "*"));
            let reply = call(&state, req).await;
            if admits_null(&doc, &schema) {
                // The caller's own settings: the admin key has none, refused in the service.
                let reached = if path == "/api/v1/auth/me" { 409 } else { 404 };
                assert_eq!(
                    reply.status, reached,
                    "PATCH {path} {field}: null: {:?}",
                    reply.body
                );
            } else {
                reply.assert_problem(422, "validation_failed");
                assert_eq!(
                    reply.error_fields(),
                    std::slice::from_ref(&field),
                    "PATCH {path}"
                );
            }
            checked += 1;
        }
    }
    // warehouse 1, rack 5, place 2, box 2, item 6, order 5, user 3, role 2, device 3, me 1,
    // webhook 5.
    assert_eq!(checked, 35);
}

#[test]
fn answers_whose_data_may_be_null_say_so() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    assert!(admits_null(
        &doc,
        &schemas["ScanAnswerOut"]["properties"]["data"]
    ));
    assert!(admits_null(
        &doc,
        &schemas["HistoryEntryOut"]["properties"]["data"]
    ));
}

/// Requests each refused before any service runs, each for a reason the document must list
/// for the operation, with its problem body.
#[actix_rt::test]
async fn every_refusal_is_documented_for_its_operation() {
    let doc = document();
    let state = Mocks::new().state();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let uri = sample_uri(path);
            let has_body = op.get("requestBody").is_some();
            let takes_key = op.get("security") != Some(&json!([{}]));
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["name"].as_str())
                .collect();
            let request = |key: &str| {
                let mut req = TestRequest::default()
                    .method(method.to_uppercase().parse().unwrap())
                    .uri(&uri)
                    .insert_header(bearer(key));
                if params.contains(&"If-Match") {
                    req = req.insert_header(("If-Match", "*"));
                }
                req
            };
            let mut cases: Vec<(&str, TestRequest)> = Vec::new();
            if takes_key {
                cases.push((
                    "no key",
                    TestRequest::default()
                        .method(method.to_uppercase().parse().unwrap())
                        .uri(&uri),
                ));
                cases.push(("a read key", request(READ_KEY)));
                cases.push((
                    "two keys",
                    request(ADMIN_KEY).append_header(bearer(ADMIN_KEY)),
                ));
                cases.push((
                    "a key in both headers",
                    request(ADMIN_KEY).insert_header(("X-Api-Key", ADMIN_KEY)),
                ));
            }
            if path.contains('{') && takes_key {
                let bad = path.replace("{id}", "x").replace("{box_id}", "x");
                cases.push(("a bad id", request(ADMIN_KEY).uri(&bad).set_json(json!({}))));
            }
            if has_body {
                cases.push((
                    "a text body",
                    request(ADMIN_KEY)
                        .insert_header(("Content-Type", "text/plain"))
                        .set_payload("x"),
                ));
                cases.push((
                    "broken JSON",
                    request(ADMIN_KEY)
                        .insert_header(("Content-Type", "application/json"))
                        .set_payload("{"),
                ));
                cases.push(("an empty object", request(ADMIN_KEY).set_json(json!({}))));
            }
            if params.contains(&"If-Match") {
                let no_if_match = TestRequest::default()
                    .method(method.to_uppercase().parse().unwrap())
                    .uri(&uri)
                    .insert_header(bearer(ADMIN_KEY))
                    .set_json(json!({}));
                cases.push(("no If-Match", no_if_match));
                cases.push((
                    "a bad If-Match",
                    request(ADMIN_KEY)
                        .insert_header(("If-Match", "3"))
                        .set_json(json!({})),
                ));
            }
            if params.contains(&"Idempotency-Key") {
                cases.push((
                    "a bad Idempotency-Key",
                    request(ADMIN_KEY)
                        .insert_header(("Idempotency-Key", "a b"))
                        .set_json(json!({})),
                ));
            }
            if params
                .iter()
                .any(|p| ["limit", "format", "recursive"].contains(p))
            {
                let bad = format!("{uri}?limit=0&format=x&recursive=x");
                cases.push(("a bad query", request(ADMIN_KEY).uri(&bad)));
            }
            for (what, req) in cases {
                let reply = call(&state, req).await;
                let status = reply.status.as_u16().to_string();
                let documented = &op["responses"][&status];
                assert!(
                    documented.is_object(),
                    "{method} {path} with {what}: {status} is not documented ({:?})",
                    reply.body
                );
                if reply.status.is_client_error() {
                    assert_eq!(
                        reply.header("content-type"),
                        Some("application/problem+json")
                    );
                    assert!(
                        documented["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status}: the problem body is not documented"
                    );
                }
            }
        }
    }
}

#[test]
fn problem_responses_are_documented_as_problem_json() {
    assert_refusals_are_problem_json(&document());
}

#[test]
fn request_headers_and_path_ids_have_their_forms() {
    let doc = document();
    let mut ids = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let schema = resolve(&doc, &p["schema"]);
                let name = p["name"].as_str().unwrap();
                match (p["in"].as_str().unwrap(), name) {
                    ("header", "If-Match") | ("header", "Idempotency-Key") => {
                        assert!(schema["pattern"].is_string(), "{method} {path} {name}")
                    }
                    ("path", _) => {
                        ids += 1;
                        assert!(
                            schema["pattern"].is_string() || schema["minimum"] == 1,
                            "{method} {path} {name}: {schema}"
                        );
                    }
                    _ => {}
                }
            }
            let writes = ["post", "patch", "delete"].contains(&method.as_str());
            // A public write (the login) changes no stored object: no 409.
            let statuses: &[&str] = if op["x-permission"] == "public" {
                &["400", "422"]
            } else {
                &["400", "409", "422"]
            };
            if writes && path.starts_with("/api/v1/") {
                for status in statuses {
                    assert!(
                        op["responses"][status].is_object(),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(ids > 30, "{ids}");
}

#[test]
fn creates_link_to_what_they_create() {
    // The served text: OpenAPI spells `operationId`.
    let text = crate::openapi().to_json().unwrap();
    assert!(!text.contains("\"operation_id\""));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let links = &doc["paths"]["/api/v1/items"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["update_item"]["operationId"], "update_item");
    assert_eq!(
        links["update_item"]["parameters"],
        json!({"path.id": "$response.body#/id", "header.If-Match": "$response.header.ETag"})
    );
    assert_eq!(
        links["item_history"]["parameters"],
        json!({"path.id": "$response.body#/id"})
    );
    let read = &doc["paths"]["/api/v1/boxes/{id}"]["get"]["responses"]["200"]["links"];
    assert_eq!(
        read["delete_box"]["parameters"],
        json!({"path.id": "$request.path.id", "header.If-Match": "$response.header.ETag"})
    );
    // Every link names an operation of the document.
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            for response in op["responses"].as_object().unwrap().values() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    let target = link["operationId"].as_str().unwrap();
                    assert!(ids.contains(&target), "{path}: link {name}");
                }
            }
        }
    }
}

/// docs/API.md's route overview is the permission table: the same routes, each with what it
/// requires, in the words the overview uses.
#[test]
fn the_route_overview_of_the_docs_is_the_permission_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/API.md");
    let text = std::fs::read_to_string(path).unwrap();
    let overview = text
        .split_once("\n## Route overview\n")
        .map(|(_, rest)| rest)
        .unwrap();
    let rows: Vec<(String, String, String)> = overview
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            (
                cells[0].to_owned(),
                cells[1].trim_matches('`').to_owned(),
                cells[2].to_owned(),
            )
        })
        .collect();
    let words = |requirement: Requirement| match requirement {
        Requirement::Public => "none".to_owned(),
        Requirement::Authenticated => "any caller".to_owned(),
        Requirement::Permission(p) => p.as_str().to_owned(),
        Requirement::ActiveDevice => "an active scanner's signature".to_owned(),
        Requirement::AnyDevice => "a scanner's signature".to_owned(),
    };
    for (method, path, requirement) in ROUTES {
        let row = rows
            .iter()
            .find(|(m, p, _)| m == method && p == path)
            .unwrap_or_else(|| panic!("docs/API.md's route overview lacks {method} {path}"));
        assert!(
            row.2.starts_with(&words(*requirement)),
            "{method} {path}: the overview says {:?}",
            row.2
        );
    }
    assert_eq!(
        rows.len(),
        ROUTES.len(),
        "the overview lists routes that are not: {rows:?}"
    );
}
