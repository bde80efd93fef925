//! Permissions end to end: every route against every seeded role (the declared table decides),
//! logins, sessions and the cookie's CSRF token.

use actix_web::test::{self, TestRequest};
use eckwms_application::AppError;
use eckwms_application::ports::{LoginUser, User};
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
                // Only a scanner's signature opens them: an API key is no credential there.
                r if r.needs_device() => {
                    assert_eq!(status, 401, "{method} {path} as {}: {body}", role.name);
                    assert_eq!(body["code"], "invalid_device_signature", "{method} {path}");
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
        active,
        ..test_user(role)
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
    Mocks::new().with_session_of(role)
}

const TOKEN: &str = SESSION_TOKEN;

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

/// The application makes the same decision as the table, for every adapter: each route's use
/// case, asked by an actor holding every permission but the one the table declares, refuses
/// with 403 naming that permission before it touches anything (the mocks expect no call). The
/// web UI and any other adapter calling the use cases get the table's answer.
#[test]
fn every_use_case_requires_what_its_route_declares() {
    use eckwms_application::Selection;
    use eckwms_application::ports::{
        AuditFilter, BoxFilter, Expected, ItemFilter, MoveCommand, OrderFilter, PageQuery,
        PlaceFilter, ScanFilter,
    };
    use eckwms_application::{RequestMeta, ScanCaller, ScanRequest};
    use eckwms_domain::access::Permissions;
    use eckwms_domain::{
        ActionKind, BoxId, IdKind, ItemId, Movable, Name, NewPlace, NewRack, NewWarehouse, Note,
        ObjectId, OrderId, Parent, PlaceId, RackId, RackLayout, WarehouseId,
    };

    let state = Mocks::new().state();
    let services = state.calls.without_io(|s| s.clone());
    let s = &services;
    fn page<C>() -> PageQuery<C> {
        PageQuery {
            after: None,
            limit: 10,
        }
    }
    let name = || Name::new("name", "x").unwrap();
    let item = ItemId::new(1).unwrap();
    let boxed = BoxId::new(2).unwrap();
    let place = PlaceId::new(3).unwrap();
    let order = OrderId::new(4).unwrap();
    let rma = OrderId::new(eckwms_domain::repair::RMA_ORDER_BASE + 1_765_101_600).unwrap();
    let user = UserId::new(5).unwrap();
    let device = eckwms_domain::devices::DeviceId::parse("PDA-7").unwrap();
    let webhook = eckwms_domain::WebhookId::parse("wh_0123456789abcdef").unwrap();
    let any = Expected::Any;
    type Call<'a> = Box<dyn Fn(&RequestMeta) -> Result<(), AppError> + 'a>;
    let calls: Vec<(&str, &str, Call)> = vec![
        (
            "GET",
            "/api/v1/permissions",
            Box::new(|m| s.roles.permissions(&m.actor).map(drop)),
        ),
        (
            "GET",
            "/api/v1/roles",
            Box::new(|m| s.roles.list(&m.actor).map(drop)),
        ),
        (
            "POST",
            "/api/v1/roles",
            Box::new(|m| {
                let input = eckwms_application::access::NewRoleInput {
                    name: "NIGHT".into(),
                    description: String::new(),
                    permissions: vec![],
                };
                s.roles.create(&input, m).map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/roles/{name}",
            Box::new(|m| s.roles.get(&m.actor, "PICKER").map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/roles/{name}",
            Box::new(|m| {
                s.roles
                    .update("PICKER", any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/roles/{name}",
            Box::new(|m| s.roles.delete("NIGHT", any, m)),
        ),
        (
            "GET",
            "/api/v1/users",
            Box::new(|m| s.users.list(&m.actor, &page()).map(drop)),
        ),
        (
            "POST",
            "/api/v1/users",
            Box::new(|m| {
                let input = eckwms_application::access::NewUserInput {
                    username: "anna".into(),
                    display_name: "Anna".into(),
                    role: "PICKER".into(),
                };
                s.users.create(&input, Default::default(), m).map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/users/{id}",
            Box::new(|m| s.users.get(&m.actor, user).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/users/{id}",
            Box::new(|m| s.users.update(user, any, &Default::default(), m).map(drop)),
        ),
        (
            "POST",
            "/api/v1/users/{id}/secrets",
            Box::new(|m| {
                s.users
                    .set_secrets(user, any, Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/apikeys",
            Box::new(|m| s.api_keys.list(&m.actor).map(drop)),
        ),
        (
            "POST",
            "/api/v1/apikeys",
            Box::new(|m| s.api_keys.create("k", "read", None, m).map(drop)),
        ),
        (
            "DELETE",
            "/api/v1/apikeys/{id}",
            Box::new(|m| s.api_keys.revoke(1, m).map(drop)),
        ),
        (
            "GET",
            "/api/v1/audit",
            Box::new(|m| {
                s.audit
                    .list(&m.actor, &AuditFilter::default(), &page())
                    .map(drop)
            }),
        ),
        (
            "POST",
            "/api/v1/warehouses",
            Box::new(|m| {
                s.catalog
                    .create_warehouse(&NewWarehouse::new(name(), 0).unwrap(), m)
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/warehouses",
            Box::new(|m| s.catalog.list_warehouses(&m.actor, &page()).map(drop)),
        ),
        (
            "GET",
            "/api/v1/warehouses/{id}",
            Box::new(|m| s.catalog.get_warehouse(&m.actor, WarehouseId(1)).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/warehouses/{id}",
            Box::new(|m| {
                s.catalog
                    .update_warehouse(WarehouseId(1), any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/warehouses/{id}",
            Box::new(|m| s.catalog.delete_warehouse(WarehouseId(1), any, m)),
        ),
        (
            "POST",
            "/api/v1/racks",
            Box::new(|m| {
                let rack = NewRack {
                    warehouse_id: WarehouseId(1),
                    name: name(),
                    prefix: None,
                    layout: RackLayout::new(1, 1, 0).unwrap(),
                    sort_order: 0,
                    pos_x: 0,
                    pos_y: 0,
                    rotation: 0,
                };
                s.catalog.create_rack(&rack, m).map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/racks",
            Box::new(|m| s.catalog.list_racks(&m.actor, None, &page()).map(drop)),
        ),
        (
            "GET",
            "/api/v1/racks/{id}",
            Box::new(|m| s.catalog.get_rack(&m.actor, RackId(1)).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/racks/{id}",
            Box::new(|m| {
                s.catalog
                    .update_rack(RackId(1), any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/racks/{id}",
            Box::new(|m| s.catalog.delete_rack(RackId(1), any, m)),
        ),
        (
            "POST",
            "/api/v1/places",
            Box::new(|m| {
                let new = NewPlace {
                    warehouse_id: WarehouseId(1),
                    name: name(),
                };
                s.catalog.create_place(&new, m).map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/places",
            Box::new(|m| {
                s.catalog
                    .list_places(&m.actor, &PlaceFilter::default(), &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/places/{id}",
            Box::new(|m| s.catalog.get_place(&m.actor, place).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/places/{id}",
            Box::new(|m| {
                s.catalog
                    .update_place(place, any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/places/{id}",
            Box::new(|m| s.catalog.delete_place(place, any, m)),
        ),
        (
            "GET",
            "/api/v1/places/{id}/contents",
            Box::new(|m| {
                s.movement
                    .contents(&m.actor, Parent::Place(place), false, &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/places/{id}/history",
            Box::new(|m| {
                s.movement
                    .history(&m.actor, ObjectId::from(place), &page())
                    .map(drop)
            }),
        ),
        (
            "POST",
            "/api/v1/boxes",
            Box::new(|m| s.catalog.create_box(&Default::default(), m).map(drop)),
        ),
        (
            "GET",
            "/api/v1/boxes",
            Box::new(|m| {
                s.catalog
                    .list_boxes(&m.actor, &BoxFilter::default(), &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/boxes/{id}",
            Box::new(|m| s.catalog.get_box(&m.actor, boxed).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/boxes/{id}",
            Box::new(|m| {
                s.catalog
                    .update_box(boxed, any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/boxes/{id}",
            Box::new(|m| s.catalog.delete_box(boxed, any, m)),
        ),
        (
            "GET",
            "/api/v1/boxes/{id}/contents",
            Box::new(|m| {
                s.movement
                    .contents(&m.actor, Parent::Box(boxed), false, &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/boxes/{id}/location",
            Box::new(|m| s.movement.location(&m.actor, Movable::Box(boxed)).map(drop)),
        ),
        (
            "GET",
            "/api/v1/boxes/{id}/history",
            Box::new(|m| {
                s.movement
                    .history(&m.actor, ObjectId::from(boxed), &page())
                    .map(drop)
            }),
        ),
        (
            "POST",
            "/api/v1/items",
            Box::new(|m| s.catalog.create_item(&Default::default(), m).map(drop)),
        ),
        (
            "GET",
            "/api/v1/items",
            Box::new(|m| {
                s.catalog
                    .list_items(&m.actor, &ItemFilter::default(), &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/items/{id}",
            Box::new(|m| s.catalog.get_item(&m.actor, item).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/items/{id}",
            Box::new(|m| {
                s.catalog
                    .update_item(item, any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/items/{id}",
            Box::new(|m| s.catalog.delete_item(item, any, m)),
        ),
        (
            "GET",
            "/api/v1/items/{id}/location",
            Box::new(|m| s.movement.location(&m.actor, Movable::Item(item)).map(drop)),
        ),
        (
            "GET",
            "/api/v1/items/{id}/history",
            Box::new(|m| {
                s.movement
                    .history(&m.actor, ObjectId::from(item), &page())
                    .map(drop)
            }),
        ),
        (
            "POST",
            "/api/v1/items/{id}/actions",
            Box::new(|m| {
                let note = Note::new("message", "checked").unwrap();
                s.catalog
                    .add_item_action(item, ActionKind::Note, note, None, m)
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/items/{id}/actions",
            Box::new(|m| {
                s.catalog
                    .list_item_actions(&m.actor, item, &page())
                    .map(drop)
            }),
        ),
        (
            "POST",
            "/api/v1/moves",
            Box::new(|m| {
                let command = MoveCommand {
                    objects: vec![Movable::Item(item)],
                    to: Parent::Place(place),
                    expected_from: None,
                };
                s.movement.move_objects(&command, None, m).map(drop)
            }),
        ),
        (
            "POST",
            "/api/v1/orders",
            Box::new(|m| s.orders.create_order(&Default::default(), m).map(drop)),
        ),
        (
            "POST",
            "/api/v1/rmas",
            Box::new(|m| s.repair.create_rma(&Default::default(), m).map(drop)),
        ),
        (
            "PUT",
            "/api/v1/orders/{id}/declared",
            Box::new(|m| {
                s.repair
                    .set_declared(order, Expected::Any, &Default::default(), None, m)
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/orders/{id}/slip.pdf",
            Box::new(|m| s.repair.slip(&m.actor, rma).map(drop)),
        ),
        (
            "GET",
            "/api/v1/orders/{id}/reconciliation",
            Box::new(|m| s.repair.reconcile(&m.actor, rma).map(drop)),
        ),
        (
            "GET",
            "/api/v1/reports/service.csv",
            Box::new(|m| {
                s.repair
                    .service_report(
                        &m.actor,
                        &Default::default(),
                        eckwms_application::repair::ReportCursor::start(),
                    )
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/orders",
            Box::new(|m| {
                s.orders
                    .list_orders(&m.actor, &OrderFilter::default(), &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/orders/{id}",
            Box::new(|m| s.orders.get_order(&m.actor, order).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/orders/{id}",
            Box::new(|m| {
                s.orders
                    .update_order(order, any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/orders/{id}",
            Box::new(|m| s.orders.delete_order(order, any, m)),
        ),
        (
            "GET",
            "/api/v1/orders/{id}/history",
            Box::new(|m| {
                s.movement
                    .history(&m.actor, ObjectId::from(order), &page())
                    .map(drop)
            }),
        ),
        (
            "POST",
            "/api/v1/orders/{id}/boxes",
            Box::new(|m| s.orders.link_box(order, boxed, m).map(drop)),
        ),
        (
            "DELETE",
            "/api/v1/orders/{id}/boxes/{box_id}",
            Box::new(|m| s.orders.unlink_box(order, boxed, m).map(drop)),
        ),
        (
            "POST",
            "/api/v1/scans",
            Box::new(|m| {
                let request = ScanRequest {
                    barcode: "x".into(),
                    msg_id: "m".into(),
                    device_id: None,
                };
                let caller = ScanCaller {
                    actor: m.actor.clone(),
                    request_id: None,
                    lang: Default::default(),
                };
                s.scans.scan(&request, &caller).map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/events",
            Box::new(|m| {
                let request = eckwms_application::EventsRequest::new(
                    None,
                    None,
                    None,
                    eckwms_domain::EventFilter::all(),
                )
                .unwrap();
                s.events.events(&m.actor, &request).map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/overview",
            Box::new(|m| {
                s.overview
                    .overview(&m.actor, &eckwms_application::OverviewQuery::default())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/scans",
            Box::new(|m| {
                s.scans
                    .list_scans(&m.actor, &ScanFilter::default(), &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/scans/{id}",
            Box::new(|m| s.scans.get_scan(&m.actor, 1).map(drop)),
        ),
        (
            "GET",
            "/api/v1/scans/session",
            Box::new(|m| s.scans.session(&m.actor, "o").map(drop)),
        ),
        (
            "DELETE",
            "/api/v1/scans/session",
            Box::new(|m| s.scans.clear_session(&m.actor, "o").map(drop)),
        ),
        (
            "GET",
            "/api/v1/lookup",
            Box::new(|m| s.lookup.lookup(&m.actor, "i000000000000000001").map(drop)),
        ),
        (
            "POST",
            "/api/v1/labels",
            Box::new(|m| {
                s.labels
                    .print(
                        IdKind::Box,
                        &Selection::Fresh(1),
                        eckwms_application::SheetFormat::Json,
                        &m.actor,
                    )
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/pairing-qr",
            Box::new(|m| s.labels.pairing_qr(&m.actor, true).map(drop)),
        ),
        (
            "GET",
            "/api/v1/devices",
            Box::new(|m| {
                s.devices
                    .list(&m.actor, &Default::default(), &page())
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/devices/{id}",
            Box::new(|m| s.devices.get(&m.actor, &device).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/devices/{id}",
            Box::new(|m| {
                s.devices
                    .update(&device, any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/devices/{id}",
            Box::new(|m| s.devices.delete(&device, any, m)),
        ),
        (
            "GET",
            "/api/v1/webhooks",
            Box::new(|m| s.webhooks.list(m).map(drop)),
        ),
        (
            "POST",
            "/api/v1/webhooks",
            Box::new(|m| {
                s.webhooks
                    .create(
                        &eckwms_application::webhooks::NewWebhookInput {
                            url: "https://hooks.example/in".into(),
                            filter: eckwms_domain::EventFilter::all(),
                            batch_size: None,
                        },
                        m,
                    )
                    .map(drop)
            }),
        ),
        (
            "GET",
            "/api/v1/webhooks/{id}",
            Box::new(|m| s.webhooks.get(&webhook, m).map(drop)),
        ),
        (
            "PATCH",
            "/api/v1/webhooks/{id}",
            Box::new(|m| {
                s.webhooks
                    .update(&webhook, any, &Default::default(), m)
                    .map(drop)
            }),
        ),
        (
            "DELETE",
            "/api/v1/webhooks/{id}",
            Box::new(|m| s.webhooks.delete(&webhook, any, m)),
        ),
        (
            "POST",
            "/api/v1/webhooks/{id}/replay",
            Box::new(|m| s.webhooks.replay(&webhook, 1, m).map(drop)),
        ),
        (
            "GET",
            "/api/v1/relay/status",
            Box::new(|m| s.relay.status(&m.actor).map(drop)),
        ),
    ];
    // Every route that requires a permission has its use case here (the legacy scan route
    // calls the same use case as POST /api/v1/scans).
    for (method, path, requirement) in ROUTES {
        if matches!(requirement, Requirement::Permission(_)) && *path != "/ECK/API/SCAN" {
            assert!(
                calls.iter().any(|(m, p, _)| m == method && p == path),
                "{method} {path} has no use case in this test"
            );
        }
    }
    for (method, path, call) in &calls {
        let Some(Requirement::Permission(needed)) = ROUTES
            .iter()
            .find(|(m, p, _)| m == method && p == path)
            .map(|(_, _, r)| *r)
        else {
            panic!("{method} {path} is not in the table as needing a permission");
        };
        let meta = RequestMeta {
            actor: eckwms_application::Actor::api_key(
                9,
                "all but one",
                "custom",
                Permissions::all().without(needed),
            ),
            ..RequestMeta::console()
        };
        match call(&meta) {
            Err(AppError::Forbidden { permission, .. }) => {
                assert_eq!(permission, needed.as_str(), "{method} {path}")
            }
            other => panic!("{method} {path}: {other:?}"),
        }
    }
}

/// A user sets their own language; a bad code changes nothing; a key has no settings.
#[actix_rt::test]
async fn a_user_sets_their_own_language_and_nothing_else_may() {
    let mut m = session_mocks("PICKER");
    m.users
        .expect_update_user()
        .times(2)
        .withf(|id, expected, patch, _, entry, _| {
            *id == UserId::new(4).unwrap()
                && *expected == eckwms_application::ports::Expected::Any
                && patch.display_name.is_none()
                && patch.role.is_none()
                && patch.active.is_none()
                && entry.event == "user_changed"
                && entry.actor.as_deref() == Some("user:u000000000000000004")
        })
        .returning(|_, _, patch, _, _, _| {
            Ok(User {
                language: patch.language.flatten(),
                ..user("PICKER", true)
            })
        });
    m.users
        .expect_get_user()
        .times(1)
        .returning(|_| Ok(user("PICKER", true)));
    let state = m.state();

    let reply = call(
        &state,
        patch_json("/api/v1/auth/me", TOKEN, json!({"language": "de"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["language"], "de");
    assert_eq!(reply.json()["username"], "anna");
    let reply = call(
        &state,
        patch_json("/api/v1/auth/me", TOKEN, json!({"language": null})),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json()["language"], Value::Null);
    // Absent: the user as they are, nothing written.
    let reply = call(&state, patch_json("/api/v1/auth/me", TOKEN, json!({}))).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    for bad in [
        json!({"language": "fr"}),
        json!({"language": "de-AT"}),
        json!({"language": 7}),
    ] {
        let reply = call(&state, patch_json("/api/v1/auth/me", TOKEN, bad.clone())).await;
        assert!(
            matches!(reply.status.as_u16(), 400 | 422),
            "{bad}: {} {:?}",
            reply.status,
            reply.body
        );
    }
    let reply = call(
        &state,
        patch_json("/api/v1/auth/me", WRITE_KEY, json!({"language": "de"})),
    )
    .await;
    reply.assert_problem(409, "not_a_session");
}
