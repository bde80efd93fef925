//! People and access against the real binary: users made on the command line and over HTTP,
//! logins, permissions refused with the permission named, throttling, deactivation, the
//! history naming the user, the audit log.

use awc::http::StatusCode;
use serde_json::{Value, json};

use eckwms_adapter_db::testing::TestDatabase;

use crate::harness::{Api, Backend, Server};

async fn login(server: &Server, username: &str, password: &str) -> crate::harness::Reply {
    Api::new(server, "")
        .post(
            "/api/v1/auth/login",
            json!({"username": username, "password": password}),
        )
        .await
}

async fn session(server: &Server, username: &str, password: &str) -> (Api, Value) {
    let reply = login(server, username, password).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = reply.body["token"].as_str().unwrap().to_owned();
    (Api::new(server, &token), reply.body)
}

pub async fn people_log_in_and_roles_are_enforced(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let admin = Api::new(&server, &server.admin_key);

    // The first person, on the command line, with the password on standard input (nothing is
    // printed: it was not generated).
    let (code, out) = server.command_with_input(
        &[
            "user",
            "create",
            "--username",
            "Bea",
            "--role",
            "MANAGER",
            "--display-name",
            "Bea Boss",
        ],
        "manager passphrase\n",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.trim(), "");
    let (code, out) = server.command_with_input(
        &["user", "create", "--username", "bea", "--role", "PICKER"],
        "another passphrase\n",
    );
    assert_ne!(
        code, 0,
        "usernames are unique without regard to case: {out}"
    );

    // The manager logs in (any case of the username) and makes a picker; no super admin.
    let (manager, body) = session(&server, "BEA", "manager passphrase").await;
    assert_eq!(body["user"]["role"], "MANAGER");
    assert!(body.to_string().find("argon2").is_none());
    let picker_user = manager
        .create(
            "/api/v1/users",
            json!({"username": "pia", "display_name": "Pia Picker", "role": "PICKER",
                   "password": "picker passphrase", "pin": "0420"}),
        )
        .await;
    assert_eq!(picker_user["has_pin"], true);
    assert!(picker_user.get("password").is_none() && picker_user.get("pin").is_none());
    let refused = manager
        .post(
            "/api/v1/users",
            json!({"username": "boss2", "display_name": "Boss", "role": "SUPER_ADMIN",
                   "password": "another passphrase"}),
        )
        .await;
    refused.assert_problem(403, "forbidden");
    assert_eq!(refused.body["permission"], "core.admin");

    // The layout is the manager's; the picker reads, scans, and is refused the layout.
    let place = manager
        .create("/api/v1/places", json!({"name": "Shelf P1"}))
        .await;
    let item = manager
        .create("/api/v1/items", json!({"name": "MC33"}))
        .await;
    let (picker, _) = session(&server, "pia", "picker passphrase").await;
    assert_eq!(picker.get("/api/v1/items").await.status, StatusCode::OK);
    let refused = picker.post("/api/v1/racks", json!({"name": "R9"})).await;
    refused.assert_problem(403, "forbidden");
    assert_eq!(refused.body["permission"], "settings.edit");
    for (barcode, msg) in [(&item["id"], "m1"), (&place["id"], "m2")] {
        let reply = picker
            .post(
                "/api/v1/scans",
                json!({"barcode": barcode, "msg_id": msg, "device_id": "PDA-7"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let history = picker
        .get(&format!(
            "/api/v1/items/{}/history",
            item["id"].as_str().unwrap()
        ))
        .await;
    let entries = history.body["items"].as_array().unwrap();
    let moved = entries.last().unwrap();
    assert_eq!(moved["change"], "moved", "{}", history.body);
    assert_eq!(
        moved["actor"],
        format!("user:{}/device:PDA-7", picker_user["id"].as_str().unwrap())
    );
    assert_eq!(moved["actor_name"], "Pia Picker");
    assert_eq!(entries[0]["actor_name"], "Bea Boss");

    // Five wrong passwords, then the username is throttled, the right password too.
    for _ in 0..5 {
        login(&server, "pia", "wrong passphrase")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let throttled = login(&server, "pia", "picker passphrase").await;
    throttled.assert_problem(429, "rate_limited");
    let wait: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // An unknown user is refused like a wrong password.
    login(&server, "nobody", "whatever passphrase")
        .await
        .assert_problem(401, "invalid_credentials");

    // Deactivated on the command line: the session ends at once.
    let (code, out) = server.command(&["user", "set-active", "pia", "inactive"]);
    assert_eq!(code, 0, "{out}");
    picker
        .get("/api/v1/items")
        .await
        .assert_problem(401, "unauthenticated");
    let (code, listed) = server.command(&["user", "list"]);
    assert_eq!(code, 0);
    assert!(
        listed.contains("pia") && listed.contains("Pia Picker"),
        "{listed}"
    );

    // Logout ends the manager's session.
    let reply = manager.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    manager
        .get("/api/v1/items")
        .await
        .assert_problem(401, "unauthenticated");

    // The audit log: the failures, the throttling, the refusal, the deactivation.
    let audit = admin.get("/api/v1/audit?limit=500").await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let events: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for event in [
        "user_created",
        "login_succeeded",
        "login_failed",
        "login_throttled",
        "refused_forbidden",
        "user_deactivated",
        "logout",
    ] {
        assert!(events.contains(&event), "{event} in {events:?}");
    }
    assert_eq!(events.iter().filter(|e| **e == "login_failed").count(), 6);
    let refusal = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "refused_forbidden" && e["subject"] == "POST /api/v1/racks")
        .unwrap();
    assert_eq!(
        refusal["actor"],
        format!("user:{}", picker_user["id"].as_str().unwrap())
    );
    assert_eq!(refusal["address"], "127.0.0.1");
    assert!(!audit.raw.windows(6).any(|w| w == b"argon2"));
    server.terminate();
}

/// A user's language is theirs: set once, it is kept with them and speaks in the answers of
/// the scans they make (over any `Accept-Language`); without one, a scan answers in the
/// request's `Accept-Language`, else in English.
pub async fn a_users_language_follows_them_to_their_scans(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let admin = Api::new(&server, &server.admin_key);
    admin
        .create(
            "/api/v1/users",
            json!({"username": "olga", "display_name": "Olga", "role": "MANAGER",
                   "password": "olga passphrase"}),
        )
        .await;
    let (olga, body) = session(&server, "olga", "olga passphrase").await;
    assert_eq!(body["user"]["language"], Value::Null);
    let set = |language: Value| {
        olga.send(
            "PATCH",
            "/api/v1/auth/me",
            &[],
            Some(json!({ "language": language }).to_string().into_bytes()),
        )
    };
    set(json!("xx"))
        .await
        .assert_problem(422, "validation_failed");
    let reply = set(json!("ru")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["language"], "ru");
    let me = olga.get("/api/v1/auth/me").await;
    assert_eq!(me.body["user"]["language"], "ru");
    // The admin key has no settings.
    admin
        .send(
            "PATCH",
            "/api/v1/auth/me",
            &[],
            Some(json!({"language": "de"}).to_string().into_bytes()),
        )
        .await
        .assert_problem(409, "not_a_session");

    let scan =
        |api: &Api, msg_id: &'static str, headers: &'static [(&'static str, &'static str)]| {
            let body = json!({"barcode": "p000000000000000009", "msg_id": msg_id});
            let api = api.clone();
            async move {
                let reply = api
                    .send(
                        "POST",
                        "/api/v1/scans",
                        headers,
                        Some(body.to_string().into_bytes()),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                reply.body["message"].as_str().unwrap().to_owned()
            }
        };
    let german = &[("Accept-Language", "de-DE,de;q=0.9,en;q=0.5")];
    assert_eq!(
        scan(&olga, "m-1", german).await,
        "Место 9 не заведено: сначала создайте его (или его стеллаж)."
    );
    assert_eq!(
        scan(&admin, "m-2", german).await,
        "Lagerplatz 9 ist nicht angelegt: Legen Sie ihn (oder sein Regal) zuerst an."
    );
    assert_eq!(
        scan(&admin, "m-3", &[]).await,
        "Place 9 is not set up: create it (or its rack) first."
    );
    // Cleared: the request's language again.
    assert_eq!(set(Value::Null).await.body["language"], Value::Null);
    assert!(scan(&olga, "m-4", german).await.starts_with("Lagerplatz 9"));
    server.terminate();
}
