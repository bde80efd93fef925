//! Authentication, request ids, and every kind of bad input: each answers a problem, never 5xx,
//! and never reaches the services.

use actix_web::test::TestRequest;
use eckwms_application::AppError;
use eckwms_http_kit::ProblemCode;
use serde_json::json;

use super::*;

#[actix_rt::test]
async fn no_key_or_a_bad_key_is_401_with_www_authenticate() {
    let mut m = Mocks::new();
    m.boxes.expect_list_boxes().never();
    let state = m.state();
    let cases = [
        TestRequest::get().uri("/api/v1/boxes"),
        get("/api/v1/boxes", "eck_00000000000000ff_nope"),
        get("/api/v1/boxes", "eck_00000000000000a1_wrong-secret"),
        get("/api/v1/boxes", "not-a-key"),
        TestRequest::get()
            .uri("/api/v1/boxes")
            .insert_header(("authorization", format!("Basic {READ_KEY}"))),
    ];
    for req in cases {
        let reply = call(&state, req).await;
        reply.assert_problem(401, "unauthenticated");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    }
}

#[actix_rt::test]
async fn x_api_key_header_authenticates_too() {
    let mut m = Mocks::new();
    m.boxes
        .expect_list_boxes()
        .times(1)
        .returning(|_, _| Ok(vec![]));
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::get()
            .uri("/api/v1/boxes")
            .insert_header(("x-api-key", READ_KEY)),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"items": [], "next_cursor": null}));
}

/// An API key sent more than once (two Authorization headers, two X-Api-Key headers, or
/// both) is refused before anything runs: which one was meant cannot be known, and the first
/// must not silently win (here a write key ahead of a read key would create the box).
#[actix_rt::test]
async fn a_key_sent_twice_is_400_and_nothing_runs() {
    let mut m = Mocks::new();
    m.boxes.expect_create_box().never();
    m.unit.expect_run().never();
    m.idempotency.expect_claim().never();
    let state = m.state();
    let authorization = |key: &str| ("authorization", format!("Bearer {key}"));
    let x_api_key = |key: &str| ("x-api-key", key.to_owned());
    type Headers = Vec<(&'static str, String)>;
    let cases: Vec<(Headers, &[&str])> = vec![
        (
            vec![authorization(WRITE_KEY), authorization(READ_KEY)],
            &["Authorization"],
        ),
        (
            vec![authorization(WRITE_KEY), authorization(WRITE_KEY)],
            &["Authorization"],
        ),
        (
            vec![x_api_key(WRITE_KEY), x_api_key(READ_KEY)],
            &["X-Api-Key"],
        ),
        (
            vec![authorization(WRITE_KEY), x_api_key(WRITE_KEY)],
            &["Authorization", "X-Api-Key"],
        ),
        (
            vec![
                ("authorization", format!("Basic {WRITE_KEY}")),
                x_api_key(WRITE_KEY),
            ],
            &["Authorization", "X-Api-Key"],
        ),
    ];
    for (headers, fields) in cases {
        let requests = [
            TestRequest::post()
                .uri("/api/v1/boxes")
                .insert_header(("idempotency-key", "k-1"))
                .set_json(json!({"name": "Box"})),
            TestRequest::post()
                .uri("/ECK/API/SCAN")
                .set_json(json!({"barcode": "i000000000000000001", "msgId": "m-1"})),
            TestRequest::get().uri("/api/v1/openapi.json"),
        ];
        for mut req in requests {
            for header in &headers {
                req = req.append_header(header.clone());
            }
            let reply = call(&state, req).await;
            reply.assert_problem(400, "invalid_header");
            assert_eq!(reply.error_fields(), *fields, "{headers:?}");
        }
    }
}

#[actix_rt::test]
async fn scopes_too_low_are_403() {
    let mut m = Mocks::new();
    m.boxes.expect_create_box().never();
    m.api_keys.expect_list_api_keys().never();
    let state = m.state();
    let reply = call(&state, post_json("/api/v1/boxes", READ_KEY, json!({}))).await;
    reply.assert_problem(403, "forbidden");
    let reply = call(&state, get("/api/v1/apikeys", WRITE_KEY)).await;
    reply.assert_problem(403, "forbidden");
    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/apikeys/1")
            .insert_header(bearer(READ_KEY)),
    )
    .await;
    reply.assert_problem(403, "forbidden");
}

#[actix_rt::test]
async fn request_ids_are_reused_when_safe_and_set_on_every_response() {
    let state = Mocks::new().state();
    let reply = call(
        &state,
        TestRequest::get()
            .uri("/health")
            .insert_header(("x-request-id", "scanner-7.req_42")),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-request-id"), Some("scanner-7.req_42"));

    let reply = call(
        &state,
        TestRequest::get()
            .uri("/api/v1/boxes")
            .insert_header(("x-request-id", "has space")),
    )
    .await;
    reply.assert_problem(401, "unauthenticated");
    let generated = reply.header("x-request-id").unwrap();
    assert_ne!(generated, "has space");
    assert!(uuid::Uuid::parse_str(generated).is_ok());

    let long = "a".repeat(65);
    let reply = call(
        &state,
        TestRequest::get()
            .uri("/nowhere")
            .insert_header(("x-request-id", long.as_str())),
    )
    .await;
    reply.assert_problem(404, "route_not_found");
    assert_ne!(reply.header("x-request-id"), Some(long.as_str()));
}

#[actix_rt::test]
async fn malformed_bodies_are_400_and_never_reach_the_service() {
    let mut m = Mocks::new();
    m.boxes.expect_create_box().never();
    m.warehouses.expect_create_warehouse().never();
    let state = m.state();
    let raw = |body: &'static [u8]| {
        TestRequest::post()
            .uri("/api/v1/warehouses")
            .insert_header(bearer(WRITE_KEY))
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
    };
    // Broken JSON, non-UTF-8, wrong type, missing field.
    for body in [
        &b"{\"name\": "[..],
        &b"{\"name\": \"\xff\xfe\"}"[..],
        &b"\xff{}"[..],
        &b"{\"name\": 5}"[..],
        &b"{\"name\": \"A\", \"id_offset\": \"x\"}"[..],
        &b"[]"[..],
        &b""[..],
    ] {
        let reply = call(&state, raw(body)).await;
        reply.assert_problem(400, "malformed_body");
    }
    // An unknown field is named.
    let reply = call(
        &state,
        post_json(
            "/api/v1/warehouses",
            WRITE_KEY,
            json!({"name": "A", "colour": "red"}),
        ),
    )
    .await;
    reply.assert_problem(400, "malformed_body");
    assert_eq!(reply.error_fields(), ["colour"]);
    let reply = call(
        &state,
        post_json("/api/v1/warehouses", WRITE_KEY, json!({})),
    )
    .await;
    reply.assert_problem(400, "malformed_body");
    assert_eq!(reply.error_fields(), ["name"]);
}

#[actix_rt::test]
async fn wrong_types_name_the_path_to_the_value() {
    let mut m = Mocks::new();
    m.items.expect_create_item().never();
    m.unit.expect_run().never();
    m.warehouses.expect_create_warehouse().never();
    let state = m.state();
    let cases = [
        ("/api/v1/warehouses", json!({"name": 5}), "name"),
        (
            "/api/v1/warehouses",
            json!({"name": "A", "id_offset": "x"}),
            "id_offset",
        ),
        (
            "/api/v1/items",
            json!({"barcodes": ["A1", 7]}),
            "barcodes[1]",
        ),
        (
            "/api/v1/moves",
            json!({"objects": ["i000000000000000001", {"x": 1}], "to": "p000000000000000001"}),
            "objects[1]",
        ),
        (
            "/api/v1/moves",
            json!({"object": 12, "to": "p000000000000000001"}),
            "object",
        ),
    ];
    for (path, body, field) in cases {
        let reply = call(&state, post_json(path, WRITE_KEY, body.clone())).await;
        reply.assert_problem(400, "malformed_body");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    // A key given twice is refused, as before (a plain JSON value would keep the last one).
    let reply = call(
        &state,
        TestRequest::post()
            .uri("/api/v1/warehouses")
            .insert_header(bearer(WRITE_KEY))
            .insert_header(("content-type", "application/json"))
            .set_payload(&b"{\"name\": \"A\", \"name\": \"B\"}"[..]),
    )
    .await;
    reply.assert_problem(400, "malformed_body");
    assert_eq!(reply.error_fields(), ["name"]);
}

#[actix_rt::test]
async fn wrong_content_type_is_415_and_large_bodies_are_413() {
    let mut m = Mocks::new();
    m.boxes.expect_create_box().never();
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::post()
            .uri("/api/v1/boxes")
            .insert_header(bearer(WRITE_KEY))
            .insert_header(("content-type", "text/plain"))
            .set_payload("{}"),
    )
    .await;
    reply.assert_problem(415, "unsupported_media_type");
    let reply = call(
        &state,
        TestRequest::post()
            .uri("/api/v1/boxes")
            .insert_header(bearer(WRITE_KEY))
            .set_payload("{}"),
    )
    .await;
    reply.assert_problem(415, "unsupported_media_type");

    let big = json!({"name": "x".repeat(5000)});
    let reply = call(&state, post_json("/api/v1/boxes", WRITE_KEY, big.clone())).await;
    reply.assert_problem(413, "payload_too_large");
    // Also when the idempotency layer reads the body first.
    let reply = call(
        &state,
        post_json("/api/v1/boxes", WRITE_KEY, big).insert_header(("idempotency-key", "k1")),
    )
    .await;
    reply.assert_problem(413, "payload_too_large");
}

#[actix_rt::test]
async fn only_application_json_in_utf_8_is_read_as_a_body() {
    let with_type = |content_type: &str| {
        TestRequest::post()
            .uri("/api/v1/boxes")
            .insert_header(bearer(WRITE_KEY))
            .insert_header(("content-type", content_type))
            .set_payload("{}")
    };
    let mut m = Mocks::new();
    m.boxes.expect_create_box().never();
    let state = m.state();
    for refused in [
        "application/vnd.api+json",
        "application/problem+json",
        "application/json; charset=latin1",
        "application/json; charset=utf-16",
        "application/json; version=2",
        "text/json",
    ] {
        let reply = call(&state, with_type(refused)).await;
        reply.assert_problem(415, "unsupported_media_type");
    }
    for accepted in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ] {
        let mut m = Mocks::new();
        m.boxes
            .expect_create_box()
            .times(1)
            .returning(|_, _| Ok(storage_box(1, 1)));
        let reply = call(&m.state(), with_type(accepted)).await;
        assert_eq!(reply.status, 201, "{accepted}: {:?}", reply.body);
    }
}

#[actix_rt::test]
async fn bad_path_ids_are_400_naming_the_parameter() {
    let mut m = Mocks::new();
    m.items.expect_get_item().never();
    m.warehouses.expect_get_warehouse().never();
    let state = m.state();
    for path in [
        "/api/v1/items/x",
        "/api/v1/items/b000000000000000001",
        "/api/v1/items/i00000000000000000a",
        "/api/v1/items/i0000000000000000001",
        "/api/v1/warehouses/abc",
        "/api/v1/warehouses/0",
        "/api/v1/boxes/i000000000000000001/contents",
    ] {
        let reply = call(&state, get(path, READ_KEY)).await;
        reply.assert_problem(400, "invalid_id");
        assert_eq!(reply.error_fields(), ["id"], "{path}");
    }
    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/orders/o000000000000000001/boxes/p000000000000000001")
            .insert_header(bearer(WRITE_KEY)),
    )
    .await;
    reply.assert_problem(400, "invalid_id");
    assert_eq!(reply.error_fields(), ["box_id"]);
}

#[actix_rt::test]
async fn integers_with_leading_zeros_or_a_sign_are_refused_in_paths_and_queries() {
    let mut m = Mocks::new();
    m.warehouses.expect_get_warehouse().never();
    m.warehouses.expect_get_rack().never();
    m.warehouses.expect_list_warehouses().never();
    m.warehouses.expect_list_racks().never();
    m.places.expect_list_places().never();
    m.items.expect_list_items().never();
    m.ledger.expect_history().never();
    m.scans.expect_get_scan().never();
    m.scans.expect_list_scans().never();
    m.api_keys.expect_revoke_api_key().never();
    let state = m.state();
    for (path, field) in [
        ("/api/v1/warehouses/01", "id"),
        ("/api/v1/warehouses/+1", "id"),
        ("/api/v1/racks/007", "id"),
        ("/api/v1/scans/01", "id"),
    ] {
        let reply = call(&state, get(path, READ_KEY)).await;
        reply.assert_problem(400, "invalid_id");
        assert_eq!(reply.error_fields(), [field], "{path}");
    }
    for (path, fields) in [
        ("/api/v1/items?limit=05", vec!["limit"]),
        ("/api/v1/items?limit=%2B5", vec!["limit"]),
        ("/api/v1/items?limit=-0", vec!["limit"]),
        ("/api/v1/warehouses?cursor=01", vec!["cursor"]),
        (
            "/api/v1/racks?warehouse=01&limit=010",
            vec!["warehouse", "limit"],
        ),
        ("/api/v1/places?rack=01", vec!["rack"]),
        (
            "/api/v1/items/i000000000000000001/history?cursor=07",
            vec!["cursor"],
        ),
        ("/api/v1/scans?cursor=%2B3", vec!["cursor"]),
    ] {
        let reply = call(&state, get(path, READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        assert_eq!(reply.error_fields(), fields, "{path}");
    }
    // The hostile test's case: this revoked key 1.
    let reply = call(
        &state,
        TestRequest::delete()
            .uri("/api/v1/apikeys/01")
            .insert_header(bearer(ADMIN_KEY)),
    )
    .await;
    reply.assert_problem(400, "invalid_id");
    // The written forms still work.
    let mut m = Mocks::new();
    m.items
        .expect_list_items()
        .withf(|_, page| page.limit == 11)
        .times(1)
        .returning(|_, _| Ok(vec![]));
    let reply = call(&m.state(), get("/api/v1/items?limit=10", READ_KEY)).await;
    assert_eq!(reply.status, 200);
}

#[actix_rt::test]
async fn bad_queries_are_400_naming_the_field() {
    let mut m = Mocks::new();
    m.items.expect_list_items().never();
    let state = m.state();
    let cases: [(&str, &[&str]); 8] = [
        ("/api/v1/items?limit=0", &["limit"]),
        ("/api/v1/items?limit=501", &["limit"]),
        ("/api/v1/items?limit=x", &["limit"]),
        ("/api/v1/items?limit=", &["limit"]),
        ("/api/v1/items?cursor=b000000000000000001", &["cursor"]),
        ("/api/v1/items?parent=i000000000000000001", &["parent"]),
        ("/api/v1/items?parent=zz&limit=0", &["parent", "limit"]),
        ("/api/v1/items?colour=red", &["colour"]),
    ];
    for (path, fields) in cases {
        let reply = call(&state, get(path, READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        assert_eq!(reply.error_fields(), fields, "{path}");
    }
}

#[actix_rt::test]
async fn text_filters_with_control_characters_are_400_and_reach_no_database() {
    // PostgreSQL refuses a NUL in text: the list answered 500 (found by the contract run).
    let mut m = Mocks::new();
    m.items.expect_list_items().never();
    m.orders.expect_list_orders().never();
    m.scans.expect_list_scans().never();
    let state = m.state();
    for (path, field) in [
        ("/api/v1/items?q=a%00b", "q"),
        ("/api/v1/items?class_code=%1F", "class_code"),
        ("/api/v1/orders?q=%C2%94", "q"),
        ("/api/v1/scans?device_id=d%0A", "device_id"),
    ] {
        let reply = call(&state, get(path, READ_KEY)).await;
        reply.assert_problem(400, "invalid_query");
        assert_eq!(reply.error_fields(), [field], "{path}");
    }
}

#[actix_rt::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let state = Mocks::new().state();
    let reply = call(&state, get("/api/v1/nothing", READ_KEY)).await;
    reply.assert_problem(404, "route_not_found");
    let reply = call(&state, TestRequest::get().uri("/nothing")).await;
    reply.assert_problem(404, "route_not_found");
    let reply = call(&state, get("/api/v1/items/", READ_KEY)).await;
    reply.assert_problem(404, "route_not_found");

    let reply = call(
        &state,
        TestRequest::put()
            .uri("/api/v1/items/i000000000000000001")
            .insert_header(bearer(WRITE_KEY)),
    )
    .await;
    reply.assert_problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("DELETE, GET, PATCH"));
    let reply = call(&state, TestRequest::post().uri("/health")).await;
    reply.assert_problem(405, "method_not_allowed");
}

#[actix_rt::test]
async fn if_match_is_required_and_parsed() {
    let mut m = Mocks::new();
    m.boxes.expect_update_box().never();
    m.boxes.expect_delete_box().never();
    let state = m.state();
    let path = "/api/v1/boxes/b000000000000000001";
    let reply = call(&state, patch_json(path, WRITE_KEY, json!({"name": "x"}))).await;
    reply.assert_problem(428, "precondition_required");
    let reply = call(
        &state,
        TestRequest::delete()
            .uri(path)
            .insert_header(bearer(WRITE_KEY)),
    )
    .await;
    reply.assert_problem(428, "precondition_required");
    for bad in ["3", "\"three\"", "W/3"] {
        let reply = call(
            &state,
            TestRequest::delete()
                .uri(path)
                .insert_header(bearer(WRITE_KEY))
                .insert_header(("if-match", bad)),
        )
        .await;
        reply.assert_problem(400, "invalid_header");
    }
    // Two header lines are a list, refused like one: the first does not silently win.
    let reply = call(
        &state,
        TestRequest::delete()
            .uri(path)
            .insert_header(bearer(WRITE_KEY))
            .append_header(("if-match", "\"3\""))
            .append_header(("if-match", "\"4\"")),
    )
    .await;
    reply.assert_problem(400, "invalid_header");
    assert_eq!(reply.error_fields(), ["If-Match"]);
}

#[actix_rt::test]
async fn app_errors_map_to_problems() {
    let cases: Vec<(AppError, u16, &str)> = vec![
        (
            AppError::not_found("box", "b000000000000000001"),
            404,
            "not_found",
        ),
        (
            AppError::refused(ProblemCode::NotEmpty, "the box holds 3 things"),
            409,
            "not_empty",
        ),
        (
            AppError::PreconditionFailed { current: 5 },
            412,
            "precondition_failed",
        ),
        (AppError::invalid("name", "taken"), 422, "validation_failed"),
        (
            AppError::Unavailable(anyhow::anyhow!("pool exhausted")),
            503,
            "unavailable",
        ),
    ];
    for (error, status, code) in cases {
        let mut m = Mocks::new();
        let error = std::sync::Mutex::new(Some(error));
        m.boxes
            .expect_update_box()
            .times(1)
            .returning(move |_, _, _, _| Err(error.lock().unwrap().take().unwrap()));
        let state = m.state();
        let reply = call(
            &state,
            patch_json(
                "/api/v1/boxes/b000000000000000001",
                WRITE_KEY,
                json!({"name": "x"}),
            )
            .insert_header(("if-match", "\"4\"")),
        )
        .await;
        reply.assert_problem(status, code);
        match status {
            412 => assert!(reply.json()["detail"].as_str().unwrap().contains('5')),
            422 => assert_eq!(reply.error_fields(), ["name"]),
            503 => assert_eq!(reply.header("retry-after"), Some("1")),
            _ => {}
        }
    }
}

#[actix_rt::test]
async fn internal_errors_reveal_nothing() {
    let mut m = Mocks::new();
    m.items.expect_get_item().times(1).returning(|_| {
        Err(AppError::internal(anyhow::anyhow!(
            "connection to postgres://admin:hunter2@db failed"
        )))
    });
    let state = m.state();
    let reply = call(&state, get("/api/v1/items/i000000000000000001", READ_KEY)).await;
    reply.assert_problem(500, "internal");
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(
        !body.contains("hunter2") && !body.contains("postgres"),
        "{body}"
    );
}

#[actix_rt::test]
async fn validation_collects_every_field_error() {
    let mut m = Mocks::new();
    m.warehouses.expect_create_rack().never();
    let state = m.state();
    let reply = call(
        &state,
        post_json(
            "/api/v1/racks",
            WRITE_KEY,
            json!({"warehouse_id": 0, "name": "", "columns": 0, "rows": 2, "rotation": 400}),
        ),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        reply.error_fields(),
        ["warehouse_id", "name", "columns", "rotation"]
    );
}

#[actix_rt::test]
async fn invalid_moves_never_reach_the_service() {
    let mut m = Mocks::new();
    m.unit.expect_run().never();
    let state = m.state();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"object": "i000000000000000001", "objects": ["i000000000000000002"],
                   "to": "b000000000000000001"}),
            vec!["object", "objects"],
        ),
        (
            json!({"to": "b000000000000000001"}),
            vec!["object", "objects"],
        ),
        (
            json!({"objects": ["i000000000000000001", "b000000000000000002",
                               "p000000000000000003", "o000000000000000004", "junk"],
                   "to": "i000000000000000009", "expected_from": "o000000000000000001"}),
            vec![
                "objects[2]",
                "objects[3]",
                "objects[4]",
                "to",
                "expected_from",
            ],
        ),
        (
            json!({"object": "p000000000000000001", "to": "p000000000000000002", "reason": ""}),
            vec!["object", "reason"],
        ),
    ];
    for (body, fields) in cases {
        let reply = call(&state, post_json("/api/v1/moves", WRITE_KEY, body)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), fields);
    }
}

#[actix_rt::test]
async fn names_that_show_nothing_or_hide_something_are_422() {
    let mut m = Mocks::new();
    m.places.expect_create_place().never();
    m.items.expect_create_item().never();
    m.orders.expect_create_order().never();
    m.unit.expect_run().never();
    let state = m.state();
    for name in [
        " ",
        "\u{A0}",
        "\u{2028}",
        "Shelf\u{202E}1A",
        "\u{FEFF}Shelf",
        "Shelf\u{FFFF}",
        "Shelf\u{200B}A1",
        " Shelf A1",
        "Shelf A1 ",
    ] {
        let reply = call(
            &state,
            post_json("/api/v1/places", WRITE_KEY, json!({ "name": name })),
        )
        .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["name"], "{name:?}");
    }
    // The same rules hold for every text people read: codes, customer fields, notes.
    let reply = call(
        &state,
        post_json(
            "/api/v1/items",
            WRITE_KEY,
            json!({"serial": "SN\u{202E}1", "barcodes": ["\u{200B}"], "condition": " "}),
        ),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["serial", "condition", "barcodes[0]"]);
    let reply = call(
        &state,
        post_json(
            "/api/v1/orders",
            WRITE_KEY,
            json!({"reference": "RMA\u{2066}7", "customer": {"company": "\u{3164}"}}),
        ),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["reference", "customer.company"]);
    let reply = call(
        &state,
        post_json(
            "/api/v1/moves",
            WRITE_KEY,
            json!({"object": "i000000000000000001", "to": "p000000000000000001",
                   "reason": "\u{2029}"}),
        ),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["reason"]);
    // A lone surrogate is no text at all: the JSON parser refuses it.
    let reply = call(
        &state,
        TestRequest::post()
            .uri("/api/v1/places")
            .insert_header(bearer(WRITE_KEY))
            .insert_header(("content-type", "application/json"))
            .set_payload(r#"{"name": "Shelf \ud800"}"#),
    )
    .await;
    reply.assert_problem(400, "malformed_body");
}
