//! Scenarios run against the real binary on each backend.

use std::os::unix::fs::PermissionsExt;

use eckwms_adapter_db::testing::TestDatabase;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::harness::{Api, Backend, Server};

pub async fn walkthrough_and_verify(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    // The README's walkthrough: a place, a box, an item; move; location; history.
    let place = api
        .create("/api/v1/places", json!({"name": "Shelf A1"}))
        .await;
    let place_id = place["id"].as_str().unwrap();
    assert!(place_id.starts_with('p') && place_id.len() == 19);
    let boxed = api
        .create("/api/v1/boxes", json!({"name": "Returns 7"}))
        .await;
    let box_id = boxed["id"].as_str().unwrap();
    let item = api
        .create(
            "/api/v1/items",
            json!({"serial": "1234567", "name": "Scanner", "barcodes": ["4006381333931"]}),
        )
        .await;
    let item_id = item["id"].as_str().unwrap();

    let moved = api
        .post("/api/v1/moves", json!({"object": item_id, "to": box_id}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let moved = api
        .post(
            "/api/v1/moves",
            json!({"object": box_id, "to": place_id, "expected_from": null}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let stale = api
        .post(
            "/api/v1/moves",
            json!({"object": box_id, "to": place_id, "expected_from": box_id}),
        )
        .await;
    stale.assert_problem(409, "stale_expected_from");

    let location = api.get(&format!("/api/v1/items/{item_id}/location")).await;
    assert_eq!(location.status, 200, "{}", location.body);
    let path: Vec<&str> = location.body["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(path, vec![box_id, place_id]);
    assert_eq!(location.body["warehouse"]["id"], 1);

    let contents = api
        .get(&format!(
            "/api/v1/places/{place_id}/contents?recursive=true"
        ))
        .await;
    let ids: Vec<&str> = contents.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![box_id, item_id]);

    let history = api.get(&format!("/api/v1/items/{item_id}/history")).await;
    let changes: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, vec!["created", "moved"]);
    let entry = &history.body["items"][1];
    assert_eq!(entry["to"], box_id);
    assert_eq!(entry["actor"], "apikey:1");
    assert!(entry["request_id"].is_string());

    // Conditional update with the ETag of the last read.
    let read = api.get(&format!("/api/v1/items/{item_id}")).await;
    let etag = read.header("etag").unwrap();
    let patch = json!({"name": "Scanner MC33"}).to_string().into_bytes();
    let updated = api
        .send(
            "PATCH",
            &format!("/api/v1/items/{item_id}"),
            &[("If-Match", &etag)],
            Some(patch.clone()),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let stale = api
        .send(
            "PATCH",
            &format!("/api/v1/items/{item_id}"),
            &[("If-Match", &etag)],
            Some(patch),
        )
        .await;
    stale.assert_problem(412, "precondition_failed");

    // Repair actions are listed a page at a time, like every list.
    let actions = format!("/api/v1/items/{item_id}/actions");
    for message in ["opened", "cracked display", "display replaced"] {
        api.create(&actions, json!({"type": "note", "message": message}))
            .await;
    }
    let first = api.get(&format!("{actions}?limit=2")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let messages = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["message"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(messages(&first.body), ["opened", "cracked display"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = api.get(&format!("{actions}?limit=2&cursor={cursor}")).await;
    assert_eq!(messages(&rest.body), ["display replaced"]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    api.get(&format!("{actions}?limit=501"))
        .await
        .assert_problem(400, "invalid_query");

    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("problems: 0"), "{out}");
}

pub async fn bad_input_is_refused_and_writes_nothing(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let item = api.create("/api/v1/items", json!({"name": "Probe"})).await;
    let item_id = item["id"].as_str().unwrap().to_owned();
    let before = api
        .get(&format!("/api/v1/items/{item_id}/history"))
        .await
        .raw;

    let raw = |body: &'static [u8]| Some(body.to_vec());
    let cases: Vec<(&str, String, Option<Vec<u8>>, u16)> = vec![
        ("POST", "/api/v1/items".into(), raw(b"{\"name\": "), 400),
        (
            "POST",
            "/api/v1/items".into(),
            raw(b"{\"name\": \"\xff\xfe\"}"),
            400,
        ),
        ("POST", "/api/v1/items".into(), raw(b"{\"name\": 5}"), 400),
        (
            "POST",
            "/api/v1/items".into(),
            raw(b"{\"nmae\": \"x\"}"),
            400,
        ),
        ("POST", "/api/v1/items".into(), raw(b"[1,2]"), 400),
        (
            "POST",
            "/api/v1/items".into(),
            Some(vec![b' '; 2 * 1024 * 1024]),
            413,
        ),
        (
            "POST",
            "/api/v1/items".into(),
            raw(b"{\"name\": \"\"}"),
            422,
        ),
        (
            "POST",
            "/api/v1/items".into(),
            raw(b"{\"parent\": \"i000000000000000001\"}"),
            422,
        ),
        (
            "POST",
            "/api/v1/moves".into(),
            raw(b"{\"object\": \"p000000000000000001\", \"to\": \"b000000000000000001\"}"),
            422,
        ),
        (
            "POST",
            "/api/v1/moves".into(),
            raw(b"{\"object\": \"i1\", \"to\": \"b000000000000000001\"}"),
            422,
        ),
        (
            "POST",
            "/api/v1/moves".into(),
            raw(b"{\"to\": \"b000000000000000001\"}"),
            422,
        ),
        ("GET", "/api/v1/items/i12".into(), None, 400),
        ("GET", "/api/v1/items/b000000000000000001".into(), None, 400),
        ("GET", "/api/v1/items?limit=0".into(), None, 400),
        (
            "GET",
            "/api/v1/items?limit=100000000000000000000".into(),
            None,
            400,
        ),
        ("GET", "/api/v1/items?limit=abc".into(), None, 400),
        ("GET", "/api/v1/items?parent=zzz".into(), None, 400),
        ("GET", "/api/v1/nowhere".into(), None, 404),
        (
            "PATCH",
            format!("/api/v1/items/{item_id}"),
            raw(b"{\"name\": \"x\"}"),
            428,
        ),
    ];
    for (method, path, body, status) in cases {
        let reply = api.send(method, &path, &[], body).await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{method} {path}: {}",
            reply.body
        );
        assert!(reply.status.is_client_error());
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{method} {path}"
        );
        assert!(reply.header("x-request-id").is_some());
        assert!(reply.body["code"].is_string());
    }
    let wrong_type = api
        .send(
            "POST",
            "/api/v1/items",
            &[("Content-Type", "text/plain")],
            None,
        )
        .await;
    assert!(wrong_type.status.is_client_error());

    // Nothing was written: one item, unchanged history, a consistent ledger.
    let items = api.get("/api/v1/items").await;
    assert_eq!(items.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        api.get(&format!("/api/v1/items/{item_id}/history"))
            .await
            .raw,
        before
    );
    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
}

pub async fn keys_scopes_and_bootstrap(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    // The bootstrap key file is owner-only, and the key never appears in the log.
    let mode = std::fs::metadata(server.dir.join("admin.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let admin = Api::new(&server, &server.admin_key);
    assert_eq!(admin.get("/api/v1/items").await.status, 200);
    let log: Vec<String> = server
        .startup_log
        .iter()
        .cloned()
        .chain(server.log.try_iter())
        .collect();
    assert!(log.iter().any(|l| l.contains("admin.key")));
    assert!(log.iter().all(|l| !l.contains(&server.admin_key)));

    let anonymous = Api::new(&server, "");
    anonymous
        .get("/api/v1/items")
        .await
        .assert_problem(401, "unauthenticated");
    Api::new(&server, "eck_0000000000000000_nope")
        .get("/api/v1/items")
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(anonymous.get("/health").await.status, 200);

    let (code, read_key) =
        server.command(&["apikey", "create", "--name", "reader", "--scope", "read"]);
    assert_eq!(code, 0);
    let read_key = read_key.trim().to_owned();
    assert!(read_key.starts_with("eck_") && !read_key.contains('\n'));
    let reader = Api::new(&server, &read_key);
    assert_eq!(reader.get("/api/v1/items").await.status, 200);
    reader
        .post("/api/v1/items", json!({}))
        .await
        .assert_problem(403, "forbidden");
    reader
        .get("/api/v1/apikeys")
        .await
        .assert_problem(403, "forbidden");

    let listed = admin.get("/api/v1/apikeys").await;
    let keys = listed.body["items"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert!(
        !listed.body.to_string().contains(&read_key[21..]),
        "secrets are never listed"
    );
    // Revoked by another process (the CLI), the key the server verified a moment ago still
    // works here for at most auth.key_memory_ms (1 s by default), then never again.
    let (code, out) = server.command(&["apikey", "revoke", "2"]);
    assert_eq!(code, 0, "{out}");
    let revoked_at = std::time::Instant::now();
    loop {
        let reply = reader.get("/api/v1/items").await;
        if reply.status == 401 {
            reply.assert_problem(401, "unauthenticated");
            break;
        }
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_millis(1_500),
            "a key revoked elsewhere still works after the key memory ran out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for _ in 0..3 {
        reader
            .get("/api/v1/items")
            .await
            .assert_problem(401, "unauthenticated");
    }

    // Revoked through this server, a key is refused at once.
    let (code, writer_key) =
        server.command(&["apikey", "create", "--name", "writer", "--scope", "write"]);
    assert_eq!(code, 0);
    let writer = Api::new(&server, writer_key.trim());
    assert_eq!(writer.get("/api/v1/items").await.status, 200);
    let revoked = admin.send("DELETE", "/api/v1/apikeys/3", &[], None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    writer
        .get("/api/v1/items")
        .await
        .assert_problem(401, "unauthenticated");

    // The bootstrap key is the last active admin key: neither an admin over HTTP nor the
    // operator's CLI revokes it (with an Idempotency-Key, the refusal is what is replayed).
    for _ in 0..2 {
        admin
            .send(
                "DELETE",
                "/api/v1/apikeys/1",
                &[("Idempotency-Key", "revoke-bootstrap")],
                None,
            )
            .await
            .assert_problem(409, "last_admin_key");
    }
    assert_eq!(admin.get("/api/v1/apikeys").await.status, 200);
    let (code, out) = server.command(&["apikey", "revoke", "1"]);
    assert_ne!(code, 0, "{out}");
    assert_eq!(admin.get("/api/v1/apikeys").await.status, 200);
    // With a second admin key, the first may go; then the second is the last.
    let (code, second_key) =
        server.command(&["apikey", "create", "--name", "admin 2", "--scope", "admin"]);
    assert_eq!(code, 0);
    let second = Api::new(&server, second_key.trim());
    let revoked = second.send("DELETE", "/api/v1/apikeys/1", &[], None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    admin
        .get("/api/v1/items")
        .await
        .assert_problem(401, "unauthenticated");
    second
        .send("DELETE", "/api/v1/apikeys/4", &[], None)
        .await
        .assert_problem(409, "last_admin_key");
    assert_eq!(second.get("/api/v1/apikeys").await.status, 200);
}

pub async fn idempotency_replays_and_serializes(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let body = json!({"name": "Once"}).to_string().into_bytes();
    let first = api
        .send(
            "POST",
            "/api/v1/items",
            &[("Idempotency-Key", "k-1")],
            Some(body.clone()),
        )
        .await;
    assert_eq!(first.status, 201);
    let again = api
        .send(
            "POST",
            "/api/v1/items",
            &[("Idempotency-Key", "k-1")],
            Some(body.clone()),
        )
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.raw, first.raw);
    let other = json!({"name": "Twice"}).to_string().into_bytes();
    api.send(
        "POST",
        "/api/v1/items",
        &[("Idempotency-Key", "k-1")],
        Some(other),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");

    // Sixteen concurrent requests with one key: exactly one effect, every answer the same.
    let replies = join_all((0..16).map(|_| {
        let api = api.clone();
        let body = json!({"name": "Concurrent"}).to_string().into_bytes();
        async move {
            api.send(
                "POST",
                "/api/v1/items",
                &[("Idempotency-Key", "k-2")],
                Some(body),
            )
            .await
        }
    }))
    .await;
    let created: Vec<&Value> = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| &r.body)
        .collect();
    assert_eq!(
        created.len(),
        16,
        "{:?}",
        replies
            .iter()
            .map(|r| (r.status, &r.body))
            .collect::<Vec<_>>()
    );
    assert!(created.iter().all(|b| b["id"] == created[0]["id"]));
    let items = api.get("/api/v1/items?q=Concurrent").await;
    assert_eq!(items.body["items"].as_array().unwrap().len(), 1);
}

pub async fn concurrent_moves_keep_integrity(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    crate::stress::random_moves(
        &[&server],
        std::time::Duration::from_secs(crate::stress::seconds()),
    )
    .await;
    let (code, out) = server.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
}
