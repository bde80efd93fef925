//! Handler tests of the pages against mocked ports: status codes, refusals, escaping, the
//! security headers, the language.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use eckwms_adapter_http::testing::{
    Mocks, SESSION_TOKEN, fast_passwords, now, seeded_role, test_user,
};
use eckwms_adapter_http::{HttpState, build_app_with};
use eckwms_application::AppError;
use eckwms_application::ports::{
    ActorNames, LabelPrint, Location, LoginUser, PathStep, StoredCounts, User,
};
use eckwms_domain::{
    BoxId, ChangeKind, Code, IdKind, Item, ItemId, LedgerEntry, Meta, Movable, Name, ObjectId,
    Parent, PlaceId, UserId,
};

use crate::layout::CONTENT_SECURITY_POLICY;

const TOKEN: &str = SESSION_TOKEN;
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

/// Mocks where [`TOKEN`] is a session of a user with the seeded role `role`.
fn session(role: &str) -> Mocks {
    let mut m = Mocks::new().with_session_of(role);
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
    m.items
        .expect_list_item_actions()
        .returning(|_, _| Ok(vec![]));
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
            user: test_user("PICKER"),
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
async fn a_form_sent_after_the_session_ended_leads_to_the_login_and_then_home() {
    let mut m = Mocks::new();
    m.sessions.expect_find_session().returning(|_| Ok(None));
    m.items.expect_update_item().never();
    let state = m.state();
    let reply = call(
        &state,
        post(
            "/items/i000000000000000042/edit",
            &[("_csrf", &csrf()), ("version", "5"), ("name", "x")],
        ),
    )
    .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/login?next=/&expired=1"));
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

// ---- scanners, users, roles, API keys, audit log -----------------------------------------

mod admin {
    use std::sync::{Arc, Mutex};

    use eckwms_application::ports::{ApiKey, AuditEntry, AuditRecord, Expected};
    use eckwms_domain::devices::{Device, DeviceId, DevicePublicKey, DeviceStatus};

    use super::*;

    const DEVICE_KEY: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    fn device(id: &str, status: DeviceStatus, role: Option<&str>) -> Device {
        Device {
            id: DeviceId::parse(id).unwrap(),
            name: Name::new("name", "PDA seven").unwrap(),
            public_key: DevicePublicKey::parse(DEVICE_KEY).unwrap(),
            status,
            role: role.map(str::to_owned),
            version: 2,
            registered_at: now(),
            updated_at: now(),
            last_seen_at: None,
        }
    }

    fn api_key(revoked: bool) -> ApiKey {
        ApiKey {
            id: 3,
            key_id: "0707070707070707".into(),
            name: "Shop export".into(),
            role: "read".into(),
            permissions: seeded_role("read").unwrap().permissions,
            created_at: now(),
            expires_at: None,
            revoked_at: revoked.then(now),
            last_used_at: None,
        }
    }

    /// A session of `role` where every admin page has something to list: a pending scanner
    /// PDA-7 and an approved PDA-8, the user anna, an API key, an audit entry.
    fn admin_mocks(role: &str) -> Mocks {
        let mut m = session(role);
        m.devices.checkpoint();
        m.devices.expect_find_device().returning(|id| {
            Ok((id.as_str() == "PDA-7").then(|| device("PDA-7", DeviceStatus::Pending, None)))
        });
        m.devices.expect_list_devices().returning(|filter, _| {
            Ok(match filter.status {
                Some(DeviceStatus::Pending) => vec![device("PDA-7", DeviceStatus::Pending, None)],
                _ => vec![
                    device("PDA-7", DeviceStatus::Pending, None),
                    device("PDA-8", DeviceStatus::Active, Some("PICKER")),
                ],
            })
        });
        m.users
            .expect_list_users()
            .returning(|_| Ok(vec![test_user("PICKER")]));
        m.users
            .expect_get_user()
            .returning(|_| Ok(test_user("PICKER")));
        m.api_keys
            .expect_list_api_keys()
            .returning(|| Ok(vec![api_key(false)]));
        m.audit.expect_list_audit().returning(|_, _| {
            Ok(vec![AuditRecord {
                seq: 17,
                entry: AuditEntry {
                    at: now(),
                    event: "user_created".into(),
                    actor: Some("user:u000000000000000004".into()),
                    address: Some("192.0.2.7".into()),
                    request_id: None,
                    subject: Some("user:u000000000000000005".into()),
                    detail: Some("{\"role\":\"<b>PICKER</b>\"}".into()),
                },
            }])
        });
        m
    }

    #[actix_rt::test]
    async fn each_admin_page_is_shown_to_whoever_holds_its_permission() {
        let state = admin_mocks("SUPER_ADMIN").state();
        for (path, expect) in [
            ("/scanners", "PDA-8"),
            ("/users", "Anna K"),
            ("/users/u000000000000000004", "name=\"version\" value=\"3\""),
            ("/roles", "TECHNICIAN"),
            ("/roles/PICKER", "value=\"workflow.picking\" checked"),
            ("/apikeys", "0707070707070707"),
            ("/audit", "user_created"),
        ] {
            let reply = call(&state, get(path)).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
            assert_secure(&reply);
            assert!(reply.body.contains(expect), "{path}: {}", reply.body);
            for nav in ["/scanners", "/users", "/roles", "/apikeys", "/audit"] {
                assert!(
                    reply.body.contains(&format!("href=\"{nav}\"")),
                    "{path}: no {nav} in the navigation"
                );
            }
        }
        // What the audit log holds is escaped like every value.
        let reply = call(&state, get("/audit")).await;
        assert!(!reply.body.contains("<b>PICKER"));
        assert!(reply.body.contains("&lt;b&gt;PICKER"));
    }

    #[actix_rt::test]
    async fn the_scanners_page_lists_the_pending_first_with_their_decision_and_the_pairing_qr() {
        let state = admin_mocks("MANAGER").state();
        let reply = call(&state, get("/scanners")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = &reply.body;
        let pending = body.find("id=\"pending\"").unwrap();
        let approve = body.find("action=\"/scanners/PDA-7\"").unwrap();
        let others = body.find("id=\"scanners\"").unwrap();
        assert!(pending < approve && approve < others, "{body}");
        assert!(body.contains("name=\"status\" value=\"active\""));
        assert!(body.contains("name=\"status\" value=\"blocked\""));
        assert!(body.contains("<option value=\"PICKER\""));
        // PDA-7 is listed once, among the pending.
        assert_eq!(body.matches("<code>PDA-7</code>").count(), 1, "{body}");
        assert!(body.contains("src=\"/api/v1/pairing-qr?format=svg\""));
        // A manager holds no core.admin: no roles, no audit log in the navigation.
        assert!(body.contains("href=\"/users\""));
        assert!(!body.contains("href=\"/roles\""));
        assert!(!body.contains("href=\"/audit\""));
    }

    #[actix_rt::test]
    async fn a_role_without_the_permission_gets_a_403_page_and_no_navigation_to_it() {
        let state = admin_mocks("PICKER").state();
        for (path, permission) in [
            ("/scanners", "devices.manage"),
            ("/users", "users.manage"),
            ("/users/u000000000000000004", "users.manage"),
            ("/apikeys", "apikeys.manage"),
            ("/audit", "core.admin"),
        ] {
            let reply = call(&state, get(path)).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.body);
            assert_eq!(
                reply.header("content-type"),
                Some("text/html; charset=utf-8"),
                "{path}"
            );
            assert!(reply.body.contains("Not allowed"), "{path}: {}", reply.body);
            assert!(reply.body.contains(permission), "{path}: {}", reply.body);
        }
        // A picker may read the roles (settings.view), but is offered no form and may not
        // change one.
        let reply = call(&state, get("/roles")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(!reply.body.contains("action=\"/roles\""));
        for nav in ["/scanners", "/users", "/roles", "/apikeys", "/audit"] {
            assert!(!reply.body.contains(&format!("href=\"{nav}\"")), "{nav}");
        }
    }

    #[actix_rt::test]
    async fn forms_sent_by_a_role_without_the_permission_change_nothing() {
        let mut m = admin_mocks("PICKER");
        m.devices.expect_update_device().never();
        m.users.expect_create_user().never();
        m.users.expect_update_user().never();
        m.roles.expect_create_role().never();
        m.api_keys.expect_insert_api_key().never();
        m.api_keys.expect_revoke_api_key().never();
        let state = m.state();
        let token = csrf();
        for (path, form) in [
            (
                "/scanners/PDA-7",
                vec![("version", "2"), ("status", "active"), ("role", "")],
            ),
            (
                "/users",
                vec![
                    ("username", "bert"),
                    ("display_name", "Bert"),
                    ("role", "PICKER"),
                    ("password", "long enough password"),
                ],
            ),
            (
                "/users/u000000000000000004/edit",
                vec![("version", "3"), ("display_name", "A"), ("role", "PICKER")],
            ),
            (
                "/roles",
                vec![("name", "CLERK"), ("permission", "inventory.view")],
            ),
            ("/apikeys", vec![("name", "k"), ("role", "read")]),
            ("/apikeys/3/revoke", vec![]),
        ] {
            let mut form = form;
            form.push(("_csrf", &token));
            let reply = call(&state, post(path, &form)).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.body);
            assert!(reply.body.contains("Not allowed"), "{path}");
        }
    }

    #[actix_rt::test]
    async fn admin_forms_without_the_sessions_csrf_token_change_nothing() {
        let mut m = admin_mocks("SUPER_ADMIN");
        m.devices.expect_update_device().never();
        m.users.expect_create_user().never();
        m.users.expect_update_user().never();
        m.users.expect_set_credentials().never();
        m.roles.expect_create_role().never();
        m.roles.expect_update_role().never();
        m.roles.expect_delete_role().never();
        m.api_keys.expect_insert_api_key().never();
        m.api_keys.expect_revoke_api_key().never();
        let state = m.state();
        for (path, form) in [
            (
                "/scanners/PDA-7",
                vec![("version", "2"), ("status", "active"), ("role", "PICKER")],
            ),
            (
                "/users",
                vec![
                    ("username", "bert"),
                    ("display_name", "Bert"),
                    ("role", "PICKER"),
                    ("password", "long enough password"),
                ],
            ),
            (
                "/users/u000000000000000004/edit",
                vec![("version", "3"), ("display_name", "A"), ("role", "PICKER")],
            ),
            (
                "/users/u000000000000000004/password",
                vec![("version", "3"), ("password", "long enough password")],
            ),
            (
                "/roles",
                vec![("name", "CLERK"), ("permission", "inventory.view")],
            ),
            (
                "/roles/CLERK/edit",
                vec![("version", "1"), ("permission", "inventory.view")],
            ),
            ("/roles/CLERK/delete", vec![("version", "1")]),
            ("/apikeys", vec![("name", "k"), ("role", "read")]),
            ("/apikeys/3/revoke", vec![]),
        ] {
            for token in [None, Some("wrong")] {
                let mut form = form.clone();
                if let Some(token) = token {
                    form.push(("_csrf", token));
                }
                let reply = call(&state, post(path, &form)).await;
                assert_eq!(reply.status, 403, "{path} {token:?}: {}", reply.body);
                assert!(reply.body.contains("This form has expired"), "{path}");
            }
        }
    }

    #[actix_rt::test]
    async fn a_manager_approves_a_pending_scanner_with_a_role_from_the_version_drawn() {
        let mut m = admin_mocks("MANAGER");
        let patches = Arc::new(Mutex::new(Vec::new()));
        let seen = patches.clone();
        m.devices
            .expect_update_device()
            .times(1)
            .returning(move |id, expected, patch, _, _, _| {
                seen.lock()
                    .unwrap()
                    .push((id.as_str().to_owned(), expected, patch.clone()));
                Ok(device("PDA-7", DeviceStatus::Active, Some("PICKER")))
            });
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/scanners/PDA-7",
                &[
                    ("_csrf", &csrf()),
                    ("version", "2"),
                    ("role", "PICKER"),
                    ("status", "active"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/scanners?done=approved"));
        let patches = patches.lock().unwrap();
        let (id, expected, patch) = &patches[0];
        assert_eq!(id, "PDA-7");
        assert_eq!(*expected, Expected::Version(2));
        assert_eq!(patch.status, Some(DeviceStatus::Active));
        assert_eq!(patch.role, Some(Some("PICKER".to_owned())));
    }

    #[actix_rt::test]
    async fn a_stale_user_form_says_someone_else_changed_the_user() {
        let mut m = admin_mocks("MANAGER");
        m.users
            .expect_update_user()
            .withf(|_, expected, patch, _, _, _| {
                *expected == Expected::Version(2)
                    && patch.active == Some(false)
                    && patch.display_name.as_deref() == Some("Anna B")
            })
            .times(1)
            .returning(|_, _, _, _, _, _| Err(AppError::PreconditionFailed { current: 3 }));
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/users/u000000000000000004/edit",
                &[
                    ("_csrf", &csrf()),
                    ("version", "2"),
                    ("display_name", "Anna B"),
                    ("role", "PICKER"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(reply.body.contains("Someone else changed this meanwhile"));
        // The current state again, with its current version.
        assert!(reply.body.contains("name=\"version\" value=\"3\""));
    }

    #[actix_rt::test]
    async fn a_new_user_with_bad_input_comes_back_with_422_and_the_fields_messages() {
        let mut m = admin_mocks("MANAGER");
        m.users.expect_create_user().never();
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/users",
                &[
                    ("_csrf", &csrf()),
                    ("username", "bert <b>"),
                    ("display_name", "Bert"),
                    ("role", "PICKER"),
                    ("password", "short"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(
            reply.body.contains("class=\"field-error\""),
            "{}",
            reply.body
        );
        // What was typed stays (escaped), the password does not.
        assert!(
            reply.body.contains("value=\"bert &lt;b&gt;\""),
            "{}",
            reply.body
        );
        assert!(!reply.body.contains("value=\"short\""));
    }

    #[actix_rt::test]
    async fn a_manager_creates_a_user_and_is_led_to_its_page() {
        let mut m = admin_mocks("MANAGER");
        m.users
            .expect_create_user()
            .withf(|new, _, _| {
                new.username == "bert"
                    && new.role == "PICKER"
                    && new.display_name == "Bert B"
                    && new.password_hash.starts_with("$argon2")
            })
            .times(1)
            .returning(|_, _, _| Ok(test_user("PICKER")));
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/users",
                &[
                    ("_csrf", &csrf()),
                    ("username", "bert"),
                    ("display_name", "Bert B"),
                    ("role", "PICKER"),
                    ("password", "long enough password"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(
            reply.header("location"),
            Some("/users/u000000000000000004?done=created")
        );
    }

    #[actix_rt::test]
    async fn a_new_api_key_is_shown_once_in_the_answer_to_its_form_and_never_again() {
        let mut m = admin_mocks("MANAGER");
        m.secrets.expect_fill().returning(|buf| {
            buf.fill(7);
            Ok(())
        });
        m.api_keys
            .expect_insert_api_key()
            .withf(|new, _, _| new.name == "Shop export" && new.role == "read")
            .times(1)
            .returning(|_, _, _| Ok(api_key(false)));
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/apikeys",
                &[
                    ("_csrf", &csrf()),
                    ("name", "Shop export"),
                    ("role", "read"),
                    ("expires", ""),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.header("location"), None);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let start = reply.body.find("value=\"eck_").expect("the key is shown") + 7;
        let end = start + reply.body[start..].find('"').unwrap();
        let key = &reply.body[start..end];
        assert!(key.starts_with("eck_0707070707070707_"), "{key}");
        assert!(reply.body.contains("id=\"new-key\""));
        // The list afterwards holds the key's record, not its text.
        let reply = call(&state, get("/apikeys")).await;
        assert_eq!(reply.status, 200);
        assert!(reply.body.contains("0707070707070707"));
        assert!(!reply.body.contains(key), "the key is shown again");
        assert!(!reply.body.contains("id=\"new-key\""));
        let secret = key.rsplit('_').next().unwrap();
        assert!(!reply.body.contains(secret));
    }

    #[actix_rt::test]
    async fn revoking_a_key_asks_first_and_a_bad_expiry_is_refused_before_any_write() {
        let mut m = admin_mocks("MANAGER");
        m.api_keys.expect_insert_api_key().never();
        m.api_keys
            .expect_revoke_api_key()
            .withf(|id, _, _, _| *id == 3)
            .times(1)
            .returning(|_, _, _, _| Ok(api_key(true)));
        let state = m.state();
        let reply = call(&state, get("/apikeys")).await;
        assert!(
            reply
                .body
                .contains("action=\"/apikeys/3/revoke\" data-confirm=\""),
            "{}",
            reply.body
        );
        let reply = call(
            &state,
            post(
                "/apikeys",
                &[
                    ("_csrf", &csrf()),
                    ("name", "k"),
                    ("role", "read"),
                    ("expires", "next week"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("must be a date"));
        let reply = call(&state, post("/apikeys/3/revoke", &[("_csrf", &csrf())])).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/apikeys?done=revoked"));
    }

    #[actix_rt::test]
    async fn the_admin_pages_speak_german_and_russian_too() {
        let state = admin_mocks("SUPER_ADMIN").state();
        for (lang, words) in [("de", "Warten auf Freigabe"), ("ru", "Ожидают одобрения")]
        {
            let reply = call(
                &state,
                get("/scanners").cookie(actix_web::cookie::Cookie::new("eckwms_lang", lang)),
            )
            .await;
            assert_eq!(reply.status, 200);
            assert!(reply.body.contains(words), "{lang}");
        }
    }
}
// ---- repair desk -------------------------------------------------------------------------

mod repair {
    use chrono::{Duration, Utc};
    use eckwms_application::ports::{Expected, OrderFilter, RecordedAction};
    use eckwms_domain::repair::reconcile::FoundItem;
    use eckwms_domain::repair::{Declared, DeclaredInput, Outcome, RMA_ORDER_BASE};
    use eckwms_domain::{
        ActionKind, Code, Customer, ItemAction, Name, Note, Order, OrderId, OrderStatus,
    };

    use super::*;

    const RMA: &str = "o800000001765101600";
    const RMA_CODE: &str = "RMA17651016002K";

    fn rma_id(n: u64) -> OrderId {
        OrderId::new(RMA_ORDER_BASE + 1_765_101_600 + n).unwrap()
    }

    /// An RMA request of Acme declaring 1234567, SN-88-A7 and X9-00017.
    fn request(n: u64, status: OrderStatus) -> Order {
        let declared: Vec<DeclaredInput> = [
            ("1234567", Some("does not charge")),
            ("SN-88-A7", None),
            ("X9-00017", Some("cracked display")),
        ]
        .into_iter()
        .map(|(serial, description)| DeclaredInput {
            serial: serial.into(),
            description: description.map(Into::into),
        })
        .collect();
        Order {
            id: rma_id(n),
            reference: Some(Code::new("reference", "PO-118").unwrap()),
            customer: Customer {
                company: Some(Name::new("company", "Acme GmbH").unwrap()),
                ..Customer::default()
            },
            status,
            tracking_number: None,
            received_at: (status >= OrderStatus::Received).then(|| now() - Duration::days(3)),
            processed_at: None,
            shipped_at: None,
            public_fields: Default::default(),
            declared: Declared::new("declared", &declared).unwrap(),
            meta: Meta {
                version: 4,
                created_at: now(),
                updated_at: now(),
            },
        }
    }

    /// The request's parcel holds 1234567 (its own item), SN-88-A7 (item 5) and a charger.
    fn parcel(m: &mut Mocks) {
        m.repair.expect_found_items().returning(|_, _| {
            Ok(vec![
                FoundItem {
                    id: ItemId::new(700_000_000_001_234_567).unwrap(),
                    serial: None,
                    barcodes: vec![],
                },
                FoundItem {
                    id: ItemId::new(5).unwrap(),
                    serial: Some(Code::new("serial", "SN-88-A7").unwrap()),
                    barcodes: vec![],
                },
                FoundItem {
                    id: ItemId::new(6).unwrap(),
                    serial: Some(Code::new("serial", "ZZ-404").unwrap()),
                    barcodes: vec![],
                },
            ])
        });
    }

    /// The order page of the received request `RMA`.
    fn order_mocks(role: &str) -> Mocks {
        let mut m = session(role);
        m.orders
            .expect_get_order()
            .returning(|_| Ok(request(0, OrderStatus::Received)));
        m.ledger.expect_history().returning(|_, _| Ok(vec![]));
        m.ledger.expect_object_known().returning(|_| Ok(true));
        parcel(&mut m);
        m
    }

    fn rma_form<'a>(csrf: &'a str, declared: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("_csrf", csrf),
            ("company", "Acme GmbH"),
            ("person", "Jane Doe"),
            ("email", "service@acme.example"),
            ("city", "Berlin"),
            ("reference", "PO-118"),
            ("declared", declared),
        ]
    }

    #[actix_rt::test]
    async fn the_desk_lists_rma_requests_by_status_with_the_overdue_ones_marked() {
        let mut m = session("MANAGER");
        m.orders
            .expect_list_orders()
            .withf(|filter, page| {
                // Only RMA requests: the lists start after the last id before their range.
                page.after == Some(OrderId::new(RMA_ORDER_BASE - 1).unwrap())
                    && filter.received_before.is_none()
            })
            .returning(|filter: &OrderFilter, _| {
                Ok(match filter.status {
                    Some(OrderStatus::Received) => {
                        let mut recent = request(1, OrderStatus::Received);
                        recent.received_at = Some(Utc::now() - Duration::days(2));
                        let mut old = request(2, OrderStatus::Received);
                        old.received_at = Some(Utc::now() - Duration::days(31));
                        old.customer.company = Some(Name::new("company", "Old <Co>").unwrap());
                        vec![recent, old]
                    }
                    Some(OrderStatus::Created) => vec![request(3, OrderStatus::Created)],
                    _ => vec![],
                })
            });
        let state = m.state();
        let reply = call(&state, get("/repair")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_secure(&reply);
        let body = &reply.body;
        assert!(
            body.contains("href=\"/repair\" aria-current=\"page\""),
            "in the navigation"
        );
        assert!(body.contains("Old &lt;Co&gt;"), "escaped");
        // The oldest arrival first, with its age, marked overdue (30 days or more).
        let old = body.find(&rma_id(2).to_string()).unwrap();
        let recent = body.find(&rma_id(1).to_string()).unwrap();
        assert!(old < recent, "oldest first");
        assert!(body.contains("31 days"), "{body}");
        assert!(body.contains("2 days"), "{body}");
        assert_eq!(body.matches("<tr class=\"overdue\"").count(), 1, "{body}");
        assert!(body.contains(&rma_id(3).to_string()));
        assert!(body.contains("href=\"/repair/new\""));
        assert!(body.contains("href=\"/repair?missing=1\""));
        assert!(body.contains("action=\"/repair/report\""));
    }

    #[actix_rt::test]
    async fn the_desk_filters_the_received_requests_missing_devices() {
        let mut m = session("TECHNICIAN");
        m.orders
            .expect_list_orders()
            .withf(|filter, _| filter.arrived_rma && filter.status == Some(OrderStatus::Received))
            .returning(|_, _| {
                Ok(vec![
                    request(1, OrderStatus::Received),
                    request(2, OrderStatus::Received),
                ])
            });
        // The first request's parcel holds everything, the second's nothing.
        m.repair.expect_found_items().returning(|order, _| {
            Ok(if order == rma_id(1) {
                vec![
                    FoundItem {
                        id: ItemId::new(700_000_000_001_234_567).unwrap(),
                        serial: None,
                        barcodes: vec![],
                    },
                    FoundItem {
                        id: ItemId::new(5).unwrap(),
                        serial: Some(Code::new("serial", "SN-88-A7").unwrap()),
                        barcodes: vec![],
                    },
                    FoundItem {
                        id: ItemId::new(6).unwrap(),
                        serial: Some(Code::new("serial", "X9-00017").unwrap()),
                        barcodes: vec![],
                    },
                ]
            } else {
                vec![]
            })
        });
        let state = m.state();
        let reply = call(&state, get("/repair?missing=1")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.body.contains("id=\"list-missing\""));
        assert!(
            !reply.body.contains(&rma_id(1).to_string()),
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains(&rma_id(2).to_string()),
            "{}",
            reply.body
        );
        // A technician does not make RMA requests nor export reports.
        assert!(!reply.body.contains("href=\"/repair/new\""));
        assert!(!reply.body.contains("action=\"/repair/report\""));
    }

    #[actix_rt::test]
    async fn a_role_without_orders_manage_or_repair_work_is_refused_every_repair_page() {
        let mut m = order_mocks("PICKER");
        m.items.expect_get_item().returning(|_| Ok(item("Phone")));
        m.items
            .expect_list_item_actions()
            .returning(|_, _| Ok(vec![]));
        m.moves.expect_location().returning(|_| {
            Ok(Location {
                object: Movable::Item(item_id()),
                path: vec![],
                place: None,
                warehouse: None,
            })
        });
        m.orders.expect_list_orders().never();
        m.repair.expect_create_rma().never();
        m.orders.expect_update_order().never();
        m.items.expect_add_item_action().never();
        let state = m.state();
        for path in ["/repair", "/repair/new", "/repair/report?from=2026-12-01"] {
            let reply = call(&state, get(path)).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.body);
            assert!(reply.body.contains("<html"), "{path}: an HTML page");
        }
        let reply = call(&state, get("/repair")).await;
        assert!(reply.body.contains("orders.manage"), "{}", reply.body);
        for (path, form) in [
            ("/repair/new", rma_form(&csrf(), "1234567")),
            (
                &format!("/orders/{RMA}/status") as &str,
                vec![
                    ("_csrf", &csrf() as &str),
                    ("version", "4"),
                    ("status", "processed"),
                ],
            ),
            (
                "/items/i000000000000000042/actions",
                vec![
                    ("_csrf", &csrf() as &str),
                    ("type", "check"),
                    ("message", "looked"),
                ],
            ),
        ] {
            let reply = call(&state, post(path, &form)).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.body);
            assert!(reply.body.contains("<html"), "{path}: an HTML page");
        }
        // Not offered either: no link in the navigation, no forms on the pages.
        let reply = call(&state, get("/items/i000000000000000042")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(!reply.body.contains("href=\"/repair\""));
        assert!(!reply.body.contains("/actions\""));
        let reply = call(&state, get(&format!("/orders/{RMA}"))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(!reply.body.contains("/status\""));
        assert!(!reply.body.contains("slip.pdf"));
    }

    #[actix_rt::test]
    async fn repair_forms_without_the_sessions_csrf_token_change_nothing() {
        let mut m = order_mocks("MANAGER");
        m.repair.expect_create_rma().never();
        m.orders.expect_update_order().never();
        m.items.expect_add_item_action().never();
        m.unit.expect_run().never();
        let state = m.state();
        for (path, form) in [
            ("/repair/new", rma_form("wrong", "1234567")),
            (
                &format!("/orders/{RMA}/status") as &str,
                vec![("version", "4"), ("status", "processed")],
            ),
            (
                "/items/i000000000000000042/actions",
                vec![("_csrf", ""), ("type", "check"), ("message", "looked")],
            ),
        ] {
            let reply = call(&state, post(path, &form)).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        }
    }

    #[actix_rt::test]
    async fn a_new_rma_request_goes_to_its_order_page() {
        let mut m = session("MANAGER");
        m.repair
            .expect_create_rma()
            .times(1)
            .withf(|new, _, _| {
                let serials: Vec<&str> = new
                    .declared
                    .devices()
                    .iter()
                    .map(|d| d.serial.as_str())
                    .collect();
                serials == ["1234567", "SN-88-A7", "X9-00017"]
                    && new.declared.devices()[0]
                        .description
                        .as_ref()
                        .map(|d| d.as_str())
                        == Some("does not charge; badly")
                    && new.declared.devices()[1].description.is_none()
                    && new.customer.company.as_ref().map(|c| c.as_str()) == Some("Acme GmbH")
                    && new.customer.street.is_none()
                    && new.reference.as_ref().map(|r| r.as_str()) == Some("PO-118")
            })
            .returning(|_, _, _| Ok(request(0, OrderStatus::Created)));
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/repair/new",
                &rma_form(
                    &csrf(),
                    "1234567;does not charge; badly\r\n\r\nSN-88-A7\r\n X9-00017 ; \r\n",
                ),
            ),
        )
        .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(
            reply.header("location"),
            Some(&format!("/orders/{RMA}") as &str)
        );
        // The form itself.
        let reply = call(&state, get("/repair/new")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.body.contains("name=\"declared\""));
        assert!(reply.body.contains(&format!("value=\"{}\"", csrf())));
    }

    #[actix_rt::test]
    async fn a_bad_declared_line_is_a_422_naming_the_line_and_keeps_the_form() {
        let mut m = session("MANAGER");
        m.repair.expect_create_rma().never();
        let state = m.state();
        for (declared, expected) in [
            (
                "1234567;ok\nSN 88;bad",
                "Line 2: must not contain whitespace",
            ),
            ("1234567\n\n;no serial", "Line 3: the serial is missing"),
            (
                "1234567\nsn-1\nSN-1;again",
                "Line 3: the device of line 2 again",
            ),
        ] {
            let reply = call(&state, post("/repair/new", &rma_form(&csrf(), declared))).await;
            assert_eq!(reply.status, 422, "{declared}: {}", reply.body);
            assert!(
                reply.body.contains(expected),
                "{expected} not in {}",
                reply.body
            );
            assert!(
                reply.body.contains("value=\"Acme GmbH\""),
                "the form keeps its values"
            );
        }
        // German, too.
        let reply = call(
            &state,
            post("/repair/new", &rma_form(&csrf(), "a\nb c"))
                .cookie(actix_web::cookie::Cookie::new("eckwms_lang", "de")),
        )
        .await;
        assert_eq!(reply.status, 422);
        assert!(reply.body.contains("Zeile 2:"), "{}", reply.body);
    }

    #[actix_rt::test]
    async fn an_rma_requests_order_page_reconciles_and_offers_the_slip_and_status() {
        let state = order_mocks("MANAGER").state();
        let reply = call(&state, get(&format!("/orders/{RMA}"))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = &reply.body;
        assert!(body.contains(RMA_CODE), "{body}");
        assert!(body.contains(&format!("href=\"/orders/{RMA}/slip.pdf\"")));
        assert!(body.contains("2 matched"), "{body}");
        assert!(body.contains("1 missing"), "{body}");
        assert!(body.contains("1 undeclared"), "{body}");
        assert!(body.contains("href=\"/items/i700000000001234567\""));
        assert!(body.contains("href=\"/items/i000000000000000006\""));
        assert!(body.contains("3 days"), "the age: {body}");
        assert!(body.contains(&format!("action=\"/orders/{RMA}/status\"")));
        assert!(body.contains("value=\"processed\""));
        assert!(body.contains("value=\"shipped\""));
    }

    #[actix_rt::test]
    async fn an_unfinished_repair_is_refused_with_the_devices_named() {
        let mut m = order_mocks("MANAGER");
        m.repair.expect_items_with_result().returning(|items| {
            // Item 5 has its result; the other device has none.
            Ok(items.iter().copied().filter(|i| i.number() == 5).collect())
        });
        m.orders.expect_update_order().never();
        let state = m.state();
        let reply = call(
            &state,
            post(
                &format!("/orders/{RMA}/status"),
                &[
                    ("_csrf", &csrf()),
                    ("version", "4"),
                    ("status", "processed"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(
            reply.body.contains("The repair is not finished"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("i700000000001234567"), "{}", reply.body);
        assert!(
            reply.body.contains("id=\"reconciliation\""),
            "the order page again"
        );
    }

    #[actix_rt::test]
    async fn a_stale_status_form_says_someone_else_changed_the_order() {
        let mut m = order_mocks("MANAGER");
        m.orders
            .expect_update_order()
            .times(1)
            .withf(|_, expected, patch, _| {
                *expected == Expected::Version(3) && patch.status == Some(OrderStatus::Shipped)
            })
            .returning(|_, _, _, _| Err(AppError::PreconditionFailed { current: 4 }));
        let state = m.state();
        let reply = call(
            &state,
            post(
                &format!("/orders/{RMA}/status"),
                &[("_csrf", &csrf()), ("version", "3"), ("status", "shipped")],
            ),
        )
        .await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(reply.body.contains("Someone else changed this meanwhile"));
        assert!(reply.body.contains("name=\"version\" value=\"4\""));
    }

    #[actix_rt::test]
    async fn the_slip_is_a_pdf_for_a_manager_and_a_403_page_for_a_technician() {
        let state = order_mocks("MANAGER").state();
        let reply = call(&state, get(&format!("/orders/{RMA}/slip.pdf"))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/pdf"));
        assert_eq!(
            reply.header("content-disposition"),
            Some(&format!("inline; filename=\"{RMA_CODE}.pdf\"") as &str)
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let state = order_mocks("TECHNICIAN").state();
        let reply = call(&state, get(&format!("/orders/{RMA}/slip.pdf"))).await;
        assert_eq!(reply.status, 403);
        assert!(reply.body.contains("<html"));
    }

    fn recorded(kind: ActionKind, outcome: Option<Outcome>) -> RecordedAction {
        RecordedAction {
            seq: 1,
            action: ItemAction {
                kind,
                message: Note::new("message", "battery swollen").unwrap(),
                at: now(),
                actor: "user:u000000000000000004".into(),
                result: outcome.map(|o| {
                    eckwms_domain::repair::RepairResult::new(
                        "parts",
                        o,
                        vec!["1x battery".into()],
                        true,
                    )
                    .unwrap()
                }),
            },
        }
    }

    /// Item 42 for a technician, with a cause and a result recorded.
    fn technician_item() -> Mocks {
        let mut m = item_mocks("TECHNICIAN", "Phone");
        m.items.checkpoint();
        m.items.expect_get_item().returning(|_| Ok(item("Phone")));
        m.items.expect_list_item_actions().returning(|_, _| {
            Ok(vec![
                recorded(ActionKind::Cause, None),
                recorded(ActionKind::Result, Some(Outcome::Repaired)),
            ])
        });
        m
    }

    #[actix_rt::test]
    async fn an_items_page_lists_its_repair_steps_with_the_form_to_record_one() {
        let state = technician_item().state();
        let reply = call(&state, get("/items/i000000000000000042")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = &reply.body;
        assert!(body.contains("battery swollen"));
        assert!(body.contains("Repaired"));
        assert!(body.contains("1x battery"));
        assert!(body.contains("action=\"/items/i000000000000000042/actions\""));
        assert!(body.contains("name=\"outcome\""));
        assert!(body.contains("name=\"warranty\""));
    }

    #[actix_rt::test]
    async fn a_result_is_recorded_with_its_outcome_parts_and_warranty() {
        let mut m = technician_item();
        m.items
            .expect_add_item_action()
            .times(1)
            .withf(|id, action, _| {
                let result = action.result.as_ref().unwrap();
                *id == item_id()
                    && action.kind == ActionKind::Result
                    && action.message.as_str() == "new battery"
                    && result.outcome == Outcome::Replaced
                    && result.parts.iter().map(|p| p.as_str()).collect::<Vec<_>>()
                        == ["1x battery", "2x screw"]
                    && result.warranty
            })
            .returning(|_, action, _| Ok(action.clone()));
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/items/i000000000000000042/actions",
                &[
                    ("_csrf", &csrf()),
                    ("type", "result"),
                    ("message", " new battery "),
                    ("outcome", "replaced"),
                    ("parts", "1x battery\r\n\r\n2x screw\r\n"),
                    ("warranty", "1"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(
            reply.header("location"),
            Some("/items/i000000000000000042?done=saved#repair")
        );
    }

    #[actix_rt::test]
    async fn a_bad_repair_step_is_a_422_with_its_field_messages() {
        let mut m = technician_item();
        m.items.expect_add_item_action().never();
        let state = m.state();
        for (form, expected) in [
            (
                vec![("type", "result"), ("message", "done")],
                "a result needs its outcome",
            ),
            (
                vec![
                    ("type", "check"),
                    ("message", "done"),
                    ("outcome", "repaired"),
                ],
                "only a result has an outcome",
            ),
            (
                vec![("type", "check"), ("message", "")],
                "must not be empty",
            ),
        ] {
            let mut form = form;
            let token = csrf();
            form.push(("_csrf", &token));
            let reply = call(&state, post("/items/i000000000000000042/actions", &form)).await;
            assert_eq!(reply.status, 422, "{form:?}: {}", reply.body);
            assert!(reply.body.contains(expected), "{expected}: {}", reply.body);
            assert!(reply.body.contains("class=\"field-error\""));
        }
    }

    #[actix_rt::test]
    async fn the_service_report_form_leads_to_the_apis_csv_for_the_readers_days() {
        let state = session("MANAGER").state();
        let reply = call(
            &state,
            get("/repair/report?from=2026-12-01&to=2026-12-31&status=shipped")
                .cookie(actix_web::cookie::Cookie::new("eckwms_tz", "60")),
        )
        .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(
            reply.header("location"),
            Some(
                "/api/v1/reports/service.csv?from=2026-11-30T23%3A00%3A00Z\
                 &to=2026-12-31T23%3A00%3A00Z&status=shipped"
            )
        );
        let reply = call(&state, get("/repair/report?from=&to=&status=")).await;
        assert_eq!(
            reply.header("location"),
            Some("/api/v1/reports/service.csv")
        );
    }

    #[actix_rt::test]
    async fn a_bad_report_period_shows_the_desk_again_with_422() {
        let mut m = session("MANAGER");
        m.orders.expect_list_orders().returning(|_, _| Ok(vec![]));
        let state = m.state();
        let reply = call(
            &state,
            get("/repair/report?from=2026-12-31&to=2026-12-01&status=lost"),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("must not be before the start"));
        assert!(reply.body.contains("must be a status of an order"));
        assert!(reply.body.contains("value=\"2026-12-31\""));
    }
}

mod layout_pages {
    use eckwms_application::ports::{PlaceOccupancy, RackOccupancy};
    use eckwms_domain::{Place, Rack, RackCell, RackId, RackLayout, Warehouse, WarehouseId};

    use super::*;

    fn meta(version: i64) -> Meta {
        Meta {
            version,
            created_at: now(),
            updated_at: now(),
        }
    }

    fn rack(id: i64, name: &str, columns: i64, rows: i64, rotation: i32) -> Rack {
        Rack {
            id: RackId(id),
            warehouse_id: WarehouseId(1),
            name: Name::new("name", name).unwrap(),
            prefix: None,
            layout: RackLayout::new(columns, rows, 0).unwrap(),
            sort_order: 0,
            pos_x: 2 * id as i32,
            pos_y: 3,
            rotation,
            meta: meta(5),
        }
    }

    /// Warehouse 1 "Main" with rack 1 (3 x 2, turned 90°, 3 of 6 places occupied) and rack 2
    /// "<b>" (2 x 2, empty).
    fn floor_mocks(role: &str) -> Mocks {
        let mut m = session(role);
        let main = || Warehouse {
            id: WarehouseId(1),
            name: Name::new("name", "Main").unwrap(),
            id_offset: 0,
            meta: meta(1),
        };
        m.warehouses
            .expect_list_warehouses()
            .returning(move |_| Ok(vec![main()]));
        m.warehouses
            .expect_get_warehouse()
            .returning(move |_| Ok(main()));
        m.warehouses.expect_floor_racks().returning(|_| {
            Ok(vec![
                RackOccupancy {
                    rack: rack(1, "Rack A", 3, 2, 90),
                    places: 6,
                    occupied: 3,
                },
                RackOccupancy {
                    rack: rack(2, "<b>", 2, 2, 0),
                    places: 4,
                    occupied: 0,
                },
            ])
        });
        m.warehouses
            .expect_get_rack()
            .returning(|id| Ok(rack(id.0, "Rack A", 3, 2, 90)));
        m.warehouses.expect_rack_places().returning(|id| {
            Ok((0..6u32)
                .map(|index| PlaceOccupancy {
                    place: Place {
                        id: PlaceId::new(100 + u64::from(index)).unwrap(),
                        warehouse_id: WarehouseId(1),
                        name: Name::new("name", format!("A-{index}")).unwrap(),
                        rack: Some(RackCell {
                            rack_id: id,
                            index,
                            column: index % 3,
                            row: index / 3,
                        }),
                        role: None,
                        meta: meta(1),
                    },
                    occupied: index == 4,
                })
                .collect())
        });
        m
    }

    /// The inline SVG of the floor plan.
    fn plan(body: &str) -> &str {
        let start = body.find("id=\"plan\"").expect("a floor plan");
        let end = start + body[start..].find("</svg>").expect("its end");
        &body[start..end]
    }

    #[actix_rt::test]
    async fn the_floor_plan_draws_each_rack_filled_by_its_occupancy() {
        let state = floor_mocks("MANAGER").state();
        let reply = call(&state, get("/layout")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_secure(&reply);
        let svg = plan(&reply.body);
        assert_eq!(svg.matches("<rect ").count(), 2, "{svg}");
        assert!(
            svg.contains("<rect class=\"rack occ-3\" data-rack=\"1\""),
            "{svg}"
        );
        assert!(
            svg.contains("<rect class=\"rack occ-0\" data-rack=\"2\""),
            "{svg}"
        );
        assert!(svg.contains("href=\"/layout/racks/1\""));
        assert!(svg.contains("href=\"/layout/racks/2\""));
        // 3 x 2 cells of 24 px, moved to (2, 3) cells and turned about it.
        assert!(
            svg.contains("width=\"72\" height=\"48\" transform=\"translate(48 72) rotate(90)\""),
            "{svg}"
        );
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(!reply.body.contains("style="), "no inline style");
        // The racks as a table, the warehouse chosen, the new rack form with the token.
        assert!(reply.body.contains("3 (50%)"));
        assert!(
            reply
                .body
                .contains("href=\"/layout?warehouse=1\" aria-current=\"page\"")
        );
        assert!(reply.body.contains("action=\"/layout/racks\""));
        // The new rack's cells are offered after the last rack's (rack 2: 4 cells from 0).
        assert!(
            reply
                .body
                .contains("name=\"start_index\" required min=\"0\" value=\"6\""),
            "{}",
            reply.body
        );
        assert!(
            reply
                .body
                .contains("href=\"/layout\" aria-current=\"page\""),
            "in the navigation"
        );
        // The rack: its places as a grid, each linking to its place, occupied or empty.
        let reply = call(&state, get("/layout/racks/1")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.body.matches("<td class=\"cell occupied\">").count(),
            1
        );
        assert_eq!(reply.body.matches("<td class=\"cell empty\">").count(), 5);
        assert!(reply.body.contains("href=\"/places/p000000000000000104\""));
        assert!(reply.body.contains("1 of 6 places occupied"));
        assert!(reply.body.contains("name=\"version\" value=\"5\""));
        // An id that is none is a 404 page.
        let reply = call(&state, get("/layout/racks/x1")).await;
        assert_eq!(reply.status, 404);
    }

    #[actix_rt::test]
    async fn rack_forms_are_not_offered_without_settings_edit_and_refused_anyway() {
        let mut m = floor_mocks("PICKER");
        m.warehouses.expect_create_rack().never();
        m.warehouses.expect_update_rack().never();
        let state = m.state();
        let reply = call(&state, get("/layout")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.body.contains("id=\"plan\""));
        assert!(!reply.body.contains("action=\"/layout/racks\""));
        let reply = call(&state, get("/layout/racks/1")).await;
        assert_eq!(reply.status, 200);
        assert!(!reply.body.contains("/edit\""));
        for (path, form) in [
            (
                "/layout/racks",
                vec![
                    ("warehouse", "1"),
                    ("name", "B"),
                    ("columns", "2"),
                    ("rows", "2"),
                    ("start_index", "10"),
                    ("pos_x", "0"),
                    ("pos_y", "0"),
                    ("rotation", "0"),
                ],
            ),
            (
                "/layout/racks/1/edit",
                vec![
                    ("version", "5"),
                    ("name", "B"),
                    ("pos_x", "0"),
                    ("pos_y", "0"),
                    ("rotation", "0"),
                ],
            ),
        ] {
            let token = csrf();
            let mut form = form;
            form.push(("_csrf", &token));
            let reply = call(&state, post(path, &form)).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.body);
            assert!(reply.body.contains("settings.edit"), "{}", reply.body);
        }
    }

    #[actix_rt::test]
    async fn a_rack_form_without_the_sessions_csrf_token_changes_nothing() {
        let mut m = floor_mocks("MANAGER");
        m.warehouses.expect_create_rack().never();
        m.warehouses.expect_update_rack().never();
        let state = m.state();
        for (path, form) in [
            (
                "/layout/racks",
                vec![
                    ("_csrf", "wrong"),
                    ("warehouse", "1"),
                    ("name", "B"),
                    ("columns", "2"),
                    ("rows", "2"),
                    ("start_index", "10"),
                    ("pos_x", "0"),
                    ("pos_y", "0"),
                    ("rotation", "0"),
                ],
            ),
            (
                "/layout/racks/1/edit",
                vec![
                    ("version", "5"),
                    ("name", "B"),
                    ("pos_x", "0"),
                    ("pos_y", "0"),
                    ("rotation", "0"),
                ],
            ),
        ] {
            let reply = call(&state, post(path, &form)).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        }
    }

    #[actix_rt::test]
    async fn a_new_rack_goes_to_its_page_and_a_bad_one_is_refused_before_any_write() {
        let mut m = floor_mocks("MANAGER");
        m.warehouses
            .expect_create_rack()
            .withf(|new, _| {
                new.warehouse_id == WarehouseId(1)
                    && new.name.as_str() == "Rack C"
                    && (new.layout.columns(), new.layout.rows()) == (4, 2)
                    && new.layout.start_index() == 40
                    && (new.pos_x, new.pos_y, new.rotation) == (-3, 8, 270)
            })
            .times(1)
            .returning(|new, _| {
                Ok(eckwms_application::ports::RackWithPlaces {
                    rack: Rack {
                        id: RackId(7),
                        ..rack(7, new.name.as_str(), 4, 2, new.rotation)
                    },
                    places: Vec::new(),
                })
            });
        let state = m.state();
        let form = |columns: &'static str, rotation: &'static str| {
            vec![
                ("warehouse", "1"),
                ("name", "Rack C"),
                ("columns", columns),
                ("rows", "2"),
                ("start_index", "40"),
                ("pos_x", "-3"),
                ("pos_y", "8"),
                ("rotation", rotation),
            ]
        };
        let token = csrf();
        let mut bad = form("many", "360");
        bad.push(("_csrf", &token));
        let reply = call(&state, post("/layout/racks", &bad)).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(
            reply.body.contains("must be a whole number"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("between 0 and 359"), "{}", reply.body);
        assert!(
            reply.body.contains("value=\"Rack C\""),
            "the form keeps what was typed"
        );
        let mut good = form("4", "270");
        good.push(("_csrf", &token));
        let reply = call(&state, post("/layout/racks", &good)).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(
            reply.header("location"),
            Some("/layout/racks/7?done=created")
        );
    }

    #[actix_rt::test]
    async fn a_stale_rack_edit_says_someone_else_changed_it() {
        let mut m = floor_mocks("MANAGER");
        m.warehouses
            .expect_update_rack()
            .withf(|id, expected, patch, _| {
                *id == RackId(1)
                    && *expected == eckwms_application::ports::Expected::Version(4)
                    && patch.name == Some(Name::new("name", "Rack Z").unwrap())
                    && (patch.pos_x, patch.pos_y, patch.rotation) == (Some(1), Some(2), Some(180))
            })
            .times(1)
            .returning(|_, _, _, _| Err(AppError::PreconditionFailed { current: 5 }));
        let state = m.state();
        let reply = call(
            &state,
            post(
                "/layout/racks/1/edit",
                &[
                    ("_csrf", &csrf()),
                    ("version", "4"),
                    ("name", "Rack Z"),
                    ("pos_x", "1"),
                    ("pos_y", "2"),
                    ("rotation", "180"),
                ],
            ),
        )
        .await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(reply.body.contains("Someone else changed this meanwhile"));
        // The current state again, with its current version in the form.
        assert!(reply.body.contains("name=\"version\" value=\"5\""));
    }

    #[actix_rt::test]
    async fn the_layout_speaks_german_and_russian_too() {
        let state = floor_mocks("MANAGER").state();
        for (lang, words) in [("de", "Neues Regal"), ("ru", "Новый стеллаж")] {
            let reply = call(
                &state,
                get("/layout").cookie(actix_web::cookie::Cookie::new("eckwms_lang", lang)),
            )
            .await;
            assert_eq!(reply.status, 200);
            assert!(reply.body.contains(words), "{lang}");
        }
    }
}

/// Logged in, the switch is a form: the choice becomes the user's setting (with the CSRF
/// token only), and the user's setting wins over the cookie and the browser's language.
#[actix_rt::test]
async fn a_users_language_is_their_setting_and_the_switch_stores_it() {
    let mut m = Mocks::new().with_session(
        User {
            language: Some(eckwms_i18n::Lang::Ru),
            ..test_user("MANAGER")
        },
        seeded_role("MANAGER").unwrap().permissions,
    );
    m.sessions.expect_touch_session().returning(|_, _| Ok(()));
    m.users
        .expect_update_user()
        .times(1)
        .withf(|id, _, patch, _, entry, _| {
            *id == UserId::new(4).unwrap()
                && patch.language == Some(Some(eckwms_i18n::Lang::De))
                && entry.event == "user_changed"
        })
        .returning(|_, _, _, _, _, _| {
            Ok(User {
                language: Some(eckwms_i18n::Lang::De),
                ..test_user("MANAGER")
            })
        });
    let state = m.state();

    let reply = call(
        &state,
        get("/labels")
            .cookie(actix_web::cookie::Cookie::new("eckwms_lang", "de"))
            .insert_header(("accept-language", "de")),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("<html lang=\"ru\">"), "{}", reply.body);
    assert!(reply.body.contains("action=\"/language\""));

    // Without the token: refused, nothing stored (update_user is expected once, below).
    let reply = call(
        &state,
        post("/language", &[("lang", "de"), ("next", "/labels")]),
    )
    .await;
    assert_eq!(reply.status, 403);

    let token = csrf();
    let reply = call(
        &state,
        post(
            "/language",
            &[("_csrf", &token), ("lang", "de"), ("next", "/labels")],
        ),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/labels"));
    assert!(
        reply
            .cookies()
            .iter()
            .any(|c| c.starts_with("eckwms_lang=de"))
    );
}
