//! Permissions end to end: every route against every seeded role (the declared table decides),
//! logins, sessions and the cookie's CSRF token.

use actix_web::test::{self, TestRequest};
use eckwms_application::AppError;
use eckwms_application::ports::{LoginUser, SessionRecord, User};
use eckwms_domain::UserId;
use eckwms_domain::access::{Permission, SEEDED_ROLES};
use serde_json::json;

use super::*;
use crate::permissions::{ROUTES, Requirement};

/// A request for the route with placeholders that fail validation, so that a request the gate
/// lets through stops before the services (which the mocks do not expect here).
fn probe(method: &str, path: &str) -> TestRequest {
    let mut uri = path
        .replace("{id}", "x")
        .replace("{box_id}", "x")
        .replace("{name}", "x");
    if method == "GET" {
        uri.push_str("?limit=0");
    }
    TestRequest::default()
        .method(method.parse().unwrap())
        .uri(&uri)
}

/// Every route of the table against every seeded role (as an API key with that role) and
/// against nobody: a role without the route's permission gets 403 naming it, before anything
/// runs; a role with it is never refused; without a credential, only public routes answer.
/// A route added without an entry in the table fails `every_operation_declares_its_permission`;
/// one added with the wrong entry fails here or in the black-box test of its role.
#[actix_rt::test]
async fn every_route_answers_every_seeded_role_as_declared() {
    let mut m = Mocks::new();
    m.health.expect_ping().returning(|| Ok(()));
    m.health
        .expect_pending_migrations()
        .returning(|| Ok(vec![]));
    m.api_keys.expect_list_api_keys().returning(|| Ok(vec![]));
    m.scans.expect_delete_session().returning(|_| Ok(false));
    let state = m.state();
    let app = test::init_service(build_app(state)).await;
    let mut checked = 0;
    for (method, path, requirement) in ROUTES {
        let res = test::call_service(&app, probe(method, path).to_request()).await;
        let status = res.status().as_u16();
        match requirement {
            Requirement::Public => assert_ne!(status, 401, "{method} {path}: public"),
            _ => assert_eq!(status, 401, "{method} {path} without a credential"),
        }
        for role in SEEDED_ROLES {
            let req = probe(method, path).insert_header(bearer(&role_key(role.name)));
            let res = test::call_service(&app, req.to_request()).await;
            let status = res.status().as_u16();
            let body: Value =
                serde_json::from_slice(&test::read_body(res).await).unwrap_or_default();
            match requirement {
                Requirement::Permission(p) if !role.permissions().has(*p) => {
                    assert_eq!(status, 403, "{method} {path} as {}: {body}", role.name);
                    assert_eq!(body["code"], "forbidden", "{method} {path}");
                    assert_eq!(body["permission"], p.as_str(), "{method} {path}");
                    assert!(
                        body["detail"].as_str().unwrap_or("").contains(p.as_str()),
                        "{body}"
                    );
                }
                _ => assert!(
                    status != 401 && status != 403,
                    "{method} {path} as {}: {status} {body}",
                    role.name
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * SEEDED_ROLES.len());
}

/// The acceptance example: a PICKER may scan and read, and is refused the layout.
#[actix_rt::test]
async fn a_picker_reads_but_is_refused_the_layout_naming_settings_edit() {
    let state = Mocks::new().state();
    let picker = role_key("PICKER");
    let reply = call(
        &state,
        post_json("/api/v1/racks", &picker, json!({"name": "R1"})),
    )
    .await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(reply.json()["permission"], "settings.edit");
    assert_eq!(
        reply.json()["detail"],
        "this needs the permission settings.edit, which the role PICKER does not grant"
    );
    let me = call(&state, get("/api/v1/auth/me", &picker)).await;
    assert_eq!(me.status, 200);
    let body = me.json();
    assert_eq!(body["kind"], "api_key");
    assert_eq!(body["role"], "PICKER");
    assert_eq!(
        body["permissions"],
        json!([
            "settings.view",
            "scan.execute",
            "workflow.picking",
            "inventory.view"
        ])
    );
}

/// API keys made before roles keep what their scope allowed.
#[actix_rt::test]
async fn scope_keys_keep_their_effect() {
    let state = Mocks::new().state();
    for (key, method, path, allowed) in [
        (READ_KEY, "POST", "/api/v1/items", false),
        (WRITE_KEY, "POST", "/api/v1/items", true),
        (WRITE_KEY, "POST", "/api/v1/racks", true),
        (WRITE_KEY, "GET", "/api/v1/apikeys", false),
        (WRITE_KEY, "GET", "/api/v1/pairing-qr", false),
        (ADMIN_KEY, "GET", "/api/v1/audit", true),
        (READ_KEY, "GET", "/api/v1/roles", true),
    ] {
        let reply = call(&state, probe(method, path).insert_header(bearer(key))).await;
        assert_eq!(
            reply.status != 403,
            allowed,
            "{key} {method} {path}: {:?}",
            reply.body
        );
    }
}

fn user(role: &str, active: bool) -> User {
    User {
        id: UserId::new(4).unwrap(),
        username: "anna".into(),
        display_name: "Anna K".into(),
        role: role.into(),
        active,
        has_pin: false,
        last_login_at: None,
        version: 3,
        created_at: now(),
        updated_at: now(),
    }
}

fn login_mocks(password_hash: String) -> Mocks {
    let mut m = Mocks::new();
    m.sessions
        .expect_failed_logins()
        .returning(|_, _| Ok((0, None)));
    m.users.expect_find_login().returning(move |key| {
        Ok((key == "anna").then(|| LoginUser {
            user: user("PICKER", true),
            password_hash: password_hash.clone(),
            pin_hash: None,
            permissions: seeded_role("PICKER").unwrap().permissions,
        }))
    });
    m
}

#[actix_rt::test]
async fn a_login_answers_a_token_a_cookie_and_the_users_permissions() {
    let hash = fast_passwords()
        .hash("correct horse", &eckwms_application::OsSecrets)
        .unwrap();
    let mut m = login_mocks(hash);
    m.sessions
        .expect_create_session()
        .times(1)
        .returning(|_, _, _| Ok(()));
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"username": "Anna", "password": "correct horse"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("ecks_"));
    assert_eq!(body["user"]["id"], "u000000000000000004");
    assert!(body["user"].get("password_hash").is_none());
    assert_eq!(
        body["csrf_token"],
        eckwms_application::access::csrf_token(token)
    );
    assert!(
        body["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("scan.execute"))
    );
    let cookie = reply.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with(&format!("eckwms_session={token}")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    // Served over plain HTTP here: not Secure (cookie_secure = auto).
    assert!(
        !cookie.contains("Secure;") && !cookie.ends_with("Secure"),
        "{cookie}"
    );
}

#[actix_rt::test]
async fn wrong_passwords_and_unknown_users_get_one_answer() {
    let hash = fast_passwords()
        .hash("correct horse", &eckwms_application::OsSecrets)
        .unwrap();
    let mut m = login_mocks(hash);
    m.sessions
        .expect_record_failed_login()
        .times(2)
        .returning(|_, _, _| Ok(()));
    m.sessions.expect_create_session().never();
    let state = m.state();
    let mut answers = Vec::new();
    for (username, password) in [("anna", "wrong horse"), ("nobody", "correct horse")] {
        let reply = call(
            &state,
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .set_json(json!({"username": username, "password": password})),
        )
        .await;
        reply.assert_problem(401, "invalid_credentials");
        let mut body = reply.json();
        body["request_id"] = Value::Null;
        answers.push(body);
    }
    assert_eq!(answers[0], answers[1]);
}

#[actix_rt::test]
async fn a_throttled_login_is_429_with_retry_after() {
    let mut m = Mocks::new();
    m.sessions
        .expect_failed_logins()
        .returning(|_, _| Ok((5, Some(now()))));
    m.users.expect_find_login().never();
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"username": "anna", "password": "x"})),
    )
    .await;
    reply.assert_problem(429, "rate_limited");
    assert_eq!(reply.header("retry-after"), Some("900"));
}

fn session_mocks(role: &str) -> Mocks {
    let mut m = Mocks::new();
    let role = role.to_owned();
    m.sessions.expect_find_session().returning(move |_| {
        Ok(Some(SessionRecord {
            user: user(&role, true),
            permissions: seeded_role(&role).unwrap().permissions,
            created_at: now(),
            last_seen_at: now(),
            expires_at: now() + chrono::Duration::hours(1),
        }))
    });
    m
}

const TOKEN: &str = "ecks_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The session cookie authenticates; a change made with it needs the session's CSRF token, and a
/// refusal of a change is written to the audit log.
#[actix_rt::test]
async fn cookie_changes_need_the_csrf_token() {
    let mut m = session_mocks("MANAGER");
    m.audit.checkpoint();
    m.audit
        .expect_record_audit()
        .withf(|e| {
            e.event == "refused_forbidden"
                && e.actor.as_deref() == Some("user:u000000000000000004")
                && e.subject.as_deref() == Some("POST /api/v1/items")
        })
        .times(2)
        .returning(|_| Ok(()));
    m.users
        .expect_get_user()
        .returning(|_| Ok(user("MANAGER", true)));
    m.items.expect_create_item().returning(|_, _| {
        Err(AppError::refused(
            eckwms_application::ProblemCode::SerialInUse,
            "reached the service",
        ))
    });
    let state = m.state();
    let cookie = ("cookie", format!("eckwms_session={TOKEN}"));
    // Reading needs no CSRF token.
    let reply = call(
        &state,
        TestRequest::get()
            .uri("/api/v1/auth/me")
            .insert_header(cookie.clone()),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["user"]["username"], "anna");
    assert_eq!(
        reply.json()["csrf_token"],
        eckwms_application::access::csrf_token(TOKEN)
    );
    let create = || {
        TestRequest::post()
            .uri("/api/v1/items")
            .insert_header(cookie.clone())
            .set_json(json!({}))
    };
    let reply = call(&state, create()).await;
    reply.assert_problem(403, "csrf_token_invalid");
    let reply = call(
        &state,
        create().insert_header(("x-csrf-token", "0".repeat(64))),
    )
    .await;
    reply.assert_problem(403, "csrf_token_invalid");
    let csrf = eckwms_application::access::csrf_token(TOKEN);
    let reply = call(&state, create().insert_header(("x-csrf-token", csrf))).await;
    reply.assert_problem(409, "serial_in_use");
    // The same token as a bearer needs no CSRF token (a cross-site page cannot send it).
    let reply = call(
        &state,
        TestRequest::post()
            .uri("/api/v1/items")
            .insert_header(bearer(TOKEN))
            .set_json(json!({})),
    )
    .await;
    reply.assert_problem(409, "serial_in_use");
}

#[actix_rt::test]
async fn a_session_acts_with_its_users_role_and_logs_out() {
    let mut m = session_mocks("PICKER");
    m.sessions
        .expect_end_session()
        .times(1)
        .returning(|_, audit| {
            assert_eq!(audit.event, "logout");
            Ok(true)
        });
    let state = m.state();
    let reply = call(&state, post_json("/api/v1/racks", TOKEN, json!({}))).await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(
        reply.json()["permission"],
        Permission::SettingsEdit.as_str()
    );
    let reply = call(&state, post_json("/api/v1/auth/logout", TOKEN, json!({}))).await;
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"));
    // An API key is not logged out.
    let reply = call(
        &state,
        post_json("/api/v1/auth/logout", WRITE_KEY, json!({})),
    )
    .await;
    reply.assert_problem(409, "not_a_session");
}
