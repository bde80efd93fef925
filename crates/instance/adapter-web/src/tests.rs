//! Handler tests of the pages against mocked ports: status codes, refusals, escaping, the
//! security headers, the language.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use eckwms_adapter_http::testing::{Mocks, fast_passwords, now, seeded_role};
use eckwms_adapter_http::{HttpState, build_app_with};
use eckwms_application::AppError;
use eckwms_application::ports::{
    ActorNames, LabelPrint, Location, LoginUser, PathStep, SessionRecord, StoredCounts, User,
};
use eckwms_domain::{
    BoxId, ChangeKind, Code, IdKind, Item, ItemId, LedgerEntry, Meta, Movable, Name, ObjectId,
    Parent, PlaceId, UserId,
};

use crate::layout::CONTENT_SECURITY_POLICY;

const TOKEN: &str = "ecks_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const LOGIN_TOKEN: &str = "0123456789abcdef0123456789abcdef";

struct Reply {
    status: StatusCode,
    headers: actix_web::http::header::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

async fn call(state: &HttpState, req: TestRequest) -> Reply {
    let app = test::init_service(build_app_with(state.clone(), crate::configure)).await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn user(role: &str) -> User {
    User {
        id: UserId::new(4).unwrap(),
        username: "anna".into(),
        display_name: "Anna K".into(),
        role: role.into(),
        active: true,
        has_pin: false,
        last_login_at: None,
        version: 3,
        created_at: now(),
        updated_at: now(),
    }
}

/// Mocks where [`TOKEN`] is a session of a user with the seeded role `role`.
fn session(role: &str) -> Mocks {
    let mut m = Mocks::new();
    let role = role.to_owned();
    m.sessions.expect_find_session().returning(move |_| {
        Ok(Some(SessionRecord {
            user: user(&role),
            permissions: seeded_role(&role).unwrap().permissions,
            created_at: now(),
            last_seen_at: now(),
            expires_at: now() + chrono::Duration::hours(1),
        }))
    });
    m.sessions.expect_touch_session().returning(|_, _| Ok(()));
    m
}

fn csrf() -> String {
    eckwms_application::access::csrf_token(TOKEN)
}

fn get(path: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .cookie(actix_web::cookie::Cookie::new("eckwms_session", TOKEN))
}

fn post(path: &str, form: &[(&str, &str)]) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .cookie(actix_web::cookie::Cookie::new("eckwms_session", TOKEN))
        .set_form(
            form.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )
}

fn item_id() -> ItemId {
    ItemId::new(42).unwrap()
}

fn place_id() -> PlaceId {
    PlaceId::new(7).unwrap()
}

fn box_id() -> BoxId {
    BoxId::new(9).unwrap()
}

fn item(name: &str) -> Item {
    Item {
        id: item_id(),
        serial: Some(Code::new("serial", "SN-1").unwrap()),
        class_code: None,
        name: Some(Name::new("name", name).unwrap()),
        condition: None,
        attributes: Default::default(),
        barcodes: Default::default(),
        parent: Some(Parent::Box(box_id())),
        meta: Meta {
            version: 5,
            created_at: now(),
            updated_at: now(),
        },
    }
}

/// An item `<script>…` in box b9 on place p7, moved there by `user:u…4`.
fn item_mocks(role: &str, name: &'static str) -> Mocks {
    let mut m = session(role);
    m.items.expect_get_item().returning(move |_| Ok(item(name)));
    m.moves.expect_location().returning(|_| {
        Ok(Location {
            object: Movable::Item(item_id()),
            path: vec![
                PathStep {
                    container: Parent::Box(box_id()),
                    name: Some("Parcel".into()),
                },
                PathStep {
                    container: Parent::Place(place_id()),
                    name: Some("Intake table".into()),
                },
            ],
            place: Some(place_id()),
            warehouse: None,
        })
    });
    m.ledger.expect_history().returning(|_, _| {
        Ok(vec![LedgerEntry {
            seq: 11,
            at: now(),
            object: item_id().object_id(),
            kind: ChangeKind::Moved,
            from: None,
            to: Some(box_id().object_id()),
            actor: "user:u000000000000000004".into(),
            reason: None,
            request_id: None,
            scan_id: None,
            data: serde_json::Value::Null,
        }])
    });
    m.overview.expect_actor_names().returning(|ids| {
        Ok(ActorNames {
            users: ids
                .users
                .iter()
                .map(|id| (*id, "Anna K".to_owned()))
                .collect(),
            ..ActorNames::default()
        })
    });
    m
}

fn assert_secure(reply: &Reply) {
    assert_eq!(
        reply.header("content-security-policy"),
        Some(CONTENT_SECURITY_POLICY)
    );
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
}

#[actix_rt::test]
async fn the_login_form_is_served_in_the_browsers_language_with_strict_headers() {
    let state = Mocks::new().state();
    let reply = call(
        &state,
        TestRequest::get()
            .uri("/login")
            .insert_header(("accept-language", "de-DE,de;q=0.9,en;q=0.5")),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_secure(&reply);
    assert!(reply.body.contains("<html lang=\"de\">"), "{}", reply.body);
    assert!(reply.body.contains("Anmelden"));
    assert!(reply.body.contains("name=\"username\""));
    assert!(reply.body.contains("name=\"password\""));
    assert!(!reply.body.contains("<script>"), "no inline script");
    let cookies = reply.cookies();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("eckwms_login=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
}

#[actix_rt::test]
async fn a_login_without_its_forms_token_creates_no_session() {
    let mut m = Mocks::new();
    m.users.expect_find_login().never();
    m.sessions.expect_create_session().never();
    let state = m.state();
    let reply = call(
        &state,
        TestRequest::post().uri("/login").set_form([
            ("username", "anna"),
            ("password", "correct horse"),
            ("_csrf", LOGIN_TOKEN),
        ]),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert!(
        !reply
            .cookies()
            .iter()
            .any(|c| c.starts_with("eckwms_session="))
    );
}

fn login_mocks() -> Mocks {
    let hash = fast_passwords()
        .hash("correct horse", &eckwms_application::OsSecrets)
        .unwrap();
    let mut m = Mocks::new();
    m.sessions
        .expect_failed_logins()
        .returning(|_, _| Ok((0, None)));
    m.users.expect_find_login().returning(move |key| {
        Ok((key == "anna").then(|| LoginUser {
            user: user("PICKER"),
            password_hash: hash.clone(),
            pin_hash: None,
            permissions: seeded_role("PICKER").unwrap().permissions,
        }))
    });
    m
}

fn login(username: &str, password: &str, next: &str) -> TestRequest {
    TestRequest::post()
        .uri("/login")
        .cookie(actix_web::cookie::Cookie::new("eckwms_login", LOGIN_TOKEN))
        .set_form([
            ("username", username),
            ("password", password),
            ("_csrf", LOGIN_TOKEN),
            ("next", next),
        ])
}

#[actix_rt::test]
async fn a_login_sets_the_session_cookie_and_goes_back_only_within_the_site() {
    let mut m = login_mocks();
    m.sessions
        .expect_create_session()
        .times(2)
        .returning(|_, _, _| Ok(()));
    let state = m.state();
    let reply = call(
        &state,
        login("anna", "correct horse", "/boxes/b000000000000000009"),
    )
    .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/boxes/b000000000000000009"));
    let cookies = reply.cookies();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("eckwms_session=ecks_"))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    // Another site is never where a login leads.
    let reply = call(&state, login("anna", "correct horse", "//evil.example/x")).await;
    assert_eq!(reply.header("location"), Some("/"));
}

#[actix_rt::test]
async fn a_wrong_password_shows_the_form_again_with_401() {
    let mut m = login_mocks();
    m.sessions
        .expect_record_failed_login()
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions.expect_create_session().never();
    let state = m.state();
    let reply = call(&state, login("anna", "wrong horse", "/")).await;
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("Wrong username or password."));
    assert!(reply.body.contains("value=\"anna\""));
}

#[actix_rt::test]
async fn a_page_without_a_session_leads_to_the_login_and_back() {
    let state = Mocks::new().state();
    let reply = call(
        &state,
        TestRequest::get().uri("/items/i000000000000000042?history=3"),
    )
    .await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        Some("/login?next=/items/i000000000000000042%3Fhistory%3D3")
    );
}

#[actix_rt::test]
async fn an_ended_session_says_so_on_the_login() {
    let mut m = Mocks::new();
    m.sessions.expect_find_session().returning(|_| Ok(None));
    let state = m.state();
    let reply = call(&state, get("/items/i000000000000000042")).await;
    assert_eq!(reply.status, 303);
    let location = reply.header("location").unwrap().to_owned();
    assert!(location.ends_with("&expired=1"), "{location}");
    let reply = call(&state, TestRequest::get().uri(&location)).await;
    assert!(reply.body.contains("Your session has ended."));
}

#[actix_rt::test]
async fn an_item_page_shows_fields_location_and_history_with_every_value_escaped() {
    let state = item_mocks("MANAGER", "<script>alert(1)</script>").state();
    let reply = call(&state, get("/items/i000000000000000042")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_secure(&reply);
    let body = &reply.body;
    assert!(!body.contains("<script>alert(1)"), "unescaped");
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The location from the outside in, each container linked by its id.
    let place = body.find("href=\"/places/p000000000000000007\"").unwrap();
    let boxed = body.find("href=\"/boxes/b000000000000000009\"").unwrap();
    assert!(place < boxed);
    assert!(body.contains("SN-1"));
    // Who did it, by name (the ledger's actor text as its title).
    assert!(
        body.contains("<span title=\"user:u000000000000000004\">Anna K</span>"),
        "{body}"
    );
    // A manager may move and edit; the forms carry the session's CSRF token.
    assert!(body.contains("action=\"/items/i000000000000000042/move\""));
    assert!(body.contains("action=\"/items/i000000000000000042/edit\""));
    assert!(body.contains(&format!("value=\"{}\"", csrf())));
    assert!(
        body.contains("name=\"q\""),
        "the search field is on every page"
    );
}

#[actix_rt::test]
async fn what_a_role_may_not_do_is_not_offered_and_refused_anyway() {
    let mut m = item_mocks("PICKER", "Phone");
    m.items.expect_update_item().never();
    let state = m.state();
    let reply = call(&state, get("/items/i000000000000000042")).await;
    assert_eq!(reply.status, 200);
    assert!(!reply.body.contains("/edit\""));
    assert!(!reply.body.contains("/move\""));
    let reply = call(
        &state,
        post(
            "/items/i000000000000000042/edit",
            &[("_csrf", &csrf()), ("version", "5"), ("name", "x")],
        ),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("inventory.adjust"), "{}", reply.body);
}

#[actix_rt::test]
async fn a_form_without_the_sessions_csrf_token_changes_nothing() {
    let mut m = item_mocks("MANAGER", "Phone");
    m.items.expect_update_item().never();
    m.unit.expect_run().never();
    let state = m.state();
    for (path, form) in [
        (
            "/items/i000000000000000042/edit",
            vec![("_csrf", "wrong"), ("version", "5"), ("name", "x")],
        ),
        (
            "/items/i000000000000000042/move",
            vec![("_csrf", ""), ("to", "p000000000000000007")],
        ),
        ("/logout", vec![]),
    ] {
        let reply = call(&state, post(path, &form)).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
    }
}

#[actix_rt::test]
async fn a_stale_edit_form_says_someone_else_changed_it() {
    let mut m = item_mocks("MANAGER", "Phone");
    m.items
        .expect_update_item()
        .withf(|_, expected, patch, _| {
            *expected == eckwms_application::ports::Expected::Version(4)
                && patch.name == Some(Some(Name::new("name", "Tablet").unwrap()))
        })
        .times(1)
        .returning(|_, _, _, _| Err(AppError::PreconditionFailed { current: 5 }));
    let state = m.state();
    let reply = call(
        &state,
        post(
            "/items/i000000000000000042/edit",
            &[("_csrf", &csrf()), ("version", "4"), ("name", "Tablet")],
        ),
    )
    .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("Someone else changed this meanwhile"));
    // The page shows the current state again, with its current version in the form.
    assert!(reply.body.contains("name=\"version\" value=\"5\""));
}

#[actix_rt::test]
async fn a_move_to_something_that_is_no_place_or_box_is_refused_before_any_write() {
    let mut m = item_mocks("MANAGER", "Phone");
    m.unit.expect_run().never();
    let state = m.state();
    let reply = call(
        &state,
        post(
            "/items/i000000000000000042/move",
            &[
                ("_csrf", &csrf()),
                ("to", "o000000000000000001"),
                ("from", "b000000000000000009"),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        reply.body.contains("names no place or box"),
        "{}",
        reply.body
    );
}

#[actix_rt::test]
async fn an_unknown_object_is_a_404_page() {
    let mut m = session("MANAGER");
    m.items
        .expect_get_item()
        .returning(|id| Err(AppError::not_found("item", id)));
    let state = m.state();
    let reply = call(&state, get("/items/i000000000000000042")).await;
    assert_eq!(reply.status, 404);
    assert!(reply.body.contains("Not found"));
    let reply = call(&state, get("/items/not-an-id")).await;
    assert_eq!(reply.status, 404);
}

#[actix_rt::test]
async fn the_language_switch_keeps_the_choice_and_stays_on_the_site() {
    let state = Mocks::new().state();
    let reply = call(
        &state,
        TestRequest::get().uri("/language?lang=ru&next=/items/i000000000000000042"),
    )
    .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/items/i000000000000000042"));
    assert!(
        reply
            .cookies()
            .iter()
            .any(|c| c.starts_with("eckwms_lang=ru"))
    );
    let reply = call(
        &state,
        TestRequest::get().uri("/language?lang=de&next=https://evil.example/"),
    )
    .await;
    assert_eq!(reply.header("location"), Some("/"));
    // The chosen language wins over the browser's.
    let reply = call(
        &state,
        TestRequest::get()
            .uri("/login")
            .cookie(actix_web::cookie::Cookie::new("eckwms_lang", "ru"))
            .insert_header(("accept-language", "de")),
    )
    .await;
    assert!(reply.body.contains("<html lang=\"ru\">"));
    assert!(reply.body.contains("Вход"));
}

#[actix_rt::test]
async fn assets_are_embedded_and_kept_by_browsers_under_their_fingerprint() {
    let state = Mocks::new().state();
    let url = crate::assets::url("app.css");
    let reply = call(&state, TestRequest::get().uri(&url)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert!(reply.header("cache-control").unwrap().contains("immutable"));
    assert!(reply.body.contains(":root"));
    let etag = reply.header("etag").unwrap().to_owned();
    let reply = call(
        &state,
        TestRequest::get()
            .uri(&url)
            .insert_header(("if-none-match", etag)),
    )
    .await;
    assert_eq!(reply.status, 304);
    let reply = call(&state, TestRequest::get().uri("/assets/nothing.js")).await;
    assert_eq!(reply.status, 404);
}

#[actix_rt::test]
async fn api_paths_keep_their_problem_answers() {
    let state = Mocks::new().state();
    let reply = call(&state, TestRequest::get().uri("/nothing-here")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
}

#[test]
fn object_pages_are_addressed_by_the_kind_of_their_id() {
    let id: ObjectId = "p000000000000000007".parse().unwrap();
    assert_eq!(
        crate::pages::objects::href(id).as_deref(),
        Some("/places/p000000000000000007")
    );
    let user: ObjectId = "u000000000000000004".parse().unwrap();
    assert_eq!(crate::pages::objects::href(user), None);
}

// ---------------------------------------------------------------- labels

#[actix_rt::test]
async fn a_sheet_of_fresh_box_labels_is_a_pdf_of_the_print_recorded_for_the_user() {
    let mut m = session("MANAGER");
    m.labels
        .expect_allocate_and_record()
        .times(1)
        .withf(|kind, n, format, actor, _| {
            *kind == IdKind::Box
                && *n == 3
                && format == "pdf"
                && actor == "user:u000000000000000004"
        })
        .returning(|kind, n, format, actor, at| {
            Ok(LabelPrint {
                id: 31,
                at,
                actor: actor.to_owned(),
                kind,
                reprint: false,
                format: format.to_owned(),
                objects: (1..=n as u64)
                    .map(|i| ObjectId::new(kind, 100 + i).unwrap())
                    .collect(),
            })
        });
    m.labels.expect_label_subjects().returning(|_| Ok(vec![]));
    let state = m.state();
    let reply = call(
        &state,
        post(
            "/labels",
            &[
                ("_csrf", &csrf()),
                ("kind", "box"),
                ("count", "3"),
                ("ids", ""),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    assert!(reply.body.starts_with("%PDF"));
    assert!(
        reply
            .header("content-disposition")
            .unwrap()
            .contains("labels-box-31.pdf")
    );
}

#[actix_rt::test]
async fn label_forms_are_checked_before_anything_is_allocated() {
    let mut m = session("MANAGER");
    m.labels.expect_allocate_and_record().never();
    m.labels.expect_record_reprint().never();
    let state = m.state();
    for (form, says) in [
        (vec![("kind", "box"), ("count", "0")], "Between 1 and 320"),
        (
            vec![
                ("kind", "box"),
                ("count", "2"),
                ("ids", "b000000000000000001"),
            ],
            "not both",
        ),
        (
            vec![("kind", "place"), ("ids", "p000000000000000001\nnonsense")],
            "Line 2",
        ),
        (vec![("kind", "pallet"), ("count", "2")], "Choose a kind"),
    ] {
        let mut form = form;
        let token = csrf();
        form.push(("_csrf", &token));
        let reply = call(&state, post("/labels", &form)).await;
        assert_eq!(reply.status, 422, "{form:?}: {}", reply.body);
        assert!(reply.body.contains(says), "{form:?}: {}", reply.body);
    }
    let reply = call(&state, post("/labels", &[("kind", "box"), ("count", "2")])).await;
    assert_eq!(reply.status, 403);
}

#[actix_rt::test]
async fn labels_are_offered_to_those_who_may_print_them() {
    let state = item_mocks("MANAGER", "Phone").state();
    let reply = call(&state, get("/items/i000000000000000042")).await;
    assert!(reply.body.contains("id=\"reprint\""));
    assert!(reply.body.contains("href=\"/labels\""));
    let state = item_mocks("PICKER", "Phone").state();
    let reply = call(&state, get("/items/i000000000000000042")).await;
    assert!(!reply.body.contains("id=\"reprint\""));
    assert!(!reply.body.contains("href=\"/labels\""));
    let reply = call(&state, get("/labels")).await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("labels.print"));
}

// ---------------------------------------------------------------- dashboard and search

#[actix_rt::test]
async fn the_dashboard_counts_lists_the_latest_activity_by_name_and_charts_the_day() {
    let mut m = session("PICKER");
    m.overview.expect_counts().returning(|| {
        Ok(StoredCounts {
            items: 12_345,
            boxes: 20,
            places: 3,
            orders: vec![(eckwms_domain::OrderStatus::Received, 4)],
        })
    });
    m.overview.expect_latest_ledger().returning(|limit| {
        assert_eq!(limit, 20);
        Ok(vec![LedgerEntry {
            seq: 11,
            at: now(),
            object: item_id().object_id(),
            kind: ChangeKind::Moved,
            from: None,
            to: Some(box_id().object_id()),
            actor: "user:u000000000000000004".into(),
            reason: None,
            request_id: None,
            scan_id: None,
            data: serde_json::Value::Null,
        }])
    });
    m.overview
        .expect_scans_per_hour()
        .returning(|_, hours| Ok((0..i64::from(hours)).map(|h| h % 5).collect()));
    m.overview.expect_actor_names().returning(|ids| {
        Ok(ActorNames {
            users: ids
                .users
                .iter()
                .map(|id| (*id, "Anna <K>".to_owned()))
                .collect(),
            ..ActorNames::default()
        })
    });
    let state = m.state();
    let reply = call(&state, get("/").insert_header(("accept-language", "de"))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_secure(&reply);
    let body = &reply.body;
    assert!(body.contains("12.345"), "German digit grouping: {body}");
    assert!(body.contains("Anna &lt;K&gt;"));
    assert!(body.contains("href=\"/items/i000000000000000042\""));
    assert_eq!(body.matches("<rect class=\"bar\"").count(), 24);
    // 4 received orders are open; created, processed and shipped are listed with 0.
    assert!(body.contains("Offene Aufträge"));
    assert!(body.len() < 100 * 1024, "a page stays under 100 KB");
}

#[actix_rt::test]
async fn a_search_opens_the_one_object_lists_several_and_says_why_not_none() {
    let mut m = session("PICKER");
    m.unit.expect_run().never();
    m.lookup.expect_exists().returning(|_| Ok(true));
    m.lookup.expect_find_by_code().returning(|code| {
        Ok(if code == "4006381333931" {
            vec![box_id().object_id(), item_id().object_id()]
        } else {
            vec![]
        })
    });
    m.lookup
        .expect_items_with_serial()
        .returning(|_| Ok(vec![]));
    m.lookup
        .expect_orders_with_tracking()
        .returning(|_| Ok(vec![]));
    let state = m.state();
    // A typed id of an existing box opens its page.
    let reply = call(&state, get("/search?q=b000000000000000009")).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/boxes/b000000000000000009"));
    // A barcode on two objects lists both.
    let reply = call(&state, get("/search?q=4006381333931")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("href=\"/boxes/b000000000000000009\""));
    assert!(reply.body.contains("href=\"/items/i000000000000000042\""));
    // Nothing: said, and why.
    let reply = call(&state, get("/search?q=no-such-thing-%3Cb%3E")).await;
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert!(
        reply.body.contains("No object carries this code."),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("no-such-thing-&lt;b&gt;"));
    let reply = call(&state, get("/search?q=")).await;
    assert_eq!(reply.status, 400);
}
